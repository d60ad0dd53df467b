/**
 * BINARY metadata that always fits WIRE-1 (HIVEMIND.md §4.2): at most 255 bytes of zlib-compressed JSON. A BINARY
 * message cannot fall back to a JSON frame, so optional fields are dropped, least important first, until the
 * metadata fits; the required ones (`lang`, `sample_rate`, `sample_width`) always stay.
 *
 * @module
 */
import { deflateSync } from 'node:zlib';
import { type JsonObject, type JsonValue, MAX_WIRE1_METADATA_BYTES, pythonJsonDumps } from '../hivemind/index.js';
import { TTS_METADATA_BUDGET_BYTES } from './constants.js';

/**
 * Bytes the metadata takes in a WIRE-1 frame: `zlib.compress(json.dumps(metadata))`, exactly as the codec builds it
 * (src/hivemind/wire1-encode.ts, always `C=1`).
 */
export function wire1MetadataBytes(metadata: JsonObject): number {
  return deflateSync(Buffer.from(pythonJsonDumps(metadata), 'utf8')).length;
}

/**
 * `required` plus as many of `optional` (in priority order, most important first) as fit in `limit` bytes.
 *
 * @returns the metadata and the keys that had to be left out.
 */
export function fitMetadata(
  required: JsonObject,
  optional: readonly (readonly [string, JsonValue | undefined])[],
  limit: number = MAX_WIRE1_METADATA_BYTES,
): { readonly metadata: JsonObject; readonly omitted: readonly string[] } {
  const metadata: JsonObject = { ...required };
  const omitted: string[] = [];
  for (const [key, value] of optional) {
    if (value === undefined) continue;
    metadata[key] = value;
    if (wire1MetadataBytes(metadata) > limit) {
      delete metadata[key];
      omitted.push(key);
    }
  }
  return { metadata, omitted };
}

/**
 * Whether a hub can send this utterance back as BINARY TTS_AUDIO: its metadata `{lang, file_name, utterance}` must
 * fit WIRE-1 with room for the hub's own additions ({@link TTS_METADATA_BUDGET_BYTES}).
 */
export function ttsMetadataFits(utterance: string, lang: string): boolean {
  return wire1MetadataBytes({ lang, file_name: 'f0123456789abcdef0123456789abcdef.wav', utterance }) <= TTS_METADATA_BUDGET_BYTES;
}
