#!/usr/bin/env node
// `npm start`: the built-in SMSC simulator and a local Node-RED with the smsgate nodes and the
// demo flow (examples/node-red/demo.json) deployed. Loopback only. Node-RED's user directory
// is .smsgate-demo/ (delete it to start over); the package is linked into it the way
// `npm install <folder>` links a package under development, so Node-RED loads it from dist/.
//
// Ports: SMSC_PORT (2775) and NODE_RED_PORT (1880).
'use strict';
const { spawn } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { SmscSimulator } = require('../dist');

const ROOT = join(__dirname, '..');
const USER_DIR = join(ROOT, '.smsgate-demo');
const SMSC_PORT = Number(process.env.SMSC_PORT || 2775);
const RED_PORT = Number(process.env.NODE_RED_PORT || 1880);
const CREDENTIALS = { systemId: 'demo', password: 'demo' };
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

  prepareUserDir();
  const fresh = !existsSync(join(USER_DIR, 'flows.json'));
  const red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--settings', join(USER_DIR, 'settings.js'), '--userDir', USER_DIR], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    red.kill('SIGINT');
    await new Promise((resolve) => (red.exitCode === null ? red.once('exit', resolve) : resolve()));
    await sim.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  red.once('exit', (code) => {
    if (!stopping) {
      say(`Node-RED exited (${code})`);
      void sim.stop().then(() => process.exit(1));
    }
  });

  const editor = `http://127.0.0.1:${RED_PORT}/`;
  await waitForEditor(editor);
  if (fresh) await deployDemo(editor);
  else say('Kept the flows in .smsgate-demo/ (delete the folder to get the demo flow again).');

  say('');
  say(`Node-RED editor: ${editor}`);
  say('Click "Send a test SMS" and watch the debug sidebar. Ctrl-C stops Node-RED and the simulator.');

  // Someone writes in a few seconds after start, so the auto-reply has something to answer.
  setTimeout(() => {
    sim.injectMo({ from: '+447400123457', to: 'smsgate', text: 'Hi! Is this the smsgate demo?' }).catch((err) => say(`inbound demo message: ${err.message}`));
  }, 5000);
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
    logging: { console: { level: 'info' } },
  };
  writeFileSync(join(USER_DIR, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
}

async function waitForEditor(editor) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await fetch(`${editor}settings`).catch(() => undefined);
    if (answer?.status === 200) return;
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
