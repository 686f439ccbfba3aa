/**
 * Transports joining and leaving a running gateway, as Node-RED deploys connections: what was
 * accepted for a transport that is away waits QUEUED and goes out when it is back.
 */
import assert from 'node:assert/strict';
import { Gateway, type GatewayOptions } from '../../src/gateway/gateway';
import { isSmsGateError } from '../../src/errors';
import { MemoryStore } from '../../src/store/memory';
import { LoopbackTransport } from '../../src/transport/loopback';
import { ScriptedTransport } from '../helpers/scripted-transport';

const UK_MOBILE = '+447400123456';
const FAST = { retry: { baseDelayMs: 5, maxDelayMs: 20 }, pollMs: 20 } satisfies Partial<GatewayOptions>;

describe('Gateway.addTransport / removeTransport', () => {
  const running: Gateway[] = [];

  async function startGateway(options: Partial<GatewayOptions> = {}): Promise<Gateway> {
    const gateway = new Gateway({ store: new MemoryStore(), transports: [], routes: [], ...FAST, ...options });
    running.push(gateway);
    await gateway.start();
    return gateway;
  }

  afterEach(async () => {
    await Promise.all(running.splice(0).map((g) => g.stop()));
  });

  it('keeps a message for a transport not added yet QUEUED, without using attempts, and sends it once it is added', async () => {
    const gateway = await startGateway();
    const accepted = await gateway.send({ to: UK_MOBILE, text: 'early', transports: ['later'] });
    assert.equal(accepted.state, 'QUEUED');

    const waiting = await gateway.waitFor(accepted.id, 'submitted', 150);
    assert.equal(waiting.state, 'QUEUED');
    assert.equal(waiting.attempts, 0);
    assert.equal(waiting.error?.code, 'TRANSPORT_UNAVAILABLE');

    await gateway.addTransport(new LoopbackTransport({ id: 'later', dlrDelayMs: 1 }));
    const done = await gateway.waitFor(accepted.id, 'final', 2000);
    assert.equal(done.state, 'DELIVERED');
    assert.equal(done.transportId, 'later');
  });

  it('loses nothing across a remove and re-add of the same id (a redeploy), whatever the timing', async () => {
    const gateway = await startGateway();
    await gateway.addTransport(new LoopbackTransport({ id: 'smsc', dlrDelayMs: 1, submitDelayMs: 2 }));
    const ids: string[] = [];
    const send = async (n: number) => ids.push((await gateway.send({ to: `+4474001234${String(n).padStart(2, '0')}`, text: `m${n}`, transports: ['smsc'] })).id);

    for (let n = 0; n < 20; n++) await send(n);
    const removing = gateway.removeTransport('smsc');
    for (let n = 20; n < 40; n++) await send(n); // accepted while the transport is going away
    await removing;
    for (let n = 40; n < 60; n++) await send(n); // accepted while it is away
    const replacement = new LoopbackTransport({ id: 'smsc', dlrDelayMs: 1 });
    await gateway.addTransport(replacement);
    for (let n = 60; n < 80; n++) await send(n);

    // Submitted by one instance or the other, none failed. (A loopback forgets the receipts
    // it had not sent yet when it stops, so the final states are not the point here.)
    const submitted = await Promise.all(ids.map((id) => gateway.waitFor(id, 'submitted', 5000)));
    assert.equal(submitted.length, 80);
    assert.deepEqual(
      submitted.filter((m) => m.state !== 'SUBMITTED' && m.state !== 'DELIVERED').map((m) => [m.text, m.state, m.error?.code]),
      [],
    );
    // Waiting for the transport to come back used no attempt: the submit was the first.
    assert.deepEqual(submitted.filter((m) => m.attempts !== 1).map((m) => m.text), []);
  });

  it('fails over past a transport that is not present to one that is', async () => {
    const gateway = await startGateway();
    await gateway.addTransport(new LoopbackTransport({ id: 'backup' }));
    const accepted = await gateway.send({ to: UK_MOBILE, text: 'hi', transports: ['absent', 'backup'] });
    const submitted = await gateway.waitFor(accepted.id, 'submitted', 2000);
    assert.equal(submitted.state, 'SUBMITTED');
    assert.equal(submitted.transportId, 'backup');
  });

  it('ignores link news from a transport instance that was removed', async () => {
    const gateway = await startGateway();
    const statuses: string[] = [];
    gateway.on('transport-status', ({ transportId, status }) => statuses.push(`${transportId}:${status.state}`));
    const old = new ScriptedTransport('t');
    await gateway.addTransport(old);
    await gateway.removeTransport('t');
    await gateway.addTransport(new ScriptedTransport('t'));
    old.setStatus({ state: 'error', detail: 'stale' });
    assert.deepEqual(statuses, ['t:connected', 't:connected']);
    assert.deepEqual((await gateway.status()).transports, { t: { state: 'connected' } });
  });

  it('refuses a second transport with the same id', async () => {
    const gateway = await startGateway();
    await gateway.addTransport(new ScriptedTransport('t'));
    await assert.rejects(gateway.addTransport(new ScriptedTransport('t')), (err) => isSmsGateError(err) && err.code === 'CONFIG_INVALID');
  });

  it('starts transports added before start() with the gateway', async () => {
    const gateway = new Gateway({ store: new MemoryStore(), transports: [], routes: [], ...FAST });
    running.push(gateway);
    const transport = new ScriptedTransport('t');
    await gateway.addTransport(transport);
    await gateway.start();
    const accepted = await gateway.send({ to: UK_MOBILE, text: 'x', transports: ['t'] });
    await gateway.waitFor(accepted.id, 'submitted', 2000);
    assert.equal(transport.submitted.length, 1);
  });

  it('refuses a malformed transport list, naming the field', async () => {
    const gateway = await startGateway();
    for (const transports of [[], [''], ['a', 'a'], 'a' as unknown as string[]]) {
      await assert.rejects(
        gateway.send({ to: UK_MOBILE, text: 'x', transports }),
        (err) => isSmsGateError(err) && err.code === 'OPTION_INVALID' && err.field === 'transports',
        JSON.stringify(transports),
      );
    }
  });
});
