/**
 * Node-RED's side of the gateway host (nodes/node-red/host.ts), driven as Node-RED drives it
 * (the runtime's flows:stopping / flows:started events) with a loopback transport: no Node-RED
 * needed. The core host itself is tested in test/host/. The outbox's fallback to memory runs
 * on the machine's own Node 20, which lacks node:sqlite, in a child process (host-child.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { runtimeHost as RuntimeHost } from '../../nodes/node-red/host';
import { until } from '../helpers/until';
import { machineNode, type MachineNode } from './machine-node';

// The built module, as Node-RED loads it.
const DIST = join(__dirname, '..', '..', '..', 'dist');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runtimeHost } = require(join(DIST, 'node-red', 'host.js')) as { runtimeHost: typeof RuntimeHost };

function fakeRuntime(settings: Record<string, unknown>) {
  const events = new EventEmitter();
  const logged: string[] = [];
  const red = {
    nodes: { createNode() {}, registerType() {}, getNode: () => null },
    settings,
    events,
    log: { error: (message: string) => logged.push(message), warn: (message: string) => logged.push(message), info() {} },
  };
  return { red, events, logged };
}

describe("Node-RED's gateway host", () => {
  let userDir: string;
  beforeEach(() => {
    userDir = mkdtempSync(join(tmpdir(), 'smsgate-host-'));
  });
  afterEach(() => rmSync(userDir, { recursive: true, force: true }));

  it('holds delivery reports until the first flows:started and from flows:stopping until flows:started, then hands them on to the successor', async () => {
    const { red, events } = fakeRuntime({ userDir });
    const host = runtimeHost(red);
    assert.equal(runtimeHost(red), host, 'one host for the runtime');
    await host.use({ id: 'lb', kind: 'smpp', label: 'loopback' }, { id: 'lb', type: 'loopback', dlrDelayMs: 20, dlrStatus: 'DELIVRD', submitDelayMs: 0 });
    const reports: string[] = [];
    const stopFirst = host.listen('status-1', 'report', ({ message }) => reports.push(`old ${message!.correlation!}`));
    const gateway = await host.current();
    assert.ok(existsSync(join(userDir, 'smsgate.db')), 'the outbox is smsgate.db in the user directory');

    const final = (id: string) => gateway.waitFor(id, 'final', 5000);
    const first = await gateway.send({ to: '+447400123455', text: 'before start', correlation: 'first', transports: ['lb'] });
    assert.equal((await final(first.id)).state, 'DELIVERED');
    await until(() => host.heldCount() === 1, 5000, 'the report read and held');
    assert.equal(reports.length, 0, 'nothing is handed on before the flows have started');
    events.emit('flows:started');
    assert.deepEqual(reports, ['old first']);

    // A redeploy: the status node closes and its successor (the same node id) listens.
    events.emit('flows:stopping');
    const a = await gateway.send({ to: '+447400123456', text: 'one', correlation: 'a', transports: ['lb'] });
    const b = await gateway.send({ to: '+447400123457', text: 'two', correlation: 'b', transports: ['lb'] });
    await Promise.all([final(a.id), final(b.id)]);
    await until(() => host.heldCount() === 1, 5000, 'a report read and held');
    void stopFirst();
    host.listen('status-1', 'report', ({ message }) => reports.push(`new ${message!.correlation!}`));
    assert.deepEqual(reports, ['old first'], 'nothing is handed on while the flows are stopped');
    events.emit('flows:started');
    await until(() => reports.length === 3, 5000, 'both reports');
    assert.deepEqual(reports.slice(1).sort(), ['new a', 'new b']);
    await host.drop('lb');
  });
});

/** The words, written out so that a change to the host's wording fails here. */
const MEMORY_NOTE = 'outbox in memory: this Node has no node:sqlite (needs 22.13); queued messages are lost on restart';

describe("GatewayHost on the machine's own Node 20, which has no node:sqlite", function () {
  this.timeout(60_000);
  let node: MachineNode;
  let userDir: string;

  before(function () {
    node = machineNode();
    assert.equal(node.sqlite, false, `the machine's Node ${node.version} has node:sqlite: these tests need one without (Node 20)`);
  });
  beforeEach(() => {
    userDir = mkdtempSync(join(tmpdir(), 'smsgate-host-'));
  });
  afterEach(() => rmSync(userDir, { recursive: true, force: true }));

  /** Two deploys of one loopback connection, a message sent on each, in host-child.ts. */
  function deployTwice(settings: Record<string, unknown>) {
    const child = spawnSync(node.path, [join(__dirname, 'host-child.js'), JSON.stringify(settings)], { encoding: 'utf8', env: node.env, timeout: 50_000 });
    assert.equal(child.status, 0, child.stderr);
    return JSON.parse(child.stdout) as { node: string; log: string[]; deploys: Array<{ sent: string; link: string; note?: string }> };
  }

  it('with no store in settings.js, keeps the outbox in memory, says so once in the log and in the status note, and delivers', () => {
    const result = deployTwice({ userDir });
    assert.equal(result.node, node.version);
    assert.deepEqual(result.log, [`warn smsgate: ${MEMORY_NOTE}`]);
    for (const deploy of result.deploys) assert.deepEqual(deploy, { sent: 'DELIVERED / running', link: 'connected: loopback', note: MEMORY_NOTE });
    assert.deepEqual(readdirSync(userDir), [], 'no sqlite file in the user directory');
  });

  it('with a sqlite store set in settings.js, fails with the store\'s error in the log, the connection\'s status and every send', () => {
    const result = deployTwice({ userDir, smsgate: { store: { type: 'sqlite', path: 'outbox.db' } } });
    const reason = `the sqlite store needs node:sqlite (Node.js >= 22.13); this is Node.js ${node.version}. Run on Node 22.13+ or use store.type "memory"`;
    // Each deploy tries again, and says why it failed.
    assert.deepEqual(result.log, [`error smsgate: the gateway could not start: ${reason}`, `error smsgate: the gateway could not start: ${reason}`]);
    for (const deploy of result.deploys) {
      assert.deepEqual(deploy, { sent: `STORE_UNAVAILABLE: ${reason} / STORE_UNAVAILABLE: ${reason}`, link: `error: ${reason}` });
    }
    assert.ok(!existsSync(join(userDir, 'outbox.db')));
  });
});
