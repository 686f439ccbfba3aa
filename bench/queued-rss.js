'use strict';
/**
 * RSS of a fresh gateway process holding 100 000 accepted messages that cannot be submitted
 * yet (the SMSC is unreachable). Run by bench/smpp.js once per store; prints one JSON line.
 */
const { join } = require('node:path');
const { Gateway, MemoryStore, SqliteStore, SmppTransport } = require('../dist');

async function main() {
  const [storeKind, dir] = process.argv.slice(2);
  const count = 100_000;
  const store = storeKind === 'memory' ? new MemoryStore() : new SqliteStore(join(dir, 'queued.db'));
  const transport = new SmppTransport({ id: 'smsc', host: '127.0.0.1', port: 1, systemId: 'x', password: 'x', reconnectBaseMs: 60_000, responseTimeoutMs: 100 });
  const gateway = new Gateway({ store, transports: [transport], guard: { enabled: false } });
  await gateway.start();
  for (let i = 0; i < count; i++) await gateway.send({ to: `+4474001${String(i).padStart(5, '0')}`, text: `queued message ${i}` });
  // Measured after a full collection when node runs with --expose-gc (bench/smpp.js does).
  global.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  const rssMb = Math.round(rss / 1048576);
  const heapMb = Math.round(heapUsed / 1048576);
  const queued = (await gateway.status()).messages.QUEUED;
  await gateway.stop();
  process.stdout.write(`${JSON.stringify({ store: storeKind, queued, rssMb, heapMb })}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
