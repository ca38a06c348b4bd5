-- Failed sign-in checks of the team server (server/auth.py KeyChecks): one row per wrong
-- password of an existing user (what = 'login:NAME') or wrong secret of an existing API
-- key's prefix (what = the prefix). Kept in the store so that the limit holds across every
-- worker and instance of the server; rows older than the limit's window are deleted as
-- new ones come.
CREATE TABLE IF NOT EXISTS auth_failures (
    what TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_failures_what ON auth_failures (what, at);
CREATE INDEX IF NOT EXISTS auth_failures_at ON auth_failures (at);
