/**
 * A deliberately naive WIRE-1 slicer for tests, written on '0'/'1' strings so that it shares no code with
 * src/hivemind/bit-reader.ts or wire1-decode.ts. It follows HIVEMIND.md §4.2 field by field and is used as an
 * independent oracle: to read the fields of reference vectors and of our own output.
 */

/** Bytes → a string of '0'/'1', MSB first. */
export function toBits(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(2).padStart(8, '0')).join('');
}

/** A string of '0'/'1' (length a multiple of 8) → bytes. */
export function fromBits(bits: string): Uint8Array {
  if (bits.length % 8 !== 0 || /[^01]/.test(bits)) throw new Error(`not whole bytes of bits: ${bits.length}`);
  const out = new Uint8Array(bits.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  return out;
}

/** `value` as a `width`-bit binary string. */
export function bitsOf(value: number, width: number): string {
  return value.toString(2).padStart(width, '0');
}

/** UTF-8 text → bits. */
export function textBits(text: string): string {
  return toBits(new TextEncoder().encode(text));
}

/** Prepend zero bits so the length is a multiple of 8 (the reference `s.insert('uint:1=0', 0)` loop). */
export function padFront(bits: string): string {
  return '0'.repeat((8 - (bits.length % 8)) % 8) + bits;
}

/** The fields of a WIRE-1 frame. */
export interface SlicedFrame {
  readonly padBits: number;
  readonly versioned: boolean;
  readonly version: number | undefined;
  readonly typeCode: number;
  readonly compressed: boolean;
  readonly metaLength: number;
  readonly meta: Uint8Array;
  readonly binType: number | undefined;
  readonly payload: Uint8Array;
  /** Bits from the first bit of the frame through the `C` flag (padding, start, V, [version], type, C). */
  readonly prefixThroughC: string;
  /** Bytes needed to hold everything before the payload. */
  readonly bytesBeforePayload: number;
}

const BINARY_CODE = 12;

/** Split a WIRE-1 frame into its fields (§4.2). Throws plain Errors on anything unexpected. */
export function sliceFrame(bytes: Uint8Array): SlicedFrame {
  const bits = toBits(bytes);
  const padBits = bits.indexOf('1');
  if (padBits < 0 || padBits > 7) throw new Error(`bad padding: ${padBits}`);
  let i = padBits + 1;
  const take = (n: number): string => {
    if (i + n > bits.length) throw new Error('truncated');
    const s = bits.slice(i, i + n);
    i += n;
    return s;
  };
  const versioned = take(1) === '1';
  const version = versioned ? parseInt(take(8), 2) : undefined;
  const typeCode = parseInt(take(5), 2);
  const compressed = take(1) === '1';
  const prefixThroughC = bits.slice(0, i);
  const metaLength = parseInt(take(8), 2);
  const meta = fromBits(take(metaLength * 8));
  const binType = typeCode === BINARY_CODE ? parseInt(take(4), 2) : undefined;
  const bytesBeforePayload = Math.ceil(i / 8);
  const rest = bits.slice(i);
  if (rest.length % 8 !== 0) throw new Error('payload not whole bytes');
  return {
    padBits, versioned, version, typeCode, compressed, metaLength, meta, binType,
    payload: fromBits(rest), prefixThroughC, bytesBeforePayload,
  };
}
