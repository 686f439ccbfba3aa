/**
 * The Redis store's data model: every key, what it holds and who changes it. All keys begin with
 * `{prefix}:` (prefix `smsgate` by default), the braces making the whole prefix one hash tag:
 * every key of one store lands in one cluster slot. The scripts build most key names themselves
 * (a message's hash from an id found in a queue), which Redis Cluster does not promise to allow,
 * so the store is for a standalone Redis or Valkey (with replicas, Sentinel); the one tag keeps
 * the door open, and lets several gateways' stores (other prefixes) live side by side.
 *
 * Messages
 *   m:<id>            HASH   doc (the record as JSON), state, next (nextAttemptAt: the
 *                            authority over the doc's copy, wakeWaitingFor changes it alone),
 *                            prio, ver (bumped by every change: transitions compare it),
 *                            qm (its member in the queue: arrival sequence | id), idem (its
 *                            idempotency key), owner + until (its lease), waits (the transport
 *                            ids it waits for, one per line)
 *   seq               STRING arrival counter: orders messages due at the same time
 *   idem              HASH   idempotency key → message id
 *   counts            HASH   state → number of messages (countByState)
 *   q:<priority>      ZSET   QUEUED messages under no live lease, 0..3: member qm, score next
 *                            (ties in arrival order, as qm begins with the zero-padded sequence)
 *   leases            ZSET   QUEUED messages leased: id, score lease until. A lapsed one goes
 *                            back to its queue at the next claim (its owner is kept until another
 *                            claims it, so it may still renew, as in the other stores)
 *   queued            ZSET   every QUEUED message: id, score next (nextDue)
 *   w:<transport>     SET    ids of messages set aside until that link comes up
 *   rest, rest:refused ZSET  messages done, by since when they rest (lifecycle.ts restingSince):
 *                            what purge walks
 * Provider links
 *   pl:<len>:<transport>:<provider id>  HASH  "<message id>\n<segment>" → "<linkedAt>\n<recipient>"
 *   ml:<id>           SET    the links of a message, "<segment> <pl key>", so purge removes them all
 * Inbound
 *   in                HASH   id → JSON;  in:t ZSET "<sequence>|<id>" by receivedAt;  in:seq STRING
 *   ip:<group>        HASH   sequence → part JSON (inbound-parts.ts's group key)
 *   ip:first          ZSET   group → receivedAt of its earliest part kept (takeStaleInboundParts)
 * Others
 *   optout            HASH   e164 → epoch ms it was set
 *   notes             HASH   key → value
 *   quota:<key>       ZSET   token → time counted (an exact sliding window per cap key),
 *                            expiring a window after its last event
 *   slots:<account>   LIST   an SMSC account's newest submit slot times, newest first, at most
 *                            perSecond of them (submit-slots.ts); expires a minute after the last
 *   pause:<account>   STRING the account's pause, epoch ms (pauseSubmits); expires a minute after it
 * The event feed (Store.joinFeed and the rest)
 *   feed:seq          STRING sequence counter
 *   feed              ZSET   the events' sequence numbers (member and score)
 *   feed:ev           HASH   sequence → "<at>|<kind>|<payload JSON>"
 *   feed:groups       HASH   listener → "<cursor>|<joined at>|<kinds, comma-separated>"
 *   feed:p:<listener> ZSET   the events the listener's group holds leased: sequence → lease until
 *   feed:once         ZSET   the keys of the keyed events appended (feed-once.ts) → when: kept
 *                            as the events would be (newest maxEvents, trimmed by `at`)
 *   (sequence numbers, not a stream's ids, so that every store hands out the same ids; one
 *   script per call, as with the outbox)
 */

/** The part every key of a store begins with. */
export function keyBase(prefix: string): string {
  return `{${prefix}}:`;
}

/**
 * The provider-link hash of a (transport, provider id), without the base. The transport id's
 * length comes first, so no transport id and provider id pair reads as another.
 */
export function providerLinkKey(transportId: string, providerId: string): string {
  return `pl:${transportId.length}:${transportId}:${providerId}`;
}

/** A link's field and value in its provider-link hash. */
export function linkField(messageId: string, segment: number): string {
  return `${messageId}\n${segment}`;
}

export function linkValue(linkedAt: number, recipient: string): string {
  return `${linkedAt}\n${recipient}`;
}

/** The priorities the outbox has a queue of (send() takes 0 to 3, as SMPP's priority_flag). */
export const PRIORITIES = [0, 1, 2, 3] as const;
