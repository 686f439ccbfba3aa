/**
 * How an SMPP transport holds maxPerSecond through the gateway's store: by the account's key,
 * one slot per segment, and only when it has a rate (a transport without one asks the store
 * nothing per submit). Against the SMSC simulator over real TCP, with a real store.
 */
import assert from 'node:assert/strict';
import { Gateway } from '../../src/gateway/gateway';
import { SmscSimulator } from '../../src/smpp/simulator';
import { accountKey } from '../../src/smpp/submit-rate';
import { SmppTransport } from '../../src/smpp/transport';
import { MemoryStore } from '../../src/store/memory';
import { until } from '../helpers/until';

/** A memory store that counts the slots asked of it, by account. */
class CountingStore extends MemoryStore {
  readonly asked = new Map<string, number>();

  override takeSubmitSlot(account: string, perSecond: number, now: number): Promise<number> {
    this.asked.set(account, (this.asked.get(account) ?? 0) + 1);
    return super.takeSubmitSlot(account, perSecond, now);
  }
}

describe('SMPP transport: the account key and the store round trips of its rate', function () {
  this.timeout(60_000);
  let sim: SmscSimulator;
  let port: number;
  let gateway: Gateway | undefined;

  beforeEach(async () => {
    sim = new SmscSimulator({ port: 0, systemId: 'test', password: 'secret', dlrDelayMs: 5 });
    ({ port } = await sim.start());
  });

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    await sim.stop();
  });

  it('keys an account by host, port, system id and type, without the password or the system id in clear', () => {
    const account = { host: '127.0.0.1', port: 2775, systemId: 'acme-ops', systemType: '' };
    const key = accountKey(account);
    assert.match(key, /^smpp:127\.0\.0\.1:2775:[0-9a-f]{32}$/);
    assert.ok(!key.includes('acme-ops'));
    assert.equal(accountKey({ ...account, host: '127.0.0.1' }), key, 'processes configured alike share it');
    assert.equal(accountKey({ ...account, host: 'LOCALHOST' }), accountKey({ ...account, host: 'localhost' }));
    for (const other of [{ port: 2776 }, { systemId: 'acme-ops2' }, { systemType: 'VMA' }, { host: '127.0.0.2' }]) {
      assert.notEqual(accountKey({ ...account, ...other }), key, JSON.stringify(other));
    }
  });

  it('refuses a rate that is not a whole number of segments, naming maxPerSecond', () => {
    for (const maxPerSecond of [2.5, -1, Number.NaN]) {
      assert.throws(
        () => new SmppTransport({ id: 'smsc', host: '127.0.0.1', port, systemId: 'test', password: 'secret', maxPerSecond }),
        (err: Error & { code?: string; field?: string }) => err.code === 'CONFIG_INVALID' && err.field === 'maxPerSecond',
      );
    }
  });

  async function send(maxPerSecond: number, store: CountingStore, count: number): Promise<void> {
    const transport = new SmppTransport({ id: 'smsc', host: '127.0.0.1', port, systemId: 'test', password: 'secret', maxPerSecond });
    gateway = new Gateway({ store, transports: [transport], guard: { enabled: false }, pollMs: 50 });
    await gateway.start();
    const accepted = [];
    for (let i = 0; i < count; i++) accepted.push(await gateway.send({ to: '+447400123456', text: `message ${i}` }));
    await Promise.all(accepted.map((m) => gateway!.waitFor(m.id, 'submitted', 30_000)));
    await until(() => sim.submits.length >= count, 10_000, 'the submits at the SMSC');
  }

  it('asks the store nothing per submit without maxPerSecond', async () => {
    const store = new CountingStore();
    await send(0, store, 30);
    assert.equal(sim.submits.length, 30);
    assert.deepEqual([...store.asked], []);
  });

  it('takes one slot per segment from the store, under the account key, with maxPerSecond', async () => {
    const store = new CountingStore();
    // 1000 a second: 30 segments never wait (the gap is 0 ms), so each asks once.
    await send(1000, store, 30);
    assert.equal(sim.submits.length, 30);
    const key = accountKey({ host: '127.0.0.1', port, systemId: 'test', systemType: '' });
    assert.deepEqual([...store.asked], [[key, 30]]);
  });
});
