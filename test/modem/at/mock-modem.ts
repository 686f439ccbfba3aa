/**
 * A binding-mock serial port with an AtEngine on it: the test plays the modem with `reply()`
 * and reads what the engine wrote from the port's recording.
 */
import { once } from 'node:events';
import { MockBinding, type CreatePortOptions, type MockPortBinding } from '@serialport/binding-mock';
import { SerialPortMock } from 'serialport';
import { AtEngine, type AtEngineOptions, type Urc } from '../../../src/modem/at';

export interface Rig {
  port: SerialPortMock;
  modem: MockPortBinding;
  engine: AtEngine;
  urcs: Urc[];
  noise: string[];
}

let ports = 0;

export async function openRig(options: AtEngineOptions = {}, portOptions: CreatePortOptions = {}): Promise<Rig> {
  const path = `/dev/ttyAT${++ports}`;
  MockBinding.createPort(path, { record: true, ...portOptions });
  const port = new SerialPortMock({ path, baudRate: 115200 });
  await once(port, 'open');
  const engine = new AtEngine(port, options);
  const rig: Rig = { port, modem: port.port!, engine, urcs: [], noise: [] };
  engine.on('urc', (urc) => rig.urcs.push(urc));
  engine.on('noise', (line) => rig.noise.push(line));
  return rig;
}

export async function closeRig(rig: Rig): Promise<void> {
  rig.engine.close();
  if (rig.port.isOpen) await new Promise((resolve) => rig.port.close(resolve));
}

/** Lets the mock's reads and writes (a few process.nextTick hops each) run to the end. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise(setImmediate);
}

/** The modem sends `data`; resolves once the engine has read it. */
export async function reply(rig: Rig, data: string | Buffer): Promise<void> {
  rig.modem.emitData(data);
  await settle();
}

/** Everything the engine wrote so far, latin1. */
export function sent(rig: Rig): string {
  return rig.modem.recording.toString('latin1');
}

/** Waits (a bounded number of turns) until the engine has written `text`. */
export async function written(rig: Rig, text: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (sent(rig).includes(text)) return;
    await new Promise(setImmediate);
  }
  throw new Error(`the engine never wrote ${JSON.stringify(text)}; it wrote ${JSON.stringify(sent(rig))}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles a promise into a value or its error, to assert on either without unhandled rejections. */
export function outcome<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}
