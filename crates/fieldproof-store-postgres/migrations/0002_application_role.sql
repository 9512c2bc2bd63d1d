-- The role fieldproof works as once the schema is up to date. The account in the store URL
-- owns the schema and runs the migrations; every other statement runs after
-- `SET ROLE fieldproof_app`, which may add to the ledger and the change log but holds no
-- UPDATE, DELETE or TRUNCATE privilege on them (the triggers refuse those for the owner too).
--
-- Creating the role needs CREATEROLE (or a superuser). Where the account has neither, a DBA
-- runs `CREATE ROLE fieldproof_app NOLOGIN; GRANT fieldproof_app TO <account>;` once; see
-- docs/postgres.md.
DO $$
BEGIN
    -- Roles belong to the cluster: two databases of one cluster may be migrated at once.
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fieldproof_app') THEN
        BEGIN
            CREATE ROLE fieldproof_app NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT pg_has_role(current_user, 'fieldproof_app', 'MEMBER') THEN
        EXECUTE format('GRANT fieldproof_app TO %I', current_user);
    END IF;
END
$$;

-- The schema version, for `fieldproof status`.
GRANT SELECT ON _sqlx_migrations TO fieldproof_app;
-- History: read and add, nothing else.
GRANT SELECT, INSERT ON ledger, ledger_keys, change_sets, changes TO fieldproof_app;
-- The lock every write takes, and the index position.
GRANT SELECT, INSERT, UPDATE ON workspaces TO fieldproof_app;
-- The index: evidence becomes superseded or retired, never deleted.
GRANT SELECT, INSERT, UPDATE ON evidence_index TO fieldproof_app;
-- The current state, replaced by apply, import and status changes.
GRANT SELECT, INSERT, UPDATE, DELETE ON settings, subservice_organisations, responsibilities,
    components, imported_catalogs, engagements, control_status TO fieldproof_app;
