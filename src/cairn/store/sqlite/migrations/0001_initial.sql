-- Runs, their config and summary, and metric history in compressed chunks.
CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (entity, name)
);

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    group_name TEXT,
    job_type TEXT,
    state TEXT NOT NULL DEFAULT 'running',
    exit_code INTEGER,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    heartbeat_at REAL NOT NULL,
    finished_at REAL,
    host TEXT,
    pid INTEGER,
    last_step INTEGER NOT NULL DEFAULT -1,
    config BLOB,            -- msgpack, exact
    config_json TEXT NOT NULL DEFAULT '{}',   -- for filters; non-finite numbers as null
    summary BLOB,
    summary_json TEXT NOT NULL DEFAULT '{}',
    summary_state BLOB,
    meta BLOB,
    UNIQUE (project_id, run_id)
);
CREATE INDEX runs_by_project_created ON runs (project_id, created_at);
CREATE INDEX runs_by_run_id ON runs (run_id);

-- Highest applied sequence number per run and writing session: makes replays no-ops.
CREATE TABLE wal_progress (
    run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    session TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (run, session)
) WITHOUT ROWID;

CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    count INTEGER NOT NULL,
    first_step INTEGER NOT NULL,
    last_step INTEGER NOT NULL,
    UNIQUE (run, key)
);

-- Points of a numeric series, CHUNK_POINTS at a time (codec.py), each with its envelope.
CREATE TABLE chunks (
    series INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    step_min INTEGER NOT NULL,
    step_max INTEGER NOT NULL,
    n INTEGER NOT NULL,
    data BLOB NOT NULL,
    envelope BLOB NOT NULL,
    PRIMARY KEY (series, seq)
);
CREATE INDEX chunks_by_step ON chunks (series, step_max);

-- History values that are not numbers: strings, None, lists, media references (msgpack).
CREATE TABLE history_objects (
    run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    value BLOB,
    PRIMARY KEY (run, key, step)
) WITHOUT ROWID;
