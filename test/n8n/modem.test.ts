/**
 * The n8n nodes over a GSM modem: the modem simulator on a real pseudo-terminal, the
 * smsGateModemApi credential, its test, a send, an inbound SMS through the trigger and a status
 * report carrying the message's correlation value.
 */
import assert from 'node:assert/strict';
import type { INodeCredentialTestResult } from 'n8n-workflow';
import { ModemSimulator } from '../../src/modem/simulator';
import { until } from '../helpers/until';
import { execute, trigger, type TriggerRun } from './fakes';
import { connectionFrom, connectionPool, smsGate, smsGateTrigger } from './helper';

describe('n8n: nodes over a GSM modem', function () {
  let sim: ModemSimulator;
  let credential: Record<string, unknown>;
  let run: TriggerRun | undefined;
  beforeEach(async () => {
    sim = new ModemSimulator({ pin: '4711', statusReportDelayMs: 20 });
    const { path } = await sim.start();
    credential = { path, baudRate: 115200, pin: '4711' };
  });
  afterEach(async () => {
    await run?.response.closeFunction?.();
    run = undefined;
    // The pool closes an unused modem after its idle second; then the port is free.
    const { transportId } = connectionFrom('modem', credential);
    await until(() => connectionPool().linkOf(transportId) === undefined, 10_000, 'the pool to close the modem');
    await sim.stop();
  });

  const test = (data: Record<string, unknown>): Promise<INodeCredentialTestResult> =>
    (smsGate.methods!.credentialTest!.smsGateModemTest as (this: unknown, c: unknown) => Promise<INodeCredentialTestResult>).call(
      {},
      { id: 'c2', name: 'Modem', type: 'smsGateModemApi', data },
    );

  it('the credential test opens the modem, unlocks the SIM and reports the network', async () => {
    const result = await test(credential);
    assert.equal(result.status, 'OK', result.message);
  });

  it('the credential test reports a wrong PIN without the PIN', async () => {
    const result = await test({ ...credential, pin: '0000' });
    assert.equal(result.status, 'Error');
    assert.match(result.message, /PIN/);
    assert.doesNotMatch(result.message, /0000/);
  });

  it('sends through the modem, emits an inbound SMS and a status report with its correlation value', async () => {
    run = await trigger(smsGateTrigger, {
      nodeType: 'smsGateTrigger',
      parameters: { connection: 'modem', events: ['inbound', 'report'] },
      credentials: { smsGateModemApi: credential },
    });
    const { output } = await execute(smsGate, {
      nodeType: 'smsGate',
      parameters: {
        resource: 'message',
        operation: 'send',
        connection: 'modem',
        to: '+447400123456',
        text: 'over the air',
        options: { correlation: 'modem-1' },
      },
      credentials: { smsGateModemApi: credential },
    });
    const sent = output[0]![0]!.json;
    assert.equal(sent.state, 'SUBMITTED');
    assert.equal(sim.submits[0]!.text, 'over the air');
    await sim.injectInbound({ from: '+447400123457', text: 'Thanks! Got it.' });
    await until(() => run!.emitted.length === 2, 10_000, 'the report and the inbound SMS');
    const events = run.emitted.map((data) => data[0]![0]!.json);
    const report = events.find((e) => e.event === 'report');
    const inbound = events.find((e) => e.event === 'inbound');
    assert.deepEqual([report?.messageId, report?.correlation, report?.state], [sent.id, 'modem-1', 'DELIVERED']);
    assert.deepEqual([inbound?.from, inbound?.text], ['+447400123457', 'Thanks! Got it.']);
    // The trigger holds the modem: the credential test reads its link rather than opening the port again.
    const held = await test(credential);
    assert.match(held.message, /open in this n8n process/);
  });
});
