/** Faults on demand: error replies, a hung modem, garbage, URCs inside responses, unplug and replug. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ModemSimulator } from '../../../src/modem/simulator';
import { SmsGateError } from '../../../src/errors';
import { waitForEvent } from '../../helpers/events';
import { cleanUp, HELLO_SUBMIT, startModem, Terminal } from './helpers';

describe('modem simulator: faults', function () {
  this.timeout(20_000);
  afterEach(cleanUp);

  it('failNext answers the next matching commands with the reply given, then recovers', async () => {
    const { term, sim } = await startModem();
    await term.init();
    sim.faults.failNext(/^AT\+CSQ/, '+CME ERROR: 100', 2);
    assert.equal((await term.at('AT+CSQ')).final, '+CME ERROR: 100');
    assert.equal((await term.at('AT')).final, 'OK', 'other commands are not affected');
    assert.equal((await term.at('AT+CSQ')).final, '+CME ERROR: 100');
    assert.equal((await term.at('AT+CSQ')).final, 'OK');
    sim.faults.failNext(/CNMI/, 'ERROR');
    assert.equal((await term.at('AT+CNMI=2,1,0,1,0')).final, 'ERROR');
    assert.throws(() => sim.faults.failNext(/x/, 'BROKEN'), SmsGateError);
  });

  it('failNext on AT+CMGS answers after the PDU, as a network rejection does, and uses no reference', async () => {
    const { term, sim } = await startModem();
    await term.init();
    sim.faults.failNext(/CMGS/, '+CMS ERROR: 38');
    const failed = await term.atPrompt('AT+CMGS=23', HELLO_SUBMIT.hex);
    assert.deepEqual([failed.lines, failed.final], [[], '+CMS ERROR: 38']);
    assert.equal(sim.submits.length, 0);
    assert.deepEqual((await term.atPrompt('AT+CMGS=23', HELLO_SUBMIT.hex)).lines, ['+CMGS: 0']);
  });

  it('silence() answers nothing, not even ATZ; resume() brings back answers and the URCs held back', async () => {
    const { term, sim } = await startModem({ statusReportDelayMs: 0 });
    await term.init();
    await term.at('AT+CNMI=2,1,0,2,0');
    sim.faults.silence();
    const received = waitForEvent<string>(sim, 'command', 5000, (line) => line === 'ATZ');
    term.write('AT\rATZ\r');
    await received;
    await sim.injectInbound({ from: '+447700900123', text: 'while hung' });
    await assert.rejects(term.at('AT', 300), /no .* within 300 ms/);
    assert.equal(term.text.slice(term.cursor), '', 'not a byte came back');
    sim.faults.resume();
    await term.expect(/\r\n\+CMTI: "SM",1\r\n/);
    assert.equal((await term.at('AT')).final, 'OK');
  });

  it('garbage() writes a line of noise between responses', async () => {
    const { term, sim } = await startModem();
    await term.init();
    sim.faults.garbage();
    sim.faults.garbage('^SYSSTART junk');
    await term.expect(/\r\n\^SYSSTART junk\r\n/);
    assert.ok(term.text.includes('garb'), 'the default garbage arrived first');
    assert.equal((await term.at('AT')).final, 'OK');
  });

  it('urcInResponse puts an unsolicited code between the information lines and OK', async () => {
    const { term, sim } = await startModem();
    await term.init();
    sim.faults.urcInResponse(/CSQ/, '+CMTI: "SM",7');
    assert.equal((await term.at('AT+CSQ')).raw, '\r\n+CSQ: 20,99\r\n\r\n+CMTI: "SM",7\r\n\r\nOK\r\n');
    assert.equal((await term.at('AT+CSQ')).raw, '\r\n+CSQ: 20,99\r\n\r\nOK\r\n', 'once');
    sim.faults.urcInResponse(/CMGS/, '+CDS: 25');
    const response = await term.atPrompt('AT+CMGS=23', HELLO_SUBMIT.hex);
    assert.equal(response.raw, '\r\n> \r\n+CMGS: 0\r\n\r\n+CDS: 25\r\n\r\nOK\r\n');
  });

  it('unplug() closes the client port and removes the link; replug() brings a fresh modem back on the same path', async () => {
    const { term, sim, path } = await startModem();
    await term.init();
    await term.at('AT+CNMI=2,1,0,1,0');
    await term.atPrompt('AT+CMGS=23', HELLO_SUBMIT.hex);
    await sim.faults.unplug();
    await term.closed;
    assert.equal(term.closeError?.disconnected, true, `a DisconnectedError, got ${String(term.closeError)}`);
    assert.equal(existsSync(path), false, 'the link is gone');
    await assert.rejects(Terminal.open(path), /ENOENT|No such file/);

    await sim.injectInbound({ from: '+447700900123', text: 'while away' });
    await sim.faults.replug();
    assert.equal(existsSync(path), true);
    const again = await Terminal.open(path);
    assert.equal((await again.at('AT')).raw, 'AT\r\r\nOK\r\n', 'powered up afresh: echo is on again');
    await again.init();
    assert.deepEqual((await again.at('AT+CNMI?')).lines, ['+CNMI: 0,0,0,0,0'], 'settings were lost');
    await again.at('AT+CNMI=2,1,0,1,0');
    await again.expect(/\r\n\+CMTI: "SM",1\r\n/);
    assert.deepEqual((await again.atPrompt('AT+CMGS=23', HELLO_SUBMIT.hex)).lines, ['+CMGS: 1'], 'the SIM kept the reference');
  });

  it('leaves no process and no link behind, and makes its own link path by default', async () => {
    const sim = new ModemSimulator();
    const { path } = await sim.start();
    assert.equal(sim.path, path);
    assert.match(path, /smsgate-modem-[^/]+\/ttyGSM0$/);
    await sim.stop();
    assert.equal(existsSync(path), false);
    assert.equal(existsSync(path.replace(/\/ttyGSM0$/, '')), false, 'the directory made for it is gone too');
  });

  it('makes its pty with node-pty, so the tests need no socat (nothing from apt)', async () => {
    const { term, sim } = await startModem();
    assert.equal(sim.ptyProvider, 'node-pty');
    await term.init();
    assert.equal((await term.at('AT')).final, 'OK');
  });

  it('makes its pty with socat when asked and socat is installed', async function () {
    if (!commandExists('socat')) this.skip();
    await withEnv({ SMSGATE_MODEM_PTY: 'socat' }, async () => {
      const { term, sim } = await startModem();
      assert.equal(sim.ptyProvider, 'socat');
      await term.init();
      assert.equal((await term.at('AT')).final, 'OK');
      await sim.faults.unplug();
      await term.closed;
    });
  });

  it('says what it needs when no pty provider is there: @lydell/node-pty or socat', async () => {
    // node-pty is always installed for the tests: asking for socat alone on an empty PATH is "neither".
    await withEnv({ SMSGATE_MODEM_PTY: 'socat', PATH: '/nonexistent' }, async () => {
      const sim = new ModemSimulator();
      await assert.rejects(
        sim.start(),
        (error: unknown) =>
          error instanceof SmsGateError &&
          error.code === 'TRANSPORT_UNAVAILABLE' &&
          error.field === 'pty' &&
          /socat is not installed/.test(error.message) &&
          /npm install @lydell\/node-pty/.test(error.message) &&
          /apt-get install -y socat/.test(error.message),
      );
      assert.equal(sim.path, undefined);
    });
  });

  it('refuses an unknown SMSGATE_MODEM_PTY, naming it', async () => {
    await withEnv({ SMSGATE_MODEM_PTY: 'telnet' }, async () => {
      await assert.rejects(new ModemSimulator().start(), (error: unknown) => error instanceof SmsGateError && error.field === 'SMSGATE_MODEM_PTY');
    });
  });
});

async function withEnv(values: Record<string, string>, body: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  try {
    await body();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

function commandExists(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, name)));
}
