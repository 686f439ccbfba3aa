import type { GatewayConfig } from '../config';
import { createStore } from '../store';
import { createTransport } from '../transport/registry';
import { Gateway, type GatewayOptions } from './gateway';

/** A gateway as a config file describes it: its store, its transports, routes and guard. */
export function createGateway(config: GatewayConfig, extra: Partial<GatewayOptions> = {}): Gateway {
  return new Gateway({
    store: createStore(config.store),
    transports: config.transports.map((transport, index) => createTransport(transport, index)),
    routes: config.routes,
    guard: config.guard,
    defaults: config.defaults,
    retention: config.retention,
    ...extra,
  });
}
