'use strict';
/**
 * The long fuzz run (minutes): a Gateway with the SMPP transport against the hostile SMSC
 * (src/smpp/simulator/hostile.ts) that answers a share of the PDUs it receives with a misdeed:
 * blank message ids, random bodies under any command id, wrong commands, unsolicited PDUs, lying
 * command_lengths, random bytes, silence, refusals, closed connections. A producer sends
 * messages all along. Then the SMSC behaves, and every message must leave QUEUED.
 *
 * Process-level detectors count unhandled rejections and uncaught exceptions (there must be
 * none). Prints one JSON document: PDUs sent by the SMSC, sessions and resets, whether the
 * process is alive, messages by state.
 *
 *   npm run build && node bench/hostile-smsc.js            # 180 s of hostility
 *   BENCH_SECONDS=30 BENCH_HOSTILE_SHARE=0.5 node bench/hostile-smsc.js
 */
const { Gateway, MemoryStore, SmppTransport } = require('../dist');
const { HostileSmsc, SMPP_COMMAND_IDS } = require('../dist/smpp/simulator');
const { random } = require('./lib/random');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 180);
/** The share of requests answered with a misdeed. */
const HOSTILE_SHARE = Number(process.env.BENCH_HOSTILE_SHARE ?? 0.3);
const SENDS_PER_SECOND = Number(process.env.BENCH_RATE ?? 50);
/** After the hostility, how long the messages get to leave QUEUED. */
const SETTLE_SECONDS = 60;

const next = random(13);
const pick = (list) => list[Math.floor(next() * list.length)];
const integer = (max) => Math.floor(next() * (max + 1));
const octets = (max) => Buffer.from(Array.from({ length: integer(max) }, () => integer(255)));
const status = () => (next() < 0.5 ? 0 : next() < 0.5 ? pick([0x08, 0x0e, 0x0f, 0x14, 0x45, 0x58, 0x0b]) : integer(0xffffffff));
const commandId = () => (next() < 0.8 ? pick(SMPP_COMMAND_IDS) : integer(0xffffffff));

const MISDEEDS = [
  () => ({ kind: 'blank-id', body: pick(['empty', 'none']) }),
  () => ({ kind: 'random-body', status: status(), body: octets(80) }),
  () => ({ kind: 'wrong-command', commandId: commandId(), status: status(), body: octets(80) }),
  () => ({ kind: 'unsolicited', commandId: commandId(), status: status(), sequence: integer(0xffffffff), body: octets(160) }),
  () => ({ kind: 'bad-length', length: next() < 0.5 ? integer(15) : 16385 + integer(0xfffff) }),
  () => ({ kind: 'random-bytes', bytes: Buffer.concat([Buffer.from([integer(255)]), octets(120)]) }),
  () => ({ kind: 'silence' }),
  () => ({ kind: 'refuse', status: status() }),
  () => ({ kind: 'close' }),
];
const misdeedCounts = {};

async function main() {
  const detected = { unhandledRejections: 0, uncaughtExceptions: 0, first: undefined };
  process.on('unhandledRejection', (reason) => {
    detected.unhandledRejections++;
    detected.first ??= String(reason && reason.stack ? reason.stack : reason);
  });
  process.on('uncaughtException', (err) => {
    detected.uncaughtExceptions++;
    detected.first ??= String(err.stack ?? err);
  });

  let hostile = true;
  const smsc = new HostileSmsc({
    script: () => {
      if (!hostile || next() >= HOSTILE_SHARE) return { kind: 'answer' };
      const action = pick(MISDEEDS)();
      misdeedCounts[action.kind] = (misdeedCounts[action.kind] ?? 0) + 1;
      return action;
    },
  });
  const { port } = await smsc.start();
  const transport = new SmppTransport({
    id: 'hostile',
    host: '127.0.0.1',
    port,
    systemId: 'bench',
    password: 'bench',
    window: 20,
    enquireLinkMs: 200,
    responseTimeoutMs: 300,
    maxResponseTimeouts: 3,
    reconnectBaseMs: 10,
    reconnectMaxMs: 100,
    credentialRetryMs: 200,
    throttleBackoffMs: 20,
  });
  const gateway = new Gateway({
    store: new MemoryStore(),
    transports: [transport],
    guard: { enabled: false },
    retry: { baseDelayMs: 50, maxDelayMs: 500, maxAttempts: 20 },
    pollMs: 100,
    unavailableRecheckMs: 200,
  });
  const links = { resets: 0, bindFailures: 0, protocolErrors: 0, warnings: 0 };
  gateway.on('transport-status', ({ status: link }) => {
    if (link.state === 'reconnecting' && !(link.detail ?? '').startsWith('bind attempt')) links.resets++;
    if (link.state === 'error') links.bindFailures++;
  });
  gateway.on('warning', (err) => {
    links.warnings++;
    if (/SMPP protocol error/.test(err.message)) links.protocolErrors++;
  });
  await gateway.start();

  const ids = [];
  const started = Date.now();
  let i = 0;
  while (Date.now() - started < SECONDS * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * SENDS_PER_SECOND);
    for (; i < due; i++) {
      const message = await gateway.send({ to: `+44740012${String(i % 10000).padStart(4, '0')}`, text: `hostile ${i}` });
      ids.push(message.id);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  // The SMSC behaves again: every message must leave QUEUED.
  hostile = false;
  const settleStarted = Date.now();
  const states = () => Promise.all(ids.map(async (id) => (await gateway.getMessage(id)).state));
  let last = await states();
  while (last.includes('QUEUED') && Date.now() - settleStarted < SETTLE_SECONDS * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await states();
  }
  const byState = {};
  for (const state of last) byState[state] = (byState[state] ?? 0) + 1;
  await gateway.stop();
  await smsc.stop();

  console.log(
    JSON.stringify(
      {
        seconds: SECONDS,
        hostileShare: HOSTILE_SHARE,
        pdusSent: smsc.counts.pdusSent,
        misdeeds: misdeedCounts,
        connections: smsc.counts.sessions,
        sessionsReset: links.resets,
        bindFailures: links.bindFailures,
        protocolErrorsLogged: links.protocolErrors,
        submitsReceived: smsc.counts.submits,
        submitsAccepted: smsc.counts.submitsAccepted,
        processAlive: true,
        unhandledRejections: detected.unhandledRejections,
        uncaughtExceptions: detected.uncaughtExceptions,
        ...(detected.first === undefined ? {} : { firstFailure: detected.first }),
        messages: { accepted: ids.length, byState, settleSeconds: Math.round((Date.now() - settleStarted) / 100) / 10 },
      },
      null,
      2,
    ),
  );
  process.exitCode = detected.unhandledRejections + detected.uncaughtExceptions === 0 && !last.includes('QUEUED') ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
