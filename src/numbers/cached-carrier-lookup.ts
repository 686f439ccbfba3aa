import { SmsGateError } from '../errors';
import type { CarrierLookup, CarrierQuery } from './carrier-lookup';

export interface CachedCarrierLookupOptions {
  /** How long an answer is kept, null ("unknown") included; Infinity for data that never changes. */
  ttlMs: number;
  /** Most numbers kept; the least recently used goes first. */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const DEFAULT_MAX_ENTRIES = 10_000;

interface Entry {
  network: string | null;
  expiresAt: number;
}

/**
 * Remembers another lookup's answers per number, because HLR queries cost money and time and a
 * campaign sends to the same numbers again. A null answer is cached too (asking again would cost
 * the same and say the same); a rejection is not, so the next message retries.
 *
 * Lookups of a number already being looked up wait for that call instead of starting another.
 */
export class CachedCarrierLookup implements CarrierLookup {
  readonly name: string;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Oldest use first: a Map keeps insertion order, and a hit re-inserts its entry. */
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<string | null>>();

  constructor(
    private readonly inner: CarrierLookup,
    options: CachedCarrierLookupOptions,
  ) {
    this.name = `cached ${inner.name}`;
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
    if (!(this.ttlMs >= 0)) {
      throw new SmsGateError('OPTION_INVALID', `ttlMs must be 0 or more, got ${this.ttlMs}`, { field: 'ttlMs' });
    }
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      const message = `maxEntries must be a whole number of 1 or more, got ${this.maxEntries}`;
      throw new SmsGateError('OPTION_INVALID', message, { field: 'maxEntries' });
    }
  }

  lookup(number: CarrierQuery): Promise<string | null> {
    const key = number.e164;
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      this.entries.delete(key);
      if (entry.expiresAt > this.now()) {
        this.entries.set(key, entry);
        return Promise.resolve(entry.network);
      }
    }
    return this.pending.get(key) ?? this.ask(key, number);
  }

  private ask(key: string, number: CarrierQuery): Promise<string | null> {
    // Calling inner on a later tick turns a synchronous throw into a rejection, which callers
    // expect from a lookup, and keeps `finally` from running before `pending` holds the answer.
    const answer = Promise.resolve()
      .then(() => this.inner.lookup(number))
      .then((network) => {
        this.remember(key, network);
        return network;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, answer);
    return answer;
  }

  private remember(key: string, network: string | null): void {
    this.entries.set(key, { network, expiresAt: this.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
