/**
 * A FIFO of samples fed to the listener but not yet processed. Sources hand out views valid only during their
 * callback, and the detectors are asynchronous, so `feed()` copies each chunk here and the processing loop takes it
 * out in order: nothing is dropped or reordered while a detector call is pending.
 *
 * A power-of-two circular `Int16Array`. It grows by doubling when the backlog outgrows it (the only allocation, and
 * only when the detectors fall behind), up to a hard limit.
 *
 * @module
 */

/** Growable circular FIFO of s16 samples. */
export class SampleQueue {
  readonly #maxSamples: number;
  #data: Int16Array;
  #mask: number;
  /** Absolute count of samples ever pushed / ever shifted. */
  #pushed = 0;
  #shifted = 0;

  /**
   * @param initialSamples - first capacity, a power of two.
   * @param maxSamples - largest capacity, a power of two ≥ `initialSamples`.
   */
  constructor(initialSamples: number, maxSamples: number) {
    this.#data = new Int16Array(initialSamples);
    this.#mask = initialSamples - 1;
    this.#maxSamples = maxSamples;
  }

  /** Samples waiting. */
  get length(): number {
    return this.#pushed - this.#shifted;
  }

  /** Current capacity, samples. */
  get capacity(): number {
    return this.#data.length;
  }

  /**
   * Append a copy of `chunk`.
   *
   * @returns false (and nothing is appended) when the backlog would exceed the limit.
   */
  push(chunk: Int16Array): boolean {
    const n = chunk.length;
    const need = this.length + n;
    if (need > this.#data.length && !this.#grow(need)) return false;
    const data = this.#data;
    const mask = this.#mask;
    let slot = this.#pushed & mask;
    for (let i = 0; i < n; i++) {
      data[slot] = chunk[i] as number;
      slot = (slot + 1) & mask;
    }
    this.#pushed += n;
    return true;
  }

  /** Move the oldest `out.length` samples (at most {@link SampleQueue.length}) into `out`. */
  shiftInto(out: Int16Array): void {
    const n = out.length;
    const data = this.#data;
    const mask = this.#mask;
    let slot = this.#shifted & mask;
    for (let i = 0; i < n; i++) {
      out[i] = data[slot] as number;
      slot = (slot + 1) & mask;
    }
    this.#shifted += n;
    // Keep the counters small when the queue drains (it usually does after every piece).
    if (this.#shifted === this.#pushed) {
      this.#shifted = 0;
      this.#pushed = 0;
    }
  }

  #grow(need: number): boolean {
    let capacity = this.#data.length;
    while (capacity < need) capacity *= 2;
    if (capacity > this.#maxSamples) return false;
    const next = new Int16Array(capacity);
    const old = this.#data;
    const mask = this.#mask;
    const n = this.length;
    let slot = this.#shifted & mask;
    for (let i = 0; i < n; i++) {
      next[i] = old[slot] as number;
      slot = (slot + 1) & mask;
    }
    this.#data = next;
    this.#mask = capacity - 1;
    // Re-base the counters on the new layout: the oldest waiting sample now sits in slot 0.
    this.#shifted = 0;
    this.#pushed = n;
    return true;
  }
}
