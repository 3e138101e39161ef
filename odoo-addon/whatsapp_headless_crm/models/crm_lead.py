# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    whatsapp_conversation_ids = fields.One2many(
        "whatsapp.conversation", "lead_id", string="WhatsApp Conversations"
    )
    whatsapp_message_count = fields.Integer(
        string="WhatsApp", compute="_compute_whatsapp_message_count"
    )

    @api.depends("whatsapp_conversation_ids")
    def _compute_whatsapp_message_count(self):
        # A number only: the button that shows it (and opens the messages) is
        # for WhatsApp users, whose access rules apply when it is opened.
        counts = {}
        if self.ids:
            # One query for the whole list: messages per lead through the conversations.
            self.env["whatsapp.conversation"].flush(["lead_id"])
            self.env["whatsapp.history"].flush(["conversation_id"])
            self.env.cr.execute(
                """SELECT c.lead_id, count(h.id)
                     FROM whatsapp_conversation c
                     JOIN whatsapp_history h ON h.conversation_id = c.id
                    WHERE c.lead_id IN %s
                 GROUP BY c.lead_id""",
                [tuple(self.ids)],
            )
            counts = dict(self.env.cr.fetchall())
        for lead in self:
            lead.whatsapp_message_count = counts.get(lead.id, 0)

    def action_open_whatsapp(self):
        """The lead's conversation as a chat (the list when there are several)."""
        self.ensure_one()
        conversations = self.whatsapp_conversation_ids
        action = {
            "type": "ir.actions.act_window",
            "name": _("WhatsApp"),
            "res_model": "whatsapp.conversation",
            "domain": [("lead_id", "=", self.id)],
            "context": {"create": False},
        }
        if len(conversations) == 1:
            action.update(view_mode="form", res_id=conversations.id)
        else:
            action.update(view_mode="tree,form")
        return action
