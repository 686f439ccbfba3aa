/**
 * The n8n nodes as n8n loads them from the package (dist/, what `npm pack` ships), and an SMSC
 * simulator to point their credentials at.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INodeType } from 'n8n-workflow';
import { SmscSimulator, type SmscSimulatorOptions } from '../../src/smpp/simulator';
import { until } from '../helpers/until';

// One n8n user folder for this mocha process, as one n8n process has one: the pool's gateway
// keeps its sqlite store there. Set before any node runs.
const userFolder = mkdtempSync(join(tmpdir(), 'smsgate-n8n-'));
process.env.N8N_USER_FOLDER = userFolder;
// Unused connections close after a second here, so each test ends with no bind left open.
process.env.SMSGATE_N8N_IDLE_SECONDS = '1';
after(() => rmSync(userFolder, { recursive: true, force: true }));

const dist = join(__dirname, '..', '..', '..', 'dist');
/* eslint-disable @typescript-eslint/no-require-imports */
const { SmsGate } = require(join(dist, 'n8n', 'SmsGate', 'SmsGate.node.js')) as { SmsGate: new () => INodeType };
const { SmsGateTrigger } = require(join(dist, 'n8n', 'SmsGateTrigger', 'SmsGateTrigger.node.js')) as {
  SmsGateTrigger: new () => INodeType;
};
export const { connectionFrom } = require(join(dist, 'n8n', 'shared', 'connection.js')) as {
  connectionFrom(kind: 'smpp' | 'modem', data: Record<string, unknown>): { transportId: string; label: string };
};
export const { connectionPool } = require(join(dist, 'n8n', 'shared', 'pool.js')) as {
  connectionPool(): { linkOf(transportId: string): unknown };
};
export const { storePath } = require(join(dist, 'n8n', 'shared', 'settings.js')) as { storePath(): string };
/* eslint-enable @typescript-eslint/no-require-imports */

export const smsGate = new SmsGate();
export const smsGateTrigger = new SmsGateTrigger();

export const SYSTEM_ID = 'n8ntest';
export const PASSWORD = 'Zx9!pw';

export async function startSmsc(options: SmscSimulatorOptions = {}): Promise<{ smsc: SmscSimulator; credential: Record<string, unknown> }> {
  const smsc = new SmscSimulator({ port: 0, systemId: SYSTEM_ID, password: PASSWORD, dlrDelayMs: 50, ...options });
  const { port } = await smsc.start();
  return { smsc, credential: { host: '127.0.0.1', port, systemId: SYSTEM_ID, password: PASSWORD, bind: 'transceiver' } };
}

/** Waits for the pool to close every bind to `smsc` (the idle time is 1 s here), then stops it. */
export async function stopSmsc(smsc: SmscSimulator): Promise<void> {
  await until(() => smsc.sessions() === 0, 10_000, 'the pool to close its binds');
  await smsc.stop();
}
