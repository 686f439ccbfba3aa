/**
 * `send --csv` in process, so that the outbox can be watched while the file is read.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendBulk } from '../../src/cli/commands/bulk';
import type { Output } from '../../src/cli/io';
import { Gateway } from '../../src/gateway/gateway';
import { SmppTransport } from '../../src/smpp/transport';
import { MemoryStore } from '../../src/store/memory';
import { LoopbackTransport } from '../../src/transport/loopback';
import type { Transport } from '../../src/transport/types';

describe('smsgate send --csv, in process', () => {
  let dir: string;
  let gateway: Gateway | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-bulk-'));
  });

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function csvOf(rows: number): string {
    const csv = join(dir, 'rows.csv');
    const lines = Array.from({ length: rows }, (_, i) => `+4474001${String(i).padStart(5, '0')},n${i}`);
    writeFileSync(csv, `to,name\n${lines.join('\n')}\n`);
    return csv;
  }

  /** A gateway on a memory store whose largest QUEUED count, seen at each insert, is kept. */
  async function gatewayWatched(transport: Transport): Promise<{ mostQueued: () => number }> {
    const store = new MemoryStore();
    let most = 0;
    const insert = store.insertMessage.bind(store);
    store.insertMessage = async (record) => {
      most = Math.max(most, ((await store.countByState()).QUEUED ?? 0) + 1);
      return insert(record);
    };
    // Ten submits in flight at 5 ms each: 2 000/s, slower than the file is read.
    gateway = new Gateway({ store, transports: [transport], guard: { enabled: false }, concurrency: 10 });
    await gateway.start();
    return { mostQueued: () => most };
  }

  function capture(): Output & { document: () => Record<string, number> } {
    let document: unknown;
    return { json: true, result: (doc) => (document = doc), note: () => undefined, document: () => document as Record<string, number> };
  }

  it('reads rows only as fast as the gateway submits them, so the outbox holds at most 1 000 waiting', async () => {
    const watched = await gatewayWatched(new LoopbackTransport({ id: 'loop', submitDelayMs: 5 }));
    const out = capture();
    const options = { csvPath: csvOf(3000), template: 'Hi {{name}}', sender: {}, timeoutMs: 30_000 };
    assert.equal(await sendBulk(gateway!, out, options), 0);
    assert.equal(out.document().accepted, 3000);
    // 1 000 waiting, plus the 64 sends in flight that are not counted yet.
    assert.ok(watched.mostQueued() <= 1064, `${watched.mostQueued()} were queued at once`);
  });

  it('queues the rest without waiting when nothing has been submitted for the timeout (the link is down)', async () => {
    const down = new SmppTransport({ id: 'smsc', host: '127.0.0.1', port: 1, systemId: 'x', password: 'x', reconnectBaseMs: 60_000 });
    await gatewayWatched(down);
    const out = capture();
    const options = { csvPath: csvOf(1500), template: 'Hi {{name}}', sender: {}, timeoutMs: 300 };
    assert.equal(await sendBulk(gateway!, out, options), 1);
    assert.deepEqual(
      { total: out.document().total, accepted: out.document().accepted, queued: out.document().queued },
      { total: 1500, accepted: 0, queued: 1500 },
    );
  });
});
