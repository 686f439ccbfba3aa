#!/usr/bin/env node
// `npm start`: the built-in SMSC simulator and a local Node-RED with the smsgate nodes and the
// demo flow (examples/node-red/demo.json) deployed. Loopback only. Node-RED's user directory
// is .smsgate-demo/ (delete it to start over; SMSGATE_DEMO_DIR puts it elsewhere); the package
// is linked into it the way `npm install <folder>` links a package under development, so
// Node-RED loads it from dist/.
//
// Ports: SMSC_PORT (2775) and NODE_RED_PORT (1880).
//
// Node-RED runs as a child with an IPC channel, which carries three things: that an editor has
// connected (the demo's first inbound SMS waits for someone to see it), the flow's "Simulate an
// inbound SMS" (the simulator lives in this process), and this process's death: Node-RED stops
// itself when the channel closes, even when this process was killed with SIGKILL.
//
// Stopping: SIGINT, SIGTERM or SIGHUP to this process stops Node-RED, then the simulator. npm
// runs this script through `sh -c`; when that shell or npm itself goes (killed, or it passed
// SIGTERM to the shell only), this process notices within a second and stops the same way.
'use strict';
const { spawn } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { SmscSimulator } = require('../dist');

const ROOT = join(__dirname, '..');
const USER_DIR = process.env.SMSGATE_DEMO_DIR ? resolve(process.env.SMSGATE_DEMO_DIR) : join(ROOT, '.smsgate-demo');
const SMSC_PORT = Number(process.env.SMSC_PORT || 2775);
const RED_PORT = Number(process.env.NODE_RED_PORT || 1880);
const CREDENTIALS = { systemId: 'demo', password: 'demo' };
const FIRST_INBOUND = { from: '+447400123457', to: 'smsgate', text: 'Hi! Is this the smsgate demo?' };
/** How long Node-RED may take to close its flows before it is killed. */
const RED_STOP_MS = 20_000;
const say = (line) => process.stderr.write(`${line}\n`);

async function main() {
  const sim = new SmscSimulator({ host: '127.0.0.1', port: SMSC_PORT, ...CREDENTIALS, dlrDelayMs: 1000 });
  try {
    await sim.start();
  } catch (err) {
    say(`${err.message}\nAnother program uses port ${SMSC_PORT}; set SMSC_PORT to another port.`);
    process.exit(1);
  }
  say(`SMSC simulator listening on 127.0.0.1:${SMSC_PORT} (system id "demo", password "demo")`);
  // The SMSC's side of the story, beside Node-RED's debug sidebar.
  sim.on('submit', (submit) => {
    const part = submit.concat === undefined ? '' : ` (part ${submit.concat.sequence}/${submit.concat.total})`;
    say(`[smsc] submit_sm to +${submit.destination.addr}${part}: ${JSON.stringify(submit.text)}`);
  });
  const inbound = (mo) => {
    say(`[smsc] deliver_sm from ${mo.from}: ${JSON.stringify(mo.text)}`);
    sim.injectMo(mo).catch((err) => say(`inbound SMS: ${err.message}`));
  };

  prepareUserDir();
  const fresh = !existsSync(join(USER_DIR, 'flows.json'));
  // Its own process group: a Ctrl-C in the terminal reaches this process only, which stops
  // Node-RED once, in order.
  const red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--settings', join(USER_DIR, 'settings.js'), '--userDir', USER_DIR], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  let stopping = false;
  let parentWatch;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    clearInterval(parentWatch);
    if (red.exitCode === null && red.signalCode === null) {
      const exited = new Promise((resolve) => red.once('exit', resolve));
      red.kill('SIGTERM');
      const kill = setTimeout(() => killGroup(red.pid), RED_STOP_MS);
      await exited;
      clearTimeout(kill);
    }
    await sim.stop();
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(0));
  parentWatch = watchParent(() => {
    say('npm start went away: stopping Node-RED and the simulator.');
    void stop(0);
  });
  red.once('exit', (code) => {
    if (stopping) return;
    say(`Node-RED exited (${code})`);
    void stop(1);
  });

  let editorSeen = false;
  red.on('message', (message) => {
    if (message?.type === 'editor-connected' && !editorSeen) {
      editorSeen = true;
      say('The editor is connected: the simulator sends an inbound SMS now, and the auto-reply answers it.');
      inbound(FIRST_INBOUND);
    } else if (message?.type === 'inbound') {
      const from = typeof message.from === 'string' && message.from !== '' ? message.from : FIRST_INBOUND.from;
      inbound({ from, to: FIRST_INBOUND.to, text: typeof message.text === 'string' ? message.text : String(message.text) });
    }
  });

  const editor = `http://127.0.0.1:${RED_PORT}/`;
  await waitForEditor(editor, () => stopping);
  if (stopping) return;
  if (fresh) await deployDemo(editor);
  else say(`Kept the flows in ${USER_DIR} (delete the folder to get the demo flow again).`);

  say('');
  say(`Node-RED editor: ${editor}`);
  say('Open it: the simulator then sends an inbound SMS. Click "Send a test SMS" and watch the debug sidebar.');
  say('Ctrl-C stops Node-RED and the simulator.');
}

/**
 * Calls `onGone` once the process that started this one ends: the parent (its pid changes when
 * this process is orphaned) and, where the parent is the shell npm runs scripts in, npm above
 * it (Linux: read from /proc; elsewhere the parent only).
 */
function watchParent(onGone) {
  const parent = process.ppid;
  const above = shellParent(parent);
  const timer = setInterval(() => {
    if (process.ppid !== parent || (above !== undefined && !alive(above))) onGone();
  }, 1000);
  timer.unref();
  return timer;
}

/** The parent of `pid` when `pid` is a shell (`sh -c`, as npm runs a script); else undefined. */
function shellParent(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return ['sh', 'dash', 'bash', 'zsh'].includes(command) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

function prepareUserDir() {
  mkdirSync(join(USER_DIR, 'node_modules', '@smsgate'), { recursive: true });
  const link = join(USER_DIR, 'node_modules', '@smsgate', 'n8n-nodes-smsgate');
  if (!existsSync(link)) symlinkSync(ROOT, link, 'dir');
  if (!existsSync(join(USER_DIR, 'package.json'))) {
    writeFileSync(join(USER_DIR, 'package.json'), JSON.stringify({ name: 'smsgate-demo', private: true, dependencies: { '@smsgate/n8n-nodes-smsgate': `file:${ROOT}` } }, null, 2));
  }
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: RED_PORT,
    httpAdminRoot: '/',
    httpNodeRoot: '/api',
    flowFile: 'flows.json',
    // A demo's own key for its credentials file; a real installation sets its own.
    credentialSecret: 'smsgate-demo',
    telemetry: { enabled: false, updateNotification: false },
    editorTheme: { tours: false },
  };
  writeFileSync(join(USER_DIR, 'settings.js'), `// Written by scripts/start-demo.js at each npm start.
'use strict';
/** To the demo script over the IPC channel it opened; nothing when run without it. */
const tell = (message) => {
  if (process.connected) process.send(message);
};
// The demo script is gone (even killed): stop as on Ctrl-C, and for good after a while.
process.once('disconnect', () => {
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(1), ${RED_STOP_MS}).unref();
});
module.exports = {
${Object.entries(settings)
  .map(([key, value]) => `  ${key}: ${JSON.stringify(value)},`)
  .join('\n')}
  logging: {
    console: { level: 'info', metrics: false, audit: false },
    // Node-RED audits "comms.open" as it accepts an editor's websocket.
    demo: {
      level: 'off',
      audit: true,
      handler: () => (entry) => {
        if (entry.event === 'comms.open') tell({ type: 'editor-connected' });
      },
    },
  },
  // The flow's "Simulate an inbound SMS" asks the SMSC simulator, which runs in the demo script.
  functionGlobalContext: {
    smsgateDemo: { inbound: (sms) => tell({ type: 'inbound', from: String(sms.from ?? ''), text: String(sms.text ?? '') }) },
  },
};
`);
}

async function waitForEditor(editor, stopped) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await fetch(`${editor}settings`).catch(() => undefined);
    if (answer?.status === 200 || stopped()) return;
    if (Date.now() > deadline) throw new Error('Node-RED did not start within a minute');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function deployDemo(editor) {
  const flow = JSON.parse(readFileSync(join(ROOT, 'examples', 'node-red', 'demo.json'), 'utf8'));
  for (const node of flow) {
    if (node.type === 'smsgate-smpp') Object.assign(node, { port: String(SMSC_PORT), credentials: CREDENTIALS });
  }
  const response = await fetch(`${editor}flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify(flow),
  });
  if (response.status !== 204) throw new Error(`deploying the demo flow failed: ${response.status} ${await response.text()}`);
  say('Deployed the demo flow.');
}

main().catch((err) => {
  say(err.stack ?? String(err));
  process.exit(1);
});
