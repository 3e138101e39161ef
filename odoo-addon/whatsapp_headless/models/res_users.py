# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model
    def _whatsapp_headless_ensure_gateway_user(self, login, password, name="WhatsApp Gateway"):
        """Create or update the gateway's integration user: member of the
        WhatsApp / Gateway group and of nothing else (not even Internal User),
        active, with ``password``.  Idempotent; used by the Docker one-shot step.
        Not callable over RPC (leading underscore)."""
        if not login or not password:
            raise ValueError("login and password are required")
        gateway_group = self.env.ref("whatsapp_headless.group_whatsapp_gateway")
        users = self.sudo().with_context(active_test=False, no_reset_password=True)
        user = users.search([("login", "=", login)], limit=1)
        values = {
            "name": name,
            "login": login,
            "active": True,
            "groups_id": [(6, 0, gateway_group.ids)],
        }
        if user:
            user.write(values)
        else:
            user = users.create(values)
        user.write({"password": password})
        return user
