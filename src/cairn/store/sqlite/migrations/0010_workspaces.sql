-- Saved workspaces (the web app's panels, issue 17): one layout of a project's workspace
-- per user, and named views. user_id is NULL for the local UI, which has no accounts; the
-- unique indexes use coalesce(user_id, 0) because NULLs never collide in a unique index.
-- Layouts and views are JSON documents checked by store/workspaces.py before they are kept.
CREATE TABLE IF NOT EXISTS workspace_layouts (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    layout TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at REAL NOT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS workspace_layouts_owner
    ON workspace_layouts (project_id, coalesce(user_id, 0));

CREATE TABLE IF NOT EXISTS workspace_views (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS workspace_views_name
    ON workspace_views (project_id, coalesce(user_id, 0), name);

CREATE UNIQUE INDEX IF NOT EXISTS workspace_views_default
    ON workspace_views (project_id, coalesce(user_id, 0)) WHERE is_default = 1
