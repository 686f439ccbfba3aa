/**
 * A record packed into one string: its values in a fixed order, as JSON, without the names, the
 * recipient's among them. The memory store keeps the messages that will wait this way. As
 * objects one took ~1 100 bytes of heap (the record, its recipient, its error, ~10 strings,
 * boxed timestamps); packed, ~300 (370 with an error). Packing costs ~2 µs and unpacking ~3 µs,
 * which is why messages about to be sent are not packed.
 */
import type { ErrorInfo } from '../errors';
import type { SenderAddress } from '../types';
import { freeze } from './frozen-record';
import type { MessageRecord } from './types';

/**
 * The values in the order they are packed, all but the id: the store keeps a packed record under
 * its id, and unpacking reuses that string rather than making another copy of it per message.
 * Spelled out, and in the same order in unpack: a loop over a list of names was twice as slow
 * (its property accesses by name are megamorphic). The object literal in unpack fails to compile
 * when a field of MessageRecord is missing; the store tests round-trip every field.
 */
export function pack(r: MessageRecord): string {
  const { recipient: to, sender, error } = r;
  return JSON.stringify([
    r.idempotencyKey, to.input, to.e164, to.country, to.type, to.carrier,
    sender && [sender.kind, sender.address, sender.ton, sender.npi],
    r.text, r.encoding, r.encodingChoice, r.smart, r.nationalLanguages, r.reference16, r.reference, r.segments, r.tag,
    r.correlation, r.deliveryReport, r.priority, r.scheduledAt, r.transports, r.transportId, r.state, r.attempts,
    r.nextAttemptAt, r.validUntil, r.createdAt, r.updatedAt, r.submittedAt, r.doneAt, r.providerIds, r.segmentStates,
    error && [error.code, error.message, error.field ?? null, error.providerCode ?? null],
  ]);
}

/** The record packed, frozen (frozen-record.ts). */
export function unpack(id: string, packed: string): MessageRecord {
  const v = JSON.parse(packed) as never[];
  return freeze({
    id, idempotencyKey: v[0], recipient: { input: v[1], e164: v[2], country: v[3], type: v[4], carrier: v[5] },
    sender: unpackSender(v[6]), text: v[7], encoding: v[8], encodingChoice: v[9], smart: v[10], nationalLanguages: v[11],
    reference16: v[12], reference: v[13], segments: v[14], tag: v[15], correlation: v[16], deliveryReport: v[17],
    priority: v[18], scheduledAt: v[19], transports: v[20], transportId: v[21], state: v[22], attempts: v[23],
    nextAttemptAt: v[24], validUntil: v[25], createdAt: v[26], updatedAt: v[27], submittedAt: v[28], doneAt: v[29],
    providerIds: v[30], segmentStates: v[31], error: unpackError(v[32]),
  });
}

function unpackSender(v: never[] | null): SenderAddress | null {
  return v && { kind: v[0], address: v[1], ton: v[2], npi: v[3] };
}

/** Field and provider code only when the error had them, as SmsGateError.toJSON gives it. */
function unpackError(v: never[] | null): ErrorInfo | null {
  if (v === null) return null;
  const error: ErrorInfo = { code: v[0], message: v[1] };
  if (v[2] !== null) error.field = v[2];
  if (v[3] !== null) error.providerCode = v[3];
  return error;
}
