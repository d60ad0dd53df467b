import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamingResampler, resample } from '../../src/audio/index.js';
import { concat, db, rms, sine, toneAmplitude, upwardZeroCrossings } from '../fixtures/audio.js';

const AMPLITUDE = 10_000;
/** Skip the filter's ramp-in/ramp-out at both ends when measuring. */
const EDGE = 400;

function middle(x: Int16Array): Int16Array {
  return x.subarray(EDGE, x.length - EDGE);
}

/** Level of a resampled pure tone relative to the input's RMS, dB. */
function toneLevelDb(inRate: number, outRate: number, freq: number): number {
  const out = resample(sine(inRate, freq, inRate, AMPLITUDE), inRate, outRate);
  return db(rms(middle(out)), AMPLITUDE / Math.SQRT2);
}

describe('resampling quality', () => {
  it('keeps a 1 kHz sine at 48 kHz → 16 kHz: same frequency, same amplitude', () => {
    const out = resample(sine(48000, 1000, 48000, AMPLITUDE), 48000, 16000);
    expect(out.length).toBe(16000);
    const m = middle(out);
    // 1,000 cycles per second: count them without a DFT.
    expect(upwardZeroCrossings(m)).toBeGreaterThanOrEqual(Math.floor((m.length / 16000) * 1000) - 1);
    expect(upwardZeroCrossings(m)).toBeLessThanOrEqual(Math.ceil((m.length / 16000) * 1000) + 1);
    expect(Math.abs(db(toneAmplitude(m, 16000, 1000), AMPLITUDE))).toBeLessThan(0.05);
    // And it is the same sine, sample for sample (phase kept: output k is input time 3k).
    for (let k = EDGE; k < out.length - EDGE; k += 101) {
      expect(Math.abs((out[k] as number) - AMPLITUDE * Math.sin((2 * Math.PI * 1000 * k) / 16000))).toBeLessThanOrEqual(2);
    }
  });

  it.each([48000, 44100, 32000, 22050])('passes speech frequencies from %i Hz flat (±0.1 dB up to 7 kHz)', (rate) => {
    for (const f of [100, 300, 1000, 3000, 5000, 7000]) expect(Math.abs(toneLevelDb(rate, 16000, f)), `${f} Hz`).toBeLessThan(0.1);
  });

  it.each([48000, 44100, 32000, 22050])('lets nothing from above 8 kHz alias down from %i Hz (≥ 75 dB down)', (rate) => {
    for (const f of [8100, 8500, 9000, 10000, 12000, 15000, 20000, 23000].filter((x) => x < rate / 2)) {
      expect(toneLevelDb(rate, 16000, f), `${f} Hz`).toBeLessThan(-75);
    }
  });

  it('keeps a 7.9 kHz tone (transition band) at 7.9 kHz: attenuated, never mirrored', () => {
    const out = middle(resample(sine(48000, 7900, 48000, AMPLITUDE), 48000, 16000));
    const level = rms(out);
    expect(db(level, AMPLITUDE / Math.SQRT2)).toBeLessThan(-20); // the filter is already closing
    // Whatever is left is the 7.9 kHz tone itself: its single-bin amplitude accounts for all the energy.
    expect(toneAmplitude(out, 16000, 7900) / Math.SQRT2 / level).toBeGreaterThan(0.98);
  });

  it('upsamples 16 kHz → 48 kHz without images (1 kHz kept, 15/17/31/33 kHz ≥ 75 dB down)', () => {
    const out = middle(resample(sine(16000, 1000, 16000, AMPLITUDE), 16000, 48000));
    expect(Math.abs(db(toneAmplitude(out, 48000, 1000), AMPLITUDE))).toBeLessThan(0.05);
    for (const image of [15000, 17000, 31000, 33000]) expect(db(toneAmplitude(out, 48000, image), AMPLITUDE), `${image} Hz`).toBeLessThan(-75);
  });

  it('handles an awkward ratio (47,999 Hz, interpolated phases) as well', () => {
    expect(Math.abs(toneLevelDb(47999, 16000, 1000))).toBeLessThan(0.1);
    expect(toneLevelDb(47999, 16000, 12000)).toBeLessThan(-75);
    expect(new StreamingResampler({ inputRateHz: 47999, outputRateHz: 16000 }).tapsPerOutput).toBeGreaterThan(0);
  });

  it('keeps DC exact and clips instead of wrapping', () => {
    const dc = resample(new Int16Array(4800).fill(12345), 48000, 16000);
    for (const v of middle(dc)) expect(Math.abs(v - 12345)).toBeLessThanOrEqual(1);
    // A full-scale square wave overshoots (Gibbs): it must clamp at the rails, never wrap around and flip sign.
    const square = new Int16Array(4800).map((_, i) => (Math.floor(i / 60) % 2 === 0 ? 32767 : -32768));
    const out = resample(square, 48000, 16000);
    const half = resample(square.map((v) => v >> 1), 48000, 16000); // the same filter without overshoot past the rails
    expect(Math.max(...out)).toBe(32767);
    expect(Math.min(...out)).toBe(-32768);
    for (let i = 0; i < out.length; i++) {
      const unclipped = 2 * (half[i] as number);
      expect(Math.abs((out[i] as number) - Math.max(-32768, Math.min(32767, unclipped))), `at ${i}`).toBeLessThanOrEqual(3);
    }
  });
});

describe('downmix', () => {
  it('averages channels: opposite-phase stereo cancels, identical stereo equals mono', () => {
    const anti = resample(sine(48000, 1000, 4800, AMPLITUDE, [1, -1]), 48000, 16000, 2);
    expect(Math.max(...anti.map(Math.abs))).toBeLessThanOrEqual(1);
    const same = resample(sine(48000, 1000, 4800, AMPLITUDE, [1, 1]), 48000, 16000, 2);
    expect(same).toEqual(resample(sine(48000, 1000, 4800, AMPLITUDE), 48000, 16000));
  });

  it('passes 16 kHz mono through untouched and averages 16 kHz stereo exactly', () => {
    const x = sine(16000, 440, 1000, 20000);
    expect(resample(x, 16000, 16000)).toEqual(x);
    const stereo = new Int16Array([100, 201, -5, -6, 32767, 32767]);
    expect(Array.from(resample(stereo, 16000, 16000, 2))).toEqual([151, -5, 32767]); // halves round up
    expect(new StreamingResampler({ inputRateHz: 16000, outputRateHz: 16000 }).tapsPerOutput).toBe(0);
  });

  it('takes Float32 input at full scale ±1', () => {
    const f = new Float32Array([0, 0.5, -0.5, 1, -1]);
    expect(Array.from(resample(f, 16000, 16000))).toEqual([0, 16384, -16384, 32767, -32768]);
  });
});

describe('streaming', () => {
  const cases: [number, number, number][] = [
    [48000, 16000, 2],
    [44100, 16000, 1],
    [11025, 16000, 1],
    [16000, 48000, 1],
    [16000, 44100, 1],
    [47999, 16000, 1],
  ];

  it.each(cases)('gives the same samples for any chunking (%i → %i Hz, %i ch)', (inRate, outRate, ch) => {
    const input = sine(inRate, 523, 3000, 15000, ch === 2 ? [1, 0.5] : [1]);
    const whole = resample(input, inRate, outRate, ch);
    expect(whole.length).toBe(Math.ceil((3000 * outRate) / inRate));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 12 }), (cuts) => {
        const rs = new StreamingResampler({ inputRateHz: inRate, outputRateHz: outRate, inputChannels: ch });
        const chunks: Int16Array[] = [];
        let at = 0;
        for (const cut of cuts) {
          const end = Math.min(input.length, at + cut * ch);
          chunks.push(rs.push(input.subarray(at, end)).slice());
          at = end;
        }
        chunks.push(rs.push(input.subarray(at)).slice());
        chunks.push(rs.flush().slice());
        expect(concat(chunks)).toEqual(whole);
      }),
      { numRuns: 40 },
    );
  });

  it('emits ceil(n·out/in) samples for every length, and is reusable after flush', () => {
    const rs = new StreamingResampler({ inputRateHz: 44100, outputRateHz: 16000 });
    for (let n = 0; n < 300; n += 7) {
      const x = new Int16Array(n).fill(1000);
      const got = rs.push(x).length + rs.flush().length;
      expect(got, `n=${n}`).toBe(Math.ceil((n * 16000) / 44100));
    }
  });

  it('reports its latency in input frames (half the filter)', () => {
    const rs = new StreamingResampler({ inputRateHz: 48000, outputRateHz: 16000 });
    expect(rs.latencyInputFrames).toBe(rs.tapsPerOutput / 2);
    // Nothing comes out before the filter has seen `latency` frames past the first output's time.
    expect(rs.push(new Int16Array(rs.latencyInputFrames)).length).toBe(0);
    expect(rs.push(new Int16Array(1)).length).toBe(1);
  });

  it('keeps exact time over a long stream (no drift)', () => {
    const rs = new StreamingResampler({ inputRateHz: 44100, outputRateHz: 16000 });
    const chunk = new Int16Array(441 * 3);
    let out = 0;
    for (let i = 0; i < 1000; i++) out += rs.push(chunk).length; // 30 s
    out += rs.flush().length;
    expect(out).toBe(480000);
  });
});

describe('arguments', () => {
  const bad = (options: ConstructorParameters<typeof StreamingResampler>[0], message: string): void => {
    expect(() => new StreamingResampler(options)).toThrow(expect.objectContaining({ name: 'AudioError', code: 'AUDIO_ERR_BAD_ARGUMENT', message }) as Error);
  };
  it('rejects rates, channels and filter settings out of range', () => {
    bad({ inputRateHz: 7999, outputRateHz: 16000 }, 'inputRateHz: expected an integer rate in 8000–48000 Hz, got 7999');
    bad({ inputRateHz: 16000, outputRateHz: 96000 }, 'outputRateHz: expected an integer rate in 8000–48000 Hz, got 96000');
    bad({ inputRateHz: 44100.5, outputRateHz: 16000 }, 'inputRateHz: expected an integer rate in 8000–48000 Hz, got 44100.5');
    bad({ inputRateHz: 16000, outputRateHz: 16000, inputChannels: 0 }, 'inputChannels: expected an integer in 1–8, got 0');
    bad({ inputRateHz: 48000, outputRateHz: 16000, stopbandDb: 20 }, 'stopbandDb: expected 40–120, got 20');
    bad({ inputRateHz: 48000, outputRateHz: 16000, passbandFraction: 1 }, 'passbandFraction: expected 0.5–0.97, got 1');
  });

  it('rejects a chunk that is not whole frames', () => {
    const rs = new StreamingResampler({ inputRateHz: 48000, outputRateHz: 16000, inputChannels: 2 });
    expect(() => rs.push(new Int16Array(3))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT', message: 'expected a multiple of 2 samples (whole frames), got 3' }) as Error,
    );
  });
});
