import assert from 'node:assert/strict';
import { encodeMessage, parseUdh, type EncodeOptions } from '../../../src/encoding';
import { buildSubmitPdus, type SubmitOptions, type SubmitSmFields } from '../../../src/smpp/protocol/submit';
import type { OutboundMessage } from '../../../src/transport/types';
import { assertSmsGateError } from '../../encoding/helpers';
import { serialise } from './smpp-package';

const VALID_UNTIL = Date.UTC(2026, 0, 2, 3, 4, 5, 678); // 260102030405600+

function outbound(text: string, encode: EncodeOptions = {}, overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id: 'm1',
    recipient: { input: '07700 900123', e164: '+447700900123', country: 'GB', type: 'MOBILE', carrier: null },
    sender: { kind: 'alphanumeric', address: 'smsgate', ton: 5, npi: 0 },
    encoded: encodeMessage(text, { reference: 0x42, ...encode }),
    deliveryReport: true,
    validUntil: VALID_UNTIL,
    priority: 1,
    scheduledAt: null,
    ...overrides,
  };
}

const UDH: SubmitOptions = { longMessages: 'udh', dataCoding: 'default' };
const SAR: SubmitOptions = { longMessages: 'sar', dataCoding: 'default' };
const PAYLOAD: SubmitOptions = { longMessages: 'payload', dataCoding: 'default' };

const hex = (buffer: Buffer | undefined) => buffer?.toString('hex');
const digits = '0123456789'.repeat(20); // 200 GSM7 septets: 153 + 47 in two segments

describe('buildSubmitPdus', () => {
  it('fills every field of a one-segment GSM7 message, and the smpp package writes it octet for octet', () => {
    const [fields, ...more] = buildSubmitPdus(outbound('Hello'), UDH);
    assert.equal(more.length, 0);
    assert.deepEqual(fields, {
      service_type: '',
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: 'smsgate',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '447700900123',
      esm_class: 0,
      protocol_id: 0,
      priority_flag: 1,
      schedule_delivery_time: '',
      validity_period: '260102030405600+',
      registered_delivery: 1,
      replace_if_present_flag: 0,
      data_coding: 0,
      sm_default_msg_id: 0,
      short_message: Buffer.from('Hello'),
    } satisfies SubmitSmFields);

    const body = Buffer.concat([
      Buffer.from('00' + '0500', 'hex'),
      Buffer.from('smsgate\0', 'latin1'),
      Buffer.from('0101', 'hex'),
      Buffer.from('447700900123\0', 'latin1'),
      Buffer.from('000001' + '00', 'hex'), // esm_class, protocol_id, priority_flag, schedule_delivery_time
      Buffer.from('260102030405600+\0', 'latin1'),
      Buffer.from('01000000' + '05', 'hex'), // registered_delivery .. sm_default_msg_id, sm_length
      Buffer.from('Hello', 'latin1'),
    ]);
    const header = Buffer.alloc(16);
    header.writeUInt32BE(16 + body.length, 0);
    header.writeUInt32BE(0x00000004, 4);
    assert.equal(hex(serialise('submit_sm', fields)), hex(Buffer.concat([header, body])));
  });

  it('sends extension characters as escape plus septet, and UCS-2 as UTF-16BE with data_coding 8', () => {
    const [gsm] = buildSubmitPdus(outbound('a€{'), UDH);
    assert.equal(hex(gsm.short_message), '611b651b28');
    assert.equal(gsm.data_coding, 0);
    const [ucs2] = buildSubmitPdus(outbound('Привет 😀'), UDH);
    assert.equal(hex(ucs2.short_message), '041f0440043804320435044200' + '20d83dde00');
    assert.equal(ucs2.data_coding, 8);
  });

  it('udh: one PDU per segment, its UDH first and esm_class UDHI', () => {
    const pdus = buildSubmitPdus(outbound(digits), UDH);
    assert.equal(pdus.length, 2);
    assert.deepEqual(pdus.map((pdu) => pdu.esm_class), [0x40, 0x40]);
    assert.equal(hex(pdus[0].short_message), '0500034202' + '01' + hex(Buffer.from(digits.slice(0, 153))));
    assert.equal(hex(pdus[1].short_message), '0500034202' + '02' + hex(Buffer.from(digits.slice(153))));
    assert.ok(pdus.every((pdu) => !('sar_msg_ref_num' in pdu) && !('message_payload' in pdu)));
    const [ref16] = buildSubmitPdus(outbound(digits, { reference: 0x1234, reference16: true }), UDH);
    assert.equal(hex(ref16.short_message.subarray(0, 7)), '06080412340201');
  });

  it('sar: one PDU per segment, no UDH, the concatenation in the TLVs the smpp package writes', () => {
    const pdus = buildSubmitPdus(outbound(digits), SAR);
    assert.deepEqual(
      pdus.map(({ esm_class, sar_msg_ref_num, sar_total_segments, sar_segment_seqnum }) => [
        esm_class,
        sar_msg_ref_num,
        sar_total_segments,
        sar_segment_seqnum,
      ]),
      [
        [0, 0x42, 2, 1],
        [0, 0x42, 2, 2],
      ],
    );
    assert.equal(pdus[1].short_message.toString('latin1'), digits.slice(153));
    // TLVs follow short_message: 0x020C (2 octets), 0x020E, 0x020F (1 octet each).
    const octets = serialise('submit_sm', pdus[1]);
    assert.equal(hex(octets.subarray(-16)), '020c00020042' + '020e000102' + '020f000102');

    const [ref16] = buildSubmitPdus(outbound(digits, { reference: 0x1234, reference16: true }), SAR);
    assert.equal(ref16.sar_msg_ref_num, 0x1234);
    const [single] = buildSubmitPdus(outbound('Hello'), SAR);
    assert.ok(!('sar_msg_ref_num' in single) && !('sar_total_segments' in single));
  });

  it('payload: one PDU, the whole text in message_payload and short_message empty', () => {
    const [pdu, ...more] = buildSubmitPdus(outbound(digits + '€'), PAYLOAD);
    assert.equal(more.length, 0);
    assert.equal(pdu.short_message.length, 0);
    assert.equal(pdu.esm_class, 0);
    assert.equal(hex(pdu.message_payload), hex(Buffer.from(digits)) + '1b65');
    const octets = serialise('submit_sm', pdu);
    assert.equal(hex(octets.subarray(-(5 + 202), -202)), '00' + '0424' + '00ca'); // sm_length 0, tag, length 202

    const [ucs2] = buildSubmitPdus(outbound('Привет '.repeat(20)), PAYLOAD);
    assert.equal(ucs2.data_coding, 8);
    assert.equal(ucs2.message_payload?.length, 2 * 140);
    assert.equal(Buffer.from(ucs2.message_payload!).swap16().toString('utf16le'), 'Привет '.repeat(20));
  });

  it('sends a message on national tables with its UDH whatever the method asked for', () => {
    const turkish = 'Değerli müşterimiz, şifreniz ığdır çalışması için güncellendi. '.repeat(3);
    const message = outbound(turkish, { nationalLanguages: ['turkish'], reference: 9 });
    assert.deepEqual(message.encoded.language, { locking: 'turkish' });
    for (const options of [UDH, SAR, PAYLOAD]) {
      const pdus = buildSubmitPdus(message, options);
      assert.equal(pdus.length, 2, options.longMessages);
      assert.ok(pdus.every((pdu) => pdu.esm_class === 0x40 && pdu.data_coding === 0), options.longMessages);
      assert.equal(hex(pdus[1].short_message.subarray(0, 9)), '080003090202250101', options.longMessages);
      assert.ok(pdus.every((pdu) => !('sar_msg_ref_num' in pdu) && !('message_payload' in pdu)));
    }
  });

  describe('with dataCoding latin1', () => {
    const latin1 = (method: SubmitOptions['longMessages']): SubmitOptions => ({ longMessages: method, dataCoding: 'latin1' });

    it('sends GSM7 text that is all Latin-1 as Latin-1 octets in the same segments', () => {
      const [single] = buildSubmitPdus(outbound('café {ok}'), latin1('udh'));
      assert.equal(single.data_coding, 3);
      assert.equal(hex(single.short_message), hex(Buffer.from('café {ok}', 'latin1')));
      const pdus = buildSubmitPdus(outbound(digits + 'é'), latin1('udh'));
      assert.equal(pdus.length, 2);
      assert.equal(hex(pdus[1].short_message), '0500034202' + '02' + hex(Buffer.from(digits.slice(153) + 'é', 'latin1')));
      const [payload] = buildSubmitPdus(outbound(digits + 'é'), latin1('payload'));
      assert.equal(hex(payload.message_payload), hex(Buffer.from(digits + 'é', 'latin1')));
    });

    it('falls back to UCS-2 for characters Latin-1 lacks, keeping the reference and its size', () => {
      const [euro] = buildSubmitPdus(outbound('5€'), latin1('udh'));
      assert.equal(euro.data_coding, 8);
      assert.equal(hex(euro.short_message), '003520ac');
      // 71 characters: one GSM7 segment, two UCS-2 ones.
      const text = '€' + digits.slice(0, 70);
      const message = outbound(text, { reference: 0x1234, reference16: true });
      assert.equal(message.encoded.segments.length, 1);
      const pdus = buildSubmitPdus(message, latin1('udh'));
      assert.equal(pdus.length, 2);
      assert.equal(parseUdh(pdus[0].short_message).header.concat?.ref16, false); // one segment had no reference
      const multipart = outbound(digits + '€', { reference: 0x1234, reference16: true });
      const ucs2 = buildSubmitPdus(multipart, latin1('sar'));
      assert.ok(ucs2.every((pdu) => pdu.data_coding === 8 && pdu.sar_msg_ref_num === 0x1234));
      assert.equal(ucs2.length, Math.ceil(201 / 66)); // 66 UCS-2 characters beside a 16-bit reference
      const [first] = buildSubmitPdus(multipart, latin1('udh'));
      assert.equal(hex(first.short_message.subarray(0, 5)), '0608041234');
    });

    it('sends national-table messages as UCS-2, then in the method asked for', () => {
      const turkish = 'Değerli müşterimiz, şifreniz ığdır çalışması için güncellendi. '.repeat(3);
      const pdus = buildSubmitPdus(outbound(turkish, { nationalLanguages: ['turkish'], reference: 9 }), latin1('sar'));
      assert.ok(pdus.every((pdu) => pdu.data_coding === 8 && pdu.esm_class === 0 && pdu.sar_msg_ref_num === 9));
      const text = pdus.map((pdu) => Buffer.from(pdu.short_message).swap16().toString('utf16le')).join('');
      assert.equal(text, turkish);
    });

    it('leaves UCS-2 messages as they are', () => {
      const [pdu] = buildSubmitPdus(outbound('Привет'), latin1('udh'));
      assert.equal(pdu.data_coding, 8);
      assert.equal(hex(pdu.short_message), '041f04400438043204350442');
    });
  });

  it('writes the options and message settings into their fields', () => {
    const [pdu] = buildSubmitPdus(outbound('Hi', {}, { sender: null, deliveryReport: false, priority: 3 }), {
      ...UDH,
      serviceType: 'CMT',
      scheduleDelivery: new Date(Date.UTC(2026, 0, 1, 12, 0, 0)),
    });
    assert.deepEqual(
      [pdu.source_addr_ton, pdu.source_addr_npi, pdu.source_addr, pdu.registered_delivery, pdu.priority_flag],
      [0, 0, '', 0, 3],
    );
    assert.equal(pdu.service_type, 'CMT');
    assert.equal(pdu.schedule_delivery_time, '260101120000000+');
    const sender = { kind: 'international', address: '447700900999', ton: 1, npi: 1 } as const;
    const [international] = buildSubmitPdus(outbound('Hi', {}, { sender }), UDH);
    assert.deepEqual([international.source_addr_ton, international.source_addr_npi, international.source_addr], [1, 1, '447700900999']);
  });

  it('refuses a service type the PDU cannot carry', () => {
    const error = assertSmsGateError(() => buildSubmitPdus(outbound('Hi'), { ...UDH, serviceType: 'TOOLONG' }), 'OPTION_INVALID');
    assert.equal(error.field, 'serviceType');
    assertSmsGateError(() => buildSubmitPdus(outbound('Hi'), { ...UDH, serviceType: 'é' }), 'OPTION_INVALID');
  });
});
