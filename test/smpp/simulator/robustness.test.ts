/** A misbehaving client costs the simulator that session at most: it reports, closes, and serves the next. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setImmediate as nextTick } from 'node:timers/promises';
import { Esme, RawEsme, smpp, startSimulator, stopAll, waitForEvent } from './helpers';

const ESME_RINVCMDLEN = 0x02;

function header(commandLength: number, commandId: number, sequenceNumber = 1): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(commandLength, 0);
  bytes.writeUInt32BE(commandId, 4);
  bytes.writeUInt32BE(sequenceNumber, 12);
  return bytes;
}

describe('SMSC simulator: misbehaving clients', () => {
  afterEach(stopAll);

  for (const [label, bytes, pattern] of [
    ['random garbage', () => Buffer.concat([Buffer.from([0xff]), randomBytes(63)]), /command_length \d+ exceeds/],
    ['a command_length below the header size', () => header(4, 0x15), /command_length 4 is shorter/],
    ['a command_length of 100 MB', () => header(100 * 1024 * 1024, 0x04), /command_length 104857600 exceeds/],
  ] as const) {
    it(`closes a session that sends ${label}, and keeps serving others`, async () => {
      const { sim, port } = await startSimulator();
      const failed = waitForEvent<{ sessionId: number; error: Error }>(sim, 'session-error');
      const bad = await RawEsme.connect(port);
      await bad.bind();
      bad.write(bytes());
      assert.match((await failed).error.message, pattern);
      await bad.readToEnd();

      const good = await Esme.connect(port);
      await good.bind();
      assert.equal((await good.submit('still here')).command_status, 0);
      good.close();
    });
  }

  it('answers a submit_sm whose body runs short with ESME_RINVCMDLEN and keeps the session', async () => {
    const { sim, port } = await startSimulator();
    const raw = await RawEsme.connect(port);
    await raw.bind();
    const failed = waitForEvent<{ error: Error }>(sim, 'session-error');
    // service_type, then source_addr_ton: the body stops before source_addr_npi.
    raw.write(Buffer.concat([header(18, 0x04, 5), Buffer.from([0, 1])]));
    const response = await raw.readPdu();
    assert.deepEqual([response.commandId, response.commandStatus, response.sequenceNumber], [0x80000004, ESME_RINVCMDLEN, 5]);
    assert.match((await failed).error.message, /submit_sm: source_addr_npi runs past the end of the PDU/);
    raw.send('enquire_link', { sequence_number: 6 });
    assert.equal((await raw.readPdu()).commandId, 0x80000015, 'the session carries on');
    raw.close();
  });

  it('reassembles PDUs that arrive one octet at a time', async () => {
    const { port } = await startSimulator();
    const raw = await RawEsme.connect(port);
    raw.socket.setNoDelay(true);
    const bind = new smpp.PDU('bind_transceiver', { system_id: 'test', password: 'x', sequence_number: 1 }).toBuffer();
    const enquire = new smpp.PDU('enquire_link', { sequence_number: 2 }).toBuffer();
    for (const octet of Buffer.concat([bind, enquire])) {
      raw.write(Buffer.from([octet]));
      await nextTick();
    }
    assert.equal((await raw.readPdu()).commandStatus, 0);
    assert.equal((await raw.readPdu()).sequenceNumber, 2);
    raw.close();
  });

  it('shrugs off clients that vanish mid-PDU or mid-receipt', async () => {
    const { sim, port } = await startSimulator({ dlrDelayMs: 0 });
    const half = await RawEsme.connect(port);
    await half.bind();
    half.write(header(64, 0x04).subarray(0, 10));
    half.close();
    const gone = await Esme.connect(port);
    await gone.bind();
    gone.answerDelivers = false;
    await gone.submit('receipt to nobody', { registered_delivery: 1 });
    gone.close();

    const good = await Esme.connect(port);
    await good.bind();
    const [receipt] = await good.waitForDelivers(1);
    assert.match(receipt!.short_message.message, /text:receipt to nobody$/, 'the held receipt went to the next session');
    assert.equal(sim.sessions(), 1);
    good.close();
  });
});
