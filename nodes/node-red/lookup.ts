/**
 * `smsgate-lookup`: verifies and normalises the number in `msg.payload` and names its type and
 * network, as `smsgate lookup` does. Valid numbers leave by the first output, anything else
 * (an invalid number, or a payload that is not one) by the second, with the reason.
 */
import { isSmsGateError, lookupNumber } from '../..';
import type { NodeDefinition, NodeRedRuntime, RuntimeNode } from './red';

export function registerLookup(RED: NodeRedRuntime): void {
  function LookupNode(this: RuntimeNode, def: NodeDefinition) {
    RED.nodes.createNode(this, def);
    const configured = typeof def.region === 'string' && def.region.trim() !== '' ? def.region.trim().toUpperCase() : undefined;

    this.on('input', (msg, send, done) => {
      const input = msg.payload;
      const region = typeof msg.region === 'string' && msg.region !== '' ? msg.region.toUpperCase() : configured;
      const invalid = (code: string, message: string) => {
        msg.payload = { input, valid: false, error: { code, message } };
        send([null, msg]);
        done();
      };
      if (typeof input !== 'string' && !(typeof input === 'number' && Number.isFinite(input))) {
        invalid('NUMBER_NOT_A_NUMBER', `msg.payload must be a phone number as a string, got ${input === null ? 'null' : typeof input}`);
        return;
      }
      lookupNumber(String(input), region === undefined ? {} : { region }).then(
        (info) => {
          msg.payload = { input, valid: true, e164: info.e164, country: info.country, type: info.type, carrier: info.carrier };
          send([msg, null]);
          done();
        },
        (err: unknown) => {
          if (isSmsGateError(err)) invalid(err.code, err.message);
          else done(err as Error);
        },
      );
    });
  }

  RED.nodes.registerType('smsgate-lookup', LookupNode as never);
}
