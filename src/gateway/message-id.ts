/**
 * Message ids: UUID version 7 (RFC 9562, section 5.7), 48 bits of Unix time in milliseconds
 * then random bits. Ids that grow with time are written at the end of a sqlite store's id index:
 * random ids (version 4) put each message of a commit on an index page of its own, and every
 * page a commit touches is written to the WAL again.
 */
import { randomUUID } from 'node:crypto';

/**
 * The random part comes from randomUUID() (Node keeps a pool of random bytes for it): its
 * version digit and the time prefix are replaced. Node builds randomUUID()'s string from 20
 * pieces, and a concatenation here adds more; V8 keeps such a string as a tree (~480 bytes,
 * against 56 for the characters) for as long as it lives, in a store's maps for as long as the
 * message is kept. On an all-lower-case string toLowerCase() changes nothing but returns it flat.
 */
export function messageId(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`.toLowerCase();
}
