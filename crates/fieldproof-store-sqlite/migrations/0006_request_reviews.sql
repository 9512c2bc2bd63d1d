-- The auditor's review of evidence requests, in the workspace with the evidence it judges
-- (an earlier version kept it with a server's accounts in server.db; the server moves those
-- rows here when it opens). A request is named by its control and request id, as in
-- `evidence status`. Both tables are histories: rows are added, never changed.
CREATE TABLE request_statuses (
    id INTEGER PRIMARY KEY,
    engagement TEXT NOT NULL,
    control TEXT NOT NULL,
    request TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'needs_more')),
    by_actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX request_statuses_engagement ON request_statuses (engagement, id);

CREATE TABLE request_comments (
    id INTEGER PRIMARY KEY,
    engagement TEXT NOT NULL,
    control TEXT NOT NULL,
    request TEXT NOT NULL,
    author TEXT NOT NULL,
    at TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX request_comments_engagement ON request_comments (engagement, id);

CREATE TRIGGER request_statuses_append_only BEFORE UPDATE ON request_statuses
BEGIN SELECT RAISE(ABORT, 'request statuses are a history: add a status instead'); END;
CREATE TRIGGER request_comments_append_only BEFORE UPDATE ON request_comments
BEGIN SELECT RAISE(ABORT, 'request comments are a history: add a comment instead'); END;
