-- fieldproof on PostgreSQL: one database holds every workspace of a server (one per
-- organisation). Every row carries its workspace key, and every query names it, so that one
-- organisation's data can never be read or written through another's store.
--
-- Estate entries, engagements and statuses keep their canonical JSON in `body` (TEXT, so the
-- bytes stay exactly as written); key columns are duplicated for querying. Ledger bodies are
-- TEXT too: JSONB would reorder keys, and the hash chain is checked against what was stored.

CREATE TABLE workspaces (
    workspace TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    -- The last ledger entry the evidence index has taken in.
    indexed_seq BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE settings (
    workspace TEXT NOT NULL REFERENCES workspaces (workspace),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (workspace, key)
);

CREATE TABLE subservice_organisations (
    workspace TEXT NOT NULL REFERENCES workspaces (workspace),
    id TEXT NOT NULL,
    method TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, id)
);

CREATE TABLE responsibilities (
    workspace TEXT NOT NULL REFERENCES workspaces (workspace),
    domain TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, domain)
);

CREATE TABLE components (
    workspace TEXT NOT NULL REFERENCES workspaces (workspace),
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    operated_by TEXT NOT NULL,
    site TEXT NOT NULL,
    zone TEXT NOT NULL,
    declared_scope TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, id)
);

-- The change log: numbered per workspace from 1, so a workspace moved here from SQLite keeps
-- its change set numbers.
CREATE TABLE change_sets (
    workspace TEXT NOT NULL REFERENCES workspaces (workspace),
    id BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    command TEXT NOT NULL,
    source TEXT,
    source_sha256 TEXT,
    PRIMARY KEY (workspace, id)
);

CREATE TABLE changes (
    workspace TEXT NOT NULL,
    change_set BIGINT NOT NULL,
    position INTEGER NOT NULL,
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('added', 'changed', 'removed')),
    fields TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    PRIMARY KEY (workspace, change_set, position),
    FOREIGN KEY (workspace, change_set) REFERENCES change_sets (workspace, id)
);

CREATE TABLE imported_catalogs (
    workspace TEXT NOT NULL REFERENCES workspaces (workspace),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    aliases TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (workspace, id)
);

CREATE TABLE engagements (
    workspace TEXT NOT NULL REFERENCES workspaces (workspace),
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, id)
);

CREATE TABLE control_status (
    workspace TEXT NOT NULL REFERENCES workspaces (workspace),
    engagement TEXT NOT NULL,
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, engagement, entity, key)
);

-- The evidence ledger: hash-chained, signed entries (hashing and signing are the caller's; the
-- database keeps them in order, without gaps, and refuses to change them).
CREATE TABLE ledger (
    workspace TEXT NOT NULL REFERENCES workspaces (workspace),
    seq BIGINT NOT NULL CHECK (seq >= 1),
    prev TEXT NOT NULL,
    body TEXT NOT NULL,
    hash TEXT NOT NULL,
    signature TEXT NOT NULL,
    format INTEGER NOT NULL DEFAULT 1,
    body_sha256 TEXT,
    PRIMARY KEY (workspace, seq),
    UNIQUE (workspace, hash)
);

-- The index: derived from the ledger, kept in the append's own transaction.
CREATE TABLE evidence_index (
    workspace TEXT NOT NULL,
    seq BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    engagement TEXT,
    dedup TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('current', 'superseded', 'retired')),
    status_seq BIGINT,
    PRIMARY KEY (workspace, seq),
    FOREIGN KEY (workspace, seq) REFERENCES ledger (workspace, seq)
);
CREATE INDEX evidence_index_current_dedup ON evidence_index (workspace, dedup) WHERE status = 'current';
CREATE INDEX evidence_index_engagement ON evidence_index (workspace, engagement, status);

CREATE TABLE ledger_keys (
    workspace TEXT NOT NULL,
    seq BIGINT NOT NULL,
    public_key TEXT NOT NULL,
    PRIMARY KEY (workspace, seq),
    FOREIGN KEY (workspace, seq) REFERENCES ledger (workspace, seq)
);

-- History is append-only in the database itself: whoever connects, rows of the ledger and the
-- change log can be added but never changed, deleted or truncated.
CREATE FUNCTION fieldproof_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the % is append-only', TG_ARGV[0] USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION fieldproof_append_only('evidence ledger');
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
    FOR EACH STATEMENT EXECUTE FUNCTION fieldproof_append_only('evidence ledger');
CREATE TRIGGER ledger_keys_append_only BEFORE UPDATE OR DELETE ON ledger_keys
    FOR EACH ROW EXECUTE FUNCTION fieldproof_append_only('evidence ledger');
CREATE TRIGGER ledger_keys_no_truncate BEFORE TRUNCATE ON ledger_keys
    FOR EACH STATEMENT EXECUTE FUNCTION fieldproof_append_only('evidence ledger');
CREATE TRIGGER change_sets_append_only BEFORE UPDATE OR DELETE ON change_sets
    FOR EACH ROW EXECUTE FUNCTION fieldproof_append_only('change log');
CREATE TRIGGER change_sets_no_truncate BEFORE TRUNCATE ON change_sets
    FOR EACH STATEMENT EXECUTE FUNCTION fieldproof_append_only('change log');
CREATE TRIGGER changes_append_only BEFORE UPDATE OR DELETE ON changes
    FOR EACH ROW EXECUTE FUNCTION fieldproof_append_only('change log');
CREATE TRIGGER changes_no_truncate BEFORE TRUNCATE ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION fieldproof_append_only('change log');
