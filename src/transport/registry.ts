/**
 * Which transport type builds which Transport. The gateway and the CLI go through here, so a
 * new protocol is one module plus one line.
 */
import { SmsGateError } from '../errors';
import type { TransportConfig } from '../config';
import { LoopbackTransport } from './loopback';
import type { Transport } from './types';

export function createTransport(config: TransportConfig, index: number): Transport {
  switch (config.type) {
    case 'loopback':
      return new LoopbackTransport(config);
    default:
      throw new SmsGateError(
        'TRANSPORT_UNAVAILABLE',
        `transports[${index}]: transport type "${config.type}" is not available in this version of smsgate`,
        { field: `transports[${index}].type` },
      );
  }
}
