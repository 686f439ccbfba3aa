'use strict';
/**
 * RSS of a fresh gateway process (sqlite store) once it has sent 100 000 messages and every one
 * is DELIVERED: nothing queued, nothing held in its heap. What is left is Node, the libraries,
 * and what V8 kept from the work: its young generation, which grows in any busy process to a
 * size V8 picks from the machine's memory. Run by bench/smpp.js; prints one JSON line.
 */
const { join } = require('node:path');
const v8 = require('node:v8');
const { Gateway, SqliteStore, SmppTransport } = require(require('./lib/dist').DIST);
const { SENDS_IN_FLIGHT, megabytes, sendMessages } = require('./lib/load');

async function main() {
  const [dir, port] = process.argv.slice(2);
  const count = 100_000;
  const store = new SqliteStore(join(dir, `sent-${process.pid}.db`));
  const transport = new SmppTransport({ id: 'smsc', host: '127.0.0.1', port: Number(port), systemId: 'bench', password: 'bench', window: 100 });
  const gateway = new Gateway({ store, transports: [transport], guard: { enabled: false } });
  const connected = new Promise((resolve) => gateway.on('transport-status', ({ status }) => status.state === 'connected' && resolve()));
  await gateway.start();
  await connected;
  let delivered = 0;
  let allDelivered;
  const done = new Promise((resolve) => (allDelivered = resolve));
  gateway.on('state', ({ message }) => message.state === 'DELIVERED' && ++delivered === count && allDelivered());
  await sendMessages(gateway, count, SENDS_IN_FLIGHT);
  await done;
  global.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  const young = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  const messages = (await gateway.status()).messages;
  await gateway.stop();
  process.stdout.write(`${JSON.stringify({ store: 'sqlite', messages, rssMb: megabytes(rss), heapMb: megabytes(heapUsed), youngGenerationMb: megabytes(young.space_size) })}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
