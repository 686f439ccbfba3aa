/**
 * A submit of several segments in which the carrier accepted some and not the others. The
 * accepted ones must never be sent again: the outbox records their provider ids and retries
 * only the rest (OutboundMessage.segments).
 */
import { SmsGateError } from '../errors';
import type { AcceptedSegment, SubmitResult } from './types';

export class PartialSubmitError extends SmsGateError {
  /**
   * `failure` is why the first segment that was not accepted failed (its code decides what the
   * outbox does next); `accepted` the segments accepted, by their index in the message.
   */
  constructor(
    failure: SmsGateError,
    readonly accepted: readonly AcceptedSegment[],
  ) {
    super(
      failure.code,
      `${failure.message} (segments ${accepted.map((a) => a.segment + 1).join(', ')} accepted)`,
      { ...(failure.field === undefined ? {} : { field: failure.field }), ...(failure.providerCode === undefined ? {} : { providerCode: failure.providerCode }), cause: failure },
    );
  }
}

/** The segments accepted before a failure: what a PartialSubmitError carries, else none. */
export function acceptedBefore(err: unknown): readonly AcceptedSegment[] {
  return err instanceof PartialSubmitError ? err.accepted : [];
}

/**
 * The outcomes of the segments of one submit, for a transport that sends them independently
 * (SMPP's window): it settles once every segment has, resolving with their ids when all were
 * accepted, else rejecting with the first failure (in segment order), as a PartialSubmitError
 * when some were accepted. A segment accepted late (after it had failed) still counts while the
 * submit has not settled.
 */
export class SegmentOutcomes {
  readonly settled: Promise<SubmitResult>;
  private readonly ids: (string | undefined)[];
  private readonly failures: (SmsGateError | undefined)[];
  private open: number;
  private done = false;
  private resolve!: (result: SubmitResult) => void;
  private reject!: (err: SmsGateError) => void;

  /**
   * `segments`: the index in the message of each segment sent, in order. `apart`: false when
   * what is sent does not map onto the message's segments, so a failure fails it whole.
   */
  constructor(
    private readonly segments: readonly number[],
    private readonly apart = true,
  ) {
    this.ids = segments.map(() => undefined);
    this.failures = segments.map(() => undefined);
    this.open = segments.length;
    this.settled = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.settle();
  }

  /** The `position`-th segment sent was accepted. */
  accept(position: number, providerId: string): void {
    this.ids[position] = providerId;
    this.close();
  }

  fail(position: number, err: SmsGateError): void {
    this.failures[position] = err;
    this.close();
  }

  /** A segment that failed was accepted after all: true when that still counts for this submit. */
  acceptLate(position: number, providerId: string): boolean {
    if (this.done || this.failures[position] === undefined) return false;
    this.failures[position] = undefined;
    this.ids[position] = providerId;
    return true;
  }

  private close(): void {
    this.open--;
    this.settle();
  }

  private settle(): void {
    if (this.open > 0 || this.done) return;
    this.done = true;
    const failure = this.failures.find((f) => f !== undefined);
    if (failure === undefined) {
      this.resolve({ providerIds: this.ids as string[] });
      return;
    }
    const accepted: AcceptedSegment[] = [];
    this.ids.forEach((providerId, position) => {
      if (providerId !== undefined && this.failures[position] === undefined) accepted.push({ segment: this.segments[position]!, providerId });
    });
    this.reject(accepted.length === 0 || !this.apart ? failure : new PartialSubmitError(failure, accepted));
  }
}
