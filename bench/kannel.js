'use strict';
/**
 * A peer row for bench/smpp.js: Kannel (Debian's `kannel` package: bearerbox + smsbox) sending
 * through the same SMSC simulator, messages submitted over smsbox's sendsms HTTP interface with
 * delivery reports asked for (dlr-mask 3, reported back to a local HTTP server). Measures
 * submits/s as the simulator sees them and receipts/s as Kannel reports them.
 * Needs bearerbox and smsbox on the PATH (apt-get install kannel); prints one JSON document.
 */
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const http = require('node:http');
const { connect, createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10000);
const CONCURRENCY = 50;
const dir = mkdtempSync(join(tmpdir(), 'smsgate-kannel-'));

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The simulator in a child process; its stderr has one line per submit_sm, which we count. */
function startSimulator(onSubmit) {
  const child = spawn(process.execPath, [CLI, 'simulate', 'smsc', '--port', '0', '--system-id', 'bench', '--password', 'bench', '--dlr-delay', '10', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr.setEncoding('utf8');
  let partial = '';
  child.stderr.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    for (const line of lines) if (line.includes('submit_sm')) onSubmit();
  });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (line) => resolve({ child, port: JSON.parse(String(line)).port }));
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code})`)));
  });
}

function kannelConfig(smscPort, ports) {
  return `
group = core
admin-port = ${ports.admin}
admin-password = bench
smsbox-port = ${ports.smsbox}
box-allow-ip = "127.0.0.1"
log-level = ${process.env.KEEP ? 0 : 4}
log-file = "${join(dir, 'bearerbox.log')}"

group = smsc
smsc = smpp
smsc-id = sim
host = 127.0.0.1
port = ${smscPort}
transceiver-mode = true
smsc-username = bench
smsc-password = bench
system-type = "VMA"
max-pending-submits = 100
msg-id-type = 0x03

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${ports.smsbox}
sendsms-port = ${ports.sendsms}
log-level = 4
log-file = "${join(dir, 'smsbox.log')}"

group = sendsms-user
username = bench
password = bench
`;
}

function get(agent, url) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
}

async function waitForPort(port, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitFor(condition, ms, what) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main() {
  let submits = 0;
  let receipts = 0;
  const { child: simulator, port: smscPort } = await startSimulator(() => submits++);
  const dlrServer = http.createServer((req, res) => {
    receipts++;
    res.end('ok');
  });
  await new Promise((resolve) => dlrServer.listen(0, '127.0.0.1', resolve));
  const ports = { admin: await freePort(), smsbox: await freePort(), sendsms: await freePort() };
  const config = join(dir, 'kannel.conf');
  writeFileSync(config, kannelConfig(smscPort, ports));
  const bearerbox = spawn('bearerbox', [config], { stdio: 'ignore' });
  let smsbox;
  try {
    // smsbox gives up at once when bearerbox is not listening yet.
    await waitForPort(ports.smsbox, 30_000);
    smsbox = spawn('smsbox', [config], { stdio: 'ignore' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const sendsms = (i) =>
      `http://127.0.0.1:${ports.sendsms}/cgi-bin/sendsms?username=bench&password=bench&from=ACME&to=%2B447400123456` +
      `&text=${encodeURIComponent(`bench message ${i}`)}&dlr-mask=3` +
      `&dlr-url=${encodeURIComponent(`http://127.0.0.1:${dlrServer.address().port}/dlr?i=${i}`)}`;
    // Kannel is ready once a first message goes through end to end.
    const deadline = Date.now() + 30_000;
    while ((await get(agent, sendsms(-1)).catch(() => 0)) !== 202 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await waitFor(() => receipts >= 1, 30_000, 'the first receipt from Kannel');
    submits = 0;
    receipts = 0;

    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < MESSAGES) await get(agent, sendsms(next++));
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const accepted = performance.now();
    await waitFor(() => submits >= MESSAGES, 120_000, 'every submit at the simulator');
    const submitted = performance.now();
    await waitFor(() => receipts >= MESSAGES, 120_000, 'every receipt back from Kannel');
    const reported = performance.now();
    process.stdout.write(
      `${JSON.stringify({
        peer: 'Kannel (Debian kannel package), sendsms HTTP -> bearerbox -> SMPP, max-pending-submits 100',
        messages: MESSAGES,
        httpAcceptedPerSecond: Math.round(MESSAGES / ((accepted - started) / 1000)),
        submitsPerSecond: Math.round(MESSAGES / ((submitted - started) / 1000)),
        receiptsPerSecond: Math.round(MESSAGES / ((reported - started) / 1000)),
      }, null, 2)}\n`,
    );
  } finally {
    smsbox?.kill();
    bearerbox.kill();
    simulator.kill();
    dlrServer.close();
    if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
