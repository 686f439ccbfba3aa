/**
 * The gateway host the nodes share, driven as Node-RED drives it (joins, leaves, the runtime's
 * flows:stopping / flows:started events), with loopback transports: no Node-RED needed. The
 * outbox's fallback to memory runs on the machine's own Node 20, which lacks node:sqlite, in a
 * child process (host-child.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayHost } from '../../nodes/node-red/host';
import type * as Core from '../../src';
import { machineNode, type MachineNode } from './machine-node';

// The built modules, as Node-RED loads them: the host and the core it imports ('../..').
const DIST = join(__dirname, '..', '..', '..', 'dist');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { GatewayHost: Host } = require(join(DIST, 'node-red', 'host.js')) as { GatewayHost: new () => GatewayHost };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const core = require(DIST) as typeof Core;

function fakeRuntime() {
  const events = new EventEmitter();
  const warnings: string[] = [];
  const red = {
    nodes: { createNode() {}, registerType() {}, getNode: () => null },
    settings: {},
    events,
    log: { error: (message: string) => warnings.push(message), warn: (message: string) => warnings.push(message), info() {} },
  };
  return { red, events, warnings };
}

describe('GatewayHost', () => {
  it('holds delivery reports from flows:stopping until flows:started, then hands them on in order', async () => {
    const host = new Host();
    const { red, events, warnings } = fakeRuntime();
    host.watch(red);
    events.emit('flows:started');
    host.join(red, { id: 'lb', kind: 'smpp', label: 'loopback' }, new core.LoopbackTransport({ id: 'lb', dlrDelayMs: 20 }));
    const reports: string[] = [];
    host.on('report', ({ message }) => reports.push(message!.correlation!));
    const gateway = await host.current();
    assert.match(warnings.join(), /in memory/);

    events.emit('flows:stopping');
    await gateway.send({ to: '+447400123456', text: 'one', correlation: 'a', transports: ['lb'] });
    await gateway.send({ to: '+447400123457', text: 'two', correlation: 'b', transports: ['lb'] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(reports, [], 'nothing is handed on while the flows are stopped');
    events.emit('flows:started');
    assert.deepEqual(reports.sort(), ['a', 'b']);
    await host.leave('lb');
  });

  it('keeps messages queued for a connection across its leave and join, and stops the gateway with the last one', async () => {
    const host = new Host();
    const { red, events } = fakeRuntime();
    host.watch(red);
    events.emit('flows:started');
    host.join(red, { id: 'a', kind: 'smpp', label: 'A' }, new core.LoopbackTransport({ id: 'a' }));
    host.join(red, { id: 'b', kind: 'smpp', label: 'B' }, new core.LoopbackTransport({ id: 'b' }));
    const gateway = await host.current();
    await until(() => host.connection('b')?.link.state === 'connected');

    await host.leave('b');
    assert.equal(host.connection('b'), undefined);
    const waiting = await gateway.send({ to: '+447400123456', text: 'for b', transports: ['b'] });
    assert.equal((await gateway.waitFor(waiting.id, 'submitted', 200)).state, 'QUEUED');
    await until(() => host.queueDepth() === 1);

    host.join(red, { id: 'b', kind: 'smpp', label: 'B' }, new core.LoopbackTransport({ id: 'b' }));
    assert.equal((await gateway.waitFor(waiting.id, 'submitted', 3000)).transportId, 'b');
    await until(() => host.queueDepth() === 0);

    await host.leave('a');
    assert.equal(await host.current(), gateway, 'still running while a connection is left');
    await host.leave('b');
    await assert.rejects(host.current(), /no smsgate connection is deployed/);
    await assert.rejects(gateway.send({ to: '+447400123456', text: 'x', transports: ['a'] }), /not started/);
  });

  it('keeps what a memory outbox holds when the last connection leaves and another joins (a full redeploy)', async () => {
    const host = new Host();
    const { red, events } = fakeRuntime();
    host.watch(red);
    events.emit('flows:started');
    host.join(red, { id: 'a', kind: 'smpp', label: 'A' }, new core.LoopbackTransport({ id: 'a' }));
    const first = await host.current();
    // For a connection the next deploy brings: it waits in the outbox meanwhile.
    const waiting = await first.send({ to: '+447400123456', text: 'for b', transports: ['b'] });
    await host.leave('a');
    await assert.rejects(first.send({ to: '+447400123456', text: 'x', transports: ['a'] }), /not started/);

    host.join(red, { id: 'b', kind: 'smpp', label: 'B' }, new core.LoopbackTransport({ id: 'b' }));
    const second = await host.current();
    assert.notEqual(second, first, 'a new gateway');
    assert.equal((await second.waitFor(waiting.id, 'submitted', 3000)).transportId, 'b');
    await host.leave('b');
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

async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
