/**
 * The connection client against the in-process test hub on loopback (both in this process, so each figure includes
 * the hub's own work): connect + handshake + HELLO (password; Noise with a pre-computed PSK), BUS round-trip latency
 * (client → hub agent → client), and sustained one-way and echoed message rates.
 */
import { HubConnection, type HubConnectionOptions } from '../src/hivemind/connection.js';
import { memoryNoiseKeyStore } from '../src/config/noise-keys.js';
import { type HubProfile, type TestHub, startTestHub } from '../test/hub/index.js';
import { type BenchRow, measure } from './harness.js';

const KEY = 'bench-access-key';
const PASSWORD = 'bench password for the connection';
const PSK = new Uint8Array(32).fill(42);
const PING = 'bench.ping';
const PONG = 'bench.pong';

async function benchHub(profile: HubProfile): Promise<TestHub> {
  return startTestHub({
    profile,
    clients: [{ accessKey: KEY, password: PASSWORD, noisePsk: PSK, allowedTypes: [PING] }],
    agent: (message, api) => {
      if (message.type === PING) api.reply(PONG, message.data);
    },
  });
}

function options(hub: TestHub, extra: Partial<HubConnectionOptions> = {}): HubConnectionOptions {
  return { host: '127.0.0.1', port: hub.port, accessKey: KEY, password: PASSWORD, noisePsk: PSK, keyStore: memoryNoiseKeyStore(), ...extra };
}

async function connectOnce(hub: TestHub, extra: Partial<HubConnectionOptions>): Promise<void> {
  const conn = new HubConnection(options(hub, extra));
  await conn.connect();
  await conn.close();
}

/** Messages per second over `count` messages: one-way (hub received) or echoed (client received the pong). */
async function rate(group: string, name: string, conn: HubConnection, hub: TestHub, count: number, echo: boolean): Promise<BenchRow> {
  let received = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const onPong = (m: { type: string }): void => {
    if (m.type === PONG && ++received === count) finish();
  };
  const onHub = (e: { message: { msg_type: string } }): void => {
    if (e.message.msg_type === 'bus' && ++received === count) finish();
  };
  if (echo) conn.on('bus', onPong);
  else hub.on('message', onHub);
  const started = performance.now();
  for (let i = 0; i < count; i++) void conn.sendBus(PING, { i });
  await done;
  conn.off('bus', onPong);
  hub.off('message', onHub);
  const ms = performance.now() - started;
  return { group, name, opsPerSec: (count * 1000) / ms, msPerOp: ms / count, mibPerSec: undefined };
}

/** Run the connection benchmarks. */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const legacy = await benchHub('core-4.0');
  const noiseHub = await benchHub('core-new');
  try {
    rows.push(await measure('connection', 'connect+handshake, password (4.0 hub, AES-GCM)', () => connectOnce(legacy, { handshake: 'password' }), { minMs: 1_500 }));
    rows.push(
      await measure('connection', 'connect+handshake, Noise XXpsk2, pre-computed PSK', () => {
        noiseHub.resetNoisePin(KEY); // first contact every time: XXpsk2 with a fresh client key
        return connectOnce(noiseHub, { keyStore: memoryNoiseKeyStore() });
      }, { minMs: 1_500 }),
    );
    const pinned = memoryNoiseKeyStore();
    noiseHub.resetNoisePin(KEY);
    await connectOnce(noiseHub, { keyStore: pinned }); // pins on both sides
    rows.push(await measure('connection', 'connect+handshake, Noise KKpsk0, pre-computed PSK', () => connectOnce(noiseHub, { keyStore: pinned }), { minMs: 1_500 }));

    for (const [label, hub, extra] of [
      ['password AES-GCM JSON-B64', legacy, { handshake: 'password', ciphers: ['AES-GCM'] }],
      ['password ChaCha JSON-HEX', legacy, { handshake: 'password', ciphers: ['CHACHA20-POLY1305'], encodings: ['JSON-HEX'] }],
      ['Noise KKpsk0 ChaChaPoly', noiseHub, { keyStore: pinned }],
    ] as const) {
      const conn = new HubConnection(options(hub, extra as Partial<HubConnectionOptions>));
      await conn.connect();
      rows.push(
        await measure('connection', `BUS round trip, ${label}`, async () => {
          const pong = conn.waitFor((m) => m.type === PONG, 5_000);
          await conn.sendBus(PING, { t: 1 });
          await pong;
        }, { minMs: 1_000 }),
      );
      rows.push(await rate('connection', `BUS one-way sustained, ${label} (msgs/s)`, conn, hub, 5_000, false));
      rows.push(await rate('connection', `BUS echoed sustained, ${label} (msgs/s)`, conn, hub, 2_000, true));
      await conn.close();
    }
  } finally {
    await legacy.stop();
    await noiseHub.stop();
  }
  return rows;
}
