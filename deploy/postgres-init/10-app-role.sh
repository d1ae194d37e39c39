#!/bin/sh
# The app's login role, `mentorship_app`: it reads and writes rows and nothing more. It owns no
# table and is not a superuser, so the tenant tables' row-level security applies to it; the
# migrations run as the owner (POSTGRES_USER). Tables and sequences the owner creates later are
# granted to it by default.
#
# The postgres image runs this once, when it creates the data directory. Running it again is safe
# (for a data directory made before it existed:
#   docker compose exec postgres sh /docker-entrypoint-initdb.d/10-app-role.sh).
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner="$POSTGRES_USER" -v db="$POSTGRES_DB" -v password="${APP_DB_PASSWORD:?set APP_DB_PASSWORD}" <<'SQL'
SELECT 'CREATE ROLE mentorship_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mentorship_app') \gexec
ALTER ROLE mentorship_app PASSWORD :'password';
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO mentorship_app;
GRANT USAGE ON SCHEMA public TO mentorship_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO mentorship_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO mentorship_app;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO mentorship_app;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO mentorship_app;
SQL
