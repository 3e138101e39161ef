# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Phone number helpers for searching and typing numbers the way people write them.

The gateway stores every number in E.164 (``+6281234567890``).  People type
``0812-3456-7890``, ``6281234567890``, ``+62 812 3456 7890`` or just the end of a
number; these helpers turn such input into E.164 or into a domain on ``phone``.
No ``phonenumbers`` dependency: Odoo 13 images do not all ship it, and only the
digits and the trunk/international prefixes matter here.
"""
import re

_NON_DIGITS = re.compile(r"\D")
_E164 = re.compile(r"^\+[1-9]\d{5,14}$")
# Shortest input read as "the start of a whole number" when it begins with the
# country code without a "+": shorter runs of digits are treated as fragments.
_MIN_INTERNATIONAL_DIGITS = 8


def digits_of(text):
    return _NON_DIGITS.sub("", text or "")


def is_e164(text):
    return bool(text) and bool(_E164.match(text))


def number_prefix(text, country_code):
    """The E.164 prefix ``text`` spells, or None when it is only a fragment.

    ``+62 812``, ``0062812``, ``0812`` and ``62812345`` (with country code 62)
    all spell the start of ``+62812…``; ``3456 7890`` does not.
    """
    stripped = (text or "").strip()
    # WhatsApp addressing forms: "whatsapp:+62…", "62…@s.whatsapp.net"
    if stripped.lower().startswith("whatsapp:"):
        stripped = stripped[len("whatsapp:"):].strip()
    digits = digits_of(stripped)
    if not digits:
        return None
    if stripped.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:] if len(digits) > 2 else None
    if digits.startswith("0"):
        national = digits[1:]
        return "+" + country_code + national if country_code else None
    if (
        country_code
        and digits.startswith(country_code)
        and len(digits) >= _MIN_INTERNATIONAL_DIGITS
    ):
        return "+" + digits
    if "@" in stripped and len(digits) >= _MIN_INTERNATIONAL_DIGITS:
        return "+" + digits
    return None


def to_e164(text, country_code):
    """``text`` as E.164 if it spells a whole number, else ``text`` unchanged."""
    if not text or is_e164(text) or "@g.us" in text:
        return text
    prefix = number_prefix(text, country_code)
    return prefix if prefix and is_e164(prefix) else text


_NEGATIVE_OPERATORS = {"!=": "=", "not like": "like", "not ilike": "ilike"}


def phone_search_domain(operator, value, country_code):
    """Domain on ``phone`` matching ``value`` written in any usual form.

    Whole numbers (or their start) become a prefix match on the stored E.164
    value, which the (phone, timestamp) b-tree index serves; fragments become a
    substring match.  Input without digits falls back to a plain ``ilike``.
    """
    negate = operator in _NEGATIVE_OPERATORS
    operator = _NEGATIVE_OPERATORS.get(operator, operator)
    if not isinstance(value, str) or operator not in ("=", "like", "ilike", "=like", "=ilike"):
        domain = [("phone", operator, value)]
    else:
        prefix = number_prefix(value, country_code)
        digits = digits_of(value)
        if operator == "=":
            domain = [("phone", "=", prefix if prefix and is_e164(prefix) else value)]
        elif prefix:
            domain = [("phone", "=like", prefix + "%")]
        elif digits:
            domain = [("phone", "like", digits)]
        else:
            domain = [("phone", "ilike", value)]
    return ["!"] + domain if negate else domain
