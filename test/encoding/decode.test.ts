import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SmsGateError } from '../../src/errors';
import { decodeUserData, packSeptets, parseUdh, unpackSeptets } from '../../src/encoding';
import { assertSmsGateError } from './helpers';

const gsm = (text: string) => Buffer.from(text, 'latin1'); // ASCII letters are their own septets

describe('decodeUserData', () => {
  it('decodes unpacked GSM 7-bit as SMPP carries it, with and without UDH', () => {
    assert.deepEqual(decodeUserData(gsm('Hi'), { dataCoding: 0, udhi: false }), { text: 'Hi' });
    const withUdh = decodeUserData(Buffer.concat([Buffer.from('050003070201', 'hex'), gsm('Hi')]), { dataCoding: 0, udhi: true });
    assert.equal(withUdh.text, 'Hi');
    assert.deepEqual(withUdh.header?.concat, { reference: 7, total: 2, sequence: 1, ref16: false });
  });

  it('decodes packed GSM 7-bit as a modem PDU carries it, fill bits after the UDH included', () => {
    const packed = { dataCoding: 0, udhi: false, packed: true, septetCount: 10 };
    const plain = decodeUserData(Buffer.from('E8329BFD4697D9EC37', 'hex'), packed);
    assert.equal(plain.text, 'hellohello');
    // 6 UDH octets take 7 septets (48 bits + 1 fill bit); TP-UDL counts them: 7 + 5 = 12.
    const userData = Buffer.concat([Buffer.from('050003CC0201', 'hex'), Buffer.from('D06536FB0D', 'hex')]);
    const withUdh = decodeUserData(userData, { dataCoding: 0, udhi: true, packed: true, septetCount: 12 });
    assert.equal(withUdh.text, 'hello');
    assert.equal(withUdh.header?.concat?.reference, 0xcc);
  });

  it('applies the national tables the UDH announces', () => {
    const udh = Buffer.from('06250101240102', 'hex'); // Turkish locking, Spanish single shift
    const septets = Buffer.from([0x1d, 0x1b, 0x61]); // ş, then á from the Spanish single shift table
    assert.equal(decodeUserData(Buffer.concat([udh, septets]), { dataCoding: 0, udhi: true }).text, 'şá');
    const packed = Buffer.concat([udh, packSeptets(septets, 0)]); // 7 octets = 8 septets exactly, no fill
    assert.equal(decodeUserData(packed, { dataCoding: 0, udhi: true, packed: true, septetCount: 11 }).text, 'şá');
  });

  it('decodes UCS-2 as UTF-16BE, surrogate pairs included', () => {
    const data = Buffer.from('0048D83DDE00', 'hex');
    assert.equal(decodeUserData(data, { dataCoding: 8, udhi: false }).text, 'H😀');
    assert.equal(data.toString('hex'), '0048d83dde00'); // the caller's buffer is left as it was
  });

  it('reads the data coding as SMPP below 0x10 and as a TS 23.038 DCS above', () => {
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
    const cases: [number, Buffer, string][] = [
      [0x01, gsm('ascii'), 'ascii'], // SMPP IA5
      [0x03, latin1, 'café'], // SMPP Latin-1
      [0x04, Buffer.from([0x00, 0xff]), '\u0000\u00ff'], // 8-bit binary, one Latin-1 character per octet
      [0x02, Buffer.from([0x80]), '\u0080'], // SMPP 8-bit binary
      [0x10, gsm('A'), 'A'], // general group, class 0: GSM7
      [0x18, Buffer.from('0041', 'hex'), 'A'], // general group, class 0: UCS2 (a flash message)
      [0x15, Buffer.from([0xe9]), '\u00e9'], // general group, class 1: 8-bit
      [0x48, Buffer.from('0041', 'hex'), 'A'], // automatic deletion group: UCS2
      [0xc8, gsm('A'), 'A'], // message waiting, discard: GSM7
      [0xe0, Buffer.from('0041', 'hex'), 'A'], // message waiting, store: UCS2
      [0xf0, gsm('A'), 'A'], // data coding / message class: GSM7
      [0xf6, Buffer.from([0x41]), 'A'], // data coding / message class: 8-bit
    ];
    for (const [dataCoding, data, text] of cases) {
      assert.equal(decodeUserData(data, { dataCoding, udhi: false }).text, text, `data coding ${dataCoding}`);
    }
  });

  it('refuses data codings it cannot decode', () => {
    assertSmsGateError(() => decodeUserData(gsm('A'), { dataCoding: 0x06, udhi: false }), 'OPTION_INVALID', /0x06/);
    assertSmsGateError(() => decodeUserData(gsm('A'), { dataCoding: 0x1c, udhi: false }), 'OPTION_INVALID', /0x1C/);
    assertSmsGateError(() => decodeUserData(gsm('A'), { dataCoding: 0x20, udhi: false }), 'OPTION_INVALID', /compressed/);
    assertSmsGateError(() => decodeUserData(gsm('A'), { dataCoding: 0x80, udhi: false }), 'OPTION_INVALID', /0x80/);
    assertSmsGateError(() => decodeUserData(gsm('A'), { dataCoding: 256, udhi: false }), 'OPTION_INVALID', /dataCoding/);
  });

  it('refuses bad user data with an SmsGateError naming offset and value', () => {
    const refused = (hex: string, dataCoding: number, udhi: boolean, pattern: RegExp) =>
      assertSmsGateError(() => decodeUserData(Buffer.from(hex, 'hex'), { dataCoding, udhi }), 'USER_DATA_INVALID', pattern);
    refused('419F', 0, false, /byte 0x9F at offset 1 is not a septet/);
    refused('411B', 0, false, /escape 0x1B at offset 1/);
    refused('0500', 0, true, /UDHL 5/);
    refused('', 8, true, /no UDHL/);
    refused('004100', 8, false, /even number of octets, got 3/);
    refused('41C8', 1, false, /0xC8 at offset 1 is not ASCII/);
    // An undefined position of a national locking shift table, after a 4-octet UDH.
    assertSmsGateError(
      () => decodeUserData(Buffer.from('032501040C', 'hex'), { dataCoding: 0, udhi: true }),
      'USER_DATA_INVALID',
      /septet 0x0C at offset 4 is not defined in the bengali locking shift table/,
    );
  });

  it('needs the septet count (TP-UDL) for packed data, and enough data for it', () => {
    const packed = { dataCoding: 0, udhi: false, packed: true };
    assertSmsGateError(() => decodeUserData(Buffer.from('E832', 'hex'), packed), 'OPTION_INVALID', /septetCount/);
    const tooShort = () => decodeUserData(Buffer.from('E832', 'hex'), { ...packed, septetCount: 3 });
    assertSmsGateError(tooShort, 'USER_DATA_INVALID', /need 3 octets/);
    assertSmsGateError(
      () => decodeUserData(Buffer.from('050003CC0201', 'hex'), { ...packed, udhi: true, septetCount: 6 }),
      'USER_DATA_INVALID',
      /less than the 7 septets the UDH occupies/,
    );
  });

  it('raises nothing but SmsGateError on arbitrary bytes and options', () => {
    const options = fc.record({
      dataCoding: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 8, 0xf0, -1, 1.5)),
      udhi: fc.boolean(),
      packed: fc.boolean(),
      septetCount: fc.option(fc.integer({ min: -2, max: 300 }), { nil: undefined }),
    });
    // Random bytes mostly die in the UDH; a well-formed UDH (shift IEs included) before random
    // bytes takes the fuzzing into the alphabets and the national tables.
    const ie = fc.oneof(
      fc.tuple(fc.constant(0x00), fc.constant(3), fc.uint8Array({ minLength: 3, maxLength: 3 })),
      fc.tuple(fc.constantFrom(0x24, 0x25), fc.constant(1), fc.uint8Array({ minLength: 1, maxLength: 1 })),
    );
    const wellFormedUdh = fc.array(ie, { maxLength: 3 }).map((ies) => {
      const octets = ies.flatMap(([iei, length, data]) => [iei, length, ...data]);
      return [octets.length, ...octets];
    });
    const data = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.tuple(wellFormedUdh, fc.uint8Array({ maxLength: 160 })).map(([udh, body]) => Buffer.from([...udh, ...body])),
    );
    fc.assert(
      fc.property(data, options, (bytes, decodeOptions) => {
        try {
          decodeUserData(bytes, decodeOptions);
        } catch (error) {
          assert.ok(error instanceof SmsGateError, String(error));
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('raises nothing but SmsGateError from parseUdh and unpackSeptets on arbitrary bytes', () => {
    const onlySmsGateErrors = (bytes: Uint8Array, count: number, fill: number) => {
      for (const run of [() => parseUdh(Buffer.from(bytes)), () => unpackSeptets(Buffer.from(bytes), count, fill)]) {
        try {
          run();
        } catch (error) {
          assert.ok(error instanceof SmsGateError, String(error));
        }
      }
    };
    const counts = fc.integer({ min: -1, max: 100 });
    const fills = fc.integer({ min: -1, max: 7 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), counts, fills, onlySmsGateErrors), { numRuns: 3000 });
  });
});
