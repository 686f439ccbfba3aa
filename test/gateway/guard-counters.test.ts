/**
 * Guard point of the outbox issue: the rate caps count in the store, so gateways sharing one
 * store (processes, restarts) share them, and a send repeated with an idempotency key already
 * accepted is not counted again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../../src/gateway/gateway';
import { SqliteStore } from '../../src/store/sqlite';
import { LoopbackTransport } from '../../src/transport/loopback';

describe('Gateway: guard caps counted in the store', function () {
  this.timeout(60_000);
  let dir: string;
  const gateways: Gateway[] = [];

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'smsgate-guard-'))));
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function gatewayOnFile(): Promise<Gateway> {
    const gateway = new Gateway({
      store: new SqliteStore(join(dir, 'gw.db')),
      transports: [new LoopbackTransport({ id: 'loop', dlrDelayMs: 10 })],
      guard: { perRecipient: { max: 5, windowSeconds: 3600 } },
    });
    gateways.push(gateway);
    await gateway.start();
    return gateway;
  }

  it('25 gateways on one file, sending at once: exactly the cap passes, and a restarted one still counts them', async () => {
    const all = await Promise.all(Array.from({ length: 25 }, () => gatewayOnFile()));
    const sent = await Promise.all(all.map((gateway, i) => gateway.send({ to: '+447400123456', text: `from gateway ${i}` })));
    assert.equal(sent.filter((m) => m.state === 'QUEUED').length, 5);
    assert.equal(sent.filter((m) => m.state === 'REJECTED' && m.error?.code === 'RATE_LIMITED').length, 20);
    await Promise.all(gateways.splice(0).map((gateway) => gateway.stop()));

    const restarted = await gatewayOnFile();
    const after = await restarted.send({ to: '+447400123456', text: 'after the restart' });
    assert.equal(after.state, 'REJECTED');
    assert.equal(after.error?.code, 'RATE_LIMITED');
  });

  it('a send repeated with an accepted idempotency key, from any gateway, is not counted again', async () => {
    const [one, two] = [await gatewayOnFile(), await gatewayOnFile()];
    const first = await one.send({ to: '+447400123456', text: 'order 17', idempotencyKey: 'order-17' });
    for (const gateway of [one, two, one, two, one, two]) {
      const again = await gateway.send({ to: '+447400123456', text: 'order 17', idempotencyKey: 'order-17' });
      assert.equal(again.id, first.id, 'the repeat returns the message accepted first');
    }
    // Four more distinct sends fill the cap of five: order-17 counted once.
    const others = [];
    for (let i = 0; i < 5; i++) others.push(await (i % 2 ? one : two).send({ to: '+447400123456', text: `other ${i}` }));
    assert.deepEqual(
      others.map((m) => m.state),
      ['QUEUED', 'QUEUED', 'QUEUED', 'QUEUED', 'REJECTED'],
    );
    const repeatWhenFull = await two.send({ to: '+447400123456', text: 'order 17', idempotencyKey: 'order-17' });
    assert.equal(repeatWhenFull.id, first.id, 'a full cap still returns the accepted message for its key');
    assert.notEqual(repeatWhenFull.state, 'REJECTED');
  });
});
