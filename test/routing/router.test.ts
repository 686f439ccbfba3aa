import assert from 'node:assert/strict';
import { SmsGateError } from '../../src/errors';
import { Router, type RouteConfig, type RoutedMessage } from '../../src/routing/router';
import { draws, recipient, seeded } from './numbers';

const ukMobile = recipient('+447700900123');

/** The route index the router picks for `msg` in a table of [the route under test, catch-all]. */
function pick(route: RouteConfig, msg: RoutedMessage): number {
  return new Router([route, { transports: ['fallback'] }]).select(msg).routeIndex;
}

function assertNoRoute(fn: () => unknown, e164: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SmsGateError);
    assert.equal(err.code, 'NO_ROUTE');
    assert.equal(err.field, 'to');
    assert.match(err.message, new RegExp(`no route matches \\${e164}`));
    return true;
  });
}

describe('Router', () => {
  describe('matching', () => {
    it('a route without match takes every message', () => {
      const router = new Router([{ transports: ['a'] }]);
      const odd = recipient('+80012345678', { country: null, type: null, carrier: null });
      assert.equal(router.select({ number: odd }).routeIndex, 0);
    });

    it('country: any listed ISO code, case-insensitive; a number without country never matches', () => {
      const route = { match: { country: ['ie', 'GB'] }, transports: ['a'] };
      assert.equal(pick(route, { number: ukMobile }), 0);
      assert.equal(pick(route, { number: recipient('+353851234567', { country: 'IE' }) }), 0);
      assert.equal(pick(route, { number: recipient('+33612345678', { country: 'FR' }) }), 1);
      assert.equal(pick(route, { number: recipient('+80012345678', { country: null }) }), 1);
    });

    it('prefix: leading E.164 digits, written with or without +', () => {
      assert.equal(pick({ match: { prefix: ['+4477'] }, transports: ['a'] }, { number: ukMobile }), 0);
      assert.equal(pick({ match: { prefix: ['4477'] }, transports: ['a'] }, { number: ukMobile }), 0);
      assert.equal(pick({ match: { prefix: ['+4474', '+44770'] }, transports: ['a'] }, { number: ukMobile }), 0);
      assert.equal(pick({ match: { prefix: ['+4474'] }, transports: ['a'] }, { number: ukMobile }), 1);
      // A prefix is anchored at the start: the digits appearing later do not count.
      assert.equal(pick({ match: { prefix: ['7700'] }, transports: ['a'] }, { number: ukMobile }), 1);
    });

    it('carrier: case-insensitive; an unknown carrier never matches', () => {
      const route = { match: { carrier: ['ee', 'Vodafone'] }, transports: ['a'] };
      assert.equal(pick(route, { number: recipient('+447700900123', { carrier: 'EE' }) }), 0);
      assert.equal(pick(route, { number: recipient('+447700900123', { carrier: 'VODAFONE' }) }), 0);
      assert.equal(pick(route, { number: recipient('+447700900123', { carrier: 'O2' }) }), 1);
      assert.equal(pick(route, { number: recipient('+447700900123', { carrier: null }) }), 1);
    });

    it('type: exact libphonenumber type; MOBILE does not cover FIXED_LINE_OR_MOBILE', () => {
      const route: RouteConfig = { match: { type: ['MOBILE', 'VOIP'] }, transports: ['a'] };
      assert.equal(pick(route, { number: recipient('+447700900123', { type: 'MOBILE' }) }), 0);
      assert.equal(pick(route, { number: recipient('+445612345678', { type: 'VOIP' }) }), 0);
      assert.equal(pick(route, { number: recipient('+12025550123', { type: 'FIXED_LINE_OR_MOBILE' }) }), 1);
      assert.equal(pick(route, { number: recipient('+447700900123', { type: null }) }), 1);
    });

    it('sender: exact string; a message without sender never matches', () => {
      const route = { match: { sender: ['ACME', '+447700900999'] }, transports: ['a'] };
      assert.equal(pick(route, { number: ukMobile, from: 'ACME' }), 0);
      assert.equal(pick(route, { number: ukMobile, from: '+447700900999' }), 0);
      assert.equal(pick(route, { number: ukMobile, from: 'acme' }), 1);
      assert.equal(pick(route, { number: ukMobile }), 1);
    });

    it('tag: exact string; a message without tag never matches', () => {
      const route = { match: { tag: ['otp'] }, transports: ['a'] };
      assert.equal(pick(route, { number: ukMobile, tag: 'otp' }), 0);
      assert.equal(pick(route, { number: ukMobile, tag: 'marketing' }), 1);
      assert.equal(pick(route, { number: ukMobile }), 1);
    });

    it('every given criterion must hold', () => {
      const route: RouteConfig = { match: { country: ['GB'], carrier: ['EE'], tag: ['otp'] }, transports: ['a'] };
      assert.equal(pick(route, { number: ukMobile, tag: 'otp' }), 0);
      assert.equal(pick(route, { number: recipient('+447700900123', { carrier: 'O2' }), tag: 'otp' }), 1);
      assert.equal(pick(route, { number: recipient('+353851234567', { country: 'IE' }), tag: 'otp' }), 1);
      assert.equal(pick(route, { number: ukMobile }), 1);
    });

    it('the first matching route wins, even when a later one matches better', () => {
      const router = new Router([
        { match: { country: ['FR'] }, transports: ['fr'] },
        { match: { country: ['GB'] }, transports: ['gb'] },
        { match: { country: ['GB'], carrier: ['EE'] }, transports: ['gb-ee'] },
        { transports: ['rest'] },
      ]);
      assert.deepEqual(router.select({ number: ukMobile }), { routeIndex: 1, transports: ['gb'] });
      assert.deepEqual(router.select({ number: recipient('+4915112345678', { country: 'DE' }) }), {
        routeIndex: 3,
        transports: ['rest'],
      });
    });

    it('no matching route throws NO_ROUTE naming the recipient', () => {
      const router = new Router([{ match: { country: ['FR'] }, transports: ['a'] }]);
      assertNoRoute(() => router.select({ number: ukMobile, from: 'ACME' }), '+447700900123');
      assertNoRoute(() => new Router([]).select({ number: ukMobile }), '+447700900123');
    });
  });

  describe('strategies', () => {
    it('failover (the default) keeps the listed order on every message', () => {
      const router = new Router([{ transports: ['a', 'b', 'c'] }]);
      for (let i = 0; i < 3; i++) assert.deepEqual(router.select({ number: ukMobile }).transports, ['a', 'b', 'c']);
    });

    it('a decision is a copy: changing it does not change the route', () => {
      const router = new Router([{ transports: ['a', 'b'] }]);
      router.select({ number: ukMobile }).transports.reverse();
      assert.deepEqual(router.select({ number: ukMobile }).transports, ['a', 'b']);
    });

    it('round-robin rotates the starting transport per message, the rest following in order', () => {
      const router = new Router([{ transports: ['a', 'b', 'c'], strategy: 'round-robin' }]);
      const orders = Array.from({ length: 4 }, () => router.select({ number: ukMobile }).transports);
      assert.deepEqual(orders, [
        ['a', 'b', 'c'],
        ['b', 'c', 'a'],
        ['c', 'a', 'b'],
        ['a', 'b', 'c'],
      ]);
    });

    it('round-robin rotates per route, only when that route is chosen', () => {
      const router = new Router([
        { match: { tag: ['x'] }, transports: ['x1', 'x2'], strategy: 'round-robin' },
        { transports: ['y1', 'y2'], strategy: 'round-robin' },
      ]);
      const first = (tag?: string) => router.select(tag ? { number: ukMobile, tag } : { number: ukMobile }).transports[0];
      assert.deepEqual([first('x'), first(), first(), first('x'), first()], ['x1', 'y1', 'y2', 'x2', 'y1']);
    });

    it("orders a sender's own list (a send request's transports) by failover, or round robin per list", () => {
      const router = new Router([]);
      assert.deepEqual(router.arrange(['a', 'b']), ['a', 'b']);
      assert.deepEqual(router.arrange(['a', 'b'], 'failover'), ['a', 'b']);
      const firsts = Array.from({ length: 4 }, () => router.arrange(['a', 'b'], 'round-robin'));
      assert.deepEqual(firsts, [['a', 'b'], ['b', 'a'], ['a', 'b'], ['b', 'a']]);
      // Another list turns on its own.
      assert.deepEqual(router.arrange(['c', 'd', 'e'], 'round-robin'), ['c', 'd', 'e']);
      assert.deepEqual(router.arrange(['a', 'b'], 'round-robin'), ['a', 'b']);
      assert.deepEqual(router.arrange(['only'], 'round-robin'), ['only']);
    });

    it('weighted draws the first transport by weight, then the rest in list order', () => {
      // Shares of [1, 3]: a takes draws in [0, 0.25), b takes [0.25, 1).
      const router = new Router([{ transports: ['a', 'b', 'c'], strategy: 'weighted', weights: [1, 3, 0] }], {
        random: draws(0, 0.2499, 0.25, 0.9999999),
      });
      const orders = Array.from({ length: 4 }, () => router.select({ number: ukMobile }).transports);
      assert.deepEqual(orders, [
        ['a', 'b', 'c'],
        ['a', 'b', 'c'],
        ['b', 'a', 'c'],
        ['b', 'a', 'c'],
      ]);
    });

    it('weighted never draws a zero weight first but keeps it as a backup', () => {
      const router = new Router([{ transports: ['backup', 'main'], strategy: 'weighted', weights: [0, 1] }], {
        random: draws(0, 0.5),
      });
      assert.deepEqual(router.select({ number: ukMobile }).transports, ['main', 'backup']);
      assert.deepEqual(router.select({ number: ukMobile }).transports, ['main', 'backup']);
    });

    it('weighted gives a draw that rounding pushes past every share to the last transport with weight', () => {
      // With these weights, 0.9999999999999999 * total lies beyond the summed shares in floating point.
      const router = new Router([{ transports: ['a', 'b', 'c', 'zero'], strategy: 'weighted', weights: [0.11, 4.11, 6.72, 0] }], {
        random: draws(0.9999999999999999),
      });
      assert.deepEqual(router.select({ number: ukMobile }).transports, ['c', 'a', 'b', 'zero']);
    });

    it('weighted follows the weights over many messages (seeded random)', () => {
      const router = new Router([{ transports: ['a', 'b', 'c'], strategy: 'weighted', weights: [6, 3, 1] }], {
        random: seeded(42),
      });
      const counts = { a: 0, b: 0, c: 0 } as Record<string, number>;
      for (let i = 0; i < 10_000; i++) counts[router.select({ number: ukMobile }).transports[0]!]!++;
      assert.ok(Math.abs(counts.a! - 6000) < 300, `a drawn ${counts.a} times`);
      assert.ok(Math.abs(counts.b! - 3000) < 300, `b drawn ${counts.b} times`);
      assert.ok(Math.abs(counts.c! - 1000) < 300, `c drawn ${counts.c} times`);
    });

    it('uses Math.random when no random source is given', () => {
      const router = new Router([{ transports: ['a', 'b'], strategy: 'weighted', weights: [1, 1] }]);
      const firsts = new Set(Array.from({ length: 200 }, () => router.select({ number: ukMobile }).transports[0]));
      assert.deepEqual([...firsts].sort(), ['a', 'b']);
    });
  });

  it('carries the route nationalLanguages into the decision, and only when set', () => {
    const router = new Router([
      { match: { country: ['TR'] }, transports: ['a'], nationalLanguages: ['turkish'] },
      { transports: ['b'] },
    ]);
    const turkish = router.select({ number: recipient('+905321234567', { country: 'TR' }) });
    assert.deepEqual(turkish, { routeIndex: 0, transports: ['a'], nationalLanguages: ['turkish'] });
    assert.equal('nationalLanguages' in router.select({ number: ukMobile }), false);
  });

  describe('refuses a route table it cannot act on', () => {
    const cases: [string, RouteConfig, string][] = [
      ['no transports', { transports: [] }, 'routes[1].transports'],
      ['weighted without weights', { transports: ['a', 'b'], strategy: 'weighted' }, 'routes[1].weights'],
      ['weights not one per transport', { transports: ['a', 'b'], strategy: 'weighted', weights: [1] }, 'routes[1].weights'],
      ['all weights zero', { transports: ['a', 'b'], strategy: 'weighted', weights: [0, 0] }, 'routes[1].weights'],
      ['a negative weight', { transports: ['a', 'b'], strategy: 'weighted', weights: [2, -1] }, 'routes[1].weights'],
    ];
    for (const [name, route, field] of cases) {
      it(name, () => {
        assert.throws(
          () => new Router([{ transports: ['ok'] }, route]),
          (err: unknown) => err instanceof SmsGateError && err.code === 'CONFIG_INVALID' && err.field === field,
        );
      });
    }
  });
});
