# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo.exceptions import AccessDenied, AccessError, UserError, ValidationError
from odoo.tests.common import tagged
from odoo.tools import mute_logger

from .common import WhatsappCase


@tagged("post_install", "-at_install")
class TestWhatsappAccess(WhatsappCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.message = cls.make_message(raw_payload='{"device": "6285700000001"}')

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_user_reads_but_cannot_change(self):
        history = self.History.with_user(self.wa_user)
        message = self.message.with_user(self.wa_user)
        self.assertIn(message, history.search([]))
        self.assertEqual(message.read(["message"])[0]["message"], "Halo, apa kabar?")
        with self.assertRaises(AccessError):
            message.write({"message": "changed"})
        with self.assertRaises(AccessError):
            history.create({"phone": "+6281", "direction": "out", "provider": "fonnte"})
        with self.assertRaises(AccessError):
            message.unlink()

    def test_raw_payload_is_for_managers(self):
        self.assertNotIn("raw_payload", self.History.with_user(self.wa_user).fields_get())
        with self.assertRaises(AccessError):
            self.message.with_user(self.wa_user).read(["raw_payload"])
        self.assertNotIn("raw_payload", self.message.with_user(self.wa_user).read()[0])
        payload = self.message.with_user(self.wa_manager).read(["raw_payload"])[0]["raw_payload"]
        self.assertEqual(payload, '{"device": "6285700000001"}')

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_manager_queues_but_only_administrators_delete(self):
        history = self.History.with_user(self.wa_manager)
        record = history.create({"phone": "+6281", "direction": "out", "provider": "meta"})
        record.write({"message": "Selamat pagi"})
        with self.assertRaises(AccessError):
            record.unlink()
        record.with_user(self.env.ref("base.user_admin")).unlink()
        self.assertFalse(record.exists())

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_employee_without_whatsapp_group_sees_nothing(self):
        employee = self.employee
        with self.assertRaises(AccessError):
            self.message.with_user(employee).read(["phone"])
        menu = self.env.ref("whatsapp_headless.menu_whatsapp_root")
        visible = self.env["ir.ui.menu"].with_user(employee)._visible_menu_ids()
        self.assertNotIn(menu.id, visible)
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.wa_user)._visible_menu_ids())
        partners = self.env["res.partner"].with_user(employee)
        self.assertNotIn("whatsapp_conversation_count", partners.fields_get())
        arch = partners.fields_view_get(view_type="form")["arch"]
        self.assertNotIn("action_view_whatsapp_conversations", arch)
        user_arch = self.env["res.partner"].with_user(self.wa_user).fields_view_get(
            view_type="form"
        )["arch"]
        self.assertIn("action_view_whatsapp_conversations", user_arch)

    def test_form_is_read_only_for_users(self):
        arch = self.History.with_user(self.wa_user).fields_view_get(view_type="form")["arch"]
        self.assertIn('edit="false"', arch)
        self.assertIn('create="false"', arch)
        manager_arch = self.History.with_user(self.wa_manager).fields_view_get(
            view_type="form"
        )["arch"]
        self.assertNotIn('edit="false"', manager_arch)


@tagged("post_install", "-at_install")
class TestWhatsappGatewayAccess(WhatsappCase):
    def test_gateway_user_is_in_the_gateway_group_only(self):
        gateway_group = self.env.ref("whatsapp_headless.group_whatsapp_gateway")
        self.assertEqual(self.gateway.groups_id, gateway_group)
        self.assertFalse(self.gateway.has_group("base.group_user"))
        self.assertTrue(self.gateway.share)

    def test_gateway_writes_history(self):
        history = self.History.with_user(self.gateway)
        record = history.create(
            {
                "phone": "+6281234567890",
                "direction": "in",
                "provider": "meta",
                "provider_message_id": "wamid.GW1",
                "partner_id": self.budi.id,
                "raw_payload": "{}",
                "timestamp": "2025-01-15 03:00:00",
            }
        )
        record.write({"state": "read"})
        values = record.read(["state", "raw_payload", "partner_id"])[0]
        self.assertEqual(values["state"], "read")
        self.assertEqual(values["raw_payload"], "{}")
        self.assertEqual(values["partner_id"], (self.budi.id, "Budi Santoso"))

    def test_gateway_finds_outgoing_messages_created_in_odoo(self):
        queued = self.History.with_user(self.wa_manager).create(
            {"phone": "+6281234567890", "direction": "out", "message": "Halo"}
        )
        history = self.History.with_user(self.gateway)
        to_send = history.search(
            [("direction", "=", "out"), ("state", "=", "queued"), ("provider_message_id", "=", False)]
        )
        self.assertIn(queued, to_send)
        to_send.filtered(lambda r: r == queued).write(
            {"state": "sent", "provider_message_id": "fonnte-123"}
        )
        self.assertEqual(queued.state, "sent")

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_gateway_cannot_delete(self):
        record = self.make_message()
        with self.assertRaises(AccessError):
            record.with_user(self.gateway).unlink()

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_gateway_cannot_read_partners_directly(self):
        partners = self.env["res.partner"].with_user(self.gateway)
        with self.assertRaises(AccessError):
            partners.search([("mobile", "ilike", "3456 7890")])
        with self.assertRaises(AccessError):
            self.budi.with_user(self.gateway).read(["name", "email"])

    def test_gateway_finds_partners_through_the_lookup_only_with_their_numbers(self):
        self.budi.whatsapp_user_id = "US.13491208655302741918"
        made = self.env["res.partner"].create({"name": "Made", "phone": "0812-3456-7890 (WA)"})
        private = self.env["res.partner"].create(
            {"name": "Home of an employee", "type": "private", "mobile": "+6281234567890"}
        )
        archived = self.env["res.partner"].create(
            {"name": "Putu", "mobile": "081234567890", "active": False}
        )
        lookup = self.env["res.partner"].with_user(self.gateway).whatsapp_headless_find_partners
        rows = lookup(["81234567890"], [])
        self.assertEqual([r["id"] for r in rows], [self.budi.id, made.id])
        self.assertNotIn(private.id, [r["id"] for r in rows])
        self.assertNotIn(archived.id, [r["id"] for r in rows])
        self.assertEqual(
            rows[0],
            {
                "id": self.budi.id,
                "name": "Budi Santoso",
                "phone": False,
                "mobile": "+62 812 3456 7890",
                "whatsapp_user_id": "US.13491208655302741918",
            },
        )
        by_user_id = lookup([], ["US.13491208655302741918", "US.999"])
        self.assertEqual([r["id"] for r in by_user_id], [self.budi.id])
        self.assertEqual(lookup([], []), [])

    def test_partner_lookup_checks_its_input(self):
        lookup = self.env["res.partner"].with_user(self.gateway).whatsapp_headless_find_partners
        for numbers, user_ids in (
            (["%"], []),
            (["812%"], []),
            (["12"], []),
            ("81234567890", []),
            ([], ["US.123 OR 1=1"]),
            ([], ["US.123\n"]),
            ([str(10000 + i) for i in range(101)], []),
        ):
            with self.assertRaises(ValidationError, msg=repr((numbers, user_ids))):
                lookup(numbers, user_ids)

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_partner_lookup_refuses_users_who_read_no_contacts(self):
        # Readers of contacts (WhatsApp users are employees) may use it; it shows them less.
        rows = self.env["res.partner"].with_user(self.wa_user).whatsapp_headless_find_partners(
            ["81234567890"]
        )
        self.assertEqual([r["id"] for r in rows], [self.budi.id])
        no_rights = self.env["res.users"].create(
            {"name": "No rights", "login": "wa_no_rights", "groups_id": [(6, 0, [])]}
        )
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(no_rights).whatsapp_headless_find_partners(
                ["81234567890"]
            )

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_gateway_cannot_change_partners(self):
        partners = self.env["res.partner"].with_user(self.gateway)
        with self.assertRaises(AccessError):
            self.budi.with_user(self.gateway).write({"name": "Changed"})
        with self.assertRaises(AccessError):
            partners.create({"name": "New"})

    def test_linking_a_message_makes_the_partner_remember_the_user_id(self):
        self.History.with_user(self.gateway).create(
            {
                "phone": "+6281234567890",
                "whatsapp_user_id": "US.13491208655302741918",
                "partner_id": self.budi.id,
                "direction": "in",
                "provider": "meta",
                "provider_message_id": "wamid.REMEMBER",
            }
        )
        self.assertEqual(self.budi.whatsapp_user_id, "US.13491208655302741918")

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_gateway_reads_nothing_else(self):
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].with_user(self.gateway).search([])
        with self.assertRaises(AccessError):
            self.env["res.partner.bank"].with_user(self.gateway).search([])
        with self.assertRaises(AccessError):
            self.env["res.groups"].with_user(self.gateway).search([]).write({"name": "x"})

    def test_gateway_stores_media_as_attachment(self):
        record = self.make_message(message_type="image", message=False)
        gateway_history = self.History.with_user(self.gateway)
        attachment = self.env["ir.attachment"].with_user(self.gateway).create(
            {
                "name": "photo.jpg",
                "datas": base64.b64encode(b"\xff\xd8\xff jpeg bytes"),
                "mimetype": "image/jpeg",
                "res_model": "whatsapp.history",
                "res_id": record.id,
            }
        )
        record.with_user(self.gateway).write({"attachment_id": attachment.id})
        # The REST API reads the link back: Odoo names a many2one's value as superuser.
        values = gateway_history.search_read([("id", "=", record.id)], ["attachment_id"])
        self.assertEqual(values[0]["attachment_id"], (attachment.id, "photo.jpg"))
        # A WhatsApp user opens it from the message.
        content = attachment.with_user(self.wa_user).read(["datas", "res_model", "res_id"])[0]
        self.assertEqual(base64.b64decode(content["datas"]), b"\xff\xd8\xff jpeg bytes")
        self.assertEqual((content["res_model"], content["res_id"]), ("whatsapp.history", record.id))

    def test_gateway_attaches_media_once(self):
        # What the gateway calls: create and link in one transaction; a repeated call (its
        # answer to the first was lost) returns the linked attachment and creates none.
        record = self.make_message(message_type="audio", message=False)
        gateway_record = record.with_user(self.gateway)
        datas = base64.b64encode(b"OggS voice note")
        first = gateway_record.attach_media("voice.ogg", datas, "audio/ogg", "voice.ogg")
        again = gateway_record.attach_media("voice.ogg", datas, "audio/ogg", "voice.ogg")
        self.assertEqual(first, again)
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "whatsapp.history"), ("res_id", "=", record.id)]
        )
        self.assertEqual(attachments.ids, [first])
        self.assertEqual(record.attachment_id.id, first)
        self.assertEqual((record.media_mimetype, record.media_filename), ("audio/ogg", "voice.ogg"))

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_gateway_cannot_read_a_partners_attachment(self):
        # The gateway finds contacts (through the lookup) but must not open their files: it has
        # no read access on attachments at all, nor on the contacts they belong to.
        passport = self.env["ir.attachment"].create(
            {
                "name": "passport.pdf",
                "datas": base64.b64encode(b"%PDF-1.4 passport scan"),
                "res_model": "res.partner",
                "res_id": self.budi.id,
            }
        )
        found = self.env["res.partner"].with_user(self.gateway).whatsapp_headless_find_partners(
            ["81234567890"]
        )
        self.assertIn(self.budi.id, [row["id"] for row in found])
        attachments = self.env["ir.attachment"].with_user(self.gateway)
        with self.assertRaises(AccessError):
            passport.with_user(self.gateway).read(["datas"])
        with self.assertRaises(AccessError):
            attachments.search([("res_model", "=", "res.partner")])
        with self.assertRaises(AccessError):
            attachments.read_group([], ["res_model"], ["res_model"])
        with self.assertRaises(AccessError):
            passport.with_user(self.gateway).name_get()

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_gateway_cannot_touch_other_attachments(self):
        attachments = self.env["ir.attachment"]
        unlinked = attachments.create({"name": "internal.txt", "datas": base64.b64encode(b"secret")})
        private = self.env["res.partner"].create({"name": "Private", "type": "private"})
        on_private = attachments.create(
            {
                "name": "id-card.png",
                "datas": base64.b64encode(b"png"),
                "res_model": "res.partner",
                "res_id": private.id,
            }
        )
        for attachment in (unlinked, on_private):
            with self.subTest(attachment=attachment.name):
                with self.assertRaises(AccessError):
                    attachment.with_user(self.gateway).read(["datas"])
        with self.assertRaises(AccessError):
            attachments.with_user(self.gateway).create(
                {
                    "name": "on-a-contact.txt",
                    "datas": base64.b64encode(b"x"),
                    "res_model": "res.partner",
                    "res_id": self.budi.id,
                }
            )
        mine = attachments.with_user(self.gateway).create(
            {
                "name": "a.txt",
                "datas": base64.b64encode(b"a"),
                "res_model": "whatsapp.history",
                "res_id": self.make_message().id,
            }
        )
        # Not even its own: the gateway never reads, changes or deletes media once stored.
        with self.assertRaises(AccessError):
            mine.read(["datas"])
        with self.assertRaises(AccessError):
            mine.write({"name": "b.txt"})
        with self.assertRaises(AccessError):
            mine.unlink()

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_gateway_creates_attachments_of_messages_only(self):
        attachments = self.env["ir.attachment"].with_user(self.gateway)
        message = self.make_message()
        refused = {
            "belonging to nothing": {},
            "of no message in particular": {"res_model": "whatsapp.history"},
            "public": {"res_model": "whatsapp.history", "res_id": message.id, "public": True},
        }
        for case, values in refused.items():
            # Refused after the INSERT, as over RPC, where the transaction is then rolled back.
            with self.subTest(case=case), self.assertRaises(AccessError), self.cr.savepoint():
                attachments.create(dict(values, name="x.txt", datas=base64.b64encode(b"x")))
        self.assertFalse(self.env["ir.attachment"].search([("name", "=", "x.txt")]))

    def test_ensure_gateway_user_is_idempotent(self):
        Users = self.env["res.users"]
        self.gateway.write({"groups_id": [(4, self.env.ref("base.group_user").id)], "active": False})
        again = Users._whatsapp_headless_ensure_gateway_user("wa_gateway", "new-password")
        self.assertEqual(again, self.gateway)
        self.assertTrue(again.active)
        self.assertEqual(again.groups_id, self.env.ref("whatsapp_headless.group_whatsapp_gateway"))
        again.with_user(again)._check_credentials("new-password")
        with self.assertRaises(AccessDenied):
            again.with_user(again)._check_credentials("gateway-test-password")
        self.assertEqual(Users.with_context(active_test=False).search_count([("login", "=", "wa_gateway")]), 1)


@tagged("post_install", "-at_install")
class TestWhatsappAgentAccess(WhatsappCase):
    """Agents answer customers; nobody rewrites what a customer wrote."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.received = cls.make_message(contact_name="Made")
        cls.conversation = cls.received.conversation_id

    def test_agent_group_sits_between_user_and_manager(self):
        self.assertTrue(self.wa_agent.has_group("whatsapp_headless.group_whatsapp_user"))
        self.assertFalse(self.wa_agent.has_group("whatsapp_headless.group_whatsapp_manager"))
        self.assertTrue(self.wa_manager.has_group("whatsapp_headless.group_whatsapp_agent"))

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_agent_replies_but_has_no_generic_create(self):
        conversation = self.conversation.with_user(self.wa_agent)
        reply = self.History.browse(conversation.action_reply("Siap"))
        self.assertEqual(reply.create_uid, self.wa_agent)
        with self.assertRaises(AccessError):
            self.History.with_user(self.wa_agent).create(
                {"phone": "+6281", "direction": "out", "provider": "fonnte"}
            )
        arch = self.History.with_user(self.wa_agent).fields_view_get(view_type="form")["arch"]
        self.assertIn('create="false"', arch)
        # Technical fields (provider, device, provider message id) are for managers: Odoo
        # keeps a group-restricted element in the arch, made invisible.
        hidden = r'<group invisible="1"[^>]*>\s*<field name="provider"'
        self.assertRegex(arch, hidden)
        manager_arch = self.History.with_user(self.wa_manager).fields_view_get(view_type="form")["arch"]
        self.assertNotRegex(manager_arch, hidden)
        self.assertIn('name="provider_message_id"', manager_arch)

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_nobody_edits_a_received_message(self):
        for user in (self.wa_user, self.wa_agent, self.wa_manager, self.env.ref("base.user_admin")):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.received.with_user(user).write({"message": "Ya, jadi pesan 3"})
        self.assertEqual(self.received.message, "Halo, apa kabar?")
        # The gateway still records delivery and the partner on it.
        self.received.with_user(self.gateway).write({"state": "read", "partner_id": self.budi.id})
        self.assertEqual(self.received.partner_id, self.budi)
        with self.assertRaises(AccessError):
            self.received.with_user(self.gateway).write({"message": "changed"})

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_manager_may_still_correct_a_queued_reply(self):
        queued = self.make_message(direction="out", message="Typo")
        queued.with_user(self.wa_manager).write({"message": "Fixed"})
        self.assertEqual(queued.message, "Fixed")

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_nobody_duplicates_and_only_administrators_delete(self):
        for user in (self.wa_agent, self.wa_manager, self.env.ref("base.user_admin")):
            with self.subTest(user=user.login), self.assertRaises(UserError):
                self.received.with_user(user).copy()
        for user in (self.wa_user, self.wa_agent, self.wa_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.received.with_user(user).unlink()
        with self.assertRaises(AccessError):
            self.conversation.with_user(self.wa_manager).unlink()
        self.assertTrue(self.received.exists())

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_user_reads_conversations_only(self):
        conversation = self.conversation.with_user(self.wa_user)
        self.assertEqual(conversation.name, "Made")
        with self.assertRaises(AccessError):
            conversation.write({"state": "done"})
        with self.assertRaises(AccessError):
            conversation.action_done()
        with self.assertRaises(AccessError):
            self.make_message(direction="out", state="failed").with_user(self.wa_user).action_retry()
        self.assertNotIn(
            self.env.ref("whatsapp_headless.menu_whatsapp_gateway_health").id,
            self.env["ir.ui.menu"].with_user(self.wa_agent)._visible_menu_ids(),
        )

    def test_manager_sees_gateway_health(self):
        self.make_message(direction="out", state="queued", timestamp="2020-01-01 00:00:00", device="628570")
        rows = self.env["whatsapp.gateway.health"].with_user(self.wa_manager).search([("device", "=", "628570")])
        self.assertEqual(rows.queued_late_count, 1)
        self.assertIn(rows.status, ("late_queue", "silent"))
