#!/usr/bin/env bash
# Smoke test of the whole Docker stack on a real Docker engine (docker compose v2, python3):
# from nothing, up --build, health, one signed webhook per provider checked in Odoo over XML-RPC, one
# message sent to a fake provider, down + up with nothing lost, the upgrade command, down -v.
# One line per check. Examples:
#
#   docker/smoke.sh                                                   # bridge networking, ports 18080/18069
#   docker/smoke.sh --override docker/compose.hostnet.yml \
#       --gateway-port 18080 --odoo-port 18069 --postgres-port 15432 --fake-provider-port 18090
#
# docker/smoke.sh --help lists every option. The logic is in docker/smoke/smoke.py.
set -euo pipefail
exec python3 "$(dirname "$0")/smoke/smoke.py" "$@"
