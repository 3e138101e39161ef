# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

LEAD_CREATION_PARAM = "whatsapp_headless_crm.lead_creation"
LEAD_TEAM_PARAM = "whatsapp_headless_crm.lead_team_id"
LEAD_CREATION_MODES = [
    ("off", "Off"),
    ("unknown", "For unknown contacts"),
    ("all", "For every new conversation"),
]
DEFAULT_LEAD_CREATION = "unknown"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    whatsapp_lead_creation = fields.Selection(
        LEAD_CREATION_MODES,
        string="Leads from WhatsApp",
        default=DEFAULT_LEAD_CREATION,
        config_parameter=LEAD_CREATION_PARAM,
        help="Create a lead when a new WhatsApp conversation starts: never, only "
        "when the number belongs to no contact, or for every new conversation.",
    )
    whatsapp_lead_team_id = fields.Many2one(
        "crm.team",
        string="Sales Team for WhatsApp Leads",
        config_parameter=LEAD_TEAM_PARAM,
        help="The team that gets the leads; its leader is the salesperson unless "
        "an agent already took the conversation. Empty: the agent's team, else "
        "the first team that handles leads.",
    )
