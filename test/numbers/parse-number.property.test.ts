import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { SmsGateError } from '../../src/errors';
import { parseNumber } from '../../src/numbers';

const countries = getCountries();
const callingCodes = [...new Set(countries.map((country) => getCountryCallingCode(country)))];
const exampleNumbers = countries.flatMap((country) => getExampleNumber(country, examples)?.number ?? []);

/** Strings near the shape of phone numbers, so that valid ones come up often rather than never. */
const numberish = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom(...'0123456789 +-().x#') }),
  fc
    .tuple(fc.constantFrom(...callingCodes), fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 14 }))
    .map(([code, digits]) => `+${code}${digits}`),
  // Real numbers with one digit after the calling code's first digit replaced.
  { arbitrary: mutatedExample(), weight: 3 },
);

function mutatedExample(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...exampleNumbers), fc.nat(), fc.constantFrom(...'0123456789'))
    .map(([number, at, digit]) => {
      const index = 2 + (at % (number.length - 2));
      return number.slice(0, index) + digit + number.slice(index + 1);
    });
}
const region = fc.option(fc.oneof(fc.constantFrom(...countries), fc.string({ maxLength: 3 })), { nil: undefined });

/** parseNumber's result, or the SmsGateError it threw; anything else fails the property. */
function attempt(input: string, options: { region?: string }) {
  try {
    return parseNumber(input, options);
  } catch (error) {
    assert.ok(error instanceof SmsGateError, `threw ${String(error)} for ${JSON.stringify(input)}`);
    return error;
  }
}

describe('parseNumber properties', () => {
  it('throws nothing but SmsGateError, whatever the input and region', () => {
    fc.assert(
      fc.property(numberish, region, (input, region) => {
        attempt(input, { region });
      }),
      { numRuns: 5_000 },
    );
  });

  it('gives an E.164 number that parses to itself, with the same country and type', () => {
    let valid = 0;
    fc.assert(
      fc.property(numberish, region, (input, region) => {
        const result = attempt(input, { region });
        if (result instanceof SmsGateError) return;
        valid++;
        assert.match(result.e164, /^\+[1-9][0-9]{1,14}$/);
        const again = parseNumber(result.e164);
        assert.deepEqual(again, { ...result, input: result.e164 });
      }),
      { numRuns: 5_000 },
    );
    assert.ok(valid > 500, `only ${valid} valid numbers generated`);
  });

  it('accepts exactly the numbers libphonenumber calls valid (extensions aside), of the same type and country', () => {
    fc.assert(
      fc.property(numberish, fc.option(fc.constantFrom(...countries), { nil: undefined }), (input, region) => {
        const phone = parsePhoneNumberFromString(input.trim(), { defaultCountry: region, extract: false });
        const valid = phone !== undefined && phone.isValid() && phone.ext === undefined;
        const result = attempt(input, { region });
        const where = `${JSON.stringify(input)} in ${region}`;
        if (result instanceof SmsGateError) return assert.ok(!valid, `${where}: ${result.message}`);
        assert.ok(valid, where);
        assert.equal(result.type, phone?.getType() ?? null, where);
        assert.equal(result.country, phone?.country ?? null, where);
      }),
      { numRuns: 5_000 },
    );
  });
});
