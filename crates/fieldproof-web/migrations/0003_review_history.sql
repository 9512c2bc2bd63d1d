-- Every status an auditor gave a request, in order: request_reviews keeps the current one,
-- this table keeps them all (comments are append-only already).
CREATE TABLE request_review_log (
    id INTEGER PRIMARY KEY,
    organisation TEXT NOT NULL REFERENCES organisations(id),
    engagement TEXT NOT NULL,
    control TEXT NOT NULL,
    request TEXT NOT NULL,
    status TEXT NOT NULL,
    by_email TEXT NOT NULL,
    at TEXT NOT NULL
);
