/**
 * Callers waiting for messages to reach a state (`Gateway.waitFor`): woken by the gateway's own
 * state changes, and by a poll of the store for changes other processes sharing it made.
 * Thousands may wait at once (a bulk send), so one poll serves them all.
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
      const waiter: Waiter = {
        reached,
        finish: (message) => {
          clearTimeout(deadline);
          const waiters = this.byId.get(id)!;
          waiters.delete(waiter);
          if (waiters.size === 0) this.byId.delete(id);
          if (this.byId.size === 0) clearInterval(this.poll);
          resolve(message);
        },
      };
      const deadline = setTimeout(() => {
        void this.store.getMessage(id).then(
          (current) => waiter.finish(current ?? initial),
          () => waiter.finish(initial),
        );
      }, timeoutMs);
      if (this.byId.size === 0) this.poll = setInterval(() => void this.pollStore(), this.pollMs);
      this.byId.set(id, (this.byId.get(id) ?? new Set()).add(waiter));
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

  private async pollStore(): Promise<void> {
    for (const id of [...this.byId.keys()]) {
      const current = await this.store.getMessage(id).catch(() => undefined);
      if (current !== undefined) this.changed(current);
    }
  }
}
