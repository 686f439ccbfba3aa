/**
 * A transport whose answers a test scripts: each submit takes the next outcome (an error to
 * throw, or success). Reports are sent by the test through `report()`.
 */
import { SmsGateError } from '../../src/errors';
import type { MessageState } from '../../src/types';
import type { LinkStatus, OutboundMessage, SubmitResult, Transport, TransportSink } from '../../src/transport/types';

export type Outcome = 'ok' | SmsGateError;

export class ScriptedTransport implements Transport {
  readonly type = 'scripted';
  readonly submitted: OutboundMessage[] = [];
  private sink: TransportSink | undefined;
  private counter = 0;

  constructor(
    readonly id: string,
    private readonly outcomes: Outcome[] = [],
  ) {}

  async start(sink: TransportSink): Promise<void> {
    this.sink = sink;
    sink.status({ state: 'connected' });
  }

  async stop(): Promise<void> {
    this.sink = undefined;
  }

  setStatus(status: LinkStatus): void {
    this.sink?.status(status);
  }

  async submit(message: OutboundMessage): Promise<SubmitResult> {
    const outcome = this.outcomes.shift() ?? 'ok';
    if (outcome !== 'ok') throw outcome;
    this.submitted.push(message);
    return { providerIds: message.encoded.segments.map(() => `${this.id}-${++this.counter}`) };
  }

  async report(providerId: string, state: MessageState): Promise<void> {
    await this.sink!.report({ transportId: this.id, providerId, state });
  }
}

export const temporary = (message = 'try later') => new SmsGateError('TRANSPORT_TEMPORARY', message, { providerCode: 0x58 });
export const permanent = (message = 'refused') => new SmsGateError('TRANSPORT_PERMANENT', message, { providerCode: 0x0b });
export const unavailable = () => new SmsGateError('TRANSPORT_UNAVAILABLE', 'link down');
