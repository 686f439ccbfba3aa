/**
 * The gateway host the nodes share, driven as Node-RED drives it (joins, leaves, the runtime's
 * flows:stopping / flows:started events), with loopback transports: no Node-RED needed.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { GatewayHost } from '../../nodes/node-red/host';
import type * as Core from '../../src';

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
    log: { warn: (message: string) => warnings.push(message), info() {} },
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
});

async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
