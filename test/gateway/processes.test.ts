/**
 * Several gateway processes on one store (a sqlite file; a real redis-server), against one SMSC
 * simulator over real TCP: each message is submitted once, and when one process is killed its
 * messages are taken by the other once their leases lapse (no host name or pid involved).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createClient } from 'redis';
import { SmscSimulator } from '../../src/smpp/simulator';
import { LEASED_TO, startGateway, stopGateway, type FixtureProcess as GatewayProcess } from '../helpers/gateway-processes';
import { RedisServer } from '../helpers/redis-server';
import { until } from '../helpers/until';

const LEASE_MS = 1500;

for (const kind of ['sqlite', 'redis'] as const) describe(`gateway processes sharing one ${kind} store (SMSC simulator, real TCP)`, function () {
  this.timeout(120_000);
  let dir: string;
  let sim: SmscSimulator;
  let config: string;
  let redis: RedisServer | undefined;
  let prefix: string;
  const processes: GatewayProcess[] = [];

  before(async () => {
    if (kind === 'redis') redis = await RedisServer.start();
  });
  after(async () => redis?.dispose());

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-procs-'));
    prefix = `procs-${Math.random().toString(36).slice(2)}`;
    sim = new SmscSimulator({ port: 0, systemId: 'test', password: 'secret', dlrDelayMs: 5 });
    const { port } = await sim.start();
    config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        store: kind === 'sqlite' ? { type: 'sqlite', path: join(dir, 'gateway.db') } : { type: 'redis', url: redis!.url(), prefix },
        guard: { enabled: false },
        transports: [
          // 150/s per process: submitting takes longer than accepting (1 000 sends, one after
          // another), so a process still holds leases on a backlog when it has accepted all its
          // messages and is killed; at 400/s on Redis under load both had sent everything by then.
          { id: 'smsc', type: 'smpp', host: '127.0.0.1', port, systemId: 'test', password: 'secret', window: 50, maxPerSecond: 150 },
        ],
      }),
    );
  });

  afterEach(async () => {
    for (const p of processes.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** QUEUED messages leased to `owner`, read from the store directly. */
  async function leasedTo(owner: string): Promise<number> {
    if (kind === 'redis') {
      const client = createClient({ url: redis!.url() });
      await client.connect();
      try {
        return Number(await client.sendCommand(['EVAL', LEASED_TO, '1', `{${prefix}}:`, owner]));
      } finally {
        client.destroy();
      }
    }
    const db = new DatabaseSync(join(dir, 'gateway.db'), { readOnly: true, timeout: 5000 });
    try {
      const row = db.prepare("SELECT COUNT(*) AS n FROM messages WHERE state = 'QUEUED' AND lease_owner = ?").get(owner);
      return Number(row!.n);
    } finally {
      db.close();
    }
  }

  /** Texts that reached the SMSC, and how many of them more than once. */
  function counted(): { submits: number; distinct: number; duplicates: number } {
    const texts = sim.submits.filter((s) => s.commandStatus === 0).map((s) => s.text);
    const distinct = new Set(texts).size;
    return { submits: texts.length, distinct, duplicates: texts.length - distinct };
  }

  it('two processes sending 2 000 messages together submit each once', async () => {
    const a = startGateway(config, 1000, 'a', LEASE_MS);
    const b = startGateway(config, 1000, 'b', LEASE_MS);
    processes.push(a, b);
    await until(() => counted().distinct === 2000, 90_000, 'all 2 000 messages at the SMSC');
    await Promise.all([stopGateway(a), stopGateway(b)]);
    const result = counted();
    const bySession = new Set(sim.submits.map((s) => s.sessionId));
    console.log(`      two processes: ${JSON.stringify(result)}, over ${bySession.size} binds`);
    assert.deepEqual(result, { submits: 2000, distinct: 2000, duplicates: 0 });
    assert.equal(bySession.size, 2, 'both processes submitted');
  });

  it('finishes the messages of a process killed with SIGKILL mid-run, once its leases lapse', async () => {
    const a = startGateway(config, 1000, 'a', LEASE_MS);
    const b = startGateway(config, 1000, 'b', LEASE_MS);
    processes.push(a, b);
    // Kill a once it has accepted everything and holds leases on messages it is submitting.
    await until(() => a.lines.includes('accepted'), 60_000, 'a accepting its messages');
    const owner = a.lines.find((line) => line.startsWith('owner '))!.slice('owner '.length);
    const heldByDead = () => leasedTo(owner);
    let held = 0;
    for (const deadline = Date.now() + 60_000; held === 0 && Date.now() < deadline; ) held = await heldByDead();
    assert.ok(held > 0, 'a held leases');
    a.child.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();
    const atKill = counted();
    const orphans = await heldByDead();
    assert.ok(orphans > 0, 'a held leases when it died (else this test would not test their lapse)');
    await until(() => counted().distinct === 2000, 90_000, 'all 2 000 messages at the SMSC');
    const tookMs = Date.now() - killedAt;
    await stopGateway(b);
    const result = counted();
    console.log(
      `      a killed after ${atKill.submits} submits holding ${orphans} leases; b finished in ${tookMs} ms: ${JSON.stringify(result)}`,
    );
    assert.equal(await heldByDead(), 0, "none of the dead process's messages is still queued");
    // Renewed every LEASE_MS / 3, a lease has at least 2/3 of LEASE_MS left at the kill (unless a
    // renewal ran a second late): more than LEASE_MS / 3 shows the messages waited for the lapse,
    // where a store ignoring leases lets b take them at its next poll (50 ms).
    assert.ok(tookMs >= LEASE_MS / 3, `its leased messages waited for the lease to lapse (${tookMs} ms)`);
    assert.equal(result.distinct, 2000, 'every message reached the SMSC');
    // Only what a had submitted and not yet recorded (still QUEUED under its lease) can go twice.
    assert.ok(result.duplicates <= orphans, `${result.duplicates} duplicates, more than the ${orphans} messages a held`);
  });
});
