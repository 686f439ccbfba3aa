/**
 * The modem transport inside a real Gateway against a hostile modem over a real pseudo-terminal:
 * the simulator's modem, with what it writes garbled, cut short, swallowed (silence), split by
 * stray bytes mid-line, replaced by random bytes, or preceded by junk unsolicited codes (+CMTI of
 * slots that do not exist, +CMT and +CDS with PDUs that are not hex or not PDUs, +CREG out of
 * range, random lines). fast-check draws the plan of faults; once it is used up the modem behaves.
 *
 * What must hold: nothing escapes to the process (unhandledRejection / uncaughtException
 * detectors), and every accepted message ends in a defined state: SUBMITTED with one provider id
 * per segment and its text at the modem (none lost), or FAILED with a coded error. Duplicates
 * (a +CMGS answer swallowed, so the outbox sends again) are counted, not forbidden: that is what
 * a swallowed answer costs.
 *
 * SMSGATE_FUZZ_RUNS=200 runs longer and prints a JSON summary (PDUs, resets, messages by state).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Gateway } from '../../src/gateway/gateway';
import { ModemDevice } from '../../src/modem/simulator/device';
import type { ReceivedSubmit } from '../../src/modem/simulator/messages';
import { resolveOptions } from '../../src/modem/simulator/options';
import { openPty, type Pty } from '../../src/modem/simulator/pty';
import { SimCard } from '../../src/modem/simulator/sim-card';
import { ModemTransport } from '../../src/modem/transport';
import { MemoryStore } from '../../src/store/memory';
import type { MessageRecord } from '../../src/store/types';
import type { LinkStatus } from '../../src/transport/types';
import { until } from '../helpers/until';

type Fault =
  | { kind: 'pass' }
  | { kind: 'drop' }
  | { kind: 'garble'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; bytes: Uint8Array }
  | { kind: 'urc'; line: string }
  | { kind: 'replace'; bytes: Uint8Array };

const hex = fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('hex').toUpperCase());
const junkPdu = fc.oneof(hex, hex.map((h) => `${h}G`), fc.string({ maxLength: 40 }), fc.constant(''));
const storage = fc.constantFrom('SM', 'SR', 'ME', 'XX', '');
const index = fc.integer({ min: -2, max: 300 });

/** Unsolicited codes a broken modem might send; no bare final result codes (those are garbling's job). */
const junkUrc = fc.oneof(
  fc.tuple(storage, index).map(([s, i]) => `+CMTI: "${s}",${i}`),
  fc.tuple(storage, index).map(([s, i]) => `+CDSI: "${s}",${i}`),
  fc.tuple(index, junkPdu).map(([n, pdu]) => `+CMT: ,${n}\r\n${pdu}`),
  fc.tuple(index, junkPdu).map(([n, pdu]) => `+CDS: ${n}\r\n${pdu}`),
  fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 })).map(([oa, text]) => `+CMT: "${oa}",,"26/13/45,99:99:99+99"\r\n${text}`),
  fc.integer({ min: -1, max: 12 }).map((stat) => `+CREG: ${stat}`),
  fc.constantFrom('RING', '> ', '^RSSI: 12', '+CMTI:', '+CDS:', '+CMT:'),
  fc.string({ maxLength: 40 }),
);

const fault: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'pass' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('garble' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('urc' as const), line: junkUrc }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replace' as const), bytes: fc.uint8Array({ maxLength: 40 }) }) },
);

/** The simulator's modem on its own pty, each of its writes (but single echoed bytes) put through the next fault of `plan`. */
class HostileModem {
  readonly submits: ReceivedSubmit[] = [];
  pdus = 0;

  private constructor(
    private readonly pty: Pty,
    private readonly device: ModemDevice,
    private readonly plan: Fault[],
  ) {}

  static async start(link: string, plan: Fault[]): Promise<HostileModem> {
    const options = resolveOptions({ statusReportDelayMs: 0 });
    const sim = new SimCard(options.pin, options.puk, options.smsc, options.storageSize, options.firstMessageReference);
    const holder: { modem?: HostileModem } = {};
    const device = new ModemDevice(options, sim, {
      write: (data) => holder.modem?.write(Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8')),
      command: () => undefined,
      submit: (submit) => holder.modem?.submits.push(submit),
      statusReport: () => undefined,
    });
    const pty = await openPty(link);
    const modem = new HostileModem(pty, device, [...plan]);
    holder.modem = modem;
    pty.on('data', (chunk) => device.input(chunk));
    device.attached = true;
    return modem;
  }

  get hostile(): boolean {
    return this.plan.length > 0;
  }

  async stop(): Promise<void> {
    this.device.attached = false;
    this.device.dispose();
    await this.pty.close();
  }

  private write(bytes: Buffer): void {
    this.pdus++;
    const next = bytes.length > 1 ? this.plan.shift() : undefined;
    if (next === undefined) return this.pty.write(bytes);
    const at = (n: number) => n % (bytes.length + 1);
    switch (next.kind) {
      case 'pass':
        return this.pty.write(bytes);
      case 'drop':
        return;
      case 'garble': {
        const copy = Buffer.from(bytes);
        copy[at(next.at) % bytes.length] = next.byte;
        return this.pty.write(copy);
      }
      case 'truncate':
        return this.pty.write(bytes.subarray(0, at(next.at)));
      case 'splice':
        return this.pty.write(Buffer.concat([bytes.subarray(0, at(next.at)), next.bytes, bytes.subarray(at(next.at))]));
      case 'urc':
        return this.pty.write(Buffer.concat([Buffer.from(`\r\n${next.line}\r\n`, 'latin1'), bytes]));
      case 'replace':
        return this.pty.write(Buffer.from(next.bytes));
    }
  }
}

const TEXTS = ['plain GSM text', 'UCS-2 😀 ünïcödé', 'two segments: '.padEnd(200, 'x')];
const RUNS = Number(process.env.SMSGATE_FUZZ_RUNS ?? 4);

describe('modem transport against a hostile modem (fuzz, real pty)', function () {
  this.timeout(Math.max(60_000, RUNS * 30_000));
  const escaped: unknown[] = [];
  const onRejection = (reason: unknown) => escaped.push(reason);
  const onException = (error: unknown) => escaped.push(error);
  let dir: string;

  before(() => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
    dir = mkdtempSync(join(tmpdir(), 'smsgate-hostile-'));
  });
  after(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    rmSync(dir, { recursive: true, force: true });
  });

  it('survives garbled answers, junk URCs, bytes mid-line and silence; every accepted message ends in a defined state', async () => {
    const summary = { runs: 0, pdus: 0, resets: 0, warnings: 0, submitsAtModem: 0, duplicates: 0, byState: {} as Record<string, number> };
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fault, { minLength: 5, maxLength: 40 }), async (plan) => {
        const modem = await HostileModem.start(join(dir, `ttyHostile${run++}`), plan);
        const statuses: LinkStatus[] = [];
        const gateway = new Gateway({
          store: new MemoryStore(),
          transports: [
            new ModemTransport({
              id: 'gsm1',
              path: join(dir, `ttyHostile${run - 1}`),
              commandTimeoutMs: 250,
              sendTimeoutMs: 500,
              healthIntervalMs: 50,
              reopenBaseMs: 20,
              reopenMaxMs: 100,
            }),
          ],
          guard: { enabled: false },
          retry: { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 10 },
          pollMs: 50,
          reassemblyTimeoutMs: 1000,
        });
        let warnings = 0;
        gateway.on('warning', () => warnings++);
        gateway.on('transport-status', ({ status }) => statuses.push(status));
        let messages: MessageRecord[] = [];
        try {
          await gateway.start();
          const accepted = await Promise.all(TEXTS.map((text) => gateway.send({ to: '+447400123456', text, deliveryReport: false })));
          const current = () => Promise.all(accepted.map(async (m) => (await gateway.getMessage(m.id))!));
          // The faults run out; then a working modem must get every message to the end of its road.
          await until(() => !modem.hostile, 20_000, 'the plan of faults to be used up');
          const deadline = Date.now() + 20_000;
          for (messages = await current(); messages.some((m) => m.state === 'QUEUED'); messages = await current()) {
            assert.ok(
              Date.now() < deadline,
              `messages still QUEUED 20 s after the faults ended: ${JSON.stringify(messages.map((m) => [m.state, m.error]))}; ` +
                `link: ${JSON.stringify(statuses.slice(-12))}`,
            );
            await gateway.waitFor(messages.find((m) => m.state === 'QUEUED')!.id, 'submitted', 1000);
          }
        } finally {
          await gateway.stop();
          await modem.stop();
        }

        assert.deepEqual(escaped, [], 'nothing escaped to the process');
        for (const message of messages) {
          // Segments reach the modem one by one: count those that carry a piece of this message's text.
          const sentTimes = modem.submits.filter((s) => (message.segments === 1 ? s.text === message.text : s.text !== '' && message.text.includes(s.text))).length;
          summary.byState[message.state] = (summary.byState[message.state] ?? 0) + 1;
          if (message.state === 'SUBMITTED') {
            assert.equal(message.providerIds.length, message.segments, 'one provider id per segment');
            assert.ok(sentTimes >= message.segments, `SUBMITTED but not at the modem (lost): ${message.text.slice(0, 20)}`);
            summary.duplicates += sentTimes - message.segments;
          } else {
            assert.equal(message.state, 'FAILED', `an undefined end: ${message.state}`);
            assert.ok(message.error !== null && typeof message.error.code === 'string', 'FAILED with a coded error');
          }
        }
        summary.runs++;
        summary.pdus += modem.pdus;
        summary.submitsAtModem += modem.submits.length;
        summary.warnings += warnings;
        summary.resets += statuses.filter((s) => s.detail?.includes('resetting') || s.state === 'reconnecting').length;
      }),
      // SMSGATE_FUZZ_SEED and SMSGATE_FUZZ_PATH replay a failure fast-check reported.
      {
        numRuns: RUNS,
        ...(process.env.SMSGATE_FUZZ_SEED === undefined ? {} : { seed: Number(process.env.SMSGATE_FUZZ_SEED) }),
        ...(process.env.SMSGATE_FUZZ_PATH === undefined ? {} : { path: process.env.SMSGATE_FUZZ_PATH, endOnFailure: true }),
      },
    );
    if (process.env.SMSGATE_FUZZ_RUNS !== undefined) console.log(JSON.stringify({ processAlive: true, ...summary }));
    if (process.env.SMSGATE_FUZZ_PATH === undefined) assert.equal(summary.runs, RUNS);
  });
});
