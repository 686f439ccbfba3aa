/**
 * Every receipt to its own message (issue 14, point 4), over real TCP against the SMSC simulator
 * in id-reuse mode (messageIdWrap): it hands ids 10 to 13 out again and again, and sends each
 * receipt before the submit_sm_resp it belongs to (receiptBeforeResp).
 *
 * Receipts an SMSC cannot deliver wait there for a receiver of their system_id, as at a real
 * SMSC: binding the transport `smsc` under another system_id for a while leaves one round's
 * receipts waiting while the next round, with the same ids, gets its own.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SmsGateError } from '../../src/errors';
import { Gateway, type GatewayOptions, type ReportEvent } from '../../src/gateway/gateway';
import { SmscSimulator, type MessageIdFormat } from '../../src/smpp/simulator';
import { SmppTransport, type SmppBind } from '../../src/smpp/transport';
import { MemoryStore } from '../../src/store/memory';
import { SqliteStore } from '../../src/store/sqlite';
import type { MessageRecord, Store } from '../../src/store/types';
import { waitForEvent } from '../helpers/events';
import { until } from '../helpers/until';

/** Eight recipients: the first four get rounds A and C, the others round B. */
const RECIPIENTS = Array.from({ length: 8 }, (_, i) => `+4474001234${String(i + 10)}`);

describe('every receipt to its own message (SMSC simulator reusing ids, receipts racing their response, real TCP)', function () {
  this.timeout(60_000);
  const gateways: Gateway[] = [];
  const simulators: SmscSimulator[] = [];
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-receipts-'));
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.stop()));
    await Promise.all(simulators.splice(0).map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function simulator(
    messageIdFormat: MessageIdFormat,
    messageIdWrap: number,
    delayResponsesMs = 200,
  ): Promise<SmscSimulator & { port: number }> {
    const sim = new SmscSimulator({
      port: 0,
      messageIdFormat,
      firstMessageId: 10,
      messageIdWrap,
      // The receipt goes out first and its submit_sm_resp later: far enough apart that the
      // gateway reads them apart (it hands on the receipts of one read after its responses).
      faults: { receiptBeforeResp: true, delayResponsesMs },
    });
    const { port } = await sim.start();
    simulators.push(sim);
    return Object.assign(sim, { port });
  }

  function smsc(sim: { port: number }, systemId: string, bind: SmppBind): SmppTransport {
    return new SmppTransport({ id: 'smsc', host: '127.0.0.1', port: sim.port, systemId, password: 'pw', bind, reconnectBaseMs: 50 });
  }

  const connected = (gw: Gateway) =>
    waitForEvent<{ status: { state: string } }>(gw, 'transport-status', 5000, (e) => e.status.state === 'connected');

  /** A gateway whose one transport, `smsc`, is bound as `systemId`; resolves once it is. */
  async function gateway(sim: { port: number }, store: Store, systemId: string, bind: SmppBind, options: Partial<GatewayOptions> = {}): Promise<Gateway> {
    const gw = new Gateway({ store, transports: [smsc(sim, systemId, bind)], guard: { enabled: false }, pollMs: 50, ...options });
    gateways.push(gw);
    const bound = connected(gw);
    await gw.start();
    await bound;
    return gw;
  }

  /** Replaces the transport `smsc` with one bound as `systemId`; resolves once it is. */
  async function bindAs(gw: Gateway, sim: { port: number }, systemId: string, bind: SmppBind): Promise<void> {
    await gw.removeTransport('smsc');
    const bound = connected(gw);
    await gw.addTransport(smsc(sim, systemId, bind));
    await bound;
  }

  async function sendTo(gw: Gateway, recipients: string[], round: string): Promise<MessageRecord[]> {
    return Promise.all(recipients.map((to, i) => gw.send({ to, text: `round ${round} message ${i}` })));
  }

  const idsOf = (messages: MessageRecord[]) => messages.flatMap((m) => m.providerIds).sort();

  const all = (gw: Gateway, messages: MessageRecord[], until: 'submitted' | 'final') =>
    Promise.all(messages.map((m) => gw.waitFor(m.id, until, 20_000)));

  for (const format of ['hex', 'decimal'] as const) {
    for (const kind of ['memory', 'sqlite'] as const) {
      it(`gives each receipt to its own message when ids come again, ${format} ids (${kind} store)`, async () => {
        const sim = await simulator(format, 4);
        const receipts: { messageId?: string; attempt: number }[] = [];
        const answers: number[] = [];
        sim.on('deliver', (d) => d.kind === 'receipt' && receipts.push(d));
        sim.on('deliver-resp', (d) => d.kind === 'receipt' && answers.push(d.commandStatus));
        const store = kind === 'memory' ? new MemoryStore() : new SqliteStore(join(dir, 'gw.db'));
        // Round A, to recipients 1-4, bound as a transmitter: its receipts wait at the SMSC.
        const gw = await gateway(sim, store, 'a', 'transmitter');
        const reports: ReportEvent[] = [];
        gw.on('report', (e) => reports.push(e));
        const a = await all(gw, await sendTo(gw, RECIPIENTS.slice(0, 4), 'A'), 'submitted');
        assert.ok(a.every((m) => m.state === 'SUBMITTED'));

        // Round B, to recipients 5-8, under another system_id: the same four ids again, each
        // receipt before its response, while A's messages with those ids still wait for theirs.
        await bindAs(gw, sim, 'b', 'transceiver');
        const b = await all(gw, await sendTo(gw, RECIPIENTS.slice(4), 'B'), 'final');
        assert.deepEqual(idsOf(b), idsOf(a), 'B was given the ids A was');
        assert.deepEqual(b.map((m) => m.state), ['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED']);
        const aMeanwhile = await Promise.all(a.map((m) => gw.getMessage(m.id)));
        assert.deepEqual(aMeanwhile.map((m) => m?.state), ['SUBMITTED', 'SUBMITTED', 'SUBMITTED', 'SUBMITTED'], "no receipt of B went to A's messages");

        // A's receipts come now; the ids also name B's finished messages.
        await bindAs(gw, sim, 'a', 'transceiver');
        const aDone = await all(gw, a, 'final');
        assert.deepEqual(aDone.map((m) => m.state), ['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED']);

        // Round C, to A's recipients again: same ids, same recipients, A finished.
        const c = await all(gw, await sendTo(gw, RECIPIENTS.slice(0, 4), 'C'), 'final');
        assert.deepEqual(idsOf(c), idsOf(a), 'C was given the ids A was');
        assert.deepEqual(c.map((m) => m.state), ['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED']);
        assert.deepEqual(await Promise.all(a.map((m) => gw.getMessage(m.id))), aDone, "no receipt of C touched A's finished messages");

        // Each message took one receipt, the one that named its recipient.
        const messages = [...a, ...b, ...c];
        assert.equal(reports.length, 12);
        for (const message of messages) {
          const its = reports.filter((r) => r.message?.id === message.id);
          assert.equal(its.length, 1, `one receipt for ${message.recipient.e164} (${message.text})`);
          assert.equal(its[0]!.report.address, message.recipient.e164);
          assert.equal(its[0]!.report.providerId, message.providerIds[0]);
        }
        const { reports: counted } = await gw.status();
        assert.deepEqual({ ...counted, held: 0 }, { applied: 12, held: 0, repeated: 0, unmatched: 0 });
        assert.ok(counted.held >= 1, 'some receipts came before their submit was stored, and waited for it');

        // At the SMSC: each message submitted once, four ids used three times each, and each
        // receipt sent once and acknowledged at once.
        const texts = sim.submits.map((s) => s.text);
        assert.deepEqual([texts.length, new Set(texts).size], [12, 12], 'no message lost or sent twice');
        assert.ok(sim.submits.every((s) => s.commandStatus === 0));
        const uses = new Map<string, number>();
        for (const s of sim.submits) uses.set(s.messageId!, (uses.get(s.messageId!) ?? 0) + 1);
        assert.deepEqual([...uses.values()], [3, 3, 3, 3], `ids used: ${JSON.stringify([...uses])}`);
        assert.equal(receipts.length, 12);
        assert.ok(receipts.every((r) => r.attempt === 1), 'no receipt had to be sent again');
        // The SMSC is answered once the receipt is stored, just after the report event.
        await until(() => answers.length === 12, 5000, 'the answers to the receipts');
        assert.deepEqual(answers, Array(12).fill(0));
        console.log(`      ${format}, ${kind}: ids ${[...uses.keys()].join(' ')}; reports ${JSON.stringify(counted)}`);
      });
    }
  }

  it('takes a receipt whose submit another gateway on the same sqlite file stored while it held the receipt', async () => {
    // Ids 10 and 11 only: two messages to different recipients share each, in flight at once.
    // The responses come 1.5 s after the receipts.
    const sim = await simulator('decimal', 2, 1500);
    const file = join(dir, 'shared.db');
    const sender = await gateway(sim, new SqliteStore(file), 'x', 'transmitter');
    const sent = await sendTo(sender, RECIPIENTS.slice(0, 4), 'shared');
    await until(() => sim.submits.length === 4, 10_000, 'the four submit_sm');
    // The receipts wait at the SMSC for a receiver; this one gets them before the sender has
    // stored a single submit, and holds them far longer than this test may run: only looking
    // in the store again finds what the other gateway stored.
    const attempts: number[] = [];
    sim.on('deliver', (d) => d.kind === 'receipt' && attempts.push(d.attempt));
    const receiver = await gateway(sim, new SqliteStore(file), 'x', 'receiver', { reportHoldMs: 60_000 });
    const reports: ReportEvent[] = [];
    receiver.on('report', (e) => reports.push(e));
    const done = await all(sender, sent, 'final');
    assert.deepEqual(done.map((m) => m.state), ['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED']);
    assert.deepEqual(idsOf(done), ['10', '10', '11', '11']);
    await until(() => reports.length === 4, 5000, "the receiver's report events");
    for (const message of done) {
      const its = reports.filter((r) => r.message?.id === message.id);
      assert.deepEqual(its.map((r) => r.report.address), [message.recipient.e164], `one receipt for ${message.recipient.e164}`);
    }
    const { reports: counted } = await receiver.status();
    assert.equal(counted.applied, 4);
    assert.ok(counted.held >= 1, `the receipts came before the submits were stored: ${JSON.stringify(counted)}`);
    assert.deepEqual([sim.submits.length, new Set(sim.submits.map((s) => s.text)).size], [4, 4]);
    assert.deepEqual(attempts, [1, 1, 1, 1], 'each receipt answered in time, none sent again');
  });

  it('counts and logs a receipt no message takes, naming its id, address and state, and answers the SMSC', async () => {
    // Every id is 10 (0000000a).
    const sim = await simulator('hex', 1);
    const answers: number[] = [];
    sim.on('deliver-resp', (d) => d.kind === 'receipt' && answers.push(d.commandStatus));

    // A process whose store is gone sent to recipient 1; its receipt waits at the SMSC for system_id s.
    const gone = await gateway(sim, new MemoryStore(), 's', 'transmitter');
    const lost = await gone.send({ to: RECIPIENTS[0]!, text: 'from a store that is gone' });
    await gone.waitFor(lost.id, 'submitted', 10_000);
    await gone.stop();

    // This gateway sent to recipient 2 and was given id 10 too.
    const gw = await gateway(sim, new MemoryStore(), 't', 'transceiver', { reportHoldMs: 300 });
    const warnings: SmsGateError[] = [];
    gw.on('warning', (err) => warnings.push(err as SmsGateError));
    const own = await gw.waitFor((await gw.send({ to: RECIPIENTS[1]!, text: 'its own' })).id, 'final', 10_000);
    assert.equal(own.state, 'DELIVERED');

    // Bound as s, it gets the other process's receipt: id 10, recipient 1.
    const unmatched = waitForEvent<ReportEvent>(gw, 'report', 5000, (e) => e.message === undefined);
    await bindAs(gw, sim, 's', 'transceiver');
    const { report } = await unmatched;
    assert.deepEqual([report.providerId, report.address, report.state], ['A', RECIPIENTS[0], 'DELIVERED']);
    assert.deepEqual(await gw.getMessage(own.id), own, 'the message with that id and another recipient did not take it');
    assert.equal((await gw.status()).reports.unmatched, 1);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.code, 'REPORT_UNMATCHED');
    for (const part of ['provider id A', `address ${RECIPIENTS[0]}`, 'DELIVERED']) assert.ok(warnings[0]!.message.includes(part), warnings[0]!.message);
    await until(() => answers.length === 2, 5000, 'the answer to the receipt');
    assert.deepEqual(answers, [0, 0], 'the SMSC was answered (its own receipt and the other), so it does not send it again');
  });
});
