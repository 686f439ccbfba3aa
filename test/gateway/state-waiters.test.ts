/** StateWaiters against a store that another process changes (a store seam, counted calls). */
import assert from 'node:assert/strict';
import { StateWaiters } from '../../src/gateway/state-waiters';
import { MemoryStore } from '../../src/store/memory';
import type { MessageRecord } from '../../src/store/types';
import type { MessageState } from '../../src/types';
import { sampleRecord } from '../helpers/records';
import { until } from '../helpers/until';

const isFinal = (state: MessageState) => state === 'DELIVERED' || state === 'FAILED';

/** A memory store that counts the reads waiters make; its messages change as another process's would. */
class CountingStore extends MemoryStore {
  statesReads = 0;
  messageReads = 0;
  override async messageStates(ids: string[]): Promise<Map<string, MessageState>> {
    this.statesReads++;
    return super.messageStates(ids);
  }
  override async getMessage(id: string): Promise<MessageRecord | undefined> {
    this.messageReads++;
    return super.getMessage(id);
  }
}

describe('StateWaiters', () => {
  it('one poll reads the states of every watched message at once, and whole records only of those that arrived', async () => {
    const store = new CountingStore();
    const records = Array.from({ length: 500 }, () => sampleRecord({ state: 'SUBMITTED' }));
    for (const record of records) await store.insertMessage(record);
    const waiters = new StateWaiters(store, 5);
    const waits = records.map((record) => waiters.wait(record, isFinal, 60_000));
    // Another process stores the report of three of them.
    for (const record of records.slice(0, 3)) await store.applyReport(record.id, 0, 'DELIVERED', Date.now());
    const three = await Promise.all(waits.slice(0, 3));
    assert.deepEqual(three.map((m) => m.state), ['DELIVERED', 'DELIVERED', 'DELIVERED']);
    assert.equal(store.messageReads, 3, 'whole records read: only the three that arrived');
    assert.ok(store.statesReads >= 1);
    await waiters.finishAll();
    assert.equal((await Promise.all(waits)).filter((m) => m.state === 'SUBMITTED').length, 497);
  });

  it('resolves once when a change comes while the timeout is reading the store', async () => {
    const record = sampleRecord({ state: 'SUBMITTED' });
    let readStarted = false;
    let finishRead!: (record: MessageRecord | undefined) => void;
    const store = new MemoryStore();
    store.getMessage = () => {
      readStarted = true;
      return new Promise((resolve) => (finishRead = resolve));
    };
    store.messageStates = async () => new Map();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const waiters = new StateWaiters(store, 60_000);
      const waited = waiters.wait(record, isFinal, 1);
      await until(() => readStarted, 5_000, 'the timeout to read the store');
      waiters.changed({ ...record, state: 'DELIVERED' });
      finishRead(record);
      assert.equal((await waited).state, 'DELIVERED');
      // Let the timeout's read settle and any rejection it made be reported.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
