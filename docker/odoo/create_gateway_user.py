# Run by the one-shot `gateway-user` service of docker/compose.yml through `odoo shell`, which
# executes this file with `env` bound to the database. Idempotent: run it on every start.
#
#   ODOO_GATEWAY_LOGIN     login of the gateway's integration user (default whatsapp-gateway)
#   ODOO_GATEWAY_PASSWORD  its password (required); the gateway logs in with the same value
#   ODOO_ADMIN_PASSWORD    password of Odoo's admin (required): replaces admin/admin on a new database,
#                          before Odoo serves HTTP (a password an administrator set later is kept)
#
# Passwords are never printed.
import os
import sys

from odoo.exceptions import AccessDenied

login = os.environ.get("ODOO_GATEWAY_LOGIN") or "whatsapp-gateway"
password = os.environ.get("ODOO_GATEWAY_PASSWORD") or ""
admin_password = os.environ.get("ODOO_ADMIN_PASSWORD") or ""
problems = [
    "%s must be set to at least 12 characters (docker/.env)" % name
    for name, value in (("ODOO_GATEWAY_PASSWORD", password), ("ODOO_ADMIN_PASSWORD", admin_password))
    if len(value) < 12
]
if problems:
    sys.exit("; ".join(problems))

user = env["res.users"]._whatsapp_headless_ensure_gateway_user(login, password)  # noqa: F821

admin = env.ref("base.user_admin")  # noqa: F821
try:
    # Only a database still on Odoo's default password is changed: a password an
    # administrator chose later is left alone.
    admin.with_user(admin)._check_credentials("admin")
except AccessDenied:
    pass
else:
    admin.write({"password": admin_password})
    print("admin password set from ODOO_ADMIN_PASSWORD")

env.cr.commit()  # noqa: F821
print("integration user %r (id %d) is in WhatsApp / Gateway only" % (login, user.id))
