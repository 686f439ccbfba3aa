/**
 * The gateway host's listeners across real processes (issue 15 point 2 on the platforms): two
 * processes, each with its own GatewayHost on ONE sqlite file and a connection bound to the SMSC
 * simulator with the same account, subscribe the same listener ids, as two Node-REDs running
 * one flow (or n8n's main and a worker) would. The simulator hands each receipt to either bind
 * (receiptsTo 'any'). Each report and inbound SMS is handed to each listener id exactly once in
 * all, whichever process received it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmscSimulator } from '../../src';
import { until } from '../helpers/until';

const FIXTURE = join(__dirname, '..', 'fixtures', 'host-listener.js');

interface HostProcess {
  child: ChildProcess;
  got: { listener: string; kind: string; name: string }[];
  lines: string[];
  exited: Promise<void>;
}

function startHost(path: string, port: number, connectionId: string, spec: string): HostProcess {
  const child = spawn(process.execPath, [FIXTURE, path, String(port), connectionId, spec], { stdio: ['pipe', 'pipe', 'inherit'] });
  const proc: HostProcess = { child, got: [], lines: [], exited: new Promise((resolve) => child.on('exit', () => resolve())) };
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) {
      proc.lines.push(line);
      const [word, listener, kind, name] = line.split(' ');
      if (word === 'got') proc.got.push({ listener: listener!, kind: kind!, name: name! });
    }
  });
  return proc;
}

/** Throws if it exited, so that a test fails at once rather than at a timeout. */
function running(proc: HostProcess): true {
  if (proc.child.exitCode !== null) throw new Error(`a host process exited with ${proc.child.exitCode}`);
  return true;
}

function said(proc: HostProcess, line: string): boolean {
  return running(proc) && proc.lines.includes(line);
}

/** How many times each event (`kind name`) was handed to `listenerId`, over all the processes. */
function tally(procs: HostProcess[], listenerId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { kind, name } of procs.flatMap((p) => p.got).filter((g) => g.listener === listenerId)) {
    counts.set(`${kind} ${name}`, (counts.get(`${kind} ${name}`) ?? 0) + 1);
  }
  return counts;
}

describe('GatewayHost listeners across processes on one sqlite file', function () {
  this.timeout(120_000);
  let dir: string;
  let sim: SmscSimulator;
  let port: number;
  const procs: HostProcess[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-hostprocs-'));
    sim = new SmscSimulator({ host: '127.0.0.1', port: 0, systemId: 'hostprocs', password: 'pr0cs-pw', dlrDelayMs: 5, receiptsTo: 'any' });
    port = (await sim.start()).port;
  });

  afterEach(async () => {
    for (const p of procs.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Two host processes on one file with `specs`, bound with one account; each sends `perProcess` messages, the SMSC sends `inbound` SMS. */
  async function traffic(specs: [string, string], perProcess: number, inbound: number, done: (procs: HostProcess[]) => boolean) {
    const path = join(dir, 'smsgate.db');
    // One connection id in both, as one flow's config node (one n8n credential) has.
    const procs2 = specs.map((spec) => startHost(path, port, 'smsc', spec));
    procs.push(...procs2);
    const [a, b] = procs2 as [HostProcess, HostProcess];
    await until(() => said(a, 'ready') && said(b, 'ready'), 60_000, 'both host processes ready');
    await until(() => sim.sessions() === 2, 10_000, 'both bound');
    a.child.stdin!.write(`send ${perProcess} a\n`);
    b.child.stdin!.write(`send ${perProcess} b\n`);
    for (let i = 0; i < inbound; i++) await sim.injectMo({ from: '+447400123457', to: '60000', text: `in${i}` });
    await until(() => running(a) && running(b) && done(procs2), 60_000, 'every report and SMS at each listener id');
    // A clean stop finishes what each process is handing on: a duplicate would be counted.
    for (const p of procs2) p.child.stdin!.write('stop\n');
    await Promise.all(procs2.map((p) => p.exited));
    assert.equal(sim.submits.length, 2 * perProcess, 'each message submitted once');
    return procs2;
  }

  /** Every report (`a<i>`, `b<i>`) and SMS (`in<i>`) once: the keys `tally` counts. */
  function everyOnce(counts: Map<string, number>, perProcess: number, inbound: number, what: string): void {
    const expected = [
      ...Array.from({ length: perProcess }, (_, i) => [`report a${i}`, `report b${i}`]).flat(),
      ...Array.from({ length: inbound }, (_, i) => `inbound in${i}`),
    ].sort();
    assert.deepEqual([...counts.keys()].sort(), expected, `${what}: every report (matched to its message) and SMS`);
    assert.deepEqual([...counts.entries()].filter(([, n]) => n !== 1), [], `${what}: nothing twice`);
  }

  it('hands each report and inbound SMS to a listener id subscribed in both processes once in all, and to a second id once too', async () => {
    // `flow` subscribes to two kinds under one id (as n8n's trigger does); `audit` to reports.
    const spec = 'flow:report,inbound;audit:report';
    const perProcess = 100;
    const inbound = 40;
    const [a, b] = await traffic([spec, spec], perProcess, inbound, (ps) => tally(ps, 'flow').size === 2 * perProcess + inbound && tally(ps, 'audit').size === 2 * perProcess);
    const split = (id: string) => [a!, b!].map((p) => p.got.filter((g) => g.listener === id).length);
    console.log(`      flow handed on by the two processes: ${split('flow').join(' + ')}; audit: ${split('audit').join(' + ')}`);
    everyOnce(tally([a!, b!], 'flow'), perProcess, inbound, 'flow');
    everyOnce(tally([a!, b!], 'audit'), perProcess, 0, 'audit');
  });

  it('hands each report and inbound SMS to each of two listener ids, one per process, once', async () => {
    const perProcess = 50;
    const inbound = 20;
    const all = 2 * perProcess + inbound;
    const [a, b] = await traffic(['one:report,inbound', 'two:report,inbound'], perProcess, inbound, (ps) => tally(ps, 'one').size === all && tally(ps, 'two').size === all);
    everyOnce(tally([a!], 'one'), perProcess, inbound, 'one, in the first process');
    everyOnce(tally([b!], 'two'), perProcess, inbound, 'two, in the second process');
  });
});
