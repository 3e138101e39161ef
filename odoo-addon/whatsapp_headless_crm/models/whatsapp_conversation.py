# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, fields, models

from .res_config_settings import DEFAULT_LEAD_CREATION, LEAD_CREATION_PARAM, LEAD_TEAM_PARAM


class WhatsappConversation(models.Model):
    _inherit = "whatsapp.conversation"

    lead_id = fields.Many2one(
        "crm.lead",
        string="Lead",
        index=True,
        ondelete="set null",
        copy=False,
        help="The lead created from (or linked to) this conversation.",
    )

    def _whatsapp_lead_mode(self):
        return (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(LEAD_CREATION_PARAM, DEFAULT_LEAD_CREATION)
        )

    def _whatsapp_create_leads(self):
        """Create the lead of each new conversation the setting asks for, as
        superuser: the gateway writing the first message may not read CRM."""
        mode = self._whatsapp_lead_mode()
        if mode not in ("unknown", "all"):
            return self.env["crm.lead"]
        todo = self.filtered(lambda c: not c.lead_id and (mode == "all" or not c.partner_id))
        # Groups are not customers one sells to.
        todo = todo.filtered(lambda c: not (c.identity_key or "").endswith("@g.us"))
        if not todo:
            return self.env["crm.lead"]
        Lead = self.env["crm.lead"].sudo()
        leads = Lead.create([conversation._whatsapp_lead_values() for conversation in todo.sudo()])
        for conversation, lead in zip(todo.sudo(), leads):
            conversation.lead_id = lead
        return leads

    def _whatsapp_lead_team_and_user(self, lead_type):
        """The sales team's rules as Odoo 13 applies them: the configured team,
        else the team of the agent who took the conversation, else the first
        team that handles leads (opportunities when the company uses no
        leads); the salesperson is that agent, else the team's leader."""
        self.ensure_one()
        Team = self.env["crm.team"].sudo()
        team_id = self.env["ir.config_parameter"].sudo().get_param(LEAD_TEAM_PARAM) or ""
        team = Team.browse(int(team_id)).exists() if team_id.isdigit() else Team
        user = self.user_id
        if not team:
            domain = [("use_leads" if lead_type == "lead" else "use_opportunities", "=", True)]
            if user:
                team = Team._get_default_team_id(user_id=user.id, domain=domain)
            else:
                team = Team.search(domain, limit=1)
        if not user:
            user = team.user_id
        return team, user

    def _whatsapp_lead_type(self):
        # Only a company that uses leads sees them; otherwise the pipeline
        # (opportunities) is where somebody will notice the new contact.
        uses_leads = self.env.ref("crm.group_use_lead") in self.env.ref(
            "base.group_user"
        ).sudo().implied_ids
        return "lead" if uses_leads else "opportunity"

    def _whatsapp_lead_values(self):
        self.ensure_one()
        lead_type = self._whatsapp_lead_type()
        team, user = self._whatsapp_lead_team_and_user(lead_type)
        number = self.phone or self.whatsapp_user_id or self.identity_key
        who = self.whatsapp_name or self.partner_id.name
        name = _("WhatsApp: %s (%s)") % (who, number) if who else _("WhatsApp: %s") % number
        values = {
            "name": name,
            "type": lead_type,
            "contact_name": self.whatsapp_name or False,
            "phone": self.phone or False,
            "mobile": self.phone or False,
            "partner_id": self.partner_id.id or False,
            "team_id": team.id or False,
            # Explicit: the default would be whoever wrote the first message
            # (the gateway's user or OdooBot).
            "user_id": user.id or False,
            "description": _("Created from the first WhatsApp message of this conversation."),
        }
        if lead_type == "opportunity":
            # The first open stage of the team's pipeline, as Odoo's default does
            # for the creating user's team.
            stage = self.env["crm.lead"].sudo()._stage_find(
                team_id=team.id, domain=[("fold", "=", False)]
            )
            values["stage_id"] = stage.id or False
        return values

    def action_open_lead(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "view_mode": "form",
            "target": "current",
        }
