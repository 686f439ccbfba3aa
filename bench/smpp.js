'use strict';
/**
 * End-to-end SMPP throughput: Gateway.send → SmppTransport → the SMSC simulator running in
 * another process (`smsgate simulate smsc`), with delivery receipts on. For each store and
 * window: messages/s until every message is SUBMITTED, submit latency (send() called →
 * SUBMITTED) p50/p99, and RSS. Beside it the ceiling: a bare `smpp` package submit loop
 * against the same simulator. Then RSS with 100 000 messages queued (bench/queued-rss.js), RSS
 * once 100 000 have been sent and nothing is queued (bench/sent-rss.js), and the bulk CLI.
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
const smpp = require('smpp');
const { Gateway, MemoryStore, SqliteStore, SmppTransport } = require('../dist');
const { SENDS_IN_FLIGHT, megabytes, sendMessages } = require('./lib/load');

const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20000);
const WINDOWS = (process.env.BENCH_WINDOWS ?? '1,10,100,500').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'smsgate-bench-'));

function startSimulator() {
  const child = spawn(process.execPath, [CLI, 'simulate', 'smsc', '--port', '0', '--system-id', 'bench', '--password', 'bench', '--dlr-delay', '10', '--json'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (line) => resolve({ child, port: JSON.parse(String(line)).port }));
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code})`)));
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
  await sendMessages(gateway, count, sendsInFlight, (message, calledAt) => sentAt.set(message.id, calledAt));
  await done;
  const seconds = (performance.now() - started) / 1000;
  const rssMb = megabytes(process.memoryUsage().rss);
  await gateway.stop();
  latencies.sort((a, b) => a - b);
  return {
    store: storeKind,
    window,
    sendsInFlight,
    messages: count,
    messagesPerSecond: Math.round(count / seconds),
    submitLatencyMs: { p50: +percentile(latencies, 0.5).toFixed(2), p99: +percentile(latencies, 0.99).toFixed(2) },
    rssMb,
  };
}

/** The ceiling: the `smpp` package alone, `window` submit_sm outstanding, receipts answered. */
function bareLoop(port, window, count) {
  return new Promise((resolve, reject) => {
    const session = smpp.connect({ host: '127.0.0.1', port });
    session.on('error', reject);
    session.on('deliver_sm', (pdu) => session.send(pdu.response()));
    session.bind_transceiver({ system_id: 'bench', password: 'bench' }, (bound) => {
      if (bound.command_status !== 0) return reject(new Error(`bind ${bound.command_status}`));
      let sent = 0;
      let answered = 0;
      const started = performance.now();
      const next = () => {
        if (sent >= count) return;
        sent++;
        session.submit_sm(
          { destination_addr: '447400123456', dest_addr_ton: 1, dest_addr_npi: 1, registered_delivery: 1, short_message: Buffer.from('bench message') },
          () => {
            if (++answered === count) {
              const seconds = (performance.now() - started) / 1000;
              session.close();
              resolve({ window, messages: count, submitsPerSecond: Math.round(count / seconds) });
            } else next();
          },
        );
      };
      for (let i = 0; i < window; i++) next();
    });
  });
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
  const { child, port } = await startSimulator();
  try {
    const bare = [];
    for (const window of [1, 100]) bare.push(await bareLoop(port, window, window === 1 ? 2000 : MESSAGES));
    const gateway = [];
    for (const store of ['memory', 'sqlite']) {
      for (const window of WINDOWS) gateway.push(await gatewayRun(port, store, window, window === 1 ? 2000 : MESSAGES));
    }
    const oneByOne = [];
    for (const store of ['memory', 'sqlite']) oneByOne.push(await gatewayRun(port, store, 100, MESSAGES, 1));
    const ceiling = bare.find((b) => b.window === 100).submitsPerSecond;
    const ratio = (runs, store) => +(runs.find((g) => g.store === store && g.window === 100).messagesPerSecond / ceiling).toFixed(2);
    const bulk = bulkCli(port, 5 * MESSAGES);
    const result = {
      node: process.version,
      simulator: 'smsgate simulate smsc in a child process, receipts after 10 ms',
      bareSmppLoop: bare,
      gateway,
      sendsAwaitedOneByOne: oneByOne,
      versusBareAtWindow100: {
        memory: ratio(gateway, 'memory'),
        sqlite: ratio(gateway, 'sqlite'),
        memoryOneByOne: ratio(oneByOne, 'memory'),
        sqliteOneByOne: ratio(oneByOne, 'sqlite'),
      },
      queued: [
        queuedRss('memory', []),
        queuedRss('sqlite', []),
        queuedRss('memory', ['--max-semi-space-size=16']),
        queuedRss('sqlite', ['--max-semi-space-size=16']),
      ],
      nothingQueuedAfterSending: [sentRss(port, []), sentRss(port, ['--max-semi-space-size=16'])],
      bulkCli: { ...bulk, versusGatewaySend: +(bulk.perSecond / gateway.find((g) => g.store === 'memory' && g.window === 100).messagesPerSecond).toFixed(2) },
    };
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
