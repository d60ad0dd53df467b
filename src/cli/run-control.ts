/**
 * What the control API (src/ops/control-api.ts) drives in `hivesat run`: the satellite's entry points
 * (`listen`, `say`, `stop`, `setVolume`, `setMuted`), the persisted mute switch, and the status read from the
 * satellite's session (what it is doing, muted, the hub connection) and the health state (starting, stopping, the
 * microphone) — nothing here keeps a copy of their state, except the last turn's report (the satellite emits it once).
 *
 * @module
 */
import type { HubConnection } from '../hivemind/index.js';
import type { Listener } from '../listener/index.js';
import { type ButtonPress, type ControlStatus, type ControlTarget, type HealthState, type MuteSource, type MuteSwitch, OpsError, type OpsEvents } from '../ops/index.js';
import { type Satellite, type TurnReport, satelliteActivity } from '../satellite/index.js';

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

/**
 * Mute or unmute, with everything that goes with it: the satellite's session (the open capture abandoned, the ops
 * events follow its transition), then the persisted switch. Without a satellite, the open capture is abandoned here.
 */
export async function setMuted(parts: Pick<ControlParts, 'listener' | 'mute'> & Partial<Pick<ControlParts, 'satellite'>>, muted: boolean, source: MuteSource): Promise<void> {
  if (parts.satellite !== undefined) parts.satellite.setMuted(muted, source);
  else if (muted) abandonCapture(parts.listener);
  await parts.mute.set(muted, source);
}

/** Push-to-talk: open a capture now (the session's transition reports the state), and say so to the hooks. */
async function pushToTalk({ satellite, events }: Pick<ControlParts, 'satellite' | 'events'>): Promise<void> {
  await satellite.listen();
  events.listening({});
}

/**
 * What a button press does: a short press stops the satellite while it speaks, else is push-to-talk (ignored while
 * muted: the LEDs say why); a long press toggles mute.
 */
export function buttonAction(parts: ControlParts): (press: ButtonPress) => Promise<void> {
  const { satellite } = parts;
  return async (press) => {
    if (press === 'long') return setMuted(parts, !satellite.session.muted, 'button');
    if (satelliteActivity(satellite.session) === 'speaking') return satellite.stop();
    if (!satellite.session.muted) await pushToTalk(parts);
  };
}

/** The control API's view of a running satellite. */
export function controlTarget(parts: ControlParts): ControlTarget {
  const { satellite, health } = parts;
  let lastTurn: TurnReport | null = null;
  satellite.on('turn', (report) => (lastTurn = report));
  return {
    status(): ControlStatus {
      const snapshot = health.snapshot();
      const session = satellite.session;
      // Starting and stopping are the service's (health); everything else is what the session says.
      const state = snapshot.state === 'starting' || snapshot.state === 'stopping' ? snapshot.state : satelliteActivity(session);
      return { state, muted: session.muted, hub: { state: session.connection }, mic: { up: snapshot.capture.ok }, volume: { percent: satellite.volume.state.percent }, last_turn: lastTurn };
    },
    setMuted: (muted) => setMuted(parts, muted, 'api'),
    async listen() {
      if (satellite.session.muted) throw new OpsError('OPS_ERR_MUTED', 'expected an unmuted microphone for push-to-talk, got a muted one; unmute first (POST /v1/unmute)');
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
