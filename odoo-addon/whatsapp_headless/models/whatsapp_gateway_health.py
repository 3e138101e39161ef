# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools

# A gateway renews its outbox lease every few seconds; minutes of silence mean
# it is stopped or cannot reach Odoo.
HEARTBEAT_LATE_MINUTES = 5
# An outgoing message normally leaves the queue within seconds.
QUEUED_LATE_MINUTES = 10
WINDOW_DAYS = 7


class WhatsappGatewayHealth(models.Model):
    """Is the gateway up, per business number: a read-only SQL view that is
    computed when a manager opens it (a few aggregates over the last
    WINDOW_DAYS of messages, through the timestamp and pending-state indexes)."""

    _name = "whatsapp.gateway.health"
    _description = "WhatsApp Gateway Health"
    _auto = False
    _order = "status desc, device"

    device = fields.Char(string="Business Number", readonly=True)
    status = fields.Selection(
        [("ok", "OK"), ("late_queue", "Messages waiting to be sent"), ("silent", "No contact")],
        readonly=True,
        help="No contact: the gateway has not renewed its lease for %d minutes (stopped, or "
        "cannot reach Odoo). Messages waiting: outgoing messages queued for more than %d "
        "minutes." % (HEARTBEAT_LATE_MINUTES, QUEUED_LATE_MINUTES),
    )
    last_contact_at = fields.Datetime(
        string="Last Contact from the Gateway",
        readonly=True,
        help="When a gateway last renewed its lease (it does so every few seconds while running).",
    )
    last_received_at = fields.Datetime(string="Last Message Received", readonly=True)
    queued_count = fields.Integer(string="Queued", readonly=True)
    queued_late_count = fields.Integer(
        string="Queued Too Long", readonly=True,
        help="Outgoing messages queued for more than %d minutes." % QUEUED_LATE_MINUTES,
    )
    oldest_queued_at = fields.Datetime(string="Oldest Queued", readonly=True)
    outgoing_count = fields.Integer(string="Sent (7 days)", readonly=True)
    failed_count = fields.Integer(string="Failed (7 days)", readonly=True)
    failure_rate = fields.Float(string="Failure Rate (%)", readonly=True, group_operator="avg")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            """
            CREATE VIEW whatsapp_gateway_health AS
            WITH lease AS (
                SELECT max(write_date) AS at FROM whatsapp_gateway_lease
            ), recent AS (
                SELECT coalesce(device, '') AS device,
                       count(*) FILTER (WHERE direction = 'out') AS outgoing_count,
                       count(*) FILTER (WHERE direction = 'out' AND state = 'failed') AS failed_count,
                       max("timestamp") FILTER (WHERE direction = 'in') AS last_received_at
                  FROM whatsapp_history
                 WHERE "timestamp" >= (now() AT TIME ZONE 'UTC') - interval '{window} days'
                 GROUP BY 1
            ), queued AS (
                SELECT coalesce(device, '') AS device, count(*) AS queued_count,
                       min("timestamp") AS oldest_queued_at,
                       count(*) FILTER (WHERE "timestamp" <
                           (now() AT TIME ZONE 'UTC') - interval '{queued} minutes') AS queued_late_count
                  FROM whatsapp_history
                 WHERE state = 'queued'  -- served by the partial pending-state index
                 GROUP BY 1
            ), devices AS (
                SELECT device FROM recent UNION SELECT device FROM queued
                UNION SELECT '' WHERE NOT EXISTS (SELECT 1 FROM recent)
                                  AND NOT EXISTS (SELECT 1 FROM queued)
            )
            SELECT row_number() OVER (ORDER BY d.device) AS id,
                   nullif(d.device, '') AS device,
                   CASE WHEN lease.at IS NULL
                             OR lease.at < (now() AT TIME ZONE 'UTC') - interval '{heartbeat} minutes'
                        THEN 'silent'
                        WHEN coalesce(q.queued_late_count, 0) > 0 THEN 'late_queue'
                        ELSE 'ok' END AS status,
                   lease.at AS last_contact_at,
                   r.last_received_at,
                   coalesce(q.queued_count, 0) AS queued_count,
                   coalesce(q.queued_late_count, 0) AS queued_late_count,
                   q.oldest_queued_at,
                   coalesce(r.outgoing_count, 0) AS outgoing_count,
                   coalesce(r.failed_count, 0) AS failed_count,
                   round(100.0 * coalesce(r.failed_count, 0) / nullif(r.outgoing_count, 0), 1)::float
                       AS failure_rate
              FROM devices d
              CROSS JOIN lease
              LEFT JOIN recent r ON r.device = d.device
              LEFT JOIN queued q ON q.device = d.device
            """.format(
                window=WINDOW_DAYS, queued=QUEUED_LATE_MINUTES, heartbeat=HEARTBEAT_LATE_MINUTES
            )
        )
