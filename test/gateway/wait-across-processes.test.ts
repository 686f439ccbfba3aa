/**
 * Waits work in any process that shares the store: a process waiting on a message sees the
 * report another process received and stored (two real processes on one sqlite file, or on one
 * real redis-server; real SMPP binds to the simulator over TCP).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmscSimulator } from '../../src/smpp/simulator';
import { createStore, type StoreConfig } from '../../src/store';
import { RedisServer } from '../helpers/redis-server';
import { until } from '../helpers/until';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli', 'main.js');
const RECEIVER = join(__dirname, '..', 'fixtures', 'report-receiver.js');

/** A child process and everything it has printed so far. */
function start(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return { child, output: () => output };
}

for (const kind of ['sqlite', 'redis'] as const) describe(`Gateway.waitFor across processes (${kind} store)`, function () {
  this.timeout(90_000);
  let dir: string;
  let sim: SmscSimulator;
  let port: number;
  let redis: RedisServer | undefined;
  let store: StoreConfig;
  const children: ChildProcess[] = [];

  before(async () => {
    if (kind === 'redis') redis = await RedisServer.start();
  });
  after(async () => redis?.dispose());

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-wait-'));
    store = kind === 'sqlite' ? { type: 'sqlite', path: join(dir, 'shared.db') } : { type: 'redis', url: redis!.url(), prefix: `wait-${Math.random().toString(36).slice(2)}` };
    sim = new SmscSimulator({ port: 0, systemId: 'acme', password: 'pw', dlrDelayMs: 0 });
    ({ port } = await sim.start());
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function config(name: string, bind: string): string {
    const path = join(dir, `${name}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        store,
        transports: [{ id: 'smsc1', type: 'smpp', host: '127.0.0.1', port, systemId: 'acme', password: 'pw', bind }],
      }),
    );
    return path;
  }

  it('a send --wait bound as transmitter gets DELIVERED from the report a receiver process stored', async () => {
    const binds: { sessionId: number; mode: string }[] = [];
    const delivered: number[] = [];
    sim.on('bind', ({ sessionId, mode }) => binds.push({ sessionId, mode }));
    sim.on('deliver', ({ sessionId, kind }) => kind === 'receipt' && delivered.push(sessionId));

    // A: sends and waits for the final state; its transmitter bind can never get the receipt.
    const a = start([CLI, 'send', '--config', config('a', 'transmitter'), '--to', '+447400123456', '--text', 'hi', '--wait', '--timeout', '60', '--json']);
    children.push(a.child);
    const aExit = once(a.child, 'exit');

    // Once A's message is SUBMITTED in the shared file, B binds as receiver: the SMSC hands it
    // the receipt it held, and B stores the report.
    const watcher = createStore(store);
    await until(() => sim.submits.length === 1, 30_000, "A's submit_sm");
    await watcher.open();
    let submitted = false;
    const watch = setInterval(() => void watcher.countByState().then((counts) => (submitted = (counts.SUBMITTED ?? 0) === 1), () => undefined), 20);
    try {
      await until(() => submitted, 30_000, "A's message SUBMITTED in the shared store");
    } finally {
      clearInterval(watch);
    }
    assert.deepEqual(delivered, [], 'no receiving bind yet: the SMSC holds the receipt');
    const b = start([RECEIVER, config('b', 'receiver')]);
    children.push(b.child);

    const [code] = await aExit;
    assert.equal(code, 0, a.output());
    const result = JSON.parse(a.output().split('\n').find((line) => line.startsWith('{'))!) as { id: string; state: string };
    assert.equal(result.state, 'DELIVERED');
    assert.match(b.output(), new RegExp(`report ${result.id} DELIVERED`), 'B stored the report');
    const receiverSession = binds.find((bind) => bind.mode === 'receiver')!.sessionId;
    assert.deepEqual(delivered, [receiverSession], 'the receipt went to B only');
    assert.equal(sim.submits.length, 1, 'one submit_sm');
    assert.equal((await watcher.getMessage(result.id))?.state, 'DELIVERED');
    await watcher.close();

    b.child.kill('SIGTERM');
    assert.deepEqual(await once(b.child, 'exit'), [0, null]);
  });
});
