/**
 * Cuts the byte stream from a modem into lines and '> ' prompts. A pure state machine fed byte
 * by byte, so the frames do not depend on how the port happened to chunk the stream.
 */

export type Frame =
  | { kind: 'line'; line: string }
  /** The '> ' of AT+CMGS: it comes without a line end, so it cannot wait for one. */
  | { kind: 'prompt' }
  /** A line longer than the cap: its head, for the log; the rest up to the next line end is dropped. */
  | { kind: 'overflow'; head: string };

/**
 * Longer than anything a modem legitimately prints on one line (a 176-octet PDU is 352 hex
 * digits; a UCS-2 text-mode line a few hundred characters), short enough that a line without an
 * end (a modem babbling binary at the wrong baud rate) cannot grow memory.
 */
export const MAX_LINE_LENGTH = 4096;

export class LineSplitter {
  private pending = '';
  private discarding = false;

  constructor(private readonly maxLineLength = MAX_LINE_LENGTH) {}

  /**
   * Bytes are read as latin1, one character per byte: AT responses are ASCII, PDUs hex, and
   * anything else (a text-mode body in the modem's character set, line noise) survives byte for
   * byte for whoever decodes it (`Buffer.from(line, 'latin1')`).
   *
   * Any CR or LF ends a line (modems send CR LF, some a bare CR or LF); empty lines are dropped,
   * which makes CR LF, LF CR and CR CR LF all one line end.
   */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    const text = chunk.toString('latin1');
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === '\r' || ch === '\n') {
        if (!this.discarding && this.pending.length > 0) frames.push({ kind: 'line', line: this.pending });
        this.pending = '';
        this.discarding = false;
        continue;
      }
      if (this.discarding) continue;
      this.pending += ch;
      if (this.pending === '> ') {
        frames.push({ kind: 'prompt' });
        this.pending = '';
      } else if (this.pending.length >= this.maxLineLength) {
        frames.push({ kind: 'overflow', head: this.pending.slice(0, 80) });
        this.pending = '';
        this.discarding = true;
      }
    }
    return frames;
  }
}
