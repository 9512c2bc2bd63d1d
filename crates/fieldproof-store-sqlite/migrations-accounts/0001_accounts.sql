-- Accounts of a fieldproof server: organisations, users, their roles, sessions, API tokens and
-- failed logins. Each organisation's estate, engagements and ledger live in its own workspace
-- (DATA/orgs/ORG/.fieldproof), with its own signing key.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- A role in an organisation; an auditor's role is limited to one engagement.
CREATE TABLE memberships (
    user_id INTEGER NOT NULL REFERENCES users(id),
    organisation TEXT NOT NULL REFERENCES organisations(id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'contributor', 'auditor', 'viewer')),
    engagement TEXT,
    PRIMARY KEY (user_id, organisation)
);

-- Sessions and API tokens are stored by the SHA-256 of their secret, never the secret.
CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    token_sha256 TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    organisation TEXT NOT NULL REFERENCES organisations(id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'contributor', 'auditor', 'viewer')),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE login_failures (
    email TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
