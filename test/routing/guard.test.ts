import assert from 'node:assert/strict';
import { SmsGateError, type ErrorCode } from '../../src/errors';
import { Guard, GUARD_DEFAULTS, resolveGuardConfig, type GuardConfig, type GuardOptions } from '../../src/routing/guard';
import type { OptOutList } from '../../src/routing/opt-out';
import { MemoryStore } from '../../src/store/memory';
import type { NumberInfo, NumberType } from '../../src/types';
import { recipient } from './numbers';

/** A clock the test moves by hand. */
class FakeClock {
  ms = Date.UTC(2026, 0, 1);
  readonly now = () => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** Resolves with the refusal's code, or 'sent' when the guard let the message through. */
async function outcome(guard: Guard, number: NumberInfo, from?: string): Promise<ErrorCode | 'sent'> {
  try {
    await guard.check(from === undefined ? { number } : { number, from });
    return 'sent';
  } catch (err) {
    if (err instanceof SmsGateError) return err.code;
    throw err;
  }
}

async function outcomes(guard: Guard, number: NumberInfo, count: number): Promise<(ErrorCode | 'sent')[]> {
  const results: (ErrorCode | 'sent')[] = [];
  for (let i = 0; i < count; i++) results.push(await outcome(guard, number));
  return results;
}

async function refusal(guard: Guard, number: NumberInfo): Promise<SmsGateError> {
  const err = await guard.check({ number }).then(
    () => assert.fail(`expected ${number.e164} to be refused`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SmsGateError);
  return err;
}

/** Only the rule under test: the rate caps off unless the test turns one on. */
function guardWith(config: GuardConfig, opts: GuardOptions = {}): Guard {
  return new Guard({ perRecipient: false, perPrefix: false, ...config }, opts);
}

const ukMobile = recipient('+447700900123');

describe('Guard', () => {
  describe('defaults', () => {
    it('are on, block the revenue-share types and cap per recipient and per prefix', () => {
      assert.deepEqual(resolveGuardConfig(), {
        enabled: true,
        blockedTypes: ['PREMIUM_RATE', 'SHARED_COST', 'UAN', 'PERSONAL_NUMBER', 'PAGER', 'VOICEMAIL'],
        perRecipient: { max: 20, windowSeconds: 3600 },
        perPrefix: { digits: 5, max: 100, windowSeconds: 60 },
      });
    });

    it('resolving does not share the default objects with the caller', () => {
      const resolved = resolveGuardConfig();
      resolved.blockedTypes.push('MOBILE');
      (resolved.perRecipient as { max: number }).max = 1;
      assert.equal(GUARD_DEFAULTS.blockedTypes.includes('MOBILE'), false);
      assert.equal(GUARD_DEFAULTS.perRecipient.max, 20);
    });

    for (const type of ['PREMIUM_RATE', 'SHARED_COST', 'UAN', 'PERSONAL_NUMBER', 'PAGER', 'VOICEMAIL'] as NumberType[]) {
      it(`refuse ${type} numbers`, async () => {
        assert.equal(await outcome(new Guard(), recipient('+449098790000', { type })), 'NUMBER_TYPE_BLOCKED');
      });
    }

    it('let the types people really text through, and numbers of unknown type', async () => {
      const guard = new Guard();
      for (const type of ['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE', 'TOLL_FREE', 'VOIP', null] as (NumberType | null)[]) {
        assert.equal(await outcome(guard, recipient('+18005550100', { type, country: 'US' })), 'sent', String(type));
      }
    });

    it('allow every country, non-geographic numbers included', async () => {
      const guard = new Guard();
      assert.equal(await outcome(guard, recipient('+33612345678', { country: 'FR' })), 'sent');
      assert.equal(await outcome(guard, recipient('+80012345678', { country: null })), 'sent');
    });

    it('stop the 21st message to one recipient within an hour', async () => {
      const clock = new FakeClock();
      const guard = new Guard({}, { now: clock.now });
      const results = await outcomes(guard, ukMobile, 21);
      assert.deepEqual(results.slice(0, 20), Array(20).fill('sent'));
      assert.equal(results[20], 'RATE_LIMITED');
      clock.advance(3600);
      assert.equal(await outcome(guard, ukMobile), 'sent');
    });

    it('stop the 101st message within a minute into one range of 100 000 numbers', async () => {
      const clock = new FakeClock();
      const guard = new Guard({}, { now: clock.now });
      // +44 7700 9xxxxx: calling code 44 and five national digits, 77009.
      for (let i = 0; i < 100; i++) {
        assert.equal(await outcome(guard, recipient(`+4477009${String(i).padStart(5, '0')}`)), 'sent');
      }
      assert.equal(await outcome(guard, recipient('+447700954321')), 'RATE_LIMITED');
      assert.equal(await outcome(guard, recipient('+447700812345')), 'sent', 'the neighbouring range is not capped');
      clock.advance(60);
      assert.equal(await outcome(guard, recipient('+447700954321')), 'sent');
    });
  });

  describe('allowed countries', () => {
    it('refuse other countries and numbers without a country, naming number and rule', async () => {
      const guard = guardWith({ allowedCountries: ['GB', 'ie'] });
      assert.equal(await outcome(guard, ukMobile), 'sent');
      assert.equal(await outcome(guard, recipient('+353851234567', { country: 'IE' })), 'sent');

      const err = await refusal(guard, recipient('+33612345678', { country: 'FR' }));
      assert.equal(err.code, 'COUNTRY_NOT_ALLOWED');
      assert.equal(err.field, 'to');
      assert.equal(err.message, '+33612345678: country FR is not in guard.allowedCountries (GB, IE)');

      const nonGeographic = await refusal(guard, recipient('+882160000000', { country: null }));
      assert.equal(nonGeographic.code, 'COUNTRY_NOT_ALLOWED');
      assert.match(nonGeographic.message, /^\+882160000000: a number without a country/);
    });
  });

  describe('blocked types', () => {
    it('name the number and the type', async () => {
      const err = await refusal(guardWith({}), recipient('+449098790000', { type: 'PREMIUM_RATE' }));
      assert.equal(err.code, 'NUMBER_TYPE_BLOCKED');
      assert.equal(err.field, 'to');
      assert.equal(err.message, '+449098790000: number type PREMIUM_RATE is blocked (guard.blockedTypes)');
    });

    it('replace the default list when given', async () => {
      const guard = guardWith({ blockedTypes: ['VOIP'] });
      assert.equal(await outcome(guard, recipient('+445612345678', { type: 'VOIP' })), 'NUMBER_TYPE_BLOCKED');
      assert.equal(await outcome(guard, recipient('+449098790000', { type: 'PREMIUM_RATE' })), 'sent');
    });

    it('block nothing when the list is empty', async () => {
      assert.equal(await outcome(guardWith({ blockedTypes: [] }), recipient('+449098790000', { type: 'PREMIUM_RATE' })), 'sent');
    });
  });

  describe('rate caps', () => {
    it('per recipient: a sliding window, not fixed buckets', async () => {
      const clock = new FakeClock();
      const guard = guardWith({ perRecipient: { max: 3, windowSeconds: 60 } }, { now: clock.now });
      assert.equal(await outcome(guard, ukMobile), 'sent'); // t = 0
      clock.advance(40);
      assert.deepEqual(await outcomes(guard, ukMobile, 3), ['sent', 'sent', 'RATE_LIMITED']); // t = 40
      clock.advance(19.999);
      assert.equal(await outcome(guard, ukMobile), 'RATE_LIMITED', 'the message of t = 0 is still inside the window');
      clock.advance(0.001);
      assert.deepEqual(await outcomes(guard, ukMobile, 2), ['sent', 'RATE_LIMITED'], 'exactly one slot freed at t = 60');
      clock.advance(40);
      assert.deepEqual(await outcomes(guard, ukMobile, 3), ['sent', 'sent', 'RATE_LIMITED'], 'the two of t = 40 expired at t = 100');
    });

    it('per recipient: counts each recipient on its own and names the rule', async () => {
      const guard = guardWith({ perRecipient: { max: 1, windowSeconds: 3600 } });
      assert.equal(await outcome(guard, ukMobile), 'sent');
      assert.equal(await outcome(guard, recipient('+447700900124')), 'sent');
      const err = await refusal(guard, ukMobile);
      assert.equal(err.code, 'RATE_LIMITED');
      assert.equal(err.field, 'to');
      assert.equal(err.message, '+447700900123: limit of 1 messages per 3600 s to this recipient reached (guard.perRecipient)');
    });

    it('per prefix: the calling code plus N national digits, whatever the code length', async () => {
      const guard = guardWith({ perPrefix: { digits: 3, max: 1, windowSeconds: 60 } });
      const sameRange: [string, string, string][] = [
        ['+12025550123', '+12025559999', '+1202'], // one-digit code
        ['+447700900123', '+447709999999', '+44770'], // two digits
        ['+353851234567', '+353851999999', '+353851'], // three digits
        ['+882160000000', '+882160999999', '+882160'], // non-geographic
      ];
      for (const [first, second, prefix] of sameRange) {
        assert.equal(await outcome(guard, recipient(first)), 'sent', first);
        const err = await refusal(guard, recipient(second));
        assert.equal(err.code, 'RATE_LIMITED');
        assert.equal(
          err.message,
          `${second}: limit of 1 messages per 60 s to numbers starting ${prefix} reached (guard.perPrefix)`,
        );
      }
      assert.equal(await outcome(guard, recipient('+12035550123')), 'sent', '+1203 is another range');
    });

    it('count only messages the guard let through', async () => {
      const clock = new FakeClock();
      const guard = guardWith({ perRecipient: { max: 2, windowSeconds: 60 } }, { now: clock.now });
      assert.equal(await outcome(guard, ukMobile), 'sent'); // t = 0
      clock.advance(30);
      assert.equal(await outcome(guard, ukMobile), 'sent'); // t = 30
      clock.advance(15);
      assert.deepEqual(await outcomes(guard, ukMobile, 5), Array(5).fill('RATE_LIMITED')); // t = 45
      clock.advance(16);
      // Only t = 0 has expired; had the refusals at t = 45 counted, this would be refused too.
      assert.equal(await outcome(guard, ukMobile), 'sent');
    });

    it('a recipient refused by the per-prefix cap is not counted against its own cap', async () => {
      const clock = new FakeClock();
      const guard = guardWith(
        { perRecipient: { max: 1, windowSeconds: 600 }, perPrefix: { digits: 4, max: 1, windowSeconds: 60 } },
        { now: clock.now },
      );
      assert.equal(await outcome(guard, recipient('+447700900001')), 'sent');
      assert.equal(await outcome(guard, ukMobile), 'RATE_LIMITED'); // the prefix is full
      clock.advance(60);
      assert.equal(await outcome(guard, ukMobile), 'sent');
    });

    it('messages refused by another rule do not use up the quota', async () => {
      const optedOut = new Set(['+447700900123']);
      const guard = guardWith(
        { perPrefix: { digits: 4, max: 1, windowSeconds: 60 }, allowedCountries: ['GB'] },
        { optOut: { isOptedOut: async (e164) => optedOut.has(e164) } },
      );
      assert.equal(await outcome(guard, ukMobile), 'OPTED_OUT');
      assert.equal(await outcome(guard, recipient('+447700900777', { type: 'PAGER' })), 'NUMBER_TYPE_BLOCKED');
      assert.equal(await outcome(guard, recipient('+447700900888', { country: 'FR' })), 'COUNTRY_NOT_ALLOWED');
      assert.equal(await outcome(guard, recipient('+447700900999')), 'sent', 'the prefix quota is still whole');
    });

    it('concurrent checks cannot both take the last slot', async () => {
      const guard = guardWith(
        { perRecipient: { max: 1, windowSeconds: 60 } },
        { optOut: { isOptedOut: () => new Promise((done) => setTimeout(() => done(false), 5)) } },
      );
      const results = await Promise.all(Array.from({ length: 5 }, () => outcome(guard, ukMobile)));
      assert.deepEqual(results.sort(), ['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED', 'sent']);
    });

    it('false turns a cap off', async () => {
      const guard = guardWith({ perRecipient: false, perPrefix: false });
      assert.deepEqual(new Set(await outcomes(guard, ukMobile, 500)), new Set(['sent']));
    });

    it('count a message checked again with the same token once', async () => {
      const guard = guardWith({ perRecipient: { max: 2, windowSeconds: 3600 } });
      for (let i = 0; i < 3; i++) await guard.check({ number: ukMobile, token: 'order-17' });
      assert.equal(await outcome(guard, ukMobile), 'sent', 'the repeats of order-17 left the second slot free');
      assert.equal(await outcome(guard, ukMobile), 'RATE_LIMITED');
      await guard.check({ number: ukMobile, token: 'order-17' }); // already counted: still passes
    });

    it('count in the quota store they are given, shared by every guard on it', async () => {
      const store = new MemoryStore();
      const config: GuardConfig = { perRecipient: { max: 3, windowSeconds: 3600 } };
      const [first, second] = [guardWith(config, { quota: store }), guardWith(config, { quota: store })];
      assert.deepEqual([await outcome(first!, ukMobile), await outcome(second!, ukMobile), await outcome(first!, ukMobile)], ['sent', 'sent', 'sent']);
      assert.equal(await outcome(second!, ukMobile), 'RATE_LIMITED');
      assert.equal(await outcome(guardWith(config, { quota: store }), ukMobile), 'RATE_LIMITED', 'a new guard (a restart) on the store');
    });
  });

  describe('opt-out', () => {
    function listOf(...numbers: string[]): OptOutList & { asked: [string, string | undefined][] } {
      const asked: [string, string | undefined][] = [];
      return {
        asked,
        isOptedOut: async (e164, from) => {
          asked.push([e164, from]);
          return numbers.includes(e164);
        },
      };
    }

    it('refuses a number on the list, naming it, and asks with the sender', async () => {
      const optOut = listOf('+447700900123');
      const guard = guardWith({}, { optOut });
      assert.equal(await outcome(guard, recipient('+447700900124'), 'ACME'), 'sent');
      const err = await refusal(guard, ukMobile);
      assert.equal(err.code, 'OPTED_OUT');
      assert.equal(err.field, 'to');
      assert.match(err.message, /^\+447700900123: the recipient opted out/);
      assert.deepEqual(optOut.asked, [
        ['+447700900124', 'ACME'],
        ['+447700900123', undefined],
      ]);
    });

    it('refuses the message when the list cannot answer', async () => {
      const broken = new Error('store down');
      const guard = guardWith({}, { optOut: { isOptedOut: () => Promise.reject(broken) } });
      await assert.rejects(guard.check({ number: ukMobile }), (err) => err === broken);
    });
  });

  describe('disabled', () => {
    it('lets everything through and consults nothing', async () => {
      const guard = new Guard(
        { enabled: false, allowedCountries: ['FR'], perRecipient: { max: 1, windowSeconds: 60 } },
        { optOut: { isOptedOut: () => assert.fail('the opt-out list was consulted') } },
      );
      assert.equal(await outcome(guard, recipient('+449098790000', { type: 'PREMIUM_RATE' })), 'sent');
      assert.deepEqual(new Set(await outcomes(guard, ukMobile, 50)), new Set(['sent']));
    });
  });
});
