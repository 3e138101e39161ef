# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests.common import SavepointCase, new_test_user

from ..models.res_config_settings import LEAD_CREATION_PARAM, LEAD_TEAM_PARAM


class TestLeadFromWhatsapp(SavepointCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.id")
        cls.History = cls.env["whatsapp.history"]
        cls.Conversation = cls.env["whatsapp.conversation"]
        cls.gateway = cls.env["res.users"]._whatsapp_headless_ensure_gateway_user(
            "wa_gateway_crm", "gateway-test-password"
        )
        cls.leader = new_test_user(
            cls.env, login="wa_sales_leader", groups="sales_team.group_sale_salesman"
        )
        cls.agent = new_test_user(
            cls.env,
            login="wa_crm_agent",
            groups="whatsapp_headless.group_whatsapp_agent,sales_team.group_sale_salesman",
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "WhatsApp Sales", "user_id": cls.leader.id, "use_leads": True}
        )
        # Leads visible as leads (Settings > CRM > Leads).
        cls.env.ref("base.group_user").write(
            {"implied_ids": [(4, cls.env.ref("crm.group_use_lead").id)]}
        )
        cls.budi = cls.env["res.partner"].create(
            {"name": "Budi Santoso", "mobile": "+62 812 3456 7890"}
        )
        cls.set_mode("unknown")
        cls.env["ir.config_parameter"].sudo().set_param(LEAD_TEAM_PARAM, cls.team.id)

    @classmethod
    def set_mode(cls, mode):
        cls.env["ir.config_parameter"].sudo().set_param(LEAD_CREATION_PARAM, mode)

    def receive(self, phone="+6285700001111", name="Made Wirawan", partner=None, **values):
        """A message as the gateway stores it (as the gateway user, who may
        not read CRM at all)."""
        vals = {
            "phone": phone,
            "contact_name": name,
            "direction": "in",
            "provider": "fonnte",
            "message": "Halo, mau tanya harga",
            "partner_id": partner.id if partner else False,
        }
        vals.update(values)
        message = self.History.with_user(self.gateway).create(vals)
        return message.sudo().conversation_id

    def test_first_message_of_unknown_contact_creates_an_assigned_lead(self):
        conversation = self.receive()
        lead = conversation.lead_id
        self.assertTrue(lead, "no lead for a new, unknown contact")
        self.assertEqual(lead.type, "lead")
        self.assertIn("Made Wirawan", lead.name)
        self.assertIn("+6285700001111", lead.name)
        self.assertEqual(lead.phone, "+6285700001111")
        self.assertEqual(lead.contact_name, "Made Wirawan")
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.user_id, self.leader, "the team leader gets an unassigned lead")
        self.assertEqual(lead.whatsapp_conversation_ids, conversation)

    def test_later_messages_create_no_second_lead(self):
        conversation = self.receive()
        self.receive(message="Masih ada?")
        conversation.lead_id.invalidate_cache()
        self.assertEqual(
            self.env["crm.lead"].search_count([("phone", "=", "+6285700001111")]), 1
        )
        self.assertEqual(conversation.lead_id.whatsapp_message_count, 2)

    def test_known_contact_gets_no_lead_in_unknown_mode(self):
        conversation = self.receive(phone="+6281234567890", name="Budi", partner=self.budi)
        self.assertFalse(conversation.lead_id)

    def test_every_new_conversation_mode_links_the_partner(self):
        self.set_mode("all")
        conversation = self.receive(phone="+6281234567890", name="Budi", partner=self.budi)
        self.assertTrue(conversation.lead_id)
        self.assertEqual(conversation.lead_id.partner_id, self.budi)

    def test_off_creates_no_lead(self):
        self.set_mode("off")
        self.assertFalse(self.receive().lead_id)

    def test_group_conversations_get_no_lead(self):
        self.assertFalse(self.receive(phone="120363025246125486@g.us", name="Arisan RT 05").lead_id)

    def test_without_configured_team_the_first_lead_team_takes_it(self):
        self.env["ir.config_parameter"].sudo().set_param(LEAD_TEAM_PARAM, "")
        lead = self.receive().lead_id
        self.assertTrue(lead.team_id.use_leads)
        self.assertEqual(lead.user_id, lead.team_id.user_id)

    def test_lead_button_opens_the_conversation(self):
        conversation = self.receive()
        action = conversation.lead_id.with_user(self.agent).action_open_whatsapp()
        self.assertEqual(action["res_model"], "whatsapp.conversation")
        self.assertEqual(action["res_id"], conversation.id)
        self.assertEqual(action["view_mode"], "form")

    def test_agent_sees_the_message_count_on_the_lead(self):
        lead = self.receive().lead_id
        self.assertEqual(lead.with_user(self.agent).whatsapp_message_count, 1)

    def test_settings_store_the_mode(self):
        settings = self.env["res.config.settings"].create(
            {"whatsapp_lead_creation": "all", "whatsapp_lead_team_id": self.team.id}
        )
        settings.execute()
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param(LEAD_CREATION_PARAM), "all")
        self.assertEqual(params.get_param(LEAD_TEAM_PARAM), str(self.team.id))
