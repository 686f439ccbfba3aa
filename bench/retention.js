'use strict';
/**
 * Retention keeps a store bounded under steady traffic: a gateway delivers 200 000 messages
 * (loopback transport, a report for each) with a retention of a few seconds and a purge every
 * second, and prints as JSON lines, every 20 000 messages, the heap after a full collection
 * (memory store) and the file size with its WAL (sqlite store). Both should stay flat once the
 * first retention period has passed: the sqlite file reuses the pages the purge frees.
 *
 *   node --expose-gc bench/retention.js [memory|sqlite] [count]
 *
 * Without an argument it runs both, each in a process of its own (so one's heap is not the
 * other's). One JSON line per sample: {"store","delivered","heapMb","fileMb","walMb","freeMb","seconds"}, then a
 * summary line per store with the first and last sample after the warm-up.
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Gateway, LoopbackTransport, MemoryStore, SqliteStore } = require('../dist');
const { SENDS_IN_FLIGHT, megabytes } = require('./lib/load');

const RETENTION_SECONDS = 3;
const SAMPLE_EVERY = 20_000;

function freeMegabytes(path) {
  const { DatabaseSync } = require('node:sqlite');
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const free = db.prepare('PRAGMA freelist_count').get().freelist_count;
    const page = db.prepare('PRAGMA page_size').get().page_size;
    return Math.round(((free * page) / 1048576) * 10) / 10;
  } finally {
    db.close();
  }
}

async function run(kind, count) {
  const dir = mkdtempSync(join(tmpdir(), 'smsgate-retention-'));
  const path = join(dir, 'bench.db');
  const store = kind === 'memory' ? new MemoryStore() : new SqliteStore(path);
  const days = RETENTION_SECONDS / 86_400;
  const gateway = new Gateway({
    store,
    transports: [new LoopbackTransport({ id: 'lb', dlrDelayMs: 0 })],
    guard: { enabled: false },
    retention: { finalDays: days, refusedHours: RETENTION_SECONDS / 3600, inboundDays: days },
    purgeEveryMs: 1000,
  });
  await gateway.start();
  const started = Date.now();
  let delivered = 0;
  let next = 0;
  const samples = [];
  const sample = () => {
    global.gc?.();
    const size = (file) => Math.round(((statSync(file, { throwIfNoEntry: false })?.size ?? 0) / 1048576) * 10) / 10;
    const line = {
      store: kind,
      delivered,
      heapMb: megabytes(process.memoryUsage().heapUsed),
      // The database file, and its write-ahead log (bounded by the store's checkpoint settings).
      fileMb: kind === 'sqlite' ? size(path) : null,
      walMb: kind === 'sqlite' ? size(`${path}-wal`) : null,
      // Pages inside the file that a purge freed and the next writes will reuse.
      freeMb: kind === 'sqlite' ? freeMegabytes(path) : null,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    samples.push(line);
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  // Delivered messages are counted as they come; a sample is taken every SAMPLE_EVERY.
  let allDone;
  const done = new Promise((resolve) => (allDone = resolve));
  gateway.on('state', ({ message }) => {
    if (message.state !== 'DELIVERED') return;
    delivered++;
    if (delivered % SAMPLE_EVERY === 0) sample();
    if (delivered === count) allDone();
  });
  // Steady traffic: at most SENDS_IN_FLIGHT sends at once, and no more than 2 000 accepted and not yet delivered.
  const producer = async () => {
    while (next < count) {
      if (next - delivered > 2000) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      const i = next++;
      await gateway.send({ to: `+4474001${String(i % 100_000).padStart(5, '0')}`, text: `retention bench ${i}` });
    }
  };
  await Promise.all(Array.from({ length: SENDS_IN_FLIGHT }, producer));
  await done;
  const counts = (await gateway.status()).messages;
  await gateway.stop();
  rmSync(dir, { recursive: true, force: true });
  // The first samples fill the retention window; after that, flat means the last is no larger.
  const warm = samples.filter((s) => s.seconds >= RETENTION_SECONDS * 3);
  const first = warm[0] ?? samples[0];
  const last = samples[samples.length - 1];
  process.stdout.write(
    `${JSON.stringify({ summary: kind, delivered, keptAtEnd: counts, afterWarmUp: { first, last }, retentionSeconds: RETENTION_SECONDS })}\n`,
  );
}

if (process.argv[2] === 'memory' || process.argv[2] === 'sqlite') {
  run(process.argv[2], Number(process.argv[3] ?? 200_000)).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  for (const kind of ['memory', 'sqlite']) {
    const child = spawnSync(process.execPath, ['--expose-gc', __filename, kind, ...process.argv.slice(3)], { stdio: 'inherit' });
    if (child.status !== 0) process.exitCode = 1;
  }
}
