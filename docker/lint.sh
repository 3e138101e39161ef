#!/usr/bin/env bash
# Offline checks of the Docker stack; no Docker engine runs here, so nothing is built or started.
#  1. dockerfile-utils (the linter behind VS Code's Dockerfile support; npm, run through npx) lints
#     docker/Dockerfile.
#  2. The promises the Dockerfile makes: multi-stage, runs as a non-root user, healthcheck on
#     /readyz, starts what `npm start` starts, and every file it COPYs from the build context
#     exists and is not excluded by .dockerignore.
#  3. The one-shot Odoo scripts parse; the compose file validates, publishes ports on 127.0.0.1 only and
#     refuses to run without each of its three passwords (when docker-compose is here).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "dockerfile-utils lint docker/Dockerfile"
npx --yes dockerfile-utils@0.16.3 lint docker/Dockerfile

python3 - <<'PY'
import fnmatch, json, pathlib, re, sys

dockerfile = pathlib.Path("docker/Dockerfile").read_text()
# Join continuation lines, drop comments.
lines = re.sub(r"\\\n", " ", dockerfile).splitlines()
instructions = [l.strip() for l in lines if l.strip() and not l.strip().startswith("#")]
problems = []

stages = [i for i in instructions if i.upper().startswith("FROM ")]
if len(stages) < 2:
    problems.append("not multi-stage: expected a build stage and a runtime stage")
final = instructions[instructions.index(stages[-1]):]
users = [i.split(None, 1)[1].strip() for i in final if i.upper().startswith("USER ")]
if not users or users[-1] in ("root", "0", "0:0"):
    problems.append("the runtime stage must end with a non-root USER")
health = [i for i in final if i.upper().startswith("HEALTHCHECK ")]
if not health or "/readyz" not in health[-1]:
    problems.append("the runtime stage needs a HEALTHCHECK on /readyz")
cmd = [i for i in final if i.upper().startswith("CMD ")]
start = json.loads(pathlib.Path("package.json").read_text())["scripts"]["start"]
if not cmd or json.loads(cmd[-1][4:]) != start.split():
    problems.append("CMD must run what `npm start` runs (%s)" % start)

# COPY sources from the build context (not --from=stage) must exist and be sent.
ignore = [l.strip() for l in pathlib.Path(".dockerignore").read_text().splitlines()
          if l.strip() and not l.startswith("#")]
def sent(path):
    included = True
    for pattern in ignore:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        if fnmatch.fnmatch(path, pat) or fnmatch.fnmatch(path.split("/")[0], pat):
            included = negate
    return included
for i in instructions:
    if not i.upper().startswith("COPY ") or "--from=" in i:
        continue
    for source in [w for w in i.split()[1:-1] if not w.startswith("--")]:
        if not pathlib.Path(source).exists():
            problems.append("COPY %s: no such file in the repository" % source)
        elif not sent(source):
            problems.append("COPY %s: excluded by .dockerignore" % source)

for p in problems:
    print("docker/Dockerfile: " + p)
print("docker/Dockerfile: %d stage(s), %d problem(s)" % (len(stages), len(problems)))
sys.exit(1 if problems else 0)
PY

python3 -c "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')" docker/odoo/create_gateway_user.py && echo "docker/odoo/create_gateway_user.py compiles"
[ -f odoo-addon/whatsapp_headless/__manifest__.py ] || { echo "the addon docker/compose.yml mounts is missing"; exit 1; }

bash -n docker/odoo/init-database.sh && echo "docker/odoo/init-database.sh parses"

if command -v docker-compose >/dev/null; then
  config=$(POSTGRES_PASSWORD=lint-check-only ODOO_ADMIN_PASSWORD=lint-check-only ODOO_GATEWAY_PASSWORD=lint-check-only \
    docker-compose -f docker/compose.yml config)
  echo "docker/compose.yml: valid"
  # By default every published port listens on 127.0.0.1 only (docker/.env opens them on purpose).
  open=$(grep -E '^ *- "?[^ ]*:[0-9]+(/tcp|/udp)?"?$' <<<"$config" | grep -vE '^ *- "?127\.0\.0\.1:' | grep -E ':[0-9]+:[0-9]+' || true)
  [ -z "$open" ] || { echo "docker/compose.yml: ports published beyond 127.0.0.1 by default: $open"; exit 1; }
  echo "docker/compose.yml: published ports on 127.0.0.1 by default"
  # No default passwords: without any one of them, compose refuses to run and says what to set.
  empty_env=$(mktemp)
  for missing in POSTGRES_PASSWORD ODOO_ADMIN_PASSWORD ODOO_GATEWAY_PASSWORD; do
    refusal=$(env -u POSTGRES_PASSWORD -u ODOO_ADMIN_PASSWORD -u ODOO_GATEWAY_PASSWORD \
      POSTGRES_PASSWORD=set ODOO_ADMIN_PASSWORD=set ODOO_GATEWAY_PASSWORD=set "$missing=" \
      docker-compose --env-file "$empty_env" -f docker/compose.yml config -q 2>&1 </dev/null || true)
    grep -q "must set POSTGRES_PASSWORD, ODOO_ADMIN_PASSWORD and ODOO_GATEWAY_PASSWORD" <<<"$refusal" \
      || { echo "docker/compose.yml: runs without $missing (a default password?) $refusal"; rm -f "$empty_env"; exit 1; }
  done
  rm -f "$empty_env"
  echo "docker/compose.yml: refuses to run without the three passwords"
fi
