/**
 * Run by host.test.ts on the machine's own Node (20: no node:sqlite), not by mocha: the built
 * gateway host, driven as Node-RED drives it with `process.argv[2]` as settings.js's values,
 * one loopback connection deployed, then redeployed, and a message sent each time. Prints one
 * JSON document: what the log got, the connection's status, the outbox note, the messages'
 * final states or the send's error.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { runtimeHost as RuntimeHost } from '../../nodes/node-red/host';
import type * as Core from '../../src';

const DIST = join(__dirname, '..', '..', '..', 'dist');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runtimeHost } = require(join(DIST, 'node-red', 'host.js')) as { runtimeHost: typeof RuntimeHost };

const LOOPBACK: Core.TransportConfig = { id: 'lb', type: 'loopback', dlrDelayMs: 10, dlrStatus: 'DELIVRD', submitDelayMs: 0 };

async function main(): Promise<void> {
  const log: string[] = [];
  const events = new EventEmitter();
  const red = {
    nodes: { createNode() {}, registerType() {}, getNode: () => null },
    settings: JSON.parse(process.argv[2]!) as Record<string, unknown>,
    events,
    log: { error: (m: string) => log.push(`error ${m}`), warn: (m: string) => log.push(`warn ${m}`), info() {} },
  };
  const host = runtimeHost(red);
  events.emit('flows:started');
  const deploys: Array<{ sent: string; link: string; note?: string }> = [];

  for (const round of [1, 2]) {
    host.use({ id: 'lb', kind: 'smpp', label: 'loopback' }, LOOPBACK).catch(() => undefined);
    let sent: string;
    try {
      const gateway = await host.current();
      const accepted = await gateway.send({ to: '+447400123456', text: `round ${round}`, transports: ['lb'] });
      sent = (await gateway.waitFor(accepted.id, 'final', 5000)).state;
    } catch (err) {
      sent = `${(err as Core.SmsGateError).code}: ${(err as Error).message}`;
    }
    // And a message after the start has settled: the gateway is running, or its start failed.
    const later = await host.current().then(
      () => 'running',
      (err: Error) => `${(err as Core.SmsGateError).code}: ${err.message}`,
    );
    await settled(host, 'lb');
    const { state, detail } = host.connection('lb')!.link;
    deploys.push({ sent: `${sent} / ${later}`, link: `${state}: ${detail}`, note: host.outboxNote() });
    await host.drop('lb');
  }
  process.stdout.write(JSON.stringify({ node: process.versions.node, log, deploys }));
}

/** Until the connection's link is no longer "connecting": up, or the reason it is not. */
function settled(host: ReturnType<typeof runtimeHost>, id: string): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (host.connection(id)?.link.state === 'connecting') return;
      host.off('change', check);
      resolve();
    };
    host.on('change', check);
    check();
  });
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
