import type { MessageRecord } from '../../src/store/types';

/** A stored message as the gateway would write it, for store tests. */
export function sampleRecord(overrides: Partial<MessageRecord> = {}): MessageRecord {
  const now = 1_700_000_000_000;
  return {
    id: `m-${Math.random().toString(36).slice(2)}`,
    idempotencyKey: null,
    recipient: { input: '+447400123456', e164: '+447400123456', country: 'GB', type: 'MOBILE', carrier: null },
    sender: { kind: 'alphanumeric', address: 'ACME', ton: 5, npi: 0 },
    text: 'hello',
    encoding: 'GSM7',
    encodingChoice: 'auto',
    smart: false,
    nationalLanguages: [],
    reference16: false,
    reference: null,
    segments: 1,
    tag: null,
    correlation: null,
    deliveryReport: true,
    priority: 0,
    scheduledAt: null,
    transports: ['t1'],
    transportId: null,
    state: 'QUEUED',
    attempts: 0,
    nextAttemptAt: now,
    validUntil: now + 3_600_000,
    createdAt: now,
    updatedAt: now,
    submittedAt: null,
    doneAt: null,
    providerIds: [],
    segmentStates: [null],
    error: null,
    ...overrides,
  };
}
