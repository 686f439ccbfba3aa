'use strict';
/**
 * RSS of a fresh gateway process holding 100 000 accepted messages that cannot be submitted
 * yet (the SMSC is unreachable). Run by bench/smpp.js once per store; prints one JSON line.
 * Measured twice: once the last is accepted, and once the gateway has looked at every one and
 * set it aside to wait for a link (what a gateway holding them looks like from then on). Then a
 * third time after the collection V8 makes under memory pressure, which also gives back the
 * young generation and the pages it keeps for reuse: what holding the messages takes, without
 * V8's reserve.
 */
const { join } = require('node:path');
const { Gateway, MemoryStore, SqliteStore, SmppTransport } = require(require('./lib/dist').DIST);
const { megabytes, sendMessages } = require('./lib/load');

/** Full collection first when node runs with --expose-gc (bench/smpp.js does). */
function memory() {
  global.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMb: megabytes(rss), heapMb: megabytes(heapUsed) };
}

async function main() {
  const [storeKind, dir] = process.argv.slice(2);
  const count = 100_000;
  const store = storeKind === 'memory' ? new MemoryStore() : new SqliteStore(join(dir, `queued-${process.pid}.db`));
  const transport = new SmppTransport({ id: 'smsc', host: '127.0.0.1', port: 1, systemId: 'x', password: 'x', reconnectBaseMs: 60_000, responseTimeoutMs: 100 });
  const gateway = new Gateway({ store, transports: [transport], guard: { enabled: false } });
  await gateway.start();
  await sendMessages(gateway, count, 1);
  const accepted = memory();
  // Set aside until a link comes up or the validity ends: then nothing is due for hours.
  while ((await store.nextDue()) < Date.now() + 3_600_000) await new Promise((resolve) => setTimeout(resolve, 100));
  const setAside = memory();
  global.gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  const underPressure = memory();
  const queued = (await gateway.status()).messages.QUEUED;
  await gateway.stop();
  process.stdout.write(`${JSON.stringify({ store: storeKind, queued, accepted, setAside, underPressure })}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
