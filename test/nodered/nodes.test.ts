/**
 * The Node-RED nodes in node-red-node-test-helper's runtime, against the SMSC simulator on
 * loopback: happy paths and bad input for each node, the link status shown on flow nodes,
 * failover and round robin, secrets kept out of status and errors, and the store in the user
 * directory surviving a restart.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ModemSimulator, type ModemSimulatorOptions } from '../../src/modem/simulator';
import { SmscSimulator } from '../../src/smpp/simulator';
import { until } from '../helpers/until';
import { errorsOf, freshUserDir, helper, nextError, nextMessages, smsgateNodes, statusWhere, type FlowNode } from './helper';

interface Report {
  correlation: string;
  state: string;
  connection: string;
}

const SYSTEM_ID = 'nodered';
const PASSWORD = 's3cret';

function smpp(id: string, port: number, extra: Record<string, unknown> = {}): FlowNode {
  return { id, type: 'smsgate-smpp', name: `SMSC ${id}`, host: '127.0.0.1', port: String(port), bind: 'transceiver', window: '10', ...extra };
}

/** A connection, a send node on it, and a helper node after the send node. */
function sendFlow(port: number): FlowNode[] {
  return [
    smpp('c1', port),
    { id: 'send', type: 'smsgate-send', kind: 'smpp', smpp: 'c1', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
}

const credentials = (...ids: string[]) => Object.fromEntries(ids.map((id) => [id, { systemId: SYSTEM_ID, password: PASSWORD }]));

describe('Node-RED nodes', function () {
  this.timeout(30_000);
  const simulators: SmscSimulator[] = [];
  let userDir: ReturnType<typeof freshUserDir>;

  async function simulator(options: ConstructorParameters<typeof SmscSimulator>[0] = {}): Promise<{ sim: SmscSimulator; port: number }> {
    const sim = new SmscSimulator({ host: '127.0.0.1', port: 0, systemId: SYSTEM_ID, password: PASSWORD, dlrDelayMs: 20, ...options });
    simulators.push(sim);
    const { port } = await sim.start();
    return { sim, port };
  }

  before(async () => helper.startServer());
  after(async () => helper.stopServer());
  beforeEach(() => {
    userDir = freshUserDir();
  });
  afterEach(async () => {
    await helper.unload();
    await Promise.all(simulators.splice(0).map((sim) => sim.stop()));
    userDir.remove();
  });

  describe('smsgate-send and smsgate-status', () => {
    it('sends msg.payload to msg.to, passes on the accepted message, and reports its delivery with the correlation value', async () => {
      const { sim, port } = await simulator();
      const flow: FlowNode[] = [
        smpp('c1', port),
        { id: 'send', type: 'smsgate-send', kind: 'smpp', smpp: 'c1', from: 'ACME', wires: [['out']] },
        { id: 'status', type: 'smsgate-status', output: 'reports', kind: 'all', wires: [['reports']] },
        { id: 'out', type: 'helper' },
        { id: 'reports', type: 'helper' },
      ];
      await helper.load(smsgateNodes, flow, credentials('c1'));
      await statusWhere(helper.getNode('send'), (s) => s.fill === 'green' && /^connected/.test(s.text ?? ''));

      const accepted = nextMessages(helper.getNode('out'), 1);
      const reported = nextMessages(helper.getNode('reports'), 1);
      helper.getNode('send').receive({ payload: 'Hello from Node-RED', to: '+447400123456', correlation: 'order-17', topic: 'kept' });
      const [out] = await accepted;
      const payload = out!.payload as Record<string, unknown>;
      assert.equal(out!.topic, 'kept');
      assert.equal(payload.to, '+447400123456');
      assert.equal(payload.from, 'ACME');
      assert.equal(payload.segments, 1);
      assert.equal(payload.state, 'QUEUED');
      assert.equal(payload.correlation, 'order-17');
      assert.match(String(payload.id), /^[0-9a-f-]{36}$/);

      const [report] = await reported;
      const body = report!.payload as Record<string, unknown>;
      assert.equal(body.id, payload.id);
      assert.equal(body.correlation, 'order-17');
      assert.equal(body.state, 'DELIVERED');
      assert.equal(body.reportState, 'DELIVERED');
      assert.equal(body.connection, 'SMSC c1');
      assert.equal(report!.topic, 'order-17');
      assert.equal(sim.submits.length, 1);
      assert.equal(sim.submits[0]!.text, 'Hello from Node-RED');
    });

    it('takes an object payload with its options, and msg.topic as the recipient otherwise', async () => {
      const { sim, port } = await simulator();
      const flow = sendFlow(port);
      await helper.load(smsgateNodes, flow, credentials('c1'));
      const accepted = nextMessages(helper.getNode('out'), 2);
      helper.getNode('send').receive({ payload: { to: '+447400123457', text: 'Grüße €', from: 'Shop', encoding: 'ucs2', priority: 2, deliveryReport: false } });
      helper.getNode('send').receive({ payload: 'via topic', topic: '+447400123458' });
      const [first, second] = await accepted;
      const a = first!.payload as Record<string, unknown>;
      assert.equal(a.to, '+447400123457');
      assert.equal(a.encoding, 'UCS2');
      assert.equal((second!.payload as Record<string, unknown>).to, '+447400123458');
      await until(() => sim.submits.length === 2, 5000, 'both submits');
      const ucs2 = sim.submits.find((s) => s.text === 'Grüße €')!;
      assert.equal(ucs2.dataCoding, 8);
      assert.equal(ucs2.priorityFlag, 2);
      assert.equal(ucs2.registeredDelivery & 1, 0);
    });

    it('reports bad input through done(err) with the code and field, sends nothing and keeps running', async () => {
      const { sim, port } = await simulator();
      const flow = sendFlow(port);
      await helper.load(smsgateNodes, flow, credentials('c1'));
      const send = helper.getNode('send');
      const passed: unknown[] = [];
      helper.getNode('out').on('input', (msg) => passed.push(msg));
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [{ payload: 'no recipient' }, 'OPTION_INVALID', 'to'],
        [{ payload: { text: 'hi' }, to: '+447400123456' }, 'OPTION_INVALID', 'to'],
        [{ payload: Buffer.from('bytes'), to: '+447400123456' }, 'OPTION_INVALID', 'text'],
        [{ payload: '', to: '+447400123456' }, 'TEXT_EMPTY', 'text'],
        [{ payload: 'hi', to: '+4412' }, 'NUMBER_TOO_SHORT', 'to'],
        [{ payload: 'hi', to: '07400 123456' }, 'REGION_UNKNOWN', 'to'],
        [{ payload: 'hi', to: 'not a number' }, 'NUMBER_NOT_A_NUMBER', 'to'],
        [{ payload: 'hi', to: '+447400123456', priority: 7 }, 'OPTION_INVALID', 'priority'],
        [{ payload: 'hi', to: '+447400123456', deliveryReport: 'yes' }, 'OPTION_INVALID', 'deliveryReport'],
        [{ payload: 'hi', to: '+447400123456', validity: 'soon' }, 'OPTION_INVALID', 'validity'],
        [{ payload: 'hi', to: '+447400123456', from: 'A sender far too long' }, 'SENDER_TOO_LONG', 'from'],
        // Refused by the guard: stored as REJECTED, and still an error for the flow.
        [{ payload: 'hi', to: '+449098790000' }, 'NUMBER_TYPE_BLOCKED', 'to'],
      ];
      for (const [msg, code, field] of cases) {
        const error = nextError(send);
        send.receive(msg);
        const err = (await error) as { code?: string; field?: string; message: string };
        assert.equal(err.code, code, `${JSON.stringify(msg)}: ${err.message}`);
        assert.equal(err.field, field, JSON.stringify(msg));
      }
      assert.equal(passed.length, 0);
      assert.equal(sim.submits.length, 0);

      // Still working after all that.
      const accepted = nextMessages(helper.getNode('out'), 1);
      send.receive({ payload: 'fine', to: '+447400123456' });
      await accepted;
    });

    it('fails over to the backup connection while the first is down', async () => {
      const { sim, port } = await simulator();
      const dead = await simulator();
      await dead.sim.stop();
      const flow: FlowNode[] = [
        smpp('down', dead.port),
        smpp('up', port),
        { id: 'send', type: 'smsgate-send', kind: 'smpp', smpp: 'down', backupKind: 'smpp', backupSmpp: 'up', strategy: 'failover', wires: [['out']] },
        { id: 'status', type: 'smsgate-status', output: 'states', kind: 'all', wires: [['states']] },
        { id: 'out', type: 'helper' },
        { id: 'states', type: 'helper' },
      ];
      await helper.load(smsgateNodes, flow, credentials('down', 'up'));
      const status = await statusWhere(helper.getNode('send'), (s) => /SMSC up connected/.test(s.text ?? '') && /SMSC down (reconnecting|error)/.test(s.text ?? ''));
      assert.equal(status.fill, 'green');
      const delivered = new Promise<Record<string, unknown>>((resolve) =>
        helper.getNode('states').on('input', (msg) => {
          const p = msg.payload as Record<string, unknown>;
          if (p.state === 'DELIVERED') resolve(p);
        }),
      );
      helper.getNode('send').receive({ payload: 'via the backup', to: '+447400123456' });
      const done = await delivered;
      assert.equal(done.connectionId, 'up');
      assert.equal(sim.submits.length, 1);
    });

    it('takes turns between two connections with round robin', async () => {
      const one = await simulator();
      const two = await simulator();
      const flow: FlowNode[] = [
        smpp('one', one.port),
        smpp('two', two.port),
        { id: 'send', type: 'smsgate-send', kind: 'smpp', smpp: 'one', backupKind: 'smpp', backupSmpp: 'two', strategy: 'round-robin', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ];
      await helper.load(smsgateNodes, flow, credentials('one', 'two'));
      await statusWhere(helper.getNode('send'), (s) => /SMSC one connected, SMSC two connected/.test(s.text ?? ''));
      const accepted = nextMessages(helper.getNode('out'), 6);
      for (let n = 0; n < 6; n++) helper.getNode('send').receive({ payload: `m${n}`, to: `+44740012345${n}` });
      await accepted;
      await until(() => one.sim.submits.length + two.sim.submits.length === 6, 5000, 'six submits');
      assert.equal(one.sim.submits.length, 3);
      assert.equal(two.sim.submits.length, 3);
    });
  });

  it('says so when a send node has no connection', async () => {
    await helper.load(smsgateNodes, [{ id: 'send', type: 'smsgate-send', kind: 'smpp', smpp: '', wires: [] }]);
    assert.equal((await statusWhere(helper.getNode('send'), () => true)).text, 'no connection chosen');
    const error = nextError(helper.getNode('send'));
    helper.getNode('send').receive({ payload: 'hi', to: '+447400123456' });
    assert.match(String((await error) as Error), /no connection: choose one/);
  });

  describe('smsgate-smpp', () => {
    it('shows what is wrong with its settings on the nodes using it, and reports it', async () => {
      const flow: FlowNode[] = [
        smpp('c1', 70000),
        { id: 'send', type: 'smsgate-send', kind: 'smpp', smpp: 'c1', wires: [] },
      ];
      await helper.load(smsgateNodes, flow, { c1: { systemId: 'far-too-long-system-id', password: 'pw' } });
      const status = await statusWhere(helper.getNode('send'), (s) => s.fill === 'red');
      assert.match(status.text ?? '', /^error: port: expected 1\.\.65535, got 70000; systemId/);
      const [logged] = errorsOf(helper.getNode('c1'));
      assert.match(String(logged), /port: expected 1\.\.65535, got 70000; systemId: expected at most 15 characters/);
      assert.doesNotMatch(String(logged) + status.text, /far-too-long/);
      const error = nextError(helper.getNode('send'));
      helper.getNode('send').receive({ payload: 'hi', to: '+447400123456' });
      assert.equal(((await error) as { code: string }).code, 'TRANSPORT_UNAVAILABLE');
    });

    it('keeps the password and system id out of the status when the SMSC refuses the bind', async () => {
      const { port } = await simulator();
      const flow: FlowNode[] = [smpp('c1', port), { id: 'send', type: 'smsgate-send', kind: 'smpp', smpp: 'c1', wires: [] }];
      await helper.load(smsgateNodes, flow, { c1: { systemId: 'intruder', password: 'guessed' } });
      const status = await statusWhere(helper.getNode('send'), (s) => s.fill === 'red' || /reconnecting: /.test(s.text ?? ''));
      assert.doesNotMatch(JSON.stringify(status), /intruder|guessed/);
    });

    it('unbinds and closes its socket when the flow stops', async () => {
      const { sim, port } = await simulator();
      await helper.load(smsgateNodes, [smpp('c1', port), { id: 'send', type: 'smsgate-send', kind: 'smpp', smpp: 'c1', wires: [] }], credentials('c1'));
      await until(() => sim.sessions() === 1, 5000, 'the bind');
      const unbound = new Promise((resolve) => sim.once('unbind', resolve));
      const closed = new Promise((resolve) => sim.once('close', resolve));
      await helper.unload();
      await Promise.all([unbound, closed]);
      assert.equal(sim.sessions(), 0);
    });

    it('keeps the outbox in the user directory: a message accepted while the SMSC is down is sent after a restart', async () => {
      const down = await simulator();
      await down.sim.stop();
      const flow = (port: number): FlowNode[] => [
        smpp('c1', port),
        { id: 'send', type: 'smsgate-send', kind: 'smpp', smpp: 'c1', wires: [['out']] },
        { id: 'status', type: 'smsgate-status', output: 'reports', kind: 'smpp', smpp: 'c1', wires: [['reports']] },
        { id: 'out', type: 'helper' },
        { id: 'reports', type: 'helper' },
      ];
      await helper.load(smsgateNodes, flow(down.port), credentials('c1'));
      assert.ok(existsSync(join(userDir.dir, 'smsgate.db')));
      const accepted = nextMessages(helper.getNode('out'), 1);
      helper.getNode('send').receive({ payload: 'survives a restart', to: '+447400123456', correlation: 'restart' });
      const id = ((await accepted)[0]!.payload as { id: string }).id;
      await statusWhere(helper.getNode('send'), (s) => /1 queued/.test(s.text ?? ''));
      await helper.unload();

      const { sim, port } = await simulator();
      await helper.load(smsgateNodes, flow(port), credentials('c1'));
      const [report] = await nextMessages(helper.getNode('reports'), 1);
      assert.deepEqual([(report!.payload as { id: string }).id, (report!.payload as { state: string }).state], [id, 'DELIVERED']);
      assert.equal(sim.submits[0]!.text, 'survives a restart');
    });
  });

  describe('the outbox', () => {
    it('stays an error when settings.js sets a store that cannot open: the log, the send node\'s error and its status give the store\'s error', async () => {
      const { sim, port } = await simulator();
      // A directory where the database file should be: SQLite cannot open it.
      mkdirSync(join(userDir.dir, 'outbox.db'));
      helper.settings({ userDir: userDir.dir, smsgate: { store: { type: 'sqlite', path: 'outbox.db' } } });
      await helper.load(smsgateNodes, sendFlow(port), credentials('c1'));
      const reason = `store.path: cannot open or write the sqlite store at ${join(userDir.dir, 'outbox.db')}`;

      const status = await statusWhere(helper.getNode('send'), (s) => s.fill === 'red');
      assert.equal(status.text?.slice(0, 7 + reason.length), `error: ${reason}`);
      const logged = helper
        .log()
        .args.map(([entry]) => entry as { level: number; msg: unknown })
        .filter((entry) => entry.level === helper.log().ERROR)
        .map((entry) => String(entry.msg));
      const ours = logged.filter((msg) => msg.startsWith('smsgate: '));
      assert.equal(ours.length, 1, ours.join('\n'));
      assert.ok(ours[0]!.startsWith(`smsgate: the gateway could not start: ${reason}`), ours[0]);

      for (const n of [1, 2]) {
        const error = nextError(helper.getNode('send'));
        helper.getNode('send').receive({ payload: `try ${n}`, to: '+447400123456' });
        const err = (await error) as { code: string; message: string };
        assert.equal(err.code, 'STORE_ERROR');
        assert.ok(err.message.startsWith(reason), err.message);
      }
      assert.equal(sim.sessions(), 0, 'no connection was made for a gateway that did not start');
      assert.deepEqual(sim.submits, []);
    });
  });

  describe('smsgate-receive', () => {
    it('passes on inbound messages whole, with the sender as msg.topic', async () => {
      const { sim, port } = await simulator();
      const flow: FlowNode[] = [
        smpp('c1', port),
        { id: 'in', type: 'smsgate-receive', kind: 'smpp', smpp: 'c1', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ];
      await helper.load(smsgateNodes, flow, credentials('c1'));
      await statusWhere(helper.getNode('in'), (s) => s.fill === 'green');
      const received = nextMessages(helper.getNode('out'), 2);
      const long = 'A reply long enough to need three parts. '.repeat(9).trim();
      await sim.injectMo({ from: '+447400123456', to: '60000', text: 'STATUS?' });
      await sim.injectMo({ from: '+447400123457', to: '60000', text: long, order: [3, 1, 2] });
      const [short, whole] = await received;
      assert.equal(short!.payload, 'STATUS?');
      assert.equal(short!.topic, '+447400123456');
      const sms = short!.sms as Record<string, unknown>;
      assert.deepEqual([sms.from, sms.text, sms.connection, sms.connectionId, sms.incomplete], ['+447400123456', 'STATUS?', 'SMSC c1', 'c1', false]);
      assert.match(String(sms.to), /60000$/);
      assert.ok(Math.abs(Date.parse(String(sms.time)) - Date.now()) < 10_000);
      assert.equal(whole!.payload, long);
    });

    it('hears only the connection it was given', async () => {
      const a = await simulator();
      const b = await simulator();
      const flow: FlowNode[] = [
        smpp('a', a.port),
        smpp('b', b.port),
        { id: 'in', type: 'smsgate-receive', kind: 'smpp', smpp: 'b', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ];
      await helper.load(smsgateNodes, flow, credentials('a', 'b'));
      await until(() => a.sim.sessions() === 1 && b.sim.sessions() === 1, 5000, 'both binds');
      const received = nextMessages(helper.getNode('out'), 1);
      await a.sim.injectMo({ from: '+447400123456', to: '1', text: 'to a' });
      await b.sim.injectMo({ from: '+447400123456', to: '2', text: 'to b' });
      const [msg] = await received;
      assert.equal(msg!.payload, 'to b');
    });
  });

  describe('smsgate-modem', () => {
    const modems: ModemSimulator[] = [];
    afterEach(async () => {
      await helper.unload();
      await Promise.all(modems.splice(0).map((sim) => sim.stop()));
    });

    async function modem(options: ModemSimulatorOptions = {}): Promise<{ sim: ModemSimulator; path: string }> {
      const sim = new ModemSimulator({ link: join(userDir.dir, `modem${modems.length}`), statusReportDelayMs: 20, ...options });
      modems.push(sim);
      return { sim, path: (await sim.start()).path };
    }

    const modemNode = (id: string, path: string): FlowNode => ({ id, type: 'smsgate-modem', name: `GSM ${id}`, path, baudRate: '115200', mode: 'auto' });

    it('sends through a modem unlocked with the PIN from the credentials, reports delivery and receives', async () => {
      const { sim, path } = await modem({ pin: '4321' });
      const flow: FlowNode[] = [
        modemNode('m1', path),
        { id: 'send', type: 'smsgate-send', kind: 'modem', modem: 'm1', wires: [['out']] },
        { id: 'status', type: 'smsgate-status', output: 'reports', kind: 'modem', modem: 'm1', wires: [['reports']] },
        { id: 'in', type: 'smsgate-receive', kind: 'all', wires: [['inbound']] },
        { id: 'out', type: 'helper' },
        { id: 'reports', type: 'helper' },
        { id: 'inbound', type: 'helper' },
      ];
      await helper.load(smsgateNodes, flow, { m1: { pin: '4321' } });
      const connected = await statusWhere(helper.getNode('send'), (s) => s.fill === 'green', 20_000);
      assert.match(connected.text ?? '', /^connected: .* · 0 queued$/);

      const reported = nextMessages(helper.getNode('reports'), 1, 20_000);
      helper.getNode('send').receive({ payload: 'over the air', to: '+447400123456', correlation: 'gsm-1' });
      const [report] = await reported;
      assert.deepEqual(
        [(report!.payload as Report).correlation, (report!.payload as Report).state, (report!.payload as Report).connection],
        ['gsm-1', 'DELIVERED', 'GSM m1'],
      );
      assert.equal(sim.submits[0]!.text, 'over the air');

      const received = nextMessages(helper.getNode('inbound'), 1, 20_000);
      await sim.injectInbound({ from: '+447400123457', text: 'Thanks! Got it.' });
      const [inbound] = await received;
      assert.equal(inbound!.payload, 'Thanks! Got it.');
      assert.equal(inbound!.topic, '+447400123457');
    });

    it('tells the nodes that the SIM is missing, and that a PIN was refused, without the PIN', async () => {
      const missing = await modem();
      missing.sim.faults.failNext(/^AT\+CPIN\?/, '+CME ERROR: 10', 1000);
      const locked = await modem({ pin: '4321' });
      const flow: FlowNode[] = [
        modemNode('nosim', missing.path),
        modemNode('wrongpin', locked.path),
        { id: 'a', type: 'smsgate-send', kind: 'modem', modem: 'nosim', wires: [] },
        { id: 'b', type: 'smsgate-send', kind: 'modem', modem: 'wrongpin', wires: [] },
      ];
      await helper.load(smsgateNodes, flow, { wrongpin: { pin: '1111' } });
      const noSim = await statusWhere(helper.getNode('a'), (s) => /SIM not inserted/.test(s.text ?? ''), 20_000);
      assert.equal(noSim.fill, 'red');
      const refused = await statusWhere(helper.getNode('b'), (s) => /PIN/.test(s.text ?? '') && s.fill === 'red', 20_000);
      assert.doesNotMatch(refused.text ?? '', /1111/);
    });
  });

  describe('smsgate-lookup', () => {
    it('sends valid numbers, normalised with type and carrier, to the first output and anything else to the second', async () => {
      const flow: FlowNode[] = [
        { id: 'lookup', type: 'smsgate-lookup', region: 'GB', wires: [['valid'], ['invalid']] },
        { id: 'valid', type: 'helper' },
        { id: 'invalid', type: 'helper' },
      ];
      await helper.load(smsgateNodes, flow);
      const valid = nextMessages(helper.getNode('valid'), 2);
      const invalid = nextMessages(helper.getNode('invalid'), 4);
      const lookup = helper.getNode('lookup');
      lookup.receive({ payload: '07400 123456' });
      lookup.receive({ payload: '+12015550123', topic: 'kept' });
      lookup.receive({ payload: '12' });
      lookup.receive({ payload: { to: '+447400123456' } });
      lookup.receive({});
      lookup.receive({ payload: '07400 123456', region: 'ZZ' });

      const [uk, us] = await valid;
      assert.deepEqual(uk!.payload, { input: '07400 123456', valid: true, e164: '+447400123456', country: 'GB', type: 'MOBILE', carrier: 'Three' });
      assert.equal((us!.payload as { country: string }).country, 'US');
      assert.equal(us!.topic, 'kept');
      // Checked asynchronously, so they may leave in another order than they came.
      const codes = (await invalid).map((m) => {
        const payload = m.payload as { input: unknown; valid: boolean; error: { code: string } };
        assert.equal(payload.valid, false);
        return `${JSON.stringify(payload.input)} ${payload.error.code}`;
      });
      assert.deepEqual(codes.sort(), [
        '"07400 123456" REGION_UNKNOWN',
        '"12" NUMBER_TOO_SHORT',
        'undefined NUMBER_NOT_A_NUMBER',
        '{"to":"+447400123456"} NUMBER_NOT_A_NUMBER',
      ]);
    });
  });
});
