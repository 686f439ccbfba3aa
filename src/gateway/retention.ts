/**
 * Retention: now and then, the store deletes what it no longer keeps (Store.purge). Any
 * process sharing the store may do it, at any time: a purge is idempotent, so several processes
 * purging at once only repeat each other's work.
 */
import type { RetentionPolicy, Store } from '../store/types';

export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private purging: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    readonly policy: RetentionPolicy,
    private readonly everyMs: number,
    private readonly warn: (err: Error) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.purge(), this.everyMs);
    void this.purge();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.purging;
  }

  /** Purges once (one purge at a time in this process). */
  purge(): Promise<void> {
    this.purging ??= this.store
      .purge(Date.now(), this.policy)
      .then(() => undefined, (err: Error) => this.warn(err))
      .finally(() => (this.purging = undefined));
    return this.purging;
  }
}
