-- Ledger entry format 2 commits to a digest of the body, so that a pack can carry an entry of
-- another engagement without its body. Existing rows are format 1 and keep verifying.
ALTER TABLE ledger ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
ALTER TABLE ledger ADD COLUMN body_sha256 TEXT;

-- The index: derived from the ledger and kept in the append's own transaction, so that adding,
-- retiring and status never replay the whole ledger. `verify` cross-checks it with the ledger.
CREATE TABLE evidence_index (
    seq INTEGER PRIMARY KEY REFERENCES ledger (seq),
    sha256 TEXT NOT NULL,
    engagement TEXT,
    dedup TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('current', 'superseded', 'retired')),
    status_seq INTEGER
);
CREATE INDEX evidence_index_current_dedup ON evidence_index (dedup) WHERE status = 'current';
CREATE INDEX evidence_index_engagement ON evidence_index (engagement, status);

CREATE TABLE ledger_keys (
    seq INTEGER PRIMARY KEY REFERENCES ledger (seq),
    public_key TEXT NOT NULL
);

-- The last entry the index has taken in: behind the head only for ledgers written before the
-- index existed, until they are caught up.
CREATE TABLE ledger_index_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_seq INTEGER NOT NULL
);
INSERT INTO ledger_index_state (id, indexed_seq) VALUES (1, 0);
