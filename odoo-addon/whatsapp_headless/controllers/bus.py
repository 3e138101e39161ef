# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.http import request

from odoo.addons.bus.controllers.main import BusController

INBOX_CHANNEL = "whatsapp_headless.inbox"


class WhatsappInboxBusController(BusController):
    """Subscribe WhatsApp users to the inbox channel on the server side.

    The addon sends on the tuple channel ``(db, 'whatsapp_headless.inbox')``.
    A browser may only ask for string channels, which anyone (even a public
    visitor) can listen to; the tuple channel is added here, and only for
    users who may read the conversations, so nobody else learns which
    conversation just received a message."""

    def _poll(self, dbname, channels, last, options):
        if request.session.uid and request.env.user.has_group(
            "whatsapp_headless.group_whatsapp_user"
        ):
            channels = list(channels)  # the caller's list stays as it was
            channels.append((request.db, INBOX_CHANNEL))
        return super()._poll(dbname, channels, last, options)
