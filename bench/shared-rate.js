'use strict';
/**
 * What holding an SMPP account's maxPerSecond through the store costs (Store.takeSubmitSlot, one
 * slot asked per segment): one gateway process against the benchmark SMSC sink
 * (bench/lib/smpp-sink.js, in a child process, never the bottleneck), each run sending
 * `BENCH_SECONDS` seconds' worth of messages at `BENCH_RATES` (default 200,1000) per second,
 * with the memory and the sqlite store: the rate shared through the store (`shared`, what a
 * gateway does) and held by the transport alone (`local`, the transport's sink without
 * submitSlots, as before the rate was shared), and once with no rate (no slot asked).
 * For each: messages/s reached, slots asked per message (1 when no ask had to wait), and this
 * process's CPU ms per message (the SMSC's is not counted).
 * Build first (`npm run build`); prints one JSON document.
 */
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { DIST } = require('./lib/dist');
const { Gateway, MemoryStore, SqliteStore, SmppTransport } = require(DIST);
const { SENDS_IN_FLIGHT, sendMessages } = require('./lib/load');

const RATES = (process.env.BENCH_RATES ?? '200,1000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'smsgate-bench-rate-'));

function startSmsc() {
  const child = spawn(process.execPath, [join(__dirname, 'lib', 'smpp-sink.js'), '10'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => child.stdout.once('data', (line) => resolve({ child, port: JSON.parse(String(line)).port })));
}

async function run(port, storeKind, mode, perSecond, messages) {
  const store = storeKind === 'memory' ? new MemoryStore() : new SqliteStore(join(dir, `${storeKind}-${perSecond}-${Date.now()}.db`));
  let asked = 0;
  const take = store.takeSubmitSlot.bind(store);
  store.takeSubmitSlot = (...args) => {
    asked++;
    return take(...args);
  };
  const transport = new SmppTransport({ id: 'smsc', host: '127.0.0.1', port, systemId: 'bench', password: 'bench', window: 100, maxPerSecond: perSecond });
  if (mode === 'local') {
    const start = transport.start.bind(transport);
    transport.start = (sink) => start({ ...sink, submitSlots: undefined });
  }
  const gateway = new Gateway({ store, transports: [transport], guard: { enabled: false }, pollMs: 50 });
  await gateway.start();
  let submitted = 0;
  let done;
  const allSubmitted = new Promise((resolve) => (done = resolve));
  gateway.on('state', ({ message }) => {
    if (message.state === 'SUBMITTED' && ++submitted === messages) done();
  });
  const cpu = process.cpuUsage();
  const started = performance.now();
  await sendMessages(gateway, messages, SENDS_IN_FLIGHT);
  await allSubmitted;
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await gateway.stop();
  return {
    store: storeKind,
    rate: mode,
    maxPerSecond: perSecond,
    messages,
    messagesPerSecond: Math.round(messages / seconds),
    slotsAskedPerMessage: Number((asked / messages).toFixed(2)),
    cpuMsPerMessage: Number(((used.user + used.system) / 1000 / messages).toFixed(3)),
  };
}

async function main() {
  const { child, port } = await startSmsc();
  const runs = [];
  try {
    for (const storeKind of ['memory', 'sqlite']) {
      runs.push(await run(port, storeKind, 'none', 0, Math.max(...RATES) * SECONDS));
      for (const rate of RATES) {
        for (const mode of ['local', 'shared']) runs.push(await run(port, storeKind, mode, rate, rate * SECONDS));
      }
    }
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify({ node: process.version, seconds: SECONDS, runs }, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
