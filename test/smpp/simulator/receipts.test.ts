/** submit_sm, message ids and delivery receipts, seen from an `smpp` package client. */
import assert from 'node:assert/strict';
import { encodeMessage } from '../../../src/encoding';
import { until } from '../../helpers/until';
import { delay, Esme, startSimulator, stopAll, waitForEvent } from './helpers';

/** YYMMDDhhmm in UTC, as the receipt writes its dates. */
function receiptDate(date: Date): string {
  return date.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d).*$/, '$1$2$3$4$5');
}

describe('SMSC simulator: submits and receipts', () => {
  afterEach(stopAll);

  it('answers each submit_sm with a unique message id and records it decoded', async () => {
    const { sim, port } = await startSimulator();
    const first = await Esme.connect(port);
    const second = await Esme.connect(port);
    await first.bind('transmitter');
    await second.bind('transceiver', { system_id: 'other' });
    const responses = [await first.submit('one'), await second.submit('two'), await first.submit('three')];
    assert.deepEqual(
      responses.map((r) => [r.command_status, r.message_id]),
      [[0, '00000001'], [0, '00000002'], [0, '00000003']],
    );
    const recorded = sim.submits[1]!;
    assert.equal(recorded.messageId, '00000002');
    assert.equal(recorded.commandStatus, 0);
    assert.equal(recorded.sessionId, 2);
    assert.equal(recorded.systemId, 'other');
    assert.deepEqual(recorded.source, { addr: 'ACME', ton: 5, npi: 0 });
    assert.deepEqual(recorded.destination, { addr: '447700900123', ton: 1, npi: 1 });
    assert.equal(recorded.dataCoding, 0);
    assert.equal(recorded.esmClass, 0);
    assert.equal(recorded.registeredDelivery, 0);
    assert.equal(recorded.text, 'two');
    assert.deepEqual(recorded.shortMessage, Buffer.from('two'));
    assert.equal(recorded.udh, undefined);
    assert.ok(recorded.receivedAt instanceof Date);
    first.close();
    second.close();
  });

  it('decodes UCS-2 and concatenated segments with the project encoder, one record per segment', async () => {
    const { sim, port } = await startSimulator();
    const esme = await Esme.connect(port);
    await esme.bind();
    await esme.submit('', { data_coding: 8, short_message: Buffer.from('Привет 👍', 'utf16le').swap16() });
    const long = encodeMessage('A long message that needs two parts: '.repeat(5), { reference: 0x42 });
    for (const segment of long.segments) {
      await esme.submit('', { esm_class: 0x40, short_message: Buffer.concat([segment.udh, segment.payload]) });
    }
    assert.equal(sim.submits[0]!.text, 'Привет 👍');
    const parts = sim.submits.slice(1);
    assert.deepEqual(parts.map((p) => p.text), long.parts);
    assert.deepEqual(parts.map((p) => p.concat), [
      { reference: 0x42, total: 2, sequence: 1, via: 'udh' },
      { reference: 0x42, total: 2, sequence: 2, via: 'udh' },
    ]);
    assert.deepEqual(parts[0]!.udh, Buffer.from([5, 0, 3, 0x42, 2, 1]));
    esme.close();
  });

  it('sends the SMPP 3.4 Appendix B receipt with receipted_message_id and message_state', async () => {
    const { sim, port } = await startSimulator({ dlrDelayMs: 20 });
    const esme = await Esme.connect(port);
    await esme.bind();
    const response = await esme.submit('Hello from the simulator test', { registered_delivery: 1 });
    const [receipt] = await esme.waitForDelivers(1);
    const submittedAt = sim.submits[0]!.receivedAt;
    assert.equal(receipt!.esm_class, 0x04);
    assert.equal(receipt!.data_coding, 0);
    assert.equal(receipt!.source_addr, '447700900123', 'from the number the message went to');
    assert.equal(receipt!.source_addr_ton, 1);
    assert.equal(receipt!.destination_addr, 'ACME', 'back to the sender');
    assert.equal(receipt!.dest_addr_ton, 5);
    const text: string = receipt!.short_message.message;
    const date = receiptDate(submittedAt);
    assert.equal(
      text.replace(/done date:\d{10}/, 'done date:X'),
      `id:${response.message_id} sub:001 dlvrd:001 submit date:${date} done date:X stat:DELIVRD err:000 text:Hello from the simul`,
    );
    const done = /done date:(\d{10})/.exec(text)![1]!;
    assert.ok(done >= date && done <= receiptDate(new Date()), `done date ${done}`);
    assert.equal(receipt!.receipted_message_id, response.message_id);
    assert.equal(receipt!.message_state, 2, 'DELIVERED');
    esme.close();
  });

  it("hands each receipt to any receiving bind of the account with receiptsTo 'any', the submitter's only by default", async () => {
    for (const receiptsTo of ['any', 'submitter'] as const) {
      const { sim, port } = await startSimulator({ dlrDelayMs: 0, receiptsTo });
      let answered = 0;
      sim.on('deliver-resp', () => answered++);
      const [submitter, other, stranger] = await Promise.all([Esme.connect(port), Esme.connect(port), Esme.connect(port)]);
      await submitter.bind('transceiver');
      await other.bind('receiver');
      await stranger.bind('receiver', { system_id: 'stranger' });
      for (let i = 0; i < 40; i++) await submitter.submit(`message ${i}`, { registered_delivery: 1 });
      await until(() => answered === 40, 5000, `40 receipts answered (${receiptsTo})`);
      assert.equal(submitter.delivers.length + other.delivers.length, 40, receiptsTo);
      assert.equal(stranger.delivers.length, 0, 'never to another system_id');
      // 40 random picks between two binds all landing on one: 2 in 2^40.
      if (receiptsTo === 'any') assert.ok(submitter.delivers.length > 0 && other.delivers.length > 0, `${submitter.delivers.length} / ${other.delivers.length}`);
      else assert.equal(other.delivers.length, 0);
      await stopAll();
    }
  });

  it('sends no receipt when registered_delivery does not ask for one', async () => {
    const { port } = await startSimulator({ dlrDelayMs: 0 });
    const esme = await Esme.connect(port);
    await esme.bind();
    await esme.submit('no receipt please', { registered_delivery: 0 });
    await delay(200);
    assert.equal(esme.delivers.length, 0);
    esme.close();
  });

  it('sends failure-only receipts (registered_delivery 2) only for failed messages', async () => {
    for (const [status, expected] of [['DELIVRD', 0], ['UNDELIV', 1]] as const) {
      const { port } = await startSimulator({ dlrDelayMs: 0, dlrStatus: status });
      const esme = await Esme.connect(port);
      await esme.bind();
      await esme.submit('failure only', { registered_delivery: 2 });
      await delay(150);
      assert.equal(esme.delivers.length, expected, status);
      if (expected === 1) {
        const receipt = esme.delivers[0]!;
        assert.match(receipt.short_message.message, / sub:001 dlvrd:000 .* stat:UNDELIV err:001 text:failure only$/);
        assert.equal(receipt.message_state, 5, 'UNDELIVERABLE');
      }
      esme.close();
    }
  });

  it('writes text-only receipts when receiptTlvs is false', async () => {
    const { port } = await startSimulator({ receiptTlvs: false, dlrStatus: 'EXPIRED' });
    const esme = await Esme.connect(port);
    await esme.bind();
    await esme.submit('x', { registered_delivery: 1 });
    const [receipt] = await esme.waitForDelivers(1);
    assert.equal(receipt!.receipted_message_id, undefined);
    assert.equal(receipt!.message_state, undefined);
    assert.match(receipt!.short_message.message, / stat:EXPIRED err:002 text:x$/);
    esme.close();
  });

  it('quotes at most 20 characters, each one GSM 7-bit septet, in the receipt', async () => {
    const { port } = await startSimulator();
    const esme = await Esme.connect(port);
    await esme.bind();
    await esme.submit('', { registered_delivery: 1, data_coding: 8, short_message: Buffer.from('€uro [x] 👍 and more text', 'utf16le').swap16() });
    const [receipt] = await esme.waitForDelivers(1);
    assert.match(receipt!.short_message.message, / text:\?uro \?x\? \? and more $/);
    esme.close();
  });

  for (const [label, options, respId, receiptId] of [
    ['hex in the response, decimal in the receipt', { messageIdFormat: 'hex', receiptIdFormat: 'decimal' }, '00000abc', '2748'],
    ['decimal in the response, upper-case hex in the receipt', { messageIdFormat: 'decimal', receiptIdFormat: 'hex-upper' }, '2748', '00000ABC'],
    ['hex, then upper-case hex', { messageIdFormat: 'hex', receiptIdFormat: 'hex-upper' }, '00000abc', '00000ABC'],
    ['decimal, then zero-padded decimal', { messageIdFormat: 'decimal', receiptIdFormat: 'decimal-padded' }, '2748', '0000002748'],
  ] as const) {
    it(`writes message ids ${label}`, async () => {
      const { port } = await startSimulator({ ...options, firstMessageId: 0xabc });
      const esme = await Esme.connect(port);
      await esme.bind();
      const response = await esme.submit('id formats', { registered_delivery: 1 });
      assert.equal(response.message_id, respId);
      const [receipt] = await esme.waitForDelivers(1);
      assert.equal(receipt!.receipted_message_id, receiptId);
      assert.match(receipt!.short_message.message, new RegExp(`^id:${receiptId} `));
      esme.close();
    });
  }

  it('takes 1000 pipelined submits and sends a receipt for each', async () => {
    const { sim, port } = await startSimulator({ dlrDelayMs: 0 });
    const esme = await Esme.connect(port);
    await esme.bind();
    const responses = await Promise.all(Array.from({ length: 1000 }, (_, i) => esme.submit(`message ${i}`, { registered_delivery: 1 })));
    const ids = responses.map((r) => r.message_id as string);
    assert.equal(new Set(ids).size, 1000);
    assert.ok(responses.every((r) => r.command_status === 0));
    const receipts = await esme.waitForDelivers(1000, 10_000);
    assert.deepEqual(new Set(receipts.map((r) => r.receipted_message_id)), new Set(ids));
    assert.deepEqual(sim.submits.map((s) => s.text), responses.map((_, i) => `message ${i}`));
    esme.close();
  });

  it('sends one receipt per segment', async () => {
    const { port } = await startSimulator();
    const esme = await Esme.connect(port);
    await esme.bind();
    const message = encodeMessage('x'.repeat(300));
    const ids: string[] = [];
    for (const segment of message.segments) {
      const response = await esme.submit('', { esm_class: 0x40, registered_delivery: 1, short_message: Buffer.concat([segment.udh, segment.payload]) });
      ids.push(response.message_id);
    }
    const receipts = await esme.waitForDelivers(2);
    await delay(100);
    assert.equal(esme.delivers.length, 2);
    assert.deepEqual(receipts.map((r) => r.receipted_message_id).sort(), ids.sort());
    esme.close();
  });

  it('routes receipts of a transmitter to a receiver bound with the same system_id', async () => {
    const { port } = await startSimulator();
    const transmitter = await Esme.connect(port);
    const stranger = await Esme.connect(port);
    const receiver = await Esme.connect(port);
    await transmitter.bind('transmitter');
    await stranger.bind('receiver', { system_id: 'someone-else' });
    await receiver.bind('receiver');
    const response = await transmitter.submit('via the receiver', { registered_delivery: 1 });
    const [receipt] = await receiver.waitForDelivers(1);
    assert.equal(receipt!.receipted_message_id, response.message_id);
    await delay(100);
    assert.equal(stranger.delivers.length, 0, 'another account never sees the receipt');
    assert.equal(transmitter.delivers.length, 0);
    for (const esme of [transmitter, stranger, receiver]) esme.close();
  });

  it('holds receipts until a receiver binds', async () => {
    const { port } = await startSimulator({ dlrDelayMs: 0 });
    const transmitter = await Esme.connect(port);
    await transmitter.bind('transmitter');
    const response = await transmitter.submit('held', { registered_delivery: 1 });
    await delay(150);
    const receiver = await Esme.connect(port);
    await receiver.bind('receiver');
    const [receipt] = await receiver.waitForDelivers(1);
    assert.equal(receipt!.receipted_message_id, response.message_id);
    transmitter.close();
    receiver.close();
  });

  it('sends a receipt again when its deliver_sm_resp does not come, and reports the one that does', async () => {
    const { sim, port } = await startSimulator({ deliverRetryMs: 200 });
    const attempts: number[] = [];
    sim.on('deliver', (event) => attempts.push(event.attempt));
    const esme = await Esme.connect(port);
    esme.answerDelivers = false;
    await esme.bind();
    const response = await esme.submit('retry me', { registered_delivery: 1 });
    const [first] = await esme.waitForDelivers(1);
    esme.answerDelivers = true;
    const acknowledged = waitForEvent<{ kind: string; messageId: string; commandStatus: number }>(sim, 'deliver-resp');
    const [, second] = await esme.waitForDelivers(2, 1000);
    assert.notEqual(second!.sequence_number, first!.sequence_number, 'a new deliver_sm');
    assert.equal(second!.receipted_message_id, response.message_id);
    assert.deepEqual(await acknowledged, { sessionId: 1, kind: 'receipt', messageId: response.message_id, commandStatus: 0 });
    await delay(400);
    assert.equal(esme.delivers.length, 2, 'acknowledged: no more attempts');
    assert.deepEqual(attempts, [1, 2]);
    esme.close();
  });

  it('sends a receipt again when the ESME answers that it cannot store it yet, and takes other errors as final', async () => {
    const { sim, port } = await startSimulator({ deliverRetryMs: 200 });
    const answers: number[] = [];
    sim.on('deliver-resp', ({ commandStatus }) => answers.push(commandStatus));
    const esme = await Esme.connect(port);
    await esme.bind();
    esme.nextDeliverStatus = 0x64; // ESME_RX_T_APPN: try again later
    const retried = await esme.submit('store me later', { registered_delivery: 1 });
    const [first, second] = await esme.waitForDelivers(2, 2000);
    assert.equal(first!.receipted_message_id, retried.message_id);
    assert.equal(second!.receipted_message_id, retried.message_id, 'the same receipt, again');

    esme.nextDeliverStatus = 0x08; // ESME_RSYSERR: refused for good
    await esme.submit('refused for good', { registered_delivery: 1 });
    await esme.waitForDelivers(3, 2000);
    await delay(500);
    assert.equal(esme.delivers.length, 3, 'not sent again after a permanent error');
    assert.deepEqual(answers, [0x64, 0, 0x08]);
    esme.close();
  });

  it('sends an unacknowledged receipt to another session when its session closes', async () => {
    const { port } = await startSimulator();
    const silent = await Esme.connect(port);
    silent.answerDelivers = false;
    await silent.bind();
    const response = await silent.submit('hand over', { registered_delivery: 1 });
    await silent.waitForDelivers(1);
    const receiver = await Esme.connect(port);
    await receiver.bind('receiver');
    silent.close();
    const [receipt] = await receiver.waitForDelivers(1);
    assert.equal(receipt!.receipted_message_id, response.message_id);
    receiver.close();
  });
});
