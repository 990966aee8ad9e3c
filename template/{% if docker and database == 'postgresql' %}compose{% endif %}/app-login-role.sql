-- Runs once, when compose first creates the database volume (as the owner):
-- the login role the service connects as. Its password comes from the
-- app_db_password secret file, read by psql, so it never appears on a command
-- line or in this file. It gets no privileges here: the migrations grant it
-- exactly what the service needs.
\set app_password `cat /run/secrets/app_db_password`
SELECT length(:'app_password') < 16 AS app_password_unusable \gset
\if :app_password_unusable
DO $$ BEGIN RAISE EXCEPTION 'the app_db_password secret is missing or shorter than 16 characters'; END $$;
\endif
SELECT format('CREATE ROLE app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'app_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app')
\gexec
