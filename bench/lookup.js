'use strict';
/**
 * Recipient verification throughput: smsgate's parseNumber and lookupNumber against plain
 * libphonenumber-js (parsePhoneNumberFromString + isValid() + getType(), max metadata) on one
 * mixed corpus. Build first (`tsc -p tsconfig.json`); prints one JSON document.
 */
const { random } = require('./lib/random');
const { performance } = require('node:perf_hooks');
const { getCountries, getExampleNumber, parsePhoneNumberFromString } = require('libphonenumber-js/max');
const examples = require('libphonenumber-js/mobile/examples');
const { parseNumber, lookupNumber, CachedCarrierLookup, PrefixCarrierLookup } = require('../dist/numbers');

/** A region whose international prefix is 00, other than the number's own. */
const abroad = (region) => (region === 'DE' ? 'FR' : 'DE');

/**
 * Every region's mobile example, plus a few fixed-line, toll-free and premium numbers, written
 * as E.164, international, national with the region, and dialled from abroad; about one in five
 * entries is broken (digit dropped or added, national without region, text).
 */
function buildCorpus(size) {
  const next = random(42);
  const pick = (items) => items[Math.floor(next() * items.length)];
  const numbers = getCountries()
    .map((country) => getExampleNumber(country, examples))
    .filter((number) => number !== undefined);
  const others = ['+441212345678', '+448001234567', '+449012345678', '+18002345678', '+4930123456', '+80012345678'];
  for (const e164 of others) numbers.push(parsePhoneNumberFromString(e164));
  const corpus = [];
  while (corpus.length < size) {
    const number = pick(numbers);
    const region = number.country;
    const roll = next();
    if (roll < 0.2) corpus.push({ input: number.number });
    else if (roll < 0.4) corpus.push({ input: number.formatInternational() });
    else if (roll < 0.6 && region) corpus.push({ input: number.formatNational(), region });
    else if (roll < 0.8 && region) corpus.push({ input: `00${number.number.slice(1)}`, region: abroad(region) });
    else if (roll < 0.85) corpus.push({ input: number.number.slice(0, -2) });
    else if (roll < 0.9) corpus.push({ input: `${number.number}12` });
    else if (roll < 0.95) corpus.push({ input: number.formatNational() });
    else corpus.push({ input: pick(['hello', '', '+', 'n/a', '12', '+999 123 456']) });
  }
  return corpus;
}

/** Runs `pass` over the corpus until `ms` have passed; returns items per second. */
async function throughput(corpus, pass, ms) {
  let items = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await pass(corpus);
    items += corpus.length;
  }
  return items / ((performance.now() - start) / 1000);
}

/**
 * Short runs of every subject in turn, repeated, and the median per subject: a single long run
 * per subject measures whichever ran first under a colder JIT as much as the code itself.
 */
async function compare(subjects, { rounds, ms }) {
  const samples = new Map(subjects.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, corpus, pass] of subjects) samples.get(name).push(await throughput(corpus, pass, ms));
  }
  const medians = {};
  for (const [name, values] of samples) medians[name] = Math.round(values.sort((a, b) => a - b)[values.length >> 1]);
  return medians;
}

function smsgateParse(corpus) {
  for (const { input, region } of corpus) {
    try {
      parseNumber(input, { region });
    } catch {
      // Invalid entries are part of the load.
    }
  }
}

function plainLibphonenumber(corpus) {
  for (const { input, region } of corpus) {
    const phone = parsePhoneNumberFromString(input, region);
    if (phone !== undefined && phone.isValid()) phone.getType();
  }
}

function smsgateLookup(carrierLookup) {
  return async (corpus) => {
    for (const { input, region } of corpus) {
      try {
        await lookupNumber(input, { region, carrierLookup });
      } catch {
        // Invalid entries are part of the load.
      }
    }
  };
}

/** Whether smsgate accepts the entry; splits the corpus into its valid and invalid parts. */
function accepted({ input, region }) {
  try {
    parseNumber(input, { region });
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const corpus = buildCorpus(5000);
  const valid = corpus.filter(accepted);
  const invalid = corpus.filter((entry) => !accepted(entry));
  const countries = new Set(valid.map(({ input, region }) => parseNumber(input, { region }).country));
  const prefix = new PrefixCarrierLookup();
  const cachedPrefix = new CachedCarrierLookup(prefix, { ttlMs: Infinity, maxEntries: 100_000 });

  // Warm up the JIT and the file system cache before measuring.
  for (let i = 0; i < 5; i++) {
    smsgateParse(corpus);
    plainLibphonenumber(corpus);
  }
  await smsgateLookup(prefix)(corpus.slice(0, 500));

  const parsing = await compare(
    [
      ['parseNumber', corpus, smsgateParse],
      ['libphonenumber', corpus, plainLibphonenumber],
      ['parseNumberValidOnly', valid, smsgateParse],
      ['libphonenumberValidOnly', valid, plainLibphonenumber],
      ['parseNumberInvalidOnly', invalid, smsgateParse],
      ['libphonenumberInvalidOnly', invalid, plainLibphonenumber],
    ],
    { rounds: 7, ms: 400 },
  );
  const lookups = await compare(
    [
      ['lookupNumberPrefix', corpus, smsgateLookup(prefix)],
      // Every number repeats after the first pass, so this measures the cache-hit path.
      ['lookupNumberCachedPrefix', corpus, smsgateLookup(cachedPrefix)],
    ],
    { rounds: 3, ms: 1500 },
  );

  const result = {
    node: process.version,
    corpus: { entries: corpus.length, valid: valid.length, invalid: invalid.length, countries: countries.size },
    note: 'libphonenumber = parsePhoneNumberFromString + isValid() + getType() (max metadata); medians of runs',
    numbersPerSecond: { ...parsing, ...lookups },
  };
  console.log(JSON.stringify(result, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
