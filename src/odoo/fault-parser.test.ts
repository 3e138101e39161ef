import { describe, expect, test } from 'vitest';
import captured from '../../test/odoo-double/fixtures/odoo13-faults.json' with { type: 'json' };
import { isNoneResultFault, parseOdooFault, tracebackExceptions, unwrapExceptionArgs } from './fault-parser.js';

const real = captured.faults;

/** A faultCode-1 traceback as Odoo 13 formats it, optionally chained to a database error. */
const traceback = (last: string, cause?: string) =>
  (cause
    ? `Traceback (most recent call last):\n  File "/opt/odoo/odoo/sql_db.py", line 240, in execute\n    res = self._obj.execute(query, params)\n${cause}\n\nDuring handling of the above exception, another exception occurred:\n\n`
    : '') +
  `Traceback (most recent call last):\n  File "/opt/odoo/odoo/service/model.py", line 115, in wrapper\n    raise ValidationError(tr(key, 'sql_constraint') or inst.pgerror)\n${last}\n`;

describe('parseOdooFault on faults captured from the real Odoo 13', () => {
  test.each([
    ['unique', 'unique', 'whatsapp_history_provider_message_uniq', 'whatsapp_history_provider_message_uniq'],
    ['unique_lang', 'unique', 'This provider message is already stored (same provider and provider message id).', 'whatsapp_history_provider_message_uniq'],
    ['check', 'validation', 'res_partner_check_name', undefined],
    ['selection', 'internal', "ValueError: Wrong value for whatsapp.history.direction: 'bogus'", undefined],
    ['missing', 'missing', 'Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)', undefined],
  ] as const)('%s → %s', (name, kind, message, constraint) => {
    const fault = real[name];
    const parsed = parseOdooFault(fault.faultCode, fault.faultString);
    expect(parsed.kind).toBe(kind);
    expect(parsed.message).toBe(message);
    expect(parsed.constraint).toBe(constraint);
  });

  test('NOT NULL names model and field', () => {
    const parsed = parseOdooFault(real.not_null.faultCode, real.not_null.faultString);
    expect(parsed).toMatchObject({ kind: 'validation', exceptionName: 'odoo.exceptions.ValidationError' });
    expect(parsed.message).toContain('Model: WhatsApp Message (whatsapp.history), Field: Direction (direction)');
    expect(parsed.message).toContain('\n- Create/update: a mandatory field is not set.');
  });

  test('the None answer is recognised as success', () => {
    expect(isNoneResultFault(real.none.faultCode, real.none.faultString)).toBe(true);
    expect(isNoneResultFault(real.selection.faultCode, real.selection.faultString)).toBe(false);
  });
});

describe('parseOdooFault by fault code', () => {
  test.each([
    [3, 'Access denied', 'authentication', 'Access denied'],
    [4, "(\"Sorry, you are not allowed to create documents of type 'Contact' (res.partner). This operation is allowed for the groups:\\n\\t- Extra Rights/Contact Creation - (Operation: create, User: 7)\", None)", 'access', "Sorry, you are not allowed to create documents of type 'Contact' (res.partner). This operation is allowed for the groups:\n\t- Extra Rights/Contact Creation - (Operation: create, User: 7)"],
    [4, "('Private methods (such as _search) cannot be called remotely.', None)", 'access', 'Private methods (such as _search) cannot be called remotely.'],
    [2, "Object no.model doesn't exist", 'user', "Object no.model doesn't exist"],
    [2, '(Draft) orders cannot be confirmed', 'user', '(Draft) orders cannot be confirmed'],
    [2, "('Record does not exist or has been deleted.\\n(Record: whatsapp.history(9,), User: 2)', None)", 'missing', 'Record does not exist or has been deleted.\n(Record: whatsapp.history(9,), User: 2)'],
  ] as const)('faultCode %i %s → %s', (code, text, kind, message) => {
    expect(parseOdooFault(code, text)).toMatchObject({ kind, message });
  });
});

describe('parseOdooFault on tracebacks (faultCode 1)', () => {
  test.each([
    [
      'UniqueViolation (psycopg2 ≥ 2.8)',
      traceback("odoo.exceptions.ValidationError: ('Already stored', None)", 'psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint "whatsapp_history_provider_message_uniq"\nDETAIL:  Key (provider, provider_message_id)=(meta, x) already exists.\n'),
      { kind: 'unique', message: 'Already stored', constraint: 'whatsapp_history_provider_message_uniq' },
    ],
    [
      'UniqueViolation with a translated server message',
      traceback("odoo.exceptions.ValidationError: ('Pesan ini sudah tersimpan', None)", 'psycopg2.errors.UniqueViolation: nilai kunci ganda melanggar batasan unik "whatsapp_history_provider_message_uniq"\n'),
      { kind: 'unique', message: 'Pesan ini sudah tersimpan', constraint: 'whatsapp_history_provider_message_uniq' },
    ],
    [
      'IntegrityError (psycopg2 < 2.8)',
      traceback("odoo.exceptions.ValidationError: ('x_uniq', None)", 'psycopg2.IntegrityError: duplicate key value violates unique constraint "x_uniq"\nDETAIL:  Key (a)=(b) already exists.\n'),
      { kind: 'unique', constraint: 'x_uniq' },
    ],
    [
      'a check constraint is not unique',
      traceback("odoo.exceptions.ValidationError: ('res_partner_check_name', None)", 'psycopg2.errors.CheckViolation: new row for relation "res_partner" violates check constraint "res_partner_check_name"\n'),
      { kind: 'validation', message: 'res_partner_check_name' },
    ],
    [
      'a foreign key is not unique',
      traceback("odoo.exceptions.ValidationError: ('The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\\n\\nModel: WhatsApp Message (whatsapp.history), Constraint: whatsapp_history_partner_id_fkey', None)", 'psycopg2.errors.ForeignKeyViolation: insert or update on table "whatsapp_history" violates foreign key constraint "whatsapp_history_partner_id_fkey"\n'),
      { kind: 'validation' },
    ],
    [
      'a Python constraint mentioning "unique" is still validation',
      traceback("odoo.exceptions.ValidationError: ('The phone must be unique per device', None)"),
      { kind: 'validation', message: 'The phone must be unique per device' },
    ],
    ['a UserError raised in a deferred call', traceback("odoo.exceptions.UserError: ('Nope', '')"), { kind: 'user', message: 'Nope' }],
    ['MissingError', traceback("odoo.exceptions.MissingError: ('Gone', None)"), { kind: 'missing', message: 'Gone' }],
    ['AccessError', traceback("odoo.exceptions.AccessError: ('No', None)"), { kind: 'access', message: 'No' }],
    ['a lost database connection is retryable', traceback('psycopg2.OperationalError: could not connect to server: Connection refused\n\tIs the server running on host "db"?\n'), { kind: 'unavailable' }],
    ['a serialization failure after Odoo’s own retries', traceback('psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update\n'), { kind: 'unavailable' }],
    ['an unknown database is configuration', traceback('psycopg2.OperationalError: FATAL:  database "nope" does not exist\n'), { kind: 'internal', message: 'psycopg2.OperationalError: FATAL:  database "nope" does not exist' }],
    ['Odoo using a closed cursor is not an outage', traceback('psycopg2.OperationalError: Unable to use a closed cursor.'), { kind: 'internal' }],
    ['a bare Python error keeps its class', traceback("KeyError: 'nosuch'"), { kind: 'internal', message: "KeyError: 'nosuch'", exceptionName: 'KeyError' }],
    ['not a traceback at all', 'something odd happened', { kind: 'internal', message: 'something odd happened' }],
  ])('%s', (_name, text, expected) => {
    expect(parseOdooFault(1, text)).toMatchObject(expected);
  });
});

describe('unwrapExceptionArgs', () => {
  test.each([
    ["('plain', None)", 'plain'],
    ['("it\'s", None)', "it's"],
    ["('both \\' and \"', None)", 'both \' and "'],
    ["('line\\nbreak\\ttab \\\\ back', None)", 'line\nbreak\ttab \\ back'],
    ["('nbsp\\xa0zwsp\\u200bemoji\\U0001f600', None)", 'nbsp\u00a0zwsp\u200bemoji😀'],
    ["('user error', '')", 'user error'],
    ['not a tuple', 'not a tuple'],
    ["('a', 'b', 'c')", "('a', 'b', 'c')"],
  ])('%s', (text, expected) => {
    expect(unwrapExceptionArgs(text)).toBe(expected);
  });
});

test('tracebackExceptions lists chained exceptions, the one Odoo raised last', () => {
  const chain = tracebackExceptions(real.unique.faultString);
  expect(chain.map((e) => e.name)).toEqual(['psycopg2.errors.UniqueViolation', 'odoo.exceptions.ValidationError']);
  expect(chain[0]?.message).toContain('DETAIL:  Key (provider, provider_message_id)=(fonnte, fx-1) already exists.');
});
