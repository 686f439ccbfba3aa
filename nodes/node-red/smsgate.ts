/**
 * The Node-RED node set: package.json's `node-red.nodes` points here (dist/node-red/smsgate.js,
 * beside smsgate.html, icons/ and locales/). Node-RED calls it once per runtime start.
 */
import { registerConnections } from './connections';
import { runtimeHost } from './host';
import { registerLookup } from './lookup';
import { registerReceive } from './receive';
import type { NodeRedRuntime } from './red';
import { registerStatus } from './reports';
import { registerSend } from './send';

export = function smsgate(RED: NodeRedRuntime): void {
  const host = runtimeHost(RED);
  registerConnections(RED, host);
  registerSend(RED, host);
  registerReceive(RED, host);
  registerStatus(RED, host);
  registerLookup(RED);
};
