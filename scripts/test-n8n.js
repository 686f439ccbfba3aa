#!/usr/bin/env node
/**
 * `npm run test:n8n`: the n8n nodes in a real n8n, installed the way n8n installs a community
 * package.
 *
 * 1. n8n@2.41.1 into a cache folder outside the checkout (${SMSGATE_N8N_CACHE:-~/.cache/smsgate-n8n}),
 *    on first use only: `npm install --ignore-scripts` then `npm rebuild sqlite3 isolated-vm`
 *    (a plain install fails on a Kafka node's native download). About 8 minutes and 2.9 GB.
 * 2. `npm pack` of this package, unpacked into a fresh user folder's .n8n/nodes/node_modules,
 *    dev/peer/optional dependencies dropped from its package.json, then
 *    `npm install --ignore-scripts --install-strategy=shallow`: what n8n's community package
 *    installer does.
 * 3. An SMSC simulator on loopback; credentials and the example workflows imported with the n8n
 *    CLI, the trigger workflow published (activated).
 * 3b. Before any n8n runs the trigger: `n8n execute` of a send with Wait Until: Final State. With
 *    no trigger anywhere, its own bind must receive the receipt: the output must be DELIVERED.
 * 4. `n8n start` headless on loopback: the trigger binds; an inbound SMS is injected and must
 *    show up as a trigger execution.
 * 5. `n8n execute` of the send workflow in a second process while the first runs: its output
 *    is checked, and the delivery report for that message, which reaches the first process's
 *    bind, must show up as a trigger execution carrying the message's id and correlation value.
 * 6. `n8n execute` of the Wait Until: Final State send with a transmitter-only credential for the
 *    same account: it cannot receive, so it must get DELIVERED from the report the trigger's
 *    process received and stored in the shared store.
 *
 * 7. Beside it, a second trigger bound to a hostile SMSC (src/smpp/simulator/hostile.ts) that
 *    sends malformed deliver_sm, unknown commands, stray responses and a broken header: n8n
 *    must stay up, answer /healthz, and the trigger bind again.
 *
 * Then the same n8n on Redis (issue 15), as a queue-mode user configures it: a real
 * redis-server on a free loopback port in a temporary directory (test/helpers/redis-server.ts;
 * the run fails when redis-server is not on PATH), and every n8n process started with
 * SMSGATE_STORE=redis, QUEUE_BULL_REDIS_HOST=127.0.0.1 and QUEUE_BULL_REDIS_PORT=<port>.
 * The default SQLite store stays covered by the steps above; the n8n database stays SQLite.
 * 8. `n8n start` again, on Redis: the trigger binds.
 * 9. `n8n execute` of the send workflow (a second process, as a worker would send): submitted
 *    once at the simulator; its receipt reaches the main's bind.
 * 10. `n8n execute` of the Wait Until: Final State send with the transceiver credential: the
 *    simulator hands the receipt to that process's own bind, so its report reaches the main's
 *    trigger only through Redis.
 * 11. `n8n execute` of the Wait Until: Final State send with the transmitter-only credential:
 *    DELIVERED from the report the main received, through Redis.
 * 12. Each of those reports starts the trigger workflow exactly once, with the send's message id
 *    and correlation value. Counted after every receipt was answered (a receipt left unanswered
 *    comes again, to another bind) and after a later marker SMS, injected at the end, went
 *    through the same feed and its execution and all before it finished. The messages are in
 *    Redis, DELIVERED.
 *
 * Prints one line per check and `n8n e2e: N passed, N failed`; exits non-zero on any failure.
 */
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { homedir, tmpdir } = require('node:os');
const { dirname, join } = require('node:path');

const N8N_VERSION = '2.41.1';
const PACKAGE = '@smsgate/n8n-nodes-smsgate';
const root = join(__dirname, '..');
const cache = process.env.SMSGATE_N8N_CACHE || join(homedir(), '.cache', 'smsgate-n8n');
const n8nDir = join(cache, `n8n-${N8N_VERSION}`);
const n8nBin = join(n8nDir, 'node_modules', 'n8n', 'bin', 'n8n');
// npm scripts put the pinned Node 24 first on PATH; n8n 2 needs it, and children inherit it.
const nodeBin = process.execPath;
const started = Date.now();
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);
const say = (line) => process.stderr.write(`[test:n8n ${seconds(started)}s] ${line}\n`);

const checks = [];
function check(name, ok, detail = '') {
  checks.push({ name, ok });
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}\n`);
}

function installN8n() {
  const marker = join(n8nDir, '.installed');
  if (existsSync(marker)) return say(`n8n ${N8N_VERSION} from the cache ${n8nDir}`);
  say(`installing n8n ${N8N_VERSION} into ${n8nDir} (first run only: about 8 minutes, 2.9 GB)`);
  const since = Date.now();
  rmSync(n8nDir, { recursive: true, force: true });
  mkdirSync(n8nDir, { recursive: true });
  writeFileSync(join(n8nDir, 'package.json'), JSON.stringify({ name: 'smsgate-n8n-cache', private: true }) + '\n');
  const npm = (args) => execFileSync('npm', args, { cwd: n8nDir, stdio: ['ignore', 'ignore', 'inherit'] });
  npm(['install', '--ignore-scripts', '--no-audit', '--no-fund', '--save-exact', `n8n@${N8N_VERSION}`]);
  npm(['rebuild', 'sqlite3', 'isolated-vm']);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  say(`n8n installed in ${seconds(since)} s`);
}

/** What n8n's CommunityPackagesService.downloadPackage does with a package's tarball. */
function installCommunityPackage(userFolder, work) {
  const tarball = execFileSync('npm', ['pack', '--pack-destination', work, '--quiet'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .at(-1);
  const nodesDir = join(userFolder, '.n8n', 'nodes');
  const packageDir = join(nodesDir, 'node_modules', PACKAGE);
  mkdirSync(packageDir, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, tarball), '-C', packageDir, '--strip-components=1']);
  const packageJsonPath = join(packageDir, 'package.json');
  const { devDependencies, peerDependencies, optionalDependencies, ...packageJson } = JSON.parse(readFileSync(packageJsonPath, 'utf8'));
  writeFileSync(packageJsonPath, JSON.stringify(packageJson, null, 2));
  execFileSync(
    'npm',
    ['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false'],
    { cwd: packageDir, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  writeFileSync(join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE]: packageJson.version } }, null, 2));
  return packageJson.version;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function n8nEnv(userFolder, brokerPort, port) {
  return {
    ...process.env,
    PATH: `${dirname(nodeBin)}:${process.env.PATH}`,
    N8N_USER_FOLDER: userFolder,
    DB_TYPE: 'sqlite',
    N8N_ENCRYPTION_KEY: 'smsgate-e2e-not-a-secret',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_DYNAMIC_BANNERS_ENABLED: 'false',
    N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
    N8N_AI_ENABLED: 'false',
    N8N_PYTHON_ENABLED: 'false',
    // The MCP server registry refreshes itself from n8n's servers; the test stays on loopback.
    N8N_DISABLED_MODULES: 'mcp-registry',
    N8N_HOST: '127.0.0.1',
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_PORT: String(port),
    N8N_RUNNERS_BROKER_PORT: String(brokerPort),
    N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
    N8N_LOG_LEVEL: 'info',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
  };
}

/** Runs an n8n CLI command to its end; resolves with its stdout, rejects with its output on failure. */
async function n8nCommand(args, env, timeoutMs = 180_000) {
  const child = spawn(nodeBin, [n8nBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`n8n ${args.join(' ')} exited with ${code}:\n${stdout}\n${stderr}`);
  return stdout;
}

async function until(condition, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The trigger workflow's executions as n8n stored them: each its first node's output items. */
function triggerEvents(userFolder, workflowId) {
  const dbPath = join(userFolder, '.n8n', 'database.sqlite');
  if (!existsSync(dbPath)) return [];
  const { DatabaseSync } = require('node:sqlite');
  const flatted = require(require.resolve('flatted', { paths: [join(n8nDir, 'node_modules', 'n8n')] }));
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const rows = db
      .prepare(
        'SELECT e.id AS id, e.status AS status, d.data AS data FROM execution_entity e JOIN execution_data d ON d.executionId = e.id WHERE e.workflowId = ? ORDER BY e.id',
      )
      .all(workflowId);
    return rows.flatMap((row) => {
      const run = flatted.parse(row.data);
      const runs = run.resultData.runData['SMS Gateway Trigger'] ?? [];
      return runs.flatMap((r) => (r.data?.main?.[0] ?? []).map((item) => ({ status: row.status, ...item.json })));
    });
  } catch (err) {
    // n8n may be writing: read again on the next poll.
    if (/locked|busy/i.test(err.message)) return [];
    throw err;
  } finally {
    db.close();
  }
}

/**
 * The JSON document `n8n execute --rawOutput` prints among its log lines: pretty-printed, from a
 * line `{` to a line `}` (n8n may log more after it, e.g. its task runner registering).
 */
function executeOutput(stdout) {
  const start = stdout.search(/^\{$/m);
  const end = start === -1 ? -1 : stdout.slice(start).search(/^\}$/m);
  if (end === -1) throw new Error(`no JSON in the output of n8n execute:\n${stdout}`);
  return JSON.parse(stdout.slice(start, start + end + 1));
}

/** An execution of a workflow with a Manual Trigger: its stdout and the SMS Gateway node's first output item. */
async function execute(workflowId, env) {
  const stdout = await n8nCommand(['execute', `--id=${workflowId}`, '--rawOutput'], env);
  const json = executeOutput(stdout).data.resultData.runData['SMS Gateway']?.[0]?.data?.main?.[0]?.[0]?.json ?? {};
  return { stdout, json };
}

/** How many executions of the workflow n8n has begun and not yet finished (it writes their data at the end). */
function unfinishedExecutions(userFolder, workflowId) {
  const dbPath = join(userFolder, '.n8n', 'database.sqlite');
  const { DatabaseSync } = require('node:sqlite');
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return db.prepare("SELECT COUNT(*) AS n FROM execution_entity WHERE workflowId = ? AND status IN ('new', 'running')").get(workflowId).n;
  } catch (err) {
    // n8n may be writing: unknown, so not settled; read again on the next poll.
    if (/locked|busy/i.test(err.message)) return Infinity;
    throw err;
  } finally {
    db.close();
  }
}

/** `n8n start` with its output collected in `log`. */
function startN8n(env) {
  const child = spawn(nodeBin, [n8nBin, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const n8n = { child, log: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout.on('data', (chunk) => (n8n.log += chunk));
  child.stderr.on('data', (chunk) => (n8n.log += chunk));
  return n8n;
}

/** Waits until `bound()` holds; fails with n8n's log when n8n exits or 180 s pass first. */
async function untilTriggerBinds(n8n, bound) {
  try {
    await until(
      async () => {
        if (n8n.child.exitCode !== null) throw new Error(`n8n start exited with ${n8n.child.exitCode}`);
        return bound();
      },
      180_000,
      "the activated trigger's bind",
    );
  } catch (err) {
    throw new Error(`${err.message}\n--- n8n start log ---\n${n8n.log}`);
  }
}

/** SIGTERM, as a container stop sends; resolves with the exit code, or 'timeout' after 60 s. */
async function stopN8n(n8n) {
  n8n.child.kill('SIGTERM');
  let timer;
  const code = await Promise.race([n8n.exited, new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), 60_000)))]);
  clearTimeout(timer);
  return code;
}

/** The redis-server the Redis steps start, by its version line; a clear error when it is missing. */
function redisServerVersion() {
  try {
    return execFileSync('redis-server', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    throw new Error(
      `redis-server is not on PATH (${err.code ?? err.message}): test:n8n runs n8n on a real Redis. Install it (Debian: apt-get install redis-server; .ci/run does when it is missing)`,
    );
  }
}

/**
 * RedisServer of test/helpers/redis-server.ts, which the store tests start their Redis with (free
 * loopback port, temporary directory, bounded wait for PING), compiled into `work` for this script.
 */
function loadRedisServer(work) {
  const ts = require('typescript');
  const source = join(root, 'test', 'helpers', 'redis-server.ts');
  const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    fileName: source,
  });
  const compiled = join(work, 'redis-server.js');
  writeFileSync(compiled, outputText);
  return require(compiled).RedisServer;
}

async function main() {
  installN8n();
  const redisVersion = redisServerVersion();
  const work = mkdtempSync(join(tmpdir(), 'smsgate-n8n-e2e-'));
  const userFolder = join(work, 'user');
  /** Every n8n start of the run, for the log on failure and the kill in the end. */
  const servers = [];
  let smsc;
  let hostile;
  let redis;
  try {
    say('packing the package and installing it as a community package');
    const version = installCommunityPackage(userFolder, work);
    say(`installed ${PACKAGE}@${version} into ${join(userFolder, '.n8n', 'nodes')}`);

    // The simulator of the package under test, in this process, on loopback. Receipts go to the
    // submitting bind when it can receive (a transceiver), else to a receiving bind of the account.
    const { SmscSimulator, createStore } = require(join(root, 'dist'));
    smsc = new SmscSimulator({ port: 0, systemId: 'n8ne2e', password: 'e2e-pw', dlrDelayMs: 300 });
    const { port: smscPort } = await smsc.start();
    /** Every bind, in order: { sessionId, mode }. */
    const binds = [];
    smsc.on('bind', ({ sessionId, mode }) => binds.push({ sessionId, mode }));
    const modes = (list) => list.map((b) => b.mode);
    /**
     * By the SMSC's message id, as the SMPP transport normalises it (no leading zeros) in the
     * send's providerIds: the sessions its receipt was sent to, in order, the answers
     * (session:command_status) and whether one took it (status 0).
     */
    const receipts = new Map();
    const providerKey = (id) => String(id ?? '').trim().toUpperCase().replace(/^0+(?=.)/, '');
    const receiptOf = (messageId) => receipts.get(providerKey(messageId)) ?? receipts.set(providerKey(messageId), { sessions: [], answers: [], answered: false }).get(providerKey(messageId));
    smsc.on('deliver', ({ kind, messageId, sessionId }) => kind === 'receipt' && receiptOf(messageId).sessions.push(sessionId));
    smsc.on('deliver-resp', ({ kind, messageId, sessionId, commandStatus }) => {
      if (kind !== 'receipt') return;
      const receipt = receiptOf(messageId);
      receipt.answers.push(`${sessionId}:${commandStatus}`);
      if (commandStatus === 0) receipt.answered = true;
    });
    say(`SMSC simulator on 127.0.0.1:${smscPort}`);

    const { HostileSmsc } = require(join(root, 'dist', 'smpp', 'simulator'));
    hostile = new HostileSmsc();
    const { port: hostilePort } = await hostile.start();
    say(`hostile SMSC on 127.0.0.1:${hostilePort}`);

    const credentialsFile = join(work, 'credentials.json');
    writeFileSync(
      credentialsFile,
      JSON.stringify([
        {
          id: 'smsgateSmsc1',
          name: 'Test SMSC',
          type: 'smsGateSmppApi',
          data: { host: '127.0.0.1', port: smscPort, tls: false, systemId: 'n8ne2e', password: 'e2e-pw', bind: 'transceiver', window: 10, maxPerSecond: 0 },
        },
        {
          id: 'smsgateSmsc1Tx',
          name: 'Test SMSC, send only',
          type: 'smsGateSmppApi',
          data: { host: '127.0.0.1', port: smscPort, tls: false, systemId: 'n8ne2e', password: 'e2e-pw', bind: 'transmitter', window: 10, maxPerSecond: 0 },
        },
        {
          id: 'smsgateHostile1',
          name: 'Hostile SMSC',
          type: 'smsGateSmppApi',
          data: { host: '127.0.0.1', port: hostilePort, tls: false, systemId: 'hostile', password: 'x', bind: 'transceiver', window: 10, maxPerSecond: 0 },
        },
      ]),
    );
    const credentials = { smsGateSmppApi: { id: 'smsgateSmsc1', name: 'Test SMSC' } };
    const hostileCredentials = { smsGateSmppApi: { id: 'smsgateHostile1', name: 'Hostile SMSC' } };
    const transmitterOnly = { smsGateSmppApi: { id: 'smsgateSmsc1Tx', name: 'Test SMSC, send only' } };
    // The workflows users import from examples/n8n, with the credential attached; the auto-reply
    // is imported (n8n must accept it) but not published, so it sends nothing here.
    const example = (file, id, credential = credentials) => {
      const workflow = JSON.parse(readFileSync(join(root, 'examples', 'n8n', file), 'utf8'));
      for (const node of workflow.nodes) if (node.type.startsWith(`${PACKAGE}.`)) node.credentials = credential;
      return { ...workflow, id, active: false };
    };
    const workflowsFile = join(work, 'workflows.json');
    writeFileSync(
      workflowsFile,
      JSON.stringify([
        example('send-sms.json', 'smsgateSendE2e'),
        example('inbound-and-reports.json', 'smsgateTriggerE2e'),
        example('auto-reply.json', 'smsgateAutoReply'),
        example('send-and-wait-for-delivery.json', 'smsgateWaitFinal'),
        example('send-and-wait-for-delivery.json', 'smsgateWaitFinalTx', transmitterOnly),
        { ...example('inbound-and-reports.json', 'smsgateTriggerHostile', hostileCredentials), name: 'Hostile SMSC trigger' },
      ]),
    );

    const [n8nPort, brokerPort, executeBrokerPort] = [await freePort(), await freePort(), await freePort()];
    const env = n8nEnv(userFolder, brokerPort, n8nPort);
    const executeEnv = n8nEnv(userFolder, executeBrokerPort, n8nPort);
    let since = Date.now();
    await n8nCommand(['import:credentials', `--input=${credentialsFile}`], env);
    await n8nCommand(['import:workflow', `--input=${workflowsFile}`], env);
    await n8nCommand(['publish:workflow', '--id=smsgateTriggerE2e'], env);
    await n8nCommand(['publish:workflow', '--id=smsgateTriggerHostile'], env);
    say(`credentials and workflows imported, trigger published (${seconds(since)} s)`);

    // No n8n runs the trigger yet: the waiting send's own bind must receive its receipt.
    since = Date.now();
    const { json: waited } = await execute('smsgateWaitFinal', executeEnv);
    say(`n8n execute ran the Wait Until: Final State workflow in ${seconds(since)} s`);
    check(
      'n8n execute with Wait Until: Final State and no trigger anywhere: the send gets its receipt and outputs DELIVERED',
      waited.state === 'DELIVERED' && waited.timedOut === false && waited.correlation === 'parcel-1',
      JSON.stringify(waited),
    );
    check('the waiting send bound as transceiver (its credential), so the receipt could reach it', modes(binds).includes('transceiver'), modes(binds).join(','));
    const bindsBeforeStart = binds.length;

    since = Date.now();
    const server = startN8n(env);
    servers.push(server);
    await untilTriggerBinds(server, () => modes(binds.slice(bindsBeforeStart)).includes('transceiver'));
    const health = await fetch(`http://127.0.0.1:${n8nPort}/healthz`).then((r) => r.status, () => 0);
    check('n8n start loads the community package and activates the trigger workflow: it binds as transceiver', true);
    check('n8n answers /healthz on loopback', health === 200, `status ${health}`);
    say(`n8n started and the trigger bound in ${seconds(since)} s`);

    // The hostile SMSC, once its trigger is bound, sends what no SMSC should.
    await until(() => hostile.counts.binds >= 1, 60_000, "the hostile SMSC trigger's bind").catch(() => undefined);
    const pdu = (commandId, status, sequence, body = Buffer.alloc(0)) => {
      const bytes = Buffer.alloc(16 + body.length);
      bytes.writeUInt32BE(bytes.length, 0);
      bytes.writeUInt32BE(commandId >>> 0, 4);
      bytes.writeUInt32BE(status >>> 0, 8);
      bytes.writeUInt32BE(sequence >>> 0, 12);
      body.copy(bytes, 16);
      return bytes;
    };
    for (const bytes of [
      pdu(0x00000005, 0, 101, Buffer.from([0xff, 0x00, 0x07])), // deliver_sm whose body is cut short
      pdu(0x00000005, 0, 102, Buffer.alloc(0)), // deliver_sm without a body
      pdu(0x000000ff, 0, 103), // a command id no SMPP version defines
      pdu(0x80000004, 0, 104, Buffer.from('stray\0')), // a submit_sm_resp nobody asked for
      pdu(0x0000000b, 0, 105, Buffer.from('outbind\0')), // outbind, which has no response
      Buffer.from([0x00, 0x00, 0x00, 0x03, 0xde, 0xad]), // a command_length below the header: framing lost
    ]) {
      hostile.sendToAll(bytes);
    }
    const rebound = await until(() => hostile.counts.binds >= 2, 60_000, 'the hostile trigger to bind again').then(() => true, () => false);
    const healthAfter = await fetch(`http://127.0.0.1:${n8nPort}/healthz`).then((r) => r.status, () => 0);
    check(
      'a hostile SMSC (malformed deliver_sm, unknown commands, stray responses, a broken header) leaves n8n up, and its trigger binds again',
      server.child.exitCode === null && healthAfter === 200 && rebound,
      `exit ${server.child.exitCode}, healthz ${healthAfter}, hostile binds ${hostile.counts.binds}`,
    );

    await smsc.injectMo({ from: '+447700900123', to: '+447700900555', text: 'Hello n8n from a handset' });
    const inbound = await until(
      () => triggerEvents(userFolder, 'smsgateTriggerE2e').find((e) => e.event === 'inbound'),
      60_000,
      'the inbound SMS execution',
    ).catch((err) => ({ error: err.message }));
    check(
      'an inbound SMS starts the trigger workflow with from, to and text',
      inbound.from === '+447700900123' && inbound.text === 'Hello n8n from a handset' && inbound.status === 'success',
      JSON.stringify(inbound),
    );

    since = Date.now();
    const { stdout, json: sent } = await execute('smsgateSendE2e', executeEnv);
    say(`n8n execute ran the send workflow in ${seconds(since)} s`);
    check(
      'n8n execute: the SMS Gateway node submits the SMS and outputs its id, state and correlation',
      sent.state === 'SUBMITTED' && typeof sent.id === 'string' && sent.correlation === 'order-1' && sent.to === '+447400123456',
      JSON.stringify(sent),
    );
    const submit = smsc.submits.find((s) => s.text === 'Hello from n8n');
    check('the SMSC received it from ACME', submit?.destination.addr === '447400123456' && submit?.source.addr === 'ACME');
    check('the sending process bound as transmitter, so the receipt goes to the trigger', modes(binds).includes('transmitter'), modes(binds).join(','));

    const report = await until(
      () => triggerEvents(userFolder, 'smsgateTriggerE2e').find((e) => e.event === 'report'),
      60_000,
      'the delivery report execution',
    ).catch((err) => ({ error: err.message }));
    check(
      "the delivery report starts the trigger workflow with the other process's message id and correlation value",
      report.messageId === sent.id && report.correlation === 'order-1' && report.state === 'DELIVERED' && report.final === true,
      JSON.stringify(report),
    );

    // A send-only credential for the same account: the trigger's process takes the receipt and
    // stores it; the waiting execution reads it from the shared store.
    since = Date.now();
    const bindsBeforeTx = binds.length;
    const { stdout: txStdout, json: txSent } = await execute('smsgateWaitFinalTx', executeEnv);
    say(`n8n execute ran the Wait Until: Final State workflow with a transmitter-only credential in ${seconds(since)} s`);
    check(
      "n8n execute with a transmitter-only credential: Wait Until: Final State gets DELIVERED from the report the trigger's process stored",
      txSent.state === 'DELIVERED' && txSent.timedOut === false && modes(binds.slice(bindsBeforeTx)).join(',') === 'transmitter',
      `${JSON.stringify(txSent)}; binds ${modes(binds.slice(bindsBeforeTx)).join(',')}`,
    );

    since = Date.now();
    const code = await stopN8n(server);
    await until(() => smsc.sessions() === 0, 10_000, 'the unbind').catch(() => undefined);
    check('n8n stops on SIGTERM and the trigger closes its bind', code !== 'timeout' && smsc.sessions() === 0, `exit ${code}, sessions ${smsc.sessions()}`);
    say(`n8n stopped in ${seconds(since)} s`);

    // ---- The same n8n on one Redis, configured as n8n's queue mode is ----
    const RedisServer = loadRedisServer(work);
    redis = await RedisServer.start();
    say(`${redisVersion.split(' ').slice(0, 3).join(' ')} on 127.0.0.1:${redis.port}`);
    const onRedis = (e) => ({ ...e, SMSGATE_STORE: 'redis', QUEUE_BULL_REDIS_HOST: '127.0.0.1', QUEUE_BULL_REDIS_PORT: String(redis.port) });
    const redisExecuteEnv = onRedis(executeEnv);

    since = Date.now();
    const bindsBeforeRedis = binds.length;
    const redisServer = startN8n(onRedis(env));
    servers.push(redisServer);
    await untilTriggerBinds(redisServer, () => modes(binds.slice(bindsBeforeRedis)).includes('transceiver'));
    check('on Redis: n8n start (SMSGATE_STORE=redis, QUEUE_BULL_REDIS_HOST/_PORT) activates the trigger workflow: it binds as transceiver', true);
    say(`n8n on Redis started and the trigger bound in ${seconds(since)} s`);

    // A second process sends, as a worker would: its receipt comes to the main's bind.
    since = Date.now();
    const submitsBeforeRedis = smsc.submits.length;
    const redisSend = await execute('smsgateSendE2e', redisExecuteEnv);
    say(`on Redis: n8n execute ran the send workflow in ${seconds(since)} s`);
    check(
      'on Redis: n8n execute submits the SMS and outputs its id, state and correlation',
      redisSend.json.state === 'SUBMITTED' && typeof redisSend.json.id === 'string' && redisSend.json.correlation === 'order-1',
      JSON.stringify(redisSend.json),
    );
    const redisSubmits = smsc.submits.slice(submitsBeforeRedis).filter((s) => s.text === 'Hello from n8n');
    check(
      "on Redis: the SMSC received the second process's send exactly once",
      redisSubmits.length === 1 && providerKey(redisSubmits[0].messageId) === redisSend.json.providerIds?.[0],
      `${redisSubmits.length} submits; ids ${redisSubmits.map((s) => s.messageId).join(',')}; output ${JSON.stringify(redisSend.json.providerIds)}`,
    );

    // A second process sends and waits with a transceiver bind: the simulator hands the receipt
    // to that bind, so the report reaches the main's trigger only through Redis.
    since = Date.now();
    const bindsBeforeWait = binds.length;
    const redisWaited = await execute('smsgateWaitFinal', redisExecuteEnv);
    say(`on Redis: n8n execute ran the Wait Until: Final State workflow in ${seconds(since)} s`);
    const waitSessions = binds.slice(bindsBeforeWait).filter((b) => b.mode === 'transceiver').map((b) => b.sessionId);
    const waitReceipt = receipts.get(providerKey(redisWaited.json.providerIds?.[0]));
    check(
      'on Redis: n8n execute with Wait Until: Final State outputs DELIVERED, its receipt taken by its own bind',
      redisWaited.json.state === 'DELIVERED' && redisWaited.json.timedOut === false && waitSessions.includes(waitReceipt?.sessions[0]),
      `${JSON.stringify(redisWaited.json)}; its binds ${waitSessions.join(',')}; receipt ${JSON.stringify(waitReceipt)}`,
    );

    // A transmitter-only second process: the main takes the receipt; the wait reads it from Redis.
    since = Date.now();
    const bindsBeforeRedisTx = binds.length;
    const redisTx = await execute('smsgateWaitFinalTx', redisExecuteEnv);
    say(`on Redis: n8n execute ran the Wait Until: Final State workflow with a transmitter-only credential in ${seconds(since)} s`);
    check(
      "on Redis: n8n execute with a transmitter-only credential: Wait Until: Final State gets DELIVERED from the report the main's bind received",
      redisTx.json.state === 'DELIVERED' && redisTx.json.timedOut === false && modes(binds.slice(bindsBeforeRedisTx)).join(',') === 'transmitter',
      `${JSON.stringify(redisTx.json)}; binds ${modes(binds.slice(bindsBeforeRedisTx)).join(',')}`,
    );

    // Exactly once. A receipt nobody answered comes again (to whichever bind is left), so first
    // every receipt answered; then a marker SMS, appended to the feed after those reports: once
    // its execution and every execution begun before it have finished, a duplicate would show.
    since = Date.now();
    const redisSends = [
      { what: "the second process's send", sent: redisSend.json, correlation: 'order-1' },
      { what: 'the waiting send (receipt at its own bind)', sent: redisWaited.json, correlation: 'parcel-1' },
      { what: 'the transmitter-only waiting send', sent: redisTx.json, correlation: 'parcel-1' },
    ];
    const answered = await until(() => redisSends.every(({ sent }) => receipts.get(providerKey(sent.providerIds?.[0]))?.answered), 60_000, 'every receipt answered').then(
      () => true,
      () => false,
    );
    check('on Redis: every receipt was answered by a bind', answered, JSON.stringify(redisSends.map(({ sent }) => receipts.get(providerKey(sent.providerIds?.[0])))));
    const marker = `marker ${Date.now()}`;
    await smsc.injectMo({ from: '+447700900124', to: '+447700900555', text: marker });
    const settled = await until(
      () => triggerEvents(userFolder, 'smsgateTriggerE2e').some((e) => e.event === 'inbound' && e.text === marker) && unfinishedExecutions(userFolder, 'smsgateTriggerE2e') === 0,
      60_000,
      "the marker SMS's execution, and every execution before it, finished",
    ).then(
      () => true,
      () => false,
    );
    say(`on Redis: receipts answered and the marker's execution seen in ${seconds(since)} s`);
    const reports = triggerEvents(userFolder, 'smsgateTriggerE2e').filter((e) => e.event === 'report');
    for (const { what, sent: redisSent, correlation } of redisSends) {
      const runs = reports.filter((r) => r.messageId === redisSent.id);
      check(
        `on Redis: the report of ${what} starts the trigger workflow exactly once, with its message id and correlation value`,
        settled && runs.length === 1 && runs[0].correlation === correlation && runs[0].state === 'DELIVERED' && runs[0].final === true,
        `marker seen: ${settled}; ${runs.length} executions: ${JSON.stringify(runs)}`,
      );
    }

    // Redis is where the processes kept them (not the SQLite file beside n8n's database).
    const store = createStore({ type: 'redis', url: redis.url(0), prefix: 'smsgate' });
    await store.open();
    try {
      const stored = await Promise.all(redisSends.map(({ sent: redisSent }) => store.getMessage(redisSent.id)));
      check(
        'on Redis: the three messages are in Redis (prefix smsgate), DELIVERED, with their correlation values',
        stored.every((m, i) => m?.state === 'DELIVERED' && m.correlation === redisSends[i].correlation),
        JSON.stringify(stored.map((m) => m && { id: m.id, state: m.state, correlation: m.correlation })),
      );
    } finally {
      await store.close();
    }

    since = Date.now();
    const redisCode = await stopN8n(redisServer);
    await until(() => smsc.sessions() === 0, 10_000, 'the unbind').catch(() => undefined);
    check('on Redis: n8n stops on SIGTERM and the trigger closes its bind', redisCode !== 'timeout' && smsc.sessions() === 0, `exit ${redisCode}, sessions ${smsc.sessions()}`);
    say(`n8n on Redis stopped in ${seconds(since)} s`);

    check(
      "the SMPP password appears nowhere in n8n's output or the executions' data",
      ![...servers.map((s) => s.log), stdout, txStdout, redisSend.stdout, redisWaited.stdout, redisTx.stdout].some((text) => text.includes('e2e-pw')),
    );
  } finally {
    const log = servers.map((s, i) => `--- n8n start #${i + 1} ---\n${s.log}`).join('\n');
    if (checks.some((c) => !c.ok) && log !== '') say(`--- n8n start logs (last lines) ---\n${log.split('\n').slice(-120).join('\n')}`);
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    if (smsc !== undefined) await smsc.stop();
    if (hostile !== undefined) await hostile.stop();
    if (redis !== undefined) await redis.dispose();
    if (process.env.SMSGATE_N8N_KEEP === undefined) rmSync(work, { recursive: true, force: true });
    else {
      writeFileSync(join(work, 'n8n-start.log'), log);
      say(`kept ${work} (n8n-start.log: the servers' output)`);
    }
  }
}

main()
  .catch((err) => {
    check('the end-to-end run completes', false, err.stack ?? String(err));
  })
  .finally(() => {
    const failed = checks.filter((c) => !c.ok).length;
    say(`done in ${seconds(started)} s`);
    process.stdout.write(`n8n e2e: ${checks.length - failed} passed, ${failed} failed\n`);
    process.exitCode = failed === 0 && checks.length > 0 ? 0 : 1;
  });
