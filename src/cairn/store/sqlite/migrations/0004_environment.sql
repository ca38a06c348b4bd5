-- A run's surroundings: system-metric samples on their own time axis, console lines, and
-- alerts with their deliveries.
CREATE TABLE system_samples (
    run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    at REAL NOT NULL,
    sample BLOB NOT NULL,   -- msgpack {"system/<name>": float}
    PRIMARY KEY (run, at)
) WITHOUT ROWID;

-- Console output, a line a row, in the order it was written (id).
CREATE TABLE console_lines (
    id INTEGER PRIMARY KEY,
    run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    at REAL NOT NULL,
    stream TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX console_lines_by_run ON console_lines (run, id);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    at REAL NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    level TEXT NOT NULL,
    suppressed INTEGER NOT NULL DEFAULT 0,
    alert_key TEXT NOT NULL,
    UNIQUE (run, alert_key)
);
CREATE INDEX alerts_by_time ON alerts (at);

-- The outcome of sending an alert through one notifier (the latest attempt wins).
CREATE TABLE alert_deliveries (
    alert INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    notifier TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT,
    at REAL NOT NULL,
    PRIMARY KEY (alert, notifier)
) WITHOUT ROWID;
