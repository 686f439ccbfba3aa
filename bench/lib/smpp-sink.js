'use strict';
/**
 * A minimal SMSC for benchmarks, so that the SMSC is never what is measured: it answers binds
 * (any credentials), submit_sm (message ids counting up, in hex), enquire_link and unbind, and
 * sends an SMPP 3.4 Appendix B delivery receipt (with receipted_message_id and message_state)
 * `receiptDelayMs` after each submit that asks for one. No checks, no faults, no throttling:
 * PDUs are read straight from the socket's bytes and every answer to one read goes out in one
 * write. The built-in simulator (src/smpp/simulator) decodes and records every submit and
 * caps near 9 000 submits/s on these machines; this sink's own ceiling is measured by
 * bench/smpp.js (`sink.ceiling`).
 *
 * As a process: `node bench/lib/smpp-sink.js [receiptDelayMs]` prints `{"port"}` and runs until
 * killed.
 */
const net = require('node:net');

const BIND_RECEIVER = 0x01;
const BIND_TRANSMITTER = 0x02;
const SUBMIT_SM = 0x04;
const DELIVER_SM = 0x05;
const UNBIND = 0x06;
const BIND_TRANSCEIVER = 0x09;
const ENQUIRE_LINK = 0x15;
const RESPONSE = 0x80000000;
const GENERIC_NACK = 0x80000000;
const ESME_RINVCMDID = 0x03;
const TLV_RECEIPTED_MESSAGE_ID = 0x001e;
const TLV_MESSAGE_STATE = 0x0427;
const MESSAGE_STATE_DELIVERED = 2;
/** A command_length above this is garbage: the connection is closed. */
const MAX_PDU = 64 * 1024;

/** The response's command_id (with the high bit set, as an unsigned number). */
const responseTo = (commandId) => (commandId | RESPONSE) >>> 0;

function pdu(commandId, status, sequence, body) {
  const header = Buffer.allocUnsafe(16);
  header.writeUInt32BE(16 + body.length, 0);
  header.writeUInt32BE(commandId, 4);
  header.writeUInt32BE(status, 8);
  header.writeUInt32BE(sequence, 12);
  return body.length === 0 ? header : Buffer.concat([header, body]);
}

/** Where the C-octet string starting at `offset` ends (its NUL), bounded by `end`. */
function cstringEnd(buffer, offset, end) {
  const nul = buffer.indexOf(0, offset);
  return nul === -1 || nul >= end ? end : nul;
}

/** The fields of a submit_sm a receipt needs: its addresses and registered_delivery. */
function readSubmit(buffer, start, end) {
  let at = cstringEnd(buffer, start, end) + 1; // service_type
  const sourceTon = buffer[at];
  const sourceNpi = buffer[at + 1];
  at += 2;
  const sourceEnd = cstringEnd(buffer, at, end);
  const source = buffer.subarray(at, sourceEnd);
  at = sourceEnd + 1;
  const destTon = buffer[at];
  const destNpi = buffer[at + 1];
  at += 2;
  const destEnd = cstringEnd(buffer, at, end);
  const destination = buffer.subarray(at, destEnd);
  at = destEnd + 1 + 3; // esm_class, protocol_id, priority_flag
  at = cstringEnd(buffer, at, end) + 1; // schedule_delivery_time
  at = cstringEnd(buffer, at, end) + 1; // validity_period
  return { sourceTon, sourceNpi, source, destTon, destNpi, destination, registeredDelivery: buffer[at] ?? 0 };
}

function smppDate(date) {
  const two = (n) => String(n).padStart(2, '0');
  return `${two(date.getUTCFullYear() % 100)}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}`;
}

/** The receipt for `submit`, from the SMSC (its destination) to the ESME (its source). */
function receipt(submit, messageId, sequence) {
  const now = smppDate(new Date());
  const text = Buffer.from(`id:${messageId} sub:001 dlvrd:001 submit date:${now} done date:${now} stat:DELIVRD err:000 text:`, 'latin1');
  const id = Buffer.from(`${messageId}\0`, 'latin1');
  const body = Buffer.concat([
    Buffer.from([0]), // service_type
    Buffer.from([submit.destTon, submit.destNpi]),
    submit.destination,
    Buffer.from([0, submit.sourceTon, submit.sourceNpi]),
    submit.source,
    // NUL, esm_class (SMSC delivery receipt), protocol_id, priority_flag, schedule, validity,
    // registered_delivery, replace_if_present, data_coding, sm_default_msg_id, sm_length
    Buffer.from([0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, text.length]),
    text,
    Buffer.from([TLV_RECEIPTED_MESSAGE_ID >> 8, TLV_RECEIPTED_MESSAGE_ID & 0xff, 0, id.length]),
    id,
    Buffer.from([TLV_MESSAGE_STATE >> 8, TLV_MESSAGE_STATE & 0xff, 0, 1, MESSAGE_STATE_DELIVERED]),
  ]);
  return pdu(DELIVER_SM, 0, sequence, body);
}

/** Starts the sink on 127.0.0.1 (a free port unless `port` is given); resolves with it and a stop(). */
function startSink({ port = 0, receiptDelayMs = 10 } = {}) {
  let nextMessageId = 1;
  const sockets = new Set();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    let pending = Buffer.alloc(0);
    let sequence = 1;
    /** Receipts waiting for their delay, sent together by one timer. */
    let receipts = [];
    let receiptTimer;
    const flushReceipts = () => {
      receiptTimer = undefined;
      if (!socket.destroyed) socket.write(Buffer.concat(receipts));
      receipts = [];
    };
    socket.on('data', (chunk) => {
      const buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const answers = [];
      let offset = 0;
      let closing = false;
      while (buffer.length - offset >= 16) {
        const length = buffer.readUInt32BE(offset);
        if (length < 16 || length > MAX_PDU) {
          socket.destroy();
          return;
        }
        if (buffer.length - offset < length) break;
        const commandId = buffer.readUInt32BE(offset + 4);
        const seq = buffer.readUInt32BE(offset + 12);
        switch (commandId) {
          case SUBMIT_SM: {
            const messageId = (nextMessageId++).toString(16);
            answers.push(pdu(responseTo(SUBMIT_SM), 0, seq, Buffer.from(`${messageId}\0`, 'latin1')));
            const submit = readSubmit(buffer, offset + 16, offset + length);
            if ((submit.registeredDelivery & 0x03) === 1) {
              receipts.push(receipt(submit, messageId, sequence++));
              receiptTimer ??= setTimeout(flushReceipts, receiptDelayMs);
            }
            break;
          }
          case BIND_RECEIVER:
          case BIND_TRANSMITTER:
          case BIND_TRANSCEIVER:
            answers.push(pdu(responseTo(commandId), 0, seq, Buffer.from('sink\0', 'latin1')));
            break;
          case ENQUIRE_LINK:
            answers.push(pdu(responseTo(ENQUIRE_LINK), 0, seq, Buffer.alloc(0)));
            break;
          case UNBIND:
            answers.push(pdu(responseTo(UNBIND), 0, seq, Buffer.alloc(0)));
            closing = true;
            break;
          default:
            // Responses (deliver_sm_resp, ...) need nothing; other requests are not served.
            if (commandId < RESPONSE) answers.push(pdu(GENERIC_NACK, ESME_RINVCMDID, seq, Buffer.alloc(0)));
        }
        offset += length;
      }
      pending = buffer.subarray(offset);
      if (answers.length > 0) socket.write(answers.length === 1 ? answers[0] : Buffer.concat(answers));
      if (closing) socket.end();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(receiptTimer);
      sockets.delete(socket);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const stop = () =>
        new Promise((done) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => done());
        });
      resolve({ port: server.address().port, stop });
    });
  });
}

module.exports = { startSink };

if (require.main === module) {
  const receiptDelayMs = Number(process.argv[2] ?? 10);
  startSink({ receiptDelayMs }).then(({ port }) => process.stdout.write(`${JSON.stringify({ port })}\n`));
}
