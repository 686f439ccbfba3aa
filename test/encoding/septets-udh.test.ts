import assert from 'node:assert/strict';
import { packSeptets, parseUdh, unpackSeptets } from '../../src/encoding';
import { assertSmsGateError } from './helpers';

describe('packSeptets / unpackSeptets (TS 23.040 §9.2.3.24, TS 23.038 §6.1.2.1.1)', () => {
  it('packs "hellohello" to E8329BFD4697D9EC37', () => {
    // The classic vector: the user data of the PDU 0011000B916407281553F80000AA0AE8329BFD4697D9EC37 in
    // the dreamfabric.com "SMS and the PDU format" tutorial, also the worked example of the
    // Wikipedia article "GSM 03.38".
    assert.equal(packSeptets(Buffer.from('hellohello')).toString('hex').toUpperCase(), 'E8329BFD4697D9EC37');
    assert.equal(unpackSeptets(Buffer.from('E8329BFD4697D9EC37', 'hex'), 10).toString(), 'hellohello');
  });

  it('starts after the fill bits that align text behind a UDH', () => {
    // Worked by hand, bit 0 being the fill bit: h=1101000 fills bits 1-7 of octet 0 (0xD0); e=1100101
    // takes bits 0-6 of octet 1 and l=1101100 starts in its bit 7 (0); then 0x36, 0xFB, 0x0D.
    assert.equal(packSeptets(Buffer.from('hello'), 1).toString('hex').toUpperCase(), 'D06536FB0D');
    assert.equal(unpackSeptets(Buffer.from('D06536FB0D', 'hex'), 5, 1).toString(), 'hello');
    // One septet after six fill bits straddles two octets.
    assert.deepEqual([...packSeptets(Buffer.from([0x68]), 6)], [0x00, 0x1a]);
  });

  it('round-trips every septet value at every fill-bit offset', () => {
    const septets = Buffer.from(Array.from({ length: 128 }, (_, value) => value));
    for (let fill = 0; fill <= 6; fill++) {
      const packed = packSeptets(septets, fill);
      assert.equal(packed.length, Math.ceil((fill + 128 * 7) / 8));
      assert.deepEqual(unpackSeptets(packed, 128, fill), septets);
    }
  });

  it('refuses values that are no septet and data too short for the count', () => {
    assertSmsGateError(() => packSeptets(Buffer.from([0x41, 0x80])), 'OPTION_INVALID', /0x80 at offset 1/);
    assertSmsGateError(() => packSeptets(Buffer.from([0x41]), 7), 'OPTION_INVALID', /fillBits/);
    assertSmsGateError(() => unpackSeptets(Buffer.from([0xe8, 0x32]), 3), 'USER_DATA_INVALID', /need 3 octets.*has 2/);
    assertSmsGateError(() => unpackSeptets(Buffer.from([]), -1), 'OPTION_INVALID', /septetCount/);
  });
});

describe('parseUdh (TS 23.040 §9.2.3.24)', () => {
  it('reads an 8-bit concatenation IE', () => {
    const { header, length } = parseUdh(Buffer.from('050003CC0201ABCD', 'hex'));
    assert.equal(length, 6);
    assert.deepEqual(header, { concat: { reference: 0xcc, total: 2, sequence: 1, ref16: false }, other: [] });
  });

  it('reads a 16-bit concatenation IE and both national shift IEs', () => {
    const { header, length } = parseUdh(Buffer.from('0C08041234030225010624010B', 'hex'));
    assert.equal(length, 13);
    assert.deepEqual(header, {
      concat: { reference: 0x1234, total: 3, sequence: 2, ref16: true },
      lockingShift: 'hindi',
      singleShift: 'tamil',
      other: [],
    });
  });

  it('passes other IEs through, and ignores what the standard says to ignore', () => {
    // Application port addressing (0x05), a concatenation IE with sequence 0 (§9.2.3.24.1: ignored)
    // and a language identifier the standard does not define.
    const { header } = parseUdh(Buffer.from('0E' + '050415820000' + '0003CC0200' + '250163', 'hex'));
    assert.equal(header.concat, undefined);
    assert.equal(header.lockingShift, undefined);
    assert.deepEqual(
      header.other.map((ie) => [ie.iei, ie.data.toString('hex')]),
      [[0x05, '15820000'], [0x00, 'cc0200'], [0x25, '63']],
    );
  });

  it('accepts an empty UDH (UDHL 0)', () => {
    assert.deepEqual(parseUdh(Buffer.from([0x00, 0x41])), { header: { other: [] }, length: 1 });
  });

  it('refuses a missing, truncated or overlong UDH, naming the offset', () => {
    const refused = (hex: string, pattern: RegExp) =>
      assertSmsGateError(() => parseUdh(Buffer.from(hex, 'hex')), 'USER_DATA_INVALID', pattern);
    refused('', /no UDHL/);
    refused('050003CC02', /UDHL 5 runs past the data: only 4 octets/);
    refused('0400030102', /IE 0x00 \(concatenation\) at offset 1 declares 3 octets, only 2 remain/);
    refused('0400020102', /must have 3 data octets, has 2/);
    refused('012501', /offset 1 is cut off before its length octet/);
  });
});
