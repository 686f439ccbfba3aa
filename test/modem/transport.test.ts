/**
 * The modem transport inside a real Gateway, against the modem simulator over a real
 * pseudo-terminal, opened with serialport as a USB modem would be.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { Gateway, type GatewayOptions, type ReportEvent } from '../../src/gateway/gateway';
import { AtEngine, parseCpin } from '../../src/modem/at';
import { ModemSimulator, type ModemSimulatorOptions } from '../../src/modem/simulator';
import { ModemTransport, type ModemTransportOptions } from '../../src/modem/transport';
import { MemoryStore } from '../../src/store/memory';
import { SqliteStore } from '../../src/store/sqlite';
import type { StoredInbound, MessageRecord, Store } from '../../src/store/types';
import type { LinkStatus } from '../../src/transport/types';
import { until } from '../helpers/until';

const TO = '+447400123456';

/** Three wrong PINs from another program, as a user fumbling in a terminal would. */
async function lockSim(path: string): Promise<void> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const engine = new AtEngine(port, { timeoutMs: 2000 });
  await engine.command('AT+CMEE=1');
  for (let i = 0; i < 3; i++) await assert.rejects(engine.command('AT+CPIN="0000"'), { kind: 'CME' });
  assert.equal(parseCpin(await engine.command('AT+CPIN?')), 'SIM PUK');
  engine.close();
  await new Promise<void>((resolve) => port.close(() => resolve()));
}

describe('modem transport against the modem simulator', function () {
  this.timeout(60_000);
  const gateways: Gateway[] = [];
  const simulators: ModemSimulator[] = [];
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-modem-'));
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.stop()));
    await Promise.all(simulators.splice(0).map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function simulator(options: ModemSimulatorOptions = {}): Promise<{ sim: ModemSimulator; path: string }> {
    const sim = new ModemSimulator({ link: join(dir, `modem${simulators.length}`), statusReportDelayMs: 20, ...options });
    simulators.push(sim);
    const { path } = await sim.start();
    return { sim, path };
  }

  function transport(path: string, options: Partial<ModemTransportOptions> = {}): ModemTransport {
    return new ModemTransport({
      id: `gsm${path.slice(-1)}`,
      path,
      commandTimeoutMs: 1000,
      sendTimeoutMs: 3000,
      healthIntervalMs: 200,
      reopenBaseMs: 50,
      reopenMaxMs: 400,
      ...options,
    });
  }

  interface Running {
    gateway: Gateway;
    statuses: LinkStatus[];
    inbound: StoredInbound[];
    warnings: Error[];
  }

  async function gateway(
    transports: ModemTransport[],
    options: Partial<GatewayOptions> = {},
    waitFor: LinkStatus['state'] = 'connected',
  ): Promise<Running> {
    const gw = new Gateway({
      store: new MemoryStore(),
      transports,
      guard: { enabled: false },
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      pollMs: 50,
      reassemblyTimeoutMs: 2000,
      ...options,
    });
    const statuses: LinkStatus[] = [];
    const inbound: StoredInbound[] = [];
    const warnings: Error[] = [];
    gw.on('transport-status', ({ status }) => statuses.push(status));
    gw.on('inbound', (message: StoredInbound) => inbound.push(message));
    gw.on('warning', (warning) => warnings.push(warning));
    gateways.push(gw);
    await gw.start();
    await until(() => statuses.some((s) => s.state === waitFor), 10_000, `the modem to be ${waitFor}`);
    return { gateway: gw, statuses, inbound, warnings };
  }

  async function sendAndWait(gw: Gateway, text: string, extra: object = {}): Promise<MessageRecord> {
    const accepted = await gw.send({ to: TO, text, ...extra });
    return gw.waitFor(accepted.id, 'final', 20_000);
  }

  describe('sending', () => {
    it('sends GSM 7-bit with extension characters in PDU mode and pairs the status report', async () => {
      const { sim, path } = await simulator();
      const { gateway: gw } = await gateway([transport(path)]);
      const reports: ReportEvent[] = [];
      gw.on('report', (event) => reports.push(event));
      const done = await sendAndWait(gw, 'Price: 10€ {ok} [x]');
      assert.equal(done.state, 'DELIVERED');
      assert.deepEqual(reports.map((r) => r.report.address), [TO], 'the status report names the recipient (TP-RA)');
      const [submit] = sim.submits;
      assert.equal(submit!.text, 'Price: 10€ {ok} [x]');
      assert.equal(submit!.destination, TO);
      assert.equal(submit!.statusReportRequest, true);
      assert.match(submit!.pdu!, /^[0-9A-F]+$/);
      assert.deepEqual(done.providerIds, [`${submit!.reference}/00123456/${new Date(done.submittedAt!).toISOString().slice(0, 13)}`]);
    });

    it('sends UCS-2 with emoji', async () => {
      const { sim, path } = await simulator();
      const { gateway: gw } = await gateway([transport(path)]);
      const done = await sendAndWait(gw, 'Grüße 👋🏽 你好');
      assert.equal(done.state, 'DELIVERED');
      assert.equal(sim.submits[0]!.text, 'Grüße 👋🏽 你好');
    });

    it('sends a three-part message as concatenated segments, DELIVERED once every part is', async () => {
      const { sim, path } = await simulator();
      const { gateway: gw } = await gateway([transport(path)]);
      const text = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ') + ' ' + 'x'.repeat(150);
      const done = await sendAndWait(gw, text);
      assert.equal(done.segments, 3);
      assert.equal(done.state, 'DELIVERED');
      assert.equal(sim.submits.length, 3);
      const concat = sim.submits.map((s) => s.header?.concat);
      assert.deepEqual(concat.map((c) => c?.sequence), [1, 2, 3]);
      assert.ok(concat.every((c) => c?.total === 3 && c.reference === concat[0]!.reference));
      assert.equal(sim.submits.map((s) => s.text).join(''), text);
      assert.equal(new Set(done.providerIds).size, 3);
    });

    it('leaves the message undelivered when the status report says so', async () => {
      const { path } = await simulator({ statusReportStatus: 0x41 });
      const { gateway: gw } = await gateway([transport(path)]);
      const done = await sendAndWait(gw, 'to an incompatible destination');
      assert.equal(done.state, 'UNDELIVERED');
    });

    it('retries a temporary +CMS ERROR and fails a permanent one with its code', async () => {
      const { sim, path } = await simulator();
      const { gateway: gw } = await gateway([transport(path)]);
      sim.faults.failNext(/^AT\+CMGS/, '+CMS ERROR: 42', 2);
      const retried = await sendAndWait(gw, 'after congestion');
      assert.equal(retried.state, 'DELIVERED');
      sim.faults.failNext(/^AT\+CMGS/, '+CMS ERROR: 21', 1);
      const refused = await sendAndWait(gw, 'refused');
      assert.equal(refused.state, 'FAILED');
      assert.equal(refused.error?.providerCode, '+CMS ERROR: 21');
    });

    it('falls back to text mode on a modem without PDU mode, and refuses what text mode cannot carry', async () => {
      const { sim, path } = await simulator({ textModeOnly: true });
      const { gateway: gw, statuses } = await gateway([transport(path)]);
      assert.ok(statuses.some((s) => s.detail?.includes('text mode')), JSON.stringify(statuses));
      const reports: ReportEvent[] = [];
      gw.on('report', (event) => reports.push(event));
      const done = await sendAndWait(gw, 'plain text mode: ok €');
      assert.equal(done.state, 'DELIVERED');
      assert.deepEqual(reports.map((r) => r.report.address), [TO], 'the text-mode status report names the recipient (<ra>)');
      assert.equal(sim.submits[0]!.text, 'plain text mode: ok €');
      assert.equal(sim.submits[0]!.pdu, null);
      const long = await sendAndWait(gw, 'y'.repeat(200));
      assert.equal(long.state, 'FAILED');
      assert.match(long.error!.message, /text mode/);
    });

    it('spreads messages over a pool of modems, each with its own queue', async () => {
      const first = await simulator();
      const second = await simulator();
      const { gateway: gw } = await gateway([transport(first.path), transport(second.path)], {
        routes: [{ transports: ['gsm0', 'gsm1'], strategy: 'round-robin' }],
      });
      const done = await Promise.all(Array.from({ length: 6 }, (_, i) => sendAndWait(gw, `pooled ${i}`)));
      assert.ok(done.every((m) => m.state === 'DELIVERED'));
      assert.equal(first.sim.submits.length + second.sim.submits.length, 6);
      assert.ok(first.sim.submits.length >= 2 && second.sim.submits.length >= 2);
    });
  });

  describe('receiving', () => {
    it('reads an inbound SMS announced by +CMTI, stores it, then deletes it from the SIM', async () => {
      const { sim, path } = await simulator();
      const { inbound } = await gateway([transport(path)]);
      await sim.injectInbound({ from: '+447700900555', text: 'Hello there €' });
      await until(() => inbound.length === 1, 5000, 'the inbound message');
      assert.equal(inbound[0]!.from, '+447700900555');
      assert.equal(inbound[0]!.text, 'Hello there €');
      await until(() => sim.storedMessages().length === 0, 5000, 'AT+CMGD');
    });

    it('reassembles a multipart inbound message in UCS-2', async () => {
      const { sim, path } = await simulator();
      const { inbound } = await gateway([transport(path)]);
      const text = 'Ünïcödé 🚀 '.repeat(12);
      await sim.injectInbound({ from: '+447700900556', text, parts: 3, encoding: 'ucs2' });
      await until(() => inbound.length === 1, 5000, 'the reassembled message');
      assert.equal(inbound[0]!.text, text);
      assert.ok(!inbound[0]!.incomplete);
    });

    it('sweeps messages stored while smsgate was not running', async () => {
      const { sim, path } = await simulator();
      await sim.injectInbound({ from: '+447700900557', text: 'while you were away' });
      const { inbound } = await gateway([transport(path)]);
      await until(() => inbound.length === 1, 5000, 'the swept message');
      assert.equal(inbound[0]!.text, 'while you were away');
      await until(() => sim.storedMessages().length === 0, 5000, 'AT+CMGD after the sweep');
    });

    it('sweeps every valid entry and leaves the bad ones (not hex, not a PDU) on the SIM, logged with their index', async () => {
      const { sim, path } = await simulator();
      await sim.injectInbound({ from: '+447700900561', text: 'first good one' });
      const notHex = sim.faults.storeBadEntry('NOT-HEX-AT-ALL');
      const notPdu = sim.faults.storeBadEntry('FFFFFFFF');
      await sim.injectInbound({ from: '+447700900562', text: 'second good one' });
      assert.deepEqual(sim.storedMessages(), [1, notHex, notPdu, 4]);
      const { inbound, warnings } = await gateway([transport(path)]);
      await until(() => inbound.length === 2 && warnings.length === 2, 5000, 'the two good entries stored and the two bad ones logged');
      assert.deepEqual(inbound.map((m) => m.text).sort(), ['first good one', 'second good one']);
      await until(() => sim.storedMessages().length === 2, 5000, 'AT+CMGD of the good entries');
      assert.deepEqual(sim.storedMessages(), [notHex, notPdu], 'the bad entries stay on the SIM');
      assert.match(warnings[0]!.message, new RegExp(`SIM entry ${notHex} .*stays on the SIM.*NOT-HEX-AT-ALL`));
      assert.match(warnings[1]!.message, new RegExp(`SIM entry ${notPdu} is unreadable and was left with the modem`));
    });

    it('takes +CMT and +CDS delivered straight, acknowledging each with AT+CNMA when the modem requires it', async () => {
      const { sim, path } = await simulator({ requireAck: true });
      const commands: string[] = [];
      sim.on('command', (line: string) => commands.push(line));
      // A modem that cannot announce stored messages (+CMTI) routes them straight (+CMT).
      sim.faults.failNext(/^AT\+CNMI=\d,1,/, 'ERROR', 3);
      const { gateway: gw, inbound } = await gateway([transport(path)]);
      assert.equal(commands.filter((c) => c.startsWith('AT+CNMI')).at(-1), 'AT+CNMI=2,2,0,1,0');
      await sim.injectInbound({ from: '+447700900558', text: 'direct' });
      await until(() => inbound.length === 1, 5000, 'the +CMT message');
      assert.equal(inbound[0]!.text, 'direct');
      assert.equal((await sendAndWait(gw, 'report straight')).state, 'DELIVERED');
      await until(() => commands.filter((c) => c === 'AT+CNMA').length === 2, 5000, 'AT+CNMA for both');
      assert.deepEqual(sim.storedMessages(), [], 'nothing fell back into SIM storage');
    });
  });

  describe('the SIM', () => {
    it('unlocks the SIM with the configured PIN', async () => {
      const { path } = await simulator({ pin: '4321' });
      const { gateway: gw } = await gateway([transport(path, { pin: '4321' })]);
      assert.equal((await sendAndWait(gw, 'unlocked')).state, 'DELIVERED');
    });

    it('reports a wrong PIN and never tries it again', async () => {
      const { sim, path } = await simulator({ pin: '4321' });
      const tries: string[] = [];
      sim.on('command', (line: string) => {
        if (line.startsWith('AT+CPIN=')) tries.push(line);
      });
      const { statuses } = await gateway([transport(path, { pin: '1111' })], {}, 'error');
      const error = statuses.find((s) => s.state === 'error')!;
      assert.match(error.detail!, /refused the configured PIN/);
      assert.doesNotMatch(error.detail!, /1111/);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(tries.length, 1);
    });

    it('tries a refused PIN once, ever: remembered by the ICCID across restarts (sqlite), tried again only once changed', async () => {
      const { sim, path } = await simulator({ pin: '4321', iccid: '8944500102198304826' });
      const dbPath = join(dir, 'gateway.db');
      const first = await gateway([transport(path, { pin: '1111' })], { store: new SqliteStore(dbPath) }, 'error');
      assert.match(first.statuses.find((s) => s.state === 'error')!.detail!, /refused the configured PIN/);
      assert.equal(sim.pinAttempts, 1);
      await first.gateway.stop();

      // A restart (or a redeploy) with the same wrong PIN: refused from the store, the SIM is not asked.
      const second = await gateway([transport(path, { pin: '1111' })], { store: new SqliteStore(dbPath) }, 'error');
      const refused = second.statuses.find((s) => s.state === 'error')!.detail!;
      assert.match(refused, /refused the configured PIN earlier .* does not try it again/);
      assert.match(refused, /configure the right PIN \(pin\)/);
      assert.doesNotMatch(refused, /1111/);
      assert.equal(sim.pinAttempts, 1, 'the remembered PIN was not tried again');
      await second.gateway.stop();

      const store = new SqliteStore(dbPath);
      await store.open();
      const note = await store.readNote('modem.pin-refused:iccid:8944500102198304826');
      await store.close();
      assert.ok(note !== undefined, 'the refusal is kept under the SIM\'s ICCID');
      assert.doesNotMatch(note, /1111/, 'a fingerprint, never the PIN');

      // The PIN changed in the configuration: tried, accepted, and the refusal forgotten.
      const third = await gateway([transport(path, { pin: '4321' })], { store: new SqliteStore(dbPath) });
      assert.equal(sim.pinAttempts, 2);
      assert.equal((await sendAndWait(third.gateway, 'right PIN at last')).state, 'DELIVERED');
      await third.gateway.stop();
      await store.open();
      assert.equal(await store.readNote('modem.pin-refused:iccid:8944500102198304826'), undefined);
      await store.close();
    });

    it('keys a refused PIN by the device path when the modem gives no ICCID', async () => {
      const { sim, path } = await simulator({ pin: '4321', iccid: null });
      const dbPath = join(dir, 'gateway.db');
      for (let start = 0; start < 2; start++) {
        const { gateway: gw } = await gateway([transport(path, { pin: '2222' })], { store: new SqliteStore(dbPath) }, 'error');
        await gw.stop();
      }
      assert.equal(sim.pinAttempts, 1);
      const store = new SqliteStore(dbPath);
      await store.open();
      assert.notEqual(await store.readNote(`modem.pin-refused:path:${path}`), undefined);
      await store.close();
    });

    it('reports a SIM that needs its PUK', async () => {
      const { path } = await simulator({ pin: '4321' });
      await lockSim(path);
      const { statuses } = await gateway([transport(path, { pin: '4321' })], {}, 'error');
      assert.match(statuses.find((s) => s.state === 'error')!.detail!, /PUK/);
    });
  });

  describe('robustness', () => {
    it('survives the port vanishing: says so, reopens, and sends what waited', async () => {
      const { sim, path } = await simulator();
      const { gateway: gw, statuses } = await gateway([transport(path)]);
      await sim.faults.unplug();
      await until(() => statuses.some((s) => s.state === 'reconnecting'), 5000, 'the unplug to show');
      const accepted = await gw.send({ to: TO, text: 'sent after the replug' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await gw.getMessage(accepted.id))!.state, 'QUEUED');
      await sim.faults.replug();
      const done = await gw.waitFor(accepted.id, 'final', 20_000);
      assert.equal(done.state, 'DELIVERED');
      assert.equal(sim.submits.at(-1)!.text, 'sent after the replug');
    });

    it('resets a modem that stops answering', async () => {
      const { sim, path } = await simulator();
      const commands: string[] = [];
      sim.on('command', (line: string) => commands.push(line));
      const { gateway: gw, statuses } = await gateway([transport(path)]);
      sim.faults.silence();
      await until(() => statuses.some((s) => s.detail?.includes('stopped answering')), 10_000, 'the hang to be noticed');
      sim.faults.resume();
      const resetAt = commands.length;
      const done = await sendAndWait(gw, 'after the reset');
      assert.equal(done.state, 'DELIVERED');
      assert.ok(commands.slice(resetAt).includes('ATZ'), 'the setup ran again');
    });

    it('ignores garbage on the line and URCs inside a response', async () => {
      const { sim, path } = await simulator();
      const { gateway: gw, inbound } = await gateway([transport(path)]);
      sim.faults.garbage('\u0000\u00ff#&!garbage!');
      sim.faults.urcInResponse(/^AT\+CMGS/, '+CREG: 1');
      const done = await sendAndWait(gw, 'through the noise');
      assert.equal(done.state, 'DELIVERED');
      await sim.injectInbound({ from: '+447700900559', text: 'still listening' });
      await until(() => inbound.length === 1, 5000, 'the inbound message');
    });

    it('pairs a status report that arrives after a restart of the gateway (sqlite store)', async () => {
      // Long enough for the second gateway to be up and listening when the report comes.
      const { sim, path } = await simulator({ statusReportDelayMs: 3000 });
      const dbPath = join(dir, 'gateway.db');
      const first = await gateway([transport(path)], { store: new SqliteStore(dbPath) });
      const accepted = await first.gateway.send({ to: TO, text: 'report after restart' });
      await first.gateway.waitFor(accepted.id, 'submitted', 10_000);
      await first.gateway.stop();
      const second = await gateway([transport(path)], { store: new SqliteStore(dbPath) as Store });
      const done = await second.gateway.waitFor(accepted.id, 'final', 20_000);
      assert.equal(done.state, 'DELIVERED');
      assert.equal(sim.submits.length, 1);
    });
  });
});
