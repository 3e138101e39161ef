# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

import psycopg2

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests.common import Form, tagged
from odoo.tools import mute_logger

from ..models.whatsapp_history import MESSAGE_TRIGRAM_INDEX

from .common import WhatsappCase


@tagged("post_install", "-at_install")
class TestWhatsappHistory(WhatsappCase):
    def test_defaults_follow_direction(self):
        incoming = self.History.create(
            {"phone": "+6281111111111", "direction": "in", "provider": "meta"}
        )
        outgoing = self.History.create(
            {"phone": "+6281111111111", "direction": "out", "message": "Hi"}
        )
        self.assertEqual(incoming.state, "received")
        self.assertEqual(outgoing.state, "queued")
        self.assertEqual(outgoing.provider, "fonnte")
        self.assertEqual(incoming.message_type, "text")
        self.assertTrue(incoming.timestamp)
        self.assertFalse(outgoing.provider_message_id)

    def test_explicit_state_is_kept(self):
        sent = self.make_message(direction="out", state="sent", provider_message_id="m1")
        self.assertEqual(sent.state, "sent")

    def test_batch_create_sets_each_state(self):
        records = self.History.create(
            [
                {"phone": "+6281", "direction": "in", "provider": "twilio"},
                {"phone": "+6282", "direction": "out", "provider": "twilio"},
            ]
        )
        self.assertEqual(records.mapped("state"), ["received", "queued"])

    def test_default_provider_is_configurable(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "whatsapp_headless.default_provider", "meta"
        )
        record = self.History.create({"phone": "+6281", "direction": "out"})
        self.assertEqual(record.provider, "meta")

    def test_unique_provider_message_id(self):
        self.make_message(provider_message_id="wamid.A")
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.make_message(provider_message_id="wamid.A")
        # The same id at another provider is another message.
        self.make_message(provider="meta", provider_message_id="wamid.A")

    def test_unsent_messages_share_an_empty_provider_id(self):
        first = self.make_message(direction="out", provider_message_id=False)
        second = self.make_message(direction="out", provider_message_id=False)
        self.assertTrue(first and second)

    def test_messages_cannot_be_duplicated(self):
        # A copy of an outgoing message would be sent again; of a received one, a phantom.
        for direction in ("in", "out"):
            original = self.make_message(direction=direction, provider_message_id="wamid.C" + direction)
            with self.assertRaises(UserError):
                original.copy()
        self.assertEqual(self.History.search_count([("provider_message_id", "=like", "wamid.C%")]), 2)

    def test_display_name_shows_number_and_preview(self):
        record = self.make_message(message="Halo,\n  mau pesan   tour ke Ubud besok")
        self.assertEqual(record.display_name, "+6281234567890 – Halo, mau pesan tour ke Ubud besok")
        long_text = "x" * 200
        record = self.make_message(message=long_text)
        name = record.display_name
        self.assertTrue(name.startswith("+6281234567890 – xxx"))
        self.assertTrue(name.endswith("…"))
        self.assertLess(len(name), 100)

    def test_display_name_of_media_without_caption(self):
        record = self.make_message(message=False, message_type="image")
        self.assertEqual(record.display_name, "+6281234567890 – [Image]")

    def test_order_newest_first(self):
        phone = "+6289900000001"
        older = self.make_message(phone=phone, timestamp="2025-01-01 00:00:00")
        newer = self.make_message(phone=phone, timestamp="2025-01-02 00:00:00")
        self.assertEqual(self.History.search([("phone", "=", phone)]).ids, [newer.id, older.id])

    def test_search_number_in_any_form(self):
        target = self.make_message(phone="+6281234567890")
        other = self.make_message(phone="+6285700000001")
        group = self.make_message(phone="120363000000000000@g.us")
        for typed in (
            "0812-3456-7890",
            "081234567890",
            "6281234567890",
            "+62 812 3456 7890",
            "0812 3456",
            "3456 7890",
            "812-3456-7890",
        ):
            with self.subTest(typed=typed):
                found = self.History.search([("phone_search", "ilike", typed)])
                self.assertIn(target, found)
                self.assertNotIn(other, found)
                self.assertNotIn(group, found)
        found = self.History.search([("phone_search", "ilike", "@g.us")])
        self.assertIn(group, found)
        self.assertNotIn(target, found)

    def test_retry_requeues_failed_outgoing_as_new(self):
        failed = self.make_message(
            direction="out", state="failed", provider_message_id="m-9", error_message="timeout"
        )
        received = self.make_message(direction="in", state="received")
        (failed | received).with_user(self.wa_manager).action_retry()
        self.assertEqual(failed.state, "queued")
        self.assertFalse(failed.error_message)
        self.assertFalse(failed.provider_message_id)
        # Back on top of the list, not buried at the time of the first attempt.
        self.assertGreater(failed.timestamp, fields.Datetime.from_string("2025-01-15 03:00:00"))
        self.assertEqual(received.state, "received")

    def test_retry_explains_when_it_cannot_help(self):
        cases = {
            "(#131026) Message undeliverable": "not on WhatsApp",
            "131047: Re-engagement message": "24 hours",
            "target not registered": "not on WhatsApp",
        }
        for error, hint in cases.items():
            with self.subTest(error=error):
                failed = self.make_message(direction="out", state="failed", error_message=error)
                self.assertIn(hint, failed.retry_hint)
                with self.assertRaises(UserError) as raised:
                    failed.with_user(self.wa_manager).action_retry()
                self.assertIn(hint, str(raised.exception))
                self.assertEqual(failed.state, "failed")
        self.assertFalse(self.make_message(direction="out", state="failed", error_message="timeout").retry_hint)

    def test_partner_smart_button(self):
        self.make_message(partner_id=self.budi.id)
        self.make_message(partner_id=self.budi.id, direction="out")
        self.make_message()  # not linked
        budi = self.budi.with_user(self.wa_user)
        self.assertEqual(budi.whatsapp_message_count, 2)
        action = budi.action_view_whatsapp_messages()
        self.assertEqual(action["res_model"], "whatsapp.history")
        self.assertEqual(
            self.History.with_user(self.wa_user).search_count(action["domain"]), 2
        )
        self.assertNotIn("default_contact_name", action["context"])
        # The button shows the conversations: one number, one business number.
        self.assertEqual(budi.whatsapp_conversation_count, 1)
        action = budi.action_view_whatsapp_conversations()
        self.assertEqual(action["res_model"], "whatsapp.conversation")
        self.assertEqual(
            self.env["whatsapp.conversation"].with_user(self.wa_user).search_count(action["domain"]), 1
        )

    def test_smart_button_count_of_partner_without_messages(self):
        lonely = self.env["res.partner"].create({"name": "Nobody"})
        self.assertEqual(lonely.with_user(self.wa_user).whatsapp_message_count, 0)

    def test_manager_creates_outgoing_message_in_form(self):
        with Form(
            self.History.with_user(self.wa_manager).with_context(default_direction="out")
        ) as form:
            form.partner_id = self.budi
            form.message = "Terima kasih!"
        record = form.save()
        self.assertEqual(record.phone, "+6281234567890")
        # The WhatsApp name is the customer's own, never the partner's name.
        self.assertFalse(record.contact_name)
        self.assertEqual(record.direction, "out")
        self.assertEqual(record.state, "queued")

    def test_typed_national_number_is_stored_as_e164(self):
        with Form(
            self.History.with_user(self.wa_manager).with_context(default_direction="out")
        ) as form:
            form.phone = "0812-3456-7890"
        self.assertEqual(form.save().phone, "+6281234567890")

    def test_download_action_points_at_the_attachment(self):
        attachment = self.env["ir.attachment"].create({"name": "photo.jpg", "datas": base64.b64encode(b"jpg")})
        record = self.make_message(attachment_id=attachment.id, message_type="image")
        action = record.action_open_attachment()
        self.assertEqual(action["url"], "/web/content/%d?download=true" % attachment.id)


@tagged("post_install", "-at_install")
class TestWhatsappHistoryIndexes(WhatsappCase):
    def _indexes(self):
        self.env.cr.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'whatsapp_history'"
        )
        return dict(self.env.cr.fetchall())

    def test_message_known_only_by_user_id(self):
        record = self.make_message(
            phone=False, whatsapp_user_id="US.13491208655302741918", message="Hai"
        )
        self.assertFalse(record.phone)
        self.assertEqual(record.display_name, "US.13491208655302741918 – Hai")
        found = self.History.search([("phone_search", "=", "US.13491208655302741918")])
        self.assertEqual(found, record)
        self.assertIn(record, self.History.search([("phone_search", "ilike", "1349120865")]))

    @mute_logger("odoo.sql_db")
    def test_a_message_needs_a_number_or_a_user_id(self):
        with self.assertRaises(psycopg2.IntegrityError):
            with self.env.cr.savepoint():
                self.make_message(phone=False)
        with self.assertRaises(psycopg2.IntegrityError):
            with self.env.cr.savepoint():
                self.make_message(phone="", whatsapp_user_id="")
        group = self.make_message(phone="120363025246125486@g.us")
        self.assertEqual(group.phone, "120363025246125486@g.us")

    def test_partner_keeps_the_first_user_id_until_the_contact_changes_it(self):
        partner = self.env["res.partner"].create({"name": "Wayan"})
        self.make_message(partner_id=partner.id, whatsapp_user_id="US.1111")
        self.assertEqual(partner.whatsapp_user_id, "US.1111")
        # Another user id on the same partner (a second account, a recycled number) is not taken.
        self.make_message(partner_id=partner.id, whatsapp_user_id="US.2222")
        self.assertEqual(partner.whatsapp_user_id, "US.1111")
        # The change-of-user-id notice moves it.
        self.make_message(
            partner_id=partner.id,
            whatsapp_user_id="US.3333",
            previous_whatsapp_user_id="US.1111",
            message_type="other",
        )
        self.assertEqual(partner.whatsapp_user_id, "US.3333")
        # Linking a message to a partner by hand teaches it too.
        other = self.env["res.partner"].create({"name": "Made"})
        self.make_message(whatsapp_user_id="US.4444").write({"partner_id": other.id})
        self.assertEqual(other.whatsapp_user_id, "US.4444")

    def test_indexes_carry_the_queries(self):
        indexes = self._indexes()
        defs = " | ".join(indexes.values())
        self.assertIn("(phone, \"timestamp\")", defs)
        self.assertIn(
            '(whatsapp_user_id, "timestamp") WHERE (whatsapp_user_id IS NOT NULL)',
            indexes["whatsapp_history_user_id_timestamp_index"],
        )
        self.assertIn("whatsapp_history_provider_message_uniq", indexes)
        self.assertIn("whatsapp_history_timestamp_index", indexes)
        self.assertIn("whatsapp_history_partner_id_index", indexes)
        self.assertIn("gin_trgm_ops", indexes[MESSAGE_TRIGRAM_INDEX])
        self.assertNotIn("direction", defs)

    def test_trigram_index_refusal_is_logged_and_harmless(self):
        cr = self.env.cr
        cr.execute('DROP INDEX "%s"' % MESSAGE_TRIGRAM_INDEX)
        cr.execute("SHOW search_path")
        search_path = cr.fetchone()[0]
        # Hide the table from the statement so that PostgreSQL refuses it.
        cr.execute("SELECT set_config('search_path', 'pg_catalog', true)")
        try:
            with self.assertLogs(
                "odoo.addons.whatsapp_headless.models.whatsapp_history", "WARNING"
            ) as logs:
                created = self.History._create_message_trigram_index()
        finally:
            cr.execute("SELECT set_config('search_path', %s, true)", [search_path])
        self.assertFalse(created)
        self.assertIn("No trigram index", logs.output[0])
        # The transaction is still usable and the rest of the schema untouched.
        self.assertEqual(self.make_message().state, "received")
        self.assertNotIn(MESSAGE_TRIGRAM_INDEX, self._indexes())
        self.assertTrue(self.History._create_message_trigram_index())
        self.assertIn(MESSAGE_TRIGRAM_INDEX, self._indexes())
