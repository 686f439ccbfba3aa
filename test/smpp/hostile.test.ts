/**
 * The SMPP transport inside a real Gateway against an SMSC that misbehaves: accepts submits
 * without a message id, falls silent with the TCP connection open. Messages are counted at the
 * simulator: none lost, duplicates only within the window.
 */
import assert from 'node:assert/strict';
import { Gateway } from '../../src/gateway/gateway';
import { MemoryStore } from '../../src/store/memory';
import { HostileSmsc, SmscSimulator, type HostileAction } from '../../src/smpp/simulator';
import { SmppTransport, type SmppTransportOptions } from '../../src/smpp/transport';
import type { LinkStatus } from '../../src/transport/types';
import type { MessageRecord } from '../../src/store/types';
import { until } from '../helpers/until';
import { watchProcess } from './process-watch';

const TO = '+447400123456';

describe('SMPP transport against a hostile SMSC', function () {
  this.timeout(60_000);
  const gateways: Gateway[] = [];
  let sim: SmscSimulator;
  let port: number;
  const watch = watchProcess();

  beforeEach(async () => {
    sim = new SmscSimulator({ port: 0, systemId: 'test', password: 'secret', dlrDelayMs: 10 });
    ({ port } = await sim.start());
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.stop()));
    await sim.stop();
  });

  async function gateway(options: Partial<SmppTransportOptions> = {}) {
    const transport = new SmppTransport({
      id: 'smsc',
      host: '127.0.0.1',
      port,
      systemId: 'test',
      password: 'secret',
      reconnectBaseMs: 20,
      reconnectMaxMs: 100,
      ...options,
    });
    const gw = new Gateway({ store: new MemoryStore(), transports: [transport], guard: { enabled: false }, retry: { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 50 }, pollMs: 50 });
    const statuses: { at: number; status: LinkStatus }[] = [];
    const warnings: Error[] = [];
    gw.on('transport-status', ({ status }) => statuses.push({ at: performance.now(), status }));
    gw.on('warning', (err) => warnings.push(err));
    gateways.push(gw);
    await gw.start();
    await until(() => statuses.some((s) => s.status.state === 'connected'), 5000, 'the bind');
    return { gateway: gw, statuses, warnings };
  }

  for (const blank of ['empty', 'no-body'] as const) {
    it(`counts a submit_sm_resp with status 0 and ${blank === 'empty' ? 'an empty message_id' : 'no body'} as submitted with no provider id, logged, and carries on`, async () => {
      sim.setFaults({ blankMessageIds: blank });
      const { gateway: gw, warnings } = await gateway();
      const first = await gw.send({ to: TO, text: 'no id for me' });
      const submitted = await gw.waitFor(first.id, 'submitted', 10_000);
      assert.equal(submitted.state, 'SUBMITTED');
      assert.deepEqual(submitted.providerIds, ['']);
      assert.equal(submitted.error, null);
      assert.ok(
        warnings.some((w) => /submit_sm_resp accepted a segment with (an empty message_id|no message_id): it counts as submitted, with no provider id/.test(w.message)),
        warnings.map((w) => w.message).join('\n'),
      );
      // The session lives on: the next message, with an id, is delivered; the blank one was sent once.
      sim.setFaults({ blankMessageIds: null });
      const second = await gw.send({ to: TO, text: 'an id for me' });
      assert.equal((await gw.waitFor(second.id, 'final', 10_000)).state, 'DELIVERED');
      assert.deepEqual(sim.submits.map((s) => s.text), ['no id for me', 'an id for me']);
      assert.equal(watch.failures().length, 0, watch.failures().join('\n'));
    });
  }

  it('resets a link whose SMSC falls silent mid-traffic within the configured bound, then sends every message once it is back', async () => {
    const window = 10;
    const enquireLinkMs = 300;
    const responseTimeoutMs = 400;
    const { gateway: gw, statuses } = await gateway({ window, enquireLinkMs, responseTimeoutMs, maxResponseTimeouts: 3 });
    let silentAt = 0;
    sim.on('submit', () => {
      if (sim.submits.length === 20 && silentAt === 0) {
        silentAt = performance.now();
        sim.setFaults({ silent: true });
      }
    });
    // Back once the link has been reset: the next session answers.
    gw.on('transport-status', ({ status }) => {
      if (silentAt > 0 && status.state === 'reconnecting') sim.setFaults({ silent: false });
    });
    const accepted: MessageRecord[] = [];
    for (let i = 0; i < 60; i++) accepted.push(await gw.send({ to: TO, text: `message ${i}` }));
    const done = await Promise.all(accepted.map((m) => gw.waitFor(m.id, 'final', 30_000)));

    const reset = statuses.find((s) => s.at > silentAt && s.status.state === 'reconnecting');
    assert.ok(reset, JSON.stringify(statuses.map((s) => s.status)));
    assert.match(reset.status.detail!, /^link reset: (3 requests in a row unanswered for 400 ms|enquire_link unanswered)/);
    const bound = enquireLinkMs + responseTimeoutMs;
    assert.ok(reset.at - silentAt <= bound + 1500, `reset ${Math.round(reset.at - silentAt)} ms after the SMSC fell silent (bound ${bound} ms)`);
    assert.deepEqual(done.map((m) => m.state), Array(60).fill('DELIVERED'));
    // Counted at the simulator: every message accepted exactly once; the only duplicates are
    // those the silent session swallowed, at most one window.
    const acceptedTexts = sim.submits.filter((s) => s.commandStatus === 0).map((s) => s.text);
    assert.deepEqual([...acceptedTexts].sort(), accepted.map((m) => m.text).sort());
    const duplicates = sim.submits.length - accepted.length;
    assert.ok(duplicates >= 1 && duplicates <= window, `${duplicates} submits swallowed and sent again`);
  });

  it('sends enquire_link when nothing is received, however much it sends, and resets the link when it goes unanswered', async () => {
    // So many timeouts allowed that only the enquire_link can end the session.
    const { gateway: gw, statuses } = await gateway({ window: 100, enquireLinkMs: 150, responseTimeoutMs: 400, maxResponseTimeouts: 1000 });
    const silentAt = performance.now();
    sim.setFaults({ silent: true });
    let sending = true;
    const sent: Promise<MessageRecord>[] = [];
    const traffic = (async () => {
      for (let i = 0; sending && i < 500; i++) {
        sent.push(gw.send({ to: TO, text: `busy ${i}` }));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await until(() => statuses.some((s) => s.at > silentAt && s.status.state === 'reconnecting'), 10_000, 'the reset');
    sending = false;
    await traffic;
    const reset = statuses.find((s) => s.at > silentAt && s.status.state === 'reconnecting')!;
    assert.match(reset.status.detail!, /^link reset: enquire_link unanswered for 400 ms, after 150 ms with nothing received$/);
    sim.setFaults({ silent: false });
    const done = await Promise.all((await Promise.all(sent)).map((m) => gw.waitFor(m.id, 'final', 30_000)));
    assert.ok(done.every((m) => m.state === 'DELIVERED'), JSON.stringify(done.map((m) => m.state)));
  });

  it('resets a link that falls silent right after the bind, naming the unanswered enquire_link', async () => {
    sim.setFaults({ silent: true });
    const { statuses } = await gateway({ enquireLinkMs: 100, responseTimeoutMs: 200 });
    await until(() => statuses.some((s) => s.status.state === 'reconnecting'), 5000, 'the reset');
    const reset = statuses.find((s) => s.status.state === 'reconnecting')!;
    assert.equal(reset.status.detail, 'link reset: enquire_link unanswered for 200 ms, after 100 ms with nothing received');
    assert.equal(reset.status.error?.code, 'TRANSPORT_UNAVAILABLE');
  });

  describe('each misdeed answering a submit_sm, then an SMSC that behaves', () => {
    // message_state (0x0427) announced with one octet that never comes: the body cannot be read.
    const unreadable = Buffer.concat([Buffer.from('id\0'), Buffer.from([0x04, 0x27, 0x00, 0x01])]);
    const cases: { name: string; misdeed: HostileAction; state: string; providerIds?: string[]; logged?: RegExp; code?: string }[] = [
      { name: 'status 0 with an empty message_id', misdeed: { kind: 'blank-id', body: 'empty' }, state: 'SUBMITTED', providerIds: [''], logged: /an empty message_id/ },
      { name: 'status 0 without a body', misdeed: { kind: 'blank-id', body: 'none' }, state: 'SUBMITTED', providerIds: [''], logged: /no message_id/ },
      { name: 'a message_id without its NUL', misdeed: { kind: 'random-body', status: 0, body: Buffer.from('ab12') }, state: 'SUBMITTED', providerIds: ['AB12'] },
      { name: 'a body that cannot be read', misdeed: { kind: 'random-body', status: 0, body: unreadable }, state: 'SUBMITTED', providerIds: [''], logged: /whose body cannot be read/ },
      { name: 'a message_id of 200 characters', misdeed: { kind: 'random-body', status: 0, body: Buffer.from(`${'9'.repeat(200)}\0`) }, state: 'SUBMITTED', providerIds: [''], logged: /a message_id of 200 characters/ },
      { name: 'another command’s response', misdeed: { kind: 'wrong-command', commandId: 0x80000009, status: 0, body: Buffer.from('x\0') }, state: 'SUBMITTED', providerIds: ['1'], logged: /submit_sm \(sequence \d+\) answered with a bind_transceiver_resp/ },
      { name: 'a generic_nack with status 0', misdeed: { kind: 'wrong-command', commandId: 0x80000000, status: 0, body: Buffer.alloc(0) }, state: 'SUBMITTED', providerIds: ['1'], logged: /answered with generic_nack 0x00000000/ },
      { name: 'an unknown response command id', misdeed: { kind: 'wrong-command', commandId: 0x8000abcd, status: 0, body: Buffer.alloc(3) }, state: 'SUBMITTED', providerIds: ['1'], logged: /submit_sm \(sequence \d+\) answered with a command_id 0x8000ABCD/ },
      { name: 'a refusal for good', misdeed: { kind: 'refuse', status: 0x0b }, state: 'FAILED', code: 'TRANSPORT_PERMANENT' },
      { name: 'an unsolicited outbind before the answer', misdeed: { kind: 'unsolicited', commandId: 0x0000000b, status: 0, sequence: 9, body: Buffer.from('x\0') }, state: 'SUBMITTED', providerIds: ['1'], logged: /an unexpected outbind: answered generic_nack/ },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.state}${c.providerIds ? ` ${JSON.stringify(c.providerIds)}` : ''}${c.logged ? ', logged' : ''}`, async () => {
        let submits = 0;
        const smsc = new HostileSmsc({ script: (request) => (request.commandId === 0x00000004 && submits++ === 0 ? c.misdeed : { kind: 'answer' }) });
        const { port: hostilePort } = await smsc.start();
        const transport = new SmppTransport({ id: 'smsc', host: '127.0.0.1', port: hostilePort, systemId: 'x', password: 'x', responseTimeoutMs: 2000 });
        const gw = new Gateway({ store: new MemoryStore(), transports: [transport], guard: { enabled: false }, retry: { baseDelayMs: 10, maxDelayMs: 20 }, pollMs: 50 });
        const warnings: Error[] = [];
        gw.on('warning', (err) => warnings.push(err));
        gateways.push(gw);
        try {
          await gw.start();
          const accepted = await gw.send({ to: TO, text: 'misdeed', deliveryReport: false });
          const done = await gw.waitFor(accepted.id, 'submitted', 10_000);
          assert.equal(done.state, c.state, JSON.stringify(done.error));
          if (c.providerIds) assert.deepEqual(done.providerIds, c.providerIds);
          if (c.code) assert.equal(done.error?.code, c.code);
          if (c.logged) assert.ok(warnings.some((w) => c.logged!.test(w.message)), warnings.map((w) => w.message).join('\n'));
          assert.deepEqual(watch.failures(), []);
        } finally {
          await gw.stop();
          await smsc.stop();
        }
      });
    }
  });
});
