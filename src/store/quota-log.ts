/**
 * Rate quotas kept in this process's memory (the memory store's `takeQuota`, and the guard's
 * when it has no store): per key, the time and token of each event counted within its window,
 * an exact sliding window. A key holds at most its cap's `max` events, since refused events are
 * not counted, and a key whose events have all expired is forgotten, so memory follows the
 * traffic of the last window and no more.
 */
import type { QuotaCap, QuotaResult } from './types';

interface KeyLog {
  /** Token → time counted, oldest first (as counted). */
  events: Map<string, number>;
  /** The time of its latest event. */
  latest: number;
}

export class QuotaLog {
  /**
   * Keys by window length, each group in the order of its keys' latest event, so the keys that
   * expired are all at the front of their group (the per-recipient hour would otherwise keep the
   * per-prefix minute's keys behind it alive).
   */
  private readonly byWindow = new Map<number, Map<string, KeyLog>>();

  take(caps: QuotaCap[], now: number, token: string): QuotaResult {
    this.forgetExpired(now);
    const logs = caps.map((cap) => this.live(cap, now));
    if (logs.some((log) => log?.events.has(token))) return { taken: true };
    const refusedBy = caps.findIndex((cap, i) => (logs[i]?.events.size ?? 0) >= cap.max);
    if (refusedBy >= 0) return { taken: false, refusedBy };
    caps.forEach((cap, i) => {
      const log = logs[i] ?? { events: new Map<string, number>(), latest: now };
      log.events.set(token, now);
      log.latest = Math.max(log.latest, now);
      // Re-inserting moves the key to the end: its group stays in order of latest event.
      const group = this.group(cap.windowMs);
      group.delete(cap.key);
      group.set(cap.key, log);
    });
    return { taken: true };
  }

  /** Keys remembered now, over all windows. */
  get size(): number {
    let size = 0;
    for (const group of this.byWindow.values()) size += group.size;
    return size;
  }

  /** The key's log with its expired events dropped; undefined when it has none left. */
  private live(cap: QuotaCap, now: number): KeyLog | undefined {
    const log = this.byWindow.get(cap.windowMs)?.get(cap.key);
    if (log === undefined) return undefined;
    for (const [token, at] of log.events) if (at <= now - cap.windowMs) log.events.delete(token);
    return log;
  }

  private group(windowMs: number): Map<string, KeyLog> {
    let group = this.byWindow.get(windowMs);
    if (group === undefined) this.byWindow.set(windowMs, (group = new Map()));
    return group;
  }

  private forgetExpired(now: number): void {
    for (const [windowMs, group] of this.byWindow) {
      for (const [key, log] of group) {
        if (log.latest > now - windowMs) break;
        group.delete(key);
      }
      if (group.size === 0) this.byWindow.delete(windowMs);
    }
  }
}
