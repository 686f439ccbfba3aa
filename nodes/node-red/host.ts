/**
 * Node-RED's side of the core's gateway host (src/host): every smsgate node of a runtime shares
 * the one host of its store, so one outbox, one set of delivery reports and inbound messages,
 * whichever connection they travel on. Config nodes use and drop their transports there; flow
 * nodes read link status and subscribe there.
 *
 * What is Node-RED's here: the settings come from settings.js's `smsgate` section, and events
 * that arrive while flows are stopped or starting (from `flows:stopping` to `flows:started`)
 * are held and handed on once the flows are started, so a redeploy or a restart does not drop
 * one between a status or receive node closing and its successor listening.
 *
 * The store is SQLite in the Node-RED user directory (smsgate.db), so the outbox, the
 * provider-id correlation of delivery reports and inbound message parts survive a restart. On
 * a Node without node:sqlite (older than 22.13, as a Raspberry Pi's system Node may be) and
 * with no store in settings.js, it is memory instead, and the log and every node's status say
 * so. settings.js may set the store (one that cannot open is an error, not a fallback; a
 * Redis store lets several Node-REDs share one outbox), the gateway's defaults and its guard:
 *
 *   smsgate: { store: { type: 'redis', url: 'redis://127.0.0.1:6379', prefix: 'smsgate' },
 *              defaults: { region: 'GB' }, guard: { allowedCountries: ['GB'] },
 *              retention: { finalDays: 7, refusedHours: 24, inboundDays: 7 } }
 *
 * When the gateway cannot start (the store does not open, settings.js is wrong), the log says
 * why, the connections' status shows it, and sends fail with that error until a redeploy.
 */
import { join } from 'node:path';
import { GatewayHost, hostConfig, sharedHost, type HostLog } from '../..';
import type { NodeRedRuntime } from './red';

/** The host each runtime's deploy events steer (one runtime per process, but tests load many). */
const steered = new WeakMap<object, GatewayHost>();

/** The host for this runtime's settings.js, following its deploys. */
export function runtimeHost(red: NodeRedRuntime): GatewayHost {
  const log: HostLog = { warn: (message) => red.log.warn(message), error: (message) => red.log.error(message) };
  let host: GatewayHost;
  try {
    host = sharedHost(hostConfig(settingsOf(red)), log);
  } catch (err) {
    // settings.js is wrong: a host whose every start fails, saying why in the log and the statuses.
    host = new GatewayHost({
      configure: () => {
        throw err;
      },
      log,
    });
  }
  steer(red, host);
  return host;
}

function settingsOf(red: NodeRedRuntime) {
  const userDir = red.settings.userDir;
  return {
    section: (red.settings.smsgate ?? {}) as Record<string, unknown>,
    defaultPath: userDir === undefined ? undefined : join(userDir, 'smsgate.db'),
    baseDir: userDir,
    origin: 'settings.js smsgate',
  };
}

/** Holds the host's events from the runtime's flows:stopping (and until its first flows:started). */
function steer(red: NodeRedRuntime, host: GatewayHost): void {
  if (!steered.has(red.events)) {
    red.events.on('flows:stopping', () => steered.get(red.events)?.hold());
    red.events.on('flows:started', () => steered.get(red.events)?.release());
  }
  if (steered.get(red.events) === host) return;
  steered.set(red.events, host);
  host.hold();
}
