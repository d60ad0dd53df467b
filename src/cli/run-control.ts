/**
 * What the control API (src/ops/control-api.ts) drives in `hivesat run`: the satellite's entry points
 * (`listen`, `say`, `stop`, `setVolume`), the mute switch, and the status read from the health state and the hub
 * connection — nothing here keeps a copy of their state, except the last turn's report (the satellite emits it once).
 *
 * @module
 */
import type { HubConnection } from '../hivemind/index.js';
import type { Listener } from '../listener/index.js';
import { type ButtonPress, type ControlStatus, type ControlTarget, type HealthState, type MuteSource, type MuteSwitch, OpsError, type OpsEvents } from '../ops/index.js';
import type { Satellite, TurnReport } from '../satellite/index.js';

/** The parts a {@link ControlTarget} is made of. */
export interface ControlParts {
  readonly satellite: Satellite;
  readonly listener: Listener;
  readonly link: HubConnection | undefined;
  readonly health: HealthState;
  readonly mute: MuteSwitch;
  readonly events: OpsEvents;
}

/**
 * Abandon the capture that is open when the microphone is muted, so speech that began before the mute is not
 * sent after it.
 */
export function abandonCapture(listener: Listener): void {
  if (listener.state.kind === 'idle') return;
  listener.cancel();
}

/** Mute or unmute, with everything that goes with it (the open capture abandoned, the ops events). */
export async function setMuted(parts: Pick<ControlParts, 'listener' | 'mute'>, muted: boolean, source: MuteSource): Promise<void> {
  if (muted) abandonCapture(parts.listener);
  await parts.mute.set(muted, source);
}

/** Push-to-talk: open a capture now, and say so. */
async function pushToTalk({ satellite, events }: Pick<ControlParts, 'satellite' | 'events'>): Promise<void> {
  await satellite.listen();
  events.listening({});
  events.state('listening');
}

/**
 * What a button press does: a short press stops the satellite while it speaks, else is push-to-talk (ignored while
 * muted: the LEDs say why); a long press toggles mute.
 */
export function buttonAction(parts: ControlParts): (press: ButtonPress) => Promise<void> {
  const { satellite, health, mute } = parts;
  return async (press) => {
    if (press === 'long') return setMuted(parts, !mute.muted, 'button');
    if (health.snapshot().state === 'speaking') return satellite.stop();
    if (!mute.muted) await pushToTalk(parts);
  };
}

/** The control API's view of a running satellite. */
export function controlTarget(parts: ControlParts): ControlTarget {
  const { satellite, link, health, mute } = parts;
  let lastTurn: TurnReport | null = null;
  satellite.on('turn', (report) => (lastTurn = report));
  return {
    status(): ControlStatus {
      const snapshot = health.snapshot();
      return { state: snapshot.state, muted: mute.muted, hub: { state: link?.state ?? 'none' }, mic: { up: snapshot.capture.ok }, volume: { percent: satellite.volume.state.percent }, last_turn: lastTurn };
    },
    setMuted: (muted) => setMuted(parts, muted, 'api'),
    async listen() {
      if (mute.muted) throw new OpsError('OPS_ERR_MUTED', 'expected an unmuted microphone for push-to-talk, got a muted one; unmute first (POST /v1/unmute)');
      await pushToTalk(parts);
    },
    stop() {
      abandonCapture(parts.listener); // "cancel the turn" includes a question still being recorded
      return satellite.stop();
    },
    say: (text) => satellite.say(text),
    setVolume: (percent) => satellite.setVolume(percent),
  };
}
