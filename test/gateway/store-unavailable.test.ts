/**
 * A gateway on a Redis store while Redis is down: send() fails at once with STORE_UNAVAILABLE and
 * nothing of that send is stored or submitted; once Redis is back the gateway carries on, with
 * no restart of its own.
 */
import assert from 'node:assert/strict';
import { SmsGateError } from '../../src/errors';
import { Gateway } from '../../src/gateway/gateway';
import { RedisStore } from '../../src/store/redis';
import { RedisServer } from '../helpers/redis-server';
import { ScriptedTransport } from '../helpers/scripted-transport';
import { until } from '../helpers/until';

describe('gateway on a Redis store that goes down', () => {
  let server: RedisServer;
  let gateway: Gateway | undefined;
  before(async () => (server = await RedisServer.start({ appendfsync: 'always' })));
  after(async () => {
    await gateway?.stop();
    await server.dispose();
  });

  it('rejects send() with STORE_UNAVAILABLE while Redis is down, stores nothing of it, and carries on once it is back', async function () {
    this.timeout(30_000);
    const store = new RedisStore({ url: server.url(), prefix: 'gw-down' });
    const transport = new ScriptedTransport('t1');
    gateway = new Gateway({ store, transports: [transport], pollMs: 50, unavailableRecheckMs: 200 });
    const warnings: Error[] = [];
    gateway.on('warning', (err) => warnings.push(err));
    await gateway.start();

    const first = await gateway.send({ to: '+447400123456', text: 'before' });
    assert.equal((await gateway.waitFor(first.id, 'submitted', 10_000)).state, 'SUBMITTED');

    await server.stop('SIGTERM');
    for (let i = 0; i < 5; i++) {
      await assert.rejects(
        gateway.send({ to: '+447400123456', text: `while down ${i}`, idempotencyKey: `down-${i}` }),
        (err: unknown) => err instanceof SmsGateError && err.code === 'STORE_UNAVAILABLE' && err.kind === 'failed',
      );
    }

    await server.start();
    await until(() => store.connected, 10_000, 'the store to reconnect');
    const second = await gateway.send({ to: '+447400123456', text: 'after' });
    assert.equal((await gateway.waitFor(second.id, 'submitted', 10_000)).state, 'SUBMITTED');

    // What reached the transport: the two accepted messages, once each; none refused while down.
    assert.deepEqual(transport.submitted.map((m) => m.id).sort(), [first.id, second.id].sort());
    assert.deepEqual((await gateway.status()).messages, { SUBMITTED: 2 });
    // A send refused while down left no idempotency key behind: sent again now, it is a new message.
    const again = await gateway.send({ to: '+447400123456', text: 'while down 0', idempotencyKey: 'down-0' });
    assert.equal(again.state, 'QUEUED');
    assert.equal((await gateway.waitFor(again.id, 'submitted', 10_000)).state, 'SUBMITTED');
    assert.deepEqual(transport.submitted.map((m) => m.id).sort(), [first.id, second.id, again.id].sort());
    for (const warning of warnings) assert.ok(!/Very|password/i.test(warning.message), warning.message);
  });

  it('fails send() with STORE_UNAVAILABLE within the call timeout while Redis hangs, and carries on once it answers again', async function () {
    this.timeout(30_000);
    const store = new RedisStore({ url: server.url(), prefix: 'gw-hung', callTimeoutMs: 500 });
    const transport = new ScriptedTransport('t1');
    const hung = new Gateway({ store, transports: [transport], pollMs: 50, unavailableRecheckMs: 200 });
    gateway = hung;
    await hung.start();
    const first = await hung.send({ to: '+447400123456', text: 'before' });
    await hung.waitFor(first.id, 'submitted', 10_000);

    server.pause(); // SIGSTOP: the connection stays open, nothing answers
    try {
      const started = Date.now();
      await assert.rejects(
        hung.send({ to: '+447400123456', text: 'while hung', idempotencyKey: 'hung-1' }),
        (err: unknown) => err instanceof SmsGateError && err.code === 'STORE_UNAVAILABLE' && /did not answer in time/.test(err.message),
      );
      const waited = Date.now() - started;
      assert.ok(waited < 5_000, `refused after ${waited} ms, not left waiting`);
    } finally {
      server.resume();
    }
    const after = await hung.send({ to: '+447400123456', text: 'after' });
    assert.equal((await hung.waitFor(after.id, 'submitted', 10_000)).state, 'SUBMITTED');
    // The send that timed out may have been carried out by Redis once it went on: if so, it is
    // one message (its idempotency key), sent once; either way nothing was submitted twice.
    const ids = transport.submitted.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, `each submitted once: ${ids.join(', ')}`);
    assert.ok(ids.includes(first.id) && ids.includes(after.id));
  });
});
