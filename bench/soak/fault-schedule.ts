/**
 * What goes wrong during the soak, and when: a fault every `everyTurns` turns, taken in turn from a fixed list, so a
 * run of any length covers each kind evenly and two runs of the same length inject the same faults. Hub restarts are
 * time-based (see run.ts), so they land at any point of a turn.
 *
 * @module
 */
import type { FaultProxy, FaultAction as ProxyAction, ProxyFault } from '../../test/faults/proxy.js';
import type { FaultAction } from '../../test/hub/index.js';
import type { UploadFault } from './soak-hub.js';

/** A fault and the moment it fires. */
export type SoakFault =
  /** On every live connection, just before the turn's audio starts. */
  | { readonly name: string; readonly when: 'before-turn'; readonly action: FaultAction }
  /** When the hub receives the turn's utterance. */
  | { readonly name: string; readonly when: 'at-upload'; readonly upload: UploadFault }
  /** On the link itself, in the fault proxy between the satellite and the hub, just before the turn's audio starts. */
  | { readonly name: string; readonly when: 'on-link'; readonly apply: (proxy: FaultProxy, link: LinkView) => void };

/** The live proxied connection and how many messages of each kind passed on it so far. */
export interface LinkView {
  readonly id: number;
  /** Data messages passed, by direction and kind (`up:binary` …). */
  readonly passed: (direction: 'up' | 'down', kind: 'text' | 'binary') => number;
  readonly inject: (action: ProxyAction) => void;
}

const atUpload = (name: string, upload: UploadFault): SoakFault => ({ name, when: 'at-upload', upload });
const beforeTurn = (name: string, action: FaultAction): SoakFault => ({ name, when: 'before-turn', action });
const onLink = (name: string, apply: (proxy: FaultProxy, link: LinkView) => void): SoakFault => ({ name, when: 'on-link', apply });
/** A proxy fault at the next message of `kind` in `direction` on the live connection. */
const atNext = (link: LinkView, direction: 'up' | 'down', kind: 'text' | 'binary', action: ProxyAction): ProxyFault => ({
  when: { kind: 'message', direction, index: link.passed(direction, kind) + 1, of: kind, at: 'middle' },
  action,
  connections: [link.id],
});

/** The rotation. Each entry names what a user would have seen happen. */
export const SOAK_FAULTS: readonly SoakFault[] = [
  atUpload('link dropped mid-turn (1006)', { kind: 'fault', action: { kind: 'abort' } }),
  atUpload('hub error mid-turn (1011)', { kind: 'fault', action: { kind: 'close', code: 1011, reason: 'internal error' } }),
  beforeTurn('hub overloaded (1013)', { kind: 'close', code: 1013, reason: 'try again later' }),
  atUpload('half-open link mid-turn', { kind: 'fault', action: { kind: 'stall' } }),
  beforeTurn('hub closed normally (1000)', { kind: 'close', code: 1000 }),
  beforeTurn('empty close frame (1005)', { kind: 'close' }),
  beforeTurn('frame with a bad tag', { kind: 'badTag' }),
  beforeTurn('frame that is not JSON', { kind: 'malformed' }),
  beforeTurn('ping flood (500)', { kind: 'pingFlood', count: 500 }),
  atUpload('hub heard nothing usable', { kind: 'unrecognised' }),
  atUpload('slow hub STT (3 s)', { kind: 'slow', delayMs: 3_000 }),
  onLink('link dropped mid-upload (proxy)', (proxy, link) => proxy.arm(atNext(link, 'up', 'binary', { kind: 'drop', how: 'reset' }))),
  onLink('corrupted TTS download (proxy)', (proxy, link) => proxy.arm(atNext(link, 'down', 'binary', { kind: 'corrupt', mask: 0x40 }))),
  onLink('slow link, 250 ms each way (proxy)', (_proxy, link) => link.inject({ kind: 'delay', ms: 250 })),
  onLink('throttled link, 32 kB/s (proxy)', (_proxy, link) => link.inject({ kind: 'throttle', bytesPerSecond: 32_000 })),
];

/** The fault of turn `turn` (1-based), if it gets one. */
export function faultForTurn(turn: number, everyTurns: number): SoakFault | undefined {
  if (everyTurns <= 0 || turn % everyTurns !== 0) return undefined;
  return SOAK_FAULTS[(turn / everyTurns - 1) % SOAK_FAULTS.length];
}
