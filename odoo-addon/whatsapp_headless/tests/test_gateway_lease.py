# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, ValidationError
from odoo.tests.common import tagged
from odoo.tools import mute_logger

from .common import WhatsappCase


@tagged("post_install", "-at_install")
class TestGatewayLease(WhatsappCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Lease = cls.env["whatsapp.gateway.lease"].with_user(cls.gateway)

    def expire(self, name):
        self.env.cr.execute(
            "UPDATE whatsapp_gateway_lease SET expires_at = (now() AT TIME ZONE 'UTC')"
            " - interval '1 second' WHERE name = %s",
            (name,),
        )

    def test_one_holder_at_a_time(self):
        first = self.Lease.acquire("outbox", "gateway-a", 60)
        self.assertTrue(first["acquired"])
        self.assertEqual(first["holder"], "gateway-a")
        self.assertGreater(first["expires_in"], 55)
        second = self.Lease.acquire("outbox", "gateway-b", 60)
        self.assertFalse(second["acquired"])
        self.assertEqual(second["holder"], "gateway-a")

    def test_the_holder_renews(self):
        self.Lease.acquire("outbox", "gateway-a", 10)
        renewed = self.Lease.acquire("outbox", "gateway-a", 60)
        self.assertTrue(renewed["acquired"])
        self.assertGreater(renewed["expires_in"], 55)

    def test_an_expired_lease_goes_to_the_next_caller(self):
        self.Lease.acquire("outbox", "gateway-a", 60)
        self.expire("outbox")
        taken = self.Lease.acquire("outbox", "gateway-b", 60)
        self.assertTrue(taken["acquired"])
        self.assertEqual(taken["holder"], "gateway-b")
        self.assertFalse(self.Lease.acquire("outbox", "gateway-a", 60)["acquired"])

    def test_release_frees_it_at_once_for_its_holder_only(self):
        self.Lease.acquire("outbox", "gateway-a", 60)
        self.assertFalse(self.Lease.release("outbox", "gateway-b"))
        self.assertFalse(self.Lease.acquire("outbox", "gateway-b", 60)["acquired"])
        self.assertTrue(self.Lease.release("outbox", "gateway-a"))
        self.assertTrue(self.Lease.acquire("outbox", "gateway-b", 60)["acquired"])

    def test_leases_by_name_are_independent(self):
        self.assertTrue(self.Lease.acquire("outbox", "gateway-a", 60)["acquired"])
        self.assertTrue(self.Lease.acquire("other", "gateway-b", 60)["acquired"])

    def test_arguments_are_checked(self):
        for name, holder, ttl in [
            ("Outbox; DROP", "gateway-a", 60),
            ("outbox", "", 60),
            ("outbox", "x" * 129, 60),
            ("outbox", "gateway-a", 0),
            ("outbox", "gateway-a", 100000),
            ("outbox", "gateway-a", "60"),
        ]:
            with self.assertRaises(ValidationError):
                self.Lease.acquire(name, holder, ttl)

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_only_the_gateway_takes_it_and_it_edits_no_row(self):
        for user in (self.wa_user, self.wa_manager, self.employee):
            with self.assertRaises(AccessError):
                self.env["whatsapp.gateway.lease"].with_user(user).acquire("outbox", "x", 60)
            with self.assertRaises(AccessError):
                self.env["whatsapp.gateway.lease"].with_user(user).release("outbox", "x")
        self.Lease.acquire("outbox", "gateway-a", 60)
        with self.assertRaises(AccessError):
            self.Lease.search([])
        with self.assertRaises(AccessError):
            self.Lease.create({"name": "forged", "holder": "gateway-b"})
        lease = self.env["whatsapp.gateway.lease"].search([("name", "=", "outbox")])
        with self.assertRaises(AccessError):
            lease.with_user(self.gateway).write({"holder": "gateway-b"})
        # Managers see who holds it.
        self.assertEqual(lease.with_user(self.wa_manager).holder, "gateway-a")

    def test_an_administrator_may_take_it_too(self):
        admin = self.env.ref("base.user_admin")
        taken = self.env["whatsapp.gateway.lease"].with_user(admin).acquire("outbox", "admin-run", 60)
        self.assertTrue(taken["acquired"])
