# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import importlib.util
import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.modules.module import get_module_resource
from odoo.tests.common import tagged
from odoo.tools import mute_logger

from .common import WhatsappCase


@tagged("post_install", "-at_install")
class TestConversationUpkeep(WhatsappCase):
    def conversations(self, **domain):
        return self.env["whatsapp.conversation"].search([(k, "=", v) for k, v in domain.items()])

    def test_new_contact_gets_a_waiting_unread_conversation(self):
        message = self.make_message(contact_name="Wayan", device="6285700000001")
        conversation = message.conversation_id
        self.assertTrue(conversation)
        self.assertEqual(conversation.identity_key, "+6281234567890")
        self.assertEqual(conversation.device, "6285700000001")
        self.assertEqual(conversation.name, "Wayan")
        self.assertEqual(conversation.last_message_id, message)
        self.assertEqual(conversation.last_direction, "in")
        self.assertEqual(conversation.last_message_preview, "Halo, apa kabar?")
        self.assertEqual(conversation.waiting_since, message.timestamp)
        self.assertTrue(conversation.is_waiting)
        self.assertEqual(conversation.unread_count, 1)
        self.assertEqual(conversation.state, "open")

    def test_same_contact_same_device_is_one_conversation_per_batch_and_across(self):
        batch = self.History.create(
            [
                {"phone": "+6281111111111", "direction": "in", "message": "a", "device": "6285700000001",
                 "timestamp": "2025-01-15 03:00:00"},
                {"phone": "+6281111111111", "direction": "in", "message": "b", "device": "6285700000001",
                 "timestamp": "2025-01-15 03:01:00"},
                {"phone": "+6282222222222", "direction": "in", "message": "c", "device": "6285700000001",
                 "timestamp": "2025-01-15 03:02:00"},
            ]
        )
        later = self.make_message(phone="+6281111111111", message="d", timestamp="2025-01-15 04:00:00",
                                  device="6285700000001")
        first = batch[0].conversation_id
        self.assertEqual(batch[1].conversation_id, first)
        self.assertEqual(later.conversation_id, first)
        self.assertNotEqual(batch[2].conversation_id, first)
        self.assertEqual(first.unread_count, 3)
        self.assertEqual(first.last_message_preview, "d")
        # The waiting time counts from the first unanswered message.
        self.assertEqual(str(first.waiting_since), "2025-01-15 03:00:00")
        # Another business number: another conversation.
        other_device = self.make_message(phone="+6281111111111", device="6285799999999")
        self.assertNotEqual(other_device.conversation_id, first)

    def test_reply_clears_waiting_and_measures_first_response(self):
        incoming = self.make_message(timestamp="2025-01-15 03:00:00")
        conversation = incoming.conversation_id
        self.make_message(direction="out", message="Halo juga", timestamp="2025-01-15 03:05:00")
        self.assertFalse(conversation.waiting_since)
        self.assertFalse(conversation.is_waiting)
        self.assertEqual(conversation.last_direction, "out")
        self.assertEqual(conversation.first_response_seconds, 300)
        # The next question waits again; the first response time stays.
        self.make_message(timestamp="2025-01-15 05:00:00")
        self.make_message(direction="out", timestamp="2025-01-15 06:00:00")
        self.assertEqual(conversation.first_response_seconds, 300)

    def test_mark_read_and_unread_count(self):
        conversation = self.make_message().conversation_id
        self.make_message(timestamp="2025-01-15 03:01:00")
        self.assertEqual(conversation.unread_count, 2)
        conversation.with_user(self.wa_agent).action_mark_read()
        self.assertEqual(conversation.unread_count, 0)
        self.make_message(timestamp="2025-01-15 03:02:00")
        self.assertEqual(conversation.unread_count, 1)

    def test_new_message_reopens_a_done_conversation(self):
        conversation = self.make_message().conversation_id
        conversation.with_user(self.wa_agent).action_done()
        self.assertEqual(conversation.state, "done")
        self.assertFalse(conversation.is_waiting)
        self.make_message(timestamp="2025-01-16 03:00:00")
        self.assertEqual(conversation.state, "open")
        self.assertTrue(conversation.is_waiting)

    def test_user_id_only_contact(self):
        message = self.make_message(phone=False, whatsapp_user_id="US.1349120865530274")
        conversation = message.conversation_id
        self.assertEqual(conversation.identity_key, "user:US.1349120865530274")
        self.assertEqual(conversation.name, "US.1349120865530274")
        # Later the number shows: the same conversation, now under the number.
        with_number = self.make_message(whatsapp_user_id="US.1349120865530274", phone="+6281300000001",
                                        timestamp="2025-01-16 03:00:00")
        self.assertEqual(with_number.conversation_id, conversation)
        self.assertEqual(conversation.identity_key, "+6281300000001")
        # And a message with the user id only still joins it.
        again = self.make_message(phone=False, whatsapp_user_id="US.1349120865530274",
                                  timestamp="2025-01-17 03:00:00")
        self.assertEqual(again.conversation_id, conversation)

    def test_change_of_number_keeps_one_conversation(self):
        conversation = self.make_message(phone="+6281400000001").conversation_id
        notice = self.make_message(phone="+6281400000002", previous_phone="+6281400000001",
                                   message_type="other", message="changed number",
                                   timestamp="2025-01-16 03:00:00")
        self.assertEqual(notice.conversation_id, conversation)
        self.assertEqual(conversation.phone, "+6281400000002")
        later = self.make_message(phone="+6281400000002", timestamp="2025-01-16 04:00:00")
        self.assertEqual(later.conversation_id, conversation)

    def test_message_without_business_number_joins_the_customers_conversation(self):
        conversation = self.make_message(device="6285700000001").conversation_id
        queued = self.make_message(direction="out", device=False, timestamp="2025-01-15 04:00:00")
        self.assertEqual(queued.conversation_id, conversation)
        # The same within one batch of a new customer.
        batch = self.History.create(
            [
                {"phone": "+6281500000001", "direction": "in", "device": "6285700000001",
                 "timestamp": "2025-01-15 03:00:00"},
                {"phone": "+6281500000001", "direction": "out", "timestamp": "2025-01-15 03:04:00"},
            ]
        )
        self.assertEqual(len(batch.mapped("conversation_id")), 1)
        self.assertEqual(batch.conversation_id.first_response_seconds, 240)
        # Started without business number: the first message with one fixes it.
        started = self.make_message(phone="+6281600000001", device=False).conversation_id
        later = self.make_message(phone="+6281600000001", device="6285700000001",
                                  timestamp="2025-01-15 04:00:00")
        self.assertEqual(later.conversation_id, started)
        self.assertEqual(started.device, "6285700000001")

    def test_group_is_its_own_conversation(self):
        message = self.make_message(phone="120363025246125486@g.us", contact_name="Made")
        self.assertEqual(message.conversation_id.identity_key, "120363025246125486@g.us")
        self.assertNotEqual(self.make_message().conversation_id, message.conversation_id)

    def test_partner_of_messages_reaches_the_conversation(self):
        conversation = self.make_message(partner_id=self.budi.id, contact_name="Budi WA").conversation_id
        self.assertEqual(conversation.partner_id, self.budi)
        self.assertEqual(conversation.name, "Budi Santoso")

    def test_bus_notification_per_conversation(self):
        self.env["bus.bus"].search([]).unlink()
        batch = self.History.create(
            [{"phone": "+6281555555555", "direction": "in", "message": str(k)} for k in range(3)]
        )
        notes = self.env["bus.bus"].search([("channel", "like", "whatsapp_headless.inbox")])
        self.assertEqual(len(notes), 1)
        payload = json.loads(notes.message)
        self.assertEqual(payload["conversation_id"], batch[0].conversation_id.id)
        self.assertEqual(payload["message_id"], max(batch.ids))
        self.assertEqual(json.loads(notes.channel), [self.env.cr.dbname, "whatsapp_headless.inbox"])
        batch.with_user(self.gateway).write({"state": "read"})
        self.assertEqual(self.env["bus.bus"].search_count([("channel", "like", "whatsapp_headless.inbox")]), 2)

    def test_search_finds_number_in_any_form_name_partner_and_text(self):
        conversation = self.make_message(contact_name="Nyoman", message="mau sewa motor").conversation_id
        other = self.make_message(phone="+6281999999999", message="lain").conversation_id
        Conversation = self.env["whatsapp.conversation"]
        for typed in ("0812-3456-7890", "6281234567890", "+62 812 3456", "Nyoman", "sewa motor"):
            with self.subTest(typed=typed):
                found = Conversation.search([("search_text", "ilike", typed)])
                self.assertIn(conversation, found)
                self.assertNotIn(other, found)
        conversation.partner_id = self.budi
        self.assertIn(conversation, Conversation.search([("search_text", "ilike", "Budi")]))


@tagged("post_install", "-at_install")
class TestConversationActions(WhatsappCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.incoming = cls.make_message(contact_name="Ketut", device="6285700000001", partner_id=cls.budi.id)
        cls.conversation = cls.incoming.conversation_id

    def test_agent_replies_from_the_conversation(self):
        conversation = self.conversation.with_user(self.wa_agent)
        message_id = conversation.action_reply("  Baik, kami cek dulu ya  ")
        reply = self.History.browse(message_id)
        self.assertEqual(reply.direction, "out")
        self.assertEqual(reply.state, "queued")
        self.assertEqual(reply.message, "Baik, kami cek dulu ya")
        self.assertEqual(reply.phone, "+6281234567890")
        self.assertEqual(reply.device, "6285700000001")
        self.assertEqual(reply.partner_id, self.budi)
        self.assertEqual(reply.contact_name, "Ketut")
        self.assertEqual(reply.conversation_id, self.conversation)
        self.assertEqual(reply.create_uid, self.wa_agent)
        self.assertFalse(self.conversation.is_waiting)

    def test_empty_reply_is_refused(self):
        with self.assertRaises(UserError):
            self.conversation.with_user(self.wa_agent).action_reply("   ")
        self.assertEqual(self.conversation.message_count, 1)

    def test_reply_with_a_file(self):
        attachment = self.env["ir.attachment"].with_user(self.wa_agent).create(
            {"name": "brosur.pdf", "datas": "JVBERi0=", "mimetype": "application/pdf"}
        )
        message_id = self.conversation.with_user(self.wa_agent).action_reply("", [attachment.id])
        reply = self.History.browse(message_id)
        self.assertEqual(reply.message_type, "document")
        self.assertEqual(reply.attachment_id, attachment)
        self.assertEqual(reply.media_filename, "brosur.pdf")

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_user_cannot_reply_or_assign(self):
        conversation = self.conversation.with_user(self.wa_user)
        with self.assertRaises(AccessError):
            conversation.action_reply("Halo")
        with self.assertRaises(AccessError):
            conversation.action_assign_me()
        self.assertTrue(conversation.get_thread())

    def test_agent_assigns_closes_and_reopens(self):
        conversation = self.conversation.with_user(self.wa_agent)
        conversation.action_assign_me()
        self.assertEqual(self.conversation.user_id, self.wa_agent)
        conversation.action_done()
        self.assertEqual(self.conversation.state, "done")
        conversation.action_reopen()
        self.assertEqual(self.conversation.state, "open")

    def test_agent_cannot_rewrite_the_identity(self):
        with self.assertRaises(AccessError):
            self.conversation.with_user(self.wa_agent).write({"identity_key": "+6280000000000"})

    def test_thread_oldest_first_with_paging(self):
        for minute in range(1, 5):
            self.make_message(timestamp="2025-01-15 03:%02d:00" % minute, message="m%d" % minute,
                              device="6285700000001")
        thread = self.conversation.with_user(self.wa_agent).get_thread(limit=3)
        self.assertEqual([m["message"] for m in thread], ["m2", "m3", "m4"])
        self.assertEqual(thread[0]["timestamp"], "2025-01-15 03:02:00")
        older = self.conversation.get_thread(limit=3, before_id=thread[0]["id"])
        self.assertEqual([m["message"] for m in older], ["Halo, apa kabar?", "m1"])

    def test_location_in_thread(self):
        self.make_message(message_type="location", message="Pantai Kuta (-8.7184,115.1686)",
                          timestamp="2025-01-15 04:00:00", device="6285700000001")
        location = self.conversation.get_thread()[-1]["location"]
        self.assertEqual(location["latitude"], -8.7184)
        self.assertIn("-8.7184,115.1686", location["url"])

    def test_link_partner_proposes_the_numbers_partner(self):
        conversation = self.make_message(phone="+6281234567890", device="other").conversation_id
        self.assertFalse(conversation.partner_id)
        conversation.with_user(self.wa_agent).action_link_partner()
        self.assertEqual(conversation.partner_id, self.budi)
        self.assertEqual(conversation.message_ids.partner_id, self.budi)
        unknown = self.make_message(phone="+6281777777777", contact_name="Made").conversation_id
        action = unknown.with_user(self.wa_agent).action_link_partner()
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(action["context"]["default_mobile"], "+6281777777777")


@tagged("post_install", "-at_install")
class TestConversationMigration(WhatsappCase):
    """The 13.0.1.2.0 migration on messages stored before conversations existed."""

    def run_migration(self):
        path = get_module_resource(
            "whatsapp_headless", "migrations", "13.0.1.2.0", "post-migrate.py"
        )
        spec = importlib.util.spec_from_file_location("whatsapp_headless_post_migrate", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.env["whatsapp.history"].flush()
        module.migrate(self.env.cr, "13.0.1.1.0")
        self.env.cache.invalidate()

    def test_existing_messages_get_their_conversations(self):
        now = fields.Datetime.now()
        recent = fields.Datetime.to_string(now - timedelta(hours=2))
        old = self.History.create(
            [
                {"phone": "+6281234567890", "direction": "in", "message": "Halo", "device": "628570",
                 "contact_name": "Wayan", "partner_id": self.budi.id, "timestamp": recent},
                {"phone": "+6281234567890", "direction": "out", "message": "Ya?", "timestamp": recent},
                {"phone": "+6281234567890", "direction": "in", "message": "Harga?", "device": "628570",
                 "contact_name": "Wayan", "timestamp": fields.Datetime.to_string(now - timedelta(hours=1))},
                {"phone": False, "whatsapp_user_id": "US.777", "direction": "in", "message": "hi",
                 "timestamp": "2024-01-01 00:00:00"},
                {"phone": "120363025246125486@g.us", "direction": "in", "message": "grup",
                 "timestamp": recent},
            ]
        )
        # As stored by 13.0.1.1.0: no conversations.
        self.env.cr.execute("UPDATE whatsapp_history SET conversation_id = NULL")
        self.env.cr.execute("DELETE FROM whatsapp_conversation")
        self.run_migration()
        customer = old[0].conversation_id
        self.assertEqual(old[:3].mapped("conversation_id"), customer)
        self.assertEqual(customer.device, "628570")
        self.assertEqual(customer.name, "Budi Santoso")
        self.assertEqual(customer.whatsapp_name, "Wayan")
        self.assertEqual(customer.last_message_id, old[2])
        self.assertEqual(customer.last_message_preview, "Harga?")
        # The customer wrote after the answer: waiting since that message.
        self.assertTrue(customer.is_waiting)
        self.assertEqual(customer.waiting_since, old[2].timestamp)
        self.assertEqual(customer.state, "open")
        by_user_id = old[3].conversation_id
        self.assertEqual(by_user_id.identity_key, "user:US.777")
        # Long silent: filed as done, not waiting in the inbox.
        self.assertEqual(by_user_id.state, "done")
        self.assertFalse(by_user_id.is_waiting)
        self.assertEqual(old[4].conversation_id.identity_key, "120363025246125486@g.us")
        self.assertEqual(len(old.mapped("conversation_id")), 3)
        # New messages continue the migrated conversations.
        self.assertEqual(self.make_message(device="628570").conversation_id, customer)
