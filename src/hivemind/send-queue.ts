/**
 * Messages sent while the connection is not ready: kept in order, bounded, each with the promise of its sender.
 * Nothing is ever dropped silently: a full queue refuses the new message with `HM_ERR_QUEUE_FULL`, and `rejectAll`
 * fails every waiting sender when the connection closes for good.
 *
 * @module
 */
import { HiveConnectionError } from './connection-errors.js';

interface Entry<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** A bounded FIFO of pending sends. */
export class SendQueue<T> {
  readonly #max: number;
  #entries: Entry<T>[] = [];

  /** @throws {RangeError} unless `maxMessages` is a positive integer. */
  constructor(maxMessages: number) {
    if (!Number.isInteger(maxMessages) || maxMessages < 1) throw new RangeError(`sendQueue.maxMessages: expected a positive integer, got ${maxMessages}`);
    this.#max = maxMessages;
  }

  /** Messages waiting. */
  get length(): number {
    return this.#entries.length;
  }

  /**
   * Queue `item`; the promise settles when it is sent (or fails).
   *
   * @throws {HM_ERR_QUEUE_FULL} (HiveConnectionError), as a rejection, when the queue is full.
   */
  push(item: T): Promise<void> {
    if (this.#entries.length >= this.#max) {
      return Promise.reject(new HiveConnectionError('HM_ERR_QUEUE_FULL', `expected room in the send queue, got ${this.#max} messages already waiting for the connection`));
    }
    return new Promise<void>((resolve, reject) => this.#entries.push({ item, resolve, reject }));
  }

  /** Take every waiting entry, oldest first (the queue is empty afterwards). */
  drain(): Entry<T>[] {
    const out = this.#entries;
    this.#entries = [];
    return out;
  }

  /** Fail every waiting sender with `error`. */
  rejectAll(error: Error): void {
    for (const entry of this.drain()) entry.reject(error);
  }
}
