/**
 * Pairing a modem's status reports with the segments they report on.
 *
 * A modem identifies a submit only by its TP-MR, an 8-bit counter that wraps every 256 submits,
 * and the status report gives back that TP-MR, the recipient (TP-RA) and the time the SMSC took
 * the submit (TP-SCTS). So a segment's provider id is made of all three:
 * `<mr>/<last digits of the recipient>/<UTC hour of the submit>`, e.g. `17/00900123/2026-11-26T01`.
 *
 * While the process lives, the latest submit per (mr, recipient) is remembered, which pairs a
 * report exactly however late it comes, unless 256 more submits reused its reference in the
 * meantime. After a restart, the id is rebuilt from the report's TP-SCTS: its own hour first,
 * then the neighbouring hours as alternates (a submit at 01:59:59 taken by the SMSC at 02:00:01),
 * which the gateway only matches to a segment still waiting for its report.
 */

/** Enough digits to tell recipients apart, few enough to ignore how the SMSC wrote the country code. */
const RECIPIENT_DIGITS = 8;
const HOUR_MS = 3_600_000;
/** Submits remembered; older ones are paired from the report's time, as after a restart. */
const REMEMBERED = 10_000;

export function referenceKey(messageReference: number, recipient: string): string {
  return `${messageReference}/${recipient.replace(/\D/g, '').slice(-RECIPIENT_DIGITS)}`;
}

export function providerIdFor(messageReference: number, recipient: string, at: number): string {
  return `${referenceKey(messageReference, recipient)}/${hourOf(at)}`;
}

function hourOf(at: number): string {
  return new Date(at).toISOString().slice(0, 13);
}

export interface PairedReport {
  providerId: string;
  alternateIds: string[];
}

export class ReferenceBook {
  private readonly latest = new Map<string, { providerId: string; submittedAt: number }>();

  /** Records a submit the modem acknowledged with `+CMGS: <mr>` and returns its provider id. */
  submitted(messageReference: number, recipient: string, at: number): string {
    const providerId = providerIdFor(messageReference, recipient, at);
    const key = referenceKey(messageReference, recipient);
    this.latest.delete(key);
    this.latest.set(key, { providerId, submittedAt: at });
    if (this.latest.size > REMEMBERED) this.latest.delete(this.latest.keys().next().value!);
    return providerId;
  }

  /** The provider id a status report speaks of, with the ids it may have been stored under instead. */
  pair(messageReference: number, recipient: string, serviceCentreTime: number): PairedReport {
    const key = referenceKey(messageReference, recipient);
    const rebuilt = [0, -HOUR_MS, HOUR_MS].map((shift) => `${key}/${hourOf(serviceCentreTime + shift)}`);
    const known = this.latest.get(key);
    // A remembered submit far from the SMSC's time is a later reuse of the same reference.
    if (known !== undefined && Math.abs(known.submittedAt - serviceCentreTime) < HOUR_MS) {
      return { providerId: known.providerId, alternateIds: rebuilt.filter((id) => id !== known.providerId) };
    }
    return { providerId: rebuilt[0], alternateIds: rebuilt.slice(1) };
  }
}
