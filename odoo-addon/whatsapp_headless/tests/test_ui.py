# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import odoo.tests
from odoo.tests.common import new_test_user

CUSTOMER_PHONE = "+6281111222333"


@odoo.tests.tagged("post_install", "-at_install")
class TestInboxTours(odoo.tests.HttpCase):
    """The inbox in a real browser (static/src/js/tours/whatsapp_inbox_tour.js).
    Odoo skips these silently when Chromium is missing: check the log says
    the tours ran."""

    def setUp(self):
        super().setUp()
        self.env.company.country_id = self.env.ref("base.id")
        self.agent = new_test_user(
            self.env,
            login="wa_tour_agent",
            password="wa_tour_agent",
            groups="base.group_user,whatsapp_headless.group_whatsapp_agent",
        )
        self.reader = new_test_user(
            self.env,
            login="wa_tour_user",
            password="wa_tour_user",
            groups="base.group_user,whatsapp_headless.group_whatsapp_user",
        )
        self.question = self.env["whatsapp.history"].create(
            {
                "phone": CUSTOMER_PHONE,
                "contact_name": "Wayan Tour",
                "direction": "in",
                "provider": "fonnte",
                "message": "Halo, ada stok kopi Kintamani?",
            }
        )
        self.conversation = self.question.conversation_id

    def test_agent_reads_and_replies_with_enter(self):
        self.assertTrue(self.conversation.is_waiting)
        self.start_tour("/web", "whatsapp_headless_agent_reply", login="wa_tour_agent")
        reply = self.env["whatsapp.history"].search(
            [("conversation_id", "=", self.conversation.id), ("direction", "=", "out")]
        )
        self.assertEqual(len(reply), 1, "Enter must send exactly one message")
        self.assertEqual(reply.message, "Ada, kak. Mau berapa bungkus?")
        self.assertEqual(reply.state, "queued")
        self.assertEqual(reply.phone, CUSTOMER_PHONE)
        self.assertEqual(reply.contact_name, "Wayan Tour")
        self.conversation.invalidate_cache()
        self.assertEqual(self.conversation.unread_count, 0, "opening the thread marks it read")
        self.assertFalse(self.conversation.waiting_since, "the reply ends the wait")

    def test_user_cannot_edit_a_received_message(self):
        self.start_tour("/web", "whatsapp_headless_user_cannot_edit", login="wa_tour_user")
        self.question.invalidate_cache()
        self.assertEqual(self.question.message, "Halo, ada stok kopi Kintamani?")
