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
  name: string;
  child: ChildProcess;
  got: { listener: string; kind: string; name: string }[];
  lines: string[];
  /** What it wrote to stderr (its gateway's warnings, a crash), for the message of a failure. */
  errors: string[];
  exited: Promise<void>;
}

function startHost(name: string, path: string, port: number, connectionId: string, spec: string): HostProcess {
  const child = spawn(process.execPath, [FIXTURE, path, String(port), connectionId, spec], { stdio: ['pipe', 'pipe', 'pipe'] });
  const proc: HostProcess = { name, child, got: [], lines: [], errors: [], exited: new Promise((resolve) => child.on('exit', () => resolve())) };
  eachLine(child.stdout!, (line) => {
    proc.lines.push(line);
    const [word, listener, kind, name] = line.split(' ');
    if (word === 'got') proc.got.push({ listener: listener!, kind: kind!, name: name! });
  });
  eachLine(child.stderr!, (line) => proc.errors.push(line));
  return proc;
}

function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) onLine(line);
  });
}

/** Throws if it exited, so that a test fails at once rather than at a timeout. */
function running(proc: HostProcess): true {
  if (proc.child.exitCode !== null) throw new Error(`host process ${proc.name} exited with ${proc.child.exitCode}: ${sample(proc.errors.slice(-8), 8)}`);
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

/** The events (`kind name`) each listener id must get: every report (`a<i>`, `b<i>`, matched to its message) and SMS (`in<i>`). */
type Expected = Record<string, string[]>;

function expectedEvents(perProcess: number, inbound: number): string[] {
  return [
    ...Array.from({ length: perProcess }, (_, i) => [`report a${i}`, `report b${i}`]).flat(),
    ...Array.from({ length: inbound }, (_, i) => `inbound in${i}`),
  ].sort();
}

function complete(procs: HostProcess[], expected: Expected): boolean {
  return Object.entries(expected).every(([listener, events]) => {
    const counts = tally(procs, listener);
    return events.every((event) => counts.has(event));
  });
}

/**
 * Why `expected` is not complete, for a failure's message: per listener id what is missing and
 * what came that was not expected (an unmatched report) or twice; per process the `sent` line,
 * what became of the reports it received and the messages by state (its `status`, asked now),
 * and its warnings.
 */
async function diagnosis(procs: HostProcess[], expected: Expected): Promise<string> {
  const out: string[] = [];
  for (const [listener, events] of Object.entries(expected)) {
    const counts = tally(procs, listener);
    const missing = events.filter((event) => !counts.has(event));
    const unexpected = [...counts.keys()].filter((event) => !events.includes(event));
    const twice = [...counts.entries()].filter(([, n]) => n > 1).map(([event, n]) => `${event} x${n}`);
    const split = procs.map((p) => `${p.name} ${p.got.filter((g) => g.listener === listener).length}`).join(', ');
    out.push(
      `listener ${listener}: ${counts.size}/${events.length} events (${split}); missing ${missing.length}: ${sample(missing)}; ` +
        `not expected ${unexpected.length}: ${sample(unexpected)}; twice ${twice.length}: ${sample(twice)}`,
    );
  }
  for (const p of procs) {
    const asked = p.lines.length;
    if (p.child.exitCode === null) p.child.stdin!.write('status\n');
    // Its stdin is read in order: after a `send` still running, no answer (said as such).
    await until(() => p.child.exitCode !== null || p.lines.slice(asked).some((l) => l.startsWith('status ')), 5_000, 'status').catch(() => undefined);
    const status = p.lines.slice(asked).find((l) => l.startsWith('status ')) ?? '(no status: busy or exited)';
    const unmatched = p.errors.filter((l) => l.includes('matches no message'));
    const other = p.errors.filter((l) => !l.includes('matches no message'));
    out.push(
      `process ${p.name}: ${p.lines.includes('sent') ? 'sent all' : 'NOT all sent'}; exit ${p.child.exitCode}; ${status}; ` +
        `unmatched-report warnings ${unmatched.length}: ${sample(unmatched, 5)}; other stderr ${other.length}: ${sample(other, 8)}`,
    );
  }
  return out.join('\n');
}

function sample(items: string[], n = 12): string {
  return items.length === 0 ? '-' : items.slice(0, n).join(' | ') + (items.length > n ? ` | ... (${items.length - n} more)` : '');
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
  async function traffic(specs: [string, string], perProcess: number, inbound: number, expected: Expected) {
    const path = join(dir, 'smsgate.db');
    // One connection id in both, as one flow's config node (one n8n credential) has.
    const procs2 = specs.map((spec, i) => startHost(i === 0 ? 'A' : 'B', path, port, 'smsc', spec));
    procs.push(...procs2);
    const [a, b] = procs2 as [HostProcess, HostProcess];
    const started = Date.now();
    await until(() => said(a, 'ready') && said(b, 'ready'), 60_000, 'both host processes ready');
    await until(() => sim.sessions() === 2, 10_000, 'both bound');
    const ready = Date.now();
    a.child.stdin!.write(`send ${perProcess} a\n`);
    b.child.stdin!.write(`send ${perProcess} b\n`);
    for (let i = 0; i < inbound; i++) await sim.injectMo({ from: '+447400123457', to: '60000', text: `in${i}` });
    try {
      await until(() => running(a) && running(b) && complete(procs2, expected), 60_000, 'every report and SMS at each listener id');
    } catch (err) {
      throw new Error(`${(err as Error).message} (${Date.now() - ready} ms after both were ready); ${sim.submits.length} submits\n${await diagnosis(procs2, expected)}`);
    }
    console.log(`      ready in ${ready - started} ms; every event at each listener ${Date.now() - ready} ms later`);
    // A clean stop finishes what each process is handing on: a duplicate would be counted.
    for (const p of procs2) p.child.stdin!.write('stop\n');
    await Promise.all(procs2.map((p) => p.exited));
    assert.equal(sim.submits.length, 2 * perProcess, 'each message submitted once');
    return procs2;
  }

  /** Every expected event once: the keys `tally` counts. */
  function everyOnce(counts: Map<string, number>, expected: string[], what: string): void {
    assert.deepEqual([...counts.keys()].sort(), expected, `${what}: every report (matched to its message) and SMS`);
    assert.deepEqual([...counts.entries()].filter(([, n]) => n !== 1), [], `${what}: nothing twice`);
  }

  it('hands each report and inbound SMS to a listener id subscribed in both processes once in all, and to a second id once too', async () => {
    // `flow` subscribes to two kinds under one id (as n8n's trigger does); `audit` to reports.
    const spec = 'flow:report,inbound;audit:report';
    const perProcess = 100;
    const inbound = 40;
    const expected = { flow: expectedEvents(perProcess, inbound), audit: expectedEvents(perProcess, 0) };
    const [a, b] = await traffic([spec, spec], perProcess, inbound, expected);
    const split = (id: string) => [a!, b!].map((p) => p.got.filter((g) => g.listener === id).length);
    console.log(`      flow handed on by the two processes: ${split('flow').join(' + ')}; audit: ${split('audit').join(' + ')}`);
    everyOnce(tally([a!, b!], 'flow'), expected.flow, 'flow');
    everyOnce(tally([a!, b!], 'audit'), expected.audit, 'audit');
  });

  it('hands each report and inbound SMS to each of two listener ids, one per process, once', async () => {
    const perProcess = 50;
    const inbound = 20;
    const all = expectedEvents(perProcess, inbound);
    const [a, b] = await traffic(['one:report,inbound', 'two:report,inbound'], perProcess, inbound, { one: all, two: all });
    everyOnce(tally([a!], 'one'), all, 'one, in the first process');
    everyOnce(tally([b!], 'two'), all, 'two, in the second process');
  });
});
