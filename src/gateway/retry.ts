export interface RetryPolicy {
  /** Submits refused with a temporary error before the message is FAILED. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 5 * 60_000 };

/**
 * Exponential backoff with jitter: the n-th retry waits between half and all of
 * base·2^(n-1), capped. The jitter keeps many gateways that failed together from retrying
 * together.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
