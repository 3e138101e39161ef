# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests.common import SavepointCase, new_test_user


class WhatsappCase(SavepointCase):
    """Users of each WhatsApp group and a helper to create messages."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.History = cls.env["whatsapp.history"]
        # The country code depends on the company's country: pin it.
        cls.env.company.country_id = cls.env.ref("base.id")
        cls.wa_user = new_test_user(
            cls.env, login="wa_user", groups="whatsapp_headless.group_whatsapp_user"
        )
        cls.wa_agent = new_test_user(
            cls.env, login="wa_agent", groups="whatsapp_headless.group_whatsapp_agent"
        )
        cls.wa_manager = new_test_user(
            cls.env, login="wa_manager", groups="whatsapp_headless.group_whatsapp_manager"
        )
        cls.employee = new_test_user(cls.env, login="wa_nobody", groups="base.group_user")
        cls.gateway = cls.env["res.users"]._whatsapp_headless_ensure_gateway_user(
            "wa_gateway", "gateway-test-password"
        )
        cls.budi = cls.env["res.partner"].create(
            {"name": "Budi Santoso", "mobile": "+62 812 3456 7890"}
        )

    @classmethod
    def make_message(cls, **values):
        vals = {
            "phone": "+6281234567890",
            "direction": "in",
            "provider": "fonnte",
            "message": "Halo, apa kabar?",
            "timestamp": "2025-01-15 03:00:00",
        }
        vals.update(values)
        return cls.History.create(vals)
