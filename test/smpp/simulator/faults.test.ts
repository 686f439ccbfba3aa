/** Each fault the simulator can be told to commit, as a client sees it. */
import assert from 'node:assert/strict';
import { delay, Esme, RawEsme, startSimulator, stopAll, waitForEvent } from './helpers';

const ESME_RBINDFAIL = 0x0d;
const ESME_RMSGQFUL = 0x14;
const ESME_RSUBMITFAIL = 0x45;

describe('SMSC simulator: faults', () => {
  afterEach(stopAll);

  it('drops the connection as the Nth submit_sm arrives, once', async () => {
    const { sim, port } = await startSimulator({ faults: { dropAfterSubmits: 3 } });
    const esme = await Esme.connect(port);
    await esme.bind();
    const outcomes = await Promise.allSettled(
      ['one', 'two', 'three', 'four', 'five'].map((text) => esme.submit(text, {}).then((r) => r.message_id)),
    );
    await esme.waitClosed();
    assert.deepEqual(outcomes.slice(0, 2), [
      { status: 'fulfilled', value: '00000001' },
      { status: 'fulfilled', value: '00000002' },
    ]);
    for (const outcome of outcomes.slice(2)) {
      assert.equal(outcome.status, 'rejected', 'the third and later got no answer');
      assert.match(String(outcome.status === 'rejected' && outcome.reason), /connection closed/);
    }
    assert.deepEqual(
      sim.submits.map((s) => [s.text, s.commandStatus]),
      [['one', 0], ['two', 0], ['three', null]],
      'the dropping submit is recorded unanswered; nothing after it was read',
    );

    const again = await Esme.connect(port);
    await again.bind();
    assert.equal((await again.submit('after reconnect')).command_status, 0, 'the fault fired once');
    again.close();
  });

  it('delays submit_sm_resp by delayResponsesMs', async () => {
    const { sim, port } = await startSimulator();
    sim.setFaults({ delayResponsesMs: 300 });
    const esme = await Esme.connect(port);
    await esme.bind();
    const started = Date.now();
    const response = await esme.submit('slow');
    assert.equal(response.command_status, 0);
    assert.ok(Date.now() - started >= 290, `answered after ${Date.now() - started} ms`);
    esme.close();
  });

  it('withholds every submit_sm_resp while withholdResponses is set', async () => {
    const { sim, port } = await startSimulator({ faults: { withholdResponses: true } });
    const esme = await Esme.connect(port);
    await esme.bind();
    await assert.rejects(esme.request('submit_sm', { destination_addr: '1', short_message: Buffer.from('x'), registered_delivery: 1 }, 300), /no response/);
    assert.equal(sim.submits[0]!.commandStatus, null);
    assert.equal(esme.delivers.length, 0, 'no receipt for an unanswered submit');
    sim.setFaults({ withholdResponses: false });
    assert.equal((await esme.submit('answered')).command_status, 0);
    esme.close();
  });

  it('falls silent while silent is set: binds are answered, nothing else, until it is cleared', async () => {
    const { sim, port } = await startSimulator({ faults: { silent: true } });
    const esme = await Esme.connect(port);
    await esme.bind();
    await assert.rejects(esme.request('enquire_link', {}, 300), /no response/);
    await assert.rejects(esme.request('submit_sm', { destination_addr: '1', short_message: Buffer.from('x'), registered_delivery: 1 }, 300), /no response/);
    assert.deepEqual(sim.submits.map((s) => [s.text, s.commandStatus]), [['x', null]]);
    sim.setFaults({ silent: false });
    assert.equal((await esme.request('enquire_link', {}, 3000)).command_status, 0);
    assert.equal((await esme.submit('answered')).command_status, 0);
    esme.close();
  });

  it('holds receipts and MO messages while holdDeliveries is set, submits carrying on, and sends them once it is cleared', async () => {
    // No receipt delay: the receipt is queued as the submit_sm_resp goes out, so it would come
    // before the enquire_link_resp that follows if it were not held.
    const { sim, port } = await startSimulator({ dlrDelayMs: 0, faults: { holdDeliveries: true } });
    const esme = await Esme.connect(port);
    await esme.bind();
    const submitted = await esme.submit('held receipt', { registered_delivery: 1 });
    assert.equal(submitted.command_status, 0);
    const mo = sim.injectMo({ from: '447700900001', to: '12345', text: 'held mo' });
    assert.equal((await esme.request('enquire_link', {}, 3000)).command_status, 0);
    assert.equal(esme.delivers.length, 0, 'nothing delivered while held');

    sim.setFaults({ holdDeliveries: false });
    const delivered = await esme.waitForDelivers(2);
    await mo;
    assert.deepEqual(delivered.map((d) => d.receipted_message_id ?? d.short_message?.message), [submitted.message_id, 'held mo']);
    assert.throws(() => sim.setFaults({ holdDeliveries: 1 as never }), /faults\.holdDeliveries must be true or false/);
    esme.close();
  });

  it('accepts submits without a usable message id while blankMessageIds is set: an empty one, or no body at all', async () => {
    const { sim, port } = await startSimulator({ faults: { blankMessageIds: 'empty' } });
    const esme = await Esme.connect(port);
    await esme.bind();
    const empty = await esme.submit('empty id');
    assert.equal(empty.command_status, 0);
    assert.equal(empty.message_id, '');
    sim.setFaults({ blankMessageIds: 'no-body' });
    const none = await esme.submit('no body');
    assert.equal(none.command_status, 0);
    assert.equal(none.message_id, undefined, 'the package finds no message_id in a header-only response');
    assert.deepEqual(sim.submits.map((s) => [s.text, s.messageId, s.commandStatus]), [['empty id', '', 0], ['no body', '', 0]]);
    assert.throws(() => sim.setFaults({ blankMessageIds: 'blank' as never }), /faults\.blankMessageIds must be one of empty, no-body/);
    assert.throws(() => sim.setFaults({ silent: 'yes' as never }), /faults\.silent must be true or false/);
    esme.close();
  });

  it('answers binds with the rejectBinds status', async () => {
    const { sim, port } = await startSimulator({ faults: { rejectBinds: ESME_RBINDFAIL } });
    const esme = await Esme.connect(port);
    assert.equal((await esme.bind()).command_status, ESME_RBINDFAIL);
    sim.setFaults({ rejectBinds: null });
    assert.equal((await esme.bind()).command_status, 0);
    esme.close();
  });

  it('answers submit_sm with the submitStatus and sends no receipt', async () => {
    const { sim, port } = await startSimulator({ faults: { submitStatus: ESME_RSUBMITFAIL } });
    const esme = await Esme.connect(port);
    await esme.bind();
    const failed = await esme.submit('refused', { registered_delivery: 1 });
    assert.equal(failed.command_status, ESME_RSUBMITFAIL);
    assert.equal(failed.message_id, undefined);
    sim.setFaults({ submitStatus: ESME_RMSGQFUL });
    assert.equal((await esme.submit('queue full')).command_status, ESME_RMSGQFUL);
    await delay(100);
    assert.equal(esme.delivers.length, 0);
    assert.deepEqual(sim.submits.map((s) => [s.commandStatus, s.messageId]), [[ESME_RSUBMITFAIL, null], [ESME_RMSGQFUL, null]]);
    esme.close();
  });

  it('sends the receipt before the submit_sm_resp when receiptBeforeResp is set', async () => {
    const { port } = await startSimulator({ faults: { receiptBeforeResp: true } });
    const esme = await Esme.connect(port);
    await esme.bind();
    const response = await esme.submit('early receipt', { registered_delivery: 1 });
    const commands = esme.received.map((pdu) => pdu.command);
    assert.deepEqual(commands, ['bind_transceiver_resp', 'deliver_sm', 'submit_sm_resp']);
    assert.equal(esme.delivers[0]!.receipted_message_id, response.message_id);
    esme.close();
  });

  describe('malformed PDUs', () => {
    async function boundRawClient() {
      const started = await startSimulator();
      const bound = waitForEvent(started.sim, 'bind');
      const raw = await RawEsme.connect(started.port);
      await raw.bind();
      await bound;
      return { ...started, raw };
    }

    it('bad-length: a header whose command_length is below 16', async () => {
      const { sim, raw } = await boundRawClient();
      sim.sendMalformed('bad-length');
      const bytes = await raw.read(16);
      assert.equal(bytes.readUInt32BE(0), 8);
      assert.equal(bytes.readUInt32BE(4), 0x00000015);
      raw.close();
    });

    it('truncated: a header promising more octets than come before the connection closes', async () => {
      const { sim, raw } = await boundRawClient();
      sim.sendMalformed('truncated');
      const bytes = await raw.readToEnd();
      assert.equal(bytes.length, 20);
      assert.equal(bytes.readUInt32BE(0), 64);
      assert.equal(bytes.readUInt32BE(4), 0x00000005);
    });

    it('oversized: a command_length of 100 MB', async () => {
      const { sim, raw } = await boundRawClient();
      sim.sendMalformed('oversized');
      const bytes = await raw.read(32);
      assert.equal(bytes.readUInt32BE(0), 100 * 1024 * 1024);
      raw.close();
    });

    it('unknown-command: a valid header with command_id 0x000000FF', async () => {
      const { sim, raw } = await boundRawClient();
      sim.sendMalformed('unknown-command');
      const pdu = await raw.readPdu();
      assert.deepEqual([pdu.commandLength, pdu.commandId, pdu.commandStatus], [16, 0xff, 0]);
      raw.close();
    });

    it('garbage: 64 random octets', async () => {
      const { sim, raw } = await boundRawClient();
      sim.sendMalformed('garbage');
      const bytes = await raw.read(64);
      assert.equal(bytes.length, 64);
      await delay(50);
      assert.equal(raw.ended, false, 'the connection stays open');
      raw.close();
    });

    it('replaces the next submit_sm_resp once when set as a fault', async () => {
      const { sim, raw } = await boundRawClient();
      sim.setFaults({ malformedPdu: 'unknown-command' });
      raw.send('submit_sm', { destination_addr: '1', short_message: Buffer.from('a'), sequence_number: 2 });
      const malformed = await raw.readPdu();
      assert.deepEqual([malformed.commandId, malformed.sequenceNumber], [0xff, 2]);
      raw.send('submit_sm', { destination_addr: '1', short_message: Buffer.from('b'), sequence_number: 3 });
      const response = await raw.readPdu();
      assert.deepEqual([response.commandId, response.commandStatus, response.sequenceNumber], [0x80000004, 0, 3]);
      raw.close();
    });

    it('makes the smpp package client report an oversized PDU', async () => {
      const { sim, port } = await startSimulator();
      const esme = await Esme.connect(port);
      await esme.bind();
      sim.sendMalformed('oversized');
      await delay(100);
      assert.match(String(esme.errors[0]), /PDU length was too large/);
      esme.close();
    });
  });
});
