/**
 * The SMS Gateway Trigger (`smsGateTrigger`) through a faithful fake of ITriggerFunctions, on
 * the SMSC simulator: inbound SMS and delivery reports emitted once stored, acknowledged only
 * after, reports carrying the message id and correlation value also for messages another
 * gateway (another n8n process) sent through the same store, the bind following who uses the
 * connection, and manual mode.
 */
import assert from 'node:assert/strict';
import type { INodeExecutionData } from 'n8n-workflow';
import { Gateway } from '../../src/gateway/gateway';
import { SmppTransport } from '../../src/smpp/transport';
import type { SmscSimulator } from '../../src/smpp/simulator';
import { SqliteStore } from '../../src/store/sqlite';
import { until } from '../helpers/until';
import { execute, trigger, type TriggerRun } from './fakes';
import { connectionFrom, PASSWORD, smsGate, smsGateTrigger, startSmsc, stopSmsc, storePath, SYSTEM_ID } from './helper';

describe('n8n: SMS Gateway Trigger node', function () {
  let smsc: SmscSimulator;
  let credential: Record<string, unknown>;
  let run: TriggerRun | undefined;
  let binds: string[];
  beforeEach(async () => {
    ({ smsc, credential } = await startSmsc());
    binds = [];
    smsc.on('bind', ({ mode }) => binds.push(mode));
  });
  afterEach(async () => {
    await run?.response.closeFunction?.();
    run = undefined;
    await stopSmsc(smsc);
  });

  const activate = (parameters: Record<string, unknown> = {}, mode: 'trigger' | 'manual' = 'trigger') =>
    trigger(smsGateTrigger, {
      nodeType: 'smsGateTrigger',
      mode,
      parameters: { connection: 'smpp', events: ['inbound', 'report'], ...parameters },
      credentials: { smsGateSmppApi: credential },
    });
  const jsonOf = (emitted: INodeExecutionData[][][]) => emitted.map((data) => data[0]![0]!.json);

  it('binds as the credential says (transceiver) in trigger(), and unbinds in closeFunction', async () => {
    run = await activate();
    assert.deepEqual(binds, ['transceiver']);
    assert.equal(smsc.sessions(), 1);
    await run.response.closeFunction!();
    run = undefined;
    await until(() => smsc.sessions() === 0, 5000, 'the unbind');
  });

  it('emits an inbound SMS once it is stored, which is before it is acknowledged', async () => {
    run = await activate({ events: ['inbound'] });
    const store = new SqliteStore(storePath());
    await store.open();
    // What had happened when the SMSC got its deliver_sm_resp: the SMS is stored, and so is its
    // event in the store's feed (the transport answers once it is appended), which reaches the
    // trigger in whichever process listens: emitted here perhaps only after the answer.
    let storedAtAck: string[] | undefined;
    smsc.once('deliver-resp', () => {
      void store.listInbound(100).then((list) => (storedAtAck = list.map((m) => m.text)));
    });
    await smsc.injectMo({ from: '+447700900123', to: '+447700900555', text: 'Hello n8n, this is an inbound SMS' });
    await until(() => run!.emitted.length === 1 && storedAtAck !== undefined, 5000, 'the inbound event');
    await store.close();
    const [event] = jsonOf(run.emitted);
    assert.deepEqual(
      { ...event, id: typeof event!.id, receivedAt: typeof event!.receivedAt },
      {
        event: 'inbound',
        id: 'string',
        from: '+447700900123',
        to: '+447700900555',
        text: 'Hello n8n, this is an inbound SMS',
        receivedAt: 'string',
        incomplete: false,
      },
    );
    assert.ok(storedAtAck!.includes('Hello n8n, this is an inbound SMS'), 'stored before the deliver_sm_resp');
  });

  it('emits the delivery report of a message sent by the SMS Gateway node, with its id and correlation value', async () => {
    run = await activate({ events: ['report'] });
    const { output } = await execute(smsGate, {
      nodeType: 'smsGate',
      parameters: {
        resource: 'message',
        operation: 'send',
        connection: 'smpp',
        to: '+447400123456',
        text: 'Your order shipped',
        options: { correlation: 'order-42', waitUntil: 'final', timeoutSeconds: 10 },
      },
      credentials: { smsGateSmppApi: credential },
    });
    const sent = output[0]![0]!.json;
    // The trigger's transceiver carried the send too: one bind in this process.
    assert.deepEqual(binds, ['transceiver']);
    assert.equal(sent.state, 'DELIVERED');
    await until(() => run!.emitted.length === 1, 5000, 'the report event');
    const [report] = jsonOf(run.emitted);
    assert.equal(report!.event, 'report');
    assert.equal(report!.messageId, sent.id);
    assert.equal(report!.correlation, 'order-42');
    assert.equal(report!.to, '+447400123456');
    assert.equal(report!.state, 'DELIVERED');
    assert.equal(report!.final, true);
    assert.deepEqual([report!.providerId], sent.providerIds);
  });

  it('matches a report to a message another process sent, through the shared store', async () => {
    run = await activate({ events: ['report'] });
    // Another n8n process: its own gateway on the same sqlite file, sending on a transmitter
    // bind (as the pool binds for sends alone), under the same transport id.
    const { transportId } = connectionFrom('smpp', credential);
    const other = new Gateway({
      store: new SqliteStore(storePath()),
      transports: [
        new SmppTransport({
          id: transportId,
          host: '127.0.0.1',
          port: credential.port as number,
          systemId: SYSTEM_ID,
          password: PASSWORD,
          bind: 'transmitter',
        }),
      ],
      routes: [],
    });
    await other.start();
    try {
      const sent = await other.send({ to: '+447400123456', text: 'From the worker', correlation: 'invoice-9', transports: [transportId] });
      await until(() => run!.emitted.length === 1, 10_000, 'the report at the trigger');
      const [report] = jsonOf(run.emitted);
      assert.equal(report!.messageId, sent.id);
      assert.equal(report!.correlation, 'invoice-9');
      assert.equal(report!.state, 'DELIVERED');
    } finally {
      await other.stop();
    }
  });

  it('emits one report per message by default, and one per segment without Final Reports Only', async () => {
    run = await activate({ events: ['report'] });
    const long = 'x'.repeat(200); // two segments
    const send = () =>
      execute(smsGate, {
        nodeType: 'smsGate',
        parameters: { resource: 'message', operation: 'send', connection: 'smpp', to: '+447400123456', text: long },
        credentials: { smsGateSmppApi: credential },
      });
    await send();
    await until(() => run!.emitted.length === 1, 5000, 'the final report');
    await run.response.closeFunction!();
    run = await activate({ events: ['report'], options: { finalOnly: false } });
    await send();
    await until(() => run!.emitted.length === 2, 5000, 'a report per segment');
    assert.deepEqual(
      jsonOf(run.emitted).map((r) => [r.reportState, r.final]),
      [
        ['DELIVERED', false],
        ['DELIVERED', true],
      ],
    );
  });

  it('lets the bind follow its users: transmitter for sends, the credential’s mode while a trigger listens', async () => {
    const send = () =>
      execute(smsGate, {
        nodeType: 'smsGate',
        parameters: { resource: 'message', operation: 'send', connection: 'smpp', to: '+447400123456', text: 'hi' },
        credentials: { smsGateSmppApi: credential },
      });
    await send();
    run = await activate();
    await send();
    await run.response.closeFunction!();
    run = undefined;
    await send();
    assert.deepEqual(binds, ['transmitter', 'transceiver', 'transmitter']);
    assert.equal(smsc.submits.length, 3);
  });

  it('in manual mode, gives n8n the first event as the test output, without taking it from the active trigger', async () => {
    // The workflow is active, and its trigger is also listened to for a test event: the same
    // workflow and node, which would share one listener id, so one event would go to one of them.
    run = await activate();
    const test = await activate({}, 'manual');
    try {
      await smsc.injectMo({ from: '+447700900123', to: '60123', text: 'first' });
      const data = await test.response.manualTriggerResponse!;
      assert.equal(data[0]![0]!.json.text, 'first');
      await until(() => run!.emitted.length === 1, 5000, 'the active trigger to have it too');
      assert.equal(jsonOf(run.emitted)[0]!.text, 'first');
    } finally {
      await test.response.closeFunction!();
    }
  });

  it('refuses to activate with a credential that cannot receive, or a bind the SMSC refuses', async () => {
    await assert.rejects(
      trigger(smsGateTrigger, {
        nodeType: 'smsGateTrigger',
        parameters: { connection: 'smpp', events: ['inbound'] },
        credentials: { smsGateSmppApi: { ...credential, bind: 'transmitter' } },
      }),
      { name: 'NodeOperationError', message: /transmitter only/ },
    );
    await assert.rejects(
      trigger(smsGateTrigger, {
        nodeType: 'smsGateTrigger',
        parameters: { connection: 'smpp', events: ['inbound'] },
        credentials: { smsGateSmppApi: { ...credential, password: 'nope' } },
      }),
      (err: Error) => err.name === 'NodeOperationError' && !err.message.includes('nope') && /password|RINVPASWD/i.test(err.message),
    );
  });
});
