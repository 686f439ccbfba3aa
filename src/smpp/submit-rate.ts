/**
 * `maxPerSecond`: the submit rate of one SMSC account, exact over any one-second span, not per
 * clock second, by the algorithm of store/submit-slots.ts.
 *
 * Held in the gateway's store when the transport has one (SharedSubmitRate): every process that
 * binds the account takes its slots from the same log (Store.takeSubmitSlot), and a throttled
 * one pauses them all. Without a store (a transport on its own), by this process alone
 * (LocalSubmitRate).
 */
import { createHash } from 'node:crypto';
import { takeSlot, type SlotLog } from '../store/submit-slots';
import type { SubmitSlots } from '../transport/types';

/** A rate a transport's submits are held to, one slot per submit_sm. */
export interface SubmitRate {
  /** 0 when a slot was taken for a submit at `now`; else the ms to wait before asking again. */
  take(now: number): number | Promise<number>;
  /** The SMSC throttled this process: the account's submits wait until `until`, in every process that shares the rate. */
  pause(until: number, now: number): Promise<void>;
}

/** The rate in this process's memory; the transport keeps its own pause. */
export class LocalSubmitRate implements SubmitRate {
  private readonly log: SlotLog = { times: [], pausedUntil: 0 };

  constructor(private readonly perSecond: number) {}

  take(now: number): number {
    return takeSlot(this.log, this.perSecond, now);
  }

  async pause(): Promise<void> {}
}

/** The rate of `account` in the gateway's store, shared by every process that binds it. */
export class SharedSubmitRate implements SubmitRate {
  constructor(
    private readonly slots: SubmitSlots,
    readonly account: string,
    private readonly perSecond: number,
  ) {}

  take(now: number): Promise<number> {
    return this.slots.take(this.account, this.perSecond, now);
  }

  pause(until: number, now: number): Promise<void> {
    return this.slots.pause(this.account, until, now);
  }
}

export interface SmppAccount {
  host: string;
  port: number;
  systemId: string;
  systemType: string;
}

/**
 * The store's key for an SMSC account: where the SMSC is, and who we are to it. The system id
 * and type go in as a fingerprint (config treats the system id as half of the credentials); the
 * password never does. Processes configured alike get the same key; `localhost` and `127.0.0.1`
 * are two accounts to it.
 */
export function accountKey({ host, port, systemId, systemType }: SmppAccount): string {
  const who = createHash('sha256').update(JSON.stringify([systemId, systemType])).digest('hex').slice(0, 32);
  return `smpp:${host.toLowerCase()}:${port}:${who}`;
}
