#!/usr/bin/env bash
# Upgrade keeps data: installs whatsapp_headless as it was at OLD_REF (13.0.1.1.0 by default, or 13.0.1.0.0) into a fresh
# database of the real Odoo 13 (/work/shared/tools/odoo13 or $ODOO13), stores records of every kind,
# upgrades to this worktree's addon and checks every record, field by field, plus the new schema
# (phone nullable, the phone-or-user-id CHECK, the user-id index, the Gateway group's partner ACL gone,
# every message in its conversation — 13.0.1.2.0 builds them for existing messages).
#
#   flock -o /tmp/odoo13.lock test/upgrade/upgrade-check.sh [DB] [OLD_REF]
#
# DB (default wt_b_upgrade) is dropped and created again. Run it under the shared lock: installing the
# old version re-mounts the addon folder for everybody; the script leaves this worktree's addon mounted.
# Use `flock -o`: `odoo13 addon` restarts a running Odoo, which would otherwise inherit the lock and
# hold it for as long as it runs.
set -euo pipefail
DB=${1:-wt_b_upgrade}
OLD_REF=${2:-5126dbb}  # main at 13.0.1.1.0; a4eafa7 is 13.0.1.0.0
ODOO13=${ODOO13:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/tools/odoo13}
ODOO_URL=${ODOO_URL:-http://127.0.0.1:8069}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(git -C "$HERE" rev-parse --show-toplevel)
OLD=$(mktemp -d /tmp/wa-upgrade-old.XXXXXX)
SNAPSHOT=$OLD/snapshot.json
trap 'rm -rf "$OLD"' EXIT

git -C "$REPO" archive "$OLD_REF" odoo-addon/whatsapp_headless | tar -x -C "$OLD"
grep -qE '"13.0.1.[01].0"' "$OLD/odoo-addon/whatsapp_headless/__manifest__.py" || { echo "$OLD_REF is not 13.0.1.0.0 or 13.0.1.1.0" >&2; exit 1; }
NEW_VERSION=$(grep -oE '"13\.0\.[0-9.]+"' "$REPO/odoo-addon/whatsapp_headless/__manifest__.py" | tr -d '"')

# UPGRADE_KEEP_DB=1: DB is a fresh database the caller made (e.g. with base only, so that an
# auto-installed addon built for the new version, such as a crm bridge, does not join the old install).
if [ -z "${UPGRADE_KEEP_DB:-}" ]; then
    "$ODOO13" dropdb "$DB" >/dev/null 2>&1 || true
    "$ODOO13" newdb "$DB"
fi
"$ODOO13" addon "$OLD/odoo-addon/whatsapp_headless" "$DB"
python3 "$HERE/upgrade_check.py" seed "$ODOO_URL" "$DB" "$SNAPSHOT"
"$ODOO13" addon "$REPO/odoo-addon/whatsapp_headless" "$DB"
python3 "$HERE/upgrade_check.py" check "$ODOO_URL" "$DB" "$SNAPSHOT" "$NEW_VERSION"
# The schema itself: phone lost NOT NULL, the CHECK and the partial user-id index exist.
PSQL=(env PGPASSWORD=${PGPASSWORD:-odoo} psql -X -h 127.0.0.1 -p "${PGPORT:-5433}" -U "${PGUSER:-odoo}" -d "$DB" -tA)
nullable=$("${PSQL[@]}" -c "select is_nullable from information_schema.columns where table_name='whatsapp_history' and column_name='phone'")
check=$("${PSQL[@]}" -c "select count(*) from pg_constraint where conname='whatsapp_history_phone_or_user_id'")
index=$("${PSQL[@]}" -c "select indexdef from pg_indexes where indexname='whatsapp_history_user_id_timestamp_index'")
partner_index=$("${PSQL[@]}" -c "select count(*) from pg_indexes where indexname='res_partner_whatsapp_user_id_index'")
echo "phone nullable: $nullable; CHECK constraints: $check; partner index: $partner_index; index: $index"
[ "$nullable" = YES ] && [ "$check" = 1 ] && [ "$partner_index" = 1 ] && [[ $index == *"(whatsapp_user_id, \"timestamp\") WHERE"* ]] \
    || { echo "UPGRADE CHECK FAILED: schema not as expected" >&2; exit 1; }
echo "UPGRADE CHECK PASSED"
