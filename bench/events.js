'use strict';
/**
 * What the event feed (Gateway.listen) costs a gateway: loopback messages, a delivery report
 * for each, sent with SENDS_IN_FLIGHT sends at once until all are DELIVERED, per store and
 *   - `none`: nobody listens (the feed must cost next to nothing: no store write),
 *   - `reports`: one listener for reports (one feed write per report, batched per turn),
 *   - `all`: one listener for reports, inbound and every state change (three per message).
 * Prints one JSON document: per store and case, messages/s, CPU µs per message, feed writes
 * and events handed to the listener. `BENCH_DIST` runs it against another build (see
 * bench/lib/dist.js); one without Gateway.listen runs `none` only, the "before" to compare with.
 *
 *   node bench/events.js [count]     (default 20 000; BENCH_ROUNDS rounds, default 2, best kept;
 *                                     BENCH_STORES, BENCH_CASES: comma lists, default all)
 */
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { DIST } = require('./lib/dist');
const { SENDS_IN_FLIGHT, sendMessages } = require('./lib/load');
const { Gateway, LoopbackTransport, MemoryStore, SqliteStore } = require(DIST);

const KINDS = { none: null, reports: ['report'], all: ['report', 'inbound', 'state'] };

async function run(storeKind, listening, count) {
  const dir = mkdtempSync(join(tmpdir(), 'smsgate-bench-events-'));
  const store = storeKind === 'memory' ? new MemoryStore() : new SqliteStore(join(dir, 'bench.db'));
  let feedWrites = 0;
  if (typeof store.appendEvents === 'function') {
    const append = store.appendEvents.bind(store);
    store.appendEvents = (...args) => {
      feedWrites++;
      return append(...args);
    };
  }
  const gateway = new Gateway({ store, transports: [new LoopbackTransport({ id: 'lb', dlrDelayMs: 0 })], guard: { enabled: false } });
  await gateway.start();
  let handed = 0;
  if (KINDS[listening] !== null) gateway.listen('bench', KINDS[listening], () => void handed++);
  let delivered = 0;
  let stateChanges = 0;
  let allDone;
  const done = new Promise((resolve) => (allDone = resolve));
  gateway.on('state', ({ message }) => {
    stateChanges++;
    if (message.state === 'DELIVERED' && ++delivered === count) allDone();
  });
  const cpu = process.cpuUsage();
  const started = performance.now();
  await sendMessages(gateway, count, SENDS_IN_FLIGHT);
  await done;
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  // The listener's last events may still be on their way: counted once the feed is drained.
  const expected = listening === 'none' ? 0 : listening === 'reports' ? count : count + stateChanges;
  for (let i = 0; i < 3000 && handed < expected; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await gateway.stop();
  rmSync(dir, { recursive: true, force: true });
  return {
    store: storeKind,
    listening,
    messages: count,
    messagesPerSecond: Math.round(count / seconds),
    cpuMicrosPerMessage: Math.round((used.user + used.system) / count),
    feedWrites,
    handed,
    // Every state change this process made (retries included), as the local 'state' event counts them.
    stateChanges,
  };
}

async function main() {
  const count = Number(process.argv[2] ?? 20_000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const canListen = typeof Gateway.prototype.listen === 'function';
  const results = [];
  const stores = (process.env.BENCH_STORES ?? 'memory,sqlite').split(',');
  const cases = (process.env.BENCH_CASES ?? Object.keys(KINDS).join(',')).split(',').filter((c) => canListen || c === 'none');
  for (const storeKind of stores) {
    for (const listening of cases) {
      let best;
      for (let round = 0; round < rounds; round++) {
        const result = await run(storeKind, listening, count);
        if (best === undefined || result.messagesPerSecond > best.messagesPerSecond) best = result;
      }
      results.push(best);
    }
  }
  process.stdout.write(`${JSON.stringify({ dist: DIST, node: process.version, rounds, results }, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
