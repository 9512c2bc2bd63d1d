-- A fieldproof workspace: one row of workspace facts, the current estate, and an append-only
-- change log. Estate entries keep their canonical JSON in `body`; key columns are duplicated
-- for querying.

CREATE TABLE workspace (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE subservice_organisations (
    id TEXT PRIMARY KEY,
    method TEXT NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE responsibilities (
    domain TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

CREATE TABLE components (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    operated_by TEXT NOT NULL,
    site TEXT NOT NULL,
    zone TEXT NOT NULL,
    declared_scope TEXT,
    body TEXT NOT NULL
);

CREATE TABLE change_sets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    command TEXT NOT NULL,
    source TEXT,
    source_sha256 TEXT
);

CREATE TABLE changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    change_set INTEGER NOT NULL REFERENCES change_sets (id),
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('added', 'changed', 'removed')),
    fields TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL
);

CREATE INDEX changes_by_set ON changes (change_set);

-- The change log is history: it may grow but never be rewritten.
CREATE TRIGGER change_sets_append_only_update BEFORE UPDATE ON change_sets
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER change_sets_append_only_delete BEFORE DELETE ON change_sets
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER changes_append_only_update BEFORE UPDATE ON changes
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER changes_append_only_delete BEFORE DELETE ON changes
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
