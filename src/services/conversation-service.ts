/**
 * The conversation list (GET /api/wa/conversations): one page of the inbox the addon keeps, in its
 * order (waiting first, then last activity), with the filters dashboards and mobile apps need.
 */
import type { ConversationFilters, ConversationSummary } from '../domain/conversation.js';
import type { ConversationRepository } from '../odoo/repositories/conversation-repository.js';
import { MAX_ODOO_ID } from '../schemas/common.js';
import type { ConversationsQuery } from '../schemas/conversations.js';
import type { Page } from './history-service.js';
import { validationError } from './query-fns.js';

export function createConversationService(deps: { conversations: Pick<ConversationRepository, 'page'> }) {
  return {
    async list(query: ConversationsQuery): Promise<Page<ConversationSummary[]>> {
      const filters: ConversationFilters = {
        ...(query.waiting !== undefined ? { waiting: query.waiting } : {}),
        ...(query.unread !== undefined ? { unread: query.unread } : {}),
        ...(query.assigned !== undefined ? { assigned: parseAssigned(query.assigned) } : {}),
        ...(query.state !== undefined ? { state: query.state } : {}),
      };
      const { conversations, total } = await deps.conversations.page(filters, query);
      return { data: conversations, meta: { total, limit: query.limit, offset: query.offset } };
    },
  };
}

/** `none` or a user id (the schema has checked the shape); an id Odoo cannot hold is a 400 like any bad value. */
function parseAssigned(value: string): number | 'none' {
  if (value === 'none') return 'none';
  const id = Number(value);
  if (id > MAX_ODOO_ID) throw validationError([{ field: 'querystring/assigned', message: `must be 'none' or a user id up to ${MAX_ODOO_ID}` }]);
  return id;
}

export type ConversationService = ReturnType<typeof createConversationService>;
