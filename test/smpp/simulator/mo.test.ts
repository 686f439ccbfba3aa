/** Injected MO messages: the deliver_sm octets a receiver gets, multipart variants, and delivery. */
import assert from 'node:assert/strict';
import { SmsGateError } from '../../../src/errors';
import { delay, Esme, RawEsme, shortMessageOf, smpp, startSimulator, stopAll, waitForEvent, type RawPdu } from './helpers';

const DELIVER_SM = 0x00000005;

/** Reads `count` deliver_sm, acknowledging each, and returns them with their fields parsed by the `smpp` package. */
async function receive(raw: RawEsme, count: number) {
  const received: { pdu: RawPdu; fields: Record<string, any>; shortMessage: Buffer }[] = [];
  while (received.length < count) {
    const pdu = await raw.readPdu();
    assert.equal(pdu.commandId, DELIVER_SM);
    raw.send('deliver_sm_resp', { sequence_number: pdu.sequenceNumber });
    received.push({ pdu, fields: new smpp.PDU(pdu.bytes as unknown as string), shortMessage: shortMessageOf(pdu.bytes) });
  }
  return received;
}

async function boundReceiver(mode: 'receiver' | 'transceiver' = 'receiver') {
  const started = await startSimulator();
  const bound = waitForEvent(started.sim, 'bind');
  const raw = await RawEsme.connect(started.port);
  await raw.bind(mode);
  await bound;
  return { ...started, raw };
}

const septets = (text: string) => Buffer.from(text, 'latin1');

describe('SMSC simulator: MO messages', () => {
  afterEach(stopAll);

  it('delivers a single GSM 7-bit message as deliver_sm esm_class 0, data_coding 0, one septet per octet', async () => {
    const { sim, raw } = await boundReceiver();
    const injected = sim.injectMo({ from: '+447700900123', to: 'ACME', text: 'Hi @ £1' });
    const [mo] = await receive(raw, 1);
    await injected;
    const f = mo!.fields;
    assert.deepEqual(
      [f.source_addr_ton, f.source_addr_npi, f.source_addr, f.dest_addr_ton, f.dest_addr_npi, f.destination_addr],
      [1, 1, '447700900123', 5, 0, 'ACME'],
    );
    assert.equal(f.esm_class, 0);
    assert.equal(f.data_coding, 0);
    assert.deepEqual([...mo!.shortMessage], [0x48, 0x69, 0x20, 0x00, 0x20, 0x01, 0x31]);
    raw.close();
  });

  it('delivers UCS-2 text as UTF-16BE with data_coding 8', async () => {
    const { sim, raw } = await boundReceiver();
    const injected = sim.injectMo({ from: '447700900123', to: '12345', text: 'Привет 👍' });
    const [mo] = await receive(raw, 1);
    await injected;
    assert.equal(mo!.fields.data_coding, 8);
    assert.deepEqual(mo!.shortMessage, Buffer.from([
      0x04, 0x1f, 0x04, 0x40, 0x04, 0x38, 0x04, 0x32, 0x04, 0x35, 0x04, 0x42, 0x00, 0x20, 0xd8, 0x3d, 0xdc, 0x4d,
    ]));
    raw.close();
  });

  it('splits a long text with an 8-bit reference UDH (esm_class 0x40)', async () => {
    const { sim, raw } = await boundReceiver();
    const injected = sim.injectMo({ from: '447700900123', to: 'ACME', text: 'A'.repeat(153) + 'B'.repeat(10), reference: 0x7b });
    const parts = await receive(raw, 2);
    await injected;
    assert.deepEqual(parts.map((p) => p.fields.esm_class), [0x40, 0x40]);
    assert.deepEqual(parts[0]!.shortMessage, Buffer.concat([Buffer.from([5, 0x00, 3, 0x7b, 2, 1]), septets('A'.repeat(153))]));
    assert.deepEqual(parts[1]!.shortMessage, Buffer.concat([Buffer.from([5, 0x00, 3, 0x7b, 2, 2]), septets('B'.repeat(10))]));
    raw.close();
  });

  it('splits a long text with a 16-bit reference UDH', async () => {
    const { sim, raw } = await boundReceiver();
    const injected = sim.injectMo({ from: '447700900123', to: 'ACME', text: 'A'.repeat(152) + 'B'.repeat(10), concat: 'udh16', reference: 0x1234 });
    const parts = await receive(raw, 2);
    await injected;
    assert.deepEqual(parts[0]!.shortMessage, Buffer.concat([Buffer.from([6, 0x08, 4, 0x12, 0x34, 2, 1]), septets('A'.repeat(152))]));
    assert.deepEqual(parts[1]!.shortMessage, Buffer.concat([Buffer.from([6, 0x08, 4, 0x12, 0x34, 2, 2]), septets('B'.repeat(10))]));
    raw.close();
  });

  it('splits a long text with SAR TLVs and no UDH', async () => {
    const { sim, raw } = await boundReceiver();
    const text = 'Ж'.repeat(70) + 'Z';
    const injected = sim.injectMo({ from: '447700900123', to: 'ACME', text, concat: 'sar', reference: 0xbeef });
    const parts = await receive(raw, 2);
    await injected;
    assert.deepEqual(
      parts.map((p) => [p.fields.esm_class, p.fields.data_coding, p.fields.sar_msg_ref_num, p.fields.sar_total_segments, p.fields.sar_segment_seqnum]),
      [[0, 8, 0xbeef, 2, 1], [0, 8, 0xbeef, 2, 2]],
    );
    assert.deepEqual(parts[0]!.shortMessage, Buffer.from('Ж'.repeat(67), 'utf16le').swap16());
    assert.deepEqual(parts[1]!.shortMessage, Buffer.from('ЖЖЖZ', 'utf16le').swap16());
    raw.close();
  });

  it('sends the parts in the order asked, leaving out dropped parts', async () => {
    const { sim, raw } = await boundReceiver();
    const injected = sim.injectMo({ from: '1', to: '2', text: 'x'.repeat(400), reference: 9, order: [3, 1, 2], dropParts: [2] });
    const parts = await receive(raw, 2);
    await injected;
    assert.deepEqual(parts.map((p) => p.shortMessage.subarray(0, 6)), [Buffer.from([5, 0, 3, 9, 3, 3]), Buffer.from([5, 0, 3, 9, 3, 1])]);
    await delay(100);
    await assert.rejects(raw.readPdu(100), /octets/, 'part 2 never comes');
    raw.close();
  });

  it('reaches an smpp package client bound as transceiver, who decodes it', async () => {
    const { sim, port } = await startSimulator();
    const esme = await Esme.connect(port);
    await esme.bind('transceiver');
    await sim.injectMo({ from: '447700900123', to: 'ACME', text: 'Привет' });
    const [mo] = esme.delivers;
    assert.equal(mo!.esm_class, 0);
    assert.equal(mo!.short_message.message, 'Привет');
    esme.close();
  });

  it('holds MO messages until a receiver binds, never giving them to a transmitter', async () => {
    const { sim, port } = await startSimulator();
    const transmitter = await Esme.connect(port);
    await transmitter.bind('transmitter');
    let delivered = false;
    const injected = sim.injectMo({ from: '447700900123', to: 'ACME', text: 'wait for me' }).then(() => (delivered = true));
    await delay(100);
    assert.equal(delivered, false);
    const receiver = await Esme.connect(port);
    await receiver.bind('receiver');
    await injected;
    assert.equal(receiver.delivers[0]!.short_message.message, 'wait for me');
    assert.equal(transmitter.delivers.length, 0);
    transmitter.close();
    receiver.close();
  });

  it('delivers only to the system_id asked for', async () => {
    const { sim, port } = await startSimulator();
    const other = await Esme.connect(port);
    const target = await Esme.connect(port);
    await other.bind('receiver', { system_id: 'other' });
    await target.bind('receiver', { system_id: 'target' });
    await sim.injectMo({ from: '1', to: '2', text: 'for target', systemId: 'target' });
    assert.equal(target.delivers.length, 1);
    assert.equal(other.delivers.length, 0);
    other.close();
    target.close();
  });

  it('refuses bad injections and rejects pending ones when the simulator stops', async () => {
    const { sim } = await startSimulator();
    await assert.rejects(sim.injectMo({ from: '1', to: '2', text: 'x'.repeat(200), order: [1, 1] }), (error: unknown) =>
      error instanceof SmsGateError && error.code === 'OPTION_INVALID' && error.field === 'order');
    await assert.rejects(sim.injectMo({ from: '1', to: '2', text: 'x', dropParts: [2] }), (error: unknown) =>
      error instanceof SmsGateError && error.field === 'dropParts');
    await assert.rejects(sim.injectMo({ from: '', to: '2', text: 'x' }), (error: unknown) =>
      error instanceof SmsGateError && error.field === 'from');
    const pending = sim.injectMo({ from: '1', to: '2', text: 'nobody listens' });
    await sim.stop();
    await assert.rejects(pending, (error: unknown) => error instanceof SmsGateError && error.code === 'TRANSPORT_UNAVAILABLE');
  });
});
