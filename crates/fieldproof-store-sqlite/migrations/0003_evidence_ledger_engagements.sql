-- The evidence ledger: append-only, hash-chained and signed entries (the signature and hash are
-- computed by the caller; the database only keeps them in order). And engagements: SOC 2 / SOC 1
-- cycles that evidence and test results belong to.

CREATE TABLE ledger (
    seq INTEGER PRIMARY KEY,
    prev TEXT NOT NULL,
    body TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    signature TEXT NOT NULL
);

CREATE TRIGGER ledger_append_only_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the evidence ledger is append-only'); END;
CREATE TRIGGER ledger_append_only_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the evidence ledger is append-only'); END;

CREATE TABLE engagements (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
