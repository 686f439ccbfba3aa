/**
 * The SMS Gateway node (`smsGate`) through a faithful fake of IExecuteFunctions, sending to the
 * SMSC simulator on loopback: one result per item with pairedItem, continueOnFail, errors
 * naming the item, the pooled bind reused across executions, and the credential test.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INodeCredentialTestResult, INodeTypeDescription } from 'n8n-workflow';
import type { SmscSimulator } from '../../src/smpp/simulator';
import { until } from '../helpers/until';
import { execute } from './fakes';
import { smsGate, smsGateTrigger, startSmsc, stopSmsc } from './helper';

const root = join(__dirname, '..', '..', '..');

function sendParameters(extra: Record<string, unknown> = {}) {
  return { resource: 'message', operation: 'send', connection: 'smpp', text: 'Hello from n8n', ...extra };
}

describe('n8n: SMS Gateway node', function () {
  describe('package', () => {
    it("lists the nodes and credentials n8n loads in the package's n8n section, with their icons and codex files", () => {
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      assert.equal(pkg.n8n.n8nNodesApiVersion, 1);
      assert.deepEqual(pkg.n8n.nodes, ['dist/n8n/SmsGate/SmsGate.node.js', 'dist/n8n/SmsGateTrigger/SmsGateTrigger.node.js']);
      for (const file of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) assert.ok(existsSync(join(root, file)), file);
      for (const node of [smsGate, smsGateTrigger]) {
        const { name, icon } = node.description;
        const dir = join(root, 'dist', 'n8n', name === 'smsGate' ? 'SmsGate' : 'SmsGateTrigger');
        const codex = JSON.parse(readFileSync(join(dir, `${name === 'smsGate' ? 'SmsGate' : 'SmsGateTrigger'}.node.json`), 'utf8'));
        assert.equal(codex.node, `@smsgate/n8n-nodes-smsgate.${name}`);
        const { light, dark } = icon as { light: string; dark: string };
        for (const file of [light, dark]) assert.ok(existsSync(join(dir, file.replace('file:', ''))), file);
      }
    });

    it('is usable as an AI tool and names a credential test for each credential', () => {
      const description: INodeTypeDescription = smsGate.description;
      assert.equal(description.usableAsTool, true);
      assert.deepEqual(
        description.credentials?.map((c) => [c.name, c.testedBy]),
        [
          ['smsGateSmppApi', 'smsGateSmppTest'],
          ['smsGateModemApi', 'smsGateModemTest'],
        ],
      );
      for (const node of [smsGate, smsGateTrigger]) {
        assert.deepEqual(Object.keys(node.methods?.credentialTest ?? {}), ['smsGateSmppTest', 'smsGateModemTest']);
      }
    });
  });

  describe('Number → Lookup', () => {
    it('answers each item, paired with it, without a credential; an invalid number is valid: false', async () => {
      const { output } = await execute(smsGate, {
        nodeType: 'smsGate',
        parameters: { resource: 'number', operation: 'lookup', number: (item: { json: Record<string, unknown> }) => item.json.phone, region: 'GB' },
        items: [{ phone: '07400 123456' }, { phone: '12' }],
      });
      assert.equal(output.length, 1);
      const [valid, invalid] = output[0]!;
      assert.deepEqual(valid, {
        json: { input: '07400 123456', valid: true, e164: '+447400123456', country: 'GB', type: 'MOBILE', carrier: 'Three' },
        pairedItem: { item: 0 },
      });
      assert.equal(invalid!.json.valid, false);
      assert.equal((invalid!.json.error as { code: string }).code, 'NUMBER_TOO_SHORT');
      assert.deepEqual(invalid!.pairedItem, { item: 1 });
    });
  });

  describe('Message → Send', () => {
    let smsc: SmscSimulator;
    let credential: Record<string, unknown>;
    beforeEach(async () => ({ smsc, credential } = await startSmsc()));
    afterEach(() => stopSmsc(smsc));

    it('sends one SMS per item, each result paired with its item, on one pooled transmitter bind reused by the next execution', async () => {
      const binds: string[] = [];
      smsc.on('bind', ({ mode }) => binds.push(mode));
      const run = () =>
        execute(smsGate, {
          nodeType: 'smsGate',
          parameters: sendParameters({
            to: (item: { json: Record<string, unknown> }) => item.json.to,
            from: 'ACME',
            options: { correlation: 'order-17' },
          }),
          credentials: { smsGateSmppApi: credential },
          items: [{ to: '+447400123456' }, { to: '+447400123457' }],
        });
      const first = await run();
      const second = await run();
      for (const { output } of [first, second]) {
        assert.equal(output[0]!.length, 2);
        output[0]!.forEach((item, index) => {
          assert.deepEqual(item.pairedItem, { item: index });
          assert.equal(item.json.state, 'SUBMITTED');
          assert.equal(item.json.to, `+44740012345${6 + index}`);
          assert.equal(item.json.correlation, 'order-17');
          assert.equal(item.json.from, 'ACME');
          assert.equal((item.json.providerIds as string[]).length, 1);
        });
      }
      assert.deepEqual(
        smsc.submits.map((s) => [s.destination.addr, s.text]),
        [
          ['447400123456', 'Hello from n8n'],
          ['447400123457', 'Hello from n8n'],
          ['447400123456', 'Hello from n8n'],
          ['447400123457', 'Hello from n8n'],
        ],
      );
      // Sends alone bind as a transmitter, so receipts go to a trigger's bind; both runs shared it.
      assert.deepEqual(binds, ['transmitter']);
    });

    it('returns at acceptance when asked, with the message still queued in the outbox', async () => {
      const { output } = await execute(smsGate, {
        nodeType: 'smsGate',
        parameters: sendParameters({ to: '+447400123456', options: { waitUntil: 'accepted' } }),
        credentials: { smsGateSmppApi: credential },
      });
      assert.equal(output[0]![0]!.json.state, 'QUEUED');
      await until(() => smsc.submits.length === 1, 5000, 'the outbox to submit it');
    });

    it('fails the execution with a NodeOperationError naming the item that cannot be sent', async () => {
      await assert.rejects(
        execute(smsGate, {
          nodeType: 'smsGate',
          parameters: sendParameters({ to: (item: { json: Record<string, unknown> }) => item.json.to }),
          credentials: { smsGateSmppApi: credential },
          items: [{ to: '+447400123456' }, { to: 'not a number' }],
        }),
        (err: Error & { context?: { itemIndex?: number } }) => {
          assert.equal(err.name, 'NodeOperationError');
          assert.equal(err.context?.itemIndex, 1);
          assert.match(err.message, /number/i);
          return true;
        },
      );
    });

    it('with Continue On Fail, gives the failing item an error, paired with it, and sends the others', async () => {
      const { output } = await execute(smsGate, {
        nodeType: 'smsGate',
        parameters: sendParameters({ to: (item: { json: Record<string, unknown> }) => item.json.to }),
        credentials: { smsGateSmppApi: credential },
        items: [{ to: '+447400123456' }, { to: '+44 9' }, { to: '+447400123458' }],
        continueOnFail: true,
      });
      const items = output[0]!;
      assert.deepEqual(
        items.map((item) => [item.pairedItem, item.json.state ?? item.json.code]),
        [
          [{ item: 0 }, 'SUBMITTED'],
          [{ item: 1 }, 'NUMBER_TOO_SHORT'],
          [{ item: 2 }, 'SUBMITTED'],
        ],
      );
      assert.equal(typeof items[1]!.json.error, 'string');
      assert.equal(smsc.submits.length, 2);
    });

    it('refuses a premium-rate number (the guard) as an error of that item', async () => {
      const { output } = await execute(smsGate, {
        nodeType: 'smsGate',
        parameters: sendParameters({ to: '+449098790000' }),
        credentials: { smsGateSmppApi: credential },
        continueOnFail: true,
      });
      assert.match(output[0]![0]!.json.error as string, /rejected: NUMBER_TYPE_BLOCKED/);
      assert.equal(smsc.submits.length, 0);
    });

    it('says why a bind is refused, without the password', async () => {
      await assert.rejects(
        execute(smsGate, {
          nodeType: 'smsGate',
          parameters: sendParameters({ to: '+447400123456' }),
          credentials: { smsGateSmppApi: { ...credential, password: 'wrong1' } },
        }),
        (err: Error & { context?: { itemIndex?: number } }) => {
          assert.equal(err.name, 'NodeOperationError');
          assert.equal(err.context?.itemIndex, 0);
          assert.match(err.message, /127\.0\.0\.1:\d+: .*(password|RINVPASWD)/i);
          assert.doesNotMatch(err.message, /wrong1/);
          return true;
        },
      );
      assert.equal(smsc.submits.length, 0);
    });

    it('refuses a credential that binds as receiver only', async () => {
      const { output } = await execute(smsGate, {
        nodeType: 'smsGate',
        parameters: sendParameters({ to: '+447400123456' }),
        credentials: { smsGateSmppApi: { ...credential, bind: 'receiver' } },
        continueOnFail: true,
      });
      assert.match(output[0]![0]!.json.error as string, /receiver only/);
    });

    it('names the bad credential field, and never a secret', async () => {
      const { output } = await execute(smsGate, {
        nodeType: 'smsGate',
        parameters: sendParameters({ to: '+447400123456' }),
        credentials: { smsGateSmppApi: { ...credential, port: 70000, systemId: 'a-system-id-far-too-long' } },
        continueOnFail: true,
      });
      const error = output[0]![0]!.json.error as string;
      assert.match(error, /smsGateSmppApi credential: .*port: expected 1\.\.65535/);
      assert.match(error, /systemId/);
      assert.doesNotMatch(error, /a-system-id-far-too-long/);
    });
  });

  describe('credential test', () => {
    let smsc: SmscSimulator;
    let credential: Record<string, unknown>;
    beforeEach(async () => ({ smsc, credential } = await startSmsc()));
    afterEach(() => stopSmsc(smsc));

    const test = (data: Record<string, unknown>): Promise<INodeCredentialTestResult> =>
      (smsGate.methods!.credentialTest!.smsGateSmppTest as (this: unknown, c: unknown) => Promise<INodeCredentialTestResult>).call(
        {},
        { id: 'c1', name: 'SMSC', type: 'smsGateSmppApi', data },
      );

    it('binds as the credential says, and unbinds again', async () => {
      const binds: string[] = [];
      smsc.on('bind', ({ mode }) => binds.push(mode));
      assert.deepEqual(await test(credential), { status: 'OK', message: 'bound as transceiver' });
      const both = await test({ ...credential, bind: 'transmitter+receiver' });
      assert.equal(both.status, 'OK');
      assert.deepEqual(binds.sort(), ['receiver', 'transceiver', 'transmitter']);
      assert.equal(smsc.sessions(), 0);
    });

    it('reports a refused bind without the password', async () => {
      const result = await test({ ...credential, password: 'wrong1' });
      assert.equal(result.status, 'Error');
      assert.match(result.message, /password|RINVPASWD/i);
      assert.doesNotMatch(result.message, /wrong1/);
    });

    it('reports an SMSC that is not there', async () => {
      const result = await test({ ...credential, port: 1 });
      assert.equal(result.status, 'Error');
      assert.match(result.message, /ECONNREFUSED|refused/i);
    });

    it('reports a bad field before connecting', async () => {
      assert.deepEqual(await test({ ...credential, host: '' }), {
        status: 'Error',
        message: 'smsGateSmppApi credential: host: missing required field',
      });
    });
  });
});
