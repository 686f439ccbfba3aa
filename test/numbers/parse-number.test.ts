import { strict as assert } from 'node:assert';
import { getCountries, getCountryCallingCode, getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { SmsGateError, type ErrorCode } from '../../src/errors';
import { parseNumber } from '../../src/numbers';

/** Runs `fn` and checks it threw an SmsGateError with this code and field, and a message with `named` in it. */
function assertFails(fn: () => unknown, code: ErrorCode, field: string, named: string): SmsGateError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SmsGateError, `expected SmsGateError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.field, field);
    assert.ok(error.message.includes(named), `"${error.message}" should name ${named}`);
    return error;
  }
  assert.fail(`expected ${code}`);
}

describe('parseNumber', () => {
  describe('valid numbers', () => {
    it('normalises an international number and keeps the input untouched', () => {
      assert.deepEqual(parseNumber(' +44 7400 123456 '), {
        input: ' +44 7400 123456 ',
        e164: '+447400123456',
        country: 'GB',
        type: 'MOBILE',
      });
    });

    it('reads a national number in the given region', () => {
      assert.equal(parseNumber('07400 123456', { region: 'GB' }).e164, '+447400123456');
      assert.equal(parseNumber('8 (912) 345-67-89', { region: 'RU' }).e164, '+79123456789');
      assert.equal(parseNumber('(201) 555-0123', { region: 'US' }).e164, '+12015550123');
    });

    it('accepts the region in lower case', () => {
      assert.equal(parseNumber('07400 123456', { region: 'gb' }).country, 'GB');
    });

    it('dials out of the region with its international prefix', () => {
      assert.deepEqual(parseNumber('0044 7400 123456', { region: 'DE' }), {
        input: '0044 7400 123456',
        e164: '+447400123456',
        country: 'GB',
        type: 'MOBILE',
      });
    });

    it('ignores the region for an international number', () => {
      assert.equal(parseNumber('+33 6 12 34 56 78', { region: 'GB' }).country, 'FR');
    });

    it('tells the territory behind a shared calling code', () => {
      assert.equal(parseNumber('+44 7911 123456').country, 'GG');
      assert.equal(parseNumber('+1 876 210 1234').country, 'JM');
    });

    it('parses the mobile example number of every region, national, international or E.164', () => {
      let checked = 0;
      for (const country of getCountries()) {
        const example = getExampleNumber(country, examples);
        if (example === undefined) continue;
        const info = parseNumber(example.formatNational(), { region: country });
        assert.equal(info.e164, example.number, country);
        // Regions that share a plan share numbers: Åland's example reads as Finland's.
        assert.equal(getCountryCallingCode(info.country as CountryCode), example.countryCallingCode, country);
        assert.ok(info.type === 'MOBILE' || info.type === 'FIXED_LINE_OR_MOBILE', `${country}: ${info.type}`);
        assert.equal(parseNumber(example.formatInternational()).e164, example.number, country);
        assert.equal(parseNumber(example.number).e164, example.number, country);
        checked++;
      }
      assert.ok(checked > 200, `only ${checked} regions have examples`);
    });

    // Example numbers from Google's libphonenumber metadata (PhoneNumberMetadata.xml).
    const types: [string, string][] = [
      ['+44 121 234 5678', 'FIXED_LINE'],
      ['+44 7400 123456', 'MOBILE'],
      ['+44 901 234 5678', 'PREMIUM_RATE'],
      ['+44 800 123 4567', 'TOLL_FREE'],
      ['+44 56 1234 5678', 'VOIP'],
      ['+44 70 1234 5678', 'PERSONAL_NUMBER'],
      ['+44 7640 123456', 'PAGER'],
      ['+44 55 1234 5678', 'UAN'],
      ['+1 800 234 5678', 'TOLL_FREE'],
      ['+1 900 234 5678', 'PREMIUM_RATE'],
      ['+1 201 555 0123', 'FIXED_LINE_OR_MOBILE'],
    ];
    for (const [number, type] of types) {
      it(`types ${number} as ${type}`, () => {
        assert.equal(parseNumber(number).type, type);
      });
    }

    it('gives non-geographic numbers no country', () => {
      assert.deepEqual(parseNumber('+800 1234 5678'), {
        input: '+800 1234 5678',
        e164: '+80012345678',
        country: null,
        type: 'TOLL_FREE',
      });
    });
  });

  describe('errors', () => {
    it('rejects text that is not a number', () => {
      assertFails(() => parseNumber('hello'), 'NUMBER_NOT_A_NUMBER', 'to', '"hello"');
      assertFails(() => parseNumber(''), 'NUMBER_NOT_A_NUMBER', 'to', '""');
    });

    it('rejects words around the number rather than guessing', () => {
      assertFails(() => parseNumber('call +447400123456'), 'NUMBER_NOT_A_NUMBER', 'to', '"call +447400123456"');
    });

    it('rejects a non-string from a JavaScript caller', () => {
      assertFails(() => parseNumber(447400123456 as unknown as string), 'NUMBER_NOT_A_NUMBER', 'to', '447400123456');
    });

    it('rejects a number too short for its country', () => {
      const error = assertFails(() => parseNumber('12', { region: 'GB' }), 'NUMBER_TOO_SHORT', 'to', '"12"');
      assert.match(error.message, /GB/);
      assertFails(() => parseNumber('+1'), 'NUMBER_TOO_SHORT', 'to', '"+1"');
    });

    it('rejects a number too long for its country', () => {
      assertFails(() => parseNumber('+44 7400 1234567'), 'NUMBER_TOO_LONG', 'to', '"+44 7400 1234567"');
      assertFails(() => parseNumber(`+44${'1'.repeat(300)}`), 'NUMBER_TOO_LONG', 'to', '+4411111');
    });

    it('rejects a number of a possible length that is not in use', () => {
      // 07700 900xxx is Ofcom's range for drama: the right length, but no real number.
      assertFails(() => parseNumber('+44 7700 900123'), 'NUMBER_INVALID', 'to', '"+44 7700 900123"');
    });

    it('rejects a calling code no country has', () => {
      assertFails(() => parseNumber('+999 123456'), 'NUMBER_INVALID', 'to', '"+999 123456"');
      assertFails(() => parseNumber('00999 123456', { region: 'DE' }), 'NUMBER_INVALID', 'to', '"00999 123456"');
    });

    it('rejects an extension, which SMS cannot reach', () => {
      assertFails(() => parseNumber('+44 7400 123456 ext. 12'), 'NUMBER_INVALID', 'to', 'ext. 12');
    });

    it('rejects a national number without a region', () => {
      assertFails(() => parseNumber('07400 123456'), 'REGION_UNKNOWN', 'to', '"07400 123456"');
    });

    it('names the field the caller passes', () => {
      const field = 'recipients[3]';
      assertFails(() => parseNumber('nope', { field }), 'NUMBER_NOT_A_NUMBER', field, 'nope');
    });

    it('cuts very long input in messages', () => {
      const error = assertFails(() => parseNumber('x'.repeat(200)), 'NUMBER_NOT_A_NUMBER', 'to', 'xxxx');
      assert.ok(error.message.length < 100, error.message);
    });
  });

  describe('region', () => {
    it('rejects an unknown region even for an international number', () => {
      assertFails(() => parseNumber('+447400123456', { region: 'XX' }), 'REGION_UNKNOWN', 'region', '"XX"');
      assertFails(() => parseNumber('+447400123456', { region: 'UK' }), 'REGION_UNKNOWN', 'region', '"UK"');
    });

    it('rejects the non-geographic pseudo-region 001', () => {
      assertFails(() => parseNumber('+80012345678', { region: '001' }), 'REGION_UNKNOWN', 'region', '"001"');
    });

    it('treats an empty region as none', () => {
      assert.equal(parseNumber('+447400123456', { region: '' }).e164, '+447400123456');
      assertFails(() => parseNumber('07400123456', { region: '' }), 'REGION_UNKNOWN', 'to', '"07400123456"');
    });
  });
});
