/**
 * End to end, as a user gets it: `npm pack`, the tarball installed into a fresh Node-RED user
 * directory the way the palette manager installs it, a real Node-RED (a child process on
 * loopback), a flow deployed over the admin API that sends through the SMSC simulator (in this
 * process), and the delivery report leaving smsgate-status (an http request node posts it back
 * here). Then traffic across a redeploy of the connection and a full redeploy: every message
 * reaches the simulator and a final state. Then a shutdown that unbinds.
 *
 * Twice: Node-RED 5 on the pinned Node 24, and Node-RED 4 on the machine's own Node 20 (as on
 * a Raspberry Pi), installed and run by that Node's own npm and node. Node 20 has no
 * node:sqlite, so there the outbox falls back to memory and the log and the send node's status
 * must say so; on Node 24 it is smsgate.db in the user directory.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmscSimulator } from '../../src/smpp/simulator';
import { until } from '../helpers/until';
import { freePort, runtimeLockfile, waitFor } from './real-node-red';
import { machineNode } from './machine-node';

const ROOT = join(__dirname, '..', '..', '..');
const PACKAGE = '@smsgate/n8n-nodes-smsgate';
const SYSTEM_ID = 'e2e-sysid';
const PASSWORD = 'pw-e2e';
const TYPES = ['smsgate-smpp', 'smsgate-modem', 'smsgate-send', 'smsgate-receive', 'smsgate-status', 'smsgate-lookup'];

/** The words, written out here so that a change to the node's wording fails the test. */
const MEMORY_NOTE = 'outbox in memory: this Node has no node:sqlite (needs 22.13); queued messages are lost on restart';

interface Report {
  id: string;
  correlation: string | null;
  state: string;
  reportState: string;
}

interface Runtime {
  /** The Node-RED this run starts: the package, or its npm alias in our devDependencies. */
  nodeRed: 'node-red' | 'node-red-4';
  major: number;
  title: string;
  /** The Node that installs the package (with its npm) and runs Node-RED. */
  node(): { path: string; version: string; sqlite: boolean; env: NodeJS.ProcessEnv };
}

const RUNTIMES: Runtime[] = [
  {
    nodeRed: 'node-red',
    major: 5,
    title: 'Node-RED 5 on the pinned Node 24',
    node: () => ({ path: process.execPath, version: process.versions.node, sqlite: true, env: process.env }),
  },
  { nodeRed: 'node-red-4', major: 4, title: "Node-RED 4 on the machine's own Node 20", node: machineNode },
];

for (const runtime of RUNTIMES) endToEnd(runtime);

function endToEnd(runtime: Runtime): void {
  describe(`Node-RED end to end (${runtime.title}): packed, installed as from the palette, in a real Node-RED`, function () {
    this.timeout(240_000);
    let node: ReturnType<Runtime['node']>;
    let dir: string;
    let userDir: string;
    let sim: SmscSimulator;
    let simPort: number;
    let hook: Server;
    let hookPort: number;
    let redPort: number;
    let red: ChildProcess | undefined;
    let redLog = '';
    const reports: Report[] = [];
    /** What the send node's status said, in order (a status node posts each one here). */
    const statuses: Array<{ fill?: string; text?: string }> = [];

    const admin = (path: string) => `http://127.0.0.1:${redPort}${path}`;

    before(async function () {
      node = runtime.node();
      dir = mkdtempSync(join(tmpdir(), 'smsgate-e2e-'));
      userDir = join(dir, 'node-red');
      mkdirSync(userDir);

      // The tarball of what `npm test` just built; --ignore-scripts so packing does not rebuild
      // dist/ under the other tests' feet.
      const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT, process.env);
      const tarball = join(dir, (JSON.parse(pack) as Array<{ filename: string }>)[0]!.filename);

      // The palette manager's own command, in a user directory like the one Node-RED creates.
      // The test stays off the network: the directory's lockfile already names the versions our
      // lockfile tested (what a registry install resolves to today), and --offline takes their
      // tarballs from the npm cache that `npm ci` filled.
      writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }));
      writeFileSync(join(userDir, 'package-lock.json'), JSON.stringify(runtimeLockfile()));
      const palette = ['install', '--no-audit', '--no-update-notifier', '--no-fund', '--save', '--save-prefix=~', '--omit=dev', '--engine-strict'];
      run('npm', [...palette, '--offline', '--', tarball], userDir, node.env);

      sim = new SmscSimulator({ host: '127.0.0.1', port: 0, systemId: SYSTEM_ID, password: PASSWORD, dlrDelayMs: 100 });
      simPort = (await sim.start()).port;

      hook = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          if (req.url === '/report') reports.push(JSON.parse(body) as Report);
          if (req.url === '/status') statuses.push(JSON.parse(body) as { fill?: string; text?: string });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      hookPort = (hook.address() as AddressInfo).port;

      redPort = await freePort();
      const settings = join(dir, 'settings.js');
      writeFileSync(
        settings,
        `module.exports = ${JSON.stringify({
          uiHost: '127.0.0.1',
          uiPort: redPort,
          httpAdminRoot: '/',
          httpNodeRoot: '/api',
          userDir,
          flowFile: 'flows.json',
          credentialSecret: 'e2e-credential-secret',
          telemetry: { enabled: false, updateNotification: false },
          logging: { console: { level: 'info' } },
        })};\n`,
      );
      red = spawn(node.path, [require.resolve(`${runtime.nodeRed}/red.js`), '--settings', settings, '--userDir', userDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: node.env,
      });
      red.stdout!.on('data', (chunk: Buffer) => (redLog += chunk.toString()));
      red.stderr!.on('data', (chunk: Buffer) => (redLog += chunk.toString()));
      await waitFor(async () => (await fetch(admin('/settings')).catch(() => undefined))?.status === 200, 60_000, 'Node-RED to answer');
    });

    it(`is Node-RED ${runtime.major} on the Node it was given`, async () => {
      const { version } = (await (await fetch(admin('/settings'))).json()) as { version: string };
      assert.equal(version.split('.')[0], String(runtime.major), version);
      assert.match(redLog, new RegExp(`Node\\.js\\s+version: v${node.version.replaceAll('.', '\\.')}\\b`));
    });

    after(async () => {
      if (red !== undefined && red.exitCode === null) red.kill('SIGKILL');
      await sim?.stop();
      await new Promise((resolve) => (hook ? hook.close(resolve) : resolve(undefined)));
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') console.error(`--- Node-RED's log ---\n${redLog}`);
    });

    function flow(connection: Record<string, unknown>): Array<Record<string, unknown>> {
      return [
        { id: 'tab', type: 'tab', label: 'e2e' },
        { id: 'smsc', type: 'smsgate-smpp', host: '127.0.0.1', port: String(simPort), bind: 'transceiver', window: '20', ...connection },
        { id: 'in', type: 'http in', z: 'tab', url: '/sms', method: 'post', wires: [['send']] },
        { id: 'send', type: 'smsgate-send', z: 'tab', kind: 'smpp', smpp: 'smsc', backupKind: 'none', deliveryReport: true, wires: [['ok']] },
        { id: 'ok', type: 'http response', z: 'tab', statusCode: '', wires: [] },
        { id: 'errors', type: 'catch', z: 'tab', scope: ['send'], uncaught: false, wires: [['why']] },
        {
          id: 'why',
          type: 'change',
          z: 'tab',
          rules: [
            { t: 'set', p: 'statusCode', pt: 'msg', to: '400', tot: 'num' },
            { t: 'set', p: 'payload', pt: 'msg', to: 'error', tot: 'msg' },
          ],
          wires: [['ok']],
        },
        { id: 'status', type: 'smsgate-status', z: 'tab', output: 'reports', kind: 'all', wires: [['report']] },
        { id: 'report', type: 'http request', z: 'tab', method: 'POST', ret: 'txt', paytoqs: 'ignore', url: `http://127.0.0.1:${hookPort}/report`, wires: [[]] },
        { id: 'watch', type: 'status', z: 'tab', scope: ['send'], wires: [['shown']] },
        { id: 'shown', type: 'change', z: 'tab', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'status', tot: 'msg' }], wires: [['post-status']] },
        { id: 'post-status', type: 'http request', z: 'tab', method: 'POST', ret: 'txt', paytoqs: 'ignore', url: `http://127.0.0.1:${hookPort}/status`, wires: [[]] },
      ];
    }

    async function deploy(nodes: Array<Record<string, unknown>>, type: 'full' | 'nodes'): Promise<void> {
      const response = await fetch(admin('/flows'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': type },
        body: JSON.stringify(nodes),
      });
      assert.equal(response.status, 204, await response.text());
    }

    /** Posts one message until the flow accepts it; the idempotency key makes a retry safe. */
    async function send(n: number): Promise<{ id: string; state: string }> {
      const body = JSON.stringify({ to: `+4474001${String(n).padStart(5, '0')}`, text: `e2e message ${n}`, correlation: `m${n}`, idempotencyKey: `e2e-${n}` });
      for (let attempt = 1; ; attempt++) {
        try {
          const response = await fetch(admin('/api/sms'), { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(3000) });
          const answer = (await response.json()) as { id: string; state: string; message?: string };
          if (response.status === 200) return answer;
          assert.notEqual(response.status, 400, `message ${n} refused: ${answer.message}`);
        } catch (err) {
          // A redeploy in progress: the route is gone for a moment (404) or the send node that
          // got the request was being replaced (no answer). Try again.
          if (err instanceof assert.AssertionError || attempt === 40) throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    it('loads every node type from the installed tarball', async () => {
      const installed = join(userDir, 'node_modules', ...PACKAGE.split('/'));
      for (const file of ['dist/node-red/smsgate.js', 'dist/node-red/smsgate.html', 'dist/node-red/icons/sms.svg', 'dist/node-red/locales/en-US/smsgate.html', 'dist/index.js']) {
        assert.ok(existsSync(join(installed, file)), `${file} is in the package`);
      }
      const sets = (await (await fetch(admin('/nodes'), { headers: { accept: 'application/json' } })).json()) as Array<{ module: string; types: string[]; err?: string }>;
      const ours = sets.filter((set) => set.module === PACKAGE);
      assert.equal(ours.length, 1, JSON.stringify(sets.map((s) => s.module)));
      assert.equal(ours[0]!.err, undefined);
      assert.deepEqual([...ours[0]!.types].sort(), [...TYPES].sort());
    });

    it('offers the example flows in the import menu, using only node types this Node-RED has', async () => {
      const library = admin(`/library/examples/flows/${PACKAGE}/`);
      assert.deepEqual(await (await fetch(library)).json(), ['node-red']);
      const examples = (await (await fetch(`${library}node-red/`)).json()) as Array<{ fn: string }>;
      assert.deepEqual(examples.map((e) => e.fn), ['1-send-on-inject', '2-iot-alert-pipeline', '3-auto-reply', '4-delivery-reports', 'demo']);
      const sets = (await (await fetch(admin('/nodes'), { headers: { accept: 'application/json' } })).json()) as Array<{ types: string[] }>;
      const known = new Set(['tab', ...sets.flatMap((set) => set.types)]);
      for (const { fn } of examples) {
        const nodes = (await (await fetch(`${library}node-red/${fn}`)).json()) as Array<{ type: string }>;
        assert.deepEqual(nodes.map((n) => n.type).filter((type) => !known.has(type)), [], fn);
      }
    });

    it('sends through the SMSC simulator from a flow deployed over the admin API; the delivery report leaves smsgate-status', async () => {
      await deploy(flow({ name: 'Simulator', maxPerSecond: '5', credentials: { systemId: SYSTEM_ID, password: PASSWORD } }), 'full');
      await until(() => sim.sessions() === 1, 20_000, 'the bind');

      const accepted = await send(0);
      assert.equal(accepted.state, 'QUEUED');
      await until(() => reports.some((r) => r.id === accepted.id), 20_000, 'the delivery report');
      const report = reports.find((r) => r.id === accepted.id)!;
      assert.deepEqual([report.correlation, report.state, report.reportState], ['m0', 'DELIVERED', 'DELIVERED']);
      assert.equal(sim.submits[0]!.text, 'e2e message 0');

      // Bad input reaches the flow's Catch node with its code.
      const refused = await fetch(admin('/api/sms'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"to":"+4412","text":"x"}' });
      assert.equal(refused.status, 400);
      assert.equal(((await refused.json()) as { code: string }).code, 'NUMBER_TOO_SHORT');

      // The secrets are in the encrypted credentials file only.
      const files = ['flows.json', 'flows_cred.json'].map((f) => readFileSync(join(userDir, f), 'utf8')).join('\n');
      assert.doesNotMatch(files, new RegExp(`${PASSWORD}|${SYSTEM_ID}`));
    });

    if (runtime.nodeRed === 'node-red-4') {
      it('on a Node without node:sqlite, and no store in settings.js, keeps the outbox in memory and says so in the log and the status', async () => {
        assert.equal(node.sqlite, false, `the machine's Node ${node.version} has node:sqlite: this run needs one without (Node 20)`);
        assert.ok(!existsSync(join(userDir, 'smsgate.db')), 'no sqlite file was made');
        assert.equal(count(redLog, MEMORY_NOTE), 1, `the log says it once:\n${redLog}`);
        assert.match(redLog, new RegExp(`\\[warn\\] smsgate: ${escape(MEMORY_NOTE)}`));
        await until(() => statuses.some((s) => s.text?.startsWith('connected') === true), 20_000, 'a connected status');
        const shown = statuses.filter((s) => s.text?.startsWith('connected'));
        assert.match(shown.at(-1)!.text!, new RegExp(`^connected: bound as transceiver · \\d+ queued · ${escape(MEMORY_NOTE)}$`));
        assert.equal(shown.at(-1)!.fill, 'green');
      });
    } else {
      it('keeps the outbox in smsgate.db in the user directory, and the status shows the link and the queue', async () => {
        assert.ok(existsSync(join(userDir, 'smsgate.db')), 'the outbox is in the user directory');
        assert.doesNotMatch(redLog, /outbox in memory/);
        await until(() => statuses.some((s) => s.text?.startsWith('connected') === true), 20_000, 'a connected status');
        const shown = statuses.filter((s) => s.text?.startsWith('connected'));
        assert.match(shown.at(-1)!.text!, /^connected: bound as transceiver · \d+ queued$/);
        assert.deepEqual(statuses.filter((s) => /memory/.test(s.text ?? '')), []);
      });
    }

    it('loses nothing when the connection is redeployed, and then everything, in the middle of traffic', async () => {
      const total = 60;
      const ids = new Map<number, string>();
      let next = 1;
      // Four clients, faster than the connection's rate limit: a backlog waits in the outbox.
      const clients = Array.from({ length: 4 }, async () => {
        while (next <= total) {
          const n = next++;
          ids.set(n, (await send(n)).id);
        }
      });
      const traffic = Promise.all(clients);

      let binds = 0;
      sim.on('bind', () => binds++);
      const deliveries: string[] = [];
      /** Receipts sent and not yet answered, by session (a closed session's go out again elsewhere). */
      const receiptsOut = new Map<number, number>();
      const receiptsStored = new Set<string>();
      sim.on('deliver', (e) => receiptsOut.set(e.sessionId, (receiptsOut.get(e.sessionId) ?? 0) + 1));
      sim.on('close', (e) => receiptsOut.delete(e.sessionId));
      sim.on('deliver-resp', (e) => {
        receiptsOut.set(e.sessionId, (receiptsOut.get(e.sessionId) ?? 0) - 1);
        if (e.commandStatus === 0 && e.messageId !== undefined) receiptsStored.add(e.messageId);
        deliveries.push(`${e.messageId}: ${e.commandStatus} on session ${e.sessionId}`);
      });
      /** No receipt is on its way, and the report of each one the flow's connection stored has left the status node. */
      const reportsSettled = () => {
        if ([...receiptsOut.values()].some((out) => out > 0)) return false;
        const stored = sim.submits.filter((s) => s.messageId !== null && receiptsStored.has(s.messageId));
        const id = (text: string | null) => ids.get(Number((text ?? '').replace('e2e message ', '')));
        return stored.every((s) => id(s.text) === undefined || reports.some((r) => r.id === id(s.text)));
      };
      /** Accepted by the flow and not yet seen by the SMSC: the backlog a redeploy must keep. */
      const backlog = () => {
        const seen = new Set(sim.submits.map((s) => s.text));
        return [...ids.keys()].filter((n) => !seen.has(`e2e message ${n}`)).length;
      };

      // Each redeploy goes out while some accepted messages have not reached the SMSC yet; on a
      // slow machine the clients may not outrun the rate limit all the time, so wait for a moment
      // when they do.
      await until(() => ids.size >= 15 && backlog() > 0, 30_000, '15 messages accepted, some still waiting');
      // Edit the connection (a "modified nodes" deploy: it and the send node restart); the
      // credentials are not sent again, as the editor does not send unchanged ones.
      await deploy(flow({ name: 'Simulator (edited)', maxPerSecond: '8' }), 'nodes');
      await until(() => ids.size >= 35 && backlog() > 0, 60_000, '35 messages accepted, some still waiting');
      // Then everything: the full deploy restarts the status node and the nodes that post what it
      // sends, and Node-RED drops a message sent to a node that the deploy stops before it handles
      // it (README, "Redeploys lose nothing"). So the SMSC holds its receipts (submits carry on),
      // the reports of those already answered arrive, and only then does the deploy go out; the
      // receipts held meanwhile reach the new deployment's status node.
      sim.setFaults({ holdDeliveries: true });
      await until(reportsSettled, 30_000, 'the reports of the receipts stored so far');
      await deploy(flow({ name: 'Simulator (edited)', maxPerSecond: '8' }), 'full');
      sim.setFaults({ holdDeliveries: false });
      await traffic;

      const expected = [...ids.entries()];
      await until(() => expected.every(([, id]) => reports.some((r) => r.id === id)), 90_000, `reports for all ${total} messages`).catch(
        (err: Error) => {
          // Which messages, and how far each got, so a failure says where to look.
          const missing = expected.filter(([, id]) => !reports.some((r) => r.id === id));
          const seen = (n: number) => sim.submits.filter((s) => s.text === `e2e message ${n}`).map((s) => s.commandStatus);
          const file = join(userDir, 'smsgate.db');
          const { DatabaseSync } = require('node:sqlite') as typeof import('node:sqlite');
          const db = existsSync(file) ? new DatabaseSync(file, { readOnly: true }) : undefined;
          const stored = (id: string) => (db === undefined ? 'in memory' : db.prepare('SELECT state, lease_owner, doc FROM messages WHERE id = ?').get(id));
          const detail = missing
            .map(([n, id]) => `message ${n}: submits ${JSON.stringify(seen(n))}, stored ${JSON.stringify(stored(id))}`)
            .join('; ');
          db?.close();
          throw new Error(`${err.message}: ${detail}\nreceipts answered: ${deliveries.join(', ')}\n${redLog.slice(-3000)}`);
        },
      );
      for (const [n, id] of expected) {
        const report = reports.find((r) => r.id === id)!;
        assert.deepEqual([report.correlation, report.state], [`m${n}`, 'DELIVERED'], `message ${n}`);
      }
      const texts = new Set(sim.submits.filter((s) => s.commandStatus === 0).map((s) => s.text));
      assert.deepEqual(expected.filter(([n]) => !texts.has(`e2e message ${n}`)), []);
      assert.ok(binds >= 2, `bound again after each redeploy (${binds} binds)`);
      // The memory fallback is said once per Node-RED, not again on each redeploy.
      assert.equal(count(redLog, MEMORY_NOTE), node.sqlite ? 0 : 1);
    });

    it('unbinds from the SMSC and exits when Node-RED is stopped', async () => {
      assert.equal(sim.sessions(), 1);
      const unbound = new Promise((resolve) => sim.once('unbind', resolve));
      const exited = new Promise<number | null>((resolve) => red!.once('exit', (code) => resolve(code)));
      red!.kill('SIGINT');
      await unbound;
      assert.equal(await exited, 0);
      assert.equal(sim.sessions(), 0);
    });
  });
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 180_000, env });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

function escape(text: string): string {
  return text.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

