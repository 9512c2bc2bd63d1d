-- The auditor portal: the auditor's statuses of each evidence request of an engagement, and the
-- comments on it (by the auditor and the organisation's members). A request is identified by
-- its control and request id, as in `evidence status`.
-- Every status an auditor gave a request, in order; the current status is the newest.
CREATE TABLE request_reviews (
    id INTEGER PRIMARY KEY,
    organisation TEXT NOT NULL REFERENCES organisations(id),
    engagement TEXT NOT NULL,
    control TEXT NOT NULL,
    request TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'needs_more')),
    by_email TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX request_reviews_request ON request_reviews (organisation, engagement, control, request, id);

CREATE TABLE request_comments (
    id INTEGER PRIMARY KEY,
    organisation TEXT NOT NULL REFERENCES organisations(id),
    engagement TEXT NOT NULL,
    control TEXT NOT NULL,
    request TEXT NOT NULL,
    author TEXT NOT NULL,
    at TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX request_comments_request ON request_comments (organisation, engagement, control, request, id);
