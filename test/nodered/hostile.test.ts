/**
 * The Node-RED nodes (node-red-node-test-helper's runtime, in this process) against a hostile
 * SMSC: the connection's status says a wrong password in the SMSC's words, and an SMSC that
 * answers with blank ids, random bodies, wrong commands and broken framing leaves the runtime
 * up (no unhandled rejection or uncaught exception in this process) and sending.
 */
import assert from 'node:assert/strict';
import { HostileSmsc, SmscSimulator, type HostileAction } from '../../src/smpp/simulator';
import { watchProcess } from '../smpp/process-watch';
import { freshUserDir, helper, nextMessages, smsgateNodes, statusWhere, type FlowNode } from './helper';

function flow(port: number): FlowNode[] {
  return [
    { id: 'c1', type: 'smsgate-smpp', name: 'SMSC', host: '127.0.0.1', port: String(port), bind: 'transceiver', window: '4' },
    { id: 'send', type: 'smsgate-send', kind: 'smpp', smpp: 'c1', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
}

describe('Node-RED nodes against a hostile SMSC', function () {
  this.timeout(60_000);
  const watch = watchProcess();
  let userDir: ReturnType<typeof freshUserDir>;

  before(async () => helper.startServer());
  after(async () => helper.stopServer());
  beforeEach(() => {
    userDir = freshUserDir();
  });
  afterEach(async () => {
    await helper.unload();
    userDir.remove();
  });

  it("shows a wrong password in the status as the SMSC refused it, without the password", async () => {
    const sim = new SmscSimulator({ host: '127.0.0.1', port: 0, systemId: 'nr', password: 'right' });
    const { port } = await sim.start();
    try {
      await helper.load(smsgateNodes, flow(port), { c1: { systemId: 'nr', password: 'wrong9' } });
      const status = await statusWhere(helper.getNode('send'), (s) => s.fill === 'red' && /ESME_RINVPASWD/.test(s.text ?? ''));
      assert.match(status.text!, /^error: bind refused by the SMSC: ESME_RINVPASWD \(wrong password\); retry in 5 min/);
      assert.doesNotMatch(status.text!, /wrong9/);
    } finally {
      await helper.unload();
      await sim.stop();
    }
  });

  it('stays up and keeps sending through blank ids, random bodies, wrong commands and broken framing', async () => {
    const misdeeds: HostileAction[] = [
      { kind: 'answer' }, // the bind
      { kind: 'blank-id', body: 'none' },
      { kind: 'blank-id', body: 'empty' },
      { kind: 'random-body', status: 0, body: Buffer.from([0xff, 0xfe]) },
      { kind: 'wrong-command', commandId: 0x80000015, status: 0, body: Buffer.alloc(0) },
      { kind: 'unsolicited', commandId: 0x0000000b, status: 0, sequence: 1, body: Buffer.from('outbind?') },
      { kind: 'random-bytes', bytes: Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]) },
    ];
    let played = 0;
    const smsc = new HostileSmsc({ script: () => misdeeds[played++] ?? { kind: 'answer' } });
    const { port } = await smsc.start();
    try {
      await helper.load(smsgateNodes, flow(port), { c1: { systemId: 'nr', password: 'x' } });
      await statusWhere(helper.getNode('send'), (s) => /^connected/.test(s.text ?? ''));
      const accepted = nextMessages(helper.getNode('out'), 6);
      for (let i = 0; i < 6; i++) helper.getNode('send').receive({ payload: `hostile ${i}`, to: `+4474001234${60 + i}` });
      await accepted;
      // After the misdeeds the SMSC behaves: a last message through the same runtime reaches it.
      const probe = new Promise<void>((resolve) =>
        smsc.on('accepted', ({ destination, messageId }) => {
          if (destination === '447400123499' && messageId !== '') resolve();
        }),
      );
      helper.getNode('send').receive({ payload: 'still here', to: '+447400123499' });
      await probe;
      assert.ok(played >= misdeeds.length, `${played} requests answered`);
      assert.deepEqual(watch.failures(), []);
    } finally {
      await helper.unload();
      smsc.dropAll();
      await smsc.stop();
    }
  });
});
