/**
 * Reassembling concatenated messages from their parts (TS 23.040 §9.2.3.24.1).
 *
 * Parts belong together when they share the key (typically the sender, plus the recipient if the
 * gateway receives for several numbers), the reference and the total. They may arrive in any
 * order; a repeated sequence number is ignored (the first copy wins). A message whose parts do not
 * all arrive within `timeoutMs` of its first part is handed back by `expire()` with the parts
 * received, marked incomplete, rather than dropped: call it periodically.
 */
import { checkInteger, invalidOption } from './encoding-errors';

export const DEFAULT_REASSEMBLY_TIMEOUT_MS = 5 * 60_000;

export interface MessagePart {
  key: string;
  reference: number;
  total: number;
  sequence: number;
  text: string;
}

export type AddResult = { complete: true; text: string; parts: number } | { complete: false };

export interface IncompleteMessage {
  key: string;
  reference: number;
  /** The texts of the parts received, in sequence order. */
  text: string;
  /** Sequence numbers received, ascending. */
  received: number[];
  total: number;
  incomplete: true;
}

interface Pending {
  key: string;
  reference: number;
  total: number;
  firstSeenAt: number;
  texts: Map<number, string>;
}

export class Reassembler {
  private readonly timeoutMs: number;
  private readonly now: () => number;
  /** Insertion order is first-part order, which is expiry order. */
  private readonly pending = new Map<string, Pending>();

  constructor(options: { timeoutMs?: number; now?: () => number } = {}) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_REASSEMBLY_TIMEOUT_MS;
    this.timeoutMs = checkInteger('timeoutMs', timeoutMs, 0, Number.MAX_SAFE_INTEGER);
    this.now = options.now ?? Date.now;
  }

  /** Messages waiting for more parts. */
  get size(): number {
    return this.pending.size;
  }

  add(part: MessagePart): AddResult {
    if (typeof part.key !== 'string') throw invalidOption('key', 'the part key must be a string');
    if (typeof part.text !== 'string') throw invalidOption('text', 'the part text must be a string');
    checkInteger('reference', part.reference, 0, 0xffff);
    checkInteger('total', part.total, 1, 255);
    checkInteger('sequence', part.sequence, 1, part.total);
    if (part.total === 1) return { complete: true, text: part.text, parts: 1 };

    const id = JSON.stringify([part.key, part.reference, part.total]);
    let message = this.pending.get(id);
    if (message === undefined) {
      const { key, reference, total } = part;
      message = { key, reference, total, firstSeenAt: this.now(), texts: new Map() };
      this.pending.set(id, message);
    }
    if (!message.texts.has(part.sequence)) message.texts.set(part.sequence, part.text);
    if (message.texts.size < message.total) return { complete: false };

    this.pending.delete(id);
    return { complete: true, text: joinInOrder(message.texts), parts: message.total };
  }

  /** Removes and returns the messages whose first part arrived `timeoutMs` ago or more. */
  expire(): IncompleteMessage[] {
    const now = this.now();
    const expired: IncompleteMessage[] = [];
    for (const [id, message] of this.pending) {
      if (now - message.firstSeenAt < this.timeoutMs) continue;
      this.pending.delete(id);
      expired.push({
        key: message.key,
        reference: message.reference,
        text: joinInOrder(message.texts),
        received: [...message.texts.keys()].sort((a, b) => a - b),
        total: message.total,
        incomplete: true,
      });
    }
    return expired;
  }
}

function joinInOrder(texts: Map<number, string>): string {
  return [...texts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, text]) => text)
    .join('');
}
