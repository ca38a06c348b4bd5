-- Reports (issue 17): documents of a project made of Markdown blocks and live panel blocks,
-- checked by store/reports.py before they are kept. `version` counts the saves, so that
-- an editor holding an older copy is refused instead of overwriting newer work. `author_id`
-- is the team server's account that made the report, NULL for the local UI.
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    version INTEGER NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);

CREATE INDEX IF NOT EXISTS reports_project ON reports (project_id, updated_at)
