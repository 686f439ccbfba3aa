/**
 * `npm start` as a newcomer runs it (issue 13, point 7): the demo's inbound SMS waits for an
 * editor to connect, the flow's inject node makes the simulator send another, and nothing it
 * started outlives it: SIGTERM to npm's pid, the death of whatever started the demo script, or
 * the demo script's own death by SIGKILL leaves both ports free and no Node-RED running.
 * Real processes: npm, Node-RED 5, the SMSC simulator; an editor stands in as a websocket on
 * Node-RED's /comms, the channel the editor's debug sidebar reads.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../helpers/until';

const ROOT = join(__dirname, '..', '..', '..');
const FIRST_INBOUND = 'Hi! Is this the smsgate demo?';
const SIMULATE_INBOUND_NODE = 'd000000000000034';

interface Running {
  process: ChildProcess;
  stderr: () => string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something listens on the port: a listen of our own fails then. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/**
 * Pids of the processes started with `SMSGATE_DEMO_DIR=dir` in their environment: npm, its
 * shell, the demo script, Node-RED (whose command line is its title, "node-red", so it cannot
 * tell). A zombie's environment reads empty.
 */
function demoProcesses(dir: string): number[] {
  const marker = `SMSGATE_DEMO_DIR=${dir}\0`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // Ended while we looked, or not ours to read.
    }
  }
  return found;
}

/** The demo script's Node-RED among them: the one whose title is node-red. */
function nodeRedRuns(dir: string): boolean {
  return demoProcesses(dir).some((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('node-red');
    } catch {
      return false;
    }
  });
}

interface DebugMessage {
  name: string;
  msg: string;
}

/** Node-RED's editor as far as the debug sidebar goes: the comms websocket, and what debug nodes publish on it. */
async function connectEditor(port: number): Promise<{ debug: DebugMessage[]; close: () => void }> {
  const debug: DebugMessage[] = [];
  const socket = new WebSocket(`ws://127.0.0.1:${port}/comms`);
  socket.onmessage = (event) => {
    for (const item of JSON.parse(String(event.data)) as { topic: string; data: { name: string; msg: string } }[]) {
      if (item.topic === 'debug') debug.push({ name: item.data.name, msg: item.data.msg });
    }
  };
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error('the editor websocket did not open'));
  });
  return { debug, close: () => socket.close() };
}

describe('npm start (the demo)', function () {
  this.timeout(240_000);
  let userDir = '';
  let smscPort: number;
  let redPort: number;
  const started: ChildProcess[] = [];

  before(async function () {
    // Which processes are the demo's is read from /proc (Linux, where CI runs).
    if (!existsSync('/proc/self/environ')) this.skip();
    userDir = mkdtempSync(join(tmpdir(), 'smsgate-demo-'));
    smscPort = await freePort();
    redPort = await freePort();
  });

  after(() => {
    if (userDir === '') return;
    // Only if a test failed half-way: whatever it started, and any Node-RED of this user dir.
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of demoProcesses(userDir)) process.kill(pid, 'SIGKILL');
    rmSync(userDir, { recursive: true, force: true });
  });

  function start(command: string, args: string[]): Running {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, SMSGATE_DEMO_DIR: userDir, SMSC_PORT: String(smscPort), NODE_RED_PORT: String(redPort) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    started.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return { process: child, stderr: () => stderr };
  }

  async function editorUrl(running: Running, ms: number): Promise<void> {
    try {
      await until(() => running.stderr().includes('Node-RED editor:'), ms, "the editor's URL");
    } catch (err) {
      throw new Error(`${(err as Error).message}; the demo's stderr:\n${running.stderr()}`);
    }
  }

  async function assertAllStopped(what: string): Promise<void> {
    await until(() => demoProcesses(userDir).length === 0, 30_000, `every process of the demo to end after ${what}`);
    // A process on its way out has no environment to read any more but may hold its sockets a moment longer.
    for (const port of [smscPort, redPort]) {
      const deadline = Date.now() + 10_000;
      while ((await portTaken(port)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await portTaken(port), false, `port ${port} is free after ${what}`);
    }
  }

  it('sends its inbound SMS once an editor connects, sends another from the inject node, and stops everything on SIGTERM to npm', async () => {
    const demo = start('npm', ['start']);
    await editorUrl(demo, 180_000);
    assert.ok(nodeRedRuns(userDir), 'Node-RED runs');
    assert.ok(!demo.stderr().includes('deliver_sm'), 'no inbound SMS before an editor has connected');

    const editor = await connectEditor(redPort);
    try {
      const inbound = (text: string) => editor.debug.some((d) => d.name === 'inbound SMS' && d.msg.includes(text));
      await until(() => inbound(FIRST_INBOUND), 30_000, 'the first inbound SMS in the debug sidebar');
      await until(() => demo.stderr().includes('[smsc] submit_sm to +447400123457'), 30_000, 'the auto-reply at the simulator');

      const injected = await fetch(`http://127.0.0.1:${redPort}/inject/${SIMULATE_INBOUND_NODE}`, { method: 'POST' });
      assert.equal(injected.status, 200);
      await until(() => inbound('Another one: are you open tomorrow?'), 30_000, 'the simulated inbound SMS in the debug sidebar');
      assert.equal(editor.debug.filter((d) => d.name === 'inbound SMS' && d.msg.includes(FIRST_INBOUND)).length, 1, 'the first one once only');
    } finally {
      editor.close();
    }

    const exited = new Promise((resolve) => demo.process.once('exit', resolve));
    demo.process.kill('SIGTERM');
    await exited;
    await assertAllStopped('SIGTERM to npm start');
  });

  it('stops everything on SIGINT to npm (which the shell npm runs scripts in would swallow)', async () => {
    const demo = start('npm', ['start']);
    await editorUrl(demo, 180_000);
    assert.ok(nodeRedRuns(userDir), 'Node-RED runs');
    const exited = new Promise((resolve) => demo.process.once('exit', resolve));
    demo.process.kill('SIGINT');
    await exited;
    await assertAllStopped('SIGINT to npm start');
  });

  it('stops everything when the process that started it dies (SIGKILL), and Node-RED stops when the demo script itself is killed', async () => {
    // A parent that starts the demo script and says its pid, as npm (or a shell) would start it.
    const parentCode = `
      const child = require('node:child_process').spawn(process.execPath, ['scripts/start-demo.js'], { stdio: 'inherit' });
      process.stderr.write('demo pid ' + child.pid + '\\n');
      setInterval(() => {}, 1000);`;
    for (const victim of ['parent', 'demo script'] as const) {
      const parent = start(process.execPath, ['-e', parentCode]);
      await editorUrl(parent, 120_000);
      assert.match(parent.stderr(), /Kept the flows/, 'the flows of the first run are kept');
      const demoPid = Number(/demo pid (\d+)/.exec(parent.stderr())![1]);
      assert.ok(nodeRedRuns(userDir), 'Node-RED runs');

      if (victim === 'parent') {
        parent.process.kill('SIGKILL');
        await until(() => !alive(demoPid), 30_000, 'the demo script to notice its parent died and stop');
      } else {
        // Node-RED's parent is the demo script: only its IPC channel closing tells Node-RED.
        process.kill(demoPid, 'SIGKILL');
        parent.process.kill('SIGKILL');
      }
      await assertAllStopped(`SIGKILL to the ${victim}`);
    }
  });
});

/** Running, not just a zombie nobody reaped (an orphan's new parent here may never reap it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
