/**
 * Which transport type builds which Transport. The gateway and the CLI go through here, so a
 * new protocol is one module plus one case.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SmppTlsConfig, TransportConfig } from '../config';
import { SmsGateError } from '../errors';
import { ModemTransport } from '../modem/transport';
import { SmppTransport } from '../smpp/transport';
import { LoopbackTransport } from './loopback';
import type { Transport } from './types';

export function createTransport(config: TransportConfig, index: number): Transport {
  switch (config.type) {
    case 'loopback':
      return new LoopbackTransport(config);
    case 'smpp':
      return new SmppTransport({
        ...config,
        tls: tlsOptions(config.tls, `transports[${index}].tls`),
        enquireLinkMs: config.enquireLinkSeconds * 1000,
        responseTimeoutMs: config.responseTimeoutSeconds * 1000,
        credentialRetryMs: config.credentialRetrySeconds * 1000,
      });
    case 'modem':
      return new ModemTransport(config);
  }
}

function tlsOptions(tls: boolean | SmppTlsConfig, field: string): boolean | ConnectionOptions {
  if (typeof tls === 'boolean') return tls;
  const read = (key: 'ca' | 'cert' | 'key') => {
    const path = tls[key];
    if (path === undefined) return {};
    try {
      return { [key]: readFileSync(path) };
    } catch (cause) {
      throw new SmsGateError('CONFIG_INVALID', `${field}.${key}: cannot read ${path}`, { field: `${field}.${key}`, cause });
    }
  };
  return {
    ...read('ca'),
    ...read('cert'),
    ...read('key'),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    rejectUnauthorized: tls.rejectUnauthorized,
  };
}
