/**
 * From an n8n credential (smsGateSmppApi, smsGateModemApi) to the core's transport config,
 * checked by the config file's own validator so a credential and a JSON config refuse the
 * same things with the same words.
 */
import { createHash } from 'node:crypto';
import { SmsGateError, validateConfig, type TransportConfig } from '../../..';

export type ConnectionKind = 'smpp' | 'modem';

/** The credential type each connection kind reads; names fixed by the shared contract. */
export const CREDENTIAL_TYPE: Record<ConnectionKind, string> = {
  smpp: 'smsGateSmppApi',
  modem: 'smsGateModemApi',
};

export interface Connection {
  kind: ConnectionKind;
  /**
   * The transport's id: derived from the SMSC account (host, port, system id) or the device
   * path only, so every n8n process, and the same credential after an edit of its password or
   * window, names it alike. The store keys delivery reports by it: a report received by the
   * trigger finds the message another process sent.
   */
  transportId: string;
  /** A hash of every field: a changed credential is a different connection in the pool. */
  key: string;
  config: TransportConfig;
  /** host:port or the device path; never a secret. */
  label: string;
}

/** Reads a decrypted credential; throws SmsGateError CONFIG_INVALID naming the field (never its value when secret). */
export function connectionFrom(kind: ConnectionKind, data: Record<string, unknown>): Connection {
  const raw = kind === 'smpp' ? smppFields(data) : modemFields(data);
  const identity = kind === 'smpp' ? [raw.host, raw.port ?? 2775, raw.systemId] : [raw.path];
  const transportId = `${kind}-${digest(identity).slice(0, 12)}`;
  let config: TransportConfig;
  try {
    config = validateConfig({ store: { type: 'memory' }, transports: [{ id: transportId, type: kind, ...raw }] }).transports[0]!;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // One line naming the credential's fields: "port: expected 1..65535, got 70000; systemId: ...".
    const fields = message
      .replace(/^\d+ problems in the config:\n\s*/, '')
      .replaceAll(/\n\s*/g, '; ')
      .replaceAll('transports[0].', '');
    throw new SmsGateError('CONFIG_INVALID', `${CREDENTIAL_TYPE[kind]} credential: ${fields}`, { cause: err });
  }
  const label = config.type === 'smpp' ? `${config.host}:${config.port}` : config.type === 'modem' ? config.path : config.id;
  return { kind, transportId, key: digest([kind, raw]), config, label };
}

/**
 * n8n stores what its form shows: numbers as numbers, an untouched optional field as '' or
 * absent. Empty means "the default" here, as in the config file.
 */
function smppFields(data: Record<string, unknown>): Record<string, unknown> {
  return present({
    host: data.host,
    port: data.port,
    tls: data.tls,
    systemId: data.systemId,
    password: data.password,
    systemType: data.systemType,
    bind: data.bind,
    window: data.window,
    maxPerSecond: data.maxPerSecond,
  });
}

function modemFields(data: Record<string, unknown>): Record<string, unknown> {
  return present({ path: data.path, baudRate: data.baudRate, pin: data.pin, smsc: data.smsc });
}

function present(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== null && value !== ''));
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
