import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDevices, parseHardwareList, parsePcmList } from '../../src/audio/index.js';
import { alsaFileConfig, makeTempDir } from '../fixtures/audio.js';

/** `arecord -l` on a Raspberry Pi with a USB mic (format as alsa-utils 1.2 prints it). */
const CAPTURE_L = `**** List of CAPTURE Hardware Devices ****
card 2: Device [USB PnP Sound Device], device 0: USB Audio [USB Audio]
  Subdevices: 1/1
  Subdevice #0: subdevice #0
`;

/** `aplay -l` on the same Pi: headphone jack, two HDMI outputs, a ReSpeaker HAT with two devices. */
const PLAYBACK_L = `**** List of PLAYBACK Hardware Devices ****
card 0: Headphones [bcm2835 Headphones], device 0: bcm2835 Headphones [bcm2835 Headphones]
  Subdevices: 8/8
  Subdevice #0: subdevice #0
  Subdevice #1: subdevice #1
  Subdevice #7: subdevice #7
card 1: vc4hdmi0 [vc4-hdmi-0], device 0: MAI PCM i2s-hifi-0 [MAI PCM i2s-hifi-0]
  Subdevices: 0/1
  Subdevice #0: subdevice #0
card 3: seeed2micvoicec [seeed-2mic-voicecard], device 0: bcm2835-i2s-wm8960-hifi wm8960-hifi-0 [bcm2835-i2s-wm8960-hifi wm8960-hifi-0]
  Subdevices: 1/1
  Subdevice #0: subdevice #0
`;

const CAPTURE_BIG_L = `null
    Discard all samples (playback) or generate zero samples (capture)
default
    Playback/recording through the PulseAudio sound server
sysdefault:CARD=Device
    USB PnP Sound Device, USB Audio
    Default Audio Device
plughw:CARD=Device,DEV=0
    USB PnP Sound Device, USB Audio
    Hardware device with all software conversions
`;

describe('ALSA device lists', () => {
  it('parses `arecord -l`', () => {
    expect(parseHardwareList(CAPTURE_L)).toEqual([
      {
        card: 2,
        cardId: 'Device',
        cardName: 'USB PnP Sound Device',
        device: 0,
        deviceId: 'USB Audio',
        deviceName: 'USB Audio',
        subdevicesAvailable: 1,
        subdevicesTotal: 1,
        plugName: 'plughw:CARD=Device,DEV=0',
        hwName: 'hw:CARD=Device,DEV=0',
      },
    ]);
  });

  it('parses `aplay -l` with several cards, busy subdevices and names with spaces', () => {
    const devices = parseHardwareList(PLAYBACK_L);
    expect(devices.map((d) => [d.card, d.cardId, d.device, d.subdevicesAvailable, d.subdevicesTotal, d.plugName])).toEqual([
      [0, 'Headphones', 0, 8, 8, 'plughw:CARD=Headphones,DEV=0'],
      [1, 'vc4hdmi0', 0, 0, 1, 'plughw:CARD=vc4hdmi0,DEV=0'],
      [3, 'seeed2micvoicec', 0, 1, 1, 'plughw:CARD=seeed2micvoicec,DEV=0'],
    ]);
    expect(devices[2]?.deviceName).toBe('bcm2835-i2s-wm8960-hifi wm8960-hifi-0');
    expect(devices[2]?.cardName).toBe('seeed-2mic-voicecard');
  });

  it('parses no sound card as an empty list', () => {
    expect(parseHardwareList('')).toEqual([]);
  });

  it('parses `arecord -L` names and description lines', () => {
    expect(parsePcmList(CAPTURE_BIG_L)).toEqual([
      { name: 'null', description: ['Discard all samples (playback) or generate zero samples (capture)'] },
      { name: 'default', description: ['Playback/recording through the PulseAudio sound server'] },
      { name: 'sysdefault:CARD=Device', description: ['USB PnP Sound Device, USB Audio', 'Default Audio Device'] },
      { name: 'plughw:CARD=Device,DEV=0', description: ['USB PnP Sound Device, USB Audio', 'Hardware device with all software conversions'] },
    ]);
  });

  it('runs the four commands through an injected runner', async () => {
    const calls: string[] = [];
    const devices = await listDevices({
      run: async (command, args) => {
        calls.push(`${command} ${args.join(' ')}`);
        if (args[0] === '-l') return command === 'arecord' ? CAPTURE_L : PLAYBACK_L;
        return CAPTURE_BIG_L;
      },
    });
    expect(calls.sort()).toEqual(['aplay -L', 'aplay -l', 'arecord -L', 'arecord -l']);
    expect(devices.capture.hardware).toHaveLength(1);
    expect(devices.playback.hardware).toHaveLength(3);
    expect(devices.playback.pcms).toHaveLength(4);
  });
});

describe('listDevices on this machine (real arecord/aplay)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterAll(async () => cleanup());

  it('lists the PCMs of the ALSA configuration (no sound card here)', async () => {
    const env = await alsaFileConfig(dir, '/dev/null', join(dir, 'out.raw'));
    const devices = await listDevices({ env });
    expect(devices.capture.pcms).toContainEqual({ name: 'hintmic', description: ['hivesat test mic'] });
    expect(devices.capture.pcms.map((p) => p.name)).toContain('null');
    expect(devices.playback.pcms.map((p) => p.name)).toContain('null');
    expect(Array.isArray(devices.capture.hardware)).toBe(true);
  });

  it('reports missing alsa-utils as AUDIO_ERR_DEVICE_SPAWN', async () => {
    await expect(listDevices({ env: { PATH: '/nonexistent' } })).rejects.toMatchObject({ name: 'DeviceError', code: 'AUDIO_ERR_DEVICE_SPAWN' });
  });
});
