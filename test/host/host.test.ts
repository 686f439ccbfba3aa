/**
 * The core's gateway host (src/host), which Node-RED's and n8n's nodes are adapters over:
 * the store chosen from settings, one gateway per store per process, connections used and
 * dropped one after the other, link status as the transports tell it, and listeners. SMPP
 * connections go to the SMSC simulator over real TCP; loopback ones where no network matters.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GatewayHost,
  hostConfig,
  MEMORY_FALLBACK_NOTE,
  sharedHost,
  SmscSimulator,
  validateConfig,
  type HostConfig,
  type LinkState,
  type TransportConfig,
} from '../../src';
import { until } from '../helpers/until';

const SYSTEM_ID = 'hosttest';
const PASSWORD = 'h0st-pw!';

function loopback(id: string, dlrDelayMs = 10): TransportConfig {
  return { id, type: 'loopback', dlrDelayMs, dlrStatus: 'DELIVRD', submitDelayMs: 0 };
}

function smpp(id: string, port: number, extra: Record<string, unknown> = {}): TransportConfig {
  const raw = { id, type: 'smpp', host: '127.0.0.1', port, systemId: SYSTEM_ID, password: PASSWORD, ...extra };
  return validateConfig({ store: { type: 'memory' }, transports: [raw] }).transports[0]!;
}

function logged() {
  const lines: string[] = [];
  return { lines, log: { warn: (m: string) => void lines.push(`warn ${m}`), error: (m: string) => void lines.push(`error ${m}`) } };
}

function memoryHost(log = logged().log): GatewayHost {
  return new GatewayHost({ configure: () => ({ store: { type: 'memory' } }), log });
}

/** Records every link state the host shows for `id`, in order, without repeats. */
function linkStates(host: GatewayHost, id: string): LinkState[] {
  const states: LinkState[] = [];
  host.on('change', () => {
    const state = host.connection(id)?.link.state;
    if (state !== undefined && states.at(-1) !== state) states.push(state);
  });
  return states;
}

describe('GatewayHost (core)', function () {
  this.timeout(20_000);
  let dir: string;
  const simulators: SmscSimulator[] = [];
  const hosts: Array<{ host: GatewayHost; ids: string[] }> = [];

  async function simulator(): Promise<{ sim: SmscSimulator; port: number }> {
    const sim = new SmscSimulator({ host: '127.0.0.1', port: 0, systemId: SYSTEM_ID, password: PASSWORD, dlrDelayMs: 10 });
    simulators.push(sim);
    return { sim, port: (await sim.start()).port };
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-host-'));
  });
  afterEach(async () => {
    for (const { host, ids } of hosts.splice(0)) await Promise.all(ids.map((id) => host.drop(id)));
    await Promise.all(simulators.splice(0).map((sim) => sim.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  describe('the store', () => {
    it('is sqlite at the default path when the settings name none, and what the settings name otherwise', () => {
      const path = join(dir, 'smsgate.db');
      assert.deepEqual(hostConfig({ section: {}, defaultPath: path, origin: 'test' }).store, { type: 'sqlite', path });
      assert.equal(hostConfig({ section: {}, defaultPath: path, origin: 'test' }).note, undefined, 'this Node has node:sqlite: no fallback');
      assert.deepEqual(hostConfig({ section: { store: { type: 'memory' } }, defaultPath: path, origin: 'test' }).store, { type: 'memory' });
      assert.deepEqual(hostConfig({ section: { store: { type: 'sqlite', path: 'x.db' } }, baseDir: dir, origin: 'test' }).store, {
        type: 'sqlite',
        path: join(dir, 'x.db'),
      });
      // No default path (Node-RED without a user directory): memory, and not a fallback.
      const bare = hostConfig({ section: {}, origin: 'test' });
      assert.deepEqual([bare.store, bare.note, bare.retention], [{ type: 'memory' }, undefined, { finalDays: 7, refusedHours: 24, inboundDays: 7 }]);
    });

    it('refuses bad settings naming where they came from and the field, with the config file\'s words', () => {
      assert.throws(
        () => hostConfig({ section: { store: { type: 'postgres' } }, origin: 'settings.js smsgate' }),
        (err: Error & { code?: string }) => err.code === 'CONFIG_INVALID' && /^settings\.js smsgate: .*store\.type/.test(err.message),
      );
      assert.throws(
        () => hostConfig({ section: { retention: { finalDays: 0 } }, origin: 'n8n environment' }),
        (err: Error) => /^n8n environment: .*retention\.finalDays: expected a number above 0/.test(err.message),
      );
    });

    it('keeps a memory outbox across the gateway stopping with its last connection and starting with the next (a full redeploy)', async () => {
      const { lines, log } = logged();
      const host = memoryHost(log);
      await host.use({ id: 'a', label: 'A', kind: 'smpp' }, loopback('a'));
      const first = await host.current();
      // For a connection the next deploy brings: it waits in the outbox meanwhile.
      const waiting = await first.send({ to: '+447400123456', text: 'for b', transports: ['b'] });
      await host.drop('a');
      await assert.rejects(first.send({ to: '+447400123456', text: 'x', transports: ['a'] }), /not started/);
      await assert.rejects(host.current(), /no smsgate connection is deployed/);

      hosts.push({ host, ids: ['b'] });
      await host.use({ id: 'b', label: 'B', kind: 'smpp' }, loopback('b'));
      const second = await host.current();
      assert.notEqual(second, first, 'a new gateway');
      assert.equal((await second.waitFor(waiting.id, 'submitted', 3000)).transportId, 'b');
      assert.deepEqual(lines, [
        'warn smsgate: the outbox is in memory; queued messages are lost on restart',
        'warn smsgate: the outbox is in memory; queued messages are lost on restart',
      ]);
    });

    it('says a fallback to memory once in the log and in outboxNote()', async () => {
      const { lines, log } = logged();
      const host = new GatewayHost({ configure: () => ({ store: { type: 'memory' }, note: MEMORY_FALLBACK_NOTE }), log });
      for (const round of [1, 2]) {
        await host.use({ id: 'a', label: 'A', kind: 'smpp' }, loopback('a'));
        assert.equal(host.outboxNote(), MEMORY_FALLBACK_NOTE, `round ${round}`);
        await host.drop('a');
      }
      assert.deepEqual(lines, [`warn smsgate: ${MEMORY_FALLBACK_NOTE}`]);
    });
  });

  describe('one gateway per store per process', () => {
    it('gives two connections on one store one host and one gateway; another store gets its own', async () => {
      const config = (path: string): HostConfig => hostConfig({ section: { store: { type: 'sqlite', path } }, origin: 'test' });
      const one = sharedHost(config(join(dir, 'one.db')), logged().log);
      const again = sharedHost(config(join(dir, 'one.db')), logged().log);
      const other = sharedHost(config(join(dir, 'other.db')), logged().log);
      assert.equal(again, one, 'the same store: the same host');
      assert.notEqual(other, one);
      hosts.push({ host: one, ids: ['x', 'y'] }, { host: other, ids: ['z'] });

      const { sim, port } = await simulator();
      await Promise.all([
        one.use({ id: 'x', label: 'X', kind: 'smpp' }, smpp('x', port)),
        again.use({ id: 'y', label: 'Y', kind: 'smpp' }, smpp('y', port)),
        other.use({ id: 'z', label: 'Z', kind: 'smpp' }, smpp('z', port)),
      ]);
      const gateway = await one.current();
      assert.equal(await again.current(), gateway, 'one gateway for both connections');
      assert.notEqual(await other.current(), gateway);
      assert.equal(sim.sessions(), 3);

      // Either connection's message is in the one outbox, and goes out on the one named.
      const viaY = await gateway.send({ to: '+447400123456', text: 'via y', transports: ['y'] });
      assert.equal((await gateway.waitFor(viaY.id, 'final', 5000)).state, 'DELIVERED');
      assert.equal((await one.current()).store, gateway.store);
      assert.equal(sim.submits.length, 1);
    });
  });

  describe('connections coming and going', () => {
    it('runs changes one after the other: a burst of uses and drops ends with exactly the last settings bound, once', async () => {
      const { sim, port } = await simulator();
      const host = memoryHost();
      hosts.push({ host, ids: ['c'] });
      const binds: string[] = [];
      sim.on('bind', ({ mode }: { mode: string }) => binds.push(mode));
      const info = { id: 'c', label: 'C', kind: 'smpp' };
      await host.use(info, smpp('c', port, { bind: 'transceiver' }));
      assert.deepEqual(binds, ['transceiver']);

      // Not awaited one by one: as a trigger closing, a send starting and a redeploy would.
      const burst = [
        host.use(info, smpp('c', port, { bind: 'transmitter' })),
        host.use(info, smpp('c', port, { bind: 'transceiver' })),
        host.drop('c'),
        host.use(info, smpp('c', port, { bind: 'transmitter' })),
        host.use(info, smpp('c', port, { bind: 'transmitter' })),
      ];
      await Promise.all(burst);
      await until(() => sim.sessions() === 1 && host.connection('c')?.link.state === 'connected', 5000, 'one bind');
      // The transceiver asked for in between was superseded before its turn: never bound. (The
      // first transmitter may or may not have bound before the drop took it away.)
      assert.equal(binds[0], 'transceiver');
      assert.ok(binds.length >= 2 && binds.slice(1).every((mode) => mode === 'transmitter'), binds.join());

      const same = binds.length;
      await host.use(info, smpp('c', port, { bind: 'transmitter' }));
      assert.equal(binds.length, same, 'the same settings again change nothing');
      assert.equal(sim.sessions(), 1);
    });

    it('keeps messages for a connection queued across its drop and use (a redeploy), and stops the gateway with the last', async () => {
      const host = memoryHost();
      await host.use({ id: 'a', label: 'A', kind: 'smpp' }, loopback('a'));
      await host.use({ id: 'b', label: 'B', kind: 'smpp' }, loopback('b'));
      const gateway = await host.current();

      await host.drop('b');
      assert.equal(host.connection('b'), undefined);
      const waiting = await gateway.send({ to: '+447400123456', text: 'for b', transports: ['b'] });
      assert.equal((await gateway.waitFor(waiting.id, 'submitted', 200)).state, 'QUEUED');
      await until(() => host.queueDepth() === 1, 3000, 'the queue depth to count it');

      await host.use({ id: 'b', label: 'B', kind: 'smpp' }, loopback('b'));
      assert.equal((await gateway.waitFor(waiting.id, 'submitted', 3000)).transportId, 'b');
      await until(() => host.queueDepth() === 0, 3000, 'the queue depth to drop');

      await host.drop('a');
      assert.equal(await host.current(), gateway, 'still running while a connection is left');
      await host.drop('b');
      await assert.rejects(host.current(), /no smsgate connection is deployed/);
      await assert.rejects(gateway.send({ to: '+447400123456', text: 'x', transports: ['a'] }), /not started/);
    });
  });

  describe('link status', () => {
    it('tells connecting, connected, reconnecting when the SMSC goes away, and nothing once dropped', async () => {
      const { sim, port } = await simulator();
      const host = memoryHost();
      const states = linkStates(host, 'c');
      await host.use({ id: 'c', label: 'SMSC', kind: 'smpp' }, smpp('c', port));
      await until(() => host.connection('c')?.link.state === 'connected', 5000, 'connected');
      assert.deepEqual(host.connection('c'), { id: 'c', label: 'SMSC', kind: 'smpp', link: host.connection('c')!.link });
      await sim.stop();
      await until(() => ['reconnecting', 'disconnected'].includes(host.connection('c')!.link.state), 10_000, 'the link to go down');
      assert.deepEqual(states.slice(0, 2), ['connecting', 'connected']);
      await host.drop('c');
      assert.equal(host.connection('c'), undefined);
    });

    it('says a refused bind without the password, and refused settings as the platform gave them', async () => {
      const { port } = await simulator();
      const host = memoryHost();
      hosts.push({ host, ids: ['wrong', 'bad'] });
      await host.use({ id: 'wrong', label: 'SMSC', kind: 'smpp' }, smpp('wrong', port, { password: 'guessed!' }));
      await until(() => /error|reconnecting/.test(host.connection('wrong')!.link.state) && host.connection('wrong')!.link.detail !== undefined, 5000, 'the refusal');
      assert.match(host.connection('wrong')!.link.detail!, /ESME_RINVPASWD|password/i);
      assert.doesNotMatch(JSON.stringify(host.connection('wrong')), /guessed!/);

      host.refuse({ id: 'bad', label: 'B', kind: 'modem' }, 'path: required');
      assert.deepEqual(host.connection('bad')!.link, { state: 'error', detail: 'path: required' });
    });

    it('shows a gateway that cannot start on every connection, rejects with the store\'s error, logs it at each start, and tries again', async () => {
      mkdirSync(join(dir, 'outbox.db'));
      const { lines, log } = logged();
      const config = hostConfig({ section: { store: { type: 'sqlite', path: join(dir, 'outbox.db') } }, origin: 'test' });
      const host = new GatewayHost({ configure: () => config, log });
      const a = host.use({ id: 'a', label: 'A', kind: 'smpp' }, loopback('a'));
      const b = host.use({ id: 'b', label: 'B', kind: 'smpp' }, loopback('b'));
      const reason = `store.path: cannot open or write the sqlite store at ${join(dir, 'outbox.db')}`;
      await assert.rejects(a, (err: Error & { code?: string }) => err.code === 'STORE_ERROR' && err.message.startsWith(reason));
      await assert.rejects(b);
      for (const id of ['a', 'b']) {
        assert.equal(host.connection(id)!.link.state, 'error');
        assert.ok(host.connection(id)!.link.detail!.startsWith(reason), host.connection(id)!.link.detail);
      }
      await assert.rejects(host.current(), (err: Error) => err.message.startsWith(reason));
      assert.equal(lines.length, 1);
      assert.ok(lines[0]!.startsWith(`error smsgate: the gateway could not start: ${reason}`), lines[0]);

      await host.drop('a');
      await host.drop('b');
      await assert.rejects(host.use({ id: 'a', label: 'A', kind: 'smpp' }, loopback('a')));
      assert.equal(lines.length, 2, 'the next use tries again');
      await host.drop('a');
    });
  });

  describe('listeners', () => {
    it('get each report once, keep getting them when another listener throws, stop at unsubscribe, and wait while held', async () => {
      const { lines, log } = logged();
      const host = memoryHost(log);
      hosts.push({ host, ids: ['lb'] });
      await host.use({ id: 'lb', label: 'LB', kind: 'smpp' }, loopback('lb'));
      const gateway = await host.current();
      const seen: string[] = [];
      // Subscribed throughout: once it has a report, every listener that would get it has.
      const witnessed: string[] = [];
      host.listen('witness', 'report', ({ message }) => witnessed.push(message!.correlation!));
      const stopFaulty = host.listen('faulty', 'report', () => {
        throw new Error('a flow bug');
      });
      const stop = host.listen('status-1', 'report', ({ message }) => seen.push(message!.correlation!));
      const deliver = async (correlation: string) => {
        const sent = await gateway.send({ to: '+447400123456', text: correlation, correlation, transports: ['lb'] });
        await gateway.waitFor(sent.id, 'final', 5000);
      };

      await deliver('one');
      await until(() => seen.length === 1 && lines.some((l) => l.startsWith('error')), 5000, 'the report at both listeners');
      assert.deepEqual(seen, ['one']);
      assert.deepEqual(lines.filter((l) => l.startsWith('error')), ['error smsgate: listener faulty failed on a report: a flow bug']);

      host.hold();
      await deliver('two');
      // One event per listener id is read and waits (the others wait in the store behind it).
      await until(() => host.heldCount() === 3, 5000, 'the report read for each listener and held');
      assert.deepEqual(seen, ['one'], 'held');
      host.release();
      assert.deepEqual(seen, ['one', 'two'], 'handed on at release');

      await stop();
      await stopFaulty();
      await deliver('three');
      await until(() => witnessed.includes('three'), 5000, 'the third report at the listener still subscribed');
      assert.deepEqual(seen, ['one', 'two']);
      assert.deepEqual(witnessed, ['one', 'two', 'three']);
    });

    it('make one feed listener per id for all its kinds, on each gateway the host starts', async () => {
      const host = memoryHost();
      const got: string[] = [];
      // Subscribed before any gateway runs: the listener is made when one opens.
      const stopReports = host.listen('trigger', 'report', ({ message }) => got.push(`report ${message!.correlation}`));
      const stopInbound = host.listen('trigger', 'inbound', (message) => got.push(`inbound ${message.text}`));
      const { sim, port } = await simulator();
      const gateways = new Set<unknown>();
      for (const round of [1, 2]) {
        await host.use({ id: 'c', label: 'SMSC', kind: 'smpp' }, smpp('c', port));
        const gateway = await host.current();
        gateways.add(gateway);
        await until(() => host.connection('c')?.link.state === 'connected', 5000, 'bound');
        await gateway.send({ to: '+447400123456', text: 'x', correlation: `m${round}`, transports: ['c'] });
        await sim.injectMo({ from: '+447400123457', to: '60000', text: `in${round}` });
        await until(() => got.length === 2 * round, 5000, `round ${round}'s report and SMS`);
        // The gateway stops with the last connection; the next round's is another gateway.
        await host.drop('c');
      }
      assert.equal(gateways.size, 2, 'two gateways, one after the other');
      assert.deepEqual(got.slice().sort(), ['inbound in1', 'inbound in2', 'report m1', 'report m2']);
      await stopReports();
      await stopInbound();
    });
  });
});
