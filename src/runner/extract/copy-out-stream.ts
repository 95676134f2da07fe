/**
 * `COPY (query) TO STDOUT`, read straight off the connection's socket.
 *
 * PostgreSQL sends every row as its own CopyData message (a 5-byte header, then the row).
 * pg-copy-streams, the usual reader, decodes them one at a time through a buffer list: about
 * 0.2 s of CPU per million rows in this process (profiled), CPU that the engine, parsing the
 * same rows at the same time, then has to share on a small machine. Here each socket chunk is
 * compacted in place in one pass (~0.04 s per million rows): headers dropped, rows moved
 * together, completed rows counted — progress in rows, for free. Rows are passed on in
 * batches of about 1 MB rather than per socket read (~64 KB): each write to the FIFO is a
 * hand-off to the thread pool and a wake-up of the engine's reader, and batching cut the
 * run's CPU by ~0.1 s per million rows (measured, A/B in one process).
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
export interface CopyOutOptions {
  /** `onRows` is called with the rows received so far, every `reportEvery` rows. */
  readonly reportEvery?: number;
  readonly onRows?: (rows: number) => void;
  /** Rows are passed on in batches of this many bytes (1 MB), the last one smaller. */
  readonly batchBytes?: number;
}

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
  /** Rows waiting to be passed on together. */
  #batch: Buffer;
  #batched = 0;
  readonly #batchBytes: number;
  readonly #reportEvery: number;
  readonly #onRows?: (rows: number) => void;

  #nextReport: number;

  constructor(
    readonly text: string,
    options: CopyOutOptions = {},
  ) {
    super({ highWaterMark: 1 << 20 });
    this.#batchBytes = Math.max(1, options.batchBytes ?? 1 << 20);
    this.#batch = Buffer.allocUnsafe(this.#batchBytes);
    this.#reportEvery = options.reportEvery ?? Infinity;
    this.#nextReport = this.#reportEvery;
    this.#onRows = options.onRows;
  }

  submit(pgConnection: pg.Connection): void {
    const connection = pgConnection as unknown as PgConnection;
    const socket = connection.stream;
    const listeners = socket.listeners('data') as Array<(chunk: Buffer) => void>;
    if (listeners.length !== 1)
      throw new Error(`cannot take over the connection: it has ${listeners.length} data listeners`);
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
        this.#add(chunk, o);
        this.#flush();
        this.#detach(rest);
        return false;
      }
      if (code === COPY_DONE) {
        const rest = chunk.subarray(i + length);
        this.#add(chunk, o);
        this.#flush();
        // The stream ends in handleCommandComplete, once the row count is known.
        this.#detach(rest);
        return false;
      }
      this.#inRow = code === COPY_DATA;
      this.#left = length;
      // An empty row cannot occur in CSV or text format (each row ends with a newline).
    }
    if (this.rowsReceived >= this.#nextReport) {
      this.#nextReport = this.rowsReceived + this.#reportEvery;
      this.#onRows?.(this.rowsReceived);
    }
    return this.#add(chunk, o);
  }

  /** Adds the first `length` bytes of `chunk` to the batch; returns whether the consumer wants more. */
  #add(chunk: Buffer, length: number): boolean {
    if (length === 0) return true;
    let wantsMore = true;
    if (this.#batched + length > this.#batch.length) wantsMore = this.#flush();
    if (length > this.#batch.length) return this.push(chunk.subarray(0, length)) && wantsMore;
    chunk.copy(this.#batch, this.#batched, 0, length);
    this.#batched += length;
    return wantsMore;
  }

  /** Passes the batch on; returns whether the consumer wants more. */
  #flush(): boolean {
    if (this.#batched === 0) return true;
    const full = this.#batch.subarray(0, this.#batched);
    this.#batch = Buffer.allocUnsafe(this.#batchBytes);
    this.#batched = 0;
    return this.push(full);
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
