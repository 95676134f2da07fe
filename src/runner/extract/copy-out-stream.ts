/**
 * `COPY (query) TO STDOUT`, read straight off the connection's socket.
 *
 * PostgreSQL sends every row as its own CopyData message (a 5-byte header, then the row).
 * pg-copy-streams, the usual reader, decodes them one at a time through a buffer list: about
 * 0.2 s of CPU per million rows in this process (profiled), CPU that the engine, parsing the
 * same rows at the same time, then has to share on a small machine. Here each socket chunk is
 * compacted in place in one pass (~0.04 s per million rows): headers dropped, rows moved
 * together, completed rows counted — progress in rows, for free.
 *
 * Protocol handling follows pg's Submittable contract (as pg-copy-streams does): the stream
 * takes the socket from pg's parser while the copy runs and hands back whatever follows —
 * the CommandComplete and ReadyForQuery after CopyDone, or an ErrorResponse (a bad query,
 * a cancelled copy) for pg to parse into the error this stream then fails with.
 */
import { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import type pg from 'pg';

const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const ERROR_RESPONSE = 0x45; // 'E'
const HEADER_BYTES = 5;

/** What a Submittable gets from pg: the protocol connection, whose socket it borrows. */
interface PgConnection {
  readonly stream: Socket;
  query(text: string): void;
}

export class CopyOutStream extends Readable implements pg.Submittable {
  /** Rows PostgreSQL reported when the copy completed. */
  rowCount = 0;
  /** Rows received so far. */
  rowsReceived = 0;
  #socket?: Socket;
  #pgListener?: (chunk: Buffer) => void;
  /** Header bytes of a message split across socket chunks. */
  readonly #header = Buffer.alloc(HEADER_BYTES);
  #headerBytes = 0;
  /** Bytes of the current message still to come, and whether it is a row. */
  #left = 0;
  #inRow = false;
  #wanted = false;
  #attached = false;

  #nextReport: number;

  /** `onRows` is called with the rows received so far, every `reportEvery` rows. */
  constructor(readonly text: string, readonly reportEvery = Infinity, readonly onRows?: (rows: number) => void) {
    super({ highWaterMark: 1 << 20 });
    this.#nextReport = reportEvery;
  }

  submit(pgConnection: pg.Connection): void {
    const connection = pgConnection as unknown as PgConnection;
    const socket = connection.stream;
    const listeners = socket.listeners('data') as Array<(chunk: Buffer) => void>;
    if (listeners.length !== 1) throw new Error(`cannot take over the connection: it has ${listeners.length} data listeners`);
    this.#socket = socket;
    this.#pgListener = listeners[0];
    socket.removeListener('data', this.#pgListener);
    socket.pause();
    socket.on('readable', this.#pump);
    this.#attached = true;
    connection.query(this.text);
  }

  override _read(): void {
    this.#wanted = true;
    this.#pump();
  }

  readonly #pump = (): void => {
    while (this.#wanted && this.#attached) {
      const chunk = this.#socket!.read() as Buffer | null;
      if (chunk === null) return;
      this.#wanted = this.#decode(chunk);
    }
  };

  /**
   * Compacts one socket chunk in place to the row bytes it carries (headers and other messages
   * dropped) and passes them on; returns whether the consumer wants more. The chunk is this
   * stream's alone once read off the socket, and rows only ever move towards its start.
   */
  #decode(chunk: Buffer): boolean {
    let o = 0;
    let i = 0;
    const end = chunk.length;
    while (i < end) {
      if (this.#left > 0) {
        const n = Math.min(this.#left, end - i);
        if (this.#inRow) {
          if (o !== i) chunk.copyWithin(o, i, i + n);
          o += n;
        }
        i += n;
        this.#left -= n;
        if (this.#left === 0 && this.#inRow) this.rowsReceived++;
        continue;
      }
      const start = i;
      let code: number;
      let length: number;
      if (this.#headerBytes > 0 || end - i < HEADER_BYTES) {
        const n = Math.min(HEADER_BYTES - this.#headerBytes, end - i);
        chunk.copy(this.#header, this.#headerBytes, i, i + n);
        this.#headerBytes += n;
        i += n;
        if (this.#headerBytes < HEADER_BYTES) break;
        code = this.#header[0];
        length = this.#header.readUInt32BE(1) - 4;
      } else {
        code = chunk[i];
        length = ((chunk[i + 1] << 24) | (chunk[i + 2] << 16) | (chunk[i + 3] << 8) | chunk[i + 4]) - 4;
        i += HEADER_BYTES;
      }
      const split = this.#headerBytes > 0;
      this.#headerBytes = 0;
      if (code === ERROR_RESPONSE) {
        // pg parses the error (and the ReadyForQuery after it) and calls handleError.
        const rest = split ? Buffer.concat([this.#header, chunk.subarray(i)]) : Buffer.from(chunk.subarray(start));
        if (o > 0) this.push(chunk.subarray(0, o));
        this.#detach(rest);
        return false;
      }
      if (code === COPY_DONE) {
        const rest = chunk.subarray(i + length);
        if (o > 0) this.push(chunk.subarray(0, o));
        // The stream ends in handleCommandComplete, once the row count is known.
        this.#detach(rest);
        return false;
      }
      this.#inRow = code === COPY_DATA;
      this.#left = length;
      // An empty row cannot occur in CSV or text format (each row ends with a newline).
    }
    if (this.rowsReceived >= this.#nextReport) {
      this.#nextReport = this.rowsReceived + this.reportEvery;
      this.onRows?.(this.rowsReceived);
    }
    return o > 0 ? this.push(chunk.subarray(0, o)) : true;
  }

  /** Gives the socket back to pg's parser, with the bytes it has not seen yet. */
  #detach(rest: Buffer): void {
    if (!this.#attached) return;
    this.#attached = false;
    const socket = this.#socket!;
    socket.removeListener('readable', this.#pump);
    socket.on('data', this.#pgListener!);
    if (rest.length > 0) this.#pgListener!(rest);
    process.nextTick(() => socket.resume());
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /COPY (\d+)/.exec(message?.text ?? '');
    if (match) this.rowCount = Number(match[1]);
    this.push(null);
  }

  handleReadyForQuery(): void {}

  handleError(error: Error): void {
    // A connection lost mid-copy arrives here too: the socket is pg's again either way.
    if (this.#attached && this.#socket) {
      this.#attached = false;
      this.#socket.removeListener('readable', this.#pump);
      this.#socket.on('data', this.#pgListener!);
    }
    this.destroy(error);
  }
}
