'use strict';
/**
 * The baselines an SMPP benchmark is set against (bench/smpp.js, bench/scale.js): what the SMSC
 * takes at most (`smscCeiling`), and a bare `smpp` package submit loop (`bareLoop`).
 */
const net = require('node:net');
const smpp = require('smpp');

/**
 * What the SMSC takes at most: a raw client with no SMPP library writes `window` submit_sm
 * ahead (batched into one write per read, as fast as answers come) and answers receipts, for
 * `count` submits. The client costs time too, so this is a floor of the SMSC's ceiling.
 */
function smscCeiling(port, window, count) {
  const header = (commandId, sequence, bodyLength) => {
    const buffer = Buffer.alloc(16);
    buffer.writeUInt32BE(16 + bodyLength, 0);
    buffer.writeUInt32BE(commandId, 4);
    buffer.writeUInt32BE(sequence, 12);
    return buffer;
  };
  const cstring = (text) => Buffer.from(`${text}\0`, 'latin1');
  const bindBody = Buffer.concat([cstring('bench'), cstring('bench'), cstring(''), Buffer.from([0x34, 0, 0]), cstring('')]);
  const text = Buffer.from('bench message', 'latin1');
  // service_type, source (alphanumeric), destination (international), esm_class, protocol_id,
  // priority, schedule, validity, registered_delivery 1, replace, data_coding, default_msg_id.
  const submitBody = Buffer.concat([
    cstring(''), Buffer.from([5, 0]), cstring('BENCH'), Buffer.from([1, 1]), cstring('447400123456'),
    Buffer.from([0, 0, 0]), cstring(''), cstring(''), Buffer.from([1, 0, 0, 0, text.length]), text,
  ]);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.on('error', reject);
    let sequence = 1;
    let sent = 0;
    let answered = 0;
    let receipts = 0;
    let started = 0;
    let submitsDone = 0;
    let pending = Buffer.alloc(0);
    const submits = (n) => {
      const pdus = [];
      for (let i = 0; i < n; i++) pdus.push(header(0x04, sequence++, submitBody.length), submitBody);
      sent += n;
      return pdus;
    };
    socket.on('connect', () => socket.write(Buffer.concat([header(0x09, sequence++, bindBody.length), bindBody])));
    socket.on('data', (chunk) => {
      const buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const out = [];
      let offset = 0;
      let freed = 0;
      while (buffer.length - offset >= 16 && buffer.length - offset >= buffer.readUInt32BE(offset)) {
        const length = buffer.readUInt32BE(offset);
        const commandId = buffer.readUInt32BE(offset + 4);
        if (commandId === 0x80000009) {
          if (buffer.readUInt32BE(offset + 8) !== 0) return reject(new Error('the SMSC refused the bind'));
          started = performance.now();
          freed += window;
        } else if (commandId === 0x80000004) {
          answered++;
          freed++;
          if (answered === count) submitsDone = performance.now();
        } else if (commandId === 0x05) {
          receipts++;
          const response = header(0x80000005, buffer.readUInt32BE(offset + 12), 1);
          out.push(response, Buffer.from([0]));
        }
        offset += length;
      }
      pending = buffer.subarray(offset);
      const more = Math.min(freed, count - sent);
      if (more > 0) out.push(...submits(more));
      if (out.length > 0) socket.write(Buffer.concat(out));
      if (answered === count && receipts === count) {
        const seconds = (performance.now() - started) / 1000;
        socket.destroy();
        resolve({
          window,
          messages: count,
          submitsPerSecond: Math.round(count / ((submitsDone - started) / 1000)),
          receiptsPerSecond: Math.round(count / seconds),
        });
      }
    });
  });
}

/** The ceiling: the `smpp` package alone, `window` submit_sm outstanding, receipts answered. */
function bareLoop(port, window, count) {
  return new Promise((resolve, reject) => {
    const session = smpp.connect({ host: '127.0.0.1', port });
    session.on('error', reject);
    session.on('deliver_sm', (pdu) => session.send(pdu.response()));
    session.bind_transceiver({ system_id: 'bench', password: 'bench' }, (bound) => {
      if (bound.command_status !== 0) return reject(new Error(`bind ${bound.command_status}`));
      let sent = 0;
      let answered = 0;
      const started = performance.now();
      const next = () => {
        if (sent >= count) return;
        sent++;
        session.submit_sm(
          { destination_addr: '447400123456', dest_addr_ton: 1, dest_addr_npi: 1, registered_delivery: 1, short_message: Buffer.from('bench message') },
          () => {
            if (++answered === count) {
              const seconds = (performance.now() - started) / 1000;
              session.close();
              resolve({ window, messages: count, submitsPerSecond: Math.round(count / seconds) });
            } else next();
          },
        );
      };
      for (let i = 0; i < window; i++) next();
    });
  });
}

module.exports = { bareLoop, smscCeiling };
