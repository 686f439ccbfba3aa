/**
 * The deliver_sm the simulator owes (receipts and MO messages) when sessions come and go: what
 * is owed on a session that drops goes to the next session of its system_id, once; a session on
 * its way out holds nothing up; and whatever a listener does while a deliver_sm is sent, nothing
 * is sent twice or lost.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as connectTcp, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { delay, Esme, smpp, startSimulator, stopAll, waitForEvent } from './helpers';

const MO = { from: '+447700900123', to: 'ACME' };

/** Counts the longest the event loop went without running a 5 ms interval. */
function watchEventLoop(): { longestGapMs(): number; stop(): void } {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  return {
    longestGapMs: () => Math.max(longest, performance.now() - last),
    stop: () => clearInterval(timer),
  };
}

/**
 * A client bound as receiver whose socket stays open after the simulator ends its side
 * (allowHalfOpen), so its session is still there but can no longer be written to.
 */
async function halfOpenReceiver(port: number, systemId = 'test'): Promise<Socket> {
  const socket = connectTcp({ port, host: '127.0.0.1', allowHalfOpen: true });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.write(new smpp.PDU('bind_receiver', { system_id: systemId, password: 'secret', sequence_number: 1 }).toBuffer());
  await once(socket, 'data'); // bind_receiver_resp
  return socket;
}

describe('SMSC simulator: deliveries across sessions', () => {
  afterEach(stopAll);

  it('re-sends what a dropped session owed to the next session of its system_id, each once, without stalling', async () => {
    const { sim, port } = await startSimulator({ dlrDelayMs: 5, faults: { dropAfterSubmits: 300 } });
    const loop = watchEventLoop();
    /** The sessions each receipt was acknowledged on, by message id. */
    const acknowledgedOn = new Map<string, number[]>();
    sim.on('deliver-resp', ({ sessionId, messageId, kind }) => {
      if (kind === 'receipt') acknowledgedOn.set(messageId!, [...(acknowledgedOn.get(messageId!) ?? []), sessionId]);
    });
    try {
      const first = await Esme.connect(port);
      await first.bind();
      // A window of 100 submit_sm in flight, receipts flowing back, until the 300th drops the session.
      let next = 0;
      const submitter = async () => {
        while (next < 400 && !first.closed) {
          await first.submit(`message ${next++}`, { registered_delivery: 1 }).catch(() => undefined);
        }
      };
      await Promise.all(Array.from({ length: 100 }, submitter));
      await first.waitClosed();
      if (sim.sessions() > 0) await waitForEvent(sim, 'close');

      assert.equal(sim.submits.length, 300, 'nothing after the dropping submit was read');
      const accepted = sim.submits.filter((s) => s.commandStatus === 0).map((s) => s.messageId!);
      assert.equal(accepted.length, 299);
      const owed = accepted.filter((id) => !acknowledgedOn.has(id));
      assert.ok(acknowledgedOn.size > 0, 'receipts were flowing on the first session');
      assert.ok(owed.length > 0, 'receipts were still owed when it dropped');

      const second = await Esme.connect(port);
      await second.bind();
      await second.waitForDelivers(owed.length, 5000);
      await delay(200); // anything sent twice would be here by now
      const resent = second.delivers.map((pdu) => pdu.receipted_message_id as string);
      assert.deepEqual([...resent].sort(), [...owed].sort(), 'every owed receipt, once, on the new session');
      for (const id of accepted) {
        assert.equal(acknowledgedOn.get(id)?.length, 1, `the receipt for ${id} was acknowledged once`);
      }
      assert.ok(loop.longestGapMs() < 1000, `the event loop stalled for ${Math.round(loop.longestGapMs())} ms`);
      second.close();
    } finally {
      loop.stop();
    }
  });

  it('gives a delivery to another receiver when the first one is closing', async () => {
    const { sim, port } = await startSimulator({ dlrDelayMs: 5 });
    const closing = await halfOpenReceiver(port);
    const healthy = await Esme.connect(port);
    await healthy.bind('receiver');
    // The simulator ends its side of the first session; the client keeps its own side open.
    sim.sendMalformed('truncated', 1);
    await once(closing, 'end');
    try {
      const injected = sim.injectMo({ ...MO, text: 'to whoever can take it' });
      const [mo] = await healthy.waitForDelivers(1, 1000);
      assert.equal(mo!.short_message.message, 'to whoever can take it');
      await injected;

      // Receipts too: a transmitter's receipt goes to the receiver that can take it.
      const transmitter = await Esme.connect(port);
      await transmitter.bind('transmitter');
      const response = await transmitter.submit('receipt please', { registered_delivery: 1 });
      const [, receipt] = await healthy.waitForDelivers(2, 1000);
      assert.equal(receipt!.receipted_message_id, response.message_id);
      transmitter.close();
    } finally {
      closing.destroy();
      healthy.close();
    }
  });

  it('sends nothing twice and loses nothing when a deliver listener injects another MO', async () => {
    const { sim, port } = await startSimulator();
    // Held while no receiver is bound: one for system_id test, one for a system_id not bound yet.
    const first = sim.injectMo({ ...MO, systemId: 'test', text: 'first' });
    const forOther = sim.injectMo({ ...MO, systemId: 'other', text: 'for other' });
    let fromListener: Promise<void> | undefined;
    let injecting = false;
    sim.on('deliver', () => {
      if (injecting) return;
      injecting = true;
      fromListener = sim.injectMo({ ...MO, systemId: 'test', text: 'from a listener' });
    });

    const esme = await Esme.connect(port);
    await esme.bind('receiver');
    await esme.waitForDelivers(2, 1000);
    await Promise.all([first, fromListener]);
    await delay(100);
    assert.deepEqual(
      esme.delivers.map((pdu) => pdu.short_message.message),
      ['first', 'from a listener'],
    );

    const other = await Esme.connect(port);
    await other.bind('receiver', { system_id: 'other' });
    const [mo] = await other.waitForDelivers(1, 1000);
    assert.equal(mo!.short_message.message, 'for other');
    await forOther;
    esme.close();
    other.close();
  });
});
