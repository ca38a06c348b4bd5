-- Teams, roles, project visibility, passwords and login sessions of the team server
-- (store/accounts.py, server/access.py).
-- An entity is a user (their own name) or a team; the two share one namespace.
-- API keys move to scrypt: `scheme` says how `secret_hash` was made. Keys made before this
-- migration say 'sha256' and are rehashed with scrypt the first time they are used.
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE api_keys ADD COLUMN scheme TEXT NOT NULL DEFAULT 'sha256';
ALTER TABLE api_keys ADD COLUMN label TEXT NOT NULL DEFAULT '';

CREATE TABLE IF NOT EXISTS teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX IF NOT EXISTS team_members_user ON team_members (user_id);

-- Keyed by name, not by projects.id: a project's settings are made when its first batch
-- is accepted, before the store has the project.
CREATE TABLE IF NOT EXISTS project_access (
    entity TEXT NOT NULL,
    name TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'team', 'public')),
    owner_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (entity, name)
);

CREATE TABLE IF NOT EXISTS project_members (
    entity TEXT NOT NULL,
    name TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    PRIMARY KEY (entity, name, user_id)
);
CREATE INDEX IF NOT EXISTS project_members_user ON project_members (user_id);

-- Login sessions of people (the web app): the cookie carries a random token, the store
-- its SHA-256 (a 256-bit random token cannot be guessed, so a fast hash is enough).
CREATE TABLE IF NOT EXISTS login_sessions (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_sessions_user ON login_sessions (user_id);

-- Which projects refer to each blob: a blob is served only through a project the caller
-- may read. Kept by apply_records from the records' "blobs"; files and artifacts already
-- stored are filled in here (media stored before this migration are added by
-- `cairn server migrate`, which reads their history values).
CREATE TABLE IF NOT EXISTS project_blobs (
    digest TEXT NOT NULL,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (digest, project_id)
) WITHOUT ROWID;

-- Who uploaded each blob (PUT /api/v1/blobs): an uploader is told the server has it, so
-- that nothing is sent twice; anyone else only when a project they may read refers to it
-- (else the answer would confirm that someone stored a file of that content).
CREATE TABLE IF NOT EXISTS blob_uploaders (
    digest TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (digest, user_id)
) WITHOUT ROWID;

INSERT INTO project_blobs (digest, project_id)
SELECT DISTINCT f.sha256, r.project_id FROM run_files f JOIN runs r ON r.id = f.run
WHERE true ON CONFLICT DO NOTHING;

INSERT INTO project_blobs (digest, project_id)
SELECT DISTINCT b.digest, c.project_id FROM artifact_blobs b
JOIN artifact_versions v ON v.id = b.version_id
JOIN artifact_collections c ON c.id = v.collection_id
WHERE true ON CONFLICT DO NOTHING
