/**
 * Matching delivery reports to their messages: every receipt to its own message, also when the
 * SMSC hands the same message ids out again (after a restart, or wrapping a small counter) and a
 * receipt races ahead of its submit's response. One rule, here:
 *
 * 1. Candidates are the messages the transport's provider id was linked to whose recipient is
 *    the address the report names (`addressNames`; a report without a usable address is matched
 *    on the id alone), newest submit first.
 * 2. The first candidate still waiting for that segment's report takes it (the store checks
 *    and records in one atomic step: `applyReport(..., 'awaiting')`), so a message takes one
 *    report per segment, and a message in a final state takes none here.
 * 3. When none waits, the report waits (up to the hold) for a submit with its id to be stored,
 *    and tries again each time this process stores one, and every quarter second for one another
 *    process sharing the store did: the receipt that raced its submit_sm_resp.
 * 4. Then the id's other spellings (hex read as decimal, or the reverse), only for a message
 *    that waits: with small sequential ids, `66` in one base is another message's id in the other.
 * 5. Then a segment of a finished message that has no report yet (a message of several segments
 *    fails as soon as one does; the others' reports still come).
 * 6. Else a report equal to what a candidate's segment already holds is a repeat (an SMSC that
 *    sent the receipt again): answered, nothing changes. Anything else is unmatched: counted,
 *    and the gateway logs it.
 * 7. A copy of a receipt that is being held (rule 3) is not held again: an SMSC that gets no
 *    deliver_sm_resp within its resend interval, shorter than the hold, sends the same receipt
 *    again and again, and each copy held and then published as a repeat reached the listeners
 *    once per resend. The copy waits for the held one to be stored and published, is answered
 *    with it and counted as repeated, and is not published itself. The same receipt: the same
 *    `receiptKey`. Only held receipts are remembered, until they are published.
 */
import { callingCodeOf } from '../numbers';
import type { MessageRecord, ProviderLink, ReportCondition, Store, Transition } from '../store/types';
import type { DeliveryReport } from '../transport/types';
import { ReportHold, type HoldEnd } from './report-hold';

/** How often a held report looks in the store again for a submit another process stored. */
const HOLD_RECHECK_MS = 250;

export interface ReportMatcherOptions {
  store: Store;
  /** How long a report that finds no message waiting for it waits for its submit to be stored. */
  holdMs: number;
}

/** What became of a report that was matched. */
export type MatchOutcome =
  /** `waitedUnder`: the provider id a message waiting for the report took it under (not one that had finished, rule 5). */
  | { kind: 'applied'; transition: Transition; waitedUnder?: string }
  | { kind: 'repeated'; message: MessageRecord }
  | { kind: 'unmatched' };

/** What became of a report: matched, or a copy of one held here (rule 7), settled with `of`. */
export type ReportOutcome = MatchOutcome | { kind: 'copy'; of: MatchOutcome };

/** Reports handled by this process since it started, by outcome. */
export interface ReportCounts {
  /** Recorded on their message. */
  applied: number;
  /** Of those, how many had to wait for their submit to be stored (the receipt came first). */
  held: number;
  /** Sent again for a segment that already had that state, or while the first was held: answered, nothing changed. */
  repeated: number;
  /** No message could take them. */
  unmatched: number;
}

export class ReportMatcher {
  private readonly store: Store;
  private readonly holdMs: number;
  private readonly hold = new ReportHold();
  /** Receipts being held here (from the hold's start until they are published), by `receiptKey`: rule 7. */
  private readonly holding = new Map<string, Promise<MatchOutcome>>();
  private readonly counts: ReportCounts = { applied: 0, held: 0, repeated: 0, unmatched: 0 };

  constructor(options: ReportMatcherOptions) {
    this.store = options.store;
    this.holdMs = options.holdMs;
  }

  /**
   * Finds the report's message, stores what it says (see the rule above) and hands the outcome
   * to `publish` (the gateway's events and feed); resolves once `publish` has. A copy of a
   * receipt held here (rule 7) is neither matched nor published: it settles with the held one.
   */
  async apply(report: DeliveryReport, publish: (outcome: MatchOutcome) => Promise<void> = async () => {}): Promise<ReportOutcome> {
    const original = this.heldAs(report);
    if (original !== undefined) return this.copyOf(original);
    const taken = await this.take(report, report.providerId, 'awaiting');
    if (taken === undefined && this.holdMs > 0) {
      // Looked up again: the same receipt may have started its hold while this one looked.
      const original = this.heldAs(report);
      if (original !== undefined) return this.copyOf(original);
      const receipt = receiptKey(report);
      const handled = this.waitForSubmit(report).then((transition) => this.finish(report, transition, true, publish));
      this.holding.set(receipt, handled);
      const settled = () => void this.holding.delete(receipt);
      handled.then(settled, settled);
      return handled;
    }
    return this.finish(report, taken, false, publish);
  }

  /** The same receipt being held here, if any (its key is built only while some receipt is held: rarely). */
  private heldAs(report: DeliveryReport): Promise<MatchOutcome> | undefined {
    return this.holding.size === 0 ? undefined : this.holding.get(receiptKey(report));
  }

  /** Provider ids were just linked: the reports waiting for them try again. */
  linked(transportId: string, providerIds: string[]): void {
    this.hold.linked(transportId, providerIds);
  }

  /** Lets every waiting report go on (the gateway is stopping). */
  releaseAll(): void {
    this.hold.releaseAll();
  }

  /** A copy of the counts. */
  tally(): ReportCounts {
    return { ...this.counts };
  }

  /** Rule 3: waits for a submit with one of the report's ids to be stored, up to the hold. */
  private async waitForSubmit(report: DeliveryReport): Promise<Transition | undefined> {
    const ids = [report.providerId, ...(report.alternateIds ?? [])];
    const deadline = Date.now() + this.holdMs;
    let transition: Transition | undefined;
    // Bounded by the hold: each turn ends when this process links one of the ids, or after a
    // recheck's time (another process sharing the store may have stored the submit).
    for (let end: HoldEnd = 'linked'; transition === undefined && end !== 'released' && Date.now() < deadline; ) {
      end = await this.hold.wait(report.transportId, ids, Math.min(HOLD_RECHECK_MS, deadline - Date.now()));
      transition = await this.take(report, report.providerId, 'awaiting');
    }
    return transition;
  }

  /** The report's outcome (rules 4 to 6 when no message waiting under its id took it: `transition` undefined), then `publish`. */
  private async finish(
    report: DeliveryReport,
    transition: Transition | undefined,
    held: boolean,
    publish: (outcome: MatchOutcome) => Promise<void>,
  ): Promise<MatchOutcome> {
    // The usual case, a message waiting under the report's own id took it, decided without an await.
    const outcome = transition !== undefined ? this.applied(transition, report.providerId, held) : await this.match(report, held);
    await publish(outcome);
    return outcome;
  }

  /** Rules 4 to 6, for a report no message waiting under its own id took. */
  private async match(report: DeliveryReport, held: boolean): Promise<MatchOutcome> {
    for (const id of report.alternateIds ?? []) {
      const transition = await this.take(report, id, 'awaiting');
      if (transition !== undefined) return this.applied(transition, id, held);
    }
    const transition = await this.take(report, report.providerId, 'unreported');
    if (transition !== undefined) return this.applied(transition, undefined, held);
    const repeated = await this.repeatOf(report);
    if (repeated !== undefined) {
      this.counts.repeated++;
      return { kind: 'repeated', message: repeated };
    }
    this.counts.unmatched++;
    return { kind: 'unmatched' };
  }

  /**
   * Rule 7. The copy is answered only when the held receipt has been stored and published, not at
   * once: the SMSC takes any answer to a copy as the receipt delivered and stops sending it, so
   * answering early would lose the report should the held one then fail (its store write or
   * publish fails, or the process dies first). Failing with the held one's error, the copy is
   * refused too, and the SMSC sends the receipt again for a fresh try.
   */
  private async copyOf(original: Promise<MatchOutcome>): Promise<ReportOutcome> {
    const of = await original;
    this.counts.repeated++;
    return { kind: 'copy', of };
  }

  /** Counted; `waitedUnder`: the id a waiting message took the report under (none for a finished message's segment). */
  private applied(transition: Transition, waitedUnder: string | undefined, held: boolean): MatchOutcome {
    this.counts.applied++;
    if (held) this.counts.held++;
    return { kind: 'applied', transition, ...(waitedUnder === undefined ? {} : { waitedUnder }) };
  }

  /** Records the report on the newest candidate for which `condition` holds, if any. */
  private async take(report: DeliveryReport, providerId: string, condition: ReportCondition): Promise<Transition | undefined> {
    // Every report comes this way, once or more: one async step fewer than a separate lookup of the candidates.
    for (const link of await this.store.findByProviderId(report.transportId, providerId)) {
      if (!isCandidate(report, link)) continue;
      const transition = await this.store.applyReport(link.messageId, link.segment, report.state, Date.now(), condition);
      if (transition !== undefined) return transition;
    }
    return undefined;
  }

  /** A candidate whose segment already holds the state the report gives. */
  private async repeatOf(report: DeliveryReport): Promise<MessageRecord | undefined> {
    for (const link of await this.store.findByProviderId(report.transportId, report.providerId)) {
      if (!isCandidate(report, link)) continue;
      const message = await this.store.getMessage(link.messageId);
      if (message?.segmentStates[link.segment] === report.state) return message;
    }
    return undefined;
  }
}

/**
 * What makes two reports the same receipt (rule 7): everything the transport read from it. A
 * receipt sent again is the same PDU, so its error code and done date match too; comparing
 * them keeps two receipts of different messages given the same id (an SMSC reusing ids) apart
 * where they can be told apart.
 */
function receiptKey(report: DeliveryReport): string {
  const { transportId, providerId, alternateIds, state, address, errorCode, doneAt } = report;
  return JSON.stringify([transportId, providerId, alternateIds ?? [], state, address ?? null, errorCode ?? null, doneAt ?? null]);
}

/** Rule 1: a message the report's provider id was linked to is a candidate when the report's address names its recipient. */
function isCandidate(report: DeliveryReport, link: ProviderLink): boolean {
  return addressNames(report.address, link.recipient);
}

/**
 * Whether a report's address names `recipient` (E.164). Networks write the number in several
 * ways, so digits are compared: `+` (the transport's mark of TON international) or `00` before
 * them, or international digits without either, must be the whole number; a national number
 * (leading zeros, the trunk prefix, dropped) must be the number without its country calling code.
 * An address with no digits, or anything but digits and `+` (an alphanumeric name, `*#`), says
 * nothing usable: it names every recipient, and the id alone decides.
 */
export function addressNames(address: string | undefined, recipient: string): boolean {
  const written = address?.trim() ?? '';
  if (!/^\+?[0-9]+$/.test(written)) return true;
  const number = recipient.replace(/^\+/, '');
  if (written.startsWith('+')) return written.slice(1) === number;
  const digits = written.replace(/^0+/, '');
  if (digits === number) return true;
  if (written.startsWith('00')) return false; // the international prefix: the whole number, and it was not
  const callingCode = callingCodeOf(number);
  return callingCode !== undefined && digits === number.slice(callingCode.length).replace(/^0+/, '');
}
