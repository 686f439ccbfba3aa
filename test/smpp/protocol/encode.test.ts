import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeMessage } from '../../../src/encoding';
import { encodeSubmitSm, responsePdu } from '../../../src/smpp/protocol/encode';
import { buildSubmitPdus, type SubmitOptions } from '../../../src/smpp/protocol/submit';
import type { OutboundMessage } from '../../../src/transport/types';
import { parseKeepingUserData, serialise } from './smpp-package';

const { PDU } = require('smpp/lib/pdu') as {
  PDU: new (command: string, fields?: Record<string, unknown>) => { response(options: Record<string, unknown>): { toBuffer(): Buffer } };
};

function outbound(text: string, overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id: 'm1',
    recipient: { input: '+447700900123', e164: '+447700900123', country: 'GB', type: 'MOBILE', carrier: null },
    sender: null,
    encoded: encodeMessage(text, { reference: 0x42 }),
    deliveryReport: true,
    validUntil: Date.UTC(2026, 0, 2, 3, 4, 5),
    priority: 0,
    scheduledAt: null,
    ...overrides,
  };
}

describe('encodeSubmitSm', () => {
  it('writes what the smpp package writes, for every way a message goes', () => {
    const senders = [null, { kind: 'alphanumeric' as const, address: 'ACME Ltd', ton: 5, npi: 0 }];
    const texts = ['Hello', '0123456789'.repeat(20), 'Grüße {€} ✓ 😀'.repeat(8), 'Ünïcödé ÿ'];
    const methods: SubmitOptions[] = [
      { longMessages: 'udh', dataCoding: 'default' },
      { longMessages: 'sar', dataCoding: 'default' },
      { longMessages: 'payload', dataCoding: 'default' },
      { longMessages: 'udh', dataCoding: 'latin1', serviceType: 'CMT', scheduleDelivery: new Date(Date.UTC(2026, 0, 1)) },
    ];
    let sequence = 1;
    for (const sender of senders) {
      for (const text of texts) {
        for (const options of methods) {
          for (const fields of buildSubmitPdus(outbound(text, { sender, priority: sequence % 4 }), options)) {
            sequence = (sequence * 7919) % 0x7fffffff;
            const expected = serialise('submit_sm', { ...fields, sequence_number: sequence });
            assert.deepEqual(encodeSubmitSm(fields, sequence), expected, `${JSON.stringify(text)} ${JSON.stringify(options)}`);
          }
        }
      }
    }
  });

  it('writes any field values as the smpp package does', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const address = fc.string({ maxLength: 20, unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)) });
    const fields = fc.record({
      service_type: fc.constantFrom('', 'CMT', 'WAP'),
      source_addr_ton: octet,
      source_addr_npi: octet,
      source_addr: address,
      dest_addr_ton: octet,
      dest_addr_npi: octet,
      destination_addr: address,
      esm_class: octet,
      protocol_id: octet,
      priority_flag: octet,
      schedule_delivery_time: fc.constantFrom('', '260101000000000+', '000001000000000R'),
      validity_period: fc.constantFrom('', '260102030405600+'),
      registered_delivery: octet,
      replace_if_present_flag: octet,
      data_coding: octet,
      sm_default_msg_id: octet,
      short_message: fc.uint8Array({ maxLength: 254 }).map((bytes) => Buffer.from(bytes)),
    });
    const tlvs = fc.record(
      {
        sar_msg_ref_num: fc.integer({ min: 0, max: 0xffff }),
        sar_total_segments: octet,
        sar_segment_seqnum: octet,
        message_payload: fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fields, tlvs, fc.integer({ min: 1, max: 0x7fffffff }), (mandatory, optional, sequence) => {
        const all = { ...mandatory, ...optional };
        assert.deepEqual(encodeSubmitSm(all, sequence), serialise('submit_sm', { ...all, sequence_number: sequence }));
      }),
      { numRuns: 500 },
    );
  });
});

describe('responsePdu', () => {
  it('answers deliver_sm and data_sm as the smpp package does, with and without an error', () => {
    for (const command of ['deliver_sm', 'data_sm']) {
      const request = parseKeepingUserData(serialise(command, { sequence_number: 77, short_message: Buffer.alloc(0) })) as unknown as {
        command: string;
        command_id: number;
        sequence_number: number;
      };
      for (const status of [0, 0x64, 0x08]) {
        const expected = new PDU(command, { sequence_number: 77 }).response({ command_status: status }).toBuffer();
        const ours = responsePdu(request, status);
        assert.equal(ours.isResponse(), true);
        assert.equal(ours.sequence_number, 77);
        assert.deepEqual(ours.toBuffer(), expected, `${command} ${status}`);
      }
    }
  });
});
