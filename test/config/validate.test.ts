import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { validateConfig } from '../../src/config/validate';
import type { SmppTransportConfig } from '../../src/config/types';
import { SmsGateError } from '../../src/errors';

const baseDir = resolve('/etc/smsgate');

/** The example of the shared contract, verbatim. */
function contractExample(): Record<string, unknown> {
  return {
    store: { type: 'sqlite', path: 'smsgate.db' },
    defaults: { from: 'ACME', region: 'GB', deliveryReport: true },
    transports: [
      {
        id: 'smsc1',
        type: 'smpp',
        host: '127.0.0.1',
        port: 2775,
        systemId: 'test',
        password: 'secret',
        bind: 'transceiver',
        window: 50,
        maxPerSecond: 0,
        tls: false,
      },
      { id: 'gsm1', type: 'modem', path: '/dev/ttyUSB0', baudRate: 115200, pin: '1234' },
    ],
    routes: [{ match: { country: ['GB'], carrier: ['EE'] }, transports: ['smsc1'] }, { transports: ['gsm1'] }],
  };
}

const loopback = { id: 'lo', type: 'loopback' };
const smpp = { id: 'smsc1', type: 'smpp', host: 'smsc.example.net', systemId: 'acme' };

/** The CONFIG_INVALID error `raw` is refused with. */
function refusal(raw: unknown): SmsGateError {
  try {
    validateConfig(raw, { baseDir });
  } catch (err) {
    assert.ok(err instanceof SmsGateError, String(err));
    assert.equal(err.code, 'CONFIG_INVALID');
    return err;
  }
  return assert.fail('expected the config to be refused');
}

/** Asserts `raw` has exactly one problem, at `field`, reading `message`. */
function assertProblem(raw: unknown, field: string, message: string): void {
  const err = refusal(raw);
  assert.equal(err.message, `${field}: ${message}`);
  assert.equal(err.field, field);
}

function withTransport(transport: Record<string, unknown>): Record<string, unknown> {
  return { transports: [transport] };
}

describe('validateConfig', () => {
  describe('a good config', () => {
    it('takes the contract example, filling in every default', () => {
      assert.deepEqual(validateConfig(contractExample(), { baseDir }), {
        store: { type: 'sqlite', path: resolve(baseDir, 'smsgate.db') },
        defaults: {
          from: 'ACME',
          region: 'GB',
          deliveryReport: true,
          validitySeconds: 172800,
          maxSegments: 10,
          smart: false,
          encoding: 'auto',
        },
        transports: [
          {
            id: 'smsc1',
            type: 'smpp',
            host: '127.0.0.1',
            port: 2775,
            systemId: 'test',
            password: 'secret',
            systemType: '',
            bind: 'transceiver',
            window: 50,
            maxPerSecond: 0,
            tls: false,
            addressRange: '',
            serviceType: '',
            longMessages: 'udh',
            dataCoding: 'default',
            enquireLinkSeconds: 30,
            responseTimeoutSeconds: 10,
            maxResponseTimeouts: 3,
            credentialRetrySeconds: 300,
          },
          { id: 'gsm1', type: 'modem', path: '/dev/ttyUSB0', baudRate: 115200, pin: '1234', mode: 'auto' },
        ],
        routes: [
          { match: { country: ['GB'], carrier: ['EE'] }, transports: ['smsc1'], strategy: 'failover' },
          { transports: ['gsm1'], strategy: 'failover' },
        ],
        guard: {
          enabled: true,
          blockedTypes: ['PREMIUM_RATE', 'SHARED_COST', 'UAN', 'PERSONAL_NUMBER', 'PAGER', 'VOICEMAIL'],
          perRecipient: { max: 20, windowSeconds: 3600 },
          perPrefix: { digits: 5, max: 100, windowSeconds: 60 },
        },
        retention: { finalDays: 7, refusedHours: 24, inboundDays: 7 },
      });
    });

    it('defaults the store to sqlite at smsgate.db beside the config, and the top-level defaults', () => {
      const config = validateConfig({ transports: [loopback] }, { baseDir });
      assert.deepEqual(config.store, { type: 'sqlite', path: resolve(baseDir, 'smsgate.db') });
      assert.deepEqual(config.defaults, {
        deliveryReport: true,
        validitySeconds: 172800,
        maxSegments: 10,
        smart: false,
        encoding: 'auto',
      });
    });

    it('resolves a relative store path from baseDir, keeps an absolute one, and uses the working directory without baseDir', () => {
      const relative = validateConfig({ store: { path: 'data/sms.db' }, transports: [loopback] }, { baseDir });
      assert.deepEqual(relative.store, { type: 'sqlite', path: resolve(baseDir, 'data/sms.db') });
      const absolute = validateConfig({ store: { type: 'sqlite', path: '/var/lib/sms.db' }, transports: [loopback] }, { baseDir });
      assert.deepEqual(absolute.store, { type: 'sqlite', path: '/var/lib/sms.db' });
      const noBase = validateConfig({ transports: [loopback] });
      assert.deepEqual(noBase.store, { type: 'sqlite', path: resolve(process.cwd(), 'smsgate.db') });
    });

    it('takes a memory store', () => {
      assert.deepEqual(validateConfig({ store: { type: 'memory' }, transports: [loopback] }).store, { type: 'memory' });
    });

    it('reads TLS settings with their files relative to the config file', () => {
      const config = validateConfig(withTransport({ ...smpp, tls: { ca: 'certs/ca.pem', servername: 'smsc.example.net' } }), {
        baseDir: '/etc/smsgate',
      });
      assert.deepEqual((config.transports[0] as SmppTransportConfig).tls, {
        ca: '/etc/smsgate/certs/ca.pem',
        servername: 'smsc.example.net',
        rejectUnauthorized: true,
      });
    });

    it('fills in the smpp defaults', () => {
      assert.deepEqual(validateConfig(withTransport(smpp)).transports[0], {
        id: 'smsc1',
        type: 'smpp',
        host: 'smsc.example.net',
        port: 2775,
        systemId: 'acme',
        password: '',
        systemType: '',
        bind: 'transceiver',
        window: 50,
        maxPerSecond: 0,
        tls: false,
        addressRange: '',
        serviceType: '',
        longMessages: 'udh',
        dataCoding: 'default',
        enquireLinkSeconds: 30,
        responseTimeoutSeconds: 10,
        maxResponseTimeouts: 3,
        credentialRetrySeconds: 300,
      });
    });

    it('fills in the modem defaults, with no pin unless given', () => {
      assert.deepEqual(validateConfig(withTransport({ id: 'gsm', type: 'modem', path: '/dev/ttyUSB0' })).transports[0], {
        id: 'gsm',
        type: 'modem',
        path: '/dev/ttyUSB0',
        baudRate: 115200,
        mode: 'auto',
      });
    });

    it('takes a modem mode and an SMSC number, and names a bad one', () => {
      const modem = { id: 'gsm', type: 'modem', path: '/dev/ttyUSB0', mode: 'text', smsc: '+447700900000' };
      assert.deepEqual(validateConfig(withTransport(modem)).transports[0], { ...modem, baudRate: 115200 });
      assert.throws(() => validateConfig(withTransport({ ...modem, mode: 'fast' })), { field: 'transports[0].mode' });
      assert.throws(() => validateConfig(withTransport({ ...modem, smsc: '07700900000' })), { field: 'transports[0].smsc' });
    });

    it('fills in the loopback defaults and resolves its log beside the config', () => {
      assert.deepEqual(validateConfig(withTransport(loopback)).transports[0], {
        id: 'lo',
        type: 'loopback',
        dlrDelayMs: 0,
        dlrStatus: 'DELIVRD',
        submitDelayMs: 0,
      });
      const full = { ...loopback, dlrDelayMs: 250, dlrStatus: 'UNDELIV', submitDelayMs: 10, log: 'out/sent.jsonl', failWith: 'temporary' };
      assert.deepEqual(validateConfig(withTransport(full), { baseDir }).transports[0], {
        ...full,
        log: resolve(baseDir, 'out/sent.jsonl'),
      });
    });

    it('without routes, routes everything over all transports in file order (failover)', () => {
      const config = validateConfig({ transports: [smpp, loopback, { id: 'gsm', type: 'modem', path: '/dev/ttyS0' }] });
      assert.deepEqual(config.routes, [{ transports: ['smsc1', 'lo', 'gsm'], strategy: 'failover' }]);
    });

    it('keeps every route field, upper-casing country codes', () => {
      const route = {
        match: { country: ['gb'], prefix: ['+4477'], carrier: ['EE'], type: ['MOBILE'], sender: ['ACME'], tag: ['otp'] },
        transports: ['smsc1', 'lo'],
        strategy: 'weighted',
        weights: [3, 1],
        nationalLanguages: ['turkish'],
      };
      const config = validateConfig({ transports: [smpp, loopback], routes: [route] });
      assert.deepEqual(config.routes, [{ ...route, match: { ...route.match, country: ['GB'] } }]);
    });

    it('takes every guard field', () => {
      const guard = {
        enabled: false,
        allowedCountries: ['GB', 'IE'],
        blockedTypes: [],
        perRecipient: false,
        perPrefix: { digits: 4, max: 10, windowSeconds: 600 },
      };
      assert.deepEqual(validateConfig({ transports: [loopback], guard }).guard, guard);
    });

    it('takes the retention, fractions too, filling in what is left out', () => {
      assert.deepEqual(validateConfig({ transports: [loopback], retention: { finalDays: 0.5, inboundDays: 30 } }).retention, {
        finalDays: 0.5,
        refusedHours: 24,
        inboundDays: 30,
      });
    });

    it('takes every defaults field', () => {
      const defaults = {
        from: 'ACME',
        region: 'IE',
        deliveryReport: false,
        validitySeconds: 3600,
        maxSegments: 3,
        smart: true,
        encoding: 'ucs2',
      };
      assert.deepEqual(validateConfig({ transports: [loopback], defaults }).defaults, defaults);
    });
  });

  describe('a bad field is named by its path', () => {
    it('out of range', () => {
      assertProblem(withTransport({ ...smpp, port: 70000 }), 'transports[0].port', 'expected 1..65535, got 70000');
      assertProblem(withTransport({ ...smpp, window: 0 }), 'transports[0].window', 'expected 1..10000, got 0');
      assertProblem(withTransport({ ...smpp, maxPerSecond: -1 }), 'transports[0].maxPerSecond', 'expected >= 0, got -1');
      // The rate is counted in whole segments per one-second span.
      assertProblem(withTransport({ ...smpp, maxPerSecond: 2.5 }), 'transports[0].maxPerSecond', 'expected an integer >= 0, got 2.5');
      // Binding again within seconds after a wrong password is how SMSC accounts get locked.
      assertProblem(withTransport({ ...smpp, credentialRetrySeconds: 5 }), 'transports[0].credentialRetrySeconds', 'expected 60..86400, got 5');
      assertProblem(withTransport({ ...smpp, maxResponseTimeouts: 0 }), 'transports[0].maxResponseTimeouts', 'expected 1..1000, got 0');
      assertProblem({ transports: [loopback], defaults: { maxSegments: 256 } }, 'defaults.maxSegments', 'expected 1..255, got 256');
      assertProblem(
        { transports: [loopback], defaults: { validitySeconds: 30 } },
        'defaults.validitySeconds',
        'expected 60..38102400, got 30',
      );
      assertProblem(
        { transports: [loopback], guard: { perPrefix: { digits: 13, max: 1, windowSeconds: 1 } } },
        'guard.perPrefix.digits',
        'expected 1..12, got 13',
      );
    });

    it('wrong type', () => {
      assertProblem(withTransport({ ...smpp, port: '2775' }), 'transports[0].port', 'expected an integer 1..65535, got "2775"');
      assertProblem(withTransport({ ...smpp, port: 27.5 }), 'transports[0].port', 'expected an integer 1..65535, got 27.5');
      assertProblem(withTransport({ ...smpp, tls: 'yes' }), 'transports[0].tls', 'expected true, false or an object, got "yes"');
      assertProblem(withTransport({ ...smpp, tls: { ca: 7 } }), 'transports[0].tls.ca', 'expected a non-empty string, got 7');
      assertProblem(withTransport({ ...smpp, longMessages: 'split' }), 'transports[0].longMessages', 'expected one of "udh", "sar", "payload", got "split"');
      assertProblem(withTransport({ ...smpp, host: 42 }), 'transports[0].host', 'expected a non-empty string, got 42');
      assertProblem(withTransport({ ...smpp, host: '' }), 'transports[0].host', 'expected a non-empty string, got an empty string');
      assertProblem({ transports: [loopback], store: 'memory' }, 'store', 'expected an object, got "memory"');
      assertProblem({ transports: loopback }, 'transports', 'expected a list, got an object');
      assertProblem({ transports: [loopback], routes: [{ transports: 'lo' }] }, 'routes[0].transports', 'expected a list, got "lo"');
      assertProblem({ transports: [loopback], guard: { perRecipient: true } }, 'guard.perRecipient', 'expected false or an object, got true');
      assertProblem(withTransport({ ...loopback, dlrDelayMs: null }), 'transports[0].dlrDelayMs', 'expected a number >= 0, got null');
      assertProblem({ transports: [loopback], retention: { finalDays: '7' } }, 'retention.finalDays', 'expected a number above 0, got "7"');
      assertProblem({ transports: [loopback], retention: { refusedHours: 0 } }, 'retention.refusedHours', 'expected a number above 0, got 0');
      assertProblem({ transports: [loopback], retention: { inboundDays: 7, keep: 1 } }, 'retention.keep', 'unknown field (expected one of: finalDays, refusedHours, inboundDays)');
    });

    it('not one of the allowed values', () => {
      assertProblem(
        withTransport({ ...smpp, bind: 'both' }),
        'transports[0].bind',
        'expected one of "transmitter", "receiver", "transceiver", "transmitter+receiver", got "both"',
      );
      assertProblem(
        withTransport({ id: 'gsm', type: 'modem', path: '/dev/ttyS0', baudRate: 12345 }),
        'transports[0].baudRate',
        'expected one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, got 12345',
      );
      assertProblem({ transports: [loopback], defaults: { encoding: 'utf8' } }, 'defaults.encoding', 'expected one of "auto", "gsm7", "ucs2", got "utf8"');
      assertProblem(
        withTransport({ ...loopback, dlrStatus: 'DELIVERED' }),
        'transports[0].dlrStatus',
        'expected one of "DELIVRD", "UNDELIV", "EXPIRED", "REJECTD", got "DELIVERED"',
      );
      assertProblem(withTransport({ ...loopback, failWith: 'sometimes' }), 'transports[0].failWith', 'expected one of "temporary", "permanent", got "sometimes"');
      assertProblem(
        { transports: [loopback], routes: [{ transports: ['lo'], strategy: 'random' }] },
        'routes[0].strategy',
        'expected one of "failover", "round-robin", "weighted", got "random"',
      );
      assertProblem(
        { transports: [loopback], routes: [{ match: { type: ['MOBIL'] }, transports: ['lo'] }] },
        'routes[0].match.type[0]',
        'expected one of "MOBILE", "FIXED_LINE", "FIXED_LINE_OR_MOBILE", "PREMIUM_RATE", "TOLL_FREE", "SHARED_COST", "VOIP", "PERSONAL_NUMBER", "PAGER", "UAN", "VOICEMAIL", got "MOBIL"',
      );
      assertProblem(
        { transports: [loopback], guard: { blockedTypes: ['PREMIUM'] } },
        'guard.blockedTypes[0]',
        'expected one of "MOBILE", "FIXED_LINE", "FIXED_LINE_OR_MOBILE", "PREMIUM_RATE", "TOLL_FREE", "SHARED_COST", "VOIP", "PERSONAL_NUMBER", "PAGER", "UAN", "VOICEMAIL", got "PREMIUM"',
      );
    });

    it('a national language the encoder has no tables for', () => {
      const err = refusal({ transports: [loopback], routes: [{ transports: ['lo'], nationalLanguages: ['turkish', 'klingon'] }] });
      assert.equal(err.field, 'routes[0].nationalLanguages[1]');
      assert.match(err.message, /^routes\[0\]\.nationalLanguages\[1\]: expected one of "turkish", "spanish", .*, got "klingon"$/);
    });

    it('region codes, with the usual UK mistake spelled out', () => {
      assertProblem(
        { transports: [loopback], defaults: { region: 'UK' } },
        'defaults.region',
        'expected an ISO 3166-1 alpha-2 region code such as "GB", got "UK" (the United Kingdom is "GB")',
      );
      assertProblem(
        { transports: [loopback], routes: [{ match: { country: ['GB', 'XX'] }, transports: ['lo'] }] },
        'routes[0].match.country[1]',
        'expected an ISO 3166-1 alpha-2 region code such as "GB", got "XX"',
      );
      assertProblem(
        { transports: [loopback], guard: { allowedCountries: ['GBR'] } },
        'guard.allowedCountries[0]',
        'expected an ISO 3166-1 alpha-2 region code such as "GB", got "GBR"',
      );
    });

    it('patterns: transport ids, prefixes', () => {
      assertProblem(
        withTransport({ ...loopback, id: 'my transport' }),
        'transports[0].id',
        'expected an id of letters, digits, "_", "." and "-", got "my transport"',
      );
      assertProblem(
        { transports: [loopback], routes: [{ match: { prefix: ['+44 77'] }, transports: ['lo'] }] },
        'routes[0].match.prefix[0]',
        'expected leading digits of an E.164 number such as "+4477", got "+44 77"',
      );
    });

    it('SMPP length limits', () => {
      assertProblem(
        withTransport({ ...smpp, systemId: 'a-very-long-system-id' }),
        'transports[0].systemId',
        // The system id is a credential: its length is told, never its text.
        'expected at most 15 characters, got 21 characters',
      );
      assertProblem(withTransport({ ...smpp, systemType: 'x'.repeat(13) }), 'transports[0].systemType', `expected at most 12 characters, got "${'x'.repeat(13)}" (13 characters)`);
    });

    it('missing required field', () => {
      assertProblem({}, 'transports', 'missing required field');
      assertProblem(withTransport({ type: 'loopback' }), 'transports[0].id', 'missing required field');
      assertProblem(withTransport({ id: 'x' }), 'transports[0].type', 'missing required field');
      assertProblem(withTransport({ ...smpp, host: undefined }), 'transports[0].host', 'missing required field');
      assertProblem(withTransport({ id: 's', type: 'smpp', host: 'h' }), 'transports[0].systemId', 'missing required field');
      assertProblem(withTransport({ id: 'gsm', type: 'modem' }), 'transports[0].path', 'missing required field');
      assertProblem({ transports: [loopback], routes: [{ match: { tag: ['otp'] } }] }, 'routes[0].transports', 'missing required field');
      assertProblem(
        { transports: [loopback], guard: { perRecipient: { max: 5 } } },
        'guard.perRecipient.windowSeconds',
        'missing required field',
      );
    });

    it('empty lists where an entry is needed', () => {
      assertProblem({ transports: [] }, 'transports', 'expected a list with at least one entry, got []');
      assertProblem({ transports: [loopback], routes: [] }, 'routes', 'expected a list with at least one entry, got []');
      assertProblem({ transports: [loopback], routes: [{ transports: [] }] }, 'routes[0].transports', 'expected a list with at least one entry, got []');
      assertProblem(
        { transports: [loopback], routes: [{ match: { carrier: [] }, transports: ['lo'] }] },
        'routes[0].match.carrier',
        'expected a list with at least one entry, got []',
      );
      assertProblem({ transports: [loopback], guard: { allowedCountries: [] } }, 'guard.allowedCountries', 'expected a list with at least one entry, got []');
    });

    it('unknown field, at any depth, listing the known ones', () => {
      assertProblem(
        { transports: [loopback], routing: [] },
        'routing',
        'unknown field (expected one of: store, defaults, transports, routes, guard, retention)',
      );
      assertProblem(
        withTransport({ ...smpp, prot: 2775 }),
        'transports[0].prot',
        'unknown field (expected one of: id, type, host, port, systemId, password, systemType, bind, window, maxPerSecond, tls, addressRange, serviceType, longMessages, dataCoding, enquireLinkSeconds, responseTimeoutSeconds, maxResponseTimeouts, credentialRetrySeconds)',
      );
      // A field of another transport type is unknown here too.
      assertProblem(withTransport({ ...loopback, baudRate: 9600 }), 'transports[0].baudRate', 'unknown field (expected one of: id, type, dlrDelayMs, dlrStatus, submitDelayMs, log, failWith)');
      assertProblem(
        { transports: [loopback], routes: [{ match: { contry: ['GB'] }, transports: ['lo'] }] },
        'routes[0].match.contry',
        'unknown field (expected one of: country, prefix, carrier, type, sender, tag)',
      );
      assertProblem({ transports: [loopback], defaults: { form: 'ACME' } }, 'defaults.form', 'unknown field (expected one of: from, region, deliveryReport, validitySeconds, maxSegments, smart, encoding)');
      assertProblem({ transports: [loopback], store: { type: 'memory', path: 'x.db' } }, 'store.path', 'unknown field (expected one of: type)');
      assertProblem({ transports: [loopback], guard: { perPrefix: { digits: 4, max: 1, windowSeconds: 60, window: 1 } } }, 'guard.perPrefix.window', 'unknown field (expected one of: digits, max, windowSeconds)');
    });

    it('a bad transport type, without also calling its fields unknown', () => {
      assertProblem(
        withTransport({ id: 'web', type: 'http', url: 'https://sms.example.net' }),
        'transports[0].type',
        'expected one of "smpp", "modem", "loopback", got "http"',
      );
    });

    it('duplicate transport id', () => {
      assertProblem({ transports: [loopback, smpp, { ...loopback, dlrDelayMs: 5 }] }, 'transports[2].id', '"lo" is already used at transports[0].id');
    });

    it('a route naming an unknown transport, or one twice', () => {
      assertProblem(
        { transports: [loopback, smpp], routes: [{ transports: ['lo'] }, { transports: ['smsc2'] }] },
        'routes[1].transports[0]',
        'no transport has the id "smsc2" (known: lo, smsc1)',
      );
      assertProblem({ transports: [loopback], routes: [{ transports: ['lo', 'lo'] }] }, 'routes[0].transports[1]', '"lo" is listed twice');
    });

    it('weights that do not fit the strategy or the transports', () => {
      const transports = [loopback, smpp];
      assertProblem({ transports, routes: [{ transports: ['lo', 'smsc1'], strategy: 'weighted' }] }, 'routes[0].weights', 'missing required field');
      assertProblem(
        { transports, routes: [{ transports: ['lo', 'smsc1'], weights: [1, 1] }] },
        'routes[0].weights',
        'only used with "strategy": "weighted"',
      );
      assertProblem(
        { transports, routes: [{ transports: ['lo', 'smsc1'], strategy: 'weighted', weights: [1] }] },
        'routes[0].weights',
        'expected 2 weights, one per transport, got 1',
      );
      assertProblem(
        { transports, routes: [{ transports: ['lo', 'smsc1'], strategy: 'weighted', weights: [0, 0] }] },
        'routes[0].weights',
        'expected at least one weight above 0',
      );
      assertProblem(
        { transports, routes: [{ transports: ['lo', 'smsc1'], strategy: 'weighted', weights: [1, -1] }] },
        'routes[0].weights[1]',
        'expected >= 0, got -1',
      );
    });

    it('a bad store type, and a redis store without its url', () => {
      assertProblem({ transports: [loopback], store: { type: 'postgres' } }, 'store.type', 'expected one of "sqlite", "memory", "redis", got "postgres"');
      const noUrl = refusal({ transports: [loopback], store: { type: 'redis' } });
      assert.match(noUrl.message, /store\.url: missing required field/);
    });

    it('a redis store: url, prefix and tls read, a bad one named by its field, the password never shown', () => {
      const config = validateConfig(
        { transports: [loopback], store: { type: 'redis', url: 'rediss://u:pw@redis.example.net:6380/2', tls: { ca: 'ca.pem' } } },
        { baseDir },
      );
      assert.deepEqual(config.store, {
        type: 'redis',
        url: 'rediss://u:pw@redis.example.net:6380/2',
        prefix: 'smsgate',
        tls: { ca: resolve(baseDir, 'ca.pem'), rejectUnauthorized: true },
      });
      const bad = (store: Record<string, unknown>) => refusal({ transports: [loopback], store: { type: 'redis', url: 'redis://127.0.0.1', ...store } });
      for (const url of ['redis//:s3cr3t-pw@host:6379', 'http://:s3cr3t-pw@host:6379', 'redis://:s3cr3t-pw@host:6379/first', 42]) {
        const err = bad({ url });
        assert.equal(err.field, 'store.url', err.message);
        assert.ok(!err.message.includes('s3cr3t-pw'), err.message);
      }
      assert.equal(bad({ prefix: 'a{b}' }).field, 'store.prefix');
      assert.equal(bad({ tls: { ca: 7 } }).field, 'store.tls.ca');
      assert.equal(bad({ tls: { rejectUnauthorized: 'no' } }).field, 'store.tls.rejectUnauthorized');
      assert.equal(bad({ path: 'x.db' }).field, 'store.path', 'a sqlite field on a redis store is unknown');
    });

    it('a top level that is not an object', () => {
      for (const raw of [[], 'config', null, 42]) {
        const err = refusal(raw);
        assert.match(err.message, /^config: expected an object, got /);
        assert.equal(err.field, undefined);
      }
    });
  });

  it('lists every problem in one error, the field being the first', () => {
    const err = refusal({
      transports: [{ ...smpp, port: 0, prot: 1 }, { id: 'gsm', type: 'modem' }],
      routes: [{ transports: ['nope'] }],
      extra: true,
    });
    assert.equal(err.field, 'transports[0].port');
    assert.equal(
      err.message,
      [
        '5 problems in the config:',
        '  transports[0].port: expected 1..65535, got 0',
        '  transports[0].prot: unknown field (expected one of: id, type, host, port, systemId, password, systemType, bind, window, maxPerSecond, tls, addressRange, serviceType, longMessages, dataCoding, enquireLinkSeconds, responseTimeoutSeconds, maxResponseTimeouts, credentialRetrySeconds)',
        '  transports[1].path: missing required field',
        '  routes[0].transports[0]: no transport has the id "nope" (known: smsc1, gsm)',
        '  extra: unknown field (expected one of: store, defaults, transports, routes, guard, retention)',
      ].join('\n'),
    );
  });

  describe('secrets', () => {
    const password = 'hunter2-is-too-long';

    it('a password that is too long is refused without being echoed', () => {
      const err = refusal(withTransport({ ...smpp, password }));
      assert.equal(err.message, 'transports[0].password: expected at most 8 characters, got 19 characters');
      assert.ok(!JSON.stringify(err.toJSON()).includes('hunter2'));
    });

    it('a password of the wrong type is described, not shown', () => {
      assertProblem(withTransport({ ...smpp, password: 12345678 }), 'transports[0].password', 'expected a string, got a number');
    });

    it('a bad pin is described, not shown', () => {
      assertProblem(
        withTransport({ id: 'gsm', type: 'modem', path: '/dev/ttyS0', pin: '12ab' }),
        'transports[0].pin',
        'expected a string of 4-8 digits, got a string of 4 characters',
      );
      assertProblem(
        withTransport({ id: 'gsm', type: 'modem', path: '/dev/ttyS0', pin: 4711 }),
        'transports[0].pin',
        'expected a string of 4-8 digits, got a number',
      );
    });

    it('a good password never shows up in other problems of the same transport', () => {
      const err = refusal(withTransport({ ...smpp, password: 's3cr3t', port: -1, bogus: 's3cr3t' }));
      assert.ok(!err.message.includes('s3cr3t'), err.message);
    });
  });
});
