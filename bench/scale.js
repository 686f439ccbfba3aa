'use strict';
/**
 * Scaling out on Redis: messages/s until every message is SUBMITTED, and CPU per message, for
 * 1, 2 and 3 gateway processes sharing one redis-server, beside one process on sqlite and a bare
 * `smpp` package submit loop, all against bench/lib/smpp-sink.js in a process of its own (its
 * ceiling measured first, and set against the most sent it: `smscHeadroom`). Each gateway process
 * (bench/lib/scale-worker.js) has one SMPP bind at window 100 and sends its share of the
 * messages, 64 sends in flight; a process submits whatever is due, its own or the others'.
 * CPU is counted per gateway process from its `go` to the end, and for redis-server (from
 * /proc), per message.
 *
 * It starts its own redis-server (from PATH) on a free loopback port in a temporary directory
 * (AOF on, `BENCH_APPENDFSYNC`, default everysec) and stops it. `BENCH_MESSAGES` (default
 * 10 000) sets the count; each run is bounded by `BENCH_RUN_MS` (default 180 000).
 * Build first (`npm run build`); prints one JSON document: `node bench/scale.js`.
 */
const { fork, spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const { join } = require('node:path');
const { bareLoop, smscCeiling } = require('./lib/smpp-baseline');

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 180_000);
const APPENDFSYNC = process.env.BENCH_APPENDFSYNC ?? 'everysec';
const WINDOW = 100;
const RECEIPT_DELAY_MS = 10;
const WORKER = join(__dirname, 'lib', 'scale-worker.js');
const dir = mkdtempSync(join(os.tmpdir(), 'smsgate-bench-scale-'));
const children = new Set();

/** Starts `command` and keeps it to be killed at the end, whatever happens. */
function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function startSink() {
  const child = track(spawn(process.execPath, [join(__dirname, 'lib', 'smpp-sink.js'), String(RECEIPT_DELAY_MS)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (line) => resolve({ child, port: JSON.parse(String(line)).port }));
    child.once('exit', (code, signal) => reject(new Error(`the sink exited (${code ?? signal})`)));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function pings(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (answered) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.setEncoding('utf8').on('data', (reply) => done(reply.startsWith('+PONG')));
  });
}

/** A redis-server in `dir`, answering PING (polled every 20 ms for at most 10 s). */
async function startRedis() {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', APPENDFSYNC, '--save', ''];
  const child = track(spawn('redis-server', args, { stdio: 'ignore' }));
  for (const deadline = Date.now() + 10_000; !(await pings(port)); ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.match(/v=(\S+)/)?.[1];
  return { child, port, version };
}

/** CPU µs a process has used so far (Linux /proc: utime + stime, in clock ticks of 10 ms). */
function cpuMicrosOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Each worker's next IPC message matching `test`, bounded by `ms`. */
function nextMessage(worker, test, ms, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    const onMessage = (message) => {
      if (!test(message)) return;
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve(message);
    };
    worker.on('message', onMessage);
    worker.once('exit', (code) => reject(new Error(`a gateway process exited (${code}) before ${what}`)));
  });
}

/** `processes` gateway processes on `store` send MESSAGES between them; until all are SUBMITTED. */
async function gatewayRun(port, store, processes, redisPid) {
  const workers = Array.from({ length: processes }, () =>
    track(fork(WORKER, [JSON.stringify({ store, port, window: WINDOW })], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })),
  );
  await Promise.all(workers.map((w) => nextMessage(w, (m) => m.ready, 30_000, 'a gateway process bound')));
  const submitted = new Array(processes).fill(0);
  let allSubmitted;
  const done = new Promise((resolve) => (allSubmitted = resolve));
  workers.forEach((worker, i) =>
    worker.on('message', (m) => {
      if (m.submitted === undefined || m.cpu !== undefined) return;
      submitted[i] = m.submitted;
      if (submitted.reduce((a, b) => a + b, 0) >= MESSAGES) allSubmitted();
    }),
  );
  const redisCpuAtStart = redisPid === undefined ? 0 : cpuMicrosOf(redisPid);
  const started = performance.now();
  const share = Math.ceil(MESSAGES / processes);
  workers.forEach((worker, i) => worker.send({ go: true, offset: i * share, count: Math.min(share, MESSAGES - i * share) }));
  let timer;
  await Promise.race([done, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${processes} process(es) on ${store.type}: not all submitted in ${RUN_MS} ms`)), RUN_MS)))]);
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  const redisCpu = redisPid === undefined ? undefined : cpuMicrosOf(redisPid) - redisCpuAtStart;
  const ends = await Promise.all(
    workers.map((worker) => {
      const end = nextMessage(worker, (m) => m.cpu !== undefined, 30_000, 'a gateway process stopping');
      worker.send({ stop: true });
      return end;
    }),
  );
  const totalCpu = ends.reduce((sum, end) => sum + end.cpu, 0);
  return {
    store: store.type,
    processes,
    window: WINDOW,
    messages: MESSAGES,
    messagesPerSecond: Math.round(MESSAGES / seconds),
    submittedByProcess: ends.map((end) => end.submitted),
    cpuMicrosPerMessage: {
      // Each process's CPU over the messages it submitted (it also accepted its share and took receipts).
      perProcess: ends.map((end) => Math.round(end.cpu / Math.max(1, end.submitted))),
      gatewaysTogether: Math.round(totalCpu / MESSAGES),
      ...(redisCpu === undefined ? {} : { redisServer: Math.round(redisCpu / MESSAGES) }),
    },
  };
}

async function main() {
  const loadBefore = os.loadavg().map((n) => +n.toFixed(2));
  const sink = await startSink();
  const redis = await startRedis();
  try {
    const result = {
      node: process.version,
      machine: { cpus: os.cpus().length, loadAverageBefore: loadBefore },
      smsc: `bench/lib/smpp-sink.js in a child process, receipts after ${RECEIPT_DELAY_MS} ms`,
      redis: { version: redis.version, appendonly: 'yes', appendfsync: APPENDFSYNC },
    };
    // Measured twice: the first warms the sink's process up.
    await smscCeiling(sink.port, 1000, 20_000);
    result.smscCeiling = await smscCeiling(sink.port, 1000, 100_000);
    result.bareSmppLoop = await bareLoop(sink.port, WINDOW, MESSAGES);
    const runs = [await gatewayRun(sink.port, { type: 'sqlite', path: join(dir, 'bench.db') }, 1)];
    for (const processes of [1, 2, 3]) {
      const store = { type: 'redis', url: `redis://127.0.0.1:${redis.port}`, prefix: `bench-${processes}` };
      runs.push(await gatewayRun(sink.port, store, processes, redis.child.pid));
    }
    result.runs = runs;
    const most = Math.max(result.bareSmppLoop.submitsPerSecond, ...runs.map((r) => r.messagesPerSecond));
    result.smscHeadroom = { ceilingSubmitsPerSecond: result.smscCeiling.submitsPerSecond, mostSentPerSecond: most, times: +(result.smscCeiling.submitsPerSecond / most).toFixed(1) };
    result.machine.loadAverageAfter = os.loadavg().map((n) => +n.toFixed(2));
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
