import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Metadata } from 'libphonenumber-js/core';
import {
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
  parsePhoneNumberFromString,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/max/metadata';
import examples from 'libphonenumber-js/mobile/examples';
import { SmsGateError } from '../../src/errors';
import { parseNumber } from '../../src/numbers';
import { countryAmong, numberType } from '../../src/numbers/number-type';

const TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const;

/** The run-time numbering plan API that getNumberType reads (see number-type.ts). */
interface PlanRuntime {
  type(type: string): { pattern(): string } | undefined;
}

/** Every type pattern of a numbering plan: the max metadata ships no examples but mobile ones. */
function typePatterns(country: CountryCode | undefined, callingCode: string) {
  const selector = new Metadata(metadata) as unknown as {
    selectNumberingPlan(country: string | undefined, callingCode: string): void;
    numberingPlan: PlanRuntime;
  };
  selector.selectNumberingPlan(country, callingCode);
  return TYPES.flatMap((name) => {
    const type = selector.numberingPlan.type(name);
    if (!type || !type.pattern()) return [];
    return [{ name, pattern: new RegExp(`^(?:${type.pattern()})$`) }];
  });
}

/** numberType and libphonenumber's getType() agree on the same parse result. */
function assertSameType(phone: PhoneNumber | undefined, where: string, seen?: Set<string>): void {
  if (phone === undefined) return;
  const expected = phone.getType();
  assert.equal(numberType(phone), expected, `${where}: ${phone.number}`);
  seen?.add(expected ?? 'none');
}

const nonGeographic = Object.keys((metadata as unknown as { nonGeographic?: Record<string, unknown> }).nonGeographic ?? {});

describe('numberType', () => {
  it('agrees with getType() on every region\'s mobile example, read every way', () => {
    let checked = 0;
    for (const country of getCountries()) {
      const example = getExampleNumber(country, examples);
      if (example === undefined) continue;
      checked++;
      assertSameType(example, country);
      assertSameType(parsePhoneNumberFromString(example.number), country);
      assertSameType(parsePhoneNumberFromString(example.formatNational(), country), country);
    }
    assert.ok(checked > 200, `only ${checked} regions have examples`);
  });

  it('agrees with getType() on numbers drawn from every type pattern of every region and non-geographic code', () => {
    const plans: Array<{ country: CountryCode | undefined; callingCode: string }> = [
      ...getCountries().map((country) => ({ country, callingCode: getCountryCallingCode(country) })),
      ...nonGeographic.map((callingCode) => ({ country: undefined, callingCode })),
    ];
    let checked = 0;
    const seen = new Set<string>();
    for (const { country, callingCode } of plans) {
      for (const { name, pattern } of typePatterns(country, callingCode)) {
        const where = `${country ?? `+${callingCode}`} ${name}`;
        // Draws of a length the type does not allow come up too; both must reject them alike.
        for (const national of fc.sample(fc.stringMatching(pattern), { numRuns: 12, seed: 7 })) {
          assertSameType(parsePhoneNumberFromString(`+${callingCode}${national}`), where, seen);
          if (country !== undefined) assertSameType(parsePhoneNumberFromString(national, country), where, seen);
          checked++;
        }
      }
    }
    assert.ok(checked > 10_000, `only ${checked} numbers checked`);
    // Every answer getType() can give came up, FIXED_LINE_OR_MOBILE and no type included.
    assert.deepEqual([...seen].sort(), [...TYPES, 'FIXED_LINE_OR_MOBILE', 'none'].sort());
  });

  it('agrees with getType() on mutated numbers (one digit changed)', () => {
    const numbers = getCountries().flatMap((country) => getExampleNumber(country, examples)?.number ?? []);
    fc.assert(
      fc.property(fc.constantFrom(...numbers), fc.nat(), fc.constantFrom(...'0123456789'), (number, at, digit) => {
        const index = 2 + (at % (number.length - 2));
        assertSameType(parsePhoneNumberFromString(number.slice(0, index) + digit + number.slice(index + 1)), number);
      }),
      { numRuns: 5_000 },
    );
  });

  it('picks the country libphonenumber\'s parse picks among those sharing a calling code, for numbers drawn from each of their type patterns, read every way', () => {
    const shared = Object.entries(metadata.country_calling_codes).filter(([, countries]) => countries.length > 1) as Array<[string, CountryCode[]]>;
    let checked = 0;
    const picked = new Set<string>();
    for (const [callingCode, countries] of shared) {
      for (const country of countries) {
        for (const { name, pattern } of typePatterns(country, callingCode)) {
          for (const national of fc.sample(fc.stringMatching(pattern), { numRuns: 6, seed: 11 })) {
            for (const [input, region] of [[`+${callingCode}${national}`, undefined], [national, country]] as const) {
              const where = `${country} ${name}: ${input} in ${region}`;
              const phone = parsePhoneNumberFromString(input, region);
              if (phone === undefined) continue;
              const ours = countryAmong(countries, phone.nationalNumber);
              if (ours !== undefined) {
                assert.equal(ours.country, phone.country, where);
                assert.equal(ours.type, phone.getType(), where);
                picked.add(ours.country);
              }
              let result;
              try {
                result = parseNumber(input, { region });
              } catch (err) {
                assert.ok(err instanceof SmsGateError && !phone.isValid(), `${where}: ${String(err)}`);
                continue;
              }
              assert.deepEqual([result.e164, result.country, result.type], [phone.number, phone.country ?? null, phone.getType()], where);
              checked++;
            }
          }
        }
      }
    }
    assert.ok(checked > 1_000, `only ${checked} numbers checked`);
    // Not only each code's main country: the others are told apart too.
    for (const country of ['GG', 'IM', 'JE', 'CA', 'KZ', 'AX']) assert.ok(picked.has(country), `${country} was never picked`);
  });
});

