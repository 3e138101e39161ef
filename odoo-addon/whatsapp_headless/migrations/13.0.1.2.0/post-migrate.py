# Copyright 2025 whatsapp-headless contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Give the messages of a database at 13.0.1.1.0 their conversations.

Set-based SQL (a handful of statements whatever the number of messages: about
a minute at 1M rows), with the same identity rule as the upkeep in
whatsapp.history.create: the number (or group id), else ``user:<user id>``
— a user id seen with a number joins that number's conversation.

Conversations whose last message is older than DONE_AFTER_DAYS start as Done,
so that the Inbox opens on current customers, not on years of history; the
rest are Open, waiting when the customer wrote last.  Unread counts start at
zero: nobody can know what was read before the inbox existed.
"""
import logging
import time

_logger = logging.getLogger(__name__)

DONE_AFTER_DAYS = 30


def migrate(cr, version):
    if not version:
        return
    started = time.time()

    def progress(step, rows):
        _logger.info(
            "whatsapp_headless conversations from %s: %s (%d rows, %.1f s)",
            version, step, rows, time.time() - started,
        )

    # 1. Each message's identity, once (temporary table, dropped at commit).
    cr.execute(
        """
        CREATE TEMP TABLE wa_mig_identity ON COMMIT DROP AS
        WITH user_numbers AS (
            SELECT DISTINCT ON (whatsapp_user_id, coalesce(device, ''))
                   whatsapp_user_id, coalesce(device, '') AS device, phone
              FROM whatsapp_history
             WHERE whatsapp_user_id IS NOT NULL AND coalesce(phone, '') <> ''
             ORDER BY whatsapp_user_id, coalesce(device, ''), "timestamp" DESC
        )
        SELECT h.id,
               coalesce(nullif(h.phone, ''), un.phone, 'user:' || nullif(h.whatsapp_user_id, '')) AS identity_key,
               coalesce(h.device, '') AS device
          FROM whatsapp_history h
          LEFT JOIN user_numbers un
                 ON coalesce(h.phone, '') = '' AND un.whatsapp_user_id = h.whatsapp_user_id
                AND un.device = coalesce(h.device, '')
         WHERE h.conversation_id IS NULL
           -- a row with neither (older than the CHECK constraint) has no identity: left without conversation
           AND (coalesce(h.phone, '') <> '' OR coalesce(h.whatsapp_user_id, '') <> '')
        """
    )
    progress("identities of messages without conversation", cr.rowcount)
    if not cr.rowcount:
        return
    # Messages without business number (replies queued from the message list)
    # join the customer's conversation on the number they last wrote to.
    cr.execute(
        """
        UPDATE wa_mig_identity i SET device = kd.device
          FROM (SELECT DISTINCT ON (w.identity_key) w.identity_key, w.device
                  FROM wa_mig_identity w JOIN whatsapp_history h ON h.id = w.id
                 WHERE w.device <> ''
                 ORDER BY w.identity_key, h."timestamp" DESC) kd
         WHERE i.device = '' AND kd.identity_key = i.identity_key
        """
    )
    progress("messages without business number joined their customer", cr.rowcount)
    # 2. One conversation per identity and business number.
    cr.execute(
        """
        INSERT INTO whatsapp_conversation (identity_key, device, state, is_waiting,
               unread_count, create_uid, create_date, write_uid, write_date)
        SELECT identity_key, nullif(device, ''), 'open', false, 0,
               1, now() at time zone 'UTC', 1, now() at time zone 'UTC'
          FROM wa_mig_identity
         GROUP BY identity_key, device
        ON CONFLICT (identity_key, (coalesce(device, ''))) DO NOTHING
        """
    )
    progress("conversations created", cr.rowcount)
    # 3. Link the messages.
    cr.execute(
        """
        UPDATE whatsapp_history h
           SET conversation_id = c.id
          FROM wa_mig_identity i
          JOIN whatsapp_conversation c
            ON c.identity_key = i.identity_key AND coalesce(c.device, '') = i.device
         WHERE h.id = i.id
        """
    )
    progress("messages linked", cr.rowcount)
    # 4. The conversations' summary from their messages.
    cr.execute(
        """
        WITH last AS (
            SELECT DISTINCT ON (conversation_id) conversation_id, id, direction,
                   "timestamp", message, message_type, partner_id
              FROM whatsapp_history
             WHERE conversation_id IS NOT NULL
             ORDER BY conversation_id, "timestamp" DESC, id DESC
        ), last_out AS (
            SELECT conversation_id, max("timestamp") AS at
              FROM whatsapp_history WHERE direction = 'out' AND conversation_id IS NOT NULL
             GROUP BY conversation_id
        ), waiting AS (
            SELECT h.conversation_id, min(h."timestamp") AS since
              FROM whatsapp_history h LEFT JOIN last_out lo USING (conversation_id)
             WHERE h.direction = 'in' AND h.conversation_id IS NOT NULL
               AND (lo.at IS NULL OR h."timestamp" > lo.at)
             GROUP BY h.conversation_id
        ), idents AS (
            SELECT DISTINCT ON (conversation_id) conversation_id,
                   nullif(phone, '') AS phone, whatsapp_user_id, partner_id,
                   CASE WHEN direction = 'in' THEN contact_name END AS contact_name
              FROM whatsapp_history WHERE conversation_id IS NOT NULL
             ORDER BY conversation_id, (direction = 'in') DESC, (partner_id IS NOT NULL) DESC,
                      "timestamp" DESC, id DESC
        )
        UPDATE whatsapp_conversation c
           SET last_message_id = last.id,
               last_direction = last.direction,
               last_message_at = last."timestamp",
               last_message_preview = coalesce(
                   nullif(left(regexp_replace(coalesce(last.message, ''), '\\s+', ' ', 'g'), 60), ''),
                   '[' || initcap(coalesce(last.message_type, 'text')) || ']'),
               phone = coalesce(c.phone, idents.phone, CASE WHEN c.identity_key NOT LIKE 'user:%%' THEN c.identity_key END),
               whatsapp_user_id = coalesce(c.whatsapp_user_id, idents.whatsapp_user_id),
               partner_id = coalesce(c.partner_id, idents.partner_id),
               whatsapp_name = coalesce(c.whatsapp_name, idents.contact_name),
               state = CASE WHEN last."timestamp" < (now() at time zone 'UTC') - interval '%s days'
                            THEN 'done' ELSE 'open' END,
               waiting_since = CASE WHEN last.direction = 'in' THEN waiting.since END,
               is_waiting = last.direction = 'in' AND waiting.since IS NOT NULL
                            AND last."timestamp" >= (now() at time zone 'UTC') - interval '%s days'
          FROM last
          LEFT JOIN waiting USING (conversation_id)
          LEFT JOIN idents USING (conversation_id)
         WHERE c.id = last.conversation_id AND c.last_message_id IS NULL
        """
        % (DONE_AFTER_DAYS, DONE_AFTER_DAYS)
    )
    progress("conversations summarised", cr.rowcount)
    # 5. Display names: partner, WhatsApp name, number, user id.
    cr.execute(
        """
        UPDATE whatsapp_conversation c
           SET name = coalesce(p.name, c.whatsapp_name, c.phone, c.whatsapp_user_id, c.identity_key)
          FROM whatsapp_conversation c2 LEFT JOIN res_partner p ON p.id = c2.partner_id
         WHERE c2.id = c.id AND c.name IS NULL
        """
    )
    progress("conversation names set; done", cr.rowcount)
