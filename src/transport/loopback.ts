/**
 * A transport that needs no carrier: it accepts every submit, can write what it "sent" to a
 * JSONL file, and answers with delivery reports after a delay. For trying smsgate out, for
 * tests of the gateway, and as a dry-run target in a route table.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SmsGateError } from '../errors';
import { RECEIPT_STATUS, type FinalReceiptStatus } from './receipt-status';
import type { InboundMessage, OutboundMessage, SubmitResult, Transport, TransportSink } from './types';

export interface LoopbackOptions {
  id: string;
  /** Delay before each delivery report; reports are sent only when the message asks for one. */
  dlrDelayMs?: number;
  dlrStatus?: FinalReceiptStatus;
  /** Delay before a submit is acknowledged, like a slow SMSC. */
  submitDelayMs?: number;
  /** A JSONL file that gets one line per accepted message, written before the submit resolves. */
  log?: string;
  /** Refuse every submit, as a temporary (retry) or permanent (fail) error. */
  failWith?: 'temporary' | 'permanent';
}

export class LoopbackTransport implements Transport {
  readonly type = 'loopback';
  readonly id: string;
  /** Submits it takes at once, like an SMPP window: it answers each on its own, however many. */
  readonly capacity = 50;
  private sink: TransportSink | undefined;
  private nextProviderId = 1;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: LoopbackOptions) {
    this.id = options.id;
    if (options.log !== undefined) mkdirSync(dirname(options.log), { recursive: true });
  }

  async start(sink: TransportSink): Promise<void> {
    this.sink = sink;
    sink.status({ state: 'connected', detail: 'loopback' });
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.sink?.status({ state: 'disconnected' });
    this.sink = undefined;
  }

  submit(message: OutboundMessage): Promise<SubmitResult> {
    const submitted = this.accept(message);
    this.inFlight.add(submitted);
    void submitted.finally(() => this.inFlight.delete(submitted)).catch(() => undefined);
    return submitted;
  }

  private async accept(message: OutboundMessage): Promise<SubmitResult> {
    if (this.sink === undefined) throw new SmsGateError('TRANSPORT_UNAVAILABLE', `transport ${this.id} is not started`);
    if (this.options.submitDelayMs) await delay(this.options.submitDelayMs);
    if (this.options.failWith === 'temporary') {
      throw new SmsGateError('TRANSPORT_TEMPORARY', `transport ${this.id} refused the submit (temporary, as configured)`);
    }
    if (this.options.failWith === 'permanent') {
      throw new SmsGateError('TRANSPORT_PERMANENT', `transport ${this.id} refused the submit (permanent, as configured)`);
    }
    const providerIds = (message.segments ?? message.encoded.segments.map((_, i) => i)).map(() => `${this.id}-${this.nextProviderId++}`);
    if (this.options.log !== undefined) {
      const line = {
        id: message.id,
        to: message.recipient.e164,
        from: message.sender?.address ?? null,
        text: message.encoded.text,
        encoding: message.encoded.encoding,
        segments: message.encoded.segments.length,
        providerIds,
        at: new Date().toISOString(),
      };
      appendFileSync(this.options.log, `${JSON.stringify(line)}\n`);
    }
    if (message.deliveryReport) this.scheduleReports(providerIds);
    return { providerIds };
  }

  private scheduleReports(providerIds: string[]): void {
    const state = RECEIPT_STATUS[this.options.dlrStatus ?? 'DELIVRD'];
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      for (const providerId of providerIds) {
        // The gateway's sink reports its own failures; a loopback link has no peer to re-send.
        void this.sink?.report({ transportId: this.id, providerId, state, doneAt: Date.now() }).catch(() => undefined);
      }
    }, this.options.dlrDelayMs ?? 0);
    this.timers.add(timer);
  }

  /** Hands the gateway a message as if a subscriber had sent it. */
  async receive(message: Omit<InboundMessage, 'transportId' | 'receivedAt'> & { receivedAt?: number }): Promise<void> {
    if (this.sink === undefined) throw new SmsGateError('TRANSPORT_UNAVAILABLE', `transport ${this.id} is not started`);
    await this.sink.inbound({ ...message, transportId: this.id, receivedAt: message.receivedAt ?? Date.now() });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
