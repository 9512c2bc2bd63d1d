-- The engagement a session chose in each organisation: the web app keeps showing it on every
-- page until the user switches, instead of falling back to a default on each navigation (which
-- let a form record into another engagement than the one the user had been looking at). A
-- choice ends with its session.
CREATE TABLE session_engagements (
    token_sha256 TEXT NOT NULL,
    organisation TEXT NOT NULL,
    engagement TEXT NOT NULL,
    PRIMARY KEY (token_sha256, organisation)
);
