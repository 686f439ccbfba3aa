/**
 * Bringing a freshly opened modem to a known state: attention, factory profile, no echo,
 * numeric errors, SIM unlocked, PDU mode (text mode when the modem cannot do PDU), and
 * indications for new messages and status reports.
 */
import { SmsGateError } from '../errors';
import { AtError, parseCpin, type AtEngine } from './at';
import { refusedPinKey, type RefusedPins } from './refused-pins';

export type ModemMode = 'pdu' | 'text';

export interface SetupOptions {
  /** The serial device: names the SIM in `refusedPins` when the modem does not give its ICCID. */
  path: string;
  pin?: string;
  /** PINs this SIM refused before, across restarts: none is tried again. */
  refusedPins: RefusedPins;
  /** `auto`: PDU mode, text mode only when the modem refuses PDU mode. */
  mode: 'auto' | ModemMode;
  /** An SMSC number to set with AT+CSCA, for SIMs that lack one. */
  smsc?: string;
}

export interface ModemSetup {
  mode: ModemMode;
  /** TS 27.005 phase 2+ (AT+CSMS service 1): every +CMT and +CDS must be acknowledged with AT+CNMA. */
  acknowledge: boolean;
  /** The storage AT+CMGR and AT+CMGD read and delete in, restored after reading status reports elsewhere. */
  storage: string;
  /** The SIM's own number when AT+CNUM knows it, '' otherwise. */
  ownNumber: string;
}

/**
 * A problem that reopening the port will not cure and retrying could make worse: a wrong PIN
 * (three lock the SIM) or a SIM that wants its PUK. The transport stays down until reconfigured.
 */
export class SimLockedError extends SmsGateError {}

const SIM_WAIT_MS = 10_000;

export async function setUpModem(engine: AtEngine, options: SetupOptions): Promise<ModemSetup> {
  await engine.command('ATZ');
  await engine.command('ATE0');
  await engine.command('AT+CMEE=1');
  await unlockSim(engine, options);
  // Before the character set changes: in text mode numbers travel as UCS-2 hex.
  const ownNumber = await readOwnNumber(engine);
  if (options.smsc !== undefined) await engine.command(`AT+CSCA="${options.smsc}",145`);
  const mode = await chooseMode(engine, options.mode);
  const acknowledge = await needsAcknowledgement(engine);
  await requestIndications(engine);
  return { mode, acknowledge, storage: await readStorage(engine), ownNumber };
}

/** The modem answered, and the answer was no (as opposed to no answer, or no port). */
function refused(err: unknown): err is AtError {
  return err instanceof AtError && err.kind !== 'TIMEOUT' && err.kind !== 'CLOSED';
}

async function unlockSim(engine: AtEngine, { pin, path, refusedPins }: SetupOptions): Promise<void> {
  let state = await simState(engine);
  if (state === 'SIM PIN') {
    if (pin === undefined) {
      throw new SimLockedError('TRANSPORT_UNAVAILABLE', 'the SIM asks for a PIN and none is configured (pin)', { field: 'pin' });
    }
    const sim = refusedPinKey(await readIccid(engine), path);
    const refusedAt = await refusedPins.refusedBefore(sim, pin);
    if (refusedAt !== null) {
      throw new SimLockedError(
        'TRANSPORT_UNAVAILABLE',
        `the SIM refused the configured PIN earlier (${new Date(refusedAt).toISOString()}) and smsgate does not try it again, ` +
          'as three wrong PINs lock the SIM: configure the right PIN (pin) and it is tried',
        { field: 'pin' },
      );
    }
    try {
      await engine.command(`AT+CPIN="${pin}"`);
    } catch (err) {
      if (!refused(err)) throw err;
      const remembered = await refusedPins.remember(sim, pin).then(
        () => '',
        (cause: Error) => ` (remembering the refusal failed: ${cause.message})`,
      );
      throw new SimLockedError(
        'TRANSPORT_UNAVAILABLE',
        `the SIM refused the configured PIN (${err.message}); smsgate does not try it again, as three wrong PINs lock ` +
          `the SIM: configure the right PIN (pin) and it is tried${remembered}`,
        { field: 'pin', providerCode: err.code, cause: err },
      );
    }
    await refusedPins.forget(sim);
    state = await waitUntilReady(engine);
  }
  if (state === 'SIM PUK' || state === 'SIM PUK2') {
    throw new SimLockedError(
      'TRANSPORT_UNAVAILABLE',
      'the SIM is blocked and needs its PUK: unlock it in a phone, or with AT+CPIN="<PUK>","<new PIN>"',
      { field: 'pin' },
    );
  }
  if (state !== 'READY') {
    // NOT READY (still starting), NOT INSERTED, a network or provider lock: nothing smsgate
    // tries wears the SIM out, so the transport tries again later.
    throw new SmsGateError('TRANSPORT_UNAVAILABLE', `the SIM is not ready: it says ${state}`, { field: 'pin' });
  }
}

/**
 * The SIM's ICCID, which modems give before the PIN: AT+CCID (SIMCom, Telit, u-blox), AT+QCCID
 * (Quectel), AT^ICCID? (Huawei). Some answer with a prefix, some with the bare number; null when
 * none of them answers one.
 */
async function readIccid(engine: AtEngine): Promise<string | null> {
  for (const [command, prefix] of [['AT+CCID', '+CCID:'], ['AT+QCCID', '+QCCID:'], ['AT^ICCID?', '^ICCID:']] as const) {
    try {
      const iccid = parseIccid(await engine.command(command, { prefix }));
      if (iccid !== null) return iccid;
    } catch (err) {
      if (!refused(err)) throw err;
    }
  }
  return null;
}

/** `+CCID: 8944...`, `^ICCID: "8944..."` or a bare `8944...`: 18 to 22 hex digits (some pad with F). */
export function parseIccid(lines: string[]): string | null {
  for (const line of lines) {
    const value = line.trim().replace(/^[+^][A-Z]+:\s*/i, '').replace(/"/g, '').trim();
    if (/^[0-9A-F]{18,22}$/i.test(value)) return value.toUpperCase().replace(/F+$/, '');
  }
  return null;
}

async function simState(engine: AtEngine): Promise<string> {
  return parseCpin(await engine.command('AT+CPIN?', { prefix: '+CPIN:' }));
}

/** A SIM takes a moment after the PIN before it answers READY. */
async function waitUntilReady(engine: AtEngine): Promise<string> {
  const deadline = Date.now() + SIM_WAIT_MS;
  for (;;) {
    try {
      return await simState(engine);
    } catch (err) {
      if (Date.now() > deadline || !refused(err)) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function chooseMode(engine: AtEngine, wanted: SetupOptions['mode']): Promise<ModemMode> {
  if (wanted !== 'text') {
    try {
      await engine.command('AT+CMGF=0');
      return 'pdu';
    } catch (err) {
      if (wanted === 'pdu' || !refused(err)) throw err;
    }
  }
  await engine.command('AT+CMGF=1');
  // Text and numbers travel as hex of UTF-16: the only character set every text-mode modem
  // converts both ways without losing characters that collide with Ctrl-Z or ESC.
  await engine.command('AT+CSCS="UCS2"');
  return 'text';
}

async function needsAcknowledgement(engine: AtEngine): Promise<boolean> {
  try {
    const [line] = await engine.command('AT+CSMS?', { prefix: '+CSMS:' });
    return /^\+CSMS:\s*1\b/.test(line ?? '');
  } catch (err) {
    if (refused(err)) return false;
    throw err;
  }
}

/**
 * New messages stored with +CMTI, so they stay on the SIM until we have kept them, and status
 * reports routed straight to us with +CDS; modems that refuse that store them with +CDSI. A
 * modem that cannot announce stored messages hands them over with +CMT.
 */
async function requestIndications(engine: AtEngine): Promise<void> {
  for (const command of ['AT+CNMI=2,1,0,1,0', 'AT+CNMI=2,1,0,2,0', 'AT+CNMI=1,1,0,1,0', 'AT+CNMI=2,2,0,1,0']) {
    try {
      await engine.command(command);
      return;
    } catch (err) {
      if (!refused(err)) throw err;
    }
  }
  throw new SmsGateError('TRANSPORT_UNAVAILABLE', 'the modem accepts no AT+CNMI setting for new message indications');
}

async function readStorage(engine: AtEngine): Promise<string> {
  try {
    const [line] = await engine.command('AT+CPMS?', { prefix: '+CPMS:' });
    return /^\+CPMS:\s*"([^"]+)"/.exec(line ?? '')?.[1] ?? 'SM';
  } catch (err) {
    if (refused(err)) return 'SM';
    throw err;
  }
}

async function readOwnNumber(engine: AtEngine): Promise<string> {
  try {
    const lines = await engine.command('AT+CNUM', { prefix: '+CNUM:' });
    return /^\+CNUM:\s*"[^"]*"\s*,\s*"([^"]+)"/.exec(lines[0] ?? '')?.[1] ?? '';
  } catch (err) {
    if (refused(err)) return '';
    throw err;
  }
}
