# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "WhatsApp Headless",
    "summary": "WhatsApp conversations stored in Odoo, written by the whatsapp-headless gateway",
    "version": "13.0.1.2.0",
    "category": "Discuss",
    "author": "whatsapp-headless contributors",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": ["base", "web", "bus"],
    "data": [
        "security/whatsapp_headless_security.xml",
        "security/ir.model.access.csv",
        "views/whatsapp_history_views.xml",
        "views/whatsapp_conversation_views.xml",
        "views/whatsapp_gateway_health_views.xml",
        "views/res_partner_views.xml",
        "views/whatsapp_menus.xml",
        "views/assets.xml",
        "views/whatsapp_inbox_live_views.xml",
    ],
    "qweb": ["static/src/xml/whatsapp_thread.xml"],
}
