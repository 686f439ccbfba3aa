/**
 * Frozen records: what a store hands every reader (see Store). A record cannot be changed by
 * whoever holds it, so it needs no copy on the way out, and the gateway's state changes are
 * pure functions that build the next record from the current one.
 */
import type { MessageRecord } from './types';

/** A copy of everything in a record that could be changed (faster than structuredClone). */
export function copy(record: MessageRecord): MessageRecord {
  return {
    ...record,
    recipient: { ...record.recipient },
    sender: record.sender && { ...record.sender },
    nationalLanguages: [...record.nationalLanguages],
    transports: [...record.transports],
    providerIds: [...record.providerIds],
    segmentStates: [...record.segmentStates],
    error: record.error && { ...record.error },
  };
}

/**
 * Freezes a record and what it holds. A record made from a stored one by spreading shares the
 * parts that did not change, which are frozen already. Lists that take few values (the route's
 * transports and national languages, segment states all alike, no provider ids yet) are
 * replaced by one shared frozen copy per content: with many messages kept, each of their own
 * would be ~60 bytes apiece.
 */
export function freeze(record: MessageRecord): MessageRecord {
  if (Object.isFrozen(record)) return record;
  Object.freeze(record.recipient);
  if (record.sender !== null) Object.freeze(record.sender);
  if (record.error !== null) Object.freeze(record.error);
  record.nationalLanguages = shared(record.nationalLanguages);
  record.transports = shared(record.transports);
  const [first] = record.segmentStates;
  record.segmentStates = record.segmentStates.every((state) => state === first)
    ? shared(record.segmentStates)
    : (Object.freeze(record.segmentStates) as MessageRecord['segmentStates']);
  record.providerIds = record.providerIds.length === 0 ? shared(record.providerIds) : (Object.freeze(record.providerIds) as MessageRecord['providerIds']);
  return Object.freeze(record);
}

/** One frozen list per content; only for lists that take few values (see freeze). */
const sharedLists = new Map<string, readonly unknown[]>();

function shared<T>(list: T[]): T[] {
  if (Object.isFrozen(list)) return list;
  const key = `${list.length}\u0000${list.join('\u0000')}`;
  let found = sharedLists.get(key);
  if (found === undefined) {
    found = Object.freeze([...list]);
    sharedLists.set(key, found);
  }
  return found as T[];
}
