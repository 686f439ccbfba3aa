/** Property tests: whatever the text, what is sent fits, decodes and reassembles back to it. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeUserData,
  encodeMessage,
  isGsm7,
  NATIONAL_LANGUAGES,
  packSeptets,
  Reassembler,
  type EncodedMessage,
  type EncodeOptions,
  type NationalLanguage,
} from '../../src/encoding';
import { gsm7Capacity } from '../../src/encoding/capacity';
import { nationalCharsets } from '../../src/encoding/plan';
import { segmentStarts } from '../../src/encoding/segmenter';
import { udhLength } from '../../src/encoding/udh';

const GSM_BASIC = [...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡AZÄÖÑÜ§¿azäöñüà'];
const GSM_EXTENSION = [...'\f^{}\\[~]|€'];
/** Letters of each national language, to mix with characters every table has. */
const NATIONAL_LETTERS: Record<NationalLanguage, string> = {
  turkish: 'şŞğĞıİçÇöü',
  spanish: 'áíóúÁÍÓÚçñ¿¡',
  portuguese: 'êôÁáÍíÓóÚúãõâªº∞Ê',
  bengali: 'অআকখগঙচছ০১।',
  gujarati: 'ગુજરાતી૦૧',
  hindi: 'नमस्तेकखगघ।०१',
  kannada: 'ಕನ್ನಡಅಆ೦೧',
  malayalam: 'മലയാളംഅ൦',
  oriya: 'ଓଡ଼ିଆକଖ୦',
  punjabi: 'ਪੰਜਾਬੀਕ੦',
  tamil: 'தமிழ்அஆ௦',
  telugu: 'తెలుగుఅ౦',
  urdu: 'اآبپتٹ۔۰',
};
const NATIONAL = Object.values(NATIONAL_LETTERS).flatMap((letters) => [...letters]);
const COMMON = [...'abcdefghijklmnopqrstuvwxyz 0123456789.,?!'];
const EMOJI_AND_SURROGATES = ['😀', '👍🏽', '👨‍👩‍👧', '🇫🇷', '𝄞', '\ud83d', '\ude00'];

const unit = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...GSM_BASIC) },
  { weight: 3, arbitrary: fc.constantFrom(...GSM_EXTENSION) },
  { weight: 3, arbitrary: fc.constantFrom(...NATIONAL) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(...EMOJI_AND_SURROGATES) },
);
/** Mixed texts (mostly UCS-2), GSM-only texts (GSM7) and texts in one national language. */
const text = fc.oneof(
  fc.array(unit, { minLength: 1, maxLength: 400, size: 'max' }),
  fc.array(fc.constantFrom(...GSM_BASIC, ...GSM_EXTENSION), { minLength: 1, maxLength: 700, size: 'max' }),
  fc.constantFrom(...NATIONAL_LANGUAGES).chain((language) =>
    fc.array(fc.constantFrom(...COMMON, ...NATIONAL_LETTERS[language]), { minLength: 1, maxLength: 500, size: 'max' }),
  ),
).map((units) => units.join(''));
const options = fc.record({
  nationalLanguages: fc.subarray([...NATIONAL_LANGUAGES]),
  reference16: fc.boolean(),
});

const RUNS = { numRuns: 1000 };
const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;
const fillBits = (udhOctets: number) => (udhOctets === 0 ? 0 : (7 - ((udhOctets * 8) % 7)) % 7);
const udhSeptets = (udhOctets: number) => Math.ceil((udhOctets * 8) / 7);

function encode(text: string, extra: EncodeOptions = {}): EncodedMessage {
  return encodeMessage(text, { maxSegments: 255, ...extra });
}

/** Units the first piece of a segment costs: an escape sequence or a surrogate pair is two. */
function firstPieceUnits(message: EncodedMessage, index: number): number {
  const segment = message.segments[index];
  if (message.encoding === 'GSM7') return segment.payload[0] === 0x1b ? 2 : 1;
  const pair = segment.payload.length >= 4 && isHighSurrogate(segment.payload.readUInt16BE(0));
  return pair && isLowSurrogate(segment.payload.readUInt16BE(2)) ? 2 : 1;
}

describe('encoding properties', () => {
  it('decodes and reassembles back to the text (SMPP and modem framing)', () => {
    fc.assert(
      fc.property(text, options, (original, opts) => {
        const message = encode(original, opts);
        assert.equal(message.text, original);
        assert.equal(message.parts.join(''), original);
        const reassembler = new Reassembler();
        let reassembled: string | undefined;
        message.segments.forEach((segment, index) => {
          const unpacked = decodeUserData(Buffer.concat([segment.udh, segment.payload]), {
            dataCoding: message.dataCoding,
            udhi: segment.udh.length > 0,
          });
          assert.equal(unpacked.text, segment.text);
          assert.equal(unpacked.header?.lockingShift, message.language?.locking);
          assert.equal(unpacked.header?.singleShift, message.language?.single);
          if (message.encoding === 'GSM7') {
            const fill = fillBits(segment.udh.length);
            const packed = decodeUserData(Buffer.concat([segment.udh, packSeptets(segment.payload, fill)]), {
              dataCoding: 0,
              udhi: segment.udh.length > 0,
              packed: true,
              septetCount: (segment.udh.length && udhSeptets(segment.udh.length)) + segment.units,
            });
            assert.equal(packed.text, segment.text);
          }
          const concat = unpacked.header?.concat;
          if (message.segments.length === 1) {
            assert.equal(concat, undefined);
            reassembled = unpacked.text;
            return;
          }
          const total = message.segments.length;
          assert.deepEqual(concat, { reference: message.reference, total, sequence: index + 1, ref16: opts.reference16 });
          const result = reassembler.add({ key: 'sender', ...concat!, text: unpacked.text });
          if (result.complete) reassembled = result.text;
        });
        assert.equal(reassembled, original);
      }),
      RUNS,
    );
  });

  it('never exceeds a segment limit, nor 140 octets of user data', () => {
    fc.assert(
      fc.property(text, options, (original, opts) => {
        const message = encode(original, opts);
        let units = 0;
        for (const segment of message.segments) {
          assert.ok(segment.units <= message.unitsPerSegment);
          if (message.encoding === 'GSM7') {
            assert.equal(segment.payload.length, segment.units);
            assert.ok(segment.payload.every((septet) => septet <= 0x7f));
            const userData = segment.udh.length + packSeptets(segment.payload, fillBits(segment.udh.length)).length;
            assert.ok(userData <= 140, `${userData} octets`);
            assert.ok(udhSeptets(segment.udh.length) + segment.units <= 160);
          } else {
            assert.equal(segment.payload.length, segment.units * 2);
            assert.ok(segment.udh.length + segment.payload.length <= 140);
          }
          units += segment.units;
        }
        assert.equal(units, message.units);
      }),
      RUNS,
    );
  });

  it('never splits an escape sequence or a surrogate pair', () => {
    fc.assert(
      fc.property(text, options, (original, opts) => {
        const message = encode(original, opts);
        message.segments.forEach((segment, index) => {
          if (message.encoding === 'GSM7') {
            assert.notEqual(segment.payload.at(-1), 0x1b);
          } else if (index > 0) {
            const previous = message.parts[index - 1];
            assert.ok(!(isHighSurrogate(previous.charCodeAt(previous.length - 1)) && isLowSurrogate(segment.text.charCodeAt(0))));
          }
        });
      }),
      RUNS,
    );
  });

  it('fills segments greedily and picks the encoding with the fewest segments', () => {
    fc.assert(
      fc.property(text, options, (original, opts) => {
        const message = encode(original, opts);
        const count = message.segments.length;
        // Greedy: the next segment's first piece would not have fitted in this one.
        for (let index = 0; index + 1 < count; index++) {
          assert.ok(message.segments[index].units + firstPieceUnits(message, index + 1) > message.unitsPerSegment);
        }
        // Concatenated only when one segment (with the same shift tables) cannot hold it.
        if (count > 1) {
          const shiftUdh = message.language ? 1 + 3 * Object.keys(message.language).length : 0;
          const single = message.encoding === 'GSM7' ? 160 - udhSeptets(shiftUdh) : Math.floor((140 - shiftUdh) / 2);
          assert.ok(message.units > single);
        }
        assert.ok(count <= encode(original, { ...opts, encoding: 'ucs2' }).segments.length);
        const plain = encode(original, { reference16: opts.reference16 });
        if (isGsm7(original)) {
          assert.ok(count <= encode(original, { ...opts, encoding: 'gsm7', nationalLanguages: [] }).segments.length);
        }
        // National tables only ever save segments, and are used only when they do.
        assert.ok(count <= plain.segments.length);
        if (message.language) assert.ok(count < plain.segments.length);
        else assert.equal(count, plain.segments.length);
      }),
      RUNS,
    );
  });

  it('finds the fewest segments over every combination of the allowed tables', () => {
    // Brute force: segment the text with each combination, no pruning.
    const segmentsWith = (codePoints: number[], charset: ReturnType<typeof nationalCharsets>[number], ref16: boolean) => {
      const sizes = codePoints.map((codePoint) => charset.cost(codePoint));
      if (sizes.includes(0)) return Infinity;
      const units = sizes.reduce((sum, size) => sum + size, 0);
      if (units <= gsm7Capacity(udhLength(undefined, charset.shiftTables))) return 1;
      return segmentStarts(sizes, gsm7Capacity(udhLength({ ref16 }, charset.shiftTables))).length;
    };
    fc.assert(
      fc.property(text, options, (original, opts) => {
        const codePoints = [...original].map((character) => character.codePointAt(0)!);
        const plain = encode(original, { reference16: opts.reference16 }).segments.length;
        const charsets = nationalCharsets(opts.nationalLanguages);
        const national = Math.min(...charsets.map((charset) => segmentsWith(codePoints, charset, opts.reference16)));
        assert.equal(encode(original, opts).segments.length, Math.min(plain, national));
      }),
      RUNS,
    );
  });
});
