/**
 * Callers waiting for messages to reach a state (`Gateway.waitFor`): woken by the gateway's own
 * state changes, and by a poll of the store for changes other processes sharing it made (a
 * receipt taken by another process's receiver bind, a message another process submitted).
 * Thousands may wait at once (a bulk send), so one poll serves them all: one `messageStates`
 * read for every message watched (a single query in sqlite, a pipeline in Redis), and the whole
 * record read only for the messages that reached what is waited for. A poll starts only when
 * the last one is done, so a slow store is never asked twice at once.
 */
import type { MessageRecord, Store } from '../store/types';
import type { MessageState } from '../types';

interface Waiter {
  reached(state: MessageState): boolean;
  finish(message: MessageRecord): void;
}

export class StateWaiters {
  private readonly byId = new Map<string, Set<Waiter>>();
  private poll: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly store: Store,
    private readonly pollMs: number,
  ) {}

  /**
   * Resolves with `initial`'s message once `reached` holds for it, or as it stands after
   * `timeoutMs`. `initial` is the record as just read, still short of the state.
   */
  wait(initial: MessageRecord, reached: (state: MessageState) => boolean, timeoutMs: number): Promise<MessageRecord> {
    const id = initial.id;
    return new Promise<MessageRecord>((resolve) => {
      let finished = false;
      const waiter: Waiter = {
        reached,
        // Once only: the timeout's read of the store may still be under way when a change comes.
        finish: (message) => {
          if (finished) return;
          finished = true;
          clearTimeout(deadline);
          const waiters = this.byId.get(id)!;
          waiters.delete(waiter);
          if (waiters.size === 0) this.byId.delete(id);
          if (this.byId.size === 0) this.stopPolling();
          resolve(message);
        },
      };
      const deadline = setTimeout(() => {
        void this.store.getMessage(id).then(
          (current) => waiter.finish(current ?? initial),
          () => waiter.finish(initial),
        );
      }, timeoutMs);
      this.byId.set(id, (this.byId.get(id) ?? new Set()).add(waiter));
      this.schedulePoll();
    });
  }

  /** A message changed: wake whoever waited for the state it is in now. */
  changed(message: MessageRecord): void {
    for (const waiter of this.byId.get(message.id) ?? []) {
      if (waiter.reached(message.state)) waiter.finish(message);
    }
  }

  /** Everyone still waiting learns where their message stands now (before the store closes). */
  async finishAll(): Promise<void> {
    for (const [id, waiters] of [...this.byId]) {
      const current = await this.store.getMessage(id).catch(() => undefined);
      if (current !== undefined) for (const waiter of [...waiters]) waiter.finish(current);
    }
  }

  private schedulePoll(): void {
    if (this.poll !== undefined || this.polling || this.byId.size === 0) return;
    this.poll = setTimeout(() => {
      this.poll = undefined;
      this.polling = true;
      void this.pollStore()
        .catch(() => undefined) // the store is down for now: the next poll asks again
        .finally(() => {
          this.polling = false;
          this.schedulePoll();
        });
    }, this.pollMs);
  }

  private stopPolling(): void {
    clearTimeout(this.poll);
    this.poll = undefined;
  }

  private async pollStore(): Promise<void> {
    const states = await this.store.messageStates([...this.byId.keys()]);
    for (const [id, state] of states) {
      const waiters = this.byId.get(id);
      if (waiters === undefined || ![...waiters].some((waiter) => waiter.reached(state))) continue;
      const current = await this.store.getMessage(id);
      if (current !== undefined) this.changed(current);
    }
  }
}
