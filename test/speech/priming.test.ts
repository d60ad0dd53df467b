import { describe, expect, it } from 'vitest';
import { finalCepstralMean, PRIMING_GAP_MS, primedAudio, spottedFrom, timedEntriesFrom, withCepstralMean, wordsFrom } from '../../src/speech/priming.js';

describe('cepstral-mean priming (pure)', () => {
  it('lays out lead, priming copy, gap, decoded copy, tail', () => {
    const pcm = Int16Array.from([1, 2, 3]);
    const { audio, decodedFrom } = primedAudio(pcm, 2, 4);
    const gap = (PRIMING_GAP_MS * 16_000) / 1000;
    expect(audio.length).toBe(2 + 3 + gap + 3 + 4);
    expect([...audio.subarray(0, 5)]).toEqual([0, 0, 1, 2, 3]);
    expect(audio.subarray(5, 5 + gap).every((v) => v === 0)).toBe(true);
    expect([...audio.subarray(5 + gap)]).toEqual([1, 2, 3, 0, 0, 0, 0]);
    expect(decodedFrom).toBeCloseTo((5 + gap) / 16_000, 9);
  });

  // pocketsphinx_continuous -time yes on a primed run of "how much is fifty plus sixteen" (copy 2 at 3.416 s): the
  // priming copy was heard "sixty", the decoded copy "sixteen".
  const GRAMMAR_RUN = [
    'how much is fifty plus sixty',
    '<sil> 0.000 0.270 1.000000',
    'how 0.280 0.480 1.000000',
    'fifty 0.880 1.250 1.000000',
    'plus 1.260 1.560 1.000000',
    'sixty 1.570 2.110 1.000000',
    '<sil> 2.120 2.560 1.000000',
    'how much is fifty plus sixteen',
    '<sil> 3.320 3.420 1.000000',
    'how 3.430 3.600 1.000000',
    'much 3.610 3.840 1.000000',
    'is 3.850 4.000 1.000000',
    'hundred(2) 4.010 4.380 1.000000',
    '[NOISE] 4.381 4.385 1.000000',
    'sixteen 4.690 5.230 1.000000',
    '<sil> 5.240 5.690 1.000000',
    '',
  ].join('\n');

  it('keeps the decoded copy\'s words, without fillers and pronunciation marks', () => {
    expect(wordsFrom(GRAMMAR_RUN, 3.416)).toBe('how much is hundred sixteen');
    expect(wordsFrom(GRAMMAR_RUN, 0)).toBe('how fifty plus sixty how much is hundred sixteen'); // unprimed: everything
    expect(wordsFrom('', 3.416)).toBe('');
    expect(timedEntriesFrom(GRAMMAR_RUN, 3.416)[0]).toEqual({ label: '<sil>', span: { start: 3.32, end: 3.42 } }); // pre-speech frames count
  });

  it('moves the decoded copy\'s spotted spans back to a single-copy timeline', () => {
    const kws = 'what time is it\nwhat time is it  0.270 1.160 0.82\nwhat time is it  3.500 4.400 0.9\nwhat day is it 3.6 3.9 1\n';
    expect(spottedFrom(kws, 'what time is it', 3.2, 0.3 - 3.2)).toEqual([{ start: expect.closeTo(0.6, 9), end: expect.closeTo(1.5, 9) }]);
    expect(spottedFrom(kws, 'what time is it', 0, 0)).toEqual([{ start: 0.27, end: 1.16 }, { start: 3.5, end: 4.4 }]);
    expect(spottedFrom(kws, 'who are you', 0, 0)).toEqual([]);
  });

  it('takes the last cepstral mean of the log and writes it into feat.params', () => {
    const log = [
      'INFO: cmn_live.c(120): Update from < 41.00 -5.29 -0.12  5.09  2.48 -4.07 -1.37 -1.78 -5.08 -2.05 -6.45 -1.42  1.17 >',
      'INFO: cmn_live.c(138): Update to   < 38.66 24.77 -26.47 30.03 -18.56 -3.22 12.60 -24.93  7.69 -1.82 -3.13  9.60 -13.00 >',
      'INFO: cmn_live.c(138): Update to   < 40.10 20.00 -20.00 25.00 -15.00 -3.00 10.00 -20.00  6.00 -1.50 -3.00  8.00 -11.00 >',
      'INFO: fsg_search.c(263): TOTAL fsg 0.07 CPU 0.031 xRT',
    ].join('\n');
    expect(finalCepstralMean(log)).toEqual([40.1, 20, -20, 25, -15, -3, 10, -20, 6, -1.5, -3, 8, -11]);
    expect(finalCepstralMean('INFO: nothing here')).toBeUndefined();
    expect(finalCepstralMean('Update to < 1 2 3 >')).toBeUndefined(); // not 13 values
    const params = '-lowerf 130\n-cmn batch\n-cmninit 41.00,-5.29,-0.12\n-varnorm no\n';
    expect(withCepstralMean(params, [1, 2.345, -3])).toBe('-lowerf 130\n-cmn batch\n-cmninit 1.00,2.35,-3.00\n-varnorm no\n');
    expect(withCepstralMean('-cmn batch\n', [1])).toBe('-cmn batch\n-cmninit 1.00\n');
  });
});
