/**
 * Counts events per key over a sliding window (the last `windowMs` before now, not fixed clock
 * buckets, so a burst straddling a bucket edge cannot pass twice the cap).
 *
 * Memory stays bounded: a key keeps at most `max` timestamps (events beyond the cap are refused,
 * never recorded), keys whose events have all expired are dropped, and when more than `maxKeys`
 * keys are live the least recently used one is forgotten. Forgetting a live key lets that key
 * start again from zero; with a generous `maxKeys` that only happens under a flood of distinct
 * keys, and the key forgotten is the one idle the longest.
 */
export class SlidingWindowCounter {
  /** Timestamps per key, oldest first. Map order is the order of each key's latest event. */
  private readonly events = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  /** Whether one more event for `key` at `now` stays within the cap. */
  allows(key: string, now: number): boolean {
    const times = this.events.get(key);
    return times === undefined || this.live(times, now).length < this.max;
  }

  record(key: string, now: number): void {
    const times = this.live(this.events.get(key) ?? [], now);
    times.push(now);
    // Re-inserting moves the key to the end, which keeps the map ordered by latest event.
    this.events.delete(key);
    this.events.set(key, times);
    this.evict(now);
  }

  /** Number of keys currently remembered. */
  get size(): number {
    return this.events.size;
  }

  private live(times: number[], now: number): number[] {
    const firstLive = times.findIndex((t) => t > now - this.windowMs);
    if (firstLive < 0) times.length = 0;
    else if (firstLive > 0) times.splice(0, firstLive);
    return times;
  }

  private evict(now: number): void {
    // Keys sit in order of their latest event, so expired ones are all at the front.
    for (const [key, times] of this.events) {
      const expired = times[times.length - 1]! <= now - this.windowMs;
      if (!expired && this.events.size <= this.maxKeys) break;
      this.events.delete(key);
    }
  }
}
