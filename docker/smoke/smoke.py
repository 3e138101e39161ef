#!/usr/bin/env python3
"""Smoke test of the Docker stack (docker/compose.yml) on a real Docker engine; run it as docker/smoke.sh.

From nothing: `up --build` under a project name of its own, wait for health, one signed webhook per
provider (Fonnte secret, Meta HMAC-SHA256, Twilio HMAC-SHA1), the records read back from Odoo over
XML-RPC, one message sent through the gateway to a fake provider container, a webhook accepted while
Odoo is stopped, `down` + `up` (nothing lost, no anonymous volume left), the addon upgrade command,
then `down -v`. One line per check; exit code 0 only when every check passed.

Python 3 standard library and `docker compose` (v2) only. Secrets are random per run; the user's
docker/.env and shell variables are not used (the run has an env file of its own).
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xmlrpc.client
from pathlib import Path

DOCKER_DIR = Path(__file__).resolve().parent.parent
COMPOSE_FILE = DOCKER_DIR / "compose.yml"
FAKE_PROVIDER = DOCKER_DIR / "smoke" / "fake-provider.mjs"
ODOO_DB = "whatsapp"
CUSTOMER = "6281299990000"  # the sender of every inbound message; +62 812 9999 0000


class Smoke:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.passed = 0
        self.failed = 0
        self.tmp = Path(tempfile.mkdtemp(prefix="wa-smoke-"))
        self.run_id = str(int(time.time()))
        self.secrets = {
            "POSTGRES_PASSWORD": secrets.token_urlsafe(18),
            "ODOO_ADMIN_PASSWORD": secrets.token_urlsafe(18),
            "ODOO_GATEWAY_PASSWORD": secrets.token_urlsafe(18),
            "WEBHOOK_SECRET": secrets.token_urlsafe(24),
            "META_APP_SECRET": secrets.token_hex(16),
            "META_VERIFY_TOKEN": secrets.token_urlsafe(24),
            "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
            "FONNTE_TOKEN": secrets.token_urlsafe(20),
            "API_TOKEN": secrets.token_urlsafe(24),
        }
        self.gateway = f"http://127.0.0.1:{args.gateway_port}"
        self.odoo = f"http://127.0.0.1:{args.odoo_port}"
        # Only what the docker CLI needs from the caller's environment: every compose variable comes
        # from this run's env file (the environment would win over it).
        keep = ("PATH", "HOME", "TMPDIR", "XDG_RUNTIME_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
                "http_proxy", "https_proxy", "no_proxy")
        self.env = {k: v for k, v in os.environ.items() if k.startswith("DOCKER_") or k in keep}
        self.files = ["-f", str(COMPOSE_FILE)]
        for override in args.override:
            self.files += ["-f", str(Path(override).resolve())]

    # ------------------------------------------------------------------ output
    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def note(self, text: str) -> None:
        print(f"     {text}", flush=True)

    # ------------------------------------------------------------------ docker
    def compose_cmd(self, *extra: str, with_smoke: bool = True) -> list[str]:
        files = self.files + (["-f", str(self.tmp / "smoke.compose.yml")] if with_smoke else [])
        return ["docker", "compose", "--env-file", str(self.tmp / "smoke.env"), "-p", self.args.project, *files, *extra]

    def compose(self, *extra: str, timeout: float = 600, with_smoke: bool = True, log: str | None = None) -> subprocess.CompletedProcess:
        cmd = self.compose_cmd(*extra, with_smoke=with_smoke)
        result = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=timeout)
        if log:
            (self.tmp / log).write_text(result.stdout + result.stderr)
        return result

    def docker(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(["docker", *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def container(self, service: str) -> str:
        return self.compose("ps", "-q", service, timeout=60).stdout.strip()

    def logs(self, service: str) -> str:
        result = self.compose("logs", "--no-color", "--no-log-prefix", service, timeout=60)
        return result.stdout + result.stderr

    def volumes(self) -> set[str]:
        return set(self.docker("volume", "ls", "-q").stdout.split())

    def project_volumes(self) -> set[str]:
        return {v for v in self.volumes() if v.startswith(self.args.project + "_")}

    def tail(self, text: str, lines: int = 25) -> None:
        for line in text.strip().splitlines()[-lines:]:
            self.note(line)

    # ------------------------------------------------------------------ http
    def http(self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 15) -> tuple[int, dict[str, str], str]:
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as error:
            return 0, {}, str(error)

    def wait(self, predicate, timeout: float, interval: float = 2.0):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value or time.monotonic() > deadline:
                return value
            time.sleep(interval)

    def healthy(self, timeout: float) -> tuple[bool, str]:
        """The gateway container's Docker healthcheck (GET /readyz inside it) says healthy."""
        state = ""

        def probe() -> bool:
            nonlocal state
            cid = self.container("gateway")
            if not cid:
                state = "no gateway container"
                return False
            state = self.docker("inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}", cid).stdout.strip()
            return state == "healthy"

        return self.wait(probe, timeout, 3), state

    # ------------------------------------------------------------------ odoo
    def odoo_login(self, login: str, password: str):
        try:
            common = xmlrpc.client.ServerProxy(f"{self.odoo}/xmlrpc/2/common", allow_none=True)
            return common.authenticate(ODOO_DB, login, password, {})
        except (OSError, xmlrpc.client.Error) as error:
            return f"error: {error}"

    def history(self, domain: list) -> list[dict]:
        password = self.secrets["ODOO_ADMIN_PASSWORD"]
        try:
            uid = xmlrpc.client.ServerProxy(f"{self.odoo}/xmlrpc/2/common").authenticate(ODOO_DB, "admin", password, {})
            models = xmlrpc.client.ServerProxy(f"{self.odoo}/xmlrpc/2/object", allow_none=True)
            return models.execute_kw(ODOO_DB, uid, password, "whatsapp.history", "search_read", [domain],
                                     {"fields": ["provider", "provider_message_id", "phone", "direction", "state", "message", "error_message"]})
        except (OSError, xmlrpc.client.Error):
            return []

    def record(self, provider: str, message_id: str) -> dict | None:
        rows = self.history([["provider", "=", provider], ["provider_message_id", "=", message_id]])
        return rows[0] if rows else None

    # ------------------------------------------------------------------ provider requests
    def fonnte_webhook(self, inbox_id: str, text: str) -> int:
        body = json.dumps({"device": "6285700000001", "sender": CUSTOMER, "message": text, "text": "", "member": "",
                           "name": "Smoke Test", "location": "", "timestamp": int(time.time()), "inboxid": int(inbox_id)}).encode()
        query = urllib.parse.urlencode({"secret": self.secrets["WEBHOOK_SECRET"]})
        return self.http("POST", f"{self.gateway}/api/wa/webhook?{query}", body, {"content-type": "application/json"})[0]

    def meta_webhook(self, wamid: str, text: str, secret: str | None = None) -> int:
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "100000000000001", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "6285700000001", "phone_number_id": "200000000000002"},
            "contacts": [{"profile": {"name": "Smoke Test"}, "wa_id": CUSTOMER}],
            "messages": [{"from": CUSTOMER, "id": wamid, "timestamp": str(int(time.time())), "type": "text", "text": {"body": text}}]}}]}]}).encode()
        key = (secret or self.secrets["META_APP_SECRET"]).encode()
        signature = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        return self.http("POST", f"{self.gateway}/api/wa/webhook/meta", body,
                         {"content-type": "application/json", "x-hub-signature-256": signature})[0]

    def twilio_webhook(self, sid: str, text: str) -> int:
        params = {"MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "NumMedia": "0",
                  "ProfileName": "Smoke Test", "MessageType": "text", "WaId": CUSTOMER, "SmsStatus": "received", "Body": text,
                  "To": "whatsapp:+14155238886", "From": f"whatsapp:+{CUSTOMER}", "ApiVersion": "2010-04-01"}
        path = "/api/wa/webhook/twilio"
        # Twilio signs the URL it called (PUBLIC_URL + path), then each parameter as name+value, names sorted.
        data = f"{self.gateway}{path}" + "".join(name + params[name] for name in sorted(params))
        signature = base64.b64encode(hmac.new(self.secrets["TWILIO_AUTH_TOKEN"].encode(), data.encode(), hashlib.sha1).digest()).decode()
        return self.http("POST", f"{self.gateway}{path}", urllib.parse.urlencode(params).encode(),
                         {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature})[0]

    def send_message(self, key: str, text: str) -> tuple[int, dict[str, str], str]:
        body = json.dumps({"phone": "+62 812 9999 0000", "message": text}).encode()
        return self.http("POST", f"{self.gateway}/api/wa/send_message", body, {
            "content-type": "application/json", "authorization": f"Bearer {self.secrets['API_TOKEN']}", "idempotency-key": key})

    def fake_requests(self) -> list[dict]:
        marker = "fake-provider request "
        return [json.loads(line.split(marker, 1)[1]) for line in self.logs("fake-provider").splitlines() if marker in line]

    # ------------------------------------------------------------------ set-up
    def write_files(self, host_network: bool) -> None:
        a = self.args
        fake_host = "127.0.0.1" if host_network else "fake-provider"
        values = {
            **{k: v for k, v in self.secrets.items() if k != "API_TOKEN"},
            "ODOO_DB": ODOO_DB,
            "ODOO_HTTP_PORT": a.odoo_port,
            "GATEWAY_HTTP_PORT": a.gateway_port,
            "POSTGRES_PORT": a.postgres_port,
            "NODE_MAJOR": a.node_major,
            "LOG_LEVEL": "info",
            "PUBLIC_URL": self.gateway,
            "API_TOKENS": f"{self.secrets['API_TOKEN']}:read+send",
            "SEND_PROVIDER": "fonnte",
            "FONNTE_BASE_URL": f"http://{fake_host}:{a.fake_provider_port}",
            "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
            "TWILIO_FROM": "+14155238886",
        }
        (self.tmp / "smoke.env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        (self.tmp / "smoke.env").chmod(0o600)
        network = "    network_mode: host\n" if host_network else ""
        (self.tmp / "smoke.compose.yml").write_text(
            "# Written by docker/smoke.sh: the fake provider the gateway sends to.\n"
            "services:\n"
            "  fake-provider:\n"
            f"    image: node:{a.node_major}-bookworm-slim\n"
            f"{network}"
            "    user: node\n"
            '    command: ["node", "/smoke/fake-provider.mjs"]\n'
            "    environment:\n"
            f'      FAKE_PROVIDER_HOST: "{"127.0.0.1" if host_network else "0.0.0.0"}"\n'
            f'      FAKE_PROVIDER_PORT: "{a.fake_provider_port}"\n'
            "    volumes:\n"
            f'      - "{FAKE_PROVIDER}:/smoke/fake-provider.mjs:ro"\n'
            "  gateway:\n"
            "    depends_on:\n"
            "      fake-provider:\n"
            "        condition: service_started\n")

    def preflight(self) -> bool:
        version = subprocess.run(["docker", "compose", "version", "--short"], env=self.env, capture_output=True, text=True)
        if version.returncode != 0:
            print("docker/smoke.sh: `docker compose` (v2) is not available: " + (version.stderr.strip() or "no output"))
            return False
        print(f"docker/smoke.sh: project {self.args.project}, compose {version.stdout.strip()}, files "
              + " ".join(self.files[1::2]) + f", ports gateway {self.args.gateway_port} odoo {self.args.odoo_port} "
              f"postgres {self.args.postgres_port} fake provider {self.args.fake_provider_port}, Node {self.args.node_major}")
        return True

    def ports_free(self) -> list[str]:
        busy = []
        a = self.args
        for name, port in (("gateway", a.gateway_port), ("odoo", a.odoo_port), ("postgres", a.postgres_port), ("fake provider", a.fake_provider_port)):
            with socket.socket() as s:
                s.settimeout(0.5)
                if s.connect_ex(("127.0.0.1", int(port))) == 0:
                    busy.append(f"{name} port {port}")
        return busy

    # ------------------------------------------------------------------ the run
    def run(self) -> int:
        a = self.args
        if not self.preflight():
            return 2
        # The project's leftovers of an earlier, interrupted run go first: the test starts from nothing.
        (self.tmp / "smoke.env").write_text("".join(f"{k}=x\n" for k in ("POSTGRES_PASSWORD", "ODOO_ADMIN_PASSWORD", "ODOO_GATEWAY_PASSWORD")))
        (self.tmp / "smoke.compose.yml").write_text("services: {}\n")
        self.compose("--profile", "upgrade", "down", "-v", "--remove-orphans", timeout=300)
        busy = self.ports_free()
        if not self.check(not busy, "ports free", ", ".join(busy) + " in use (choose others: docker/smoke.sh --help)"):
            return self.finish()
        self.volumes_before = self.volumes()

        config = self.compose("config", "--format", "json", with_smoke=False)
        if config.returncode != 0:
            self.check(False, "compose files valid", config.stderr.strip())
            return self.finish()
        services = json.loads(config.stdout)["services"]
        host_network = services.get("gateway", {}).get("network_mode") == "host"
        self.write_files(host_network)
        config = self.compose("--profile", "upgrade", "config", "-q")
        self.check(config.returncode == 0, f"compose files valid ({'host networking' if host_network else 'bridge networking'})", config.stderr.strip())

        started = time.monotonic()
        up = self.compose("up", "-d", "--build", timeout=a.build_timeout, log="up.log")
        if not self.check(up.returncode == 0, f"up -d --build from nothing ({time.monotonic() - started:.0f} s)", "see below"):
            self.tail(up.stdout + up.stderr)
            return self.teardown()
        ok, state = self.healthy(a.health_timeout)
        if not self.check(ok, "gateway healthy (Docker healthcheck on /readyz)", f"state {state!r}"):
            self.tail(self.logs("gateway"))
            return self.teardown()
        status, _, body = self.http("GET", f"{self.gateway}/readyz")
        self.check(status == 200, "GET /readyz answers 200 from the host", f"{status} {body[:300]}")
        init_log = self.logs("odoo-init")
        self.check("installing contacts,whatsapp_headless" in init_log, "odoo-init installed the modules on the new database", init_log[-500:])

        uid = self.odoo_login("admin", "admin")
        admin = self.odoo_login("admin", self.secrets["ODOO_ADMIN_PASSWORD"])
        self.check(uid is False and isinstance(admin, int), "Odoo: admin/admin refused, ODOO_ADMIN_PASSWORD logs in", f"admin/admin → {uid!r}, ODOO_ADMIN_PASSWORD → {admin!r}")

        # One signed webhook per provider.
        ids = {"fonnte": str(700000000 + int(self.run_id) % 100000000), "meta": f"wamid.SMOKE{self.run_id}", "twilio": f"SM{self.run_id:0>32}"}
        self.check(self.fonnte_webhook(ids["fonnte"], "smoke fonnte") == 200, "Fonnte webhook (secret) accepted")
        self.check(self.meta_webhook(ids["meta"], "smoke meta") == 200, "Meta webhook (X-Hub-Signature-256) accepted")
        self.check(self.twilio_webhook(ids["twilio"], "smoke twilio") == 200, "Twilio webhook (X-Twilio-Signature) accepted")
        status = self.meta_webhook("wamid.FORGED", "forged", secret="not-the-app-secret")
        self.check(status == 401, "a Meta webhook with a wrong signature is refused (401)", f"got {status}")
        for provider, message_id in ids.items():
            row = self.wait(lambda: self.record(provider, message_id), a.record_timeout)
            self.check(bool(row) and row["direction"] == "in" and row["phone"] == "+" + CUSTOMER,
                       f"{provider} message stored in Odoo (whatsapp.history over XML-RPC)", f"found {row!r}")

        # One message sent through the gateway to the fake provider.
        key = f"smoke-{self.run_id}"
        status, _, body = self.send_message(key, "smoke send")
        record_id = json.loads(body).get("data", {}).get("id") if status == 202 else None
        self.check(status == 202 and isinstance(record_id, int), "send_message answered 202 with the Odoo record id", f"{status} {body[:300]}")
        requests = self.wait(lambda: [r for r in self.fake_requests() if r["path"] == "/send"], 30, 1)
        fonnte_ok = bool(requests) and requests[0]["authorization"] == self.secrets["FONNTE_TOKEN"] and "smoke send" in requests[0]["body"] and "6281299990000" in requests[0]["body"]
        self.check(fonnte_ok and len(requests) == 1, "the fake provider received the message once (POST /send, token, target, text)", f"requests {requests!r}")
        sent = self.wait(lambda: [r for r in self.history([["id", "=", record_id or 0], ["state", "=", "sent"]])], 30, 1)
        self.check(bool(sent) and sent[0]["provider_message_id"] == "900001", "the outgoing record is sent with the provider's id in Odoo", f"{self.history([['id', '=', record_id or 0]])!r}")

        # A webhook accepted while Odoo is down stays in the gateway's spool, across down/up.
        self.compose("stop", "odoo", timeout=120)
        late = str(int(ids["fonnte"]) + 1)
        self.check(self.fonnte_webhook(late, "smoke while odoo is down") == 200, "Fonnte webhook accepted while Odoo is stopped (spooled)")

        down = self.compose("down", timeout=300, log="down.log")
        orphans = {v for v in self.volumes() - self.volumes_before if not v.startswith(a.project + "_")}
        self.check(down.returncode == 0 and not orphans, "down: no anonymous volume left behind", f"exit {down.returncode}, new volumes {sorted(orphans)}")
        self.check(len(self.project_volumes()) == 3, "down: the three named volumes are kept", f"{sorted(self.project_volumes())}")

        up = self.compose("up", "-d", timeout=600, log="up2.log")
        ok, state = self.healthy(a.health_timeout)
        if not self.check(up.returncode == 0 and ok, "up again: gateway healthy", f"exit {up.returncode}, state {state!r}"):
            self.tail(up.stdout + up.stderr + self.logs("gateway"))
            return self.teardown()
        init_log = self.logs("odoo-init")
        self.check("nothing to do" in init_log and "installing" not in init_log, "odoo-init on the existing database does nothing", init_log[-500:])
        kept = all(self.record(p, m) for p, m in ids.items()) and bool(self.history([["id", "=", record_id or 0], ["state", "=", "sent"]]))
        self.check(kept, "after down/up: the three webhooks and the sent message are still in Odoo")
        row = self.wait(lambda: self.record("fonnte", late), a.record_timeout)
        self.check(bool(row), "after down/up: the webhook spooled while Odoo was down reached Odoo")
        status, headers, body = self.send_message(key, "smoke send")
        replay_id = json.loads(body).get("data", {}).get("id") if status == 202 else None
        replayed = {k.lower(): v for k, v in headers.items()}.get("idempotent-replayed") == "true"
        time.sleep(3)
        again = [r for r in self.fake_requests() if r["path"] == "/send"]
        self.check(replay_id == record_id and replayed and not again, "after down/up: the same Idempotency-Key answers the first result and sends nothing",
                   f"{status} {body[:200]}, replayed {replayed}, provider requests {len(again)}")

        # The addon upgrade, run on purpose as the README says.
        self.compose("stop", "odoo", timeout=120)
        upgrade = self.compose("run", "--rm", "odoo-upgrade", timeout=900, log="upgrade.log")
        upgraded = upgrade.returncode == 0 and "whatsapp_headless" in (upgrade.stdout + upgrade.stderr)
        if not self.check(upgraded, "odoo-upgrade (run --rm) upgrades whatsapp_headless", f"exit {upgrade.returncode}"):
            self.tail(upgrade.stdout + upgrade.stderr)
        up = self.compose("up", "-d", timeout=600)
        ok, state = self.healthy(a.health_timeout)
        kept = ok and all(self.wait(lambda p=p, m=m: self.record(p, m), 30) for p, m in ids.items())
        self.check(up.returncode == 0 and kept, "after the upgrade: gateway healthy, records kept", f"exit {up.returncode}, state {state!r}")
        return self.teardown()

    def teardown(self) -> int:
        if self.args.keep:
            self.note(f"--keep: the stack is left running; remove it with: {' '.join(self.compose_cmd('--profile', 'upgrade', 'down', '-v'))}")
            return self.finish()
        down = self.compose("--profile", "upgrade", "down", "-v", "--remove-orphans", timeout=300, log="down-v.log")
        left = self.project_volumes() | {v for v in self.volumes() - self.volumes_before if not v.startswith(self.args.project + "_")}
        self.check(down.returncode == 0 and not left, "down -v: no volume of the run left", f"exit {down.returncode}, left {sorted(left)}")
        return self.finish()

    def finish(self) -> int:
        total = self.passed + self.failed
        if self.failed:
            print(f"docker/smoke.sh: {self.failed} of {total} checks FAILED (logs of this run: {self.tmp})")
            return 1
        print(f"docker/smoke.sh: all {total} checks passed")
        shutil.rmtree(self.tmp, ignore_errors=True)
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="docker/smoke.sh", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--override", action="append", default=[], metavar="FILE",
                        help="compose override given after docker/compose.yml (repeatable), e.g. docker/compose.hostnet.yml")
    parser.add_argument("--project", default="wa-smoke", help="compose project name (default wa-smoke); its volumes are removed")
    parser.add_argument("--gateway-port", default="18080", help="host port of the gateway (default 18080)")
    parser.add_argument("--odoo-port", default="18069", help="host port of Odoo (default 18069)")
    parser.add_argument("--postgres-port", default="15432", help="PostgreSQL port, used with host networking (default 15432)")
    parser.add_argument("--fake-provider-port", default="18090", help="port of the fake provider (default 18090)")
    parser.add_argument("--node-major", default="22", help="Node.js major of the gateway image and the fake provider (default 22)")
    parser.add_argument("--build-timeout", type=float, default=1800, help="seconds allowed for up --build (default 1800)")
    parser.add_argument("--health-timeout", type=float, default=300, help="seconds allowed to become healthy (default 300)")
    parser.add_argument("--record-timeout", type=float, default=60, help="seconds allowed for a webhook to reach Odoo (default 60)")
    parser.add_argument("--keep", action="store_true", help="leave the stack running at the end (no down -v)")
    return Smoke(parser.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
