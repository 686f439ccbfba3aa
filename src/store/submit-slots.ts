/**
 * One SMSC account's submit rate, shared by every process that binds it (Store.takeSubmitSlot,
 * Store.pauseSubmits). Every store runs the same algorithm, each as one atomic step; this module
 * is its reference, and the memory store runs it as is.
 *
 * A sliding log with a spacing: per account the times of the last `perSecond` slots taken,
 * newest first, and a pause (`pausedUntil`, epoch ms, 0 when none). With
 * `gap = floor(500 / perSecond)` ms (half the even spacing), at `now`:
 *
 *   1. paused (`pausedUntil > now`): wait `pausedUntil - now`; nothing is taken.
 *   2. `perSecond` times or more are kept and the `perSecond`-th newest, `oldest`, is younger
 *      than a second (`oldest + 1000 > now`): wait `oldest + 1000 - now`; nothing is taken.
 *   3. the newest, `newest`, is less than `gap` before `now` (`newest + gap > now`; with a gap
 *      of 0, later than `now`, from a caller whose clock is ahead): wait `newest + gap - now`;
 *      nothing is taken.
 *   4. else the slot is taken: `now` goes in front, and only the newest `perSecond` times are
 *      kept. Answer 0.
 *
 * What it guarantees: slot times never go down (step 3), and when a slot is taken at most
 * `perSecond - 1` earlier ones are in the second before it; so any half-open span of 1000 ms
 * holds at most `perSecond` slot times, exactly (by the callers' clocks: one clock on one
 * machine; across machines their skew adds to the tolerance). The gap spreads a second's slots
 * over at least half a second instead of one burst, so that jitter on the way to the SMSC (which
 * counts by arrival) moves few submits across a second's edge; being half the even spacing, it
 * leaves room for callers that ask late to catch up within the second (a GCRA or token bucket of
 * size 1 loses that time for good; a bigger bucket lets more than `perSecond` into a second).
 *
 * Keeping only `perSecond` times is enough whatever `perSecond` each caller asks with (several
 * processes may be configured differently): a slot is taken only when fewer than `perSecond` of
 * the kept times are within the last second, so every time within it is among the newest kept.
 *
 * A pause only ever moves later (`max(pausedUntil, until)`): each process that is throttled
 * posts its own back-off, and the longest stands.
 *
 * Redis (one Lua script each; KEYS[1] the log, a list newest first, KEYS[2] the pause; both
 * under one hash tag for a cluster):
 *
 *   -- takeSubmitSlot: ARGV[1] perSecond, ARGV[2] now; returns 0 or the ms to wait
 *   local per, now = tonumber(ARGV[1]), tonumber(ARGV[2])
 *   local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
 *   if paused > now then return paused - now end
 *   local oldest = redis.call('LINDEX', KEYS[1], per - 1)
 *   if oldest and tonumber(oldest) + 1000 > now then return tonumber(oldest) + 1000 - now end
 *   local newest = redis.call('LINDEX', KEYS[1], 0)
 *   local gap = math.floor(500 / per)
 *   if newest and tonumber(newest) + gap > now then return tonumber(newest) + gap - now end
 *   redis.call('LPUSH', KEYS[1], now)
 *   redis.call('LTRIM', KEYS[1], 0, per - 1)
 *   redis.call('PEXPIRE', KEYS[1], 60000)
 *   return 0
 *
 *   -- pauseSubmits: ARGV[1] until, ARGV[2] now (`until` is a Lua keyword)
 *   local till = tonumber(ARGV[1])
 *   if till > tonumber(redis.call('GET', KEYS[2]) or '0') then
 *     redis.call('SET', KEYS[2], till, 'PX', math.max(1, till - tonumber(ARGV[2])) + 60000)
 *   end
 *
 * (Times are integer epoch ms, exact in Lua's doubles; the expiries only forget what no longer
 * matters, with a minute's margin for skewed clocks.)
 */
/** The span the rate is counted over. */
export const SLOT_SPAN_MS = 1000;

/** An account's state: slot times newest first (at most the largest perSecond asked for), and its pause. */
export interface SlotLog {
  times: number[];
  pausedUntil: number;
}

/** The least time between two slots of an account held to `perSecond` (step 3). */
export function slotGap(perSecond: number): number {
  return Math.floor(SLOT_SPAN_MS / 2 / perSecond);
}

/** Steps 1-4 above on `log`, changed in place when the slot is taken. 0, or the ms to wait. */
export function takeSlot(log: SlotLog, perSecond: number, now: number): number {
  if (log.pausedUntil > now) return log.pausedUntil - now;
  const oldest = log.times[perSecond - 1];
  if (oldest !== undefined && oldest + SLOT_SPAN_MS > now) return oldest + SLOT_SPAN_MS - now;
  const newest = log.times[0];
  if (newest !== undefined && newest + slotGap(perSecond) > now) return newest + slotGap(perSecond) - now;
  log.times.unshift(now);
  if (log.times.length > perSecond) log.times.length = perSecond;
  return 0;
}

/** Moves the pause to `until` when that is later. */
export function pauseSlots(log: SlotLog, until: number): void {
  log.pausedUntil = Math.max(log.pausedUntil, until);
}

/** Whether the account's state no longer matters at `now` (the memory store forgets it then). */
export function isSpent(log: SlotLog, now: number): boolean {
  return log.pausedUntil <= now && (log.times[0] ?? -Infinity) + SLOT_SPAN_MS <= now;
}
