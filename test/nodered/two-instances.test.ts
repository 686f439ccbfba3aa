/**
 * Two real Node-REDs sharing one store (issue 15 point 2): the package packed and installed as
 * the palette installs it, two Node-RED 5 processes on the pinned Node 24 with one flow (the
 * same node ids) and settings.js naming ONE sqlite file, both bound to the SMSC simulator with
 * one account, run the same flow: messages sent through the first; each one's delivery report
 * leaves a status node of either Node-RED exactly once, whichever of them got the receipt (the
 * simulator hands each to either bind).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmscSimulator } from '../../src/smpp/simulator';
import { until } from '../helpers/until';
import { freePort, runtimeLockfile, waitFor } from './real-node-red';

const ROOT = join(__dirname, '..', '..', '..');
const SYSTEM_ID = 'two-reds';
const PASSWORD = 'pw-two';

interface Instance {
  name: string;
  port: number;
  process: ChildProcess;
  log: string;
}

describe('two real Node-REDs on one sqlite store', function () {
  this.timeout(240_000);
  let dir: string;
  let userDir: string;
  let sim: SmscSimulator;
  let hook: Server;
  let hookPort: number;
  let simPort: number;
  const instances: Instance[] = [];
  /** Each report a status node posted: which Node-RED, the message id and correlation. */
  const reports: Array<{ from: string; id: string; correlation: string; state: string }> = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-two-reds-'));
    userDir = join(dir, 'node-red');
    mkdirSync(userDir);
    const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
    const tarball = join(dir, (JSON.parse(pack) as Array<{ filename: string }>)[0]!.filename);
    writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', version: '0.0.1', private: true }));
    writeFileSync(join(userDir, 'package-lock.json'), JSON.stringify(runtimeLockfile()));
    run('npm', ['install', '--no-audit', '--no-update-notifier', '--no-fund', '--save', '--omit=dev', '--offline', '--', tarball], userDir);

    sim = new SmscSimulator({ host: '127.0.0.1', port: 0, systemId: SYSTEM_ID, password: PASSWORD, dlrDelayMs: 20, receiptsTo: 'any' });
    simPort = (await sim.start()).port;
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const from = req.url!.slice('/report/'.length);
        const payload = JSON.parse(body) as { id: string; correlation: string; state: string };
        reports.push({ from, id: payload.id, correlation: payload.correlation, state: payload.state });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookPort = (hook.address() as AddressInfo).port;

    // One user directory (one install) and one store file; a flow file and a port each.
    const store = join(dir, 'shared.db');
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const settings = join(dir, `settings-${name}.js`);
      writeFileSync(
        settings,
        `module.exports = ${JSON.stringify({
          uiHost: '127.0.0.1',
          uiPort: port,
          httpAdminRoot: '/',
          httpNodeRoot: '/api',
          userDir,
          flowFile: `flows-${name}.json`,
          credentialSecret: 'two-reds-secret',
          telemetry: { enabled: false, updateNotification: false },
          smsgate: { store: { type: 'sqlite', path: store } },
        })};\n`,
      );
      const child = spawn(process.execPath, [require.resolve('node-red/red.js'), '--settings', settings, '--userDir', userDir], { stdio: ['ignore', 'pipe', 'pipe'] });
      const instance: Instance = { name, port, process: child, log: '' };
      child.stdout!.on('data', (chunk: Buffer) => (instance.log += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (instance.log += chunk.toString()));
      instances.push(instance);
      // One after the other: both write the user directory's runtime config at their first start.
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/settings`).catch(() => undefined))?.status === 200, 60_000, `Node-RED ${name}`).catch(
        (err: Error) => {
          throw new Error(`${err.message}:\n${instance.log.slice(-3000)}`);
        },
      );
    }
    for (const instance of instances) {
      await deploy(instance);
    }
    await until(() => sim.sessions() === 2, 30_000, 'both Node-REDs bound');
  });

  /** The same flow in both, as one project deployed twice (only where reports are posted says which). */
  async function deploy(instance: Instance): Promise<void> {
      const flow = [
        { id: 'tab', type: 'tab', label: 'two' },
        { id: 'smsc', type: 'smsgate-smpp', host: '127.0.0.1', port: String(simPort), bind: 'transceiver', window: '20', credentials: { systemId: SYSTEM_ID, password: PASSWORD } },
        { id: 'in', type: 'http in', z: 'tab', url: '/sms', method: 'post', wires: [['send']] },
        { id: 'send', type: 'smsgate-send', z: 'tab', kind: 'smpp', smpp: 'smsc', backupKind: 'none', deliveryReport: true, wires: [['ok']] },
        { id: 'ok', type: 'http response', z: 'tab', statusCode: '', wires: [] },
        { id: 'status', type: 'smsgate-status', z: 'tab', output: 'reports', kind: 'all', wires: [['report']] },
        { id: 'report', type: 'http request', z: 'tab', method: 'POST', ret: 'txt', paytoqs: 'ignore', url: `http://127.0.0.1:${hookPort}/report/${instance.name}`, wires: [[]] },
      ];
      const response = await fetch(`http://127.0.0.1:${instance.port}/flows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify(flow),
      });
      assert.equal(response.status, 204, await response.text());
  }

  after(async () => {
    for (const instance of instances) if (instance.process.exitCode === null) instance.process.kill('SIGKILL');
    await sim?.stop();
    await new Promise((resolve) => (hook ? hook.close(resolve) : resolve(undefined)));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') for (const i of instances) console.error(`--- Node-RED ${i.name}'s log ---\n${i.log.slice(-3000)}`);
  });

  /** Sends `total` messages through Node-RED a (correlation `<prefix><n>`), then one more; returns the reports of them, once all are in. */
  async function sendThroughA(prefix: string, total: number) {
    const [a] = instances;
    const ids = new Map<string, string>();
    const post = async (n: number | 'last') => {
      const to = n === 'last' ? '+447400199999' : `+4474001${String(n).padStart(5, '0')}`;
      const body = JSON.stringify({ to, text: `two ${prefix}${n}`, correlation: `${prefix}${n}` });
        // Right after a deploy the route may not be there yet (404: nothing was sent): posted again then.
      let response!: Response;
      await waitFor(
        async () => (response = await fetch(`http://127.0.0.1:${a!.port}/api/sms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status !== 404,
        30_000,
        'the flow to take the message',
      );
      const answer = await response.text();
      assert.equal(response.status, 200, answer);
      ids.set(`${prefix}${n}`, (JSON.parse(answer) as { id: string }).id);
    };
    const mine = () => reports.filter((r) => r.correlation.startsWith(prefix));
    for (let n = 0; n < total; n++) await post(n);
    await until(() => new Set(mine().map((r) => r.correlation)).size === total, 60_000, `reports for all ${total} messages`);
    // One more afterwards: by the time its report is out, an earlier one handed on twice in the
    // normal course (not after a lapsed lease) would have been posted too.
    await post('last');
    await until(() => mine().some((r) => r.correlation === `${prefix}last`), 30_000, 'the last report');

    const byCorrelation = new Map<string, number>();
    for (const r of mine()) byCorrelation.set(r.correlation, (byCorrelation.get(r.correlation) ?? 0) + 1);
    console.log(`      reports posted by Node-RED a: ${mine().filter((r) => r.from === 'a').length}, b: ${mine().filter((r) => r.from === 'b').length}`);
    assert.deepEqual([...byCorrelation.entries()].filter(([, n]) => n !== 1), [], 'no report twice');
    for (const [correlation, id] of ids) {
      const report = mine().find((r) => r.correlation === correlation)!;
      assert.deepEqual([report.id, report.state], [id, 'DELIVERED'], correlation);
    }
    return mine();
  }

  it('hands each delivery report of a message sent from one to a status node of either, exactly once in all', async () => {
    await sendThroughA('m', 30);
    assert.equal(sim.submits.filter((s) => s.commandStatus === 0).length, 31, 'each message submitted once');
  });
});

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 180_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}

