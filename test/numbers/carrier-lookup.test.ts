import { strict as assert } from 'node:assert';
import { SmsGateError } from '../../src/errors';
import {
  ChainedCarrierLookup,
  PrefixCarrierLookup,
  lookupNumber,
  parseNumber,
  type CarrierLookup,
  type CarrierQuery,
} from '../../src/numbers';

/** A stand-in HLR / portability provider: answers from a table, or fails like a provider outage. */
class FakeHlr implements CarrierLookup {
  readonly name = 'fake-hlr';
  readonly asked: string[] = [];
  constructor(private readonly networks: Record<string, string | Error>) {}

  async lookup(number: CarrierQuery): Promise<string | null> {
    this.asked.push(number.e164);
    const answer = this.networks[number.e164];
    if (answer instanceof Error) throw answer;
    return answer ?? null;
  }
}

describe('PrefixCarrierLookup', () => {
  const prefix = new PrefixCarrierLookup();
  const lookup = (number: string) => prefix.lookup(parseNumber(number));

  // Names as Google's carrier prefix tables (resources/carrier/en) have them.
  const networks: [string, string][] = [
    ['+44 7400 123456', 'Three'],
    ['+44 7890 123456', 'Orange'],
    ['+49 151 12345678', 'T-Mobile'],
    ['+33 6 12 34 56 78', 'SFR'],
    ['+86 138 0013 8000', 'China Mobile'],
    ['+91 98765 43210', 'Airtel'],
    ['+61 412 345 678', 'Optus'],
    ['+31 6 12345678', 'KPN'],
  ];
  for (const [number, network] of networks) {
    it(`finds ${network} for ${number}`, async () => {
      assert.equal(await lookup(number), network);
    });
  }

  it('knows no network for a fixed line', async () => {
    assert.equal(await lookup('+44 20 7946 0000'), null);
  });

  it('asks the tables only for mobile-like types', async () => {
    // +44 7400 is Three's range; a query that says the number is fixed line gets no guess.
    assert.equal(await prefix.lookup({ e164: '+447400123456', country: 'GB', type: 'FIXED_LINE' }), null);
    assert.equal(await prefix.lookup({ e164: '+447400123456', country: 'GB', type: null }), null);
    assert.equal(await prefix.lookup({ e164: '+447400123456', country: 'GB', type: 'FIXED_LINE_OR_MOBILE' }), 'Three');
  });
});

describe('ChainedCarrierLookup', () => {
  const query = (number: string): CarrierQuery => parseNumber(number);

  it('lets a provider that knows a number was ported win over prefix data', async () => {
    const hlr = new FakeHlr({ '+447400123456': 'Vodafone' });
    const chain = new ChainedCarrierLookup([hlr, new PrefixCarrierLookup()]);
    assert.equal(await chain.lookup(query('+447400123456')), 'Vodafone');
    assert.deepEqual(hlr.asked, ['+447400123456']);
  });

  it('falls back to prefix data when the provider does not know the number', async () => {
    const chain = new ChainedCarrierLookup([new FakeHlr({}), new PrefixCarrierLookup()]);
    assert.equal(await chain.lookup(query('+447400123456')), 'Three');
  });

  it('falls back when the provider fails, and reports the failure', async () => {
    const outage = new Error('HLR timeout');
    const hlr = new FakeHlr({ '+447400123456': outage });
    const reported: [unknown, string][] = [];
    const chain = new ChainedCarrierLookup([hlr, new PrefixCarrierLookup()], {
      onError: (error, lookup) => reported.push([error, lookup.name]),
    });
    assert.equal(await chain.lookup(query('+447400123456')), 'Three');
    assert.deepEqual(reported, [[outage, 'fake-hlr']]);
  });

  it('falls back when a provider throws instead of rejecting', async () => {
    const broken: CarrierLookup = {
      name: 'broken',
      lookup: () => {
        throw new Error('bug');
      },
    };
    const chain = new ChainedCarrierLookup([broken, new PrefixCarrierLookup()]);
    assert.equal(await chain.lookup(query('+447400123456')), 'Three');
  });

  it('resolves to null when every lookup fails or does not know', async () => {
    const chain = new ChainedCarrierLookup([new FakeHlr({ '+447400123456': new Error('down') }), new FakeHlr({})]);
    assert.equal(await chain.lookup(query('+447400123456')), null);
  });

  it('is named after its lookups and needs at least one', () => {
    assert.equal(new ChainedCarrierLookup([new FakeHlr({}), new PrefixCarrierLookup()]).name, 'fake-hlr>prefix');
    assert.throws(() => new ChainedCarrierLookup([]), { code: 'OPTION_INVALID' });
  });
});

describe('lookupNumber', () => {
  it('adds the network from prefix data by default', async () => {
    assert.deepEqual(await lookupNumber('07400 123456', { region: 'GB' }), {
      input: '07400 123456',
      e164: '+447400123456',
      country: 'GB',
      type: 'MOBILE',
      carrier: 'Three',
    });
  });

  it('asks the given lookup with the verified number', async () => {
    const hlr = new FakeHlr({ '+447400123456': 'EE' });
    const info = await lookupNumber('07400 123456', { region: 'GB', carrierLookup: hlr });
    assert.equal(info.carrier, 'EE');
    assert.deepEqual(hlr.asked, ['+447400123456']);
  });

  it('rejects a bad number with parseNumber’s error, before any lookup', async () => {
    const hlr = new FakeHlr({});
    await assert.rejects(
      lookupNumber('12', { region: 'GB', field: 'recipient', carrierLookup: hlr }),
      (error: unknown) =>
        error instanceof SmsGateError && error.code === 'NUMBER_TOO_SHORT' && error.field === 'recipient',
    );
    assert.deepEqual(hlr.asked, []);
  });

  it('passes a failing lookup’s error on', async () => {
    const hlr = new FakeHlr({ '+447400123456': new Error('down') });
    await assert.rejects(lookupNumber('+447400123456', { carrierLookup: hlr }), /down/);
  });
});
