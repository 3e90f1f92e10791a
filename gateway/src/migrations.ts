import type { Migration } from '@fedswarm/storage'

export const ORIGIN_NAMESPACE = 'origin'

export const originMigrations: Migration[] = [
  {
    id: '001_media',
    sql: `
      CREATE TABLE media (
        id text PRIMARY KEY,
        sha256 text NOT NULL,
        digest_multibase text NOT NULL,
        info_hash text NOT NULL,
        media_type text NOT NULL,
        size bigint NOT NULL,
        piece_length integer NOT NULL,
        torrent bytea NOT NULL,
        blob_key text NOT NULL,
        hot_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        delete_reason text
      );
      CREATE UNIQUE INDEX media_live_sha256 ON media (sha256) WHERE deleted_at IS NULL;
      CREATE UNIQUE INDEX media_info_hash ON media (info_hash);
      CREATE INDEX media_hot ON media (hot_at) WHERE hot_at IS NOT NULL AND deleted_at IS NULL;
      CREATE TABLE tombstones (
        sha256 text PRIMARY KEY,
        info_hash text NOT NULL,
        media_id text NOT NULL,
        deleted_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE origin_keys (
        id text PRIMARY KEY,
        private_key_pem text NOT NULL,
        public_key_pem text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );`
  },
  {
    id: '002_instances',
    sql: `
      CREATE TABLE instances (
        domain text PRIMARY KEY,
        public_url text NOT NULL,
        key_id text NOT NULL UNIQUE,
        public_key_pem text NOT NULL,
        mirror_base text NOT NULL,
        status text NOT NULL DEFAULT 'active',
        registered_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE holdings (
        domain text NOT NULL REFERENCES instances (domain) ON DELETE CASCADE,
        info_hash text NOT NULL,
        since timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (domain, info_hash)
      );
      CREATE INDEX holdings_info_hash ON holdings (info_hash);
      CREATE TABLE seen_nonces (
        key_id text NOT NULL,
        nonce text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (key_id, nonce)
      );
      CREATE INDEX seen_nonces_expiry ON seen_nonces (expires_at);`
  },
  {
    id: '003_events',
    sql: `
      CREATE TABLE events (
        seq bigserial PRIMARY KEY,
        type text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );`
  },
  {
    id: '004_deletions',
    sql: `
      -- Set once the blob of a deleted item is gone from the store; until then every start retries.
      ALTER TABLE media ADD COLUMN blob_removed_at timestamptz;
      CREATE INDEX media_blob_to_remove ON media (id) WHERE deleted_at IS NOT NULL AND blob_removed_at IS NULL;
      CREATE INDEX tombstones_media_id ON tombstones (media_id);
      CREATE TABLE deletions (
        seq bigint PRIMARY KEY,
        media_id text NOT NULL UNIQUE REFERENCES media (id),
        info_hash text NOT NULL,
        notice jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE acks (
        domain text NOT NULL REFERENCES instances (domain) ON DELETE CASCADE,
        seq bigint NOT NULL REFERENCES deletions (seq),
        acked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (domain, seq)
      );
      CREATE INDEX acks_seq ON acks (seq);
      -- When the ack sweep last poked the seeder (one poke per sweep interval, whatever the number of processes).
      ALTER TABLE instances ADD COLUMN poked_at timestamptz;`
  },
  {
    id: '005_mirror_capacity',
    sql: `
      -- Bytes per second the seeder said in its last holdings report it can serve as a mirror; null when it did not say.
      ALTER TABLE instances ADD COLUMN capacity bigint;`
  },
  {
    id: '006_front_keys',
    sql: `
      -- The drop-in front (gateway/src/front/): each key of the server's store it served, and the item made of its bytes.
      -- Several keys may share one item (the same bytes stored twice). removed_at: the object left the store and the
      -- item was deleted for it; the key answers 410 until the server stores an object under it again.
      CREATE TABLE front_keys (
        key text PRIMARY KEY,
        media_id text NOT NULL REFERENCES media (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz
      );
      CREATE INDEX front_keys_media_id ON front_keys (media_id);`
  },
  {
    id: '007_pending_blobs',
    sql: `
      -- A blob being moved into the store for an upload whose item is not committed yet. The row goes in the
      -- transaction that inserts the item; one left behind (the process died in between) names a blob that no item
      -- owns, and the next start removes it.
      CREATE TABLE pending_blobs (
        blob_key text PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now()
      );`
  },
  {
    id: '008_filling_holdings',
    sql: `
      -- false: the seeder is fetching the item now (it may stream it to fetchers the origin redirects, piece by
      -- verified piece); true: it holds the whole item, checked against the manifest's sha256.
      ALTER TABLE holdings ADD COLUMN complete boolean NOT NULL DEFAULT true;`
  },
  {
    id: '009_locality_claims',
    sql: `
      -- Its own server first (gateway/src/mirrors/locality.ts). server_addresses: the prefixes the seeder's latest
      -- registration declared for its own server (FEDSWARM_SERVER_ADDRESSES), null when it claims no locality.
      -- seen_addresses: the addresses the origin saw it use then (its registration request's, its public URL's).
      ALTER TABLE instances ADD COLUMN server_addresses jsonb;
      ALTER TABLE instances ADD COLUMN seen_addresses jsonb NOT NULL DEFAULT '[]';`

  },
  {
    id: '010_canaries',
    sql: `
      -- A small item of random bytes made for one seeder when it registers (gateway/src/mirrors/canaries.ts): its
      -- copy is verified like any other, so a new seeder earns trust within seconds. Not media: never announced,
      -- listed, redirected to or tombstoned; removed quietly at expires_at. The bytes stay in the row (a few KiB).
      CREATE TABLE canaries (
        info_hash text PRIMARY KEY,
        id text NOT NULL UNIQUE,
        domain text NOT NULL REFERENCES instances (domain) ON DELETE CASCADE,
        sha256 text NOT NULL,
        digest_multibase text NOT NULL,
        piece_length integer NOT NULL,
        torrent bytea NOT NULL,
        bytes bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX canaries_domain ON canaries (domain);`
  },
  {
    id: '011_traffic_minutes',
    sql: `
      -- The console's traffic series (gateway/src/traffic/): per minute, what this origin sent (media over HTTP, its
      -- own peer's swarm uploads), what swarm peers said they uploaded, what went to mirrors by redirect, requests.
      -- Each process adds what it counted to the row of the minute; rows older than 7 days are pruned.
      CREATE TABLE traffic_minutes (
        minute timestamptz PRIMARY KEY,
        origin_http_bytes bigint NOT NULL DEFAULT 0,
        origin_peer_bytes bigint NOT NULL DEFAULT 0,
        swarm_bytes bigint NOT NULL DEFAULT 0,
        mirror_bytes bigint NOT NULL DEFAULT 0,
        requests bigint NOT NULL DEFAULT 0,
        redirects bigint NOT NULL DEFAULT 0
      );`
  }
]
