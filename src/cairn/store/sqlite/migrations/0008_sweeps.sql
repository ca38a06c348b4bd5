-- Sweeps and their trials: the controller's state, shared by every agent of a sweep.
-- A grid point is handed out by advancing grid_next (or by taking the point of a crashed
-- trial not yet requeued) inside one write transaction, so no two agents get the same one.
CREATE TABLE IF NOT EXISTS sweeps (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    sweep_id TEXT NOT NULL,
    name TEXT,
    method TEXT NOT NULL,
    config TEXT NOT NULL,              -- JSON, as given
    state TEXT NOT NULL DEFAULT 'running',
    seed INTEGER NOT NULL,
    grid_size INTEGER,                 -- NULL unless method grid
    grid_next INTEGER NOT NULL DEFAULT 0,
    trial_count INTEGER NOT NULL DEFAULT 0,
    prior_runs TEXT NOT NULL DEFAULT '[]',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (project_id, sweep_id)
);
CREATE INDEX IF NOT EXISTS sweeps_by_id ON sweeps (sweep_id);

CREATE TABLE IF NOT EXISTS sweep_trials (
    id INTEGER PRIMARY KEY,
    sweep INTEGER NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    run_id TEXT NOT NULL,
    params TEXT NOT NULL,              -- JSON, nested as the run's config holds them
    grid_index INTEGER,
    requeued INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'running',
    value REAL,
    stop_reason TEXT,
    host TEXT,
    pid INTEGER,
    created_at REAL NOT NULL,
    heartbeat_at REAL NOT NULL,
    finished_at REAL,
    UNIQUE (sweep, number),
    UNIQUE (sweep, run_id)
);
CREATE INDEX IF NOT EXISTS sweep_trials_by_state ON sweep_trials (sweep, state)
