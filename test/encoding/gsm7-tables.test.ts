/**
 * The character tables, checked against 3GPP TS 23.038 through the public encode/decode API.
 * The expected values below are written out from the standard, independently of src/encoding/tables.
 */
import assert from 'node:assert/strict';
import { decodeUserData, encodeMessage, isGsm7, type NationalLanguage } from '../../src/encoding';

/** TS 23.038 §6.2.1, GSM 7 bit default alphabet: septet → code point (0x1B is the escape, not listed). */
const DEFAULT_ALPHABET: readonly [number, number][] = [
  [0x00, 0x0040], [0x01, 0x00a3], [0x02, 0x0024], [0x03, 0x00a5], [0x04, 0x00e8], [0x05, 0x00e9], [0x06, 0x00f9], [0x07, 0x00ec],
  [0x08, 0x00f2], [0x09, 0x00c7], [0x0a, 0x000a], [0x0b, 0x00d8], [0x0c, 0x00f8], [0x0d, 0x000d], [0x0e, 0x00c5], [0x0f, 0x00e5],
  [0x10, 0x0394], [0x11, 0x005f], [0x12, 0x03a6], [0x13, 0x0393], [0x14, 0x039b], [0x15, 0x03a9], [0x16, 0x03a0], [0x17, 0x03a8],
  [0x18, 0x03a3], [0x19, 0x0398], [0x1a, 0x039e], [0x1c, 0x00c6], [0x1d, 0x00e6], [0x1e, 0x00df], [0x1f, 0x00c9],
  [0x20, 0x0020], [0x21, 0x0021], [0x22, 0x0022], [0x23, 0x0023], [0x24, 0x00a4], [0x25, 0x0025], [0x26, 0x0026], [0x27, 0x0027],
  [0x28, 0x0028], [0x29, 0x0029], [0x2a, 0x002a], [0x2b, 0x002b], [0x2c, 0x002c], [0x2d, 0x002d], [0x2e, 0x002e], [0x2f, 0x002f],
  [0x30, 0x0030], [0x31, 0x0031], [0x32, 0x0032], [0x33, 0x0033], [0x34, 0x0034], [0x35, 0x0035], [0x36, 0x0036], [0x37, 0x0037],
  [0x38, 0x0038], [0x39, 0x0039], [0x3a, 0x003a], [0x3b, 0x003b], [0x3c, 0x003c], [0x3d, 0x003d], [0x3e, 0x003e], [0x3f, 0x003f],
  [0x40, 0x00a1], [0x41, 0x0041], [0x42, 0x0042], [0x43, 0x0043], [0x44, 0x0044], [0x45, 0x0045], [0x46, 0x0046], [0x47, 0x0047],
  [0x48, 0x0048], [0x49, 0x0049], [0x4a, 0x004a], [0x4b, 0x004b], [0x4c, 0x004c], [0x4d, 0x004d], [0x4e, 0x004e], [0x4f, 0x004f],
  [0x50, 0x0050], [0x51, 0x0051], [0x52, 0x0052], [0x53, 0x0053], [0x54, 0x0054], [0x55, 0x0055], [0x56, 0x0056], [0x57, 0x0057],
  [0x58, 0x0058], [0x59, 0x0059], [0x5a, 0x005a], [0x5b, 0x00c4], [0x5c, 0x00d6], [0x5d, 0x00d1], [0x5e, 0x00dc], [0x5f, 0x00a7],
  [0x60, 0x00bf], [0x61, 0x0061], [0x62, 0x0062], [0x63, 0x0063], [0x64, 0x0064], [0x65, 0x0065], [0x66, 0x0066], [0x67, 0x0067],
  [0x68, 0x0068], [0x69, 0x0069], [0x6a, 0x006a], [0x6b, 0x006b], [0x6c, 0x006c], [0x6d, 0x006d], [0x6e, 0x006e], [0x6f, 0x006f],
  [0x70, 0x0070], [0x71, 0x0071], [0x72, 0x0072], [0x73, 0x0073], [0x74, 0x0074], [0x75, 0x0075], [0x76, 0x0076], [0x77, 0x0077],
  [0x78, 0x0078], [0x79, 0x0079], [0x7a, 0x007a], [0x7b, 0x00e4], [0x7c, 0x00f6], [0x7d, 0x00f1], [0x7e, 0x00fc], [0x7f, 0x00e0],
];

/** TS 23.038 §6.2.1.1, GSM 7 bit default alphabet extension table: septet after 0x1B → code point. */
const EXTENSION_TABLE: readonly [number, number][] = [
  [0x0a, 0x000c], [0x14, 0x005e], [0x28, 0x007b], [0x29, 0x007d], [0x2f, 0x005c],
  [0x3c, 0x005b], [0x3d, 0x007e], [0x3e, 0x005d], [0x40, 0x007c], [0x65, 0x20ac],
];

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
const decodeSeptets = (septets: number[], udh: number[] = []) =>
  decodeUserData(Buffer.from([...udh, ...septets]), { dataCoding: 0, udhi: udh.length > 0 }).text;

describe('GSM 7-bit default alphabet (TS 23.038 §6.2.1)', () => {
  it('lists 127 characters and the escape', () => {
    assert.equal(DEFAULT_ALPHABET.length, 127);
    assert.equal(new Set(DEFAULT_ALPHABET.map(([septet]) => septet)).size, 127);
  });

  for (const [septet, codePoint] of DEFAULT_ALPHABET) {
    it(`septet ${hex(septet)} is U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`, () => {
      const character = String.fromCodePoint(codePoint);
      const message = encodeMessage(character);
      assert.equal(message.encoding, 'GSM7');
      assert.deepEqual([...message.segments[0].payload], [septet]);
      assert.equal(message.units, 1);
      assert.equal(decodeSeptets([septet]), character);
    });
  }

  it('has Ç (capital C cedilla, U+00C7) at 0x09, not ç', () => {
    assert.deepEqual([...encodeMessage('Ç').segments[0].payload], [0x09]);
    assert.equal(encodeMessage('ç').encoding, 'UCS2');
  });
});

describe('GSM 7-bit extension table (TS 23.038 §6.2.1.1)', () => {
  for (const [septet, codePoint] of EXTENSION_TABLE) {
    it(`escape + ${hex(septet)} is U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} and costs two septets`, () => {
      const character = String.fromCodePoint(codePoint);
      const message = encodeMessage(character);
      assert.equal(message.encoding, 'GSM7');
      assert.deepEqual([...message.segments[0].payload], [0x1b, septet]);
      assert.equal(message.units, 2);
      assert.equal(decodeSeptets([0x1b, septet]), character);
    });
  }

  it('shows the default character for an escaped septet the table does not define (§6.2.1.1)', () => {
    assert.equal(decodeSeptets([0x1b, 0x41]), 'A');
  });

  it('shows a space for escape-escape, reserved for a further extension table (§6.2.1.1)', () => {
    assert.equal(decodeSeptets([0x1b, 0x1b, 0x41]), ' A');
  });
});

describe('exactly these characters are GSM 7-bit', () => {
  it('isGsm7 holds for the listed code points and no other BMP code point', () => {
    const expected = new Set([...DEFAULT_ALPHABET, ...EXTENSION_TABLE].map(([, codePoint]) => codePoint));
    const mismatches: string[] = [];
    for (let codePoint = 0; codePoint <= 0xffff; codePoint++) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      if (isGsm7(String.fromCharCode(codePoint)) !== expected.has(codePoint)) mismatches.push(codePoint.toString(16));
    }
    assert.deepEqual(mismatches, []);
  });
});

/** UDH announcing national tables: IE 0x25 (locking) and/or 0x24 (single), TS 23.040 §9.2.3.24.15-16. */
const IDS: Record<NationalLanguage, number> = {
  turkish: 1, spanish: 2, portuguese: 3, bengali: 4, gujarati: 5, hindi: 6, kannada: 7,
  malayalam: 8, oriya: 9, punjabi: 10, tamil: 11, telugu: 12, urdu: 13,
};
const lockingUdh = (language: NationalLanguage) => [0x03, 0x25, 0x01, IDS[language]];
const singleUdh = (language: NationalLanguage) => [0x03, 0x24, 0x01, IDS[language]];

/** [language, septet, code point, section of TS 23.038] */
const LOCKING_SPOT_CHECKS: readonly [NationalLanguage, number, number, string][] = [
  ['turkish', 0x04, 0x20ac, 'A.3.1'], ['turkish', 0x07, 0x0131, 'A.3.1'], ['turkish', 0x0b, 0x011e, 'A.3.1'],
  ['turkish', 0x1c, 0x015e, 'A.3.1'], ['turkish', 0x1d, 0x015f, 'A.3.1'], ['turkish', 0x40, 0x0130, 'A.3.1'],
  ['turkish', 0x60, 0x00e7, 'A.3.1'],
  ['portuguese', 0x04, 0x00ea, 'A.3.3'], ['portuguese', 0x12, 0x00aa, 'A.3.3'], ['portuguese', 0x15, 0x221e, 'A.3.3'],
  ['portuguese', 0x24, 0x00ba, 'A.3.3'], ['portuguese', 0x7d, 0x0060, 'A.3.3'],
  ['bengali', 0x00, 0x0981, 'A.3.4'], ['bengali', 0x1c, 0x099b, 'A.3.4'], ['bengali', 0x7f, 0x09f1, 'A.3.4'],
  ['gujarati', 0x00, 0x0a81, 'A.3.5'], ['gujarati', 0x60, 0x0ad0, 'A.3.5'],
  ['hindi', 0x00, 0x0901, 'A.3.6'], ['hindi', 0x15, 0x0915, 'A.3.6'], ['hindi', 0x3c, 0x0929, 'A.3.6'],
  ['hindi', 0x7f, 0x097f, 'A.3.6'],
  // The standard prints U+0CAA at 0x24 as well as at 0x3D: a typo, read as U+0CA1 like Android does.
  ['kannada', 0x24, 0x0ca1, 'A.3.7'], ['kannada', 0x3d, 0x0caa, 'A.3.7'],
  ['malayalam', 0x7f, 0x0d79, 'A.3.8'], ['oriya', 0x60, 0x0b56, 'A.3.9'], ['punjabi', 0x60, 0x0a51, 'A.3.10'],
  ['tamil', 0x60, 0x0bd0, 'A.3.11'], ['telugu', 0x60, 0x0c55, 'A.3.12'],
  ['urdu', 0x00, 0x0627, 'A.3.13'], ['urdu', 0x7f, 0x0670, 'A.3.13'],
];
const SINGLE_SPOT_CHECKS: readonly [NationalLanguage, number, number, string][] = [
  ['turkish', 0x47, 0x011e, 'A.2.1'], ['turkish', 0x49, 0x0130, 'A.2.1'], ['turkish', 0x53, 0x015e, 'A.2.1'],
  ['turkish', 0x63, 0x00e7, 'A.2.1'], ['turkish', 0x67, 0x011f, 'A.2.1'], ['turkish', 0x69, 0x0131, 'A.2.1'],
  ['turkish', 0x73, 0x015f, 'A.2.1'],
  ['spanish', 0x09, 0x00e7, 'A.2.2'], ['spanish', 0x41, 0x00c1, 'A.2.2'], ['spanish', 0x49, 0x00cd, 'A.2.2'],
  ['spanish', 0x4f, 0x00d3, 'A.2.2'], ['spanish', 0x55, 0x00da, 'A.2.2'], ['spanish', 0x61, 0x00e1, 'A.2.2'],
  ['spanish', 0x75, 0x00fa, 'A.2.2'],
  ['portuguese', 0x05, 0x00ea, 'A.2.3'], ['portuguese', 0x12, 0x03a6, 'A.2.3'], ['portuguese', 0x1f, 0x00ca, 'A.2.3'],
  ['portuguese', 0x5b, 0x00c3, 'A.2.3'], ['portuguese', 0x7f, 0x00e2, 'A.2.3'],
  ['bengali', 0x19, 0x09e6, 'A.2.4'], ['hindi', 0x19, 0x0964, 'A.2.6'], ['hindi', 0x1c, 0x0966, 'A.2.6'],
  ['hindi', 0x41, 0x0041, 'A.2.6'], ['hindi', 0x65, 0x20ac, 'A.2.6'],
  ['tamil', 0x24, 0x0bee, 'A.2.11'], ['tamil', 0x25, 0x0bef, 'A.2.11'],
  ['telugu', 0x22, 0x0c6c, 'A.2.12'], ['telugu', 0x23, 0x0c6d, 'A.2.12'],
  ['urdu', 0x19, 0x0600, 'A.2.13'], ['urdu', 0x3f, 0x06d4, 'A.2.13'],
];

describe('national language tables (TS 23.038 Annex A), spot checks', () => {
  for (const [language, septet, codePoint, section] of LOCKING_SPOT_CHECKS) {
    it(`${language} locking shift (${section}): ${hex(septet)} is U+${codePoint.toString(16).toUpperCase()}`, () => {
      assert.equal(decodeSeptets([septet], lockingUdh(language)), String.fromCodePoint(codePoint));
    });
  }
  for (const [language, septet, codePoint, section] of SINGLE_SPOT_CHECKS) {
    it(`${language} single shift (${section}): escape + ${hex(septet)} is U+${codePoint.toString(16).toUpperCase()}`, () => {
      assert.equal(decodeSeptets([0x1b, septet], singleUdh(language)), String.fromCodePoint(codePoint));
    });
  }

  it('leaves 0x11 undefined in the Tamil and Telugu locking shift tables (A.3.11, A.3.12)', () => {
    for (const language of ['tamil', 'telugu'] as const) {
      assert.throws(() => decodeSeptets([0x11], lockingUdh(language)), /0x11 .* not defined in the \w+ locking shift table/);
    }
  });

  it('encodes national characters with the table that carries them', () => {
    const message = encodeMessage('ş'.repeat(100), { nationalLanguages: ['turkish'] });
    assert.deepEqual(message.language, { locking: 'turkish' });
    assert.ok(message.segments[0].payload.every((septet) => septet === 0x1d));
  });
});
