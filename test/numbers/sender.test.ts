import { strict as assert } from 'node:assert';
import { SmsGateError, type ErrorCode } from '../../src/errors';
import { parseSender } from '../../src/numbers';
import type { SenderKind } from '../../src/types';

function assertFails(fn: () => unknown, code: ErrorCode, field: string, ...named: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SmsGateError, `expected SmsGateError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.field, field);
    for (const part of named) assert.ok(error.message.includes(part), `"${error.message}" should name ${part}`);
    return true;
  });
}

describe('parseSender', () => {
  describe('guessing the kind', () => {
    it('takes text with a non-digit as alphanumeric: TON 5, NPI 0', () => {
      assert.deepEqual(parseSender('MyShop'), { kind: 'alphanumeric', address: 'MyShop', ton: 5, npi: 0 });
      assert.deepEqual(parseSender('Shop 24/7'), { kind: 'alphanumeric', address: 'Shop 24/7', ton: 5, npi: 0 });
    });

    it('takes + and digits as international: TON 1, NPI 1, address without +', () => {
      assert.deepEqual(parseSender('+447400123456'), {
        kind: 'international',
        address: '447400123456',
        ton: 1,
        npi: 1,
      });
    });

    it('takes 3 to 8 digits as a short code: TON 3, NPI 0', () => {
      assert.deepEqual(parseSender('123'), { kind: 'shortcode', address: '123', ton: 3, npi: 0 });
      assert.deepEqual(parseSender('12345678'), { kind: 'shortcode', address: '12345678', ton: 3, npi: 0 });
    });

    it('takes more digits as a national number: TON 2, NPI 1', () => {
      assert.deepEqual(parseSender('123456789'), { kind: 'national', address: '123456789', ton: 2, npi: 1 });
      assert.deepEqual(parseSender('07400123456', { region: 'GB' }), {
        kind: 'national',
        address: '07400123456',
        ton: 2,
        npi: 1,
      });
    });

    it('accepts the printable GSM basic characters, Greek capitals and accents included', () => {
      assert.equal(parseSender('ΔΦΓ-Ärzte').address, 'ΔΦΓ-Ärzte');
      assert.equal(parseSender('@£$¥èéùìòÇ').address, '@£$¥èéùìòÇ');
    });
  });

  describe('a forced kind', () => {
    it('reads bare digits as E.164 when told they are international', () => {
      assert.deepEqual(parseSender('447400123456', { kind: 'international' }), {
        kind: 'international',
        address: '447400123456',
        ton: 1,
        npi: 1,
      });
    });

    it('sends digits as alphanumeric when told to', () => {
      assert.deepEqual(parseSender('12345', { kind: 'alphanumeric' }), {
        kind: 'alphanumeric',
        address: '12345',
        ton: 5,
        npi: 0,
      });
    });

    it('sends a short number as national when told to', () => {
      const sender = parseSender('1234', { kind: 'national' });
      assert.deepEqual(sender, { kind: 'national', address: '1234', ton: 2, npi: 1 });
    });

    it('still checks the forced kind’s rules', () => {
      assertFails(() => parseSender('+447400123456', { kind: 'national' }), 'SENDER_INVALID', 'from', '"+"');
      assertFails(() => parseSender('MyShop', { kind: 'shortcode' }), 'SENDER_INVALID', 'from', '"M"');
      assertFails(() => parseSender('123456789', { kind: 'shortcode' }), 'SENDER_TOO_LONG', 'from', '9 digits', '8');
      assertFails(() => parseSender('12', { kind: 'shortcode' }), 'SENDER_INVALID', 'from', '2 digits', '3');
    });

    it('rejects an unknown kind, naming it', () => {
      assertFails(
        () => parseSender('MyShop', { kind: 'email' as SenderKind }),
        'SENDER_TYPE_UNKNOWN',
        'fromType',
        '"email"',
        'alphanumeric',
      );
    });
  });

  describe('errors', () => {
    it('rejects an alphanumeric sender over 11 characters, naming the length and the limit', () => {
      assert.equal(parseSender('ABCDEFGHIJK').address, 'ABCDEFGHIJK');
      assertFails(() => parseSender('ABCDEFGHIJKL'), 'SENDER_TOO_LONG', 'from', '"ABCDEFGHIJKL"', '12', '11');
    });

    it('rejects characters outside the GSM default alphabet, naming them', () => {
      assertFails(() => parseSender('Shop€'), 'SENDER_INVALID', 'from', '"€"', 'U+20AC');
      assertFails(() => parseSender('[Shop]'), 'SENDER_INVALID', 'from', '"["');
      assertFails(() => parseSender('Shop😀'), 'SENDER_INVALID', 'from', '"😀"', 'U+1F600');
      assertFails(() => parseSender('Shop\n'), 'SENDER_INVALID', 'from', '"\\n"');
      // The basic table has É and é, Ç but not ç.
      assert.equal(parseSender('Café').address, 'Café');
      assertFails(() => parseSender('Açaí'), 'SENDER_INVALID', 'from', '"ç"');
    });

    it('rejects an empty sender', () => {
      assertFails(() => parseSender(''), 'SENDER_INVALID', 'from', 'empty');
      assertFails(() => parseSender('   '), 'SENDER_INVALID', 'from', '"   "', 'empty');
    });

    it('rejects digits too short for any kind', () => {
      assertFails(() => parseSender('12'), 'SENDER_INVALID', 'from', '"12"', '3');
    });

    it('rejects international numbers over 15 digits, empty or with other characters', () => {
      assertFails(() => parseSender('+1234567890123456'), 'SENDER_TOO_LONG', 'from', '16 digits', '15');
      assertFails(() => parseSender('+'), 'SENDER_INVALID', 'from', '0 digits');
      assertFails(() => parseSender('+44 7400 123456'), 'SENDER_INVALID', 'from', '" "');
      assertFails(() => parseSender('+0123456'), 'SENDER_INVALID', 'from', '"+0123456"', 'start with 0');
    });

    it('rejects national numbers over 15 digits', () => {
      assertFails(() => parseSender('1234567890123456'), 'SENDER_TOO_LONG', 'from', '16 digits', '15');
    });

    it('checks a national number against the region, as dialled there', () => {
      assert.equal(parseSender('89123456789', { region: 'RU' }).address, '89123456789');
      assertFails(() => parseSender('0740012345', { region: 'GB' }), 'SENDER_INVALID', 'from', '"0740012345"', 'GB');
      // libphonenumber would read this as +44 7400 123456; on the wire as national it would not be.
      assertFails(
        () => parseSender('447400123456', { region: 'GB' }),
        'SENDER_INVALID',
        'from',
        '"447400123456"',
        'GB',
        '+447400123456',
      );
    });

    it('rejects an unknown region', () => {
      assertFails(() => parseSender('MyShop', { region: 'XX' }), 'REGION_UNKNOWN', 'region', '"XX"');
    });

    it('names the field the caller passes', () => {
      assertFails(() => parseSender('', { field: 'defaults.from' }), 'SENDER_INVALID', 'defaults.from');
    });

    it('rejects a non-string from a JavaScript caller', () => {
      assertFails(() => parseSender(12345 as unknown as string), 'SENDER_INVALID', 'from', '12345');
    });
  });
});
