-- Distributed artifacts (wandb's upsert_artifact / finish_artifact): the draft version that
-- runs add files to under one distributed id, until one of them finishes it. A finished
-- draft becomes an ordinary version and its row goes; a later upsert under the same id
-- starts a new draft (the next version).
CREATE TABLE IF NOT EXISTS artifact_drafts (
    id INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES artifact_collections (id) ON DELETE CASCADE,
    distributed_id TEXT NOT NULL,
    type TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    metadata BLOB,           -- msgpack
    manifest BLOB NOT NULL,  -- msgpack: [[name, digest, size, ref, extra], ...] sorted by name
    aliases BLOB NOT NULL,   -- msgpack: the aliases asked for so far
    runs BLOB NOT NULL,      -- msgpack: keys of the runs that added to it
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (collection_id, distributed_id)
);

-- The stored blobs a draft needs, so that gc keeps them before the version exists.
CREATE TABLE IF NOT EXISTS artifact_draft_blobs (
    draft_id INTEGER NOT NULL REFERENCES artifact_drafts (id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    PRIMARY KEY (draft_id, digest)
);
