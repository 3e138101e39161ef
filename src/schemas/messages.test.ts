import { describe, expectTypeOf, test } from 'vitest';
import type { DIRECTIONS } from '../domain/message.js';
import type { ConversationQuery, HistoryQuery, SendBody, SendHeaders, StatsQuery } from './messages.js';

// The request types are derived from the schemas (json-schema-to-ts). These pin what the services
// rely on: a property with a default is always present (ajv's useDefaults fills it in before the
// handler runs), any other one is optional, and enums stay unions.
describe('request types derived from the REST schemas', () => {
  test('defaulted query parameters are present, the others optional', () => {
    expectTypeOf<HistoryQuery['limit']>().toEqualTypeOf<number>();
    expectTypeOf<HistoryQuery['offset']>().toEqualTypeOf<number>();
    expectTypeOf<HistoryQuery['order']>().toEqualTypeOf<'asc' | 'desc'>();
    expectTypeOf<HistoryQuery['phone']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<HistoryQuery['partner_id']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<HistoryQuery['direction']>().toEqualTypeOf<(typeof DIRECTIONS)[number] | undefined>();
    expectTypeOf<ConversationQuery['order']>().toEqualTypeOf<'asc' | 'desc'>();
    expectTypeOf<ConversationQuery['date_from']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<StatsQuery['granularity']>().toEqualTypeOf<'day' | 'week'>();
  });

  test('the send body: phone and message required, media optional; the idempotency key optional', () => {
    expectTypeOf<SendBody>().toEqualTypeOf<{ phone: string; message: string; media_url?: string; filename?: string }>();
    expectTypeOf<SendHeaders>().toEqualTypeOf<{ 'idempotency-key'?: string }>();
  });

  test('no parameter beyond the schema is accepted by the types (additionalProperties: false)', () => {
    expectTypeOf<HistoryQuery>().not.toHaveProperty('page');
  });
});
