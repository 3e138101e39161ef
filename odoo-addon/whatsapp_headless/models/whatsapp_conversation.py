# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

import odoo
from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression

from odoo.addons.bus.models.bus import json_dump

from . import phone_normalize

_logger = logging.getLogger(__name__)

CONVERSATION_STATES = [("open", "Open"), ("done", "Done")]
IDENTITY_UNIQUE_INDEX = "whatsapp_conversation_identity_device_uniq"
INBOX_ORDER_INDEX = "whatsapp_conversation_inbox_order_index"
BUS_CHANNEL = "whatsapp_headless.inbox"
# Set on a cursor while its after-commit NOTIFY is registered.
NOTIFY_FLAG = "_whatsapp_headless_inbox_notify"
PREVIEW_LENGTH = 60
THREAD_LIMIT = 80
USER_ID_PREFIX = "user:"
AGENT_WRITABLE_FIELDS = frozenset({"user_id", "state", "partner_id"})


def identity_key_of(phone, whatsapp_user_id):
    """The contact identity a message belongs to: its number (E.164) or group
    id when it has one, else its business-scoped user id."""
    if phone:
        return phone
    if whatsapp_user_id:
        return USER_ID_PREFIX + whatsapp_user_id
    return False


def message_type_of_mimetype(mimetype):
    """The WhatsApp message type a file of ``mimetype`` is sent as."""
    main = (mimetype or "").split("/")[0]
    if main in ("image", "video", "audio"):
        return main
    return "document"


class WhatsappConversation(models.Model):
    """One contact (number, WhatsApp user id or group) on one business number:
    the unit agents answer.  Kept up to date by whatsapp.history.create (see
    ``_upkeep_prepare`` and ``_upkeep_apply``) with a few set-based statements per batch, so
    that the gateway's ingestion stays fast."""

    _name = "whatsapp.conversation"
    _description = "WhatsApp Conversation"
    # Waiting customers first, then the latest activity: both stored, and
    # served by INBOX_ORDER_INDEX.
    _order = "is_waiting desc, last_message_at desc, id desc"
    _rec_name = "name"

    name = fields.Char(compute="_compute_name", store=True)
    identity_key = fields.Char(
        string="Contact Identity",
        required=True,
        readonly=True,
        index=True,
        help="The number in E.164 form, the group id, or user:<WhatsApp user id> "
        "for a contact whose number WhatsApp does not show.",
    )
    device = fields.Char(
        string="Business Number",
        readonly=True,
        help="The business number or account the customer writes to.",
    )
    phone = fields.Char(string="Number", readonly=True)
    whatsapp_user_id = fields.Char(string="WhatsApp User ID", readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Partner", index=True, ondelete="set null", tracking=False
    )
    whatsapp_name = fields.Char(
        string="WhatsApp Name",
        readonly=True,
        help="The name the customer set in WhatsApp, from their last message.",
    )
    message_ids = fields.One2many(
        "whatsapp.history", "conversation_id", string="Messages", readonly=True
    )
    message_count = fields.Integer(compute="_compute_message_count", string="Message Count")
    last_message_id = fields.Many2one(
        "whatsapp.history", string="Last Message", readonly=True, ondelete="set null"
    )
    last_message_at = fields.Datetime(string="Last Activity", readonly=True, index=True)
    last_direction = fields.Selection(
        [("in", "Incoming"), ("out", "Outgoing")], string="Last Direction", readonly=True
    )
    last_message_preview = fields.Char(string="Last Message Text", readonly=True)
    waiting_since = fields.Datetime(
        readonly=True,
        index=True,
        help="When the customer wrote the first message nobody has answered yet.",
    )
    is_waiting = fields.Boolean(
        string="Waiting",
        compute="_compute_is_waiting",
        store=True,
        help="The customer wrote last and nobody has answered yet.",
    )
    unread_count = fields.Integer(
        string="Unread",
        readonly=True,
        default=0,
        help="Messages received since an agent last opened the conversation.",
    )
    user_id = fields.Many2one(
        "res.users", string="Agent", index=True, ondelete="set null",
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("whatsapp_headless.group_whatsapp_agent").id)
        ],
    )
    state = fields.Selection(CONVERSATION_STATES, default="open", required=True, index=True)
    first_response_seconds = fields.Integer(
        string="First Response (s)",
        readonly=True,
        group_operator="avg",
        help="Seconds between the customer's first message and the first answer.",
    )
    color = fields.Integer(compute="_compute_color")
    # With mail installed, every form holding a field named message_ids also
    # reads message_attachment_count (mail's FormView assumes a chatter):
    # without this field the conversation form would not open.
    message_attachment_count = fields.Integer(
        string="Files", compute="_compute_message_attachment_count"
    )
    search_text = fields.Char(
        string="Number, Name or Text",
        compute="_compute_search_text",
        search="_search_search_text",
        help="Finds the number however it is written (0812-3456-7890, 62812…, "
        "+62 812 …), the WhatsApp name, the partner and the text of the messages.",
    )

    def init(self):
        cr = self.env.cr
        # One conversation per identity and business number; a message without
        # device belongs to the device-less conversation (NULL would never
        # conflict, hence coalesce). Not a _sql_constraints: those cannot hold
        # expressions.
        if not tools.index_exists(cr, IDENTITY_UNIQUE_INDEX):
            cr.execute(
                'CREATE UNIQUE INDEX "{}" ON "{}" (identity_key, (coalesce(device, \'\')))'.format(
                    IDENTITY_UNIQUE_INDEX, self._table
                )
            )
        # The inbox's default order (_order): opening it reads the first page
        # of this index instead of sorting every conversation.
        tools.create_index(
            cr, INBOX_ORDER_INDEX, self._table, ["is_waiting desc", "last_message_at desc"]
        )

    # ------------------------------------------------------------ computes
    @api.depends("partner_id.name", "whatsapp_name", "phone", "whatsapp_user_id", "identity_key")
    def _compute_name(self):
        for conversation in self:
            conversation.name = (
                conversation.partner_id.name
                or conversation.whatsapp_name
                or conversation.phone
                or conversation.whatsapp_user_id
                or conversation.identity_key
            )

    @api.depends("waiting_since", "state")
    def _compute_is_waiting(self):
        for conversation in self:
            conversation.is_waiting = bool(conversation.waiting_since) and (
                conversation.state == "open"
            )

    def _compute_message_count(self):
        counts = {}
        if self.ids:
            groups = self.env["whatsapp.history"].read_group(
                [("conversation_id", "in", self.ids)], ["conversation_id"], ["conversation_id"]
            )
            counts = {g["conversation_id"][0]: g["conversation_id_count"] for g in groups}
        for conversation in self:
            conversation.message_count = counts.get(conversation.id, 0)

    def _compute_search_text(self):
        for conversation in self:
            conversation.search_text = conversation.name

    def _search_search_text(self, operator, value):
        if operator not in ("ilike", "like", "=", "=ilike") or not isinstance(value, str):
            return [("name", operator, value)]
        # Odoo flushes only the searched field (this computed one) before a search.
        self.flush(["partner_id", "name", "whatsapp_name", "phone", "whatsapp_user_id"])
        country_code = self.env["whatsapp.history"]._country_code()
        text = value.strip()
        return expression.OR(
            [
                phone_normalize.phone_search_domain("ilike", text, country_code),
                [("whatsapp_user_id", "ilike", text)],
                [("name", "ilike", text)],
                [("whatsapp_name", "ilike", text)],
                [("partner_id.name", "ilike", text)],
                # Served by the trigram index on whatsapp_history.message.
                [("message_ids.message", "ilike", text)],
            ]
        )

    def _compute_message_attachment_count(self):
        counts = {}
        if self.ids:
            groups = self.env["whatsapp.history"].read_group(
                [("conversation_id", "in", self.ids), ("attachment_id", "!=", False)],
                ["conversation_id"],
                ["conversation_id"],
            )
            counts = {g["conversation_id"][0]: g["conversation_id_count"] for g in groups}
        for conversation in self:
            conversation.message_attachment_count = counts.get(conversation.id, 0)

    def _compute_color(self):
        # Kanban card colour: red waiting, none otherwise.
        for conversation in self:
            conversation.color = 1 if conversation.is_waiting else 0

    # ------------------------------------------------------------ agent actions
    def action_mark_read(self):
        unread = self.filtered("unread_count")
        if unread:
            unread.sudo().write({"unread_count": 0})
        return True

    def action_assign_me(self):
        self.write({"user_id": self.env.uid})
        self._notify_inbox()
        return True

    def action_done(self):
        self.write({"state": "done"})
        self.sudo().write({"unread_count": 0})
        self._notify_inbox()
        return True

    def action_reopen(self):
        self.write({"state": "open"})
        self._notify_inbox()
        return True

    def action_reply(self, body, attachment_ids=None):
        """Queue one outgoing message to this conversation's contact; return
        its id.  ``attachment_ids``: at most one ir.attachment (the first is
        sent; WhatsApp carries one file per message)."""
        self.ensure_one()
        self.check_access_rights("write")
        self.check_access_rule("write")
        body = (body or "").strip()
        attachment = self.env["ir.attachment"]
        if attachment_ids:
            if isinstance(attachment_ids, int):
                attachment_ids = [attachment_ids]
            attachment = self.env["ir.attachment"].browse(attachment_ids[:1]).exists()
            # Only a file the agent can read themselves may be sent.
            attachment.check("read")
        if not body and not attachment:
            raise UserError(_("Write a message or add a file before sending."))
        values = {
            "direction": "out",
            "state": "queued",
            "phone": self.phone or False,
            "whatsapp_user_id": self.whatsapp_user_id or False,
            "device": self.device or False,
            "partner_id": self.partner_id.id or False,
            "contact_name": self.whatsapp_name or False,
            "message": body or False,
            "message_type": "text",
        }
        if attachment:
            values.update(
                {
                    "message_type": message_type_of_mimetype(attachment.mimetype),
                    "attachment_id": attachment.id,
                    "media_mimetype": attachment.mimetype,
                    "media_filename": attachment.name,
                }
            )
        # Agents may not create messages directly (no generic Create): the
        # reply is made here, with the values above only.
        message = self.env["whatsapp.history"].sudo().with_context(
            whatsapp_reply_uid=self.env.uid
        ).create(values)
        if attachment and not attachment.res_id:
            attachment.sudo().write({"res_model": "whatsapp.history", "res_id": message.id})
        return message.id

    def get_thread(self, limit=THREAD_LIMIT, before_id=None):
        """The conversation's messages for the chat widget, oldest first:
        the ``limit`` newest ones, or those before message ``before_id``."""
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        domain = [("conversation_id", "=", self.id)]
        if before_id:
            domain.append(("id", "<", int(before_id)))
        messages = self.env["whatsapp.history"].search(
            domain, order="timestamp desc, id desc", limit=int(limit or THREAD_LIMIT)
        )
        attachments = messages.mapped("attachment_id").sudo()
        attachment_info = {a.id: (a.mimetype, a.name) for a in attachments}
        result = []
        for message in reversed(messages):
            mimetype, attachment_name = attachment_info.get(message.attachment_id.id, (False, False))
            result.append(
                {
                    "id": message.id,
                    "direction": message.direction,
                    "message": message.message or "",
                    "message_type": message.message_type,
                    "state": message.state,
                    "error_message": message.error_message or False,
                    "timestamp": fields.Datetime.to_string(message.timestamp),
                    "attachment_id": message.attachment_id.id or False,
                    "attachment_mimetype": mimetype or message.media_mimetype or False,
                    "attachment_name": attachment_name or message.media_filename or False,
                    "media_url": message.media_url or False,
                    "location": message._whatsapp_location(),
                    "contact_name": message.contact_name or False,
                    "author_id": message.create_uid.id if message.direction == "out" else False,
                    "retry_hint": message.retry_hint or False,
                }
            )
        return result

    # ------------------------------------------------------------ partners
    def _proposed_partner(self):
        """The partner the gateway would link this number to: the same lookup
        (national digits or user id), confirmed by the whole number."""
        self.ensure_one()
        Partner = self.env["res.partner"]
        country_code = self.env["whatsapp.history"]._country_code()
        national = None
        if self.phone and phone_normalize.is_e164(self.phone):
            digits = phone_normalize.digits_of(self.phone)
            national = digits[len(country_code):] if digits.startswith(country_code) else digits
        candidates = Partner.whatsapp_headless_find_partners(
            national_numbers=[national] if national and len(national) >= 4 else None,
            user_ids=[self.whatsapp_user_id] if self.whatsapp_user_id else None,
        )
        for candidate in candidates:
            if self.whatsapp_user_id and candidate.get("whatsapp_user_id") == self.whatsapp_user_id:
                return Partner.browse(candidate["id"])
            for number in (candidate.get("mobile"), candidate.get("phone")):
                if number and phone_normalize.to_e164(number, country_code) == self.phone:
                    return Partner.browse(candidate["id"])
        return Partner

    def action_link_partner(self):
        """Link the number's partner if one exists, else open a new partner
        form filled from the conversation."""
        self.ensure_one()
        partner = self._proposed_partner()
        if partner:
            self._link_partner(partner)
            return True
        return {
            "type": "ir.actions.act_window",
            "name": _("New Contact"),
            "res_model": "res.partner",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_name": self.whatsapp_name or self.phone or self.whatsapp_user_id,
                "default_mobile": self.phone if phone_normalize.is_e164(self.phone or "") else False,
                "whatsapp_conversation_id": self.id,
            },
        }

    def _link_partner(self, partner):
        self.write({"partner_id": partner.id})

    def write(self, vals):
        # Agents work the inbox (assign, close, link a partner); the identity
        # and the upkeep's fields are the addon's, written by SQL or sudo.
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            forbidden = set(vals) - AGENT_WRITABLE_FIELDS
            if forbidden:
                raise AccessError(
                    _("These conversation fields are kept by WhatsApp: %s") % ", ".join(sorted(forbidden))
                )
        result = super().write(vals)
        if vals.get("partner_id") and not self.env.context.get("whatsapp_partner_sync"):
            # The conversation's messages without partner follow (as superuser:
            # agents cannot write messages; this is the addon's bookkeeping).
            self.env["whatsapp.history"].sudo().with_context(whatsapp_partner_sync=True).search(
                [("conversation_id", "in", self.ids), ("partner_id", "=", False)]
            ).write({"partner_id": vals["partner_id"]})
        return result

    def action_open_messages(self):
        self.ensure_one()
        action = self.env.ref("whatsapp_headless.action_whatsapp_history").read()[0]
        action["domain"] = [("conversation_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------ bus
    def _notify_inbox(self, message_ids_by_conversation=None):
        """Tell open web clients that these conversations changed: one bus
        notification per conversation, payload {'conversation_id', 'message_id'
        (the newest of the batch or False), 'message_ids'}.  Rows are inserted
        with one statement (bus.bus.sendmany would create them one by one,
        which costs the gateway's 200-message batches dearly); the NOTIFY after
        commit is the one sendmany sends."""
        if not self.ids:
            return
        by_conversation = message_ids_by_conversation or {}
        cr = self.env.cr
        channel = json_dump([cr.dbname, BUS_CHANNEL])
        params = []
        for conversation_id in self.ids:
            message_ids = sorted(by_conversation.get(conversation_id, []))
            payload = {
                "conversation_id": conversation_id,
                "message_id": message_ids[-1] if message_ids else False,
                "message_ids": message_ids,
            }
            params += [channel, json_dump(payload), self.env.uid, self.env.uid]
        row = "(%s, %s, now() at time zone 'UTC', %s, now() at time zone 'UTC', %s)"
        cr.execute(
            "INSERT INTO bus_bus (channel, message, create_date, create_uid, write_date, write_uid) "
            "VALUES " + ",".join([row] * len(self.ids)),
            params,
        )
        # One NOTIFY per transaction, however many batches it holds.
        if not getattr(cr, NOTIFY_FLAG, False):
            setattr(cr, NOTIFY_FLAG, True)
            dbname = cr.dbname

            def notify():
                setattr(cr, NOTIFY_FLAG, False)
                with odoo.sql_db.db_connect("postgres").cursor() as notify_cr:
                    notify_cr.execute("notify imbus, %s", (json_dump([[dbname, BUS_CHANNEL]]),))

            cr.after("commit", notify)
            cr.after("rollback", lambda: setattr(cr, NOTIFY_FLAG, False))

    # ------------------------------------------------------------ upkeep
    @api.model
    def _upkeep_prepare(self, vals_list):
        """Before the messages are created: find or create each message's
        conversation (one SELECT, at most one INSERT) and set
        ``conversation_id`` in ``vals_list``.  Returns nothing."""
        cr = self.env.cr
        keyed = []
        for vals in vals_list:
            if vals.get("conversation_id"):
                continue
            key = identity_key_of(vals.get("phone"), vals.get("whatsapp_user_id"))
            if not key:
                continue
            keyed.append((vals, key, vals.get("device") or ""))
        if not keyed:
            return
        # Raw SQL below: pending ORM writes (mark read, done…) go first.
        self.flush()
        keys = {key for _vals, key, _device in keyed}
        # Also look up: the BSUID of messages with a number (a conversation
        # started without number gets it), and the previous identity of a
        # change-of-number / change-of-user-id notice.
        extra = set()
        for vals, key, _device in keyed:
            if vals.get("whatsapp_user_id"):
                extra.add(USER_ID_PREFIX + vals["whatsapp_user_id"])
            if vals.get("previous_phone"):
                extra.add(vals["previous_phone"])
            if vals.get("previous_whatsapp_user_id"):
                extra.add(USER_ID_PREFIX + vals["previous_whatsapp_user_id"])
        user_ids = [vals["whatsapp_user_id"] for vals, _k, _d in keyed if vals.get("whatsapp_user_id")]
        cr.execute(
            "SELECT id, identity_key, coalesce(device, ''), whatsapp_user_id, whatsapp_name "
            "FROM whatsapp_conversation WHERE identity_key = ANY(%s) "
            "OR (whatsapp_user_id = ANY(%s))",
            (list(keys | extra), user_ids),
        )
        by_key = {}
        by_user_id = {}
        names = {}
        by_key_any = {}  # identity -> its conversation on some business number
        for conversation_id, key, device, user_id, whatsapp_name in cr.fetchall():
            by_key[(key, device)] = conversation_id
            by_key_any.setdefault(key, conversation_id)
            names[conversation_id] = whatsapp_name
            if user_id:
                by_user_id.setdefault((user_id, device), conversation_id)
        renames = {}  # conversation id -> new (identity_key, phone, user id)
        missing = {}
        adopted = {}  # device-less conversation id -> the business number it gets
        for vals, key, device in keyed:
            conversation_id = by_key.get((key, device))
            if not conversation_id and not device:
                # A message without business number (e.g. queued from the
                # message list) joins the customer's existing conversation.
                conversation_id = by_key_any.get(key)
            if not conversation_id and device and by_key.get((key, "")):
                # The first message with a business number fixes it on a
                # conversation started without one.
                conversation_id = by_key.pop((key, ""))
                adopted[conversation_id] = device
                by_key[(key, device)] = conversation_id
            user_id = vals.get("whatsapp_user_id")
            if not conversation_id and not vals.get("phone") and user_id:
                # Only a user id: the conversation that already knows it
                # (started with the number) keeps the customer in one thread.
                conversation_id = by_user_id.get((user_id, device))
            if not conversation_id:
                # A conversation known under the previous identity (change of
                # number / user id) or only by user id so far moves to the
                # new identity, when that one has no conversation yet.
                for old_key in (
                    vals.get("previous_phone"),
                    USER_ID_PREFIX + vals["previous_whatsapp_user_id"]
                    if vals.get("previous_whatsapp_user_id") else None,
                    USER_ID_PREFIX + user_id if user_id and vals.get("phone") else None,
                ):
                    old_id = old_key and by_key.get((old_key, device))
                    if old_id and old_id not in renames:
                        conversation_id = old_id
                        renames[old_id] = (key, vals.get("phone") or False, user_id or False)
                        del by_key[(old_key, device)]
                        by_key[(key, device)] = old_id
                        break
            if conversation_id:
                vals["conversation_id"] = conversation_id
                # A reply carries the customer's WhatsApp name, not the partner's.
                if vals.get("direction") == "out" and not vals.get("contact_name") and names.get(conversation_id):
                    vals["contact_name"] = names[conversation_id]
            else:
                missing.setdefault((key, device), []).append(vals)
        for conversation_id, (key, phone, user_id) in renames.items():
            cr.execute(
                "UPDATE whatsapp_conversation SET identity_key = %s, "
                "phone = coalesce(%s, phone), whatsapp_user_id = coalesce(%s, whatsapp_user_id) "
                "WHERE id = %s",
                (key, phone or None, user_id or None, conversation_id),
            )
        # New customers of this batch: messages without business number join
        # the customer's conversation on a business number, as above.
        for key, device in [k for k in missing if not k[1]]:
            with_device = next((k for k in missing if k[0] == key and k[1]), None)
            if with_device:
                missing[with_device] += missing.pop((key, device))
        for conversation_id, device in adopted.items():
            cr.execute(
                "UPDATE whatsapp_conversation SET device = %s WHERE id = %s", (device, conversation_id)
            )
        if adopted:
            self.invalidate_cache(["device"], list(adopted))
        if renames:
            self.invalidate_cache(["identity_key", "phone", "whatsapp_user_id", "name"], list(renames))
        if missing:
            rows = []
            params = []
            uid = self.env.uid
            for (key, device), group in missing.items():
                phone = next((v.get("phone") for v in group if v.get("phone")), None)
                user_id = next(
                    (v.get("whatsapp_user_id") for v in group if v.get("whatsapp_user_id")), None
                )
                rows.append(
                    "(%s, %s, %s, %s, 'open', false, 0, %s, %s, now() at time zone 'UTC', "
                    "%s, now() at time zone 'UTC')"
                )
                params += [key, device or None, phone, user_id, phone or user_id or key, uid, uid]
            # DO UPDATE, not DO NOTHING: when another transaction created the
            # same conversation meanwhile, PostgreSQL raises a serialization
            # failure and Odoo retries the whole call (REPEATABLE READ).
            cr.execute(
                "INSERT INTO whatsapp_conversation (identity_key, device, phone, "
                "whatsapp_user_id, state, is_waiting, unread_count, name, "
                "create_uid, create_date, write_uid, write_date) VALUES "
                + ",".join(rows)
                + " ON CONFLICT (identity_key, (coalesce(device, ''))) DO UPDATE "
                "SET write_date = EXCLUDED.write_date "
                "RETURNING id, identity_key, coalesce(device, '')",
                params,
            )
            for conversation_id, key, device in cr.fetchall():
                for vals in missing.get((key, device), []):
                    vals["conversation_id"] = conversation_id

    @api.model
    def _upkeep_apply(self, messages):
        """After the messages are created: update each touched conversation
        once (one UPDATE for the batch) and notify the inbox."""
        messages = messages.filtered("conversation_id")
        if not messages:
            return
        cr = self.env.cr
        self.flush()
        conversation_ids = list(set(messages.mapped("conversation_id").ids))
        cr.execute(
            "SELECT id, last_message_at, waiting_since, unread_count, state, "
            "first_response_seconds, whatsapp_name, partner_id "
            "FROM whatsapp_conversation WHERE id = ANY(%s)",
            (conversation_ids,),
        )
        current = {row[0]: list(row[1:]) for row in cr.fetchall()}
        by_conversation = {}
        for message in messages:
            by_conversation.setdefault(message.conversation_id.id, []).append(message)
        updates = []
        notify_ids = {}
        for conversation_id, batch in by_conversation.items():
            (last_at, waiting_since, unread, state, first_response, wa_name, partner_id) = current[
                conversation_id
            ]
            last = None
            reopen = False
            batch.sort(key=lambda m: (m.timestamp, m.id))
            for message in batch:
                if message.direction == "in":
                    unread += 1
                    reopen = True
                    if not waiting_since:
                        waiting_since = message.timestamp
                    if message.contact_name:
                        wa_name = message.contact_name
                elif waiting_since and message.timestamp >= waiting_since:
                    if first_response is None:
                        first_response = int((message.timestamp - waiting_since).total_seconds())
                    waiting_since = None
                if message.partner_id and not partner_id:
                    partner_id = message.partner_id.id
                if last_at is None or message.timestamp >= last_at:
                    last, last_at = message, message.timestamp
            if reopen:
                state = "open"
            values = [
                conversation_id,
                last.id if last else None,
                last.direction if last else None,
                last.message_preview if last else None,
                last_at,
                waiting_since,
                bool(waiting_since) and state == "open",
                unread,
                state,
                first_response,
                wa_name,
                partner_id,
            ]
            updates.append(values)
            notify_ids[conversation_id] = [m.id for m in batch]
        row = "(%s, %s::int, %s::varchar, %s::varchar, %s::timestamp, %s::timestamp, %s, %s, %s::varchar, %s::int, %s::varchar, %s::int)"
        params = [value for values in updates for value in values]
        cr.execute(
            "UPDATE whatsapp_conversation c SET "
            "last_message_id = coalesce(v.last_id, c.last_message_id), "
            "last_direction = coalesce(v.last_direction, c.last_direction), "
            "last_message_preview = CASE WHEN v.last_id IS NULL THEN c.last_message_preview "
            "ELSE v.preview END, "
            "last_message_at = v.last_at, waiting_since = v.waiting_since, "
            "is_waiting = v.is_waiting, unread_count = v.unread, state = v.state, "
            "first_response_seconds = v.first_response, whatsapp_name = v.wa_name, "
            "partner_id = v.partner_id, "
            "name = coalesce((SELECT p.name FROM res_partner p WHERE p.id = v.partner_id), "
            "v.wa_name, c.phone, c.whatsapp_user_id, c.identity_key), "
            "write_uid = %s, write_date = now() at time zone 'UTC' "
            "FROM (VALUES " + ",".join([row] * len(updates)) + ") AS v(id, last_id, "
            "last_direction, preview, last_at, waiting_since, is_waiting, unread, state, "
            "first_response, wa_name, partner_id) WHERE c.id = v.id",
            [self.env.uid] + params,
        )
        self.invalidate_cache(ids=conversation_ids)
        self.browse(conversation_ids)._notify_inbox(notify_ids)
