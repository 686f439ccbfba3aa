/**
 * Every field of a send request is checked for type, range and size before the gateway uses it
 * (issue 13, point 6). Each rule is tried through a running gateway, whose transport and store
 * must see nothing of a refused request, and the checker's bounds on both sides.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmsGateError, type ErrorCode } from '../../src/errors';
import { Gateway, type SendRequest } from '../../src/gateway/gateway';
import {
  checkSendRequest,
  MAX_CORRELATION_LENGTH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_TAG_LENGTH,
  MAX_VALIDITY_SECONDS,
} from '../../src/gateway/send-request';
import { MemoryStore } from '../../src/store/memory';
import { SqliteStore } from '../../src/store/sqlite';
import type { Store } from '../../src/store/types';
import { ScriptedTransport } from '../helpers/scripted-transport';

const TO = '+447400123456';
const FAST = { retry: { baseDelayMs: 5, maxDelayMs: 20 }, pollMs: 20 };

describe('send request checks', function () {
  this.timeout(20_000);
  let dir: string;
  let gateway: Gateway;
  let transport: ScriptedTransport;

  async function startGateway(store: Store): Promise<Gateway> {
    transport = new ScriptedTransport('t1');
    gateway = new Gateway({ store, transports: [transport], ...FAST });
    await gateway.start();
    return gateway;
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-request-'));
    // The sqlite store: where an object as idempotency key used to fail as a raw sqlite error.
    await startGateway(new SqliteStore(join(dir, 'gw.db')));
  });

  afterEach(async () => {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The request is refused with `code`, naming `field` (and saying `words`), and nothing is stored or sent. */
  async function assertRefused(request: unknown, field: string, code: ErrorCode = 'OPTION_INVALID', words?: RegExp): Promise<void> {
    const label = show(request);
    await assert.rejects(gateway.send(request as SendRequest), (err: unknown) => {
      assert.ok(err instanceof SmsGateError, `${label}: an SmsGateError, got ${String(err)}`);
      assert.equal(err.code, code, `${label}: ${err.message}`);
      assert.equal(err.field, field, `${label}: ${err.message}`);
      if (words !== undefined) assert.match(err.message, words, label);
      return true;
    });
    assert.deepEqual(await gateway.store.countByState(), {}, `${label}: nothing stored`);
    assert.equal(transport.submitted.length, 0, `${label}: nothing sent`);
  }

  async function assertAccepted(request: SendRequest) {
    const record = await gateway.send(request);
    assert.equal(record.state, 'QUEUED', show(request));
    return record;
  }

  describe('the request itself', () => {
    it('refuses null, undefined, arrays and other non-objects with an SmsGateError, not a TypeError', async () => {
      for (const request of [null, undefined, 'hello', 447400123456, true, [TO, 'hi'], () => 1]) {
        await assertRefused(request, 'request', 'OPTION_INVALID', /a send request must be an object/);
      }
    });

    it('takes strategy failover or round-robin for its own transports, and refuses any other by name', async () => {
      await assertRefused({ to: TO, text: 'hi', transports: ['t1', 't2'], strategy: 'weighted' }, 'strategy', 'OPTION_INVALID', /failover, round-robin/);
      const order = async () => (await assertAccepted({ to: TO, text: 'hi', transports: ['t1', 't2'], strategy: 'round-robin' })).transports;
      assert.deepEqual([await order(), await order()], [['t1', 't2'], ['t2', 't1']]);
    });

    it('refuses an unknown field by name, so a misspelt option is not silently ignored', async () => {
      await assertRefused({ to: TO, text: 'hi', validity: 60 }, 'validity', 'OPTION_INVALID', /unknown field "validity"/);
    });

    it('refuses a missing or non-string to and text', async () => {
      await assertRefused({ text: 'hi' }, 'to', 'OPTION_INVALID', /to is missing/);
      await assertRefused({ to: TO }, 'text', 'OPTION_INVALID', /text is missing/);
      await assertRefused({ to: { e164: TO }, text: 'hi' }, 'to', 'OPTION_INVALID', /to must be a string, got an object/);
      await assertRefused({ to: TO, text: ['hi'] }, 'text', 'OPTION_INVALID', /text must be a string, got an array/);
    });
  });

  describe('idempotency key and correlation', () => {
    it('refuses an object as idempotency key naming the field, not with a raw sqlite error', async () => {
      await assertRefused({ to: TO, text: 'hi', idempotencyKey: { id: 1 } }, 'idempotencyKey', 'OPTION_INVALID', /must be a string, got an object/);
      await assertRefused({ to: TO, text: 'hi', idempotencyKey: 42 }, 'idempotencyKey');
      await assertRefused({ to: TO, text: 'hi', idempotencyKey: '' }, 'idempotencyKey', 'OPTION_INVALID', /must not be empty/);
    });

    it(`takes an idempotency key of ${MAX_IDEMPOTENCY_KEY_LENGTH} characters and refuses one longer`, async () => {
      await assertRefused(
        { to: TO, text: 'hi', idempotencyKey: 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1) },
        'idempotencyKey',
        'OPTION_INVALID',
        new RegExp(`${MAX_IDEMPOTENCY_KEY_LENGTH + 1} characters long, more than the limit of ${MAX_IDEMPOTENCY_KEY_LENGTH}`),
      );
      const key = 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH);
      const record = await assertAccepted({ to: TO, text: 'hi', idempotencyKey: key });
      assert.equal((await gateway.getMessage(record.id))?.idempotencyKey, key);
    });

    it(`takes a correlation of ${MAX_CORRELATION_LENGTH} characters and refuses 1 MB, or one that is not a string`, async () => {
      await assertRefused({ to: TO, text: 'hi', correlation: 'c'.repeat(1 << 20) }, 'correlation', 'OPTION_INVALID', /more than the limit of 1024/);
      await assertRefused({ to: TO, text: 'hi', correlation: { order: 7 } }, 'correlation');
      const correlation = 'c'.repeat(MAX_CORRELATION_LENGTH);
      const record = await assertAccepted({ to: TO, text: 'hi', correlation });
      assert.equal((await gateway.getMessage(record.id))?.correlation, correlation);
    });

    it(`refuses a tag longer than ${MAX_TAG_LENGTH} or not a string`, async () => {
      await assertRefused({ to: TO, text: 'hi', tag: 't'.repeat(MAX_TAG_LENGTH + 1) }, 'tag');
      await assertRefused({ to: TO, text: 'hi', tag: 7 }, 'tag');
    });

    it('refuses a lone surrogate in a stored string, naming its position', async () => {
      await assertRefused({ to: TO, text: 'hi', correlation: 'ab\uD800' }, 'correlation', 'OPTION_INVALID', /U\+D800 at position 2/);
    });
  });

  describe('validity', () => {
    for (const validitySeconds of [Infinity, -Infinity, NaN, 1e12, 0, 0.5, -60, MAX_VALIDITY_SECONDS + 1, '3600', null]) {
      it(`refuses validitySeconds ${show(validitySeconds)}`, async () => {
        await assertRefused({ to: TO, text: 'hi', validitySeconds }, 'validitySeconds', 'OPTION_INVALID', /from 1 to 38102400/);
      });
    }

    it('takes 1 s and 63 weeks (the longest TP-VP can say), and the message lives exactly that long', async () => {
      for (const validitySeconds of [1, MAX_VALIDITY_SECONDS]) {
        const before = Date.now();
        const record = await assertAccepted({ to: TO, text: 'hi', validitySeconds });
        assert.ok(record.validUntil >= before + validitySeconds * 1000 && record.validUntil <= Date.now() + validitySeconds * 1000);
      }
      assert.equal(MAX_VALIDITY_SECONDS, 63 * 7 * 86_400);
    });
  });

  describe('booleans', () => {
    for (const field of ['deliveryReport', 'smart', 'reference16'] as const) {
      for (const value of ['no', 'false', 0, 1, null, {}]) {
        it(`refuses ${field}: ${show(value)} (not taken as true)`, async () => {
          await assertRefused({ to: TO, text: 'hi', [field]: value }, field, 'OPTION_INVALID', /must be true or false/);
        });
      }
    }

    it('takes deliveryReport: false as false', async () => {
      const record = await assertAccepted({ to: TO, text: 'hi', deliveryReport: false });
      assert.equal(record.deliveryReport, false);
    });
  });

  describe('text', () => {
    for (const [text, position, unit] of [
      ['\uD800', 0, 'D800'],
      ['abc\uD83D', 3, 'D83D'],
      ['a\uDE00b', 1, 'DE00'],
      ['😀\uDE00\uD83D', 2, 'DE00'],
    ] as const) {
      it(`refuses a lone surrogate U+${unit} at position ${position}, whatever the encoding`, async () => {
        for (const encoding of ['auto', 'ucs2'] as const) {
          await assertRefused({ to: TO, text, encoding }, 'text', 'TEXT_NOT_ENCODABLE', new RegExp(`U\\+${unit} at position ${position}\\b`));
        }
      });
    }

    it('takes surrogate pairs (an emoji) and sends them as UCS-2', async () => {
      const record = await assertAccepted({ to: TO, text: 'ok 😀' });
      assert.equal(record.encoding, 'UCS2');
      await gateway.waitFor(record.id, 'submitted', 5000);
      assert.equal(transport.submitted.length, 1);
    });
  });

  describe('every other field, by type and range', () => {
    const cases: [Record<string, unknown>, string, ErrorCode?][] = [
      [{ from: 447400123456 }, 'from'],
      [{ fromType: 'name' }, 'fromType', 'SENDER_TYPE_UNKNOWN'],
      [{ region: 44 }, 'region'],
      [{ priority: 1.5 }, 'priority'],
      [{ priority: '3' }, 'priority'],
      [{ priority: 4 }, 'priority'],
      [{ scheduleAt: 'tomorrow' }, 'scheduleAt'],
      [{ scheduleAt: new Date(NaN) }, 'scheduleAt'],
      [{ scheduleAt: Infinity }, 'scheduleAt'],
      [{ encoding: 'utf8' }, 'encoding'],
      [{ encoding: 7 }, 'encoding'],
      [{ maxSegments: 0 }, 'maxSegments'],
      [{ maxSegments: 256 }, 'maxSegments'],
      [{ maxSegments: 2.5 }, 'maxSegments'],
      [{ maxSegments: '3' }, 'maxSegments'],
      [{ transports: 't1' }, 'transports'],
      [{ transports: [] }, 'transports'],
      [{ transports: ['t1', 't1'] }, 'transports'],
      [{ transports: ['t1', 5] }, 'transports'],
    ];
    for (const [fields, field, code] of cases) {
      it(`refuses ${show(fields)}`, async () => {
        await assertRefused({ to: TO, text: 'hi', ...fields }, field, code);
      });
    }

    it('takes every field at a valid value, and passes on a copy holding only what was given', () => {
      const request: SendRequest = {
        to: TO,
        text: 'hi',
        from: 'ACME',
        fromType: 'alphanumeric',
        region: 'GB',
        tag: 'alerts',
        correlation: 'order-7',
        idempotencyKey: 'k-7',
        deliveryReport: false,
        validitySeconds: 3600,
        priority: 3,
        scheduleAt: new Date(Date.now() + 60_000),
        encoding: 'ucs2',
        smart: true,
        maxSegments: 255,
        reference16: true,
        transports: ['t1'],
      };
      const checked = checkSendRequest(request);
      assert.deepEqual(checked, request);
      assert.notEqual(checked, request);
      assert.notEqual(checked.transports, request.transports, 'a caller changing its list later changes nothing');
      assert.deepEqual(Object.keys(checkSendRequest({ to: TO, text: 'hi', from: undefined })), ['to', 'text']);
    });
  });

  describe('the sqlite store path', () => {
    it('refuses at start a store path that cannot be created (under a file) or written (a directory), naming store.path', async () => {
      const file = join(dir, 'a-file');
      writeFileSync(file, 'not a directory');
      const directory = join(dir, 'a-directory.db');
      mkdirSync(directory);
      for (const path of [join(file, 'sub', 'gw.db'), directory]) {
        const store = new SqliteStore(path);
        const refused = new Gateway({ store, transports: [new ScriptedTransport('t2')] });
        await assert.rejects(refused.start(), (err: unknown) => {
          assert.ok(err instanceof SmsGateError, String(err));
          assert.equal(err.code, 'STORE_ERROR');
          assert.equal(err.field, 'store.path');
          assert.match(err.message, /^store\.path: cannot open or write the sqlite store at /);
          assert.ok(err.message.includes(path), err.message);
          return true;
        });
        await store.close();
      }
    });
  });

  it('checks a request the same on a memory store', async () => {
    await gateway.stop();
    await startGateway(new MemoryStore());
    await assertRefused({ to: TO, text: 'hi', idempotencyKey: ['k'] }, 'idempotencyKey');
    await assertRefused(null, 'request');
  });
});

function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number' || value === undefined) return String(value);
  if (value instanceof Date) return `Date(${value.getTime()})`;
  // Infinity, NaN and invalid dates would all read as null in plain JSON.
  const text =
    JSON.stringify(value, function (this: Record<string, unknown>, key, item: unknown) {
      const raw = this[key];
      if (raw instanceof Date) return `Date(${raw.getTime()})`;
      return typeof item === 'number' && !Number.isFinite(item) ? String(item) : item;
    }) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
