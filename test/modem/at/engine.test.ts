import assert from 'node:assert/strict';
import { AtError } from '../../../src/modem/at';
import { closeRig, openRig, outcome, reply, sent, settle, sleep, written, type Rig } from './mock-modem';

/** SMS-DELIVER "How are you?" from +31641600986 (the dreamfabric.com PDU tutorial): 30 octets after the SMSC field. */
const DELIVER_PDU = '07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07';
/** SMS-STATUS-REPORT for TP-MR 12 to the same number, TP-ST 0: 25 octets after the SMSC field. */
const STATUS_REPORT_PDU = '07911326040000F0060C0B911346610089F6208062917314082080629173150800';

async function rejection(promise: Promise<unknown>): Promise<AtError> {
  const result = await outcome(promise);
  assert.ok('error' in result, 'expected the command to fail');
  assert.ok(result.error instanceof AtError, `expected an AtError, got ${String(result.error)}`);
  return result.error;
}

describe('AT engine', () => {
  let rig: Rig;
  afterEach(async () => {
    if (rig) await closeRig(rig);
  });

  describe('queue', () => {
    it('keeps one command in flight and answers the queue in order', async () => {
      rig = await openRig();
      const csq = rig.engine.command('AT+CSQ');
      const creg = rig.engine.command('AT+CREG?');
      const at = rig.engine.command('AT');
      await written(rig, 'AT+CSQ\r');
      await settle();
      assert.equal(sent(rig), 'AT+CSQ\r', 'the second command must wait for the first one final result code');

      await reply(rig, '\r\n+CSQ: 20,0\r\n\r\nOK\r\n');
      assert.deepEqual(await csq, ['+CSQ: 20,0']);
      await written(rig, 'AT+CREG?\r');
      assert.equal(sent(rig), 'AT+CSQ\rAT+CREG?\r');

      await reply(rig, '\r\n+CREG: 0,1\r\n\r\nOK\r\n');
      assert.deepEqual(await creg, ['+CREG: 0,1']);
      await written(rig, 'AT\r');
      await reply(rig, '\r\nOK\r\n');
      assert.deepEqual(await at, []);
      assert.deepEqual(rig.noise, []);
    });

    it('takes bare information lines (ATI) and a bare CR or LF as line ends', async () => {
      rig = await openRig();
      const ati = rig.engine.command('ATI');
      await written(rig, 'ATI\r');
      await reply(rig, '\rSIMCOM_Ltd\nSIMCOM_SIM800L\r\rRevision:1418B04SIM800L24\n\nOK\r');
      assert.deepEqual(await ati, ['SIMCOM_Ltd', 'SIMCOM_SIM800L', 'Revision:1418B04SIM800L24']);
    });

    it('drops the echo of the command while ATE1 is on', async () => {
      rig = await openRig({}, { echo: true });
      const csq = rig.engine.command('AT+CSQ');
      await written(rig, 'AT+CSQ\r');
      await settle();
      await reply(rig, '\r\n+CSQ: 14,99\r\n\r\nOK\r\n');
      assert.deepEqual(await csq, ['+CSQ: 14,99']);
      const ate0 = rig.engine.command('ATE0');
      await written(rig, 'ATE0\r');
      await settle();
      await reply(rig, '\r\nOK\r\n');
      assert.deepEqual(await ate0, []);
      assert.deepEqual(rig.noise, []);
    });
  });

  describe('final result codes', () => {
    const cases: { reply: string; kind: string; code?: number; message: RegExp; retryable: boolean }[] = [
      { reply: 'ERROR', kind: 'ERROR', message: /answered ERROR/, retryable: false },
      { reply: '+CME ERROR: 16', kind: 'CME', code: 16, message: /\+CME ERROR 16: incorrect password/, retryable: false },
      { reply: '+CME ERROR: incorrect password', kind: 'CME', code: 16, message: /incorrect password/, retryable: false },
      { reply: '+CME ERROR: SIM PUK required', kind: 'CME', code: 12, message: /SIM PUK required/, retryable: false },
      { reply: '+CMS ERROR: 42', kind: 'CMS', code: 42, message: /\+CMS ERROR 42: congestion/, retryable: true },
      { reply: '+CMS ERROR: Network timeout', kind: 'CMS', code: 332, message: /Network timeout/, retryable: true },
      { reply: '+CMS ERROR: 304', kind: 'CMS', code: 304, message: /invalid PDU mode parameter/, retryable: false },
      { reply: '+CMS ERROR: INVALID PDU MODE PARAMETER', kind: 'CMS', code: 304, message: /INVALID PDU MODE/, retryable: false },
      { reply: 'NO CARRIER', kind: 'NO CARRIER', message: /NO CARRIER/, retryable: false },
    ];
    for (const c of cases) {
      it(`maps '${c.reply}' to kind ${c.kind}${c.code === undefined ? '' : ` code ${c.code}`}`, async () => {
        rig = await openRig();
        const failed = rejection(rig.engine.command('AT+CMGS=23'));
        await written(rig, 'AT+CMGS=23\r');
        await reply(rig, `\r\n${c.reply}\r\n`);
        const error = await failed;
        assert.equal(error.kind, c.kind);
        assert.equal(error.code, c.code);
        assert.equal(error.command, 'AT+CMGS=23');
        assert.match(error.message, c.message);
        assert.equal(error.retryable, c.retryable);
        // The engine goes on after a failure.
        const next = rig.engine.command('AT');
        await written(rig, 'AT\r');
        await reply(rig, 'OK\r\n');
        assert.deepEqual(await next, []);
      });
    }

    it('keeps the PIN out of the error', async () => {
      rig = await openRig();
      const failed = rejection(rig.engine.command('AT+CPIN="1234"'));
      await written(rig, 'AT+CPIN="1234"\r');
      await reply(rig, '\r\n+CME ERROR: 16\r\n');
      const error = await failed;
      assert.equal(error.code, 16);
      assert.doesNotMatch(error.message, /1234/);
      assert.doesNotMatch(error.command, /1234/);
    });
  });

  describe('timeouts', () => {
    it('rejects with TIMEOUT and does not hand the late answer to the next command', async () => {
      rig = await openRig({ timeoutMs: 40, lateGraceMs: 5000 });
      const started = Date.now();
      const slow = rejection(rig.engine.command('AT+COPS=?'));
      const next = rig.engine.command('AT+CSQ');
      const error = await slow;
      assert.equal(error.kind, 'TIMEOUT');
      assert.ok(Date.now() - started >= 35);
      assert.equal(error.retryable, true);
      await settle();
      assert.equal(sent(rig), 'AT+COPS=?\r', 'the next command waits for the late final result code');

      // The late answer of AT+COPS=?, with a URC in it: the lines are noise, the URC still a URC.
      await reply(rig, '\r\n+COPS: (2,"Operator","Op","23410",7)\r\n\r\n+CMTI: "SM",4\r\n\r\nOK\r\n');
      assert.deepEqual(rig.noise, ['+COPS: (2,"Operator","Op","23410",7)', 'OK']);
      assert.deepEqual(rig.urcs, [{ type: 'CMTI', storage: 'SM', index: 4 }]);
      await written(rig, 'AT+CSQ\r');
      await reply(rig, '\r\n+CSQ: 20,0\r\n\r\nOK\r\n');
      assert.deepEqual(await next, ['+CSQ: 20,0']);
    });

    it('sends the next command after lateGraceMs when the late answer never comes', async () => {
      rig = await openRig({ timeoutMs: 30, lateGraceMs: 60 });
      const lost = rejection(rig.engine.command('AT+CSQ'));
      const next = rig.engine.command('AT');
      assert.equal((await lost).kind, 'TIMEOUT');
      await settle();
      assert.equal(sent(rig), 'AT+CSQ\r');
      await sleep(80);
      await written(rig, 'AT+CSQ\rAT\r');
      await reply(rig, 'OK\r\n');
      assert.deepEqual(await next, []);
    });

    it('uses the per-command timeout', async () => {
      rig = await openRig({ timeoutMs: 10_000 });
      const error = await rejection(rig.engine.command('AT+CSQ', { timeoutMs: 20 }));
      assert.equal(error.kind, 'TIMEOUT');
      assert.match(error.message, /20 ms/);
    });
  });

  describe('unsolicited result codes', () => {
    const idle: { name: string; lines: string; urcs: unknown[] }[] = [
      { name: '+CMTI', lines: '+CMTI: "SM",3', urcs: [{ type: 'CMTI', storage: 'SM', index: 3 }] },
      { name: '+CDSI', lines: '+CDSI: "SR",1', urcs: [{ type: 'CDSI', storage: 'SR', index: 1 }] },
      { name: '+CMT (PDU)', lines: `+CMT: ,30\r\n${DELIVER_PDU}`, urcs: [{ type: 'CMT', alpha: null, length: 30, pdu: DELIVER_PDU }] },
      { name: '+CMT (PDU, alpha)', lines: `+CMT: "Bob",30\r\n${DELIVER_PDU}`, urcs: [{ type: 'CMT', alpha: 'Bob', length: 30, pdu: DELIVER_PDU }] },
      {
        name: '+CMT (text)',
        lines: '+CMT: "+31641600986",,"08/02/26,19:37:41+04"\r\nHow are you?',
        urcs: [
          {
            type: 'CMT-TEXT',
            originator: '+31641600986',
            alpha: null,
            serviceCentreTime: '08/02/26,19:37:41+04',
            fields: ['+31641600986', '', '08/02/26,19:37:41+04'],
            text: 'How are you?',
          },
        ],
      },
      { name: '+CDS (PDU)', lines: `+CDS: 25\r\n${STATUS_REPORT_PDU}`, urcs: [{ type: 'CDS', length: 25, pdu: STATUS_REPORT_PDU }] },
      {
        name: '+CDS (text)',
        lines: '+CDS: 6,12,"+31641600986",145,"08/02/26,19:37:41+04","08/02/26,19:37:51+04",0',
        urcs: [
          {
            type: 'CDS-TEXT',
            firstOctet: 6,
            messageReference: 12,
            recipient: '+31641600986',
            serviceCentreTime: '08/02/26,19:37:41+04',
            dischargeTime: '08/02/26,19:37:51+04',
            status: 0,
          },
        ],
      },
      { name: 'RING', lines: 'RING', urcs: [{ type: 'RING' }] },
      { name: '+CREG (stat)', lines: '+CREG: 2', urcs: [{ type: 'CREG', stat: 2 }] },
      { name: '+CREG (stat, lac, ci, act)', lines: '+CREG: 5,"00C3","0000A1B2",7', urcs: [{ type: 'CREG', stat: 5, lac: '00C3', ci: '0000A1B2', act: 7 }] },
      { name: '+CPIN after a reset', lines: '+CPIN: READY', urcs: [{ type: 'CPIN', state: 'READY' }] },
      {
        name: 'vendor codes',
        lines: '^RSSI:18\r\n^BOOT:20123,0,0,0,72\r\n^MODE:5,4\r\n^SIMST:1\r\n+QIND: SMS DONE\r\n*PSUTTZ: 2024,1,15,10,30,0,"+0",0\r\n+CTZV: 24/01/15,10:30:00,+00\r\nCall Ready\r\nSMS Ready\r\n+CFUN: 1',
        urcs: [
          '^RSSI:18', '^BOOT:20123,0,0,0,72', '^MODE:5,4', '^SIMST:1', '+QIND: SMS DONE',
          '*PSUTTZ: 2024,1,15,10,30,0,"+0",0', '+CTZV: 24/01/15,10:30:00,+00', 'Call Ready', 'SMS Ready', '+CFUN: 1',
        ].map((line) => ({ type: 'vendor', line })),
      },
    ];
    for (const c of idle) {
      it(`recognises ${c.name} with no command in flight`, async () => {
        rig = await openRig();
        await reply(rig, `\r\n${c.lines}\r\n`);
        assert.deepEqual(rig.urcs, c.urcs);
        assert.deepEqual(rig.noise, []);
      });
    }

    it('takes +CMTI between the +CMGL entries and OK as a URC', async () => {
      rig = await openRig();
      const list = rig.engine.command('AT+CMGL=4');
      await written(rig, 'AT+CMGL=4\r');
      await reply(
        rig,
        `\r\n+CMGL: 1,1,,30\r\n${DELIVER_PDU}\r\n+CMGL: 2,0,,30\r\n${DELIVER_PDU}\r\n+CMTI: "SM",3\r\n\r\nOK\r\n`,
      );
      assert.deepEqual(await list, ['+CMGL: 1,1,,30', DELIVER_PDU, '+CMGL: 2,0,,30', DELIVER_PDU]);
      assert.deepEqual(rig.urcs, [{ type: 'CMTI', storage: 'SM', index: 3 }]);
    });

    it('takes a two-line +CMT in the middle of a response as a URC, PDU and all', async () => {
      rig = await openRig();
      const read = rig.engine.command('AT+CMGR=1');
      await written(rig, 'AT+CMGR=1\r');
      await reply(rig, `\r\n+CMGR: 0,,30\r\n${DELIVER_PDU}\r\n+CMT: ,25\r\n${STATUS_REPORT_PDU}\r\nRING\r\n\r\nOK\r\n`);
      assert.deepEqual(await read, ['+CMGR: 0,,30', DELIVER_PDU]);
      assert.deepEqual(rig.urcs, [{ type: 'CMT', alpha: null, length: 25, pdu: STATUS_REPORT_PDU }, { type: 'RING' }]);
    });

    it('keeps a text-mode body that looks like a URC in the +CMGR answer', async () => {
      rig = await openRig();
      const read = rig.engine.command('AT+CMGR=2');
      await written(rig, 'AT+CMGR=2\r');
      await reply(rig, '\r\n+CMGR: "REC READ","+31641600986",,"08/02/26,19:37:41+04"\r\nRING\r\n\r\nOK\r\n');
      assert.deepEqual(await read, ['+CMGR: "REC READ","+31641600986",,"08/02/26,19:37:41+04"', 'RING']);
      assert.deepEqual(rig.urcs, []);
    });

    it('tells the unsolicited +CREG from the AT+CREG? answer while AT+CREG? is in flight', async () => {
      rig = await openRig();
      const creg = rig.engine.command('AT+CREG?');
      await written(rig, 'AT+CREG?\r');
      await reply(rig, '\r\n+CREG: 1,"00C3","A1B2"\r\n+CREG: 2,1,"00C3","A1B2"\r\n+CREG: 5\r\n\r\nOK\r\n');
      assert.deepEqual(await creg, ['+CREG: 2,1,"00C3","A1B2"']);
      assert.deepEqual(rig.urcs, [
        { type: 'CREG', stat: 1, lac: '00C3', ci: 'A1B2' },
        { type: 'CREG', stat: 5 },
      ]);
    });

    it('gives +CPIN: READY to AT+CPIN? and takes it as a URC otherwise', async () => {
      rig = await openRig();
      const cpin = rig.engine.command('AT+CPIN?');
      await written(rig, 'AT+CPIN?\r');
      await reply(rig, '\r\n+CPIN: READY\r\n\r\nOK\r\n');
      assert.deepEqual(await cpin, ['+CPIN: READY']);
      const atz = rig.engine.command('ATZ');
      await written(rig, 'ATZ\r');
      await reply(rig, '\r\nOK\r\n\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n');
      assert.deepEqual(await atz, []);
      assert.deepEqual(rig.urcs, [
        { type: 'vendor', line: 'RDY' },
        { type: 'vendor', line: '+CFUN: 1' },
        { type: 'CPIN', state: 'READY' },
      ]);
    });

    it('gives up a +CMT header whose second line is not a PDU, and reads that line for itself', async () => {
      rig = await openRig();
      await reply(rig, '\r\n+CMT: ,30\r\n+CMTI: "SM",9\r\n');
      assert.deepEqual(rig.noise, ['+CMT: ,30']);
      assert.deepEqual(rig.urcs, [{ type: 'CMTI', storage: 'SM', index: 9 }]);
    });
  });

  describe('the prompt (AT+CMGS)', () => {
    const BODY = '0011000B911346610089F60000AA0CC8F71D14969741F977FD07';

    it('waits for "> ", sends the body and Ctrl-Z, and resolves with +CMGS', async () => {
      rig = await openRig();
      const send = rig.engine.commandWithPrompt('AT+CMGS=24', BODY, { timeoutMs: 60_000 });
      await written(rig, 'AT+CMGS=24\r');
      await settle();
      assert.equal(sent(rig), 'AT+CMGS=24\r', 'the body waits for the prompt');
      await reply(rig, '\r\n> ');
      await written(rig, `${BODY}\x1a`);
      await reply(rig, '\r\n+CMGS: 12\r\n\r\nOK\r\n');
      assert.deepEqual(await send, ['+CMGS: 12']);
    });

    it('drops the echo of the command and of the body while ATE1 is on', async () => {
      rig = await openRig({}, { echo: true });
      const send = rig.engine.commandWithPrompt('AT+CMGS=24', BODY);
      await written(rig, 'AT+CMGS=24\r');
      await settle();
      await reply(rig, '\r\n> ');
      await written(rig, `${BODY}\x1a`);
      await settle();
      await reply(rig, '\r\n+CMGS: 13\r\n\r\nOK\r\n');
      assert.deepEqual(await send, ['+CMGS: 13']);
      assert.deepEqual(rig.noise, []);
    });

    it('rejects when the modem answers ERROR or +CMS ERROR instead of the prompt, and never sends the body', async () => {
      rig = await openRig();
      const first = rejection(rig.engine.commandWithPrompt('AT+CMGS=24', BODY));
      const second = rejection(rig.engine.commandWithPrompt('AT+CMGS=24', BODY));
      await written(rig, 'AT+CMGS=24\r');
      await reply(rig, '\r\nERROR\r\n');
      assert.equal((await first).kind, 'ERROR');
      await written(rig, 'AT+CMGS=24\rAT+CMGS=24\r');
      await reply(rig, '\r\n+CMS ERROR: 330\r\n');
      const error = await second;
      assert.equal(error.kind, 'CMS');
      assert.equal(error.code, 330);
      assert.equal(error.retryable, false);
      assert.ok(!sent(rig).includes(BODY));
    });

    it('rejects an OK that comes instead of the prompt: the body was never sent', async () => {
      rig = await openRig();
      const send = rejection(rig.engine.commandWithPrompt('AT+CMGS=24', BODY));
      await written(rig, 'AT+CMGS=24\r');
      await reply(rig, '\r\nOK\r\n');
      const error = await send;
      assert.equal(error.kind, 'ERROR');
      assert.match(error.message, /without the '> ' prompt/);
      assert.ok(!sent(rig).includes(BODY));
    });

    it('sends ESC on a prompt timeout, and ESC again to a prompt that comes too late', async () => {
      rig = await openRig({ lateGraceMs: 5000 });
      const send = rejection(rig.engine.commandWithPrompt('AT+CMGS=24', BODY, { promptTimeoutMs: 30, timeoutMs: 60_000 }));
      const next = rig.engine.command('AT');
      const error = await send;
      assert.equal(error.kind, 'TIMEOUT');
      assert.match(error.message, /prompt/);
      await written(rig, 'AT+CMGS=24\r\x1b');
      await reply(rig, '\r\n> ');
      await written(rig, 'AT+CMGS=24\r\x1b\x1b');
      assert.ok(!sent(rig).includes(BODY));
      // The modem answers the cancelled command; then the queue moves on.
      await reply(rig, '\r\nOK\r\n');
      await written(rig, 'AT+CMGS=24\r\x1b\x1bAT\r');
      await reply(rig, '\r\nOK\r\n');
      assert.deepEqual(await next, []);
    });

    it('takes the prompts a text-mode modem prints after each CR of the body in its stride', async () => {
      rig = await openRig();
      const text = 'first line\rsecond line';
      const send = rig.engine.commandWithPrompt('AT+CMGS="+31641600986"', text);
      await written(rig, 'AT+CMGS="+31641600986"\r');
      await reply(rig, '\r\n> ');
      await written(rig, `${text}\x1a`);
      await reply(rig, '\r\n> \r\n+CMGS: 14\r\n\r\nOK\r\n');
      assert.deepEqual(await send, ['+CMGS: 14']);
      assert.ok(!sent(rig).includes('\x1b'), 'an ESC would cancel the message');
      assert.deepEqual(rig.noise, []);
    });

    it('times the network wait from the body on, with the command timeout', async () => {
      rig = await openRig({ lateGraceMs: 10 });
      const send = rejection(rig.engine.commandWithPrompt('AT+CMGS=24', BODY, { promptTimeoutMs: 5000, timeoutMs: 30 }));
      await written(rig, 'AT+CMGS=24\r');
      await reply(rig, '> ');
      const error = await send;
      assert.equal(error.kind, 'TIMEOUT');
      assert.match(error.message, /no final result code within 30 ms/);
      assert.ok(!sent(rig).includes('\x1b'), 'no ESC once the body is sent: Ctrl-Z already left the prompt');
    });
  });

  describe('garbage', () => {
    it('emits unknown lines with no command in flight as noise, and caps a line with no end', async () => {
      rig = await openRig({ maxLineLength: 1000 });
      await reply(rig, '\r\nhello\r\n+XYZ: 1\r\nOK\r\n');
      await reply(rig, Buffer.alloc(5000, 0x41));
      await reply(rig, '\r\n+CMTI: "SM",1\r\n');
      assert.deepEqual(rig.noise, ['hello', '+XYZ: 1', 'OK', 'A'.repeat(80)]);
      assert.deepEqual(rig.urcs, [{ type: 'CMTI', storage: 'SM', index: 1 }]);
      const at = rig.engine.command('AT');
      await written(rig, 'AT\r');
      await reply(rig, 'OK\r\n');
      assert.deepEqual(await at, []);
    });
  });

  describe('closing', () => {
    it('close() rejects the command in flight and the queued ones with CLOSED, and later ones too', async () => {
      rig = await openRig();
      const jobs = [rig.engine.command('AT+CSQ'), rig.engine.command('AT+CREG?'), rig.engine.commandWithPrompt('AT+CMGS=24', '00')].map(rejection);
      await written(rig, 'AT+CSQ\r');
      rig.engine.close();
      for (const error of await Promise.all(jobs)) assert.equal(error.kind, 'CLOSED');
      assert.equal((await rejection(rig.engine.command('AT'))).kind, 'CLOSED');
      // Detached: what the port says now goes nowhere.
      await reply(rig, '\r\n+CMTI: "SM",1\r\n');
      assert.deepEqual(rig.urcs, []);
    });

    it("rejects everything when the port closes (USB unplugged)", async () => {
      rig = await openRig();
      const jobs = [rig.engine.command('AT+CSQ'), rig.engine.command('AT')].map(rejection);
      await written(rig, 'AT+CSQ\r');
      await new Promise((resolve) => rig.port.close(resolve));
      for (const error of await Promise.all(jobs)) {
        assert.equal(error.kind, 'CLOSED');
        assert.match(error.message, /port closed/);
      }
    });

    it("rejects everything when the port reports an error", async () => {
      rig = await openRig();
      const job = rejection(rig.engine.command('AT+CSQ'));
      await written(rig, 'AT+CSQ\r');
      rig.port.emit('error', new Error('EIO: i/o error, read'));
      const error = await job;
      assert.equal(error.kind, 'CLOSED');
      assert.match(error.message, /EIO/);
    });
  });
});
