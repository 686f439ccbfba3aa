import assert from 'node:assert/strict';
import { encodeMessage, gsm7Length, isGsm7, NATIONAL_LANGUAGES } from '../../src/encoding';
import { gsm7Charset } from '../../src/encoding/gsm7-charset';
import { nationalCharsets } from '../../src/encoding/plan';
import { LOOK_ALIKES } from '../../src/encoding/tables/look-alikes';
import { assertSmsGateError, decodeSegments } from './helpers';

describe('encodeMessage: segment limits', () => {
  it('sends 160 GSM characters in one segment without UDH', () => {
    const message = encodeMessage('a'.repeat(160));
    assert.equal(message.encoding, 'GSM7');
    assert.equal(message.dataCoding, 0);
    assert.equal(message.units, 160);
    assert.equal(message.unitsPerSegment, 160);
    assert.equal(message.segments.length, 1);
    assert.equal(message.segments[0].udh.length, 0);
    assert.equal(message.reference, undefined);
  });

  it('splits 161 GSM characters into 153 + 8 with an 8-bit concatenation IE', () => {
    const message = encodeMessage('a'.repeat(161), { reference: 0x42 });
    assert.equal(message.unitsPerSegment, 153);
    assert.deepEqual(message.segments.map((s) => s.units), [153, 8]);
    assert.deepEqual(message.segments.map((s) => s.udh.toString('hex')), ['050003420201', '050003420202']);
    assert.equal(message.reference, 0x42);
    assert.deepEqual(message.parts, ['a'.repeat(153), 'a'.repeat(8)]);
  });

  it('sends 70 UCS-2 characters in one segment and 71 in 67 + 4', () => {
    const one = encodeMessage('ж'.repeat(70));
    assert.equal(one.encoding, 'UCS2');
    assert.equal(one.dataCoding, 8);
    assert.deepEqual(one.segments.map((s) => s.units), [70]);
    assert.equal(one.segments[0].payload.toString('hex'), '0436'.repeat(70));
    const two = encodeMessage('ж'.repeat(71));
    assert.equal(two.unitsPerSegment, 67);
    assert.deepEqual(two.segments.map((s) => s.units), [67, 4]);
  });

  it('counts an extension character as two septets', () => {
    assert.equal(encodeMessage('€'.repeat(80)).segments.length, 1);
    assert.equal(encodeMessage('€'.repeat(81)).segments.length, 2);
    assert.equal(gsm7Length('a€{'), 5);
  });

  it('moves an escape sequence whole to the next segment (152 characters + €)', () => {
    const message = encodeMessage('a'.repeat(152) + '€' + 'b'.repeat(10));
    assert.deepEqual(message.segments.map((s) => s.units), [152, 12]);
    assert.equal(message.parts[0], 'a'.repeat(152));
    assert.ok(message.parts[1].startsWith('€'));
    assert.deepEqual([...message.segments[1].payload.subarray(0, 2)], [0x1b, 0x65]);
    assert.notEqual(message.segments[0].payload.at(-1), 0x1b);
  });

  it('moves a surrogate pair whole to the next segment at the UCS-2 boundary', () => {
    const message = encodeMessage('ж'.repeat(66) + '😀' + 'ж'.repeat(5));
    assert.deepEqual(message.segments.map((s) => s.units), [66, 7]);
    assert.equal(message.parts[1], '😀' + 'ж'.repeat(5));
    assert.equal(message.segments[1].payload.subarray(0, 4).toString('hex'), 'd83dde00');
  });

  it('uses the 16-bit reference IE (0x08) when asked, leaving 152 septets / 66 units', () => {
    const gsm = encodeMessage('a'.repeat(161), { reference16: true, reference: 0x1234 });
    assert.equal(gsm.unitsPerSegment, 152);
    assert.deepEqual(gsm.segments.map((s) => s.units), [152, 9]);
    assert.equal(gsm.segments[1].udh.toString('hex'), '06080412340202');
    const ucs2 = encodeMessage('ж'.repeat(71), { reference16: true });
    assert.equal(ucs2.unitsPerSegment, 66);
    assert.ok(ucs2.reference! >= 0 && ucs2.reference! <= 0xffff);
  });

  it('picks a random reference in range when none is given', () => {
    const references = new Set(Array.from({ length: 50 }, () => encodeMessage('a'.repeat(200)).reference));
    assert.ok(references.size > 1);
    for (const reference of references) assert.ok(reference! >= 0 && reference! <= 255);
  });
});

describe('encodeMessage: choosing the encoding', () => {
  it('uses UCS-2 only when GSM 7-bit cannot carry the text', () => {
    assert.equal(encodeMessage('Hello {world} €5 [ok]').encoding, 'GSM7');
    assert.equal(encodeMessage('Hello 😀').encoding, 'UCS2');
  });

  it('can be forced to UCS-2', () => {
    const message = encodeMessage('Hello', { encoding: 'ucs2' });
    assert.equal(message.encoding, 'UCS2');
    assert.equal(message.segments[0].payload.toString('hex'), '00480065006c006c006f');
  });

  it('refuses forced GSM 7-bit for an emoji, naming the character, its code point and index', () => {
    const error = assertSmsGateError(
      () => encodeMessage('Hello 😀 there', { encoding: 'gsm7' }),
      'TEXT_NOT_ENCODABLE',
      /'😀' \(U\+1F600\) at index 6/,
    );
    assert.equal(error.field, 'text');
  });

  it('reports characters that no allowed table carries together', () => {
    assertSmsGateError(
      // ª is only in the Portuguese locking shift table, क only in the Hindi one.
      () => encodeMessage('ª क', { encoding: 'gsm7', nationalLanguages: ['portuguese', 'hindi'] }),
      'TEXT_NOT_ENCODABLE',
      /'ª' \(U\+00AA\) at index 0 .*together with the rest of the text/,
    );
  });

  it('isGsm7 tells GSM 7-bit text from the rest', () => {
    assert.equal(isGsm7('Grüße, ¿qué tal? 10€ {ok}'), true);
    assert.equal(isGsm7('ça va'), false); // only the capital Ç is GSM
    assert.equal(isGsm7('Hi 😀'), false);
    assert.equal(gsm7Length('ça va'), undefined);
  });
});

describe('encodeMessage: national language tables', () => {
  const turkish = 'Değerli müşterimiz, şifreniz ığdır çalışması için güncellendi. '.repeat(3);

  it('uses Turkish tables when they save segments, and says so in every UDH', () => {
    const plain = encodeMessage(turkish);
    const national = encodeMessage(turkish, { nationalLanguages: ['turkish'], reference: 9 });
    assert.equal(plain.encoding, 'UCS2');
    assert.equal(national.encoding, 'GSM7');
    assert.ok(national.segments.length < plain.segments.length);
    assert.deepEqual(national.language, { locking: 'turkish' });
    // concatenation (00 03 09 02 0n) + locking shift (25 01 01) = 9 octets: 160 - ceil(72/7) = 149 septets.
    assert.equal(national.unitsPerSegment, 149);
    assert.equal(national.segments[0].udh.toString('hex'), '080003090201250101');
    assert.deepEqual(decodeSegments(national).join(''), turkish);
  });

  it('gives a single-segment message with a shift table a UDH of its own', () => {
    const text = 'Şu an ığdır çarşısı açık, görüşmek üzere! '.repeat(2);
    const message = encodeMessage(text, { nationalLanguages: ['turkish'] });
    assert.equal(encodeMessage(text).segments.length, 2); // 84 UCS-2 units
    assert.equal(message.segments.length, 1);
    assert.equal(message.segments[0].udh.toString('hex'), '03250101');
    assert.equal(message.unitsPerSegment, 155); // 4 UDH octets take 5 septets
    assert.equal(message.reference, undefined);
  });

  it('keeps the plain encoding when the tables save nothing', () => {
    const short = encodeMessage('Teşekkürler!', { nationalLanguages: ['turkish'] });
    assert.equal(short.encoding, 'UCS2');
    assert.equal(short.language, undefined);
    assert.equal(short.segments[0].udh.length, 0);
    const ascii = encodeMessage('Thanks!', { nationalLanguages: ['turkish', 'hindi'] });
    assert.equal(ascii.encoding, 'GSM7');
    assert.equal(ascii.language, undefined);
  });

  it('combines tables of different languages', () => {
    // ş is in the Turkish single shift table, क only in the Hindi locking shift table.
    const message = encodeMessage('ş क', { encoding: 'gsm7', nationalLanguages: ['turkish', 'hindi'] });
    assert.deepEqual(message.language, { locking: 'hindi', single: 'turkish' });
    assert.deepEqual(decodeSegments(message), ['ş क']);
  });

  it('uses no table that was not allowed', () => {
    assert.equal(encodeMessage('ş'.repeat(100), { nationalLanguages: ['hindi'] }).encoding, 'UCS2');
  });

  it('sends Hindi in the Hindi locking shift table', () => {
    const hindi = 'नमस्ते, आपका ऑर्डर भेज दिया गया है। '.repeat(3);
    const message = encodeMessage(hindi, { nationalLanguages: ['hindi'] });
    assert.equal(message.encoding, 'GSM7');
    assert.equal(message.language?.locking, 'hindi');
    assert.ok(message.segments.length < encodeMessage(hindi).segments.length);
    assert.deepEqual(decodeSegments(message).join(''), hindi);
  });

  it('combines a locking and a single shift table (two IEs) when that is cheapest', () => {
    const hindi = 'आपका कोड 1234 है। कृपया इसे किसी के साथ साझा न करें। ';
    const message = encodeMessage(hindi.repeat(4), { nationalLanguages: ['hindi'] });
    assert.deepEqual(message.language, { locking: 'hindi', single: 'hindi' });
    assert.match(message.segments[0].udh.toString('hex'), /250106240106$/);
    assert.equal(message.unitsPerSegment, 146); // 12 UDH octets take 14 septets
  });
});

describe('encodeMessage: smart replacement', () => {
  const typographic = '“Don’t” – it’s… done';

  it('is off by default', () => {
    const message = encodeMessage(typographic);
    assert.equal(message.encoding, 'UCS2');
    assert.equal(message.text, typographic);
  });

  it('replaces look-alikes so the text goes as GSM 7-bit', () => {
    const message = encodeMessage(typographic + '\u00a0ok', { smart: true });
    assert.equal(message.encoding, 'GSM7');
    assert.equal(message.text, `"Don't" - it's... done ok`);
    assert.deepEqual(message.parts, [message.text]);
  });

  it('leaves the text alone when it has to be UCS-2 anyway', () => {
    const message = encodeMessage(typographic + ' 😀', { smart: true });
    assert.equal(message.encoding, 'UCS2');
    assert.equal(message.text, typographic + ' 😀');
  });

  it('has a look-alike table whose keys no GSM table carries and whose values all are default GSM', () => {
    const charsets = [gsm7Charset(), ...nationalCharsets(NATIONAL_LANGUAGES)];
    for (const [lookAlike, replacement] of LOOK_ALIKES) {
      const carriedBy = charsets.filter((charset) => charset.cost(lookAlike.codePointAt(0)!) > 0);
      assert.deepEqual(carriedBy.map((charset) => charset.language), [], `U+${lookAlike.codePointAt(0)!.toString(16)}`);
      assert.ok(isGsm7(replacement), JSON.stringify(replacement));
    }
  });

  it('never replaces a GSM character', () => {
    const text = `'"-... ^~ é`;
    assert.equal(encodeMessage(text, { smart: true }).text, text);
  });

  it('makes forced GSM 7-bit possible', () => {
    assert.equal(encodeMessage('a—b', { smart: true, encoding: 'gsm7' }).text, 'a-b');
    assertSmsGateError(() => encodeMessage('a—b', { encoding: 'gsm7' }), 'TEXT_NOT_ENCODABLE', /U\+2014/);
  });
});

describe('encodeMessage: refusals', () => {
  it('refuses an empty text', () => {
    const error = assertSmsGateError(() => encodeMessage(''), 'TEXT_EMPTY');
    assert.equal(error.field, 'text');
  });

  it('refuses more segments than maxSegments (default 10), naming the count and the limit', () => {
    assert.equal(encodeMessage('a'.repeat(1530)).segments.length, 10);
    assertSmsGateError(() => encodeMessage('a'.repeat(1531)), 'TEXT_TOO_MANY_SEGMENTS', /needs 11 segments.*limit of 10/);
    const threeSegments = () => encodeMessage('a'.repeat(400), { maxSegments: 2 });
    assertSmsGateError(threeSegments, 'TEXT_TOO_MANY_SEGMENTS', /needs 3 segments.*limit of 2/);
    assert.equal(encodeMessage('a'.repeat(400), { maxSegments: 3 }).segments.length, 3);
  });

  it('refuses invalid options', () => {
    assertSmsGateError(() => encodeMessage('x', { encoding: 'latin1' as never }), 'OPTION_INVALID', /encoding/);
    assertSmsGateError(() => encodeMessage('x', { nationalLanguages: ['klingon' as never] }), 'OPTION_INVALID', /klingon/);
    assertSmsGateError(() => encodeMessage('x', { maxSegments: 0 }), 'OPTION_INVALID', /maxSegments/);
    assertSmsGateError(() => encodeMessage('x', { maxSegments: 256 }), 'OPTION_INVALID', /maxSegments/);
    assertSmsGateError(() => encodeMessage('x', { reference: 256 }), 'OPTION_INVALID', /reference/);
    assertSmsGateError(() => encodeMessage('x', { reference: 1.5 }), 'OPTION_INVALID', /reference/);
    assert.equal(encodeMessage('a'.repeat(200), { reference: 65535, reference16: true }).reference, 65535);
  });
});
