-- Edits and deletions made through the Api or the UI server (store/edits.py): one row
-- each, kept as the store's audit trail; `id` makes applying an edit twice a no-op.
CREATE TABLE IF NOT EXISTS edits (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at REAL NOT NULL,
    scope TEXT NOT NULL,     -- run | project | artifact
    entity TEXT NOT NULL,
    project TEXT NOT NULL,
    target TEXT NOT NULL,    -- the run id, the artifact's name:vN, '' for the project
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,    -- who made it: "api user@host", "ui 127.0.0.1"
    body BLOB                -- msgpack
);
CREATE INDEX IF NOT EXISTS edits_by_project ON edits (entity, project, seq);

-- Deleted runs: records of a run named here are dropped, so that a late sync of its WAL or
-- a writer still running does not bring it back.
CREATE TABLE IF NOT EXISTS tombstones (
    entity TEXT NOT NULL,
    project TEXT NOT NULL,
    run_id TEXT NOT NULL,
    deleted_at REAL NOT NULL,
    edit_id TEXT NOT NULL,
    PRIMARY KEY (entity, project, run_id)
)
