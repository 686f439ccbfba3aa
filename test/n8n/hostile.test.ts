/**
 * The SMS Gateway node (through the fakes of test/n8n) against a hostile SMSC: a wrong password
 * is said in the SMSC's words, and an SMSC that answers with blank ids, random bodies, wrong
 * commands, unsolicited PDUs and broken framing leaves n8n's process up, with an answer for
 * every item.
 */
import assert from 'node:assert/strict';
import { HostileSmsc, type HostileAction } from '../../src/smpp/simulator';
import { watchProcess } from '../smpp/process-watch';
import { execute } from './fakes';
import { smsGate, startSmsc, stopSmsc } from './helper';

const send = (extra: Record<string, unknown> = {}) => ({ resource: 'message', operation: 'send', connection: 'smpp', text: 'Hello from n8n', ...extra });

describe('n8n: SMS Gateway node against a hostile SMSC', function () {
  this.timeout(60_000);
  const watch = watchProcess();

  it('says a wrong password as the SMSC refused it: ESME_RINVPASWD (wrong password)', async () => {
    const { smsc, credential } = await startSmsc();
    try {
      const { output } = await execute(smsGate, {
        nodeType: 'smsGate',
        parameters: send({ to: '+447400123456' }),
        credentials: { smsGateSmppApi: { ...credential, password: 'nope42' } },
        continueOnFail: true,
      });
      const error = output[0]![0]!.json.error as string;
      assert.match(error, /^127\.0\.0\.1:\d+: bind refused by the SMSC: ESME_RINVPASWD \(wrong password\); retry in 5 min$/);
      assert.doesNotMatch(error, /nope42/);
    } finally {
      await stopSmsc(smsc);
    }
  });

  it('stays up through blank message ids, random bodies, wrong commands and broken framing, answering every item', async () => {
    const misdeeds: HostileAction[] = [
      { kind: 'answer' }, // the bind
      { kind: 'blank-id', body: 'empty' },
      { kind: 'blank-id', body: 'none' },
      { kind: 'random-body', status: 0, body: Buffer.from([0x41, 0x42]) }, // message_id without its NUL
      { kind: 'wrong-command', commandId: 0x80000009, status: 0, body: Buffer.from('x\0') },
      { kind: 'unsolicited', commandId: 0x00000005, status: 0, sequence: 7, body: Buffer.from([1, 2, 3]) },
      { kind: 'random-body', status: 0x0b, body: Buffer.alloc(0) },
      { kind: 'bad-length', length: 3 },
    ];
    let played = 0;
    const smsc = new HostileSmsc({ script: () => misdeeds[played++] ?? { kind: 'answer' } });
    const { port } = await smsc.start();
    try {
      const items = Array.from({ length: 8 }, (_, i) => ({ to: `+4474001234${50 + i}` }));
      const { output } = await execute(smsGate, {
        nodeType: 'smsGate',
        parameters: send({ to: (item: { json: Record<string, unknown> }) => item.json.to, options: { timeoutSeconds: 20 } }),
        credentials: { smsGateSmppApi: { host: '127.0.0.1', port, systemId: 'hostile', password: 'x', bind: 'transceiver' } },
        items,
        continueOnFail: true,
      });
      assert.equal(output[0]!.length, items.length);
      const outcomes = output[0]!.map((item) => (item.json.error === undefined ? String(item.json.state) : 'error'));
      // Every item has its answer: submitted (a blank id too), or an error naming why.
      assert.ok(outcomes.every((o) => o === 'SUBMITTED' || o === 'error'), JSON.stringify(output[0]!.map((i) => i.json)));
      const blank = output[0]!.filter((item) => Array.isArray(item.json.providerIds) && (item.json.providerIds as string[])[0] === '');
      assert.ok(blank.length >= 2, 'the blank ids were taken as submitted, with no provider id');
      assert.ok(played >= misdeeds.length, `${played} requests answered`);
      assert.deepEqual(watch.failures(), []);
    } finally {
      smsc.dropAll();
      await smsc.stop();
    }
  });
});
