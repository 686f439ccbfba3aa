/**
 * Bytes that do not decode: USER_DATA_INVALID naming the field and octet at fault, and nothing
 * else whatever the input (a modem line can hold anything).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SmsGateError } from '../../../src/errors';
import { encodeMessage } from '../../../src/encoding';
import {
  decodeMobileTerminatedPdu,
  decodeSubmitPdu,
  encodeDeliverPdu,
  encodeStatusReportPdu,
  encodeSubmitPdu,
} from '../../../src/modem/pdu';
import { assertSmsGateError } from '../../encoding/helpers';

const HELLO_DELIVER = '07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37';
const HELLO_SUBMIT = '0011000B916407281553F80000AA0AE8329BFD4697D9EC37';
const STATUS_REPORT = '0006D60B911326880736F4111011719551401110117195714000';

function onlyUserDataInvalid(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof SmsGateError) || error.code !== 'USER_DATA_INVALID') throw error;
    assert.ok(error.field, `no field in: ${error.message}`);
  }
}

/** Valid PDUs of every kind and shape, to mutate. */
function validPdus(): string[] {
  const long = encodeMessage('Ünïcödé 😀 '.repeat(8), { reference: 3 });
  const gsm = encodeMessage('{GSM7} with € and a UDH '.repeat(8), { reference: 0x1234, reference16: true });
  const parts = [long, gsm].flatMap((message) => message.segments.map((segment) => ({ segment, dataCoding: message.dataCoding })));
  const submits = parts.map(({ segment, dataCoding }, index) =>
    encodeSubmitPdu({
      smsc: index % 2 === 0 ? '+447700900000' : undefined,
      destination: index % 3 === 0 ? { type: 'alphanumeric', value: 'Name' } : { type: 'international', value: '+447700900123' },
      statusReportRequest: true,
      validitySeconds: index * 1000,
      dataCoding,
      segment,
    }).hex,
  );
  const delivers = gsm.segments.map(
    (segment) =>
      encodeDeliverPdu({
        originator: { type: 'alphanumeric', value: 'Sender€' },
        serviceCentreTime: Date.UTC(2024, 0, 1),
        timeZoneOffsetMinutes: -75,
        dataCoding: gsm.dataCoding,
        segment,
      }).hex,
  );
  const report = encodeStatusReportPdu({
    messageReference: 1,
    recipient: { type: 'national', value: '0770090012' },
    serviceCentreTime: Date.UTC(2024, 0, 1),
    dischargeTime: Date.UTC(2024, 0, 2),
    status: 0x60,
  }).hex;
  return [HELLO_DELIVER, HELLO_SUBMIT, STATUS_REPORT, ...submits, ...delivers, report];
}

describe('PDU codec: malformed input', () => {
  it('tolerates lower case and surrounding whitespace', () => {
    assert.equal(decodeSubmitPdu(`  ${HELLO_SUBMIT.toLowerCase()}\r\n`).text, 'hellohello');
    assert.equal(decodeMobileTerminatedPdu(`\t${HELLO_DELIVER}\n`).type, 'deliver');
  });

  it('refuses what is not hex', () => {
    assertSmsGateError(() => decodeSubmitPdu(''), 'USER_DATA_INVALID', /empty/);
    assertSmsGateError(() => decodeSubmitPdu('0011 00'), 'USER_DATA_INVALID', /not hex: ' ' \(U\+0020\) at character 4/);
    assertSmsGateError(() => decodeSubmitPdu('00110G'), 'USER_DATA_INVALID', /'G' \(U\+0047\) at character 5/);
    assertSmsGateError(() => decodeSubmitPdu('001'), 'USER_DATA_INVALID', /odd number/);
    assertSmsGateError(() => decodeMobileTerminatedPdu(42 as unknown as string), 'USER_DATA_INVALID', /hex string/);
  });

  it('names the field and offset of a truncated PDU', () => {
    const error = assertSmsGateError(() => decodeMobileTerminatedPdu(HELLO_DELIVER.slice(0, 40)), 'USER_DATA_INVALID', /TP-SCTS at octet 19: needs 7 octets, only 1 remain/);
    assert.equal(error.field, 'TP-SCTS');
    assertSmsGateError(() => decodeMobileTerminatedPdu(HELLO_DELIVER.slice(0, -2)), 'USER_DATA_INVALID', /TP-UD at octet 27: needs 9 octets, only 8 remain/);
    assertSmsGateError(() => decodeMobileTerminatedPdu('07917283010010'), 'USER_DATA_INVALID', /SMSC address at octet 2: needs 6 octets/);
    assertSmsGateError(() => decodeSubmitPdu('00'), 'USER_DATA_INVALID', /first octet at octet 1: needs 1 octet, the PDU ends there/);
  });

  it('refuses octets after the user data', () => {
    assertSmsGateError(() => decodeSubmitPdu(`${HELLO_SUBMIT}00`), 'USER_DATA_INVALID', /1 unexpected octet\(s\) after TP-UD/);
  });

  it('checks the TPDU length the modem gave', () => {
    assert.equal(decodeSubmitPdu(HELLO_SUBMIT, 23).text, 'hellohello');
    assertSmsGateError(() => decodeSubmitPdu(HELLO_SUBMIT, 24), 'USER_DATA_INVALID', /TPDU length given is 24, but 23 octets follow the 1-octet SMSC/);
    assertSmsGateError(() => decodeMobileTerminatedPdu(HELLO_DELIVER, 27), 'USER_DATA_INVALID', /but 28 octets follow the 8-octet SMSC/);
    assertSmsGateError(() => decodeMobileTerminatedPdu(HELLO_DELIVER, 1.5), 'USER_DATA_INVALID', /count of octets/);
  });

  it('refuses a TP-MTI for the other direction', () => {
    assertSmsGateError(() => decodeSubmitPdu(HELLO_DELIVER), 'USER_DATA_INVALID', /TP-MTI at octet 8: first octet 0x04 has TP-MTI 00, not 01/);
    assertSmsGateError(() => decodeMobileTerminatedPdu(HELLO_SUBMIT), 'USER_DATA_INVALID', /TP-MTI 01 \(SMS-SUBMIT-REPORT\)/);
    assertSmsGateError(() => decodeMobileTerminatedPdu('0003'), 'USER_DATA_INVALID', /TP-MTI 11 \(reserved\)/);
  });

  it('refuses bad semi-octets in timestamps and addresses', () => {
    // Month 13, then a minute digit A.
    assertSmsGateError(() => decodeMobileTerminatedPdu(HELLO_DELIVER.replace('99309251619580', '99319251619580')), 'USER_DATA_INVALID', /TP-SCTS at octet 20: month 13 is outside 1-12/);
    assertSmsGateError(() => decodeMobileTerminatedPdu(HELLO_DELIVER.replace('99309251619580', '993092516A9580')), 'USER_DATA_INVALID', /TP-SCTS at octet 23: minute 0x6A/);
    // 30 February.
    assertSmsGateError(() => decodeMobileTerminatedPdu(HELLO_DELIVER.replace('99309251619580', '99200351619580')), 'USER_DATA_INVALID', /day 30 is outside 1-28/);
    // An F inside the sender's digits.
    assertSmsGateError(() => decodeMobileTerminatedPdu(HELLO_DELIVER.replace('7238880900F1', '72F8880900F1')), 'USER_DATA_INVALID', /TP-OA at octet 12: semi-octet 3 is the fill F, inside a 11-digit number/);
    // An address longer than 20 semi-octets.
    assertSmsGateError(() => decodeSubmitPdu('00110016'), 'USER_DATA_INVALID', /TP-DA at octet 3: the address length 22 exceeds/);
  });

  it('refuses a TP-DCS it cannot decode and an oversize TP-UDL', () => {
    // DCS 0x0C: general group, reserved alphabet. DCS 0x24: compressed.
    assertSmsGateError(() => decodeSubmitPdu(HELLO_SUBMIT.replace('0000AA0A', '000CAA0A')), 'USER_DATA_INVALID', /TP-DCS at octet 12: data coding 0x0C/);
    assertSmsGateError(() => decodeSubmitPdu(HELLO_SUBMIT.replace('0000AA0A', '0024AA0A')), 'USER_DATA_INVALID', /TP-DCS at octet 12: .*compressed/);
    assertSmsGateError(() => decodeSubmitPdu(HELLO_SUBMIT.replace('0000AA0A', '0000AAA1')), 'USER_DATA_INVALID', /TP-UDL at octet 14: 161 septets/);
  });

  it('reads DCS 0x01-0x03 as GSM7, as TS 23.038 does (not as SMPP IA5 / Latin-1)', () => {
    for (const dcs of ['01', '02', '03']) {
      assert.equal(decodeSubmitPdu(HELLO_SUBMIT.replace('0000AA0A', `00${dcs}AA0A`)).text, 'hellohello');
    }
  });

  it('refuses a UDH that runs past the user data', () => {
    // TP-UDHI set on "hellohello": its first octet E8 would be a UDHL of 232.
    assertSmsGateError(() => decodeSubmitPdu(HELLO_SUBMIT.replace(/^0011/, '0051')), 'USER_DATA_INVALID', /TP-UD at octet 15: UDHL 232 runs past the data/);
  });

  it('refuses bad encoder input with OPTION_INVALID naming the field', () => {
    const segment = encodeMessage('x').segments[0];
    const base = { destination: { type: 'international', value: '+447700900123' }, statusReportRequest: false, dataCoding: 0, segment } as const;
    assertSmsGateError(() => encodeSubmitPdu({ ...base, messageReference: 256 }), 'OPTION_INVALID', /messageReference/);
    assertSmsGateError(() => encodeSubmitPdu({ ...base, destination: { type: 'national', value: '+4477' } }), 'OPTION_INVALID', /destination/);
    assertSmsGateError(() => encodeSubmitPdu({ ...base, destination: { type: 'international', value: '1'.repeat(21) } }), 'OPTION_INVALID', /21 digits/);
    assertSmsGateError(() => encodeSubmitPdu({ ...base, destination: { type: 'alphanumeric', value: 'TwelveLetter' } }), 'OPTION_INVALID', /12 septets/);
    assertSmsGateError(() => encodeSubmitPdu({ ...base, destination: { type: 'alphanumeric', value: 'Čapek' } }), 'OPTION_INVALID', /'Č' is not in the GSM 7-bit alphabet/);
    assertSmsGateError(() => encodeSubmitPdu({ ...base, smsc: '+44 7700' }), 'OPTION_INVALID', /smsc/);
    assertSmsGateError(() => encodeSubmitPdu({ ...base, segment: { udh: Buffer.alloc(0), payload: Buffer.alloc(161) } }), 'OPTION_INVALID', /161 septets/);
    assertSmsGateError(() => encodeSubmitPdu({ ...base, dataCoding: 8, segment: { udh: Buffer.alloc(0), payload: Buffer.alloc(3) } }), 'OPTION_INVALID', /even/);
    assertSmsGateError(() => encodeSubmitPdu({ ...base, segment: { udh: Buffer.from([9, 0, 3, 1, 2, 1]), payload: Buffer.alloc(1) } }), 'OPTION_INVALID', /UDHL/);
    assertSmsGateError(
      () => encodeDeliverPdu({ originator: base.destination, serviceCentreTime: 0, timeZoneOffsetMinutes: 10, dataCoding: 0, segment }),
      'OPTION_INVALID',
      /multiple of 15/,
    );
    assertSmsGateError(
      () => encodeDeliverPdu({ originator: base.destination, serviceCentreTime: Date.UTC(2090, 0, 1), dataCoding: 0, segment }),
      'OPTION_INVALID',
      /two year digits/,
    );
  });

  describe('fuzz: nothing but USER_DATA_INVALID escapes', () => {
    const decoders = [decodeSubmitPdu, decodeMobileTerminatedPdu];

    it('for random hex, with and without a TPDU length', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), fc.option(fc.nat(200), { nil: undefined }), (octets, length) => {
          const hex = Buffer.from(octets).toString('hex');
          for (const decode of decoders) onlyUserDataInvalid(() => decode(hex, length));
        }),
        { numRuns: 3000 },
      );
    });

    it('for random strings', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 80 }), (text) => {
          for (const decode of decoders) onlyUserDataInvalid(() => decode(text));
        }),
        { numRuns: 1000 },
      );
    });

    it('for mutated valid PDUs (octets changed, dropped, inserted, truncated)', () => {
      const pdus = validPdus().map((hex) => Buffer.from(hex, 'hex'));
      const mutation = fc.oneof(
        fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), value: fc.constant(0) }),
        fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
      );
      fc.assert(
        fc.property(fc.nat(pdus.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, mutations) => {
          let octets = [...pdus[which]];
          for (const { kind, at, value } of mutations) {
            const index = octets.length === 0 ? 0 : at % octets.length;
            if (kind === 'set') octets[index] = value;
            if (kind === 'drop') octets.splice(index, 1);
            if (kind === 'insert') octets.splice(index, 0, value);
            if (kind === 'truncate') octets = octets.slice(0, index);
          }
          const hex = Buffer.from(octets).toString('hex');
          for (const decode of decoders) onlyUserDataInvalid(() => decode(hex));
        }),
        { numRuns: 5000 },
      );
    });
  });
});
