-- The files of a run (run.save, output.log, requirements.txt, ...): the latest version of
-- each name, as a blob digest.
CREATE TABLE run_files (
    run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL,
    policy TEXT NOT NULL DEFAULT 'now',
    updated_at REAL NOT NULL,
    PRIMARY KEY (run, name)
) WITHOUT ROWID;
