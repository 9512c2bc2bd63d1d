-- API tokens get a public reference (the first 12 hex digits of the SHA-256 of the secret, which
-- `token list` shows and `token revoke` takes), an optional expiry, the time of their last use,
-- and a revocation. A token's effective role is checked against its member's current role on
-- every request.
ALTER TABLE api_tokens ADD COLUMN token_ref TEXT;
UPDATE api_tokens SET token_ref = substr(token_sha256, 1, 12);
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT;
ALTER TABLE api_tokens ADD COLUMN revoked_by TEXT;
CREATE UNIQUE INDEX api_tokens_ref ON api_tokens (token_ref);

-- Sign-in attempts are counted per key (the SHA-256 of the account, of the client address, or
-- of both), in a fixed window that starts with the key's first attempt. An attempt is reserved
-- in one statement before the password is checked, so concurrent attempts cannot all pass the
-- count. The table replaces login_failures, which kept each e-mail address as it was sent.
DROP TABLE login_failures;
CREATE TABLE login_throttle (
    key_sha256 TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    attempts INTEGER NOT NULL
);
CREATE INDEX login_throttle_window ON login_throttle (window_start);
CREATE INDEX sessions_expiry ON sessions (expires_at);
