/** Receiving through the simulated modem: +CMTI and SIM storage, +CMT and +CNMA, multipart, listing. */
import assert from 'node:assert/strict';
import { decodeMobileTerminatedPdu, type DeliverPdu } from '../../../src/modem/pdu';
import { cleanUp, startModem } from './helpers';

function deliver(pdu: string, length: string | number): DeliverPdu {
  const decoded = decodeMobileTerminatedPdu(pdu, Number(length));
  assert.equal(decoded.type, 'deliver');
  return decoded as DeliverPdu;
}

describe('modem simulator: receiving', function () {
  this.timeout(20_000);
  afterEach(cleanUp);

  it('stores an inbound SMS, says +CMTI, gives it to AT+CMGR and deletes it on AT+CMGD', async () => {
    const { sim, term } = await startModem();
    await term.init();
    await term.at('AT+CNMI=2,1,0,0,0');
    const before = Date.now();
    await sim.injectInbound({ from: '+447700900123', text: 'Hello {modem} €5' });
    const [, index] = await term.expect(/\r\n\+CMTI: "SM",(\d+)\r\n/);
    assert.equal(index, '1', 'indexes count from 1');
    assert.deepEqual(sim.storedMessages(), [1]);

    const read = await term.at('AT+CMGR=1');
    const [, stat, length] = /^\+CMGR: (\d),,(\d+)$/.exec(read.lines[0]!)!;
    assert.equal(stat, '0', 'REC UNREAD');
    const message = deliver(read.lines[1]!, length!);
    assert.equal(message.text, 'Hello {modem} €5');
    assert.deepEqual(message.originator, { type: 'international', value: '+447700900123' });
    assert.equal(message.smsc, '+447700900000');
    assert.ok(Math.abs(message.serviceCentreTime - before) < 5000);
    assert.match((await term.at('AT+CMGR=1')).lines[0]!, /^\+CMGR: 1,,/, 'read once, it is REC READ');

    assert.equal((await term.at('AT+CMGD=1')).final, 'OK');
    assert.deepEqual(sim.storedMessages(), []);
    assert.deepEqual((await term.at('AT+CMGR=1')).lines, [], 'an empty slot reads as nothing');
    assert.equal((await term.at('AT+CMGR=31')).final, '+CMS ERROR: 321', 'beyond the storage');
  });

  it('stores without an indication while AT+CNMI <mt> is 0, for the AT+CMGL=4 sweep', async () => {
    const { sim, term } = await startModem();
    await term.init();
    await sim.injectInbound({ from: 'ACME', text: 'first' });
    await sim.injectInbound({ from: '07700900456', text: 'second' });
    assert.equal((await term.at('AT+CMGR=1')).final, 'OK', 'no +CMTI came before this response');
    const listed = await term.at('AT+CMGL=4');
    assert.equal(listed.lines.length, 4);
    assert.match(listed.lines[0]!, /^\+CMGL: 1,1,,\d+$/);
    assert.match(listed.lines[2]!, /^\+CMGL: 2,0,,\d+$/);
    const first = deliver(listed.lines[1]!, listed.lines[0]!.split(',')[3]!);
    const second = deliver(listed.lines[3]!, listed.lines[2]!.split(',')[3]!);
    assert.deepEqual([first.originator, first.text], [{ type: 'alphanumeric', value: 'ACME' }, 'first']);
    assert.deepEqual([second.originator.value, second.text], ['07700900456', 'second']);
    assert.equal((await term.at('AT+CMGL=0')).lines.length, 0, 'listing marked them read');
    assert.equal((await term.at('AT+CMGD=1,4')).final, 'OK');
    assert.deepEqual(sim.storedMessages(), []);
  });

  it('delivers +CMT directly when <mt> is 2', async () => {
    const { sim, term } = await startModem();
    await term.init();
    await term.at('AT+CNMI=2,2,0,0,0');
    await sim.injectInbound({ from: '+447700900123', text: 'Привет', encoding: 'ucs2' });
    const [, length, pdu] = await term.expect(/\r\n\+CMT: ,(\d+)\r\n([0-9A-F]+)\r\n/);
    const message = deliver(pdu!, length!);
    assert.deepEqual([message.text, message.dataCoding], ['Привет', 8]);
    assert.deepEqual(sim.storedMessages(), [], 'nothing stored');
    assert.equal((await term.at('AT+CNMA')).final, '+CMS ERROR: 340', 'no acknowledgement expected');
  });

  it('holds the next +CMT until AT+CNMA when acknowledgements are required', async () => {
    const { sim, term } = await startModem({ requireAck: true });
    await term.init();
    await term.at('AT+CNMI=2,2,0,0,0');
    await sim.injectInbound({ from: '+447700900123', text: 'one' });
    await sim.injectInbound({ from: '+447700900123', text: 'two' });
    const [, length, pdu] = await term.expect(/\r\n\+CMT: ,(\d+)\r\n([0-9A-F]+)\r\n/);
    assert.equal(deliver(pdu!, length!).text, 'one');
    assert.equal((await term.at('AT')).raw, '\r\nOK\r\n', 'the second waits for the acknowledgement');
    assert.equal((await term.at('AT+CNMA')).final, 'OK');
    const [, length2, pdu2] = await term.expect(/\r\n\+CMT: ,(\d+)\r\n([0-9A-F]+)\r\n/);
    assert.equal(deliver(pdu2!, length2!).text, 'two');
    assert.equal((await term.at('AT+CNMA')).final, 'OK');
  });

  it('wants AT+CNMA as AT+CSMS says: the requireAck option sets its power-on value, AT+CSMS=0/1 changes it', async () => {
    const { sim, term } = await startModem({ requireAck: true });
    await term.init();
    assert.deepEqual((await term.at('AT+CSMS?')).lines, ['+CSMS: 1,1,1,1']);
    assert.deepEqual((await term.at('AT+CSMS=0')).lines, ['+CSMS: 1,1,1']);
    await term.at('AT+CNMI=2,2,0,0,0');
    await sim.injectInbound({ from: '+447700900123', text: 'one' });
    await sim.injectInbound({ from: '+447700900123', text: 'two' });
    await term.expect(/\r\n\+CMT: ,\d+\r\n[0-9A-F]+\r\n\r\n\+CMT: ,\d+\r\n[0-9A-F]+\r\n/);
    assert.equal((await term.at('AT+CNMA')).final, '+CMS ERROR: 340');
  });

  it('turns routing off when AT+CNMA does not come in time, and stores the message instead', async () => {
    const { sim, term } = await startModem({ requireAck: true, ackTimeoutMs: 50 });
    await term.init();
    await term.at('AT+CNMI=2,2,0,1,0');
    await sim.injectInbound({ from: '+447700900123', text: 'unacknowledged' });
    await term.expect(/\r\n\+CMT: ,\d+\r\n[0-9A-F]+\r\n/);
    for (;;) {
      const { lines } = await term.at('AT+CNMI?');
      if (lines[0] === '+CNMI: 2,0,0,0,0') break;
    }
    assert.deepEqual(sim.storedMessages(), [1], 'the network retried it into storage');
  });

  it('splits a multipart inbound message into concatenated parts with a UDH', async () => {
    const { sim, term } = await startModem();
    await term.init();
    await term.at('AT+CNMI=2,1,0,0,0');
    await sim.injectInbound({ from: '+447700900123', text: 'one two three', parts: 3 });
    const indexes: string[] = [];
    for (let i = 0; i < 3; i++) indexes.push((await term.expect(/\r\n\+CMTI: "SM",(\d+)\r\n/))[1]!);
    assert.deepEqual(indexes, ['1', '2', '3']);
    const parts: DeliverPdu[] = [];
    for (const index of indexes) {
      const { lines } = await term.at(`AT+CMGR=${index}`);
      parts.push(deliver(lines[1]!, lines[0]!.split(',')[2]!));
    }
    assert.equal(parts.map((part) => part.text).join(''), 'one two three');
    const concat = parts.map((part) => part.header?.concat);
    assert.deepEqual(concat.map((c) => [c?.total, c?.sequence]), [[3, 1], [3, 2], [3, 3]]);
    assert.equal(new Set(concat.map((c) => c?.reference)).size, 1, 'one reference for all parts');
  });

  it('splits a long text as the encoder does when no part count is given', async () => {
    const { sim, term } = await startModem();
    await term.init();
    await sim.injectInbound({ from: '+447700900123', text: 'x'.repeat(200) });
    const { lines } = await term.at('AT+CMGL=4');
    const parts = [deliver(lines[1]!, lines[0]!.split(',')[3]!), deliver(lines[3]!, lines[2]!.split(',')[3]!)];
    assert.deepEqual(parts.map((part) => part.text.length), [153, 47]);
    assert.deepEqual(parts.map((part) => part.header?.concat?.sequence), [1, 2]);
  });

  it('shows stored and routed messages in text mode', async () => {
    const { sim, term } = await startModem();
    await term.init();
    await term.at('AT+CMGF=1;+CNMI=2,1,0,0,0');
    await sim.injectInbound({ from: '+447700900123', text: 'Hi there' });
    await term.expect(/\+CMTI: "SM",1\r\n/);
    const read = await term.at('AT+CMGR=1');
    assert.match(read.lines[0]!, /^\+CMGR: "REC UNREAD","\+447700900123",,"\d\d\/\d\d\/\d\d,\d\d:\d\d:\d\d\+00"$/);
    assert.equal(read.lines[1], 'Hi there');
    await sim.injectInbound({ from: 'ACME', text: 'Привет', encoding: 'ucs2' });
    await term.expect(/\+CMTI: "SM",2\r\n/);
    const listed = await term.at('AT+CMGL="ALL"');
    assert.match(listed.lines[0]!, /^\+CMGL: 1,"REC READ","\+447700900123",,"/);
    assert.match(listed.lines[2]!, /^\+CMGL: 2,"REC UNREAD","ACME",,"/);
    assert.equal(listed.lines[3], '041F04400438043204350442', 'UCS-2 data is hex in text mode');
    await term.at('AT+CNMI=2,2,0,0,0');
    await sim.injectInbound({ from: '+447700900123', text: 'direct' });
    await term.expect(/\r\n\+CMT: "\+447700900123",,"[^"]+"\r\ndirect\r\n/);
  });

  it('refuses an inbound message the SIM has no room for', async () => {
    const { sim } = await startModem({ storageSize: 2 });
    await sim.injectInbound({ from: '+447700900123', text: 'one' });
    await assert.rejects(sim.injectInbound({ from: '+447700900123', text: 'two three', parts: 2 }), /room for 1 messages/);
    await assert.rejects(sim.injectInbound({ from: 'A-VERY-LONG-SENDER', text: 'x' }), /from must be/);
  });
});
