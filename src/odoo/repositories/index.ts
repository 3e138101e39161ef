/**
 * The Odoo repositories over one client: the only code that knows Odoo's model, field and method
 * names. (The outbox lease's repository is made apart: lease-repository.ts.)
 */
import type { OdooClient } from '../types.js';
import { createConversationRepository, type ConversationRepository } from './conversation-repository.js';
import { createHistoryRepository, type HistoryRepository } from './history-repository.js';
import { createPartnerRepository, type PartnerRepository } from './partner-repository.js';

export interface Repositories {
  history: HistoryRepository;
  conversations: ConversationRepository;
  partners: PartnerRepository;
}

export function createRepositories(odoo: OdooClient): Repositories {
  return {
    history: createHistoryRepository(odoo),
    conversations: createConversationRepository(odoo),
    partners: createPartnerRepository(odoo),
  };
}
