/**
 * A peer that binds us and then sends random bytes: the transport must drop that session,
 * say so in its status, bind again, and never take the process down.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import * as smpp from 'smpp';
import { SmppTransport } from '../../src/smpp/transport';
import type { LinkStatus } from '../../src/transport/types';

/** mulberry32: the same garbage on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('SMPP transport against a peer sending random bytes', function () {
  this.timeout(30_000);
  let server: Server;
  const sockets = new Set<Socket>();

  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('resets the session and binds again, 30 times over', async () => {
    const next = random(2026);
    let binds = 0;
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('data', (bind) => {
        binds++;
        const response = new smpp.PDU('bind_transceiver_resp', {
          sequence_number: bind.readUInt32BE(12),
          system_id: 'fuzz',
        });
        const garbage = Buffer.from(Array.from({ length: 1 + Math.floor(next() * 200) }, () => Math.floor(next() * 256)));
        socket.write(Buffer.concat([(response as unknown as { toBuffer(): Buffer }).toBuffer(), garbage]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;

    const statuses: LinkStatus[] = [];
    const transport = new SmppTransport({
      id: 'fuzz',
      host: '127.0.0.1',
      port,
      systemId: 'fuzz',
      password: 'x',
      reconnectBaseMs: 5,
      reconnectMaxMs: 20,
      enquireLinkMs: 50,
      responseTimeoutMs: 100,
    });
    await transport.start({
      report: async () => undefined,
      inbound: async () => undefined,
      inboundPart: async () => undefined,
      status: (status) => statuses.push(status),
    });
    const deadline = Date.now() + 20_000;
    while (binds < 30 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await transport.stop();

    assert.ok(binds >= 30, `bound ${binds} times`);
    // Each session that ended says why (a bad PDU, an unanswered enquire_link, ...).
    const resets = statuses.filter(
      (s) => s.state === 'error' || (s.state === 'reconnecting' && !s.detail?.startsWith('bind attempt')),
    );
    assert.ok(resets.length >= 29, `${resets.length} resets: ${JSON.stringify(statuses.slice(0, 6))}`);
    assert.ok(resets.every((s) => (s.detail ?? '').length > 0));
  });
});
