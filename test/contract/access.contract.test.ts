/**
 * Contract: least privilege. The Gateway user (WhatsApp / Gateway only) may create, read and write
 * messages, read contacts (not private addresses), create and read media attachments — and nothing
 * else. A user without groups may log in but do nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ATTACHMENT, HISTORY, historyValues, odooError, PARTNER, setupContractEnv } from './harness.js';

const env = await setupContractEnv(import.meta.url);
afterAll(() => env.close());

let messageId = 0;
let contactId = 0;
let privateId = 0;

beforeAll(async () => {
  messageId = await env.admin.create(HISTORY, historyValues(env));
  contactId = await env.admin.create(PARTNER, { name: `Contact ${env.tag}`, email: `${env.tag}-contact@example.test`, phone: '+6281300000001' });
  privateId = await env.admin.create(PARTNER, { name: `Home ${env.tag}`, email: `${env.tag}-home@example.test`, type: 'private' });
  // Even admin (an employee without "Access to Private Addresses") cannot find it to clean up: by id.
  env.track(PARTNER, privateId);
});

describe('the Gateway user', () => {
  test('creates, reads and updates messages', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env));
    expect(await env.gateway.write(HISTORY, [id], { state: 'read' })).toBe(true);
    expect(await env.gateway.searchCount(HISTORY, [['id', 'in', [id, messageId]]])).toBe(2);
    expect(await env.gateway.readGroup(HISTORY, [['id', '=', id]], ['state'], ['state'])).toHaveLength(1);
  });

  test('may not delete messages', async () => {
    const error = await odooError(() => env.gateway.call(HISTORY, 'unlink', [[messageId]]));
    expect(error.kind).toBe('access');
    expect(error.faultCode).toBe(4);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^Sorry, you are not allowed to delete documents of type 'WhatsApp Message' \(whatsapp\.history\)\./);
    expect(error.message).toContain('WhatsApp/Manager');
    expect(await env.admin.searchCount(HISTORY, [['id', '=', messageId]])).toBe(1);
  });

  test('reads contacts, but not private addresses', async () => {
    const rows = await env.gateway.searchRead(PARTNER, [['email', '=like', `${env.tag}%`]], { fields: ['name', 'display_name', 'phone', 'mobile'] });
    expect(rows).toEqual([{ id: contactId, name: `Contact ${env.tag}`, display_name: `Contact ${env.tag}`, phone: '+6281300000001', mobile: false }]);
    expect(privateId).toBeGreaterThan(0);
    expect(await env.gateway.searchCount(PARTNER, [['id', '=', privateId]])).toBe(0);
  });

  test('may not create or change contacts', async () => {
    const create = await odooError(() => env.gateway.create(PARTNER, { name: `Nope ${env.tag}`, email: `${env.tag}-nope@example.test` }));
    expect(create.kind).toBe('access');
    expect(create.message).toMatch(/^Sorry, you are not allowed to create documents of type 'Contact' \(res\.partner\)\./);
    const write = await odooError(() => env.gateway.write(PARTNER, [contactId], { phone: '+1' }));
    expect(write.kind).toBe('access');
    expect(write.message).toMatch(/^Sorry, you are not allowed to modify documents of type 'Contact' \(res\.partner\)\./);
  });

  test('stores media as an attachment of a message and reads it back', async () => {
    const content = Buffer.from('not really a jpeg').toString('base64');
    const attachmentId = await env.gateway.create(ATTACHMENT, {
      name: `${env.tag}-photo.jpg`,
      datas: content,
      mimetype: 'image/jpeg',
      res_model: HISTORY,
      res_id: messageId,
    });
    await env.gateway.write(HISTORY, [messageId], { attachment_id: attachmentId, media_mimetype: 'image/jpeg' });
    const [attachment] = await env.gateway.searchRead(ATTACHMENT, [['id', '=', attachmentId]], {
      fields: ['name', 'datas', 'mimetype', 'res_model', 'res_id', 'file_size'],
    });
    expect(attachment).toEqual({
      id: attachmentId,
      name: `${env.tag}-photo.jpg`,
      datas: content,
      mimetype: 'image/jpeg',
      res_model: HISTORY,
      res_id: messageId,
      file_size: 17,
    });
    const [message] = await env.gateway.searchRead(HISTORY, [['id', '=', messageId]], { fields: ['attachment_id'] });
    expect(message?.attachment_id).toEqual([attachmentId, `${env.tag}-photo.jpg`]);
  });

  test('an HTML attachment is stored as text/plain (Odoo protects non-admins from stored XSS)', async () => {
    const attachmentId = await env.gateway.create(ATTACHMENT, {
      name: `${env.tag}-page.html`,
      datas: Buffer.from('<b>hi</b>').toString('base64'),
      mimetype: 'text/html',
      res_model: HISTORY,
      res_id: messageId,
    });
    const [row] = await env.gateway.searchRead(ATTACHMENT, [['id', '=', attachmentId]], { fields: ['mimetype'] });
    expect(row?.mimetype).toBe('text/plain');
  });

  test('an attachment for a message that no longer exists is refused as an access error (not "missing")', async () => {
    const goneId = await env.admin.create(HISTORY, historyValues(env));
    await env.admin.call(HISTORY, 'unlink', [[goneId]]);
    const error = await odooError(() =>
      env.gateway.create(ATTACHMENT, { name: `${env.tag}-late.jpg`, datas: 'aGk=', mimetype: 'image/jpeg', res_model: HISTORY, res_id: goneId }),
    );
    expect(error.kind).toBe('access');
    expect(error.message).toBe('Sorry, you are not allowed to access this document.');
  });
});

describe('a user without groups', () => {
  test('may not read messages', async () => {
    const error = await odooError(() => env.noRights.searchCount(HISTORY, []));
    expect(error.kind).toBe('access');
    expect(error.message).toMatch(/^Sorry, you are not allowed to access documents of type 'WhatsApp Message' \(whatsapp\.history\)\./);
    expect(error.message).toMatch(/\(Operation: read, User: \d+\)$/);
  });

  test('may not create messages', async () => {
    const error = await odooError(() => env.noRights.create(HISTORY, historyValues(env)));
    expect(error.kind).toBe('access');
    expect(error.message).toContain('not allowed to create documents');
  });

  test('may not read contacts', async () => {
    const error = await odooError(() => env.noRights.searchRead(PARTNER, [['id', '=', contactId]], { fields: ['name'] }));
    expect(error.kind).toBe('access');
  });

  test('may not group messages', async () => {
    const error = await odooError(() => env.noRights.readGroup(HISTORY, [], ['state'], ['state']));
    expect(error.kind).toBe('access');
  });
});

describe('remote calls', () => {
  test('private methods cannot be called', async () => {
    const error = await odooError(() => env.admin.call(HISTORY, '_create', [[]]));
    expect(error.kind).toBe('access');
    expect(error.message).toBe('Private methods (such as _create) cannot be called remotely.');
  });

  test('an unknown model is a user error', async () => {
    const error = await odooError(() => env.admin.searchCount('no.such.model', []));
    expect(error.kind).toBe('user');
    expect(error.message).toBe("Object no.such.model doesn't exist");
  });

  test('a method that returns None succeeds with null (Odoo cannot marshal None)', async () => {
    expect(await env.gateway.call(HISTORY, 'flush', [[]])).toBeNull();
  });
});
