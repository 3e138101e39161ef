# Run by the one-shot `gateway-user` service of docker/compose.yml through `odoo shell`, which
# executes this file with `env` bound to the database. Idempotent: run it on every start.
#
#   ODOO_GATEWAY_LOGIN     login of the gateway's integration user (default whatsapp-gateway)
#   ODOO_GATEWAY_PASSWORD  its password (required); the gateway logs in with the same value
#   ODOO_ADMIN_PASSWORD    optional: replaces the admin/admin password of a new database
#
# Passwords are never printed.
import os
import sys

from odoo.exceptions import AccessDenied

login = os.environ.get("ODOO_GATEWAY_LOGIN") or "whatsapp-gateway"
password = os.environ.get("ODOO_GATEWAY_PASSWORD") or ""
if len(password) < 12:
    sys.exit("ODOO_GATEWAY_PASSWORD must be set to at least 12 characters")

user = env["res.users"]._whatsapp_headless_ensure_gateway_user(login, password)  # noqa: F821

admin_password = os.environ.get("ODOO_ADMIN_PASSWORD") or ""
admin = env.ref("base.user_admin")  # noqa: F821
if admin_password:
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
