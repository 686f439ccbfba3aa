/**
 * The SMS Gateway node's Wait Until: Final State without a trigger in the process: the send
 * binds so that its receipt reaches it (as far as the credential allows), or sees the report
 * another process stored in the shared store.
 */
import assert from 'node:assert/strict';
import { Gateway } from '../../src/gateway/gateway';
import { SmppTransport } from '../../src/smpp/transport';
import type { SmscSimulator } from '../../src/smpp/simulator';
import { SqliteStore } from '../../src/store/sqlite';
import { until } from '../helpers/until';
import { execute } from './fakes';
import { connectionFrom, PASSWORD, smsGate, startSmsc, stopSmsc, storePath, SYSTEM_ID } from './helper';

describe('n8n: SMS Gateway node, Wait Until: Final State', function () {
  this.timeout(60_000);
  let smsc: SmscSimulator;
  let credential: Record<string, unknown>;
  let binds: string[];
  beforeEach(async () => {
    ({ smsc, credential } = await startSmsc());
    binds = [];
    smsc.on('bind', ({ mode }) => binds.push(mode));
  });
  afterEach(() => stopSmsc(smsc));

  const send = (cred: Record<string, unknown>, options: Record<string, unknown>) =>
    execute(smsGate, {
      nodeType: 'smsGate',
      parameters: { resource: 'message', operation: 'send', connection: 'smpp', to: '+447400123456', text: 'wait for it', options },
      credentials: { smsGateSmppApi: cred },
    });

  it('with no trigger anywhere, binds to receive while it waits and outputs DELIVERED; then sends alone go back to a transmitter bind', async () => {
    const { output } = await send(credential, { waitUntil: 'final', correlation: 'order-5' });
    const json = output[0]![0]!.json;
    assert.equal(json.state, 'DELIVERED');
    assert.equal(json.timedOut, false);
    assert.equal(json.correlation, 'order-5');
    assert.equal(smsc.submits.length, 1);
    assert.equal(binds[0], 'transceiver', 'the credential bind, which can receive the receipt');
    await until(() => binds.includes('transmitter'), 10_000, 'the bind to fall back to a transmitter once the wait is over');
  });

  it("with a transmitter-only credential, ends with the report another process's receiver stored, and says why it cannot receive", async () => {
    // Another process (a trigger's n8n, say) holds a receiver bind to the same account, on the same store.
    const other = new Gateway({
      store: new SqliteStore(storePath()),
      transports: [
        new SmppTransport({
          id: connectionFrom('smpp', credential).transportId,
          host: '127.0.0.1',
          port: credential.port as number,
          systemId: SYSTEM_ID,
          password: PASSWORD,
          bind: 'receiver',
        }),
      ],
      routes: [],
    });
    const reports: string[] = [];
    other.on('report', ({ message }) => message && reports.push(`${message.id} ${message.state}`));
    await other.start();
    try {
      const { output, logged } = await send({ ...credential, bind: 'transmitter' }, { waitUntil: 'final', timeoutSeconds: 30 });
      const json = output[0]![0]!.json;
      assert.equal(json.state, 'DELIVERED');
      assert.equal(json.timedOut, false);
      assert.deepEqual(reports, [`${json.id as string} DELIVERED`], 'the other process stored the report');
      assert.deepEqual(binds.sort(), ['receiver', 'transmitter'], 'this execution never bound to receive');
      assert.ok(logged.some((l) => l.level === 'warn' && /transmitter only/.test(l.message)), JSON.stringify(logged));
    } finally {
      await other.stop();
    }
  });

  it('with a transmitter-only credential and nobody receiving, returns the state at the timeout, marked timedOut', async () => {
    const { output } = await send({ ...credential, bind: 'transmitter' }, { waitUntil: 'final', timeoutSeconds: 1 });
    const json = output[0]![0]!.json;
    assert.equal(json.state, 'SUBMITTED');
    assert.equal(json.timedOut, true);
    assert.deepEqual(binds, ['transmitter']);
  });

  it('without a delivery report asked for, waits only for the submit', async () => {
    const { output } = await send(credential, { waitUntil: 'final', deliveryReport: false, timeoutSeconds: 30 });
    const json = output[0]![0]!.json;
    assert.equal(json.state, 'SUBMITTED');
    assert.equal(json.timedOut, false);
    assert.deepEqual(binds, ['transmitter'], 'no report to receive: a transmitter bind');
  });
});
