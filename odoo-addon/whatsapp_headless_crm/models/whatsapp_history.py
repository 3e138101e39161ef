# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, models

_logger = logging.getLogger(__name__)


class WhatsappHistory(models.Model):
    _inherit = "whatsapp.history"

    @api.model_create_multi
    def create(self, vals_list):
        messages = super().create(vals_list)
        if not self.env.context.get("whatsapp_headless_crm_no_lead"):
            # A lead is a convenience; the messages are not. Whatever the CRM refuses (a required
            # field another module added, a bad team setting) must not roll back the gateway's batch.
            try:
                with self.env.cr.savepoint():
                    messages._whatsapp_leads_for_new_conversations()
            except Exception:
                _logger.exception("WhatsApp: could not create the leads of new conversations; the messages are stored")
        return messages

    def _whatsapp_leads_for_new_conversations(self):
        """Create the leads of the conversations this batch started with a
        customer's message.  The addon creates conversations in SQL inside
        whatsapp.history.create, stamped with the transaction's time: a
        conversation whose create_date is now() was started by this
        transaction (one query per batch, whatever its size)."""
        conversation_ids = list(
            {m.conversation_id.id for m in self if m.direction == "in" and m.conversation_id}
        )
        if not conversation_ids:
            return
        cr = self.env.cr
        cr.execute(
            "SELECT id FROM whatsapp_conversation WHERE id IN %s AND lead_id IS NULL "
            "AND create_date = (now() at time zone 'UTC')",
            [tuple(conversation_ids)],
        )
        new_ids = [row[0] for row in cr.fetchall()]
        if new_ids:
            conversations = self.env["whatsapp.conversation"].sudo().browse(new_ids)
            # The upkeep wrote partner and name in SQL: read them afresh.
            conversations.invalidate_cache()
            conversations._whatsapp_create_leads()
