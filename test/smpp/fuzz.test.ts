/**
 * Fuzzing the SMPP transport against hostile SMSCs: a peer that binds us and then sends random
 * bytes, and (with fast-check) scripts of every misdeed HostileSmsc knows, for every command id.
 * The process must survive (no unhandled rejection, no uncaught exception: detectors installed
 * on the process) and every accepted message must end in a defined state once the SMSC behaves.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import fc from 'fast-check';
import * as smpp from 'smpp';
import { Gateway } from '../../src/gateway/gateway';
import { MemoryStore } from '../../src/store/memory';
import { HostileSmsc, SMPP_COMMAND_IDS, type HostileAction } from '../../src/smpp/simulator';
import { SmppTransport } from '../../src/smpp/transport';
import type { LinkStatus } from '../../src/transport/types';
import type { MessageState } from '../../src/types';
import { watchProcess } from './process-watch';

/** mulberry32: the same garbage on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('SMPP transport against a peer sending random bytes', function () {
  this.timeout(30_000);
  let server: Server;
  const sockets = new Set<Socket>();

  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('resets the session and binds again, 30 times over', async () => {
    const next = random(2026);
    let binds = 0;
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('data', (bind) => {
        binds++;
        const response = new smpp.PDU('bind_transceiver_resp', {
          sequence_number: bind.readUInt32BE(12),
          system_id: 'fuzz',
        });
        const garbage = Buffer.from(Array.from({ length: 1 + Math.floor(next() * 200) }, () => Math.floor(next() * 256)));
        socket.write(Buffer.concat([(response as unknown as { toBuffer(): Buffer }).toBuffer(), garbage]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;

    const statuses: LinkStatus[] = [];
    const transport = new SmppTransport({
      id: 'fuzz',
      host: '127.0.0.1',
      port,
      systemId: 'fuzz',
      password: 'x',
      reconnectBaseMs: 5,
      reconnectMaxMs: 20,
      enquireLinkMs: 50,
      responseTimeoutMs: 100,
    });
    await transport.start({
      report: async () => undefined,
      inbound: async () => undefined,
      inboundPart: async () => undefined,
      status: (status) => statuses.push(status),
    });
    const deadline = Date.now() + 20_000;
    while (binds < 30 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await transport.stop();

    assert.ok(binds >= 30, `bound ${binds} times`);
    // Each session that ended says why (a bad PDU, an unanswered enquire_link, ...).
    const resets = statuses.filter(
      (s) => s.state === 'error' || (s.state === 'reconnecting' && !s.detail?.startsWith('bind attempt')),
    );
    assert.ok(resets.length >= 29, `${resets.length} resets: ${JSON.stringify(statuses.slice(0, 6))}`);
    assert.ok(resets.every((s) => (s.detail ?? '').length > 0));
  });
});

const octets = (maxLength: number, minLength = 0) => fc.uint8Array({ minLength, maxLength }).map((a) => Buffer.from(a));
const anyStatus = fc.oneof(fc.constant(0), fc.constantFrom(0x08, 0x0e, 0x0f, 0x14, 0x45, 0x58, 0x0b), fc.integer({ min: 0, max: 0xffffffff }));
const anyCommandId = fc.oneof(fc.constantFrom(...SMPP_COMMAND_IDS), fc.integer({ min: 0, max: 0xffffffff }));

/** One misdeed (or the right answer, most often), as HostileSmsc plays it. */
const hostileAction: fc.Arbitrary<HostileAction> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<HostileAction>({ kind: 'answer' }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('blank-id' as const), body: fc.constantFrom('empty' as const, 'none' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('random-body' as const), status: anyStatus, body: octets(80) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wrong-command' as const), commandId: anyCommandId, status: anyStatus, body: octets(80) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('unsolicited' as const),
      commandId: anyCommandId,
      status: anyStatus,
      sequence: fc.integer({ min: 0, max: 0xffffffff }),
      body: octets(120),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bad-length' as const), length: fc.oneof(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 16385, max: 0xffffffff })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('random-bytes' as const), bytes: octets(120, 1) }) },
  { weight: 1, arbitrary: fc.constant<HostileAction>({ kind: 'silence' }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refuse' as const), status: anyStatus }) },
  { weight: 1, arbitrary: fc.constant<HostileAction>({ kind: 'close' }) },
);

const DEFINED: ReadonlySet<MessageState> = new Set(['SUBMITTED', 'DELIVERED', 'UNDELIVERED', 'EXPIRED', 'REJECTED', 'DELETED', 'UNKNOWN', 'FAILED']);

describe('SMPP transport against a hostile SMSC, fuzzed (fast-check)', function () {
  this.timeout(120_000);
  const watch = watchProcess();

  it('survives every misdeed for every command id, and each accepted message ends in a defined state once the SMSC behaves', async () => {
    let runs = 0;
    let pdusSent = 0;
    let protocolErrors = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(hostileAction, { minLength: 1, maxLength: 25 }), async (script) => {
        runs++;
        // The script plays once, over every session, request by request; then the SMSC behaves.
        let played = 0;
        const smsc = new HostileSmsc({ script: () => script[played++] ?? { kind: 'answer' } });
        const { port } = await smsc.start();
        const transport = new SmppTransport({
          id: 'hostile',
          host: '127.0.0.1',
          port,
          systemId: 'fuzz',
          password: 'x',
          window: 4,
          enquireLinkMs: 60,
          responseTimeoutMs: 80,
          maxResponseTimeouts: 2,
          reconnectBaseMs: 2,
          reconnectMaxMs: 10,
          credentialRetryMs: 20,
          throttleBackoffMs: 5,
        });
        const gateway = new Gateway({
          store: new MemoryStore(),
          transports: [transport],
          guard: { enabled: false },
          retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 30 },
          pollMs: 20,
          unavailableRecheckMs: 50,
          reportHoldMs: 0,
        });
        gateway.on('warning', (err) => {
          if (/SMPP protocol error/.test(err.message)) protocolErrors++;
        });
        try {
          await gateway.start();
          const accepted = [];
          for (let i = 0; i < 6; i++) accepted.push(await gateway.send({ to: `+4474001234${10 + i}`, text: `fuzz ${i} ${'é'.repeat(i * 30)}` }));
          // waitFor resolves once the message has left QUEUED, or as it stands after the time.
          const outcomes = await Promise.all(accepted.map((m) => gateway.waitFor(m.id, 'submitted', 15_000)));
          const states = outcomes.map((m) => m.state);
          assert.ok(states.every((state) => DEFINED.has(state)), `${JSON.stringify(states)} after ${played} scripted answers`);
        } finally {
          await gateway.stop();
          pdusSent += smsc.counts.pdusSent;
          await smsc.stop();
        }
        assert.deepEqual(watch.failures(), []);
      }),
      { numRuns: 40, seed: 13, endOnFailure: true },
    );
    assert.equal(runs, 40);
    assert.ok(pdusSent > 40 * 6, `${pdusSent} PDUs sent by the hostile SMSC`);
    // The misdeeds reached the transport, and it logged them as protocol errors.
    assert.ok(protocolErrors > 40, `${protocolErrors} protocol errors logged`);
    assert.deepEqual(watch.failures(), []);
  });
});
