-- The team server's accounts (cairn server): users and their API keys. A key is stored as
-- the SHA-256 of its secret part only (store/accounts.py says why a fast hash is right for
-- a 256-bit random key); its prefix identifies it in listings and logs.
-- Teams, project visibility and roles come later as tables that reference users (id).
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    admin INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    disabled_at REAL
);

CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    prefix TEXT NOT NULL UNIQUE,
    secret_hash BLOB NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    last_used_at REAL,
    revoked_at REAL
);

CREATE INDEX IF NOT EXISTS api_keys_user ON api_keys (user_id)
