import assert from 'node:assert/strict';
import { encodeMessage } from '../../../src/encoding';
import { deliverSmFields, type DeliverSmFields } from '../../../src/smpp/protocol/deliver-sm';
import { moPartFromDeliverSm } from '../../../src/smpp/protocol/inbound';
import { assertSmsGateError } from '../../encoding/helpers';
import { parseAsPackageDoes, parseKeepingUserData, serialise } from './smpp-package';

function mo(shortMessage: Buffer, extra: Partial<DeliverSmFields> = {}): DeliverSmFields {
  return {
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: '447700900123',
    dest_addr_ton: 0,
    dest_addr_npi: 1,
    destination_addr: '60123',
    esm_class: 0,
    data_coding: 0,
    short_message: shortMessage,
    ...extra,
  };
}

/** GSM7 as SMPP carries it: unpacked septets, the segments' payloads joined. */
const septets = (text: string) =>
  Buffer.concat(encodeMessage(text, { encoding: 'gsm7', maxSegments: 255 }).segments.map((segment) => segment.payload));
const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();

describe('moPartFromDeliverSm', () => {
  it('decodes GSM7 septets and shows an international sender in E.164', () => {
    assert.deepEqual(moPartFromDeliverSm(mo(septets('Hi @ home_{ok}'))), {
      from: '+447700900123',
      to: '60123',
      text: 'Hi @ home_{ok}',
    });
    const national = moPartFromDeliverSm(mo(septets('x'), { source_addr_ton: 2, source_addr: '07700900123', dest_addr_ton: 1, destination_addr: '+447700900999' }));
    assert.equal(national.from, '07700900123');
    assert.equal(national.to, '+447700900999');
  });

  it('takes the concatenation from an 8-bit or a 16-bit UDH reference', () => {
    const udh8 = Buffer.concat([Buffer.from('0500032a0201', 'hex'), septets('part one ')]);
    assert.deepEqual(moPartFromDeliverSm(mo(udh8, { esm_class: 0x40 })), {
      from: '+447700900123',
      to: '60123',
      text: 'part one ',
      concat: { reference: 42, total: 2, sequence: 1 },
    });
    const udh16 = Buffer.concat([Buffer.from('060804123403', 'hex'), Buffer.from([2]), utf16be('две')]);
    const part = moPartFromDeliverSm(mo(udh16, { esm_class: 0x40, data_coding: 8 }));
    assert.equal(part.text, 'две');
    assert.deepEqual(part.concat, { reference: 0x1234, total: 3, sequence: 2 });
  });

  it('takes the concatenation from the SAR TLVs, ignoring impossible ones, and prefers the UDH', () => {
    const sar = { sar_msg_ref_num: 300, sar_total_segments: 2, sar_segment_seqnum: 2 };
    assert.deepEqual(moPartFromDeliverSm(mo(septets('tail'), sar)).concat, { reference: 300, total: 2, sequence: 2 });
    assert.equal(moPartFromDeliverSm(mo(septets('x'), { ...sar, sar_segment_seqnum: 3 })).concat, undefined);
    assert.equal(moPartFromDeliverSm(mo(septets('x'), { ...sar, sar_total_segments: 0 })).concat, undefined);
    assert.equal(moPartFromDeliverSm(mo(septets('x'), { sar_msg_ref_num: 1, sar_total_segments: 2 })).concat, undefined);
    const both = Buffer.concat([Buffer.from('050003070301', 'hex'), septets('x')]);
    assert.deepEqual(moPartFromDeliverSm(mo(both, { ...sar, esm_class: 0x40 })).concat, { reference: 7, total: 3, sequence: 1 });
  });

  it('reads message_payload when short_message is empty, a UDH included', () => {
    const long = 'A long message sent in one piece. '.repeat(10);
    assert.equal(moPartFromDeliverSm(mo(Buffer.alloc(0), { message_payload: septets(long) })).text, long);
    const withUdh = Buffer.concat([Buffer.from('050003090201', 'hex'), utf16be('Привет')]);
    const part = moPartFromDeliverSm(mo(Buffer.alloc(0), { message_payload: withUdh, esm_class: 0x40, data_coding: 8 }));
    assert.equal(part.text, 'Привет');
    assert.deepEqual(part.concat, { reference: 9, total: 2, sequence: 1 });
    // short_message wins when it is not empty.
    assert.equal(moPartFromDeliverSm(mo(septets('short'), { message_payload: septets('payload') })).text, 'short');
  });

  it('decodes UCS-2 (surrogate pairs too), Latin-1 and national shift tables', () => {
    assert.equal(moPartFromDeliverSm(mo(utf16be('Привет 😀'), { data_coding: 8 })).text, 'Привет 😀');
    assert.equal(moPartFromDeliverSm(mo(Buffer.from('café', 'latin1'), { data_coding: 3 })).text, 'café');
    const turkish = Buffer.concat([Buffer.from('03250101', 'hex'), Buffer.from([0x1d])]); // locking shift: ş
    assert.equal(moPartFromDeliverSm(mo(turkish, { esm_class: 0x40 })).text, 'ş');
  });

  it('refuses user data that does not decode, naming the field', () => {
    const odd = assertSmsGateError(() => moPartFromDeliverSm(mo(Buffer.from([0x04, 0x1f, 0x04]), { data_coding: 8 })), 'USER_DATA_INVALID');
    assert.equal(odd.field, 'short_message');
    assert.match(odd.message, /^deliver_sm short_message: UCS-2/);
    const badUdh = assertSmsGateError(
      () => moPartFromDeliverSm(mo(Buffer.alloc(0), { message_payload: Buffer.from('0900', 'hex'), esm_class: 0x40 })),
      'USER_DATA_INVALID',
    );
    assert.equal(badUdh.field, 'message_payload');
    const jis = assertSmsGateError(() => moPartFromDeliverSm(mo(Buffer.from('x'), { data_coding: 0x05 })), 'USER_DATA_INVALID');
    assert.equal(jis.field, 'data_coding');
    assert.ok(jis.cause instanceof Error);
  });
});

describe('deliverSmFields with the smpp package', () => {
  const udh = Buffer.from('0500032a0201', 'hex');
  const shortMessage = Buffer.concat([udh, Buffer.from([0x5f, 0x02, 0x1b, 0x65])]); // §, $, ESC €
  const octets = serialise('deliver_sm', {
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: '447700900123',
    destination_addr: '60123',
    esm_class: 0x40,
    data_coding: 0,
    short_message: shortMessage,
    sar_msg_ref_num: 300,
  });

  it('takes the PDU the package parsed with user data kept raw, octet for octet', () => {
    const fields = deliverSmFields(parseKeepingUserData(octets));
    assert.deepEqual(fields, {
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '447700900123',
      dest_addr_ton: 0,
      dest_addr_npi: 0,
      destination_addr: '60123',
      esm_class: 0x40,
      data_coding: 0,
      short_message: shortMessage,
      sar_msg_ref_num: 300,
    } satisfies DeliverSmFields);
    assert.deepEqual(moPartFromDeliverSm(fields), {
      from: '+447700900123',
      to: '60123',
      text: '§$€',
      concat: { reference: 42, total: 2, sequence: 1 },
    });
  });

  it('refuses the PDU the package decoded itself, saying why', () => {
    const decoded = parseAsPackageDoes(octets);
    // The package's own reading: the IEs without the UDHL, and text through its GSM table.
    assert.deepEqual(decoded.short_message, { udh: [udh.subarray(1)], message: '§$€' });
    const error = assertSmsGateError(() => deliverSmFields(decoded), 'USER_DATA_INVALID', /smpp package decoded it/);
    assert.equal(error.field, 'short_message');
  });

  it('names a field that is missing or of the wrong kind', () => {
    const fields = { ...parseKeepingUserData(octets) };
    assert.equal(assertSmsGateError(() => deliverSmFields({ ...fields, esm_class: '64' }), 'USER_DATA_INVALID').field, 'esm_class');
    assert.equal(assertSmsGateError(() => deliverSmFields({ ...fields, source_addr: undefined }), 'USER_DATA_INVALID').field, 'source_addr');
    const payload = assertSmsGateError(() => deliverSmFields({ ...fields, message_payload: { message: 'x' } }), 'USER_DATA_INVALID');
    assert.equal(payload.field, 'message_payload');
  });

  it('reads a data_sm, whose user data is in message_payload', () => {
    const dataSm = serialise('data_sm', {
      source_addr_ton: 1,
      source_addr: '447700900123',
      destination_addr: '60123',
      esm_class: 0,
      data_coding: 8,
      message_payload: Buffer.from('00480069', 'hex'),
    });
    const fields = deliverSmFields(parseKeepingUserData(dataSm));
    assert.equal(fields.short_message.length, 0);
    assert.deepEqual(moPartFromDeliverSm(fields), { from: '+447700900123', to: '60123', text: 'Hi' });
  });
});
