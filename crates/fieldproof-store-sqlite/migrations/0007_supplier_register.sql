-- The supplier register: suppliers, their reviewed SOC reports and the reader's answers to
-- each report's CUECs, as JSON bodies keyed by kind and key (the application owns their shape;
-- every change is also in the change log with the body before and after). A reviewed report
-- is added, never changed.
CREATE TABLE register_entries (
    kind TEXT NOT NULL CHECK (kind IN ('supplier', 'report_review', 'cuec_answer')),
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);

CREATE TRIGGER report_reviews_append_only BEFORE UPDATE ON register_entries
WHEN old.kind = 'report_review'
BEGIN SELECT RAISE(ABORT, 'a reviewed report is kept as reviewed: review the report again instead'); END;
