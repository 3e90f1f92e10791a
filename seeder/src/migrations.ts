import type { Migration } from '@fedswarm/storage'

export const SEEDER_NAMESPACE = 'seeder'

/** Every table of the seeder, in an order that satisfies foreign keys (the PGlite-to-SQLite upgrade copies them). */
export const SEEDER_TABLES = ['seeder_keys', 'seeder_origins', 'seeder_items', 'seeder_tombstones', 'seeder_probes', 'seeder_refusals']

/**
 * These migrations run on PostgreSQL, PGlite (data folders of earlier
 * versions, upgraded at start) and SQLite, the seeder's embedded engine:
 * keep them in the subset all three share (storage/src/migrations.ts).
 */
export const seederMigrations: Migration[] = [
  {
    id: '001_items',
    sql: `
      CREATE TABLE seeder_items (
        info_hash text PRIMARY KEY,
        origin text NOT NULL,
        media_id text NOT NULL,
        sha256 text NOT NULL,
        media_type text NOT NULL,
        size bigint NOT NULL,
        torrent bytea NOT NULL,
        state text NOT NULL CHECK (state IN ('fetching', 'complete')),
        file_mtime_ms double precision,
        requests double precision NOT NULL DEFAULT 0,
        demanded_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      );
      CREATE TABLE seeder_origins (
        origin text PRIMARY KEY,
        event_cursor bigint,
        public_key_pem text,
        registered_at timestamptz
      );
      CREATE TABLE seeder_keys (
        id text PRIMARY KEY,
        private_key_pem text NOT NULL,
        public_key_pem text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );`
  },
  {
    id: '002_deletions',
    sql: `
      CREATE TABLE seeder_tombstones (
        info_hash text PRIMARY KEY,
        origin text NOT NULL,
        seq bigint NOT NULL,
        deleted_at timestamptz NOT NULL DEFAULT now()
      );
      ALTER TABLE seeder_origins ADD COLUMN deletion_cursor bigint;`
  },
  {
    id: '003_tombstone_acks',
    sql: `
      -- When the origin took the ack of this deletion; null: sent again at the next catch-up (the origin's poke, a start).
      ALTER TABLE seeder_tombstones ADD COLUMN acked_at timestamptz;
      UPDATE seeder_tombstones SET acked_at = deleted_at;`
  },
  {
    id: '004_probes',
    sql: `
      -- Discovery: what each domain of the list answered when probed, so a restart does not probe them all again.
      CREATE TABLE seeder_probes (
        target text PRIMARY KEY,
        origin text,
        checked_at timestamptz NOT NULL,
        found_at timestamptz,
        error text
      );`
  },
  {
    id: '005_refusals',
    sql: `
      -- Items this seeder's admin refuses to hold, whatever their origin says. source: 'admin' (the admin API) or the
      -- path of the refuse list file the entry came from; one hash may be refused by both.
      CREATE TABLE seeder_refusals (
        hash text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('info_hash', 'sha256')),
        reason text NOT NULL,
        source text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (hash, source)
      );`

  },
  {
    id: '006_canaries',
    sql: `
      -- Set for a canary (an item an origin made for this seeder alone at registration, to verify it): dropped then,
      -- with no deletion notice; null for media.
      ALTER TABLE seeder_items ADD COLUMN canary_until timestamptz;`
  }
]
