# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression

# What the gateway may learn of a contact (and nothing more): see
# whatsapp_headless_find_partners.
LOOKUP_FIELDS = ("id", "name", "phone", "mobile", "whatsapp_user_id")
# A number's national significant digits (what people type after the trunk
# prefix); shorter runs would match almost any partner.
NATIONAL_DIGITS = re.compile(r"[0-9]{4,17}")
# A business-scoped WhatsApp user id: country code, a dot, up to 128 letters or
# digits (US.13491208655302741918); parent ids carry ENT. (US.ENT.…).
WHATSAPP_USER_ID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")
MAX_LOOKUP_KEYS = 100
MAX_LOOKUP_ROWS = 1000


class ResPartner(models.Model):
    _inherit = "res.partner"

    whatsapp_user_id = fields.Char(
        string="WhatsApp User ID",
        index=True,
        copy=False,
        groups="whatsapp_headless.group_whatsapp_user",
        help="The contact's business-scoped WhatsApp user id, remembered when a "
        "message is linked to this contact: later messages that show no number "
        "still find the contact by it.",
    )
    whatsapp_message_count = fields.Integer(
        string="WhatsApp Messages",
        compute="_compute_whatsapp_message_count",
        groups="whatsapp_headless.group_whatsapp_user",
    )

    whatsapp_conversation_count = fields.Integer(
        string="WhatsApp Conversations",
        compute="_compute_whatsapp_conversation_count",
        groups="whatsapp_headless.group_whatsapp_user",
    )

    def _compute_whatsapp_conversation_count(self):
        partner_ids = [pid for pid in self._origin.ids if pid]
        counts = {}
        if partner_ids:
            groups = self.env["whatsapp.conversation"].read_group(
                [("partner_id", "in", partner_ids)], ["partner_id"], ["partner_id"]
            )
            counts = {g["partner_id"][0]: g["partner_id_count"] for g in groups}
        for partner in self:
            partner.whatsapp_conversation_count = counts.get(partner._origin.id, 0)

    def action_view_whatsapp_conversations(self):
        """The partner's conversations in the Inbox (done ones too)."""
        self.ensure_one()
        action = self.env.ref("whatsapp_headless.action_whatsapp_conversation").read()[0]
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        # "Link Contact" on a conversation without partner opens this form:
        # the new contact is linked to that conversation and its messages.
        conversation_id = self.env.context.get("whatsapp_conversation_id")
        if conversation_id and len(partners) == 1:
            conversation = self.env["whatsapp.conversation"].browse(conversation_id).exists()
            if conversation and not conversation.partner_id:
                conversation._link_partner(partners)
        return partners

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
        }
        return action

    @api.model
    def whatsapp_headless_find_partners(self, national_numbers=None, user_ids=None):
        """Candidate contacts for the gateway's partner linking: active,
        non-private partners whose phone or mobile holds one of
        ``national_numbers`` (a number's national significant digits, matched
        however they were typed: 0812-3456-7890, +62 812 …) or whose WhatsApp
        user id is one of ``user_ids``.  Returns only id, name, phone, mobile
        and whatsapp_user_id (at most MAX_LOOKUP_ROWS rows, by id); the caller
        confirms each number match.

        The gateway's group cannot read res.partner at all: this method is its
        only view of contacts, hence sudo() inside, the checked input and the
        private-address exclusion that its record rule used to give."""
        user = self.env.user
        if not (
            user.has_group("whatsapp_headless.group_whatsapp_gateway")
            or self.check_access_rights("read", raise_exception=False)
        ):
            raise AccessError(_("You are not allowed to look up WhatsApp contacts."))
        numbers = self._whatsapp_checked_keys(national_numbers, NATIONAL_DIGITS, "national_numbers")
        wa_ids = self._whatsapp_checked_keys(user_ids, WHATSAPP_USER_ID, "user_ids")
        if len(numbers) + len(wa_ids) > MAX_LOOKUP_KEYS:
            raise ValidationError(
                _("At most %d numbers and user ids per lookup.") % MAX_LOOKUP_KEYS
            )
        terms = []
        for digits in numbers:
            pattern = "%" + "%".join(digits) + "%"
            terms += [[("phone", "=like", pattern)], [("mobile", "=like", pattern)]]
        if wa_ids:
            terms.append([("whatsapp_user_id", "in", wa_ids)])
        if not terms:
            return []
        domain = expression.AND(
            [
                expression.OR(terms),
                ["|", ("type", "!=", "private"), ("type", "=", False)],
            ]
        )
        partners = self.sudo().search(domain, order="id", limit=MAX_LOOKUP_ROWS)
        return [
            dict({name: partner[name] or False for name in LOOKUP_FIELDS}, id=partner.id)
            for partner in partners
        ]

    @api.model
    def _whatsapp_checked_keys(self, values, pattern, argument):
        if values in (None, False):
            return []
        if not isinstance(values, (list, tuple)) or not all(
            isinstance(value, str) and pattern.fullmatch(value) for value in values
        ):
            raise ValidationError(
                _("%s must be a list of values of the form %s.") % (argument, pattern.pattern)
            )
        return sorted(set(values))
