-- Artifacts: collections (a name in a project), their versions, aliases and lineage.
CREATE TABLE artifact_collections (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    created_at REAL NOT NULL,
    next_index INTEGER NOT NULL DEFAULT 0,  -- versions are never renumbered or reused
    UNIQUE (project_id, name)
);
CREATE INDEX artifact_collections_by_type ON artifact_collections (project_id, type);

CREATE TABLE artifact_versions (
    id INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES artifact_collections (id) ON DELETE CASCADE,
    version_index INTEGER NOT NULL,
    digest TEXT NOT NULL,
    type TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    metadata BLOB,          -- msgpack
    manifest BLOB NOT NULL, -- msgpack: [[name, digest, size, ref, extra], ...] sorted by name
    file_count INTEGER NOT NULL,
    size INTEGER NOT NULL,
    created_at REAL NOT NULL,
    producer_run INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    UNIQUE (collection_id, version_index)
);
CREATE INDEX artifact_versions_by_digest ON artifact_versions (collection_id, digest);

CREATE TABLE artifact_aliases (
    collection_id INTEGER NOT NULL REFERENCES artifact_collections (id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    version_id INTEGER NOT NULL REFERENCES artifact_versions (id) ON DELETE CASCADE,
    PRIMARY KEY (collection_id, alias)
);
CREATE INDEX artifact_aliases_by_version ON artifact_aliases (version_id);

-- Lineage: a run logged (output) or used (input) a version.
CREATE TABLE artifact_usage (
    version_id INTEGER NOT NULL REFERENCES artifact_versions (id) ON DELETE CASCADE,
    run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (version_id, run, role)
);
CREATE INDEX artifact_usage_by_run ON artifact_usage (run, role);

-- Which version a logged artifact (by its client id) became: what wait() looks for.
CREATE TABLE artifact_receipts (
    client_id TEXT PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES artifact_versions (id) ON DELETE CASCADE
);

-- The stored blobs of each version, so that gc finds what is referenced.
CREATE TABLE artifact_blobs (
    version_id INTEGER NOT NULL REFERENCES artifact_versions (id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    PRIMARY KEY (version_id, digest)
) WITHOUT ROWID;
CREATE INDEX artifact_blobs_by_digest ON artifact_blobs (digest);
