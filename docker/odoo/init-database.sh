#!/bin/bash
# Run by the one-shot `odoo-init` service of docker/compose.yml on every `up`.
#
# Installs the modules of ODOO_INIT_MODULES that are not installed in ODOO_DB yet: all of them on a
# new database (which Odoo then creates), none on later starts. An installed module is never
# initialised again here (`--init` would reload its data, against a running Odoo too); upgrading the
# addon is a separate command run on purpose (service odoo-upgrade, see docker/compose.yml).
#
# Reads the odoo image's database variables (HOST, PORT, USER, PASSWORD), ODOO_DB, ODOO_INIT_MODULES.
set -euo pipefail

db=${ODOO_DB:?ODOO_DB is not set}
modules=${ODOO_INIT_MODULES:-contacts,whatsapp_headless}
[[ $db =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] || { echo "odoo-init: invalid ODOO_DB '$db'" >&2; exit 1; }
[[ $modules =~ ^[a-z0-9_]+(,[a-z0-9_]+)*$ ]] || { echo "odoo-init: invalid ODOO_INIT_MODULES '$modules'" >&2; exit 1; }

export PGPASSWORD=$PASSWORD
query() { psql -X -q -h "$HOST" -p "$PORT" -U "$USER" -v ON_ERROR_STOP=1 -tA -d "$1" -c "$2"; }

missing=$modules
if [ "$(query postgres "select 1 from pg_database where datname = '$db'")" = 1 ] \
    && [ "$(query "$db" "select to_regclass('public.ir_module_module') is not null")" = t ]; then
    installed=$(query "$db" "select name from ir_module_module where state = 'installed'")
    missing=$(tr ',' '\n' <<<"$modules" | grep -vxF -f <(printf '%s\n' "$installed") | paste -sd, || true)
fi

if [ -z "$missing" ]; then
    echo "odoo-init: database '$db' has $modules installed; nothing to do (upgrades are run on purpose: service odoo-upgrade)"
    exit 0
fi
echo "odoo-init: installing $missing on database '$db'"
exec /entrypoint.sh odoo --database="$db" --init="$missing" --without-demo=all --stop-after-init --no-http
