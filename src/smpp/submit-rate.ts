/**
 * `maxPerSecond` held exactly over any one-second span, not per clock second: the times of the
 * last `max` submits are kept in a ring, and the next may go only once the oldest of them is a
 * full second old.
 */
const SPAN_MS = 1000;

export class SubmitRate {
  private readonly sentAt: number[];
  private next = 0;

  /** `max` 0: no limit. */
  constructor(private readonly max: number) {
    this.sentAt = new Array<number>(max).fill(-Infinity);
  }

  /** How long to wait from `now` before the next submit may go; 0 when it may go now. */
  waitMs(now: number): number {
    if (this.max === 0) return 0;
    return Math.max(0, this.sentAt[this.next]! + SPAN_MS - now);
  }

  record(now: number): void {
    if (this.max === 0) return;
    this.sentAt[this.next] = now;
    this.next = (this.next + 1) % this.max;
  }
}
