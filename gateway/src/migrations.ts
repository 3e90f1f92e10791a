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
  }
]
