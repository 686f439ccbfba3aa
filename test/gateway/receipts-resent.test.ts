/**
 * A receipt the SMSC sends again while the gateway holds it (reports.ts, rule 7), over real TCP
 * against the SMSC simulator. A receipt no message waits for is held `reportHoldMs` for its
 * submit; an SMSC whose resend interval (the simulator's `deliverRetryMs`) is shorter sends it
 * again and again meanwhile. Each copy used to be held in turn and then published: the report
 * reached the listeners once per resend, and the SMSC went on resending.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SmsGateError } from '../../src/errors';
import type { GatewayEvent } from '../../src/gateway/events';
import { Gateway, type ReportEvent } from '../../src/gateway/gateway';
import { SmscSimulator } from '../../src/smpp/simulator';
import { SmppTransport, type SmppBind } from '../../src/smpp/transport';
import { MemoryStore } from '../../src/store/memory';
import { SqliteStore } from '../../src/store/sqlite';
import type { Store } from '../../src/store/types';
import { waitForEvent } from '../helpers/events';
import { until } from '../helpers/until';
import { Esme } from '../smpp/simulator/helpers';

const RECIPIENT = '+447400123410';
/** The simulator's resend interval. */
const RESEND_MS = 300;
/**
 * The hold: five and a half resend intervals, so that it ends halfway between two resends. A
 * copy the SMSC sends just as the hold ends reaches the gateway after the held receipt settled,
 * and is a new receipt to it (held, then published again).
 */
const HOLD_MS = 1650;

describe('a receipt the SMSC sends again while it is held (SMSC simulator, real TCP)', function () {
  this.timeout(60_000);
  const gateways: Gateway[] = [];
  const esmes: Esme[] = [];
  let sim: SmscSimulator;
  let port: number;

  beforeEach(async () => {
    sim = new SmscSimulator({ port: 0, deliverRetryMs: RESEND_MS });
    ({ port } = await sim.start());
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.stop()));
    for (const esme of esmes.splice(0)) esme.close();
    await sim.stop();
  });

  async function gateway(systemId: string, bind: SmppBind, reportHoldMs: number, store: Store = new MemoryStore()): Promise<Gateway> {
    const transport = new SmppTransport({ id: 'smsc', host: '127.0.0.1', port, systemId, password: 'pw', bind, reconnectBaseMs: 50 });
    const gw = new Gateway({ store, transports: [transport], guard: { enabled: false }, pollMs: 50, reportHoldMs });
    gateways.push(gw);
    return gw;
  }

  async function started(gw: Gateway): Promise<void> {
    const bound = waitForEvent<{ status: { state: string } }>(gw, 'transport-status', 5000, (e) => e.status.state === 'connected');
    await gw.start();
    await bound;
  }

  it('publishes the report once while it is held, answers every copy when the hold ends, and the resends stop', async () => {
    // A process whose store is gone sent to RECIPIENT; its receipt waits at the SMSC for system_id s.
    const gone = await gateway('s', 'transmitter', 0);
    await started(gone);
    const lost = await gone.send({ to: RECIPIENT, text: 'from a store that is gone' });
    await gone.waitFor(lost.id, 'submitted', 10_000);
    await gone.stop();

    // The witness of time passing at the SMSC: an ESME bound as w that answers no deliver_sm, so
    // the simulator sends it its MO message again every RESEND_MS, on timers like the receipt's.
    const witness = await Esme.connect(port);
    esmes.push(witness);
    witness.answerDelivers = false;
    await witness.bind('receiver', { system_id: 'w' });
    const witnessed: number[] = [];
    sim.on('deliver', (d) => d.kind === 'mo' && witnessed.push(d.attempt));
    sim.injectMo({ from: '+447400999999', to: '12345', text: 'witness', systemId: 'w' }).catch(() => {}); // rejected when the simulator stops

    const sends: number[] = [];
    const answers: number[] = [];
    sim.on('deliver', (d) => d.kind === 'receipt' && sends.push(d.attempt));
    sim.on('deliver-resp', (d) => d.kind === 'receipt' && answers.push(d.commandStatus));

    // This gateway, bound as s, gets the receipt: no message here has its id, so it is held.
    const gw = await gateway('s', 'transceiver', HOLD_MS);
    const reports: ReportEvent[] = [];
    const feed: GatewayEvent[] = [];
    const warnings: SmsGateError[] = [];
    gw.on('report', (e) => reports.push(e));
    gw.on('warning', (err) => warnings.push(err as SmsGateError));
    const listening = gw.listen('resends', ['report'], (event) => void feed.push(event));
    const answered = waitForEvent<{ kind: string; commandStatus: number }>(sim, 'deliver-resp', 10_000, (d) => d.kind === 'receipt');
    await started(gw);
    await listening.ready; // long before the hold ends

    // The hold ends: the SMSC is answered (its last copy; the earlier ones it stopped waiting for).
    const answer = await answered.catch((err: Error) => {
      throw new Error(`${err.message}: the receipt sent ${sends.length} times, ${reports.length} report events`);
    });
    assert.equal(answer.commandStatus, 0);
    const sent = sends.length;
    assert.ok(sent >= 3, `the SMSC sent the receipt again during the hold (${sent} times in all)`);
    assert.deepEqual(sends, Array.from({ length: sent }, (_, i) => i + 1));
    assert.equal(reports.length, 1, `one report event for ${sent} copies`);
    assert.equal(reports[0]!.message, undefined);
    assert.deepEqual([reports[0]!.report.address, reports[0]!.report.state], [RECIPIENT, 'DELIVERED']);
    assert.deepEqual(warnings.map((w) => w.code), ['REPORT_UNMATCHED'], 'logged once');
    assert.deepEqual((await gw.status()).reports, { applied: 0, held: 0, repeated: sent - 1, unmatched: 1 }, 'each copy counted as repeated');
    await until(() => feed.length >= 1, 5000, 'the report in the feed');

    // Two more sends of the witness: a resend interval has passed since the answer, longer than
    // any resend timer the receipt could still have had running then.
    const witnessedAtAnswer = witnessed.length;
    await until(() => witnessed.length >= witnessedAtAnswer + 2, 10_000, 'two more sends of the witness MO');
    assert.equal(sends.length, sent, 'answered: the SMSC sent the receipt no more');
    assert.deepEqual(answers, [0], 'the one copy the SMSC still waited for, answered OK');
    assert.equal(reports.length, 1, 'still one report event');
    assert.deepEqual(feed.map((e) => e.kind), ['report'], 'one report in the feed');
  });

  it('hands a receipt on once when its answer is lost and the SMSC sends it to another process sharing the store', async () => {
    // a and b share one sqlite file, bind one account and listen with one id (two Node-REDs
    // running one flow). The one that submits (either may claim the message) gets the receipt,
    // stores and publishes the report; its deliver_sm_resp is lost on the way, and it stops (a
    // redeploy). The SMSC sends the receipt again, to the other, which finds the message
    // DELIVERED already: a repeat, which it publishes too (it cannot know that the first publish
    // went through). The feed keeps one.
    // Resent after 1.5 s: time for the first to stop (a copy it gets while it stops, it refuses for now).
    await sim.stop();
    sim = new SmscSimulator({ port: 0, deliverRetryMs: 1500 });
    ({ port } = await sim.start());
    const dir = mkdtempSync(join(tmpdir(), 'smsgate-resent-'));
    try {
      const file = join(dir, 'outbox.db');
      const bySession = new Map<number, Gateway>();
      const feed: GatewayEvent[] = [];
      for (let i = 0; i < 2; i++) {
        const gw = await gateway('s', 'transceiver', 200, new SqliteStore(file));
        const bound = waitForEvent<{ sessionId: number }>(sim, 'bind', 5000);
        await started(gw);
        bySession.set((await bound).sessionId, gw);
        await gw.listen('flow', ['report'], (event) => void feed.push(event)).ready;
      }
      const attempts: { sessionId: number; attempt: number }[] = [];
      sim.on('deliver', (d) => d.kind === 'receipt' && attempts.push({ sessionId: d.sessionId, attempt: d.attempt }));
      sim.setFaults({ loseDeliverResps: 1 });

      const first = await gateways[0]!.send({ to: RECIPIENT, text: 'its answer is lost' });
      await until(() => feed.length >= 1, 10_000, 'the report at a listener');
      const got = bySession.get(attempts[0]!.sessionId)!;
      const other = [...bySession.values()].find((gw) => gw !== got)!;
      await got.stop();
      const answered = await waitForEvent<{ kind: string; sessionId: number; commandStatus: number }>(
        sim,
        'deliver-resp',
        10_000,
        (d) => d.kind === 'receipt' && d.commandStatus === 0,
      );
      assert.ok(attempts.length >= 2, 'sent again');
      assert.equal(bySession.get(answered.sessionId), other, 'the copy sent again, answered by the other gateway');
      assert.equal((await other.status()).reports.repeated, 1, 'which found it a repeat');

      // A marker through the other: once its report is at the listener, what it appended before is too.
      const marker = await other.send({ to: RECIPIENT, text: 'marker' });
      await until(() => feed.some((e) => e.kind === 'report' && e.message?.id === marker.id), 10_000, 'the marker report');
      const ofFirst = feed.filter((e) => e.kind === 'report' && e.message?.id === first.id);
      assert.equal(ofFirst.length, 1, `the first message's report handed on once (${feed.length} events in all)`);
      assert.equal(feed.length, 2);
    } finally {
      await Promise.all(gateways.splice(0).map((g) => g.stop()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
