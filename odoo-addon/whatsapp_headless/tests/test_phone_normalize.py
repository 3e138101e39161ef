# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests.common import BaseCase

from ..models.phone_normalize import number_prefix, phone_search_domain, to_e164


class TestPhoneNormalize(BaseCase):
    def test_number_prefix(self):
        cases = [
            # (typed, country code, E.164 prefix it spells or None for a fragment)
            ("0812-3456-7890", "62", "+6281234567890"),
            ("081234567890", "62", "+6281234567890"),
            ("6281234567890", "62", "+6281234567890"),
            ("+62 812 3456 7890", "62", "+6281234567890"),
            ("+62 (812) 3456-7890", "62", "+6281234567890"),
            ("0062 812 3456 7890", "62", "+6281234567890"),
            ("whatsapp:+6281234567890", "62", "+6281234567890"),
            ("6281234567890@s.whatsapp.net", "62", "+6281234567890"),
            ("0812", "62", "+62812"),
            ("+62", "62", "+62"),
            ("3456 7890", "62", None),
            ("812 3456 7890", "62", None),
            ("6234", "62", None),
            ("", "62", None),
            ("Budi", "62", None),
            ("020 7946 0000", "44", "+442079460000"),
        ]
        for typed, country_code, expected in cases:
            with self.subTest(typed=typed):
                self.assertEqual(number_prefix(typed, country_code), expected)

    def test_to_e164_keeps_what_it_cannot_read(self):
        cases = [
            ("0812-3456-7890", "+6281234567890"),
            ("+6281234567890", "+6281234567890"),
            ("120363000000000000@g.us", "120363000000000000@g.us"),
            ("3456", "3456"),
            ("0", "0"),
            ("", ""),
        ]
        for typed, expected in cases:
            with self.subTest(typed=typed):
                self.assertEqual(to_e164(typed, "62"), expected)

    def test_phone_search_domain(self):
        cases = [
            ("ilike", "0812 3456", [("phone", "=like", "+628123456%")]),
            ("ilike", "3456-7890", [("phone", "like", "34567890")]),
            ("ilike", "@g.us", [("phone", "ilike", "@g.us")]),
            ("=", "0812-3456-7890", [("phone", "=", "+6281234567890")]),
            ("not ilike", "0812", ["!", ("phone", "=like", "+62812%")]),
            ("!=", False, ["!", ("phone", "=", False)]),
            ("in", ["+62811"], [("phone", "in", ["+62811"])]),
        ]
        for operator, value, expected in cases:
            with self.subTest(operator=operator, value=value):
                self.assertEqual(phone_search_domain(operator, value, "62"), expected)
