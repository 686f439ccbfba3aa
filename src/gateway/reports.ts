/**
 * Matching delivery reports to their messages: by the provider id the transport gives, waiting
 * a while (the hold) for a submit whose response has not been stored yet, and only then trying
 * the id's other spellings. The segment's state is folded into the message by the store
 * (`applyReport`), in one atomic step.
 */
import type { ProviderLink, Store, Transition } from '../store/types';
import type { DeliveryReport } from '../transport/types';
import { ReportHold } from './report-hold';

export interface ReportMatcherOptions {
  store: Store;
  /** How long a report for an unknown provider id waits for its submit to be stored. */
  holdMs: number;
}

export class ReportMatcher {
  private readonly store: Store;
  private readonly holdMs: number;
  private readonly hold = new ReportHold();

  constructor(options: ReportMatcherOptions) {
    this.store = options.store;
    this.holdMs = options.holdMs;
  }

  /**
   * Stores what a report says about its message: the transition it made (its state may stay
   * the same, a segment of several reported), or undefined when no stored message has its id.
   */
  async apply(report: DeliveryReport): Promise<Transition | undefined> {
    const link = await this.find(report);
    if (link === undefined) return undefined;
    return this.store.applyReport(link.messageId, link.segment, report.state, Date.now());
  }

  /** Provider ids were just linked: the reports waiting for them go on. */
  linked(transportId: string, providerIds: string[]): void {
    this.hold.linked(transportId, providerIds);
  }

  /** Lets every waiting report go on (the gateway is stopping). */
  releaseAll(): void {
    this.hold.releaseAll();
  }

  /**
   * The message a report is about. An SMSC may send the receipt before the submit's response
   * has been stored: such a report waits (up to the hold) for one of its ids to be linked, and
   * only then is it answered.
   *
   * The id as the transport resolved it is trusted. Other spellings (hex read as decimal, or
   * the reverse) are a last resort after the wait, and only for a segment still waiting for its
   * report: with small sequential ids, `66` in one base is another message's id in the other.
   */
  private async find(report: DeliveryReport): Promise<ProviderLink | undefined> {
    const exact = () => this.store.findByProviderId(report.transportId, report.providerId);
    const found = await exact();
    if (found !== undefined) return found;
    const alternates = report.alternateIds ?? [];
    if (this.holdMs > 0) {
      await this.hold.wait(report.transportId, [report.providerId, ...alternates], this.holdMs);
      const linked = await exact();
      if (linked !== undefined) return linked;
    }
    for (const id of alternates) {
      const link = await this.store.findByProviderId(report.transportId, id);
      if (link !== undefined && (await this.awaitsReport(link))) return link;
    }
    return undefined;
  }

  private async awaitsReport(link: ProviderLink): Promise<boolean> {
    const message = await this.store.getMessage(link.messageId);
    return message !== undefined && message.segmentStates[link.segment] === null;
  }
}
