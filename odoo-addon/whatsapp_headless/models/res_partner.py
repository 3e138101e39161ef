# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    whatsapp_message_count = fields.Integer(
        string="WhatsApp Messages",
        compute="_compute_whatsapp_message_count",
        groups="whatsapp_headless.group_whatsapp_user",
    )

    def _compute_whatsapp_message_count(self):
        # _origin: the partner form recomputes this on onchange, on new-id copies.
        partner_ids = [pid for pid in self._origin.ids if pid]
        counts = {}
        if partner_ids:
            groups = self.env["whatsapp.history"].read_group(
                [("partner_id", "in", partner_ids)], ["partner_id"], ["partner_id"]
            )
            counts = {g["partner_id"][0]: g["partner_id_count"] for g in groups}
        for partner in self:
            partner.whatsapp_message_count = counts.get(partner._origin.id, 0)

    def action_view_whatsapp_messages(self):
        self.ensure_one()
        action = self.env.ref("whatsapp_headless.action_whatsapp_history").read()[0]
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {
            "default_partner_id": self.id,
            "default_direction": "out",
            "default_contact_name": self.name,
        }
        return action
