/**
 * Two real Node-REDs sharing one store (issue 15 point 2 and its done-when "two real Node-RED
 * instances on one Redis: a message sent from one, its report in a status node of either"):
 * the package packed and installed as the palette installs it, two Node-RED 5 processes on the
 * pinned Node 24 with one flow (the same node ids) and settings.js naming ONE store, both bound
 * to the SMSC simulator with one account, run the same flow: messages sent through the first
 * are each submitted once (by either bind: on a shared outbox either gateway may claim it); each
 * one's delivery report leaves a status node of either Node-RED exactly once, with the message's
 * id and correlation, whichever of them got the receipt (the simulator hands each to either
 * bind).
 *
 * Run on both shared stores settings.js can name: one sqlite file (two processes on one
 * machine) and a real redis-server this file starts, with a password (processes on several
 * machines). The Redis password is in settings.js only: it must not reach the log, the flows,
 * /settings or any node's status, also when Redis refuses it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmscSimulator } from '../../src/smpp/simulator';
import { createStore, SqliteStore, type StoreConfig } from '../../src/store';
import { RedisServer } from '../helpers/redis-server';
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

/** A shared store of one kind: what settings.js says for it, and how to end it. */
interface SharedStore {
  settings: StoreConfig;
  /** Texts that must appear nowhere a Node-RED shows (log, flows, /settings, status). */
  secrets: string[];
  dispose(): Promise<void>;
}

describe('two real Node-REDs on one store', function () {
  this.timeout(240_000);
  let dir: string;
  let userDir: string;

  // One pack and one install (one user directory) for both stores: each store's Node-REDs have their own flow files.
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-two-reds-'));
    userDir = join(dir, 'node-red');
    mkdirSync(userDir);
    const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
    const tarball = join(dir, (JSON.parse(pack) as Array<{ filename: string }>)[0]!.filename);
    writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', version: '0.0.1', private: true }));
    writeFileSync(join(userDir, 'package-lock.json'), JSON.stringify(runtimeLockfile()));
    run('npm', ['install', '--no-audit', '--no-update-notifier', '--no-fund', '--save', '--omit=dev', '--offline', '--', tarball], userDir);
  });

  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  sharedStoreSuite('sqlite', async () => ({ settings: { type: 'sqlite', path: join(dir, 'shared.db') }, secrets: [], dispose: async () => undefined }));

  let redis: RedisServer | undefined;
  const redisPassword = `nr-redis-${randomBytes(8).toString('hex')}`;
  sharedStoreSuite(
    'redis',
    async () => {
      redis = await RedisServer.start({ requirepass: redisPassword });
      return {
        settings: { type: 'redis', url: redis.url(), prefix: 'two-reds' },
        secrets: [redisPassword],
        dispose: async () => redis?.dispose(),
      };
    },
    (suite) => {
      it('keeps the Redis password out of the log, the flows, /settings and every status, also of a Node-RED whose password Redis refuses', async () => {
        const wrong = `nr-wrong-${randomBytes(8).toString('hex')}`;
        const refused = await suite.startInstance('c', { type: 'redis', url: redis!.url(undefined, wrong), prefix: 'two-reds' });
        await suite.deploy(refused);
        // Its gateway cannot start: the log and the send node's status say why, naming store.url.
        await until(() => /store\.url/.test(refused.log), 30_000, "Node-RED c's log to name store.url");
        await until(() => suite.statuses.some((s) => s.from === 'c' && s.source === 'send' && /^error: store\.url/.test(s.text)), 30_000, "c's send status to say why");
        const said = suite.statuses.filter((s) => s.from === 'c' && s.source === 'send').at(-1)!;
        console.log(`      c's log: ${refused.log.split('\n').find((line) => line.includes('store.url'))?.trim()}\n      c's send status: ${said.text}`);
        assert.match(refused.log, /store\.url: .*password was refused/);
        await suite.assertNowhere([redisPassword, wrong]);
      });
    },
  );

  interface Suite {
    statuses: Array<{ from: string; source: string; text: string }>;
    startInstance(name: string, store: StoreConfig): Promise<Instance>;
    deploy(instance: Instance): Promise<void>;
    /** Asserts that none of `secrets` is in any Node-RED's log, flows, /settings or the statuses posted. */
    assertNowhere(secrets: string[]): Promise<void>;
  }

  /**
   * A describe for one kind of shared store: two Node-REDs (a, b) on it, both bound to one SMSC
   * simulator, the same flow deployed in both; `more` adds tests that use the same processes.
   */
  function sharedStoreSuite(kind: string, open: () => Promise<SharedStore>, more?: (suite: Suite) => void): void {
    describe(`on one ${kind} store`, function () {
      let store: SharedStore;
      let sim: SmscSimulator;
      let hook: Server;
      let hookPort: number;
      let simPort: number;
      const instances: Instance[] = [];
      /** Each report a status node posted: which Node-RED, the message id and correlation. */
      const reports: Array<{ from: string; id: string; correlation: string; state: string }> = [];
      /** Each status any flow node of the tab showed (Node-RED's own status node): which Node-RED, which node, the text. */
      const statuses: Suite['statuses'] = [];

      before(async () => {
        const started = Date.now();
        store = await open();
        sim = new SmscSimulator({ host: '127.0.0.1', port: 0, systemId: SYSTEM_ID, password: PASSWORD, dlrDelayMs: 20, receiptsTo: 'any' });
        simPort = (await sim.start()).port;
        hook = createServer((req, res) => {
          let body = '';
          req.on('data', (chunk: Buffer) => (body += chunk.toString()));
          req.on('end', () => {
            const [, what, from] = req.url!.split('/') as [string, string, string];
            if (what === 'report') {
              const payload = JSON.parse(body) as { id: string; correlation: string; state: string };
              reports.push({ from, id: payload.id, correlation: payload.correlation, state: payload.state });
            } else {
              const status = JSON.parse(body) as { text?: string; source?: { id?: string } };
              statuses.push({ from, source: status.source?.id ?? '', text: status.text ?? '' });
            }
            res.writeHead(204).end();
          });
        });
        await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
        hookPort = (hook.address() as AddressInfo).port;

        // One after the other: both write the user directory's runtime config at their first start.
        for (const name of ['a', 'b']) await startInstance(name, store.settings);
        for (const instance of instances) await deploy(instance);
        await until(() => sim.sessions() === 2, 30_000, 'both Node-REDs bound');
        console.log(`      ${kind}: store, simulator, two Node-REDs started, deployed and bound in ${Date.now() - started} ms`);
      });

      async function startInstance(name: string, storeSettings: StoreConfig): Promise<Instance> {
        const port = await freePort();
        const settings = join(dir, `settings-${kind}-${name}.js`);
        writeFileSync(
          settings,
          `module.exports = ${JSON.stringify({
            uiHost: '127.0.0.1',
            uiPort: port,
            httpAdminRoot: '/',
            httpNodeRoot: '/api',
            userDir,
            flowFile: `flows-${kind}-${name}.json`,
            credentialSecret: 'two-reds-secret',
            telemetry: { enabled: false, updateNotification: false },
            smsgate: { store: storeSettings },
          })};\n`,
        );
        const child = spawn(process.execPath, [require.resolve('node-red/red.js'), '--settings', settings, '--userDir', userDir], { stdio: ['ignore', 'pipe', 'pipe'] });
        const instance: Instance = { name, port, process: child, log: '' };
        child.stdout!.on('data', (chunk: Buffer) => (instance.log += chunk.toString()));
        child.stderr!.on('data', (chunk: Buffer) => (instance.log += chunk.toString()));
        instances.push(instance);
        await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/settings`).catch(() => undefined))?.status === 200, 60_000, `Node-RED ${name}`).catch(
          (err: Error) => {
            throw new Error(`${err.message}:\n${instance.log.slice(-3000)}`);
          },
        );
        return instance;
      }

      /**
       * The same flow in all, as one project deployed twice (only where reports and statuses are
       * posted says which). A full deploy restarts every node; `revision` deploys only what it
       * changes: the connection and the status node (renamed), so that they close and start again
       * while the nodes that post what they send run on.
       */
      async function deploy(instance: Instance, revision?: number): Promise<void> {
        const name = revision === undefined ? {} : { name: `revision ${revision}` };
        const flow = [
          { id: 'tab', type: 'tab', label: 'two' },
          { id: 'smsc', type: 'smsgate-smpp', host: '127.0.0.1', port: String(simPort), bind: 'transceiver', window: '20', credentials: { systemId: SYSTEM_ID, password: PASSWORD }, ...name },
          { id: 'in', type: 'http in', z: 'tab', url: '/sms', method: 'post', wires: [['send']] },
          { id: 'send', type: 'smsgate-send', z: 'tab', kind: 'smpp', smpp: 'smsc', backupKind: 'none', deliveryReport: true, wires: [['ok']] },
          { id: 'ok', type: 'http response', z: 'tab', statusCode: '', wires: [] },
          { id: 'status', type: 'smsgate-status', z: 'tab', output: 'reports', kind: 'all', wires: [['report']], ...name },
          { id: 'report', type: 'http request', z: 'tab', method: 'POST', ret: 'txt', paytoqs: 'ignore', url: `http://127.0.0.1:${hookPort}/report/${instance.name}`, wires: [[]] },
          // Every status a node of the tab shows, posted too (Node-RED's status node; its own http request node's are left out).
          { id: 'watch', type: 'status', z: 'tab', scope: ['in', 'send', 'ok', 'status'], wires: [['show']] },
          { id: 'show', type: 'change', z: 'tab', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'status', tot: 'msg' }], wires: [['post']] },
          { id: 'post', type: 'http request', z: 'tab', method: 'POST', ret: 'txt', paytoqs: 'ignore', url: `http://127.0.0.1:${hookPort}/status/${instance.name}`, wires: [[]] },
        ];
        const response = await fetch(`http://127.0.0.1:${instance.port}/flows`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': revision === undefined ? 'full' : 'nodes' },
          body: JSON.stringify(flow),
        });
        assert.equal(response.status, 204, await response.text());
      }

      /** What a timeout needs to be understood: the messages whose report no status node posted, their state, and the feed. */
      async function whereAreTheMissing(ids: Map<string, string>, posted: Set<string>): Promise<string> {
        const missing = [...ids].filter(([correlation]) => !posted.has(correlation));
        const shared = createStore(store.settings);
        await shared.open();
        try {
          const states = await shared.messageStates(missing.map(([, id]) => id));
          const said = missing.map(([correlation, id]) => `${correlation} (${id}) ${states.get(id) ?? 'not in the store'}`);
          let feed = '';
          if (shared instanceof SqliteStore) {
            const sql = (text: string) => (shared as unknown as { sql(text: string): { all(): unknown[] } }).sql(text).all();
            feed =
              `; feed groups ${JSON.stringify(sql('SELECT listener, kinds, cursor, seen_at FROM feed_groups'))}` +
              `, leases ${JSON.stringify(sql('SELECT listener, seq, consumer, lease_until FROM feed_pending'))}` +
              `, max seq ${JSON.stringify(sql('SELECT MAX(seq) AS seq FROM feed'))}, now ${Date.now()}` +
              `, events of the missing ${JSON.stringify(
                (sql('SELECT seq, kind, at, doc FROM feed') as Array<{ seq: number; kind: string; at: number; doc: string }>)
                  .filter((row) => missing.some(([, id]) => row.doc.includes(id)))
                  .map(({ seq, kind, at }) => ({ seq, kind, at })),
              )}`;
          }
          return `missing ${said.join(', ')}${feed}`;
        } finally {
          await shared.close();
        }
      }

      async function assertNowhere(secrets: string[]): Promise<void> {
        for (const instance of instances) {
          const flows = await (await fetch(`http://127.0.0.1:${instance.port}/flows`)).text();
          const settings = await (await fetch(`http://127.0.0.1:${instance.port}/settings`)).text();
          for (const secret of secrets) {
            assert.ok(!instance.log.includes(secret), `a secret in Node-RED ${instance.name}'s log`);
            assert.ok(!flows.includes(secret), `a secret in Node-RED ${instance.name}'s flows`);
            assert.ok(!settings.includes(secret), `a secret in Node-RED ${instance.name}'s /settings`);
          }
        }
        for (const secret of secrets) assert.deepEqual(statuses.filter((s) => s.text.includes(secret)), [], 'a secret in a status');
      }

      after(async () => {
        for (const instance of instances) if (instance.process.exitCode === null && instance.process.signalCode === null) instance.process.kill('SIGKILL');
        await Promise.all(instances.map((i) => (i.process.exitCode === null && i.process.signalCode === null ? new Promise((resolve) => i.process.once('exit', resolve)) : undefined)));
        await sim?.stop();
        await new Promise((resolve) => (hook ? hook.close(resolve) : resolve(undefined)));
        await store?.dispose();
      });

      afterEach(function () {
        if (this.currentTest?.state === 'failed') for (const i of instances) console.error(`--- Node-RED ${i.name}'s log ---\n${i.log.slice(-3000)}`);
      });

      /**
       * Sends `total` messages through Node-RED a (correlation `<prefix><n>`), then one more;
       * checks the reports of them, once all are in. `meanwhile(n)` runs after message n is
       * posted and may start something that goes on alongside: it is awaited before the checks.
       */
      async function sendThroughA(prefix: string, total: number, meanwhile?: (n: number) => Promise<void> | undefined): Promise<void> {
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
        const alongside: Array<Promise<void>> = [];
        for (let n = 0; n < total; n++) {
          await post(n);
          const started = meanwhile?.(n);
          if (started !== undefined) alongside.push(started);
        }
        await Promise.all(alongside);
        await until(() => new Set(mine().map((r) => r.correlation)).size === total, 60_000, `reports for all ${total} messages`).catch(async (err: Error) => {
          throw new Error(`${err.message}: ${await whereAreTheMissing(ids, new Set(mine().map((r) => r.correlation)))}`);
        });
        // One more afterwards: by the time its report is out, an earlier one handed on twice in the
        // normal course (not after a lapsed lease) would have been posted too.
        await post('last');
        await until(() => mine().some((r) => r.correlation === `${prefix}last`), 30_000, 'the last report');

        const byCorrelation = new Map<string, number>();
        for (const r of mine()) byCorrelation.set(r.correlation, (byCorrelation.get(r.correlation) ?? 0) + 1);
        const submitted = sim.submits.filter((s) => s.text?.startsWith(`two ${prefix}`));
        const sessions = [...new Set(submitted.map((s) => s.sessionId))];
        console.log(
          `      reports posted by Node-RED a: ${mine().filter((r) => r.from === 'a').length}, b: ${mine().filter((r) => r.from === 'b').length};` +
            ` submits per bind: ${sessions.map((id) => submitted.filter((s) => s.sessionId === id).length).join(', ')}`,
        );
        assert.deepEqual([...byCorrelation.entries()].filter(([, n]) => n !== 1), [], 'no report twice');
        for (const [correlation, id] of ids) {
          const report = mine().find((r) => r.correlation === correlation)!;
          assert.deepEqual([report.id, report.state], [id, 'DELIVERED'], correlation);
        }
        // Each message at the simulator once: no loss, no duplicate, whichever bind submitted it.
        assert.deepEqual(
          submitted.map((s) => `${s.text}:${s.commandStatus}`).sort(),
          [...ids.keys()].map((correlation) => `two ${correlation}:0`).sort(),
          'each message submitted once',
        );
        // And the messages are where settings.js says (not in a store of each Node-RED's own).
        const shared = createStore(store.settings);
        await shared.open();
        try {
          const states = await shared.messageStates([...ids.values()]);
          assert.deepEqual([...ids.values()].filter((id) => states.get(id) !== 'DELIVERED'), [], `every message DELIVERED in the ${kind} store`);
        } finally {
          await shared.close();
        }
      }

      it('hands each delivery report of a message sent from one to a status node of either, exactly once in all', async () => {
        await sendThroughA('m', 30);
        await assertNowhere(store.secrets);
      });

      // A redeploy stops b's gateway's link and starts it again. What the SMSC sends while it stops
      // is refused for now (it goes to a); a receipt b stored but whose answer the unbind cut off
      // comes to a again, a repeat, and the feed keeps the report once (feed-once.ts).
      it('hands each report once in all while the other Node-RED redeploys its flow (its status node and connection go and come back)', async () => {
        const b = instances[1]!;
        let binds = 0;
        const counting = () => binds++;
        sim.on('bind', counting);
        // Three deploys of b, started after messages 5, 15 and 25 are posted (their reports are
        // due meanwhile), each after the one before is bound again: the connection and the status
        // node, not the nodes that post what the status node sends. A full deploy stops those too,
        // and Node-RED drops a message sent to a node that stops before it handles it: in one run
        // of six with full deploys, a report smsgate handed to b's status node after flows:started
        // (its handler ran, the event was acknowledged) never reached the hook, as b's flow was
        // stopped again at once. That is Node-RED's, for any message in a flow being redeployed.
        let redeploying: Promise<void> | undefined;
        let redeploys = 0;
        const redeploy = async () => {
          const before = binds;
          await deploy(b, redeploys + 1);
          await until(() => binds > before && sim.sessions() === 2, 30_000, `b bound again after redeploy ${redeploys + 1}`);
          redeploys++;
        };
        try {
          await sendThroughA('r', 30, (n) => {
            if (n % 10 !== 5) return undefined;
            redeploying = (redeploying ?? Promise.resolve()).then(redeploy);
            return redeploying;
          });
        } finally {
          sim.off('bind', counting);
        }
        assert.equal(redeploys, 3);
      });

      more?.({ statuses, startInstance, deploy, assertNowhere });
    });
  }
});

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 180_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}
