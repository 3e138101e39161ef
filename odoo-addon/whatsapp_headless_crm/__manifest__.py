# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "WhatsApp Headless - CRM",
    "summary": "A lead from the first WhatsApp message of a new contact, linked to its conversation",
    "version": "13.0.1.0.0",
    "category": "Sales/CRM",
    "author": "whatsapp-headless contributors",
    "license": "LGPL-3",
    "installable": True,
    "auto_install": True,
    "depends": ["whatsapp_headless", "crm"],
    "data": [
        "views/res_config_settings_views.xml",
        "views/crm_lead_views.xml",
        "views/whatsapp_conversation_views.xml",
    ],
}
