import { strict as assert } from 'node:assert';
import { SmsGateError } from '../../src/errors';
import { CachedCarrierLookup, type CarrierLookup, type CarrierQuery } from '../../src/numbers';

const query = (e164: string): CarrierQuery => ({ e164, country: 'GB', type: 'MOBILE' });

/** Counts calls and answers what `answer` says at the time, so a test can change the "truth". */
class CountingLookup implements CarrierLookup {
  readonly name = 'hlr';
  calls = 0;
  answer: (e164: string) => Promise<string | null> = async () => 'EE';

  lookup(number: CarrierQuery): Promise<string | null> {
    this.calls++;
    return this.answer(number.e164);
  }
}

/** A clock the test moves by hand. */
function manualClock() {
  let time = 1_000;
  return { now: () => time, advance: (ms: number) => void (time += ms) };
}

describe('CachedCarrierLookup', () => {
  it('answers a repeated number from the cache until the TTL runs out', async () => {
    const inner = new CountingLookup();
    const clock = manualClock();
    const cache = new CachedCarrierLookup(inner, { ttlMs: 60_000, now: clock.now });

    assert.equal(await cache.lookup(query('+447400123456')), 'EE');
    inner.answer = async () => 'Vodafone'; // ported meanwhile
    clock.advance(59_999);
    assert.equal(await cache.lookup(query('+447400123456')), 'EE');
    assert.equal(inner.calls, 1);

    clock.advance(1);
    assert.equal(await cache.lookup(query('+447400123456')), 'Vodafone');
    assert.equal(inner.calls, 2);
  });

  it('caches "unknown" too', async () => {
    const inner = new CountingLookup();
    inner.answer = async () => null;
    const cache = new CachedCarrierLookup(inner, { ttlMs: 60_000 });
    assert.equal(await cache.lookup(query('+447400123456')), null);
    assert.equal(await cache.lookup(query('+447400123456')), null);
    assert.equal(inner.calls, 1);
  });

  it('does not cache failures', async () => {
    const inner = new CountingLookup();
    inner.answer = async () => {
      throw new Error('HLR down');
    };
    const cache = new CachedCarrierLookup(inner, { ttlMs: 60_000 });
    await assert.rejects(cache.lookup(query('+447400123456')), /HLR down/);
    inner.answer = async () => 'EE';
    assert.equal(await cache.lookup(query('+447400123456')), 'EE');
    assert.equal(inner.calls, 2);
  });

  it('turns a synchronous throw into a rejection and still retries afterwards', async () => {
    let calls = 0;
    const inner: CarrierLookup = {
      name: 'sync',
      lookup: () => {
        calls++;
        if (calls === 1) throw new Error('bug');
        return Promise.resolve('EE');
      },
    };
    const cache = new CachedCarrierLookup(inner, { ttlMs: 60_000 });
    await assert.rejects(cache.lookup(query('+447400123456')), /bug/);
    assert.equal(await cache.lookup(query('+447400123456')), 'EE');
  });

  it('shares one inner call between concurrent lookups of a number', async () => {
    const inner = new CountingLookup();
    let release!: (network: string) => void;
    inner.answer = () => new Promise((resolve) => (release = resolve));
    const cache = new CachedCarrierLookup(inner, { ttlMs: 60_000 });

    const answers = [1, 2, 3].map(() => cache.lookup(query('+447400123456')));
    await new Promise((resolve) => setImmediate(resolve));
    release('Three');
    assert.deepEqual(await Promise.all(answers), ['Three', 'Three', 'Three']);
    assert.equal(inner.calls, 1);
  });

  it('shares a failure between concurrent lookups and keeps nothing of it', async () => {
    const inner = new CountingLookup();
    inner.answer = async () => {
      throw new Error('HLR down');
    };
    const cache = new CachedCarrierLookup(inner, { ttlMs: 60_000 });
    const results = await Promise.allSettled([cache.lookup(query('+1')), cache.lookup(query('+1'))]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected'],
    );
    assert.equal(inner.calls, 1);
    inner.answer = async () => 'EE';
    assert.equal(await cache.lookup(query('+1')), 'EE');
  });

  it('drops the least recently used number beyond maxEntries', async () => {
    const inner = new CountingLookup();
    const cache = new CachedCarrierLookup(inner, { ttlMs: 60_000, maxEntries: 2 });
    await cache.lookup(query('+1')); // calls 1
    await cache.lookup(query('+2')); // calls 2
    await cache.lookup(query('+1')); // hit: +1 is now the most recent
    await cache.lookup(query('+3')); // calls 3, drops +2
    assert.equal(inner.calls, 3);

    await cache.lookup(query('+1'));
    await cache.lookup(query('+3'));
    assert.equal(inner.calls, 3, '+1 and +3 stayed');
    await cache.lookup(query('+2'));
    assert.equal(inner.calls, 4, '+2 was dropped');
  });

  it('with a TTL of 0 only joins concurrent lookups', async () => {
    const inner = new CountingLookup();
    const cache = new CachedCarrierLookup(inner, { ttlMs: 0 });
    await Promise.all([cache.lookup(query('+1')), cache.lookup(query('+1'))]);
    await cache.lookup(query('+1'));
    assert.equal(inner.calls, 2);
  });

  it('rejects nonsense options', () => {
    const inner = new CountingLookup();
    const nonsense = [{ ttlMs: -1 }, { ttlMs: Number.NaN }, { ttlMs: 1, maxEntries: 0 }, { ttlMs: 1, maxEntries: 1.5 }];
    for (const options of nonsense) {
      assert.throws(
        () => new CachedCarrierLookup(inner, options),
        (error: unknown) => error instanceof SmsGateError && error.code === 'OPTION_INVALID',
        JSON.stringify(options),
      );
    }
  });

  it('is named after the lookup it wraps', () => {
    assert.equal(new CachedCarrierLookup(new CountingLookup(), { ttlMs: 1 }).name, 'cached hlr');
  });
});
