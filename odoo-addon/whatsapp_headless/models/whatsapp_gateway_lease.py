# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

GATEWAY_GROUP = "whatsapp_headless.group_whatsapp_gateway"
LEASE_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
HOLDER_MAX_LENGTH = 128
MIN_TTL_SECONDS = 5
MAX_TTL_SECONDS = 3600


class WhatsappGatewayLease(models.Model):
    """A named lease that at most one gateway instance holds at a time, e.g. ``outbox``: only its
    holder sends queued messages, so two gateways against one database never send a message twice.

    The gateway calls ``acquire`` to take or renew it and ``release`` on a clean shutdown. Both are
    single SQL statements, atomic in PostgreSQL whatever the number of gateways calling at once;
    expiry is measured with the database's clock, so the gateways' clocks do not matter. The
    integration user has no access rights on this model: it can only call these two methods
    (administrators may call them too)."""

    _name = "whatsapp.gateway.lease"
    _description = "WhatsApp Gateway Lease"
    _order = "name"

    name = fields.Char(required=True, readonly=True, help="What the lease is for, e.g. outbox.")
    holder = fields.Char(
        readonly=True, help="Instance id of the gateway that holds (or last held) the lease."
    )
    expires_at = fields.Datetime(
        readonly=True, help="The lease is free from this time on unless its holder renews it."
    )

    _sql_constraints = [("name_uniq", "unique(name)", "There is one lease per name.")]

    def _check_gateway_caller(self):
        # Administrators (Settings) may edit lease rows anyway; allowing them the methods too lets a
        # gateway run as an administrator (development, benchmarks) without granting anything new.
        user = self.env.user
        if not (self.env.su or user.has_group(GATEWAY_GROUP) or user.has_group("base.group_system")):
            raise AccessError(
                _("Only the WhatsApp gateway's integration user may take or release a gateway lease.")
            )

    @api.model
    def _check_lease_arguments(self, name, holder):
        if not isinstance(name, str) or not LEASE_NAME.match(name):
            raise ValidationError(_("A lease name is 1-64 lower-case letters, digits, '_', '.' or '-'."))
        if not isinstance(holder, str) or not holder.strip() or len(holder) > HOLDER_MAX_LENGTH:
            raise ValidationError(
                _("A lease holder is a non-empty instance id of at most %d characters.")
                % HOLDER_MAX_LENGTH
            )

    @api.model
    def _lease_state(self, name):
        self.env.cr.execute(
            """SELECT holder, EXTRACT(EPOCH FROM expires_at - (now() AT TIME ZONE 'UTC'))
                 FROM whatsapp_gateway_lease WHERE name = %s""",
            (name,),
        )
        row = self.env.cr.fetchone()
        holder, remaining = row if row else (None, None)
        return holder or False, max(0.0, float(remaining or 0.0))

    @api.model
    def acquire(self, name, holder, ttl_seconds):
        """Take the lease ``name`` for ``holder`` for ``ttl_seconds``, or renew it when ``holder``
        has it already. Succeeds when the lease is free, expired or held by ``holder``.

        Returns ``{"acquired": bool, "holder": current holder or False, "expires_in": seconds}``."""
        self._check_gateway_caller()
        self._check_lease_arguments(name, holder)
        if (
            not isinstance(ttl_seconds, int)
            or isinstance(ttl_seconds, bool)
            or not MIN_TTL_SECONDS <= ttl_seconds <= MAX_TTL_SECONDS
        ):
            raise ValidationError(
                _("A lease lasts %d to %d seconds.") % (MIN_TTL_SECONDS, MAX_TTL_SECONDS)
            )
        # One statement: concurrent callers are serialised on the unique index; under Odoo's
        # REPEATABLE READ a loser gets a serialization failure, which Odoo's RPC layer retries,
        # and the retry then sees the winner's row and leaves it alone.
        self.env.cr.execute(
            """INSERT INTO whatsapp_gateway_lease AS lease
                      (name, holder, expires_at, create_uid, create_date, write_uid, write_date)
               VALUES (%(name)s, %(holder)s,
                       (now() AT TIME ZONE 'UTC') + %(ttl)s * interval '1 second',
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC')
               ON CONFLICT (name) DO UPDATE
                  SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
                      write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
                WHERE lease.holder = EXCLUDED.holder
                   OR lease.expires_at IS NULL
                   OR lease.expires_at <= (now() AT TIME ZONE 'UTC')
               RETURNING lease.id""",
            {"name": name, "holder": holder, "ttl": ttl_seconds, "uid": self.env.uid},
        )
        acquired = bool(self.env.cr.fetchone())
        self.invalidate_cache()
        current, expires_in = self._lease_state(name)
        return {"acquired": acquired, "holder": current, "expires_in": expires_in}

    @api.model
    def release(self, name, holder):
        """Give the lease ``name`` up at once if ``holder`` holds it (clean shutdown), so another
        gateway need not wait for it to expire. Returns whether it was released."""
        self._check_gateway_caller()
        self._check_lease_arguments(name, holder)
        self.env.cr.execute(
            """UPDATE whatsapp_gateway_lease
                  SET expires_at = now() AT TIME ZONE 'UTC',
                      write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
                WHERE name = %(name)s AND holder = %(holder)s
                  AND expires_at > (now() AT TIME ZONE 'UTC')""",
            {"name": name, "holder": holder, "uid": self.env.uid},
        )
        released = self.env.cr.rowcount > 0
        self.invalidate_cache()
        return released
