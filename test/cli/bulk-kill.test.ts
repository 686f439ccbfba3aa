/**
 * A bulk run killed with SIGKILL midway, and the same file sent again: every row reaches the
 * SMSC simulator exactly once, and the killed run's --out lists every row it had accepted.
 *
 * So that the count at the simulator can be exact, the kill comes when no accepted submit is
 * unrecorded: after 100 accepted submits the simulator refuses every further one (a temporary
 * error, so the gateway keeps those messages for a retry), and the run is killed once --out
 * shows the 100 delivered and the reader held back by the 1 000 rows waiting for a submit.
 * A submit accepted by the SMSC whose response the killed process never stored would be sent
 * again: that window is the transport's, not the bulk command's.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmscSimulator } from '../../src/smpp/simulator';
import { until } from '../helpers/until';
import { acceptedByDestination, CLI, lastByRow, readOut, smsgate, writeBulkFiles } from './bulk-cli';

const ROWS = 1500;
const ACCEPTED_BEFORE_REFUSING = 100;
const ESME_RSUBMITFAIL = 0x45;

describe('smsgate send --csv killed midway and run again', function () {
  this.timeout(240_000);
  let dir: string;
  let sim: SmscSimulator;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-bulk-kill-'));
  });
  afterEach(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends each row exactly once, counted at the simulator, and the killed run listed every row it accepted', async () => {
    // Receipts 50 ms after the response. With 0 the gateway lost about a quarter of them, the
    // receipts that overtook the storing of their submit's response (issue 14, point 4).
    sim = new SmscSimulator({ port: 0, dlrDelayMs: 50 });
    const { port } = await sim.start();
    let accepted = 0;
    sim.on('submit', (submit) => {
      if (submit.commandStatus === 0 && ++accepted === ACCEPTED_BEFORE_REFUSING) sim.setFaults({ submitStatus: ESME_RSUBMITFAIL });
    });
    const { config, csv } = writeBulkFiles(dir, port, ROWS);
    const out = join(dir, 'out.jsonl');
    const args = ['send', '--config', config, '--csv', csv, '--text', 'Hi {{name}}', '--out', out, '--wait', '--timeout', '150', '--json'];

    const killed = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => killed.once('exit', (_code, signal) => resolve(signal)));
    let seen = { delivered: 0, listed: 0 };
    try {
      await until(
        () => {
          const lines = readOut(out);
          seen = { delivered: lines.filter((l) => l.state === 'DELIVERED').length, listed: lines.filter((l) => l.state === 'QUEUED').length };
          return seen.delivered === ACCEPTED_BEFORE_REFUSING && seen.listed >= 1000 + ACCEPTED_BEFORE_REFUSING;
        },
        60_000,
        'the first run to deliver 100 rows and hold back the rest',
      ).catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify(seen)}, ${accepted} accepted at the simulator`));
    } finally {
      killed.kill('SIGKILL');
    }
    assert.equal(await exited, 'SIGKILL');
    const firstRun = lastByRow(readOut(out));
    assert.ok(firstRun.size < ROWS, `the first run had accepted ${firstRun.size} rows before it was killed`);
    assert.equal(acceptedByDestination(sim).size, ACCEPTED_BEFORE_REFUSING);

    sim.setFaults({ submitStatus: null });
    const rerun = await smsgate(args, 200_000);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(
      { total: rerun.json.total, delivered: rerun.json.delivered, pending: rerun.json.pending, already: rerun.json.already },
      { total: ROWS, delivered: ROWS, pending: 0, already: firstRun.size },
    );

    // Exactly one accepted submit_sm per row: none lost, none twice.
    const sent = acceptedByDestination(sim);
    const twice = [...sent].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], 'rows sent more than once');
    assert.equal(sent.size, ROWS);
    const refused = sim.submits.filter((s) => s.commandStatus === ESME_RSUBMITFAIL).length;
    assert.ok(refused > 0, 'the simulator refused submits while the first run was killed');

    // The rows the rerun found already accepted are the rows the killed run had listed, with the same ids.
    const lines = readOut(out);
    const already = lines.filter((l) => l.already === true);
    assert.deepEqual(new Set(already.map((l) => l.row)), new Set(firstRun.keys()));
    for (const line of already) assert.equal(line.id, firstRun.get(line.row)!.id, `row ${line.row}`);
    const final = lastByRow(lines);
    assert.equal(final.size, ROWS);
    assert.ok([...final.values()].every((l) => l.state === 'DELIVERED'));
  });
});
