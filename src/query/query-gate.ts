/**
 * How many queries run at once in this process. Past the limit a query waits in a short
 * queue; past the queue (or the wait) it is refused at once with "busy, retry", so a burst
 * never piles up work the server cannot finish, and nobody waits behind a runaway for long.
 */
import { UnavailableError } from '../core/errors.js';

export interface QueryGateOptions {
  readonly running: number;
  readonly queued: number;
  readonly waitMs: number;
}

export class QueryGate {
  #running = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #options: QueryGateOptions;

  constructor(options: QueryGateOptions) {
    this.#options = options;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.#enter();
    try {
      return await work();
    } finally {
      this.#leave();
    }
  }

  /**
   * A slot held until the returned function is called (once): for work that outlives one
   * promise, such as a result streamed to a client.
   */
  async acquire(): Promise<() => void> {
    await this.#enter();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#leave();
    };
  }

  async #enter(): Promise<void> {
    if (this.#running < this.#options.running) {
      this.#running++;
      return;
    }
    if (this.#waiting.length >= this.#options.queued) throw busy(this.#options);
    await new Promise<void>((resolve, reject) => {
      const admit = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.#waiting.indexOf(admit);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(busy(this.#options));
      }, this.#options.waitMs);
      this.#waiting.push(admit);
    });
  }

  #leave(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running--;
  }
}

function busy(options: QueryGateOptions): UnavailableError {
  return new UnavailableError(
    `the query service is busy (${options.running} queries running, ${options.queued} waiting); retry in a few seconds`,
    { details: { retryAfterSeconds: 2 } },
  );
}
