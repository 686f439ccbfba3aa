/**
 * `smsgate send --csv --wait` as a real process against the SMSC simulator over TCP, with a
 * sqlite store: each row's final state in --out and in the summary, and the idempotency keys.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmscSimulator, type SmscSimulatorOptions } from '../../src/smpp/simulator';
import { acceptedByDestination, lastByRow, numberOf, readOut, smsgate, writeBulkFiles } from './bulk-cli';

describe('smsgate send --csv --wait, as a process against the SMSC simulator', function () {
  this.timeout(60_000);
  let dir: string;
  let sim: SmscSimulator | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-bulk-wait-'));
  });
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function setUp(options: SmscSimulatorOptions, rows: number, extraColumn = ''): Promise<{ config: string; csv: string }> {
    sim = new SmscSimulator({ port: 0, ...options });
    const { port } = await sim.start();
    return writeBulkFiles(dir, port, rows, extraColumn);
  }

  it('writes each row DELIVERED, with its id, once its report came, and counts the rows delivered', async () => {
    const { config, csv } = await setUp({ dlrDelayMs: 20 }, 40);
    const out = join(dir, 'out.jsonl');
    const run = await smsgate(['send', '--config', config, '--csv', csv, '--text', 'Hi {{name}}', '--out', out, '--wait', '--timeout', '30', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.total, 40);
    assert.equal(run.json.accepted, 40);
    assert.equal(run.json.delivered, 40);
    assert.equal(run.json.pending, 0);
    assert.equal(run.json.already, 0);

    const lines = readOut(out);
    const rows = lastByRow(lines);
    assert.equal(rows.size, 40);
    for (const [row, line] of rows) {
      assert.equal(line.state, 'DELIVERED', `row ${row}`);
      assert.equal(line.to, numberOf(row - 1));
      assert.equal(line.error, null);
      // Accepted first (written before it was submitted), then final, with the same id.
      const first = lines.find((l) => l.row === row)!;
      assert.equal(first.state, 'QUEUED');
      assert.equal(first.id, line.id);
    }
    const sent = acceptedByDestination(sim!);
    assert.equal(sent.size, 40);
    assert.ok([...sent.values()].every((n) => n === 1));
  });

  it('writes each row UNDELIVERED with the error of its report, counts them, and exits 1', async () => {
    const { config, csv } = await setUp({ dlrDelayMs: 20, dlrStatus: 'UNDELIV' }, 20);
    const out = join(dir, 'out.jsonl');
    const run = await smsgate(['send', '--config', config, '--csv', csv, '--text', 'Hi {{name}}', '--out', out, '--wait', '--json']);
    assert.equal(run.code, 1);
    assert.deepEqual(
      { accepted: run.json.accepted, delivered: run.json.delivered, undelivered: run.json.undelivered, pending: run.json.pending },
      { accepted: 20, delivered: 0, undelivered: 20, pending: 0 },
    );
    const rows = lastByRow(readOut(out));
    assert.equal(rows.size, 20);
    for (const line of rows.values()) {
      assert.equal(line.state, 'UNDELIVERED');
      // The simulator's receipts carry err:001 for UNDELIV.
      assert.deepEqual({ code: line.error?.code, providerCode: line.error?.providerCode }, { code: 'DELIVERY_FAILED', providerCode: '001' });
    }
  });

  it('writes the state a row is in at the timeout, SUBMITTED, and counts it pending', async () => {
    const { config, csv } = await setUp({ dlrDelayMs: 600_000 }, 10);
    const out = join(dir, 'out.jsonl');
    const run = await smsgate(['send', '--config', config, '--csv', csv, '--text', 'Hi {{name}}', '--out', out, '--wait', '--timeout', '1', '--json']);
    assert.equal(run.code, 1);
    assert.deepEqual(
      { accepted: run.json.accepted, delivered: run.json.delivered, pending: run.json.pending },
      { accepted: 10, delivered: 0, pending: 10 },
    );
    for (const line of lastByRow(readOut(out)).values()) assert.equal(line.state, 'SUBMITTED');
  });

  it('sends no row twice when the same file is sent again, counting its rows as already, and sends a changed text', async () => {
    const { config, csv } = await setUp({ dlrDelayMs: 10 }, 15);
    const args = ['send', '--config', config, '--csv', csv, '--out', join(dir, 'out.jsonl'), '--wait', '--json'];
    const first = await smsgate([...args, '--text', 'Hi {{name}}']);
    assert.equal(first.json.delivered, 15);
    const again = await smsgate([...args, '--text', 'Hi {{name}}']);
    assert.equal(again.code, 0);
    assert.deepEqual({ already: again.json.already, delivered: again.json.delivered }, { already: 15, delivered: 15 });
    assert.equal(sim!.submits.length, 15, 'the second run sent nothing');

    const changed = await smsgate([...args, '--text', 'Hello {{name}}']);
    assert.deepEqual({ already: changed.json.already, delivered: changed.json.delivered }, { already: 0, delivered: 15 });
    assert.equal(sim!.submits.length, 30);
  });

  it('takes each row key from --key-column, whatever else changed in the file', async () => {
    const { config, csv } = await setUp({ dlrDelayMs: 10 }, 12, 'ref');
    const args = ['send', '--config', config, '--csv', csv, '--key-column', 'ref', '--text', 'Hi {{name}}', '--json'];
    assert.equal((await smsgate(args)).json.accepted, 12);
    // The same keys in another order, with a new row: only the new row goes.
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    writeFileSync(csv, [lines[0], ...lines.slice(1).reverse(), `${numberOf(99)},n99,k99`].join('\n'));
    const again = await smsgate(args);
    assert.deepEqual({ total: again.json.total, already: again.json.already, accepted: again.json.accepted }, { total: 13, already: 12, accepted: 13 });
    assert.equal(sim!.submits.length, 13);

    const noColumn = await smsgate([...args.slice(0, 5), '--key-column', 'nope', '--text', 'Hi', '--json']);
    assert.equal(noColumn.code, 2);
    assert.match(String((noColumn.json as unknown as { error: { message: string } }).error.message), /--key-column names "nope"/);
  });
});
