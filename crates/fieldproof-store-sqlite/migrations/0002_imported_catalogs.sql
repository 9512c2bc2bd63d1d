-- Catalogs imported from OSCAL (`fieldproof catalog import-oscal`). The original document is kept
-- verbatim so that it can be re-read by newer importers and its hash checked.
CREATE TABLE imported_catalogs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    aliases TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    document TEXT NOT NULL
);
