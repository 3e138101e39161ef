/**
 * Contacts without a number (#9): messages identified by a WhatsApp user id (BSUID) are stored, linked
 * to the partner that remembers the id, and changes of number or user id keep one partner; a status
 * naming the recipient's user id teaches it to the outgoing record. Writer → Odoo double.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { MessageEvent } from '../../src/domain/message.js';
import { inbound, startRig, status, type Rig } from './support.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const BUDI_ID = 'US.13491208655302741918';
const NEW_ID = 'US.99887766554433221100';
const metaMessage = (id: string, extra: Partial<MessageEvent>) => inbound(id, { provider: 'meta', ...extra });
const stored = (r: Rig, id: string) => r.history().find((row) => row.provider_message_id === id);
const partnerRow = (r: Rig, id: number) => r.double.records('res.partner').find((p) => p.id === id);

describe('messages without a number', () => {
  test('a message with only a user id is stored with it, its username and parent id; no number', async () => {
    rig = await startRig();
    rig.spool.enqueue([metaMessage('wamid.U1', { phone: null, userId: BUDI_ID, parentUserId: 'US.ENT.1122', username: 'budi.bali' })]);
    await rig.writer.runOnce();
    expect(stored(rig, 'wamid.U1')).toMatchObject({
      phone: null,
      whatsapp_user_id: BUDI_ID,
      whatsapp_parent_user_id: 'US.ENT.1122',
      whatsapp_username: 'budi.bali',
      partner_id: null,
    });
    expect(rig.spool.stats().pending).toBe(0);
  });

  test('a partner linked by number remembers the user id; a later message without a number finds it', async () => {
    rig = await startRig();
    const [partnerId] = rig.double.seed('res.partner', [{ name: 'Budi Santoso', mobile: '0812-9999-0000' }]);
    rig.spool.enqueue([metaMessage('wamid.P1', { phone: '+6281299990000', userId: BUDI_ID })]);
    await rig.writer.runOnce();
    expect(stored(rig, 'wamid.P1')).toMatchObject({ partner_id: partnerId, whatsapp_user_id: BUDI_ID });
    expect(partnerRow(rig, partnerId as number)).toMatchObject({ whatsapp_user_id: BUDI_ID });

    rig.spool.enqueue([metaMessage('wamid.P2', { phone: null, userId: BUDI_ID })]);
    await rig.writer.runOnce();
    expect(stored(rig, 'wamid.P2')).toMatchObject({ phone: null, partner_id: partnerId });
  });

  test('the user id wins over the number when they name different partners (a number can be recycled)', async () => {
    rig = await startRig();
    const [byNumber, byUserId] = rig.double.seed('res.partner', [
      { name: 'New owner of the number', mobile: '+6281299990000' },
      { name: 'Budi', whatsapp_user_id: BUDI_ID },
    ]);
    rig.spool.enqueue([metaMessage('wamid.R1', { phone: '+6281299990000', userId: BUDI_ID })]);
    await rig.writer.runOnce();
    expect(stored(rig, 'wamid.R1')?.partner_id).toBe(byUserId);
    expect(partnerRow(rig, byNumber as number)?.whatsapp_user_id).toBeNull();
  });
});

describe('identity changes', () => {
  test('user_changed_user_id: the notice is stored under the new id with the old one, on the same partner, which now remembers the new id', async () => {
    rig = await startRig();
    const [partnerId] = rig.double.seed('res.partner', [{ name: 'Budi', whatsapp_user_id: BUDI_ID }]);
    rig.spool.enqueue([
      metaMessage('wamid.C1', {
        phone: null,
        userId: BUDI_ID,
        messageType: 'other',
        text: 'User changed their user id',
        identityChange: { previousPhone: null, newPhone: null, previousUserId: BUDI_ID, newUserId: NEW_ID },
      }),
    ]);
    await rig.writer.runOnce();
    expect(stored(rig, 'wamid.C1')).toMatchObject({ whatsapp_user_id: NEW_ID, previous_whatsapp_user_id: BUDI_ID, partner_id: partnerId });
    expect(partnerRow(rig, partnerId as number)?.whatsapp_user_id).toBe(NEW_ID);

    rig.spool.enqueue([metaMessage('wamid.C2', { phone: null, userId: NEW_ID })]);
    await rig.writer.runOnce();
    expect(stored(rig, 'wamid.C2')?.partner_id).toBe(partnerId);
  });

  test('user_changed_number: stored under the new number with the old one, linked to the partner of the old number', async () => {
    rig = await startRig();
    const [partnerId] = rig.double.seed('res.partner', [{ name: 'Budi', mobile: '0812-9999-0000' }]);
    rig.spool.enqueue([
      metaMessage('wamid.N1', {
        phone: '+6281299990000',
        messageType: 'other',
        identityChange: { previousPhone: '+6281299990000', newPhone: '+6281377778888', previousUserId: null, newUserId: null },
      }),
    ]);
    await rig.writer.runOnce();
    expect(stored(rig, 'wamid.N1')).toMatchObject({ phone: '+6281377778888', previous_phone: '+6281299990000', partner_id: partnerId });

    // The partner's form still has the old number; the notice links the new one to it all the same.
    rig.spool.enqueue([metaMessage('wamid.N2', { phone: '+6281377778888' })]);
    await rig.writer.runOnce();
    expect(stored(rig, 'wamid.N2')?.partner_id).toBe(partnerId);
  });
});

describe('statuses naming the recipient by user id', () => {
  test('an outgoing record sent by number learns the recipient user id; one that has it keeps it', async () => {
    rig = await startRig();
    const [sentByNumber, known] = rig.double.seed('whatsapp.history', [
      { phone: '+6281299990000', direction: 'out', state: 'sent', provider: 'meta', provider_message_id: 'wamid.O1', timestamp: '2026-01-29 09:00:00' },
      { phone: false, whatsapp_user_id: NEW_ID, direction: 'out', state: 'sent', provider: 'meta', provider_message_id: 'wamid.O2', timestamp: '2026-01-29 09:00:00' },
    ]);
    rig.spool.enqueue([
      status('wamid.O1', 'delivered', { provider: 'meta', recipientUserId: BUDI_ID }),
      status('wamid.O2', 'delivered', { provider: 'meta', recipientUserId: BUDI_ID }),
    ]);
    await rig.writer.runOnce();
    const rows = rig.history();
    expect(rows.find((r) => r.id === sentByNumber)).toMatchObject({ state: 'delivered', whatsapp_user_id: BUDI_ID });
    expect(rows.find((r) => r.id === known)).toMatchObject({ state: 'delivered', whatsapp_user_id: NEW_ID });
  });
});
