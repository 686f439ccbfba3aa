'use strict';
/**
 * End-to-end SMPP throughput: Gateway.send → SmppTransport → an SMSC running in another
 * process, with delivery receipts on. The SMSC is a minimal sink (bench/lib/smpp-sink.js) that
 * answers and sends receipts and does nothing else, so that it is not what is measured: the
 * built-in simulator caps near 9 000 submits/s here. Its own ceiling is measured first, by a
 * raw pipelined client (`smscCeiling`), and set against the most any client here sent it
 * (`smscHeadroom`). `BENCH_SMSC=simulator` runs against `smsgate simulate smsc` instead.
 * For each store (after 5 000 uncounted messages through it, BENCH_WARM_UP: the gateway warm, as
 * in a running Node-RED) and window: messages/s until every message is SUBMITTED, submit latency
 * (send() called → SUBMITTED) p50/p99, this process's CPU per message, and RSS. Beside it the ceiling: a bare `smpp` package
 * submit loop against the same SMSC. Then RSS with 100 000 messages queued
 * (bench/queued-rss.js), RSS once 100 000 have been sent and nothing is queued
 * (bench/sent-rss.js), and the bulk CLI. `BENCH_PARTS` (default
 * `sink,bare1,gateway,oneByOne,queued,sent,bulk`) picks the parts; bench/compare.sh runs a few.
 *
 * The producer keeps 64 sends in flight, as `smsgate send --csv` does and as a busy flow does
 * (each message a send of its own, none waiting for the one before): the bare loop it is set
 * against keeps `window` submits in flight too. Sends awaited one at a time are measured as
 * well, at window 100: each resolves only once its message is committed, so with the sqlite
 * store each costs a commit of its own.
 * Build first (`npm run build`); prints one JSON document.
 */
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { DIST } = require('./lib/dist');
const { Gateway, MemoryStore, SqliteStore, SmppTransport } = require(DIST);
const { SENDS_IN_FLIGHT, megabytes, sendMessages } = require('./lib/load');
const { bareLoop, smscCeiling } = require('./lib/smpp-baseline');

const CLI = join(DIST, 'cli', 'main.js');
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20000);
/** Messages sent through a gateway of each store before its measured runs, uncounted (BENCH_WARM_UP, 0: none). */
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 5000);
const WINDOWS = (process.env.BENCH_WINDOWS ?? '1,10,100,500').split(',').map(Number);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'sink,bare1,gateway,oneByOne,queued,sent,bulk').split(','));
const SMSC = process.env.BENCH_SMSC ?? 'sink';
const RECEIPT_DELAY_MS = 10;
const dir = mkdtempSync(join(tmpdir(), 'smsgate-bench-'));

/** The SMSC in a process of its own: the sink, or the built-in simulator. Resolves with its port. */
function startSmsc() {
  const command =
    SMSC === 'simulator'
      ? [CLI, 'simulate', 'smsc', '--port', '0', '--system-id', 'bench', '--password', 'bench', '--dlr-delay', String(RECEIPT_DELAY_MS), '--json']
      : [join(__dirname, 'lib', 'smpp-sink.js'), String(RECEIPT_DELAY_MS)];
  const child = spawn(process.execPath, command, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (line) => resolve({ child, port: JSON.parse(String(line)).port }));
    child.once('exit', (code, signal) => {
      if (signal === 'SIGTERM') return;
      // Every run after this would wait for answers that never come.
      console.error(`the SMSC (${SMSC}) exited (${code ?? signal})`);
      process.exit(1);
    });
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function gatewayRun(port, storeKind, window, count, sendsInFlight = SENDS_IN_FLIGHT) {
  const store = storeKind === 'memory' ? new MemoryStore() : new SqliteStore(join(dir, `bench-${window}-${sendsInFlight}.db`));
  const transport = new SmppTransport({ id: 'smsc', host: '127.0.0.1', port, systemId: 'bench', password: 'bench', window });
  const gateway = new Gateway({ store, transports: [transport], guard: { enabled: false } });
  const connected = new Promise((resolve) =>
    gateway.on('transport-status', ({ status }) => status.state === 'connected' && resolve()),
  );
  await gateway.start();
  await connected;
  const sentAt = new Map();
  const latencies = [];
  let submitted = 0;
  let allSubmitted;
  const done = new Promise((resolve) => (allSubmitted = resolve));
  gateway.on('state', ({ message, previous }) => {
    if (previous !== 'QUEUED') return;
    if (sentAt.has(message.id)) latencies.push(performance.now() - sentAt.get(message.id));
    if (++submitted === count) allSubmitted();
  });
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  await sendMessages(gateway, count, sendsInFlight, (message, calledAt) => sentAt.set(message.id, calledAt));
  await done;
  const seconds = (performance.now() - started) / 1000;
  // This process's CPU (the SMSC runs in another): steadier than messages/s on a shared machine.
  const cpu = process.cpuUsage(cpuAtStart);
  const rssMb = megabytes(process.memoryUsage().rss);
  await gateway.stop();
  latencies.sort((a, b) => a - b);
  return {
    store: storeKind,
    window,
    sendsInFlight,
    messages: count,
    messagesPerSecond: Math.round(count / seconds),
    cpuMicrosPerMessage: Math.round((cpu.user + cpu.system) / count),
    submitLatencyMs: { p50: +percentile(latencies, 0.5).toFixed(2), p99: +percentile(latencies, 0.99).toFixed(2) },
    rssMb,
  };
}

/**
 * A memory measurement in a fresh process, so that nothing else counts: `script` (queued-rss.js
 * or sent-rss.js) with V8's defaults, or with its young generation capped
 * (`--max-semi-space-size=16`, in MB); it prints one JSON line.
 */
function measureInChild(script, args, v8Flags) {
  const run = spawnSync(process.execPath, [...v8Flags, '--expose-gc', join(__dirname, script), ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${script} ${args.join(' ')}: ${run.stderr}`);
  return { nodeFlags: v8Flags.join(' '), ...JSON.parse(run.stdout) };
}

/** RSS with 100 000 messages queued (bench/queued-rss.js). */
const queuedRss = (storeKind, v8Flags) => measureInChild('queued-rss.js', [storeKind, dir], v8Flags);

/** RSS once 100 000 messages have been sent and delivered (bench/sent-rss.js): the process without a queue. */
const sentRss = (port, v8Flags) => measureInChild('sent-rss.js', [dir, String(port)], v8Flags);

function bulkCli(port, count) {
  const csv = join(dir, 'bulk.csv');
  const rows = ['to,name'];
  for (let i = 0; i < count; i++) rows.push(`+4474001${String(i).padStart(5, '0')},n${i}`);
  writeFileSync(csv, rows.join('\n'));
  const config = join(dir, 'bulk.json');
  writeFileSync(config, JSON.stringify({
    store: { type: 'memory' },
    guard: { enabled: false },
    transports: [{ id: 'smsc', type: 'smpp', host: '127.0.0.1', port, systemId: 'bench', password: 'bench', window: 100 }],
  }));
  const run = spawnSync(process.execPath, [CLI, 'send', '--config', config, '--csv', csv, '--text', 'Hi {{name}}', '--json'], { encoding: 'utf8' });
  return { window: 100, store: 'memory', ...JSON.parse(run.stdout) };
}

async function main() {
  const { child, port } = await startSmsc();
  try {
    const result = { node: process.version, dist: DIST, warmUpMessagesPerStore: PARTS.has('gateway') ? WARM_UP : undefined, smsc: SMSC === 'simulator' ? `smsgate simulate smsc in a child process, receipts after ${RECEIPT_DELAY_MS} ms` : `bench/lib/smpp-sink.js in a child process, receipts after ${RECEIPT_DELAY_MS} ms` };
    if (PARTS.has('sink')) {
      // Measured twice: the first warms the SMSC's process up.
      await smscCeiling(port, 1000, 50_000);
      result.smscCeiling = await smscCeiling(port, 1000, 200_000);
    }
    const bare = [];
    // Window 1 (2 000 submits) takes 20 s: the `smpp` package leaves Nagle's algorithm on.
    for (const window of PARTS.has('bare1') ? [1, 100] : [100]) bare.push(await bareLoop(port, window, window === 1 ? 2000 : MESSAGES));
    result.bareSmppLoop = bare;
    const ceiling = bare.find((b) => b.window === 100).submitsPerSecond;
    if (PARTS.has('gateway')) {
      const gateway = [];
      for (const store of ['memory', 'sqlite']) {
        // Not counted: a gateway inside Node-RED or n8n runs warm. Without it the first store
        // measured also paid for compiling the code every run shares.
        if (WARM_UP > 0) await gatewayRun(port, store, 100, WARM_UP);
        for (const window of WINDOWS) gateway.push(await gatewayRun(port, store, window, window === 1 ? 2000 : MESSAGES));
      }
      result.gateway = gateway;
      const at100 = (store) => gateway.find((g) => g.store === store && g.window === 100);
      if (at100('memory')) result.versusBareAtWindow100 = { memory: +(at100('memory').messagesPerSecond / ceiling).toFixed(2), sqlite: +(at100('sqlite').messagesPerSecond / ceiling).toFixed(2) };
    }
    if (PARTS.has('oneByOne')) {
      const oneByOne = [];
      for (const store of ['memory', 'sqlite']) oneByOne.push(await gatewayRun(port, store, 100, MESSAGES, 1));
      result.sendsAwaitedOneByOne = oneByOne.map((run) => ({ ...run, versusBare: +(run.messagesPerSecond / ceiling).toFixed(2) }));
    }
    if (PARTS.has('queued')) {
      result.queued = [
        queuedRss('memory', []),
        queuedRss('sqlite', []),
        queuedRss('memory', ['--max-semi-space-size=16']),
        queuedRss('sqlite', ['--max-semi-space-size=16']),
      ];
    }
    if (PARTS.has('sent')) result.nothingQueuedAfterSending = [sentRss(port, []), sentRss(port, ['--max-semi-space-size=16'])];
    if (PARTS.has('bulk')) {
      const bulk = bulkCli(port, 5 * MESSAGES);
      const memory100 = result.gateway?.find((g) => g.store === 'memory' && g.window === 100);
      result.bulkCli = memory100 === undefined ? bulk : { ...bulk, versusGatewaySend: +(bulk.perSecond / memory100.messagesPerSecond).toFixed(2) };
    }
    if (result.smscCeiling !== undefined) {
      // What the SMSC took at most beside the most any client here sent it: how far it is from being the bottleneck.
      const rates = [...bare.map((b) => b.submitsPerSecond), ...(result.gateway ?? []).map((g) => g.messagesPerSecond), result.bulkCli?.perSecond ?? 0];
      const most = Math.max(...rates);
      result.smscHeadroom = { ceilingSubmitsPerSecond: result.smscCeiling.submitsPerSecond, mostSentPerSecond: most, times: +(result.smscCeiling.submitsPerSecond / most).toFixed(1) };
    }
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
