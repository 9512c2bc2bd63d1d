-- The supplier register: suppliers, their reviewed SOC reports and the reader's answers to
-- each report's CUECs, as JSON bodies keyed by kind and key (the application owns their shape;
-- every change is also in the change log with the body before and after). A reviewed report
-- is added, never changed: the application role may update suppliers and CUEC answers only,
-- and a trigger refuses an update of a reviewed report for the owner too.
CREATE TABLE register_entries (
    workspace TEXT NOT NULL REFERENCES workspaces (workspace),
    kind TEXT NOT NULL CHECK (kind IN ('supplier', 'report_review', 'cuec_answer')),
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, kind, key)
);

CREATE FUNCTION register_report_reviews_append_only() RETURNS trigger AS $$
BEGIN
    IF OLD.kind = 'report_review' THEN
        RAISE EXCEPTION 'a reviewed report is kept as reviewed: review the report again instead';
    END IF;
    RETURN COALESCE(NEW, OLD);
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER register_report_reviews_append_only BEFORE UPDATE OR DELETE ON register_entries
FOR EACH ROW EXECUTE FUNCTION register_report_reviews_append_only();

GRANT SELECT, INSERT, UPDATE ON register_entries TO fieldproof_app;
