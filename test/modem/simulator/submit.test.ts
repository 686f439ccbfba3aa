/** Sending through the simulated modem: AT+CMGS in PDU and text mode, references, status reports. */
import assert from 'node:assert/strict';
import { encodeMessage } from '../../../src/encoding';
import { decodeMobileTerminatedPdu, encodeSubmitPdu } from '../../../src/modem/pdu';
import type { StatusReportEvent } from '../../../src/modem/simulator';
import { waitForEvent } from '../../helpers/events';
import { cleanUp, HELLO_SUBMIT, HELLO_SUBMIT_SRR, startModem } from './helpers';

describe('modem simulator: sending', function () {
  this.timeout(20_000);
  afterEach(cleanUp);

  it('prompts with "> ", takes the PDU on Ctrl-Z and answers +CMGS with its reference', async () => {
    const { sim, term } = await startModem();
    await term.init();
    const response = await term.atPrompt(`AT+CMGS=${HELLO_SUBMIT.tpduLength}`, HELLO_SUBMIT.hex);
    assert.deepEqual([response.lines, response.final], [['+CMGS: 0'], 'OK']);
    assert.equal(sim.submits.length, 1);
    assert.deepEqual(sim.submits[0], {
      reference: 0,
      destination: '+46708251358',
      text: 'hellohello',
      statusReportRequest: false,
      dataCoding: 0,
      pdu: HELLO_SUBMIT.hex,
    });
  });

  it('echoes the PDU while echo is on, as real modems do', async () => {
    const { term } = await startModem();
    const response = await term.atPrompt(`AT+CMGS=${HELLO_SUBMIT.tpduLength}`, HELLO_SUBMIT.hex);
    assert.equal(response.raw, `AT+CMGS=23\r\r\n> ${HELLO_SUBMIT.hex}\r\n+CMGS: 0\r\n\r\nOK\r\n`);
  });

  it('counts references up and wraps them after 255', async () => {
    const { sim, term } = await startModem({ firstMessageReference: 254 });
    await term.init();
    const references: string[] = [];
    for (let i = 0; i < 3; i++) {
      references.push(...(await term.atPrompt('AT+CMGS=23', HELLO_SUBMIT.hex)).lines);
    }
    assert.deepEqual(references, ['+CMGS: 254', '+CMGS: 255', '+CMGS: 0']);
    assert.deepEqual(sim.submits.map((s) => s.reference), [254, 255, 0]);
  });

  it('sends nothing when ESC leaves the prompt, and answers OK', async () => {
    const { sim, term } = await startModem();
    await term.init();
    const cancelled = await term.atPrompt('AT+CMGS=23', HELLO_SUBMIT.hex.slice(0, 10), '\x1b');
    assert.equal(cancelled.final, 'OK');
    assert.deepEqual(cancelled.lines, []);
    assert.equal(sim.submits.length, 0);
    assert.deepEqual((await term.atPrompt('AT+CMGS=23', HELLO_SUBMIT.hex)).lines, ['+CMGS: 0'], 'no reference was used');
  });

  it('answers +CMS ERROR: 304 to a PDU that does not decode or does not match its length', async () => {
    const { sim, term } = await startModem();
    await term.init();
    assert.equal((await term.atPrompt('AT+CMGS=23', 'ZZ11')).final, '+CMS ERROR: 304');
    assert.equal((await term.atPrompt('AT+CMGS=30', HELLO_SUBMIT.hex)).final, '+CMS ERROR: 304');
    assert.equal(sim.submits.length, 0);
  });

  it('decodes UCS-2 and concatenated submits from the encoder', async () => {
    const { sim, term } = await startModem();
    await term.init();
    const text = 'Grüße 👋 '.repeat(12);
    const encoded = encodeMessage(text, { reference: 7 });
    assert.equal(encoded.segments.length, 2);
    for (const segment of encoded.segments) {
      const pdu = encodeSubmitPdu({
        destination: { type: 'international', value: '+447700900123' },
        statusReportRequest: false,
        dataCoding: encoded.dataCoding,
        segment,
      });
      assert.equal((await term.atPrompt(`AT+CMGS=${pdu.tpduLength}`, pdu.hex)).final, 'OK');
    }
    assert.equal(sim.submits.map((s) => s.text).join(''), text);
    assert.deepEqual(sim.submits.map((s) => s.header?.concat), [
      { reference: 7, total: 2, sequence: 1, ref16: false },
      { reference: 7, total: 2, sequence: 2, ref16: false },
    ]);
    assert.deepEqual(sim.submits.map((s) => s.dataCoding), [8, 8]);
  });

  it('sends a status report as +CDS after the delay when AT+CNMI <ds> is 1', async () => {
    const { sim, term } = await startModem({ statusReportDelayMs: 20 });
    await term.init();
    await term.at('AT+CNMI=2,1,0,1,0');
    const reported = waitForEvent<StatusReportEvent>(sim, 'status-report', 5000);
    const { lines } = await term.atPrompt('AT+CMGS=23', HELLO_SUBMIT_SRR.hex);
    assert.deepEqual(lines, ['+CMGS: 0']);
    assert.deepEqual(sim.submits[0]!.statusReportRequest, true);
    const [, length, pdu] = await term.expect(/\r\n\+CDS: (\d+)\r\n([0-9A-F]+)\r\n/);
    const report = decodeMobileTerminatedPdu(pdu!, Number(length));
    assert.equal(report.type, 'status-report');
    if (report.type !== 'status-report') return;
    assert.equal(report.messageReference, 0);
    assert.deepEqual(report.recipient, { type: 'international', value: '+46708251358' });
    assert.equal(report.status, 0);
    assert.ok(report.dischargeTime >= report.serviceCentreTime);
    assert.deepEqual(await reported, { reference: 0, recipient: '+46708251358', status: 0, routing: 'CDS' });
  });

  it('stores a status report in "SR" with +CDSI when <ds> is 2, read with AT+CPMS="SR" and AT+CMGR', async () => {
    const { sim, term } = await startModem({ statusReportStatus: 0x46 });
    await term.init();
    await term.at('AT+CNMI=2,1,0,2,0');
    await term.atPrompt('AT+CMGS=23', HELLO_SUBMIT_SRR.hex);
    const [, index] = await term.expect(/\r\n\+CDSI: "SR",(\d+)\r\n/);
    assert.deepEqual(sim.storedStatusReports(), [Number(index)]);
    await term.at('AT+CPMS="SR"');
    const read = await term.at(`AT+CMGR=${index}`);
    assert.match(read.lines[0]!, /^\+CMGR: 0,,\d+$/);
    const report = decodeMobileTerminatedPdu(read.lines[1]!, Number(read.lines[0]!.split(',')[2]));
    assert.deepEqual([report.type, report.type === 'status-report' && report.status], ['status-report', 0x46]);
    assert.equal((await term.at(`AT+CMGD=${index}`)).final, 'OK');
    assert.deepEqual(sim.storedStatusReports(), []);
  });

  it('routes no status report while AT+CNMI <ds> is 0', async () => {
    const { sim, term } = await startModem({ statusReportDelayMs: 0 });
    await term.init();
    const reported = waitForEvent<StatusReportEvent>(sim, 'status-report', 5000);
    await term.atPrompt('AT+CMGS=23', HELLO_SUBMIT_SRR.hex);
    assert.equal((await reported).routing, 'none');
    assert.equal((await term.at('AT')).raw, '\r\nOK\r\n', 'nothing unsolicited came');
  });

  describe('text mode', () => {
    it('sends GSM text to a quoted number, a status report when +CSMP asks, as text-mode +CDS', async () => {
      const { sim, term } = await startModem({ statusReportDelayMs: 0 });
      await term.init();
      await term.at('AT+CMGF=1;+CSCS="GSM";+CSMP=49,167,0,0;+CNMI=2,1,0,1,0');
      const response = await term.atPrompt('AT+CMGS="+447700900123"', 'Price: 5€ {ok}');
      assert.deepEqual(response.lines, ['+CMGS: 0']);
      assert.deepEqual(sim.submits[0], {
        reference: 0,
        destination: '+447700900123',
        text: 'Price: 5€ {ok}',
        statusReportRequest: true,
        dataCoding: 0,
        pdu: null,
      });
      const [, fields] = await term.expect(/\r\n\+CDS: ([^\r]*)\r\n/);
      assert.match(fields!, /^6,0,"\+447700900123",145,"\d\d\/\d\d\/\d\d,\d\d:\d\d:\d\d\+00","\d\d\/\d\d\/\d\d,\d\d:\d\d:\d\d\+00",0$/);
    });

    it('gives a new prompt for each CR of a text', async () => {
      const { sim, term } = await startModem();
      await term.init();
      await term.at('AT+CMGF=1');
      term.write('AT+CMGS="07700900123"\r');
      await term.expect(/\r\n> $/);
      term.write('line one\r');
      await term.expect(/\r\n> $/);
      term.write('line two\x1a');
      await term.expect(/\+CMGS: 0\r\n\r\nOK\r\n/);
      assert.equal(sim.submits[0]!.text, 'line one\nline two');
      assert.equal(sim.submits[0]!.destination, '07700900123');
    });

    it('takes UCS-2 as hex when AT+CSCS="UCS2"', async () => {
      const { sim, term } = await startModem();
      await term.init();
      await term.at('AT+CMGF=1;+CSCS="UCS2";+CSMP=17,167,0,8');
      const destination = Buffer.from('+447700900123', 'utf16le').swap16().toString('hex');
      const body = Buffer.from('Привет 👋', 'utf16le').swap16().toString('hex').toUpperCase();
      assert.deepEqual((await term.atPrompt(`AT+CMGS="${destination}"`, body)).lines, ['+CMGS: 0']);
      assert.equal(sim.submits[0]!.text, 'Привет 👋');
      assert.equal(sim.submits[0]!.destination, '+447700900123');
      assert.equal(sim.submits[0]!.dataCoding, 8);
    });
  });
});
