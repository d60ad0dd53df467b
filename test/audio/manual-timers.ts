import type { TimerHandle, Timers } from '../../src/audio/index.js';

/** A deterministic scheduler for code that takes injected {@link Timers}: time moves only when a test says so. */
export class ManualTimers implements Timers {
  #now = 0;
  #nextId = 1;
  #pending = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#pending.set(id, { at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#pending.delete(handle as number);
  }

  now(): number {
    return this.#now;
  }

  /** Timers waiting to fire. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Delays (from now) of the timers waiting to fire, soonest first. */
  get pendingDelays(): number[] {
    return [...this.#pending.values()].map((t) => t.at - this.#now).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order (including ones they schedule). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let nextId: number | undefined;
      let next: { at: number; callback: () => void } | undefined;
      for (const [id, t] of this.#pending) if (t.at <= end && (next === undefined || t.at < next.at)) [nextId, next] = [id, t];
      if (next === undefined || nextId === undefined) break;
      this.#pending.delete(nextId);
      this.#now = next.at;
      next.callback();
    }
    this.#now = end;
  }
}
