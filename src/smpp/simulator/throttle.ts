/**
 * The SMSC's submit rate limit, per account (system_id) as real SMSCs apply it: at most
 * `perSecond` submit_sm are let through in any 1000 ms window (a sliding window, not clock
 * seconds). Throttled submits do not count, so a client that keeps hammering still gets
 * `perSecond` through per second.
 */
import { SlidingWindowCounter } from '../../routing/sliding-window';

const WINDOW_MS = 1000;
/** Accounts remembered at once; only a flood of distinct system_ids would reach it. */
const MAX_ACCOUNTS = 10_000;

export class SubmitThrottle {
  private readonly window: SlidingWindowCounter | undefined;

  /** `perSecond` undefined: no limit. */
  constructor(perSecond: number | undefined) {
    this.window = perSecond === undefined ? undefined : new SlidingWindowCounter(perSecond, WINDOW_MS, MAX_ACCOUNTS);
  }

  /** Whether a submit_sm from `systemId` at `now` is within the rate; if so it is counted. */
  admit(systemId: string, now: number): boolean {
    if (this.window === undefined) return true;
    if (!this.window.allows(systemId, now)) return false;
    this.window.record(systemId, now);
    return true;
  }
}
