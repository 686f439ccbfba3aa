/**
 * The guard refuses messages that look like SMS pumping or toll fraud, and messages to people
 * who opted out. It is on by default: an SMS gateway reachable from a web form is otherwise a
 * way for strangers to spend your money on revenue-share numbers.
 */
import { randomUUID } from 'node:crypto';
import metadata from 'libphonenumber-js/metadata.min.json';
import { SmsGateError } from '../errors';
import { QuotaLog } from '../store/quota-log';
import type { Store } from '../store/types';
import type { NumberInfo, NumberType } from '../types';
import type { OptOutList } from './opt-out';

export interface RateCap {
  max: number;
  windowSeconds: number;
}

export interface PrefixRateCap extends RateCap {
  /** National digits after the country calling code that form the prefix. */
  digits: number;
}

export interface GuardConfig {
  /** Default true. False turns every rule off, the opt-out list included. */
  enabled?: boolean;
  /** ISO regions that may be messaged; absent means all. Numbers without a region (+800, +882, ...) are then refused. */
  allowedCountries?: string[];
  blockedTypes?: NumberType[];
  /** False turns the cap off. */
  perRecipient?: RateCap | false;
  /** False turns the cap off. */
  perPrefix?: PrefixRateCap | false;
}

/** A GuardConfig with every default filled in. */
export interface ResolvedGuardConfig {
  enabled: boolean;
  allowedCountries?: string[];
  blockedTypes: NumberType[];
  perRecipient: RateCap | false;
  perPrefix: PrefixRateCap | false;
}

export const GUARD_DEFAULTS = {
  enabled: true,
  /**
   * Types that cannot usefully receive an SMS and that fraudsters rent to collect a share of
   * the termination fee: premium-rate, shared-cost, UAN (business access numbers), personal
   * numbers (UK 070, a long-standing fraud range), pagers and voicemail access numbers.
   * TOLL_FREE, VOIP and FIXED_LINE stay allowed: US toll-free numbers take texts, VoIP numbers
   * are ordinary people's phones, and many landlines read texts aloud.
   */
  blockedTypes: ['PREMIUM_RATE', 'SHARED_COST', 'UAN', 'PERSONAL_NUMBER', 'PAGER', 'VOICEMAIL'] as NumberType[],
  /**
   * 20 an hour: well above a person retrying a one-time code or a burst of home-automation
   * alerts, yet a runaway loop or a targeted flood stops after 20.
   */
  perRecipient: { max: 20, windowSeconds: 3600 } as RateCap,
  /**
   * Pumping walks through consecutive numbers of a range the fraudster controls. Five national
   * digits is about one operator allocation block (100 000 numbers in the UK and NANP plans);
   * 100 a minute into one block is far above what a legitimate campaign sends there (its
   * traffic spreads over hundreds of blocks) and caps a scripted attack's burst.
   */
  perPrefix: { digits: 5, max: 100, windowSeconds: 60 } as PrefixRateCap,
};

export function resolveGuardConfig(config: GuardConfig = {}): ResolvedGuardConfig {
  const resolved: ResolvedGuardConfig = {
    enabled: config.enabled ?? GUARD_DEFAULTS.enabled,
    blockedTypes: [...(config.blockedTypes ?? GUARD_DEFAULTS.blockedTypes)],
    perRecipient: config.perRecipient ?? { ...GUARD_DEFAULTS.perRecipient },
    perPrefix: config.perPrefix ?? { ...GUARD_DEFAULTS.perPrefix },
  };
  if (config.allowedCountries !== undefined) resolved.allowedCountries = [...config.allowedCountries];
  return resolved;
}

export interface GuardOptions {
  /** Milliseconds since the epoch; tests inject a fake clock. */
  now?: () => number;
  optOut?: OptOutList;
  /**
   * Where the rate caps count: the gateway's store, so that every process sharing it, and a
   * restarted one, counts against the same caps. Default: this process's memory.
   */
  quota?: Pick<Store, 'takeQuota'>;
}

export interface GuardedMessage {
  number: NumberInfo;
  from?: string;
  /**
   * What the caps count, once: a message checked again with the same token (a send repeated
   * with its idempotency key) uses no more quota. Default: a token of its own.
   */
  token?: string;
}

interface Cap {
  windowMs: number;
  max: number;
  key: (number: NumberInfo) => string;
  refusal: (number: NumberInfo) => string;
}

export class Guard {
  private readonly config: ResolvedGuardConfig;
  private readonly allowedCountries?: Set<string>;
  private readonly blockedTypes: Set<NumberType>;
  private readonly caps: Cap[] = [];
  private readonly now: () => number;
  private readonly optOut?: OptOutList;
  private readonly quota: Pick<Store, 'takeQuota'>;

  constructor(config: GuardConfig = {}, opts: GuardOptions = {}) {
    this.config = resolveGuardConfig(config);
    if (this.config.allowedCountries) {
      this.allowedCountries = new Set(this.config.allowedCountries.map((c) => c.toUpperCase()));
    }
    this.blockedTypes = new Set(this.config.blockedTypes);
    this.now = opts.now ?? Date.now;
    if (opts.optOut) this.optOut = opts.optOut;
    if (opts.quota) this.quota = opts.quota;
    else {
      const log = new QuotaLog();
      this.quota = { takeQuota: async (caps, now, token) => log.take(caps, now, token) };
    }

    const { perRecipient, perPrefix } = this.config;
    if (perRecipient) {
      this.caps.push({
        windowMs: perRecipient.windowSeconds * 1000,
        max: perRecipient.max,
        key: (number) => `perRecipient:${number.e164}`,
        refusal: () =>
          `limit of ${perRecipient.max} messages per ${perRecipient.windowSeconds} s to this recipient reached (guard.perRecipient)`,
      });
    }
    if (perPrefix) {
      this.caps.push({
        windowMs: perPrefix.windowSeconds * 1000,
        max: perPrefix.max,
        key: (number) => `perPrefix:${rangePrefix(number.e164, perPrefix.digits)}`,
        refusal: (number) =>
          `limit of ${perPrefix.max} messages per ${perPrefix.windowSeconds} s to numbers starting ` +
          `${rangePrefix(number.e164, perPrefix.digits)} reached (guard.perPrefix)`,
      });
    }
  }

  /**
   * Resolves when the message may go, and counts it against the rate caps; throws an
   * SmsGateError (field `to`) naming the number and the rule otherwise.
   *
   * Only messages that pass are counted, so refused attempts do not lock a recipient out. The
   * caps are checked and counted in one atomic step of the quota store after the opt-out
   * lookup, so concurrent checks, in this process or another, cannot both take the last slot.
   * Call it as the last gate before the message is accepted (after routing and encoding
   * succeeded).
   */
  async check({ number, from, token = randomUUID() }: GuardedMessage): Promise<void> {
    if (!this.config.enabled) return;
    const refuse = (code: 'COUNTRY_NOT_ALLOWED' | 'NUMBER_TYPE_BLOCKED' | 'RATE_LIMITED' | 'OPTED_OUT', why: string) =>
      new SmsGateError(code, `${number.e164}: ${why}`, { field: 'to' });

    if (this.allowedCountries && !(number.country && this.allowedCountries.has(number.country.toUpperCase()))) {
      const country = number.country ? `country ${number.country}` : 'a number without a country';
      throw refuse('COUNTRY_NOT_ALLOWED', `${country} is not in guard.allowedCountries (${[...this.allowedCountries].join(', ')})`);
    }
    if (number.type && this.blockedTypes.has(number.type)) {
      throw refuse('NUMBER_TYPE_BLOCKED', `number type ${number.type} is blocked (guard.blockedTypes)`);
    }
    // Opted-out recipients are refused before the caps so they do not use up anyone's quota.
    if (this.optOut && (await this.optOut.isOptedOut(number.e164, from))) {
      throw refuse('OPTED_OUT', 'the recipient opted out (sent STOP); they must send START to receive messages again');
    }

    if (this.caps.length === 0) return;
    const quotas = this.caps.map((cap) => ({ key: cap.key(number), windowMs: cap.windowMs, max: cap.max }));
    const result = await this.quota.takeQuota(quotas, this.now(), token);
    if (!result.taken) throw refuse('RATE_LIMITED', this.caps[result.refusedBy]!.refusal(number));
  }
}

/**
 * Country calling codes are prefix-free and 1 to 3 digits long. Every 1- and 2-digit code in
 * use is in libphonenumber's metadata, so a number starting with none of them has a 3-digit
 * code (non-geographic ones such as +882 included).
 */
const SHORT_CALLING_CODES = new Set(Object.keys(metadata.country_calling_codes).filter((code) => code.length < 3));

/** `+` + calling code + the first `digits` national digits: the number range a message goes to. */
function rangePrefix(e164: string, digits: number): string {
  const all = e164.replace(/^\+/, '');
  const codeLength = [1, 2].find((n) => SHORT_CALLING_CODES.has(all.slice(0, n))) ?? 3;
  return `+${all.slice(0, codeLength + digits)}`;
}
