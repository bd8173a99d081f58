-- Every change to an API key or an account is announced on the "credentials_changed" channel,
-- whoever makes it (the service, the admin CLI, plain SQL): each server process then forgets the
-- keys it has verified (src/auth/verifiedKeys.ts). Postgres sends it when the change commits.
CREATE FUNCTION "notify_credentials_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('credentials_changed', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER "ApiKey_credentials_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "ApiKey"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_credentials_changed"();

CREATE TRIGGER "Account_credentials_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "Account"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_credentials_changed"();
