-- The files of a run (run.save, output.log, requirements.txt, ...): the latest version of
-- each name, as a blob digest.
CREATE TABLE run_files (
    run BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    mtime DOUBLE PRECISION,
    policy TEXT NOT NULL DEFAULT 'now',
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (run, name)
);
