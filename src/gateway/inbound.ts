/**
 * Inbound messages (MO): stored, their parts put together in the store (so parts survive a
 * restart and may arrive at different processes), and opt-out keywords applied to the sender.
 */
import { parseNumber } from '../numbers';
import { optOutKeyword } from '../routing';
import type { Store, StoredInbound } from '../store/types';
import type { InboundMessage, InboundPart } from '../transport/types';

export interface InboundOptions {
  store: Store;
  /** How long the parts of a message wait for the rest before it goes on incomplete. */
  reassemblyTimeoutMs: number;
  /** The region senders without a country code are read in (for the opt-out list). */
  region: string | undefined;
  /** A message was stored and is to be handed on; the network is answered once this resolves. */
  deliver(message: StoredInbound): Promise<void>;
  warn(err: Error): void;
}

export class Inbound {
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly options: InboundOptions) {}

  /** Starts looking, now and then, for parts whose siblings never came. */
  start(): void {
    this.sweep = setInterval(
      () => void this.deliverStaleParts().catch((err: Error) => this.options.warn(err)),
      Math.min(10_000, this.options.reassemblyTimeoutMs / 4),
    );
  }

  stop(): void {
    clearInterval(this.sweep);
  }

  async message(message: InboundMessage): Promise<void> {
    const stored = await this.options.store.saveInbound(message);
    const keyword = optOutKeyword(message.text);
    if (keyword !== null) {
      await this.options.store.setOptOut(this.normaliseSender(message.from), keyword === 'STOP');
    }
    await this.options.deliver(stored);
  }

  async part(part: InboundPart): Promise<void> {
    const parts = await this.options.store.addInboundPart(part);
    if (parts !== null) await this.message(joinParts(parts, false));
  }

  /** Parts whose siblings never came go on as an incomplete message rather than being dropped. */
  private async deliverStaleParts(): Promise<void> {
    for (const parts of await this.options.store.takeStaleInboundParts(Date.now() - this.options.reassemblyTimeoutMs)) {
      await this.message(joinParts(parts, true));
    }
  }

  /**
   * Opt-outs are kept by E.164 so they match the recipients that send() normalises. Transports
   * give international senders with a `+`; others are read in the default region.
   */
  private normaliseSender(from: string): string {
    try {
      return parseNumber(from, { region: this.options.region }).e164;
    } catch {
      return from;
    }
  }
}

function joinParts(parts: InboundPart[], incomplete: boolean): InboundMessage {
  const [first] = parts as [InboundPart];
  const message: InboundMessage = {
    transportId: first.transportId,
    from: first.from,
    to: first.to,
    text: parts.map((part) => part.text).join(''),
    receivedAt: Math.max(...parts.map((part) => part.receivedAt)),
  };
  return incomplete ? { ...message, incomplete } : message;
}
