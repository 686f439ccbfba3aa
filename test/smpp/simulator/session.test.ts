/** Binding, the session state machine and the PDUs every SMSC answers, seen from the client. */
import assert from 'node:assert/strict';
import { SmsGateError } from '../../../src/errors';
import { SmscSimulator } from '../../../src/smpp/simulator';
import { selfSignedCertificate } from '../../helpers/tls';
import { Esme, RawEsme, startSimulator, stopAll, waitForEvent } from './helpers';

const ESME_RINVBNDSTS = 0x04;
const ESME_RALYBND = 0x05;
const ESME_RINVPASWD = 0x0e;
const ESME_RINVSYSID = 0x0f;
const ESME_RINVCMDID = 0x03;

describe('SMSC simulator: sessions', () => {
  afterEach(stopAll);

  it('listens on loopback and reports the port it got', async () => {
    const sim = new SmscSimulator({ port: 0 });
    const address = await sim.start();
    try {
      assert.equal(address.host, '127.0.0.1');
      assert.ok(address.port > 0);
    } finally {
      await sim.stop();
    }
  });

  it('reports a port already taken as TRANSPORT_UNAVAILABLE', async () => {
    const { port } = await startSimulator();
    const second = new SmscSimulator({ port });
    await assert.rejects(second.start(), (error: unknown) =>
      error instanceof SmsGateError && error.code === 'TRANSPORT_UNAVAILABLE' && /EADDRINUSE/.test(error.message));
  });

  for (const mode of ['transmitter', 'receiver', 'transceiver'] as const) {
    it(`accepts bind_${mode} with the configured credentials and announces SMPP 3.4`, async () => {
      const { sim, port } = await startSimulator({ systemId: 'test', password: 'secret' });
      const bound = waitForEvent<{ mode: string; systemId: string }>(sim, 'bind');
      const esme = await Esme.connect(port);
      const response = await esme.bind(mode);
      assert.equal(response.command, `bind_${mode}_resp`);
      assert.equal(response.command_status, 0);
      assert.equal(response.system_id, 'smsgate-sim');
      assert.equal(response.sc_interface_version, 0x34);
      assert.deepEqual(await bound, { sessionId: 1, systemId: 'test', mode });
      assert.equal(sim.sessions(), 1);
      esme.close();
    });
  }

  it('leaves sc_interface_version out for an SMPP 3.3 client, which has no TLVs', async () => {
    const { port } = await startSimulator();
    const esme = await Esme.connect(port);
    const response = await esme.bind('transceiver', { interface_version: 0x33 });
    assert.equal(response.command_status, 0);
    assert.equal(response.sc_interface_version, undefined);
    esme.close();
  });

  it('refuses a wrong password with ESME_RINVPASWD and a wrong system_id with ESME_RINVSYSID', async () => {
    const { sim, port } = await startSimulator({ systemId: 'test', password: 'secret' });
    const rejected = waitForEvent<{ commandStatus: number }>(sim, 'bind-rejected');
    const esme = await Esme.connect(port);
    assert.equal((await esme.bind('transceiver', { password: 'wrong' })).command_status, ESME_RINVPASWD);
    assert.equal((await rejected).commandStatus, ESME_RINVPASWD);
    assert.equal((await esme.bind('transceiver', { system_id: 'other' })).command_status, ESME_RINVSYSID);
    assert.equal(sim.sessions(), 0, 'a refused bind leaves the session unbound');
    assert.equal((await esme.bind('transceiver')).command_status, 0, 'and it may bind again');
    esme.close();
  });

  it('accepts any credentials when none are configured', async () => {
    const { port } = await startSimulator();
    const esme = await Esme.connect(port);
    assert.equal((await esme.bind('transmitter', { system_id: 'anyone', password: 'anything' })).command_status, 0);
    esme.close();
  });

  it('answers a second bind on a bound session with ESME_RALYBND', async () => {
    const { sim, port } = await startSimulator();
    const esme = await Esme.connect(port);
    await esme.bind('transmitter');
    assert.equal((await esme.bind('receiver')).command_status, ESME_RALYBND);
    assert.equal(sim.sessions(), 1);
    esme.close();
  });

  it('refuses submit_sm before a bind and on a receiver-only bind with ESME_RINVBNDSTS', async () => {
    const { sim, port } = await startSimulator();
    const esme = await Esme.connect(port);
    assert.equal((await esme.submit('too early')).command_status, ESME_RINVBNDSTS);
    await esme.bind('receiver');
    assert.equal((await esme.submit('not on a receiver')).command_status, ESME_RINVBNDSTS);
    assert.equal(sim.submits.length, 0);
    esme.close();
  });

  it('answers enquire_link, and unbind with unbind_resp before closing the session', async () => {
    const { sim, port } = await startSimulator();
    const esme = await Esme.connect(port);
    await esme.bind();
    assert.equal((await esme.request('enquire_link')).command, 'enquire_link_resp');
    const unbound = waitForEvent(sim, 'unbind');
    const response = await esme.request('unbind');
    assert.equal(response.command, 'unbind_resp');
    assert.equal(response.command_status, 0);
    await unbound;
    await esme.waitClosed();
    assert.equal(sim.sessions(), 0);
  });

  it('answers unknown and unimplemented commands with generic_nack ESME_RINVCMDID', async () => {
    const { port } = await startSimulator();
    const raw = await RawEsme.connect(port);
    await raw.bind();
    const unknown = Buffer.alloc(16);
    unknown.writeUInt32BE(16, 0);
    unknown.writeUInt32BE(0x000000ff, 4);
    unknown.writeUInt32BE(7, 12);
    raw.write(unknown);
    const nack = await raw.readPdu();
    assert.deepEqual(
      [nack.commandId, nack.commandStatus, nack.sequenceNumber, nack.commandLength],
      [0x80000000, ESME_RINVCMDID, 7, 16],
    );
    raw.send('query_sm', { message_id: '1', sequence_number: 8 });
    const queryNack = await raw.readPdu();
    assert.deepEqual([queryNack.commandId, queryNack.commandStatus, queryNack.sequenceNumber], [0x80000000, ESME_RINVCMDID, 8]);
    raw.close();
  });

  it('unbinds its clients when it stops', async () => {
    const { sim, port } = await startSimulator();
    const esme = await Esme.connect(port);
    await esme.bind();
    await sim.stop();
    assert.ok(esme.received.some((pdu) => pdu.command === 'unbind'), 'the client got an unbind');
    await esme.waitClosed();
  });

  it('refuses invalid options, naming them', () => {
    const invalid = (options: object, field: string) =>
      assert.throws(() => new SmscSimulator(options), (error: unknown) => error instanceof SmsGateError && error.field === field);
    invalid({ port: 70000 }, 'port');
    invalid({ dlrStatus: 'LOST' }, 'dlrStatus');
    invalid({ throttlePerSecond: 0 }, 'throttlePerSecond');
    invalid({ messageIdFormat: 'base64' }, 'messageIdFormat');
    invalid({ faults: { malformedPdu: 'weird' } }, 'faults.malformedPdu');
  });

  describe('over TLS', () => {
    let key: Buffer;
    let cert: Buffer;

    before(() => {
      ({ key, cert } = selfSignedCertificate());
    });

    it('binds and submits over TLS with a certificate the client verifies', async () => {
      const { sim, port } = await startSimulator({ tls: { key, cert } });
      const esme = await Esme.connect(port, { ca: cert });
      assert.equal((await esme.bind()).command_status, 0);
      const response = await esme.submit('over TLS');
      assert.equal(response.command_status, 0);
      assert.equal(sim.submits[0]!.text, 'over TLS');
      esme.close();
    });

    it('speaks no plain SMPP on the TLS port', async () => {
      const { port } = await startSimulator({ tls: { key, cert } });
      const raw = await RawEsme.connect(port);
      raw.send('bind_transceiver', { system_id: 'test', password: 'secret' });
      const answer = await raw.readToEnd();
      const isBindResponse = answer.length >= 8 && answer.readUInt32BE(4) === 0x80000009;
      assert.ok(!isBindResponse, 'no bind_transceiver_resp in clear text');
    });
  });
});
