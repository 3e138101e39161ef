/**
 * Contract: least privilege. The Gateway user (WhatsApp / Gateway only) may create, read and write
 * messages, find contacts through the addon's lookup method only (id, name, phone, mobile and WhatsApp
 * user id of non-private contacts: it cannot read res.partner itself), attach media to a message — and
 * nothing else: it reads no attachment. A user without groups may log in but do nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PARTNER_LOOKUP_METHOD } from '../../src/odoo/repositories/partner-repository.js';
import { ATTACHMENT, HISTORY, historyValues, newId, odooError, PARTNER, setupContractEnv } from './harness.js';

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
    expect(error.message).toContain('Administration/Settings');
    expect(await env.admin.searchCount(HISTORY, [['id', '=', messageId]])).toBe(1);
  });

  test('cannot read contacts itself: not one field, not even a count', async () => {
    const refusals = [
      () => env.gateway.searchRead(PARTNER, [['id', '=', contactId]], { fields: ['name'] }),
      () => env.gateway.searchCount(PARTNER, []),
      () => env.gateway.call(PARTNER, 'read', [[contactId], ['email']]),
      () => env.gateway.call(PARTNER, 'name_search', [`Contact ${env.tag}`]),
    ];
    for (const refused of refusals) {
      const error = await odooError(refused);
      expect(error.kind).toBe('access');
      expect(error.message).toMatch(/^Sorry, you are not allowed to access documents of type 'Contact' \(res\.partner\)\./);
    }
  });

  test('finds contacts through the lookup: five fields, no private address', async () => {
    // A private address holding the same number (admin can create one but not read it back).
    const home = await env.admin.create(PARTNER, { name: `Home 2 ${env.tag}`, email: `${env.tag}-home2@example.test`, type: 'private', mobile: '+6281300000001' });
    env.track(PARTNER, home);
    const rows = await env.gateway.call(PARTNER, PARTNER_LOOKUP_METHOD, [['81300000001'], []]);
    expect(rows).toEqual([{ id: contactId, name: `Contact ${env.tag}`, phone: '+6281300000001', mobile: false, whatsapp_user_id: false }]);
  });

  test('a message linked to a contact teaches the contact its WhatsApp user id (the gateway cannot write contacts)', async () => {
    const userId = `US.${Date.now()}${Math.floor(Math.random() * 1000)}`;
    await env.gateway.create(HISTORY, historyValues(env, { partner_id: contactId, whatsapp_user_id: userId }));
    const rows = await env.gateway.call<{ id: number; whatsapp_user_id: string }[]>(PARTNER, PARTNER_LOOKUP_METHOD, [[], [userId]]);
    expect(rows?.map((r) => [r.id, r.whatsapp_user_id])).toEqual([[contactId, userId]]);
  });

  test.each<[string, unknown[]]>([
    ['a LIKE wildcard', [['%'], []]],
    ['a number too short to be one', [['123'], []]],
    ['a string instead of a list', ['81300000001', []]],
    ['a user id that is not one', [[], ["US.1' OR '1'='1"]]],
    ['more than 100 keys', [Array.from({ length: 101 }, (_, i) => String(100000 + i)), []]],
  ])('the lookup refuses %s', async (_case, args) => {
    const error = await odooError(() => env.gateway.call(PARTNER, PARTNER_LOOKUP_METHOD, args));
    expect(error.kind).toBe('validation');
  });

  test('may not create or change contacts', async () => {
    const create = await odooError(() => env.gateway.create(PARTNER, { name: `Nope ${env.tag}`, email: `${env.tag}-nope@example.test` }));
    expect(create.kind).toBe('access');
    expect(create.message).toMatch(/^Sorry, you are not allowed to create documents of type 'Contact' \(res\.partner\)\./);
    // A contact's write() reads the tracked values first: refused for want of read.
    const write = await odooError(() => env.gateway.write(PARTNER, [contactId], { phone: '+1' }));
    expect(write.kind).toBe('access');
    expect(write.message).toMatch(/^Sorry, you are not allowed to access documents of type 'Contact' \(res\.partner\)\..*\(Operation: read, User: \d+\)$/s);
  });

  test('attaches media to a message; the message names it, only an employee reads it', async () => {
    const content = Buffer.from('not really a jpeg').toString('base64');
    const attachmentId = await env.gateway.create(ATTACHMENT, {
      name: `${env.tag}-photo.jpg`,
      datas: content,
      mimetype: 'image/jpeg',
      res_model: HISTORY,
      res_id: messageId,
    });
    await env.gateway.write(HISTORY, [messageId], { attachment_id: attachmentId, media_mimetype: 'image/jpeg' });
    // Odoo names a many2one's value as superuser: the REST API shows it without read on attachments.
    const [message] = await env.gateway.searchRead(HISTORY, [['id', '=', messageId]], { fields: ['attachment_id'] });
    expect(message?.attachment_id).toEqual([attachmentId, `${env.tag}-photo.jpg`]);
    const [attachment] = await env.admin.searchRead(ATTACHMENT, [['id', '=', attachmentId]], {
      fields: ['name', 'datas', 'mimetype', 'res_model', 'res_id', 'file_size', 'public'],
    });
    expect(attachment).toEqual({
      id: attachmentId,
      name: `${env.tag}-photo.jpg`,
      datas: content,
      mimetype: 'image/jpeg',
      res_model: HISTORY,
      res_id: messageId,
      file_size: 17,
      public: false,
    });
  });

  test('attach_media creates and links the attachment in one call, once: a repeated call returns the same one', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env));
    const content = Buffer.from('JPEG once').toString('base64');
    const first = await env.gateway.call<number>(HISTORY, 'attach_media', [[id], `${env.tag}-once.jpg`, content, 'image/jpeg', 'once.jpg']);
    expect(first).toEqual(expect.any(Number));
    env.track(ATTACHMENT, first as number);
    // The retry after a lost answer: same attachment, nothing new (the gateway cannot read attachments to check).
    const again = await env.gateway.call<number>(HISTORY, 'attach_media', [[id], `${env.tag}-once.jpg`, content, 'image/jpeg', 'once.jpg']);
    expect(again).toBe(first);
    const [message] = await env.gateway.searchRead(HISTORY, [['id', '=', id]], { fields: ['attachment_id', 'media_mimetype', 'media_filename'] });
    expect(message).toEqual({ id, attachment_id: [first, `${env.tag}-once.jpg`], media_mimetype: 'image/jpeg', media_filename: 'once.jpg' });
    const stored = await env.admin.searchRead(ATTACHMENT, [['res_model', '=', HISTORY], ['res_id', '=', id]], { fields: ['name', 'datas', 'mimetype'] });
    expect(stored).toEqual([{ id: first, name: `${env.tag}-once.jpg`, datas: content, mimetype: 'image/jpeg' }]);
  });

  test('attach_media without a mimetype leaves it to Odoo, and leaves the message’s media fields alone', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env));
    const attachmentId = await env.gateway.call<number>(HISTORY, 'attach_media', [[id], `${env.tag}-plain.txt`, Buffer.from('hello').toString('base64'), false, false]);
    env.track(ATTACHMENT, attachmentId as number);
    const [message] = await env.gateway.searchRead(HISTORY, [['id', '=', id]], { fields: ['attachment_id', 'media_mimetype', 'media_filename'] });
    expect(message).toEqual({ id, attachment_id: [attachmentId, `${env.tag}-plain.txt`], media_mimetype: false, media_filename: false });
    const [stored] = await env.admin.searchRead(ATTACHMENT, [['id', '=', attachmentId]], { fields: ['mimetype'] });
    expect(stored?.mimetype).toBe('text/plain');
  });

  test('attach_media on a message deleted meanwhile is refused as missing, and stores nothing', async () => {
    const goneId = await env.admin.create(HISTORY, historyValues(env));
    await env.admin.call(HISTORY, 'unlink', [[goneId]]);
    const error = await odooError(() => env.gateway.call(HISTORY, 'attach_media', [[goneId], `${env.tag}-gone.jpg`, 'aGk=', 'image/jpeg', false]));
    expect(error.kind).toBe('missing');
    expect(error.message).toMatch(/^Record does not exist or has been deleted\.\n\(Record: whatsapp\.history\(\d+,\), User: \d+\)$/);
    expect(await env.admin.searchCount(ATTACHMENT, [['name', '=', `${env.tag}-gone.jpg`]])).toBe(0);
  });

  test('an HTML attachment is stored as text/plain (Odoo protects non-admins from stored XSS)', async () => {
    const attachmentId = await env.gateway.create(ATTACHMENT, {
      name: `${env.tag}-page.html`,
      datas: Buffer.from('<b>hi</b>').toString('base64'),
      mimetype: 'text/html',
      res_model: HISTORY,
      res_id: messageId,
    });
    const [row] = await env.admin.searchRead(ATTACHMENT, [['id', '=', attachmentId]], { fields: ['mimetype'] });
    expect(row?.mimetype).toBe('text/plain');
  });

  test("may not read a contact's attachment, though it finds the contact", async () => {
    const passportId = await env.admin.create(ATTACHMENT, {
      name: `${env.tag}-passport.pdf`,
      datas: Buffer.from('%PDF-1.4 passport scan').toString('base64'),
      res_model: PARTNER,
      res_id: contactId,
    });
    const found = await env.gateway.call<{ id: number }[]>(PARTNER, PARTNER_LOOKUP_METHOD, [['81300000001'], []]);
    expect(found?.map((r) => r.id)).toEqual([contactId]);
    const refusals = [
      () => env.gateway.call(ATTACHMENT, 'read', [[passportId], ['name', 'datas']]),
      () => env.gateway.searchRead(ATTACHMENT, [['res_model', '=', PARTNER], ['res_id', '=', contactId]], { fields: ['datas'] }),
      () => env.gateway.searchCount(ATTACHMENT, []),
      () => env.gateway.readGroup(ATTACHMENT, [], ['res_model'], ['res_model']),
      () => env.gateway.call(ATTACHMENT, 'name_get', [[passportId]]),
    ];
    for (const refused of refusals) {
      const error = await odooError(refused);
      expect(error.kind).toBe('access');
      // Reading the attachment itself checks the contact it belongs to first: refused there.
      expect(error.message).toMatch(/^Sorry, you are not allowed to access documents of type '(Attachment' \(ir\.attachment\)|Contact' \(res\.partner\))\./);
      expect(error.message).toMatch(/\(Operation: read, User: \d+\)$/);
    }
  });

  test('may not read, change or delete even the media it stored', async () => {
    const attachmentId = await env.gateway.create(ATTACHMENT, {
      name: `${env.tag}-voice.ogg`,
      datas: Buffer.from('OggS').toString('base64'),
      mimetype: 'audio/ogg',
      res_model: HISTORY,
      res_id: messageId,
    });
    const read = await odooError(() => env.gateway.call(ATTACHMENT, 'read', [[attachmentId], ['datas']]));
    expect(read.message).toMatch(/^Sorry, you are not allowed to access documents of type 'Attachment'/);
    const write = await odooError(() => env.gateway.write(ATTACHMENT, [attachmentId], { name: `${env.tag}-renamed.ogg` }));
    expect(write.message).toMatch(/^Sorry, you are not allowed to modify documents of type 'Attachment'/);
    // ir.attachment.unlink() reads the file's location first: refused for want of read.
    const unlink = await odooError(() => env.gateway.call(ATTACHMENT, 'unlink', [[attachmentId]]));
    expect(unlink.kind).toBe('access');
    expect(unlink.message).toMatch(/^Sorry, you are not allowed to access documents of type 'Attachment'.*\(Operation: read, User: \d+\)$/s);
    const [kept] = await env.admin.searchRead(ATTACHMENT, [['id', '=', attachmentId]], { fields: ['name'] });
    expect(kept?.name).toBe(`${env.tag}-voice.ogg`);
  });

  test.each<[string, () => Record<string, unknown>]>([
    ['belongs to no record', () => ({})],
    ['names no message', () => ({ res_model: HISTORY })],
    ['is public (anybody could download it)', () => ({ res_model: HISTORY, res_id: messageId, public: true })],
  ])('may not create an attachment that %s', async (_case, target) => {
    const name = `${env.tag}-${newId()}.txt`;
    const error = await odooError(() => env.gateway.create(ATTACHMENT, { name, datas: 'aGk=', ...target() }));
    expect(error.kind).toBe('access');
    expect(error.message).toBe(
      'The requested operation cannot be completed due to security restrictions. Please contact your system administrator.\n\n(Document type: "Attachment" (ir.attachment), Operation: create)',
    );
    expect(await env.admin.searchCount(ATTACHMENT, [['name', '=', name]])).toBe(0);
  });

  test('may not attach a file to a contact (that would need write access to it)', async () => {
    const error = await odooError(() =>
      env.gateway.create(ATTACHMENT, { name: `${env.tag}-on-contact.txt`, datas: 'aGk=', res_model: PARTNER, res_id: contactId }),
    );
    expect(error.kind).toBe('access');
    expect(error.message).toMatch(/^Sorry, you are not allowed to modify documents of type 'Contact' \(res\.partner\)\./);
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

  test('may not read contacts, nor look them up', async () => {
    const error = await odooError(() => env.noRights.searchRead(PARTNER, [['id', '=', contactId]], { fields: ['name'] }));
    expect(error.kind).toBe('access');
    const lookup = await odooError(() => env.noRights.call(PARTNER, PARTNER_LOOKUP_METHOD, [['81300000001'], []]));
    expect(lookup.kind).toBe('access');
  });

  test('may not attach a file to a message (Odoo asks for write access to the message first)', async () => {
    const error = await odooError(() =>
      env.noRights.create(ATTACHMENT, { name: `${env.tag}-no.txt`, datas: 'aGk=', res_model: HISTORY, res_id: messageId }),
    );
    expect(error.kind).toBe('access');
    expect(error.message).toMatch(/^Sorry, you are not allowed to modify documents of type 'WhatsApp Message' \(whatsapp\.history\)\./);
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
