/**
 * SIM PINs the SIM refused, remembered in the gateway's store so that none is tried twice: three
 * wrong PINs lock a SIM until its PUK, and a PIN tried once per start would get there in three
 * restarts or redeploys. A refusal is kept per SIM (its ICCID, where the modem tells it; else the
 * serial device) until a PIN works there.
 *
 * The store never sees the PIN: a note holds a salted scrypt fingerprint of it. A PIN has only
 * 10^4 to 10^8 values, so a fast hash (even keyed, with the key beside it) would give it away to
 * anyone reading the store; scrypt makes each guess cost tens of milliseconds.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { TransportNotes } from '../transport/types';

/** The SIM, as the key of its note. */
export function refusedPinKey(iccid: string | null, path: string): string {
  return iccid === null ? `modem.pin-refused:path:${path}` : `modem.pin-refused:iccid:${iccid}`;
}

/** What a note holds: the fingerprint of the refused PIN, and when it was refused. */
interface RefusedPin {
  scrypt: { N: number; r: number; p: number };
  salt: string;
  hash: string;
  refusedAt: number;
}

const PARAMETERS = { N: 16384, r: 8, p: 1 };
const HASH_BYTES = 32;

export class RefusedPins {
  constructor(private readonly notes: TransportNotes | undefined) {}

  /** When `pin` was refused on this SIM before, the time it was; null when it was not (or nothing is remembered). */
  async refusedBefore(key: string, pin: string): Promise<number | null> {
    const note = await this.notes?.read(key);
    if (note === undefined) return null;
    const refused = parse(note);
    // Not one of ours (a damaged row): it cannot say which PIN it was; the next refusal replaces it.
    if (refused === null) return null;
    const hash = await derive(pin, Buffer.from(refused.salt, 'base64'), refused.scrypt);
    const stored = Buffer.from(refused.hash, 'base64');
    return stored.length === hash.length && timingSafeEqual(stored, hash) ? refused.refusedAt : null;
  }

  async remember(key: string, pin: string): Promise<void> {
    if (this.notes === undefined) return;
    const salt = randomBytes(16);
    const hash = await derive(pin, salt, PARAMETERS);
    const refused: RefusedPin = { scrypt: PARAMETERS, salt: salt.toString('base64'), hash: hash.toString('base64'), refusedAt: Date.now() };
    await this.notes.write(key, JSON.stringify(refused));
  }

  /** A PIN worked: whatever was refused on this SIM before no longer matters. */
  async forget(key: string): Promise<void> {
    if ((await this.notes?.read(key)) !== undefined) await this.notes!.write(key, null);
  }
}

function derive(pin: string, salt: Buffer, parameters: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(pin, salt, HASH_BYTES, { ...parameters, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function parse(note: string): RefusedPin | null {
  try {
    const value = JSON.parse(note) as Partial<RefusedPin>;
    const { scrypt: s, salt, hash, refusedAt } = value;
    if (typeof salt !== 'string' || typeof hash !== 'string' || typeof refusedAt !== 'number') return null;
    if (typeof s?.N !== 'number' || typeof s.r !== 'number' || typeof s.p !== 'number') return null;
    return { scrypt: s, salt, hash, refusedAt };
  } catch {
    return null;
  }
}
