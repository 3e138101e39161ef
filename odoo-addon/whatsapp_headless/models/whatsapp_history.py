# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import re

import psycopg2

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError

from . import phone_normalize

_logger = logging.getLogger(__name__)

# The gateway (src/domain/selections.ts) uses the same keys and labels:
# test/model/selections.test.ts and the live contract suite compare them.
DIRECTIONS = [("in", "Incoming"), ("out", "Outgoing")]
PROVIDERS = [("fonnte", "Fonnte"), ("meta", "Meta Cloud API"), ("twilio", "Twilio")]
MESSAGE_TYPES = [
    ("text", "Text"),
    ("image", "Image"),
    ("video", "Video"),
    ("audio", "Audio"),
    ("document", "Document"),
    ("sticker", "Sticker"),
    ("location", "Location"),
    ("contact", "Contact"),
    ("poll", "Poll"),
    ("reaction", "Reaction"),
    ("button", "Button"),
    ("other", "Other"),
]
STATES = [
    ("received", "Received"),
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("read", "Read"),
    ("failed", "Failed"),
]

PHONE_TIMESTAMP_INDEX = "whatsapp_history_phone_timestamp_index"
USER_ID_TIMESTAMP_INDEX = "whatsapp_history_user_id_timestamp_index"
PENDING_STATE_INDEX = "whatsapp_history_state_pending_index"
MESSAGE_TRIGRAM_INDEX = "whatsapp_history_message_trgm_index"
PREVIEW_LENGTH = 60
DEFAULT_COUNTRY_CODE = "62"  # the gateway's DEFAULT_COUNTRY is ID
# The gateway renders a location as "lat,lng" (optionally after a name).
LOCATION = re.compile(r"(-?\d{1,2}\.\d+)\s*,\s*(-?\d{1,3}\.\d+)")
# Errors after which sending the same message again cannot succeed (see
# shared/reference/providers.md): the customer is not on WhatsApp, or the
# last message from them is older than Meta's 24-hour customer-service window
# (only a template may be sent then). Matched in error_message, lower case.
NOT_ON_WHATSAPP_ERRORS = ("131026", "63003", "not registered", "not on whatsapp", "invalid number")
OUTSIDE_WINDOW_ERRORS = ("131047", "63016", "re-engagement", "24 hour", "24-hour")
# Fields the Gateway may still set on a received message (delivery bookkeeping,
# partner linking, media); what the customer wrote is never changed.
RECEIVED_WRITABLE_FIELDS = frozenset(
    {
        "state",
        "partner_id",
        "attachment_id",
        "media_mimetype",
        "media_filename",
        "error_message",
        "conversation_id",
        "whatsapp_user_id",
    }
)


class WhatsappHistory(models.Model):
    _name = "whatsapp.history"
    _description = "WhatsApp Message"
    _order = "timestamp desc, id desc"
    _rec_name = "phone"

    phone = fields.Char(
        string="Number",
        help="The contact's number in E.164 form, e.g. +6281234567890 "
        "(or a group id ending in @g.us). Empty when WhatsApp shows only "
        "the contact's user id.",
    )
    # Meta's business-scoped user id (BSUID), sent for users who adopted a
    # WhatsApp username: it may come without any number. Indexed by init().
    whatsapp_user_id = fields.Char(
        string="WhatsApp User ID",
        help="The contact's business-scoped WhatsApp user id, e.g. "
        "US.13491208655302741918. Stays the same when the contact changes number.",
    )
    whatsapp_parent_user_id = fields.Char(
        string="WhatsApp Parent User ID",
        help="The contact's user id across the business portfolio (US.ENT.…).",
    )
    whatsapp_username = fields.Char(
        string="WhatsApp Username", help="The username the contact chose in WhatsApp."
    )
    # Set only on the system message that announces a change of number or user
    # id: it ties the old identity to the new one (one conversation).
    previous_phone = fields.Char(
        string="Previous Number",
        help="On a change-of-number notice: the number the contact had before.",
    )
    previous_whatsapp_user_id = fields.Char(
        string="Previous WhatsApp User ID",
        help="On a change-of-user-id notice: the user id the contact had before.",
    )
    contact_name = fields.Char(
        string="Contact", help="The name the contact set in WhatsApp (push name)."
    )
    partner_id = fields.Many2one(
        "res.partner", string="Partner", index=True, ondelete="set null"
    )
    direction = fields.Selection(DIRECTIONS, required=True)
    message = fields.Text(help="The text of the message, or the caption of its media.")
    message_type = fields.Selection(MESSAGE_TYPES, string="Type", default="text")
    media_url = fields.Char(
        string="Media URL",
        help="Where the provider offered the media; such links often expire.",
    )
    media_mimetype = fields.Char(string="Media MIME Type")
    media_filename = fields.Char(string="Media File Name")
    attachment_id = fields.Many2one(
        "ir.attachment",
        string="Attachment",
        ondelete="set null",
        help="The media, downloaded and kept in Odoo.",
    )
    provider = fields.Selection(
        PROVIDERS, required=True, default=lambda self: self._default_provider()
    )
    provider_message_id = fields.Char(
        string="Provider Message ID",
        copy=False,
        help="The provider's id of the message. Empty for outgoing messages "
        "not sent yet.",
    )
    device = fields.Char(
        help="The business number or account that sent or received the message."
    )
    state = fields.Selection(
        STATES, required=True, default=lambda self: self._default_state()
    )
    error_message = fields.Text(string="Error", copy=False)
    timestamp = fields.Datetime(
        string="Time",
        required=True,
        index=True,
        default=fields.Datetime.now,
        help="When the provider says the message happened.",
    )
    raw_payload = fields.Text(
        string="Raw Payload",
        copy=False,
        groups="whatsapp_headless.group_whatsapp_manager,"
        "whatsapp_headless.group_whatsapp_gateway",
        help="The provider's original event, kept for audit.",
    )
    message_preview = fields.Char(string="Preview", compute="_compute_message_preview")
    conversation_id = fields.Many2one(
        "whatsapp.conversation",
        string="Conversation",
        index=True,
        readonly=True,
        # A conversation holding messages cannot be deleted: the messages are the record.
        ondelete="restrict",
    )
    retry_hint = fields.Char(
        compute="_compute_retry_hint",
        help="Why sending this failed message again cannot help, when the error says so.",
    )
    phone_search = fields.Char(
        string="Number (any form)",
        compute="_compute_phone_search",
        search="_search_phone_search",
        help="Search by number as people write it: 0812-3456-7890, "
        "6281234567890, +62 812 3456 7890 or part of it.",
    )

    _sql_constraints = [
        (
            "provider_message_uniq",
            "unique(provider, provider_message_id)",
            "This provider message is already stored (same provider and "
            "provider message id).",
        ),
        (
            "phone_or_user_id",
            "CHECK(coalesce(phone, '') <> '' OR coalesce(whatsapp_user_id, '') <> '')",
            "A WhatsApp message needs a number, a group id or a WhatsApp user id.",
        ),
    ]

    def init(self):
        cr = self.env.cr
        # "One number's thread, newest first"; also serves searches by number
        # prefix (databases Odoo creates use the C collation).
        tools.create_index(cr, PHONE_TIMESTAMP_INDEX, self._table, ["phone", "timestamp"])
        # The same "thread, newest first" for contacts known by user id (lookups
        # by BSUID, and the number's conversation widened to its user id).
        # Partial: most rows carry no user id and cost nothing here.
        if not tools.index_exists(cr, USER_ID_TIMESTAMP_INDEX):
            cr.execute(
                'CREATE INDEX "{}" ON "{}" (whatsapp_user_id, "timestamp") '
                "WHERE whatsapp_user_id IS NOT NULL".format(USER_ID_TIMESTAMP_INDEX, self._table)
            )
        # Only the rows someone looks for by state (the gateway's send queue,
        # the Failed filter): received/sent/delivered/read rows cost nothing.
        if not tools.index_exists(cr, PENDING_STATE_INDEX):
            cr.execute(
                'CREATE INDEX "{}" ON "{}" (state) WHERE state IN (\'queued\', \'failed\')'.format(
                    PENDING_STATE_INDEX, self._table
                )
            )
        self._create_message_trigram_index()

    def _create_message_trigram_index(self):
        """Create the trigram index that keeps ``message ilike`` fast; return
        whether it exists.  Where PostgreSQL refuses (no pg_trgm, no right to
        create it), log it and go on: text search still works, only slower."""
        cr = self.env.cr
        if tools.index_exists(cr, MESSAGE_TRIGRAM_INDEX):
            return True
        try:
            # A savepoint so that a refusal does not abort the install transaction.
            with cr.savepoint(flush=False):
                cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", log_exceptions=False)
                cr.execute(
                    'CREATE INDEX "{}" ON "{}" USING gin (message gin_trgm_ops)'.format(
                        MESSAGE_TRIGRAM_INDEX, self._table
                    ),
                    log_exceptions=False,
                )
        except psycopg2.Error as error:
            _logger.warning(
                "No trigram index on whatsapp_history.message (%s): searching "
                "message text will scan the whole table. To fix it, have a "
                "PostgreSQL superuser run 'CREATE EXTENSION pg_trgm;' in this "
                "database, then upgrade whatsapp_headless.",
                (error.pgerror or str(error)).strip().splitlines()[0],
            )
            return False
        return True

    @api.model
    def _default_provider(self):
        return (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("whatsapp_headless.default_provider", "fonnte")
        )

    @api.model
    def _default_state(self):
        return "queued" if self.env.context.get("default_direction") == "out" else "received"

    @api.model
    def _country_code(self):
        """Country calling code used to read national numbers (0812…)."""
        code = self.env.company.country_id.phone_code
        if code:
            return str(code)
        return (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("whatsapp_headless.default_country_code", DEFAULT_COUNTRY_CODE)
        )

    @api.model_create_multi
    def create(self, vals_list):
        # A new outgoing message waits in the gateway's queue; anything else
        # was received.  Decided here so that it follows the direction given.
        for vals in vals_list:
            if not vals.get("state"):
                vals["state"] = "queued" if vals.get("direction") == "out" else "received"
        # Conversation upkeep in the same transaction, a few statements per
        # batch (not per message): see whatsapp.conversation._upkeep_*.
        Conversation = self.env["whatsapp.conversation"].sudo()
        Conversation._upkeep_prepare(vals_list)
        records = super().create(vals_list)
        records._remember_user_id_on_partner()
        Conversation._upkeep_apply(records)
        return records

    def write(self, vals):
        self._check_received_unchanged(vals)
        result = super().write(vals)
        if "partner_id" in vals or "whatsapp_user_id" in vals:
            self._remember_user_id_on_partner()
        if vals.get("partner_id") and not self.env.context.get("whatsapp_partner_sync"):
            # A conversation without partner learns it from its messages.
            self.env["whatsapp.conversation"].sudo().with_context(
                whatsapp_partner_sync=True
            ).search(
                [("id", "in", self.mapped("conversation_id").ids), ("partner_id", "=", False)]
            ).write({"partner_id": vals["partner_id"]})
        if "state" in vals:
            # Delivery ticks: open threads redraw these messages.
            by_conversation = {}
            for record in self.filtered("conversation_id"):
                by_conversation.setdefault(record.conversation_id.id, []).append(record.id)
            self.env["whatsapp.conversation"].sudo().browse(
                list(by_conversation)
            )._notify_inbox(by_conversation)
        return result

    def _check_received_unchanged(self, vals):
        """What a customer wrote stays as it was received, whoever asks (the
        superuser's own bookkeeping excepted).  The Gateway may still record
        delivery state, partner and media on it."""
        if self.env.su:
            return
        changed = set(vals) - RECEIVED_WRITABLE_FIELDS
        if not self.env.user.has_group("whatsapp_headless.group_whatsapp_gateway"):
            changed = set(vals)
        if changed and any(record.direction == "in" for record in self):
            raise AccessError(
                _("A received WhatsApp message cannot be changed: it is what the customer wrote.")
            )

    def copy(self, default=None):
        # A copy of an outgoing message would be queued and sent again; a
        # copy of a received one would be a message nobody sent.
        raise UserError(_("WhatsApp messages cannot be duplicated."))

    def unlink(self):
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only administrators can delete WhatsApp messages."))
        return super().unlink()

    def _remember_user_id_on_partner(self):
        """Let each linked partner remember the contact's WhatsApp user id, so
        that a later message without a number still finds the partner.  A
        partner keeps the first user id it was linked with, except that a
        change-of-user-id notice moves it from the previous id to the new one.
        As superuser: the gateway may not write partners, and this is the
        addon's own bookkeeping, not a change the caller asked for."""
        for record in self.filtered(lambda r: r.partner_id and r.whatsapp_user_id):
            partner = record.partner_id.sudo()
            current = partner.whatsapp_user_id
            if current == record.whatsapp_user_id:
                continue
            if not current or current == record.previous_whatsapp_user_id:
                partner.write({"whatsapp_user_id": record.whatsapp_user_id})

    @api.depends("message", "message_type")
    def _compute_message_preview(self):
        type_labels = dict(self._fields["message_type"]._description_selection(self.env))
        for record in self:
            text = " ".join((record.message or "").split())
            if len(text) > PREVIEW_LENGTH:
                text = text[: PREVIEW_LENGTH - 1].rstrip() + "…"
            if not text and record.message_type:
                text = "[%s]" % type_labels.get(record.message_type, record.message_type)
            record.message_preview = text

    @api.depends("phone")
    def _compute_phone_search(self):
        for record in self:
            record.phone_search = record.phone

    def _search_phone_search(self, operator, value):
        domain = phone_normalize.phone_search_domain(operator, value, self._country_code())
        # "Number" also finds contacts known only by user id: US.1349… typed in
        # the same box (positive searches only; "not" stays about the number).
        if operator in ("=", "like", "ilike", "=like", "=ilike") and isinstance(value, str):
            user_id = value.strip()
            if user_id:
                user_operator = "=" if operator == "=" else "ilike"
                domain = ["|", ("whatsapp_user_id", user_operator, user_id)] + domain
        return domain

    def name_get(self):
        names = []
        for record in self:
            contact = record.phone or record.whatsapp_user_id or ""
            preview = record.message_preview
            names.append((record.id, "%s – %s" % (contact, preview) if preview else contact))
        return names

    @api.onchange("phone")
    def _onchange_phone(self):
        if self.phone:
            self.phone = phone_normalize.to_e164(self.phone, self._country_code())

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        partner = self.partner_id
        if partner and not self.phone and (partner.mobile or partner.phone):
            self.phone = phone_normalize.to_e164(
                partner.mobile or partner.phone, self._country_code()
            )

    @api.depends("state", "direction", "error_message")
    def _compute_retry_hint(self):
        for record in self:
            record.retry_hint = record._retry_hopeless_reason() or False

    def _retry_hopeless_reason(self):
        """Why sending this failed message again cannot succeed, or None."""
        if self.direction != "out" or self.state != "failed":
            return None
        error = (self.error_message or "").lower()
        if any(code in error for code in NOT_ON_WHATSAPP_ERRORS):
            return _("This number is not on WhatsApp: sending again will fail the same way.")
        if any(code in error for code in OUTSIDE_WINDOW_ERRORS):
            return _(
                "The customer's last message is older than 24 hours: WhatsApp only "
                "lets a business write first with an approved template. Sending "
                "again will fail until the customer writes."
            )
        return None

    def action_retry(self):
        """Put failed outgoing messages back in the gateway's send queue, as
        new: the time is refreshed so the message comes back to the top."""
        if not self.env.user.has_group("whatsapp_headless.group_whatsapp_agent"):
            raise AccessError(_("Only WhatsApp agents and managers can send messages again."))
        failed = self.filtered(lambda r: r.direction == "out" and r.state == "failed")
        hopeless = failed.filtered(lambda r: r._retry_hopeless_reason())
        if hopeless and len(hopeless) == len(failed):
            raise UserError(hopeless[0]._retry_hopeless_reason())
        retried = failed - hopeless
        # As superuser: agents retry their own replies without write rights
        # on messages; only these four bookkeeping fields change.
        retried.sudo().write(
            {
                "state": "queued",
                "error_message": False,
                "provider_message_id": False,
                "timestamp": fields.Datetime.now(),
            }
        )
        return True

    def _whatsapp_location(self):
        """{latitude, longitude, url} of a location message, else False."""
        if self.message_type != "location" or not self.message:
            return False
        match = LOCATION.search(self.message)
        if not match:
            return False
        latitude, longitude = match.groups()
        return {
            "latitude": float(latitude),
            "longitude": float(longitude),
            "url": "https://www.google.com/maps/search/?api=1&query=%s,%s" % (latitude, longitude),
        }

    def action_open_attachment(self):
        self.ensure_one()
        if not self.attachment_id:
            return False
        return {
            "type": "ir.actions.act_url",
            "name": _("Media"),
            "url": "/web/content/%d?download=true" % self.attachment_id.id,
            "target": "new",
        }

    def attach_media(self, name, datas, mimetype=False, filename=False):
        """Store the media the gateway downloaded as this message's attachment,
        once; return the attachment's id.

        Creating the attachment and linking it happen in this one call, so in
        one transaction: a timeout between two calls can no longer leave an
        attachment behind that a retry would then create again.  A repeated
        call (the answer to the first one was lost) finds the attachment
        already linked and returns it.  It runs with the caller's rights: the
        gateway may create attachments on messages, and reads none.
        """
        self.ensure_one()
        if self.attachment_id:
            return self.attachment_id.id
        values = {
            "name": name,
            "datas": datas,
            "res_model": self._name,
            "res_id": self.id,
        }
        if mimetype:
            values["mimetype"] = mimetype
        attachment = self.env["ir.attachment"].create(values)
        links = {"attachment_id": attachment.id}
        if mimetype:
            links["media_mimetype"] = mimetype
        if filename:
            links["media_filename"] = filename
        self.write(links)
        return attachment.id
