/**
 * The leases this gateway holds on messages it claimed. A lease says "this process is on it"
 * for `leaseMs`; it is renewed while the message is still held here (waiting in a transport's
 * queue or in flight) and ends with the message's next transition. A process that dies stops
 * renewing: its leases lapse and any process sharing the store claims those messages again.
 *
 * The owner is a random id per gateway instance: recovery asks nothing of host names or pids,
 * so processes on several machines can share one store.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/types';

export class Leases {
  readonly owner = randomUUID();
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    readonly leaseMs: number,
    private readonly warn: (err: Error) => void,
  ) {}

  /** Renews three times per lease, so one late or failed renewal does not let a lease lapse. */
  start(): void {
    this.timer = setInterval(() => void this.renew(), Math.max(1, Math.floor(this.leaseMs / 3)));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
  }

  get size(): number {
    return this.held.size;
  }

  /** Claims up to `limit` due messages for this process. */
  async claim(limit: number): Promise<ReturnType<Store['claimDue']>> {
    const claimed = await this.store.claimDue(Date.now(), limit, this.owner, this.leaseMs);
    for (const record of claimed) this.held.add(record.id);
    return claimed;
  }

  /** The message is still held here after all (a transition that failed): renewed again. */
  keep(id: string): void {
    this.held.add(id);
  }

  /** The message moved on (a transition ended its lease) or was given up: no more renewals. */
  letGo(id: string): void {
    this.held.delete(id);
  }

  private renew(): Promise<void> {
    if (this.renewing !== undefined || this.held.size === 0) return Promise.resolve();
    const ids = [...this.held];
    this.renewing = this.store
      .renewLeases(ids, this.owner, Date.now() + this.leaseMs)
      .then((renewed) => {
        if (renewed.length === ids.length) return;
        // Those that moved on meanwhile are fine; one still held here that another process
        // took means this lease lapsed before it was renewed (a stalled event loop?).
        const kept = new Set(renewed);
        const lost = ids.filter((id) => !kept.has(id) && this.held.has(id));
        if (lost.length > 0) this.warn(new Error(`the leases of ${lost.length} message(s) held here lapsed before renewal: ${lost.slice(0, 5).join(', ')}`));
      })
      .catch((err: Error) => this.warn(err))
      .finally(() => (this.renewing = undefined));
    return this.renewing;
  }
}
