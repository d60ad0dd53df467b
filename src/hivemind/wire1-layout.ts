/**
 * Field widths of the WIRE-1 bit layout (HIVEMIND.md §4.2), shared by the encoder and the decoder.
 *
 * @module
 */

/** The start marker, a single `1` bit after the zero padding. */
export const WIRE1_START_BITS = 1;
/** The `V` (versioned) flag. */
export const WIRE1_VERSIONED_FLAG_BITS = 1;
/** The framing version, present only when `V=1`. */
export const WIRE1_VERSION_BITS = 8;
/** The message type code (§4.3). */
export const WIRE1_TYPE_BITS = 5;
/** The `C` (compressed) flag. */
export const WIRE1_COMPRESSED_FLAG_BITS = 1;
/** The metadata length field, in bits (so metadata is at most 255 bytes). */
export const WIRE1_METALEN_BITS = 8;
/** The BINARY payload type (§4.4), present only for type code 12. */
export const WIRE1_BIN_TYPE_BITS = 4;
/** Bits per byte, named so the arithmetic reads as what it is. */
export const BITS_PER_BYTE = 8;

/** Header bits before the metadata block: start, V, [version], type, C, metalen. */
export function wire1HeaderBits(versioned: boolean): number {
  return (
    WIRE1_START_BITS +
    WIRE1_VERSIONED_FLAG_BITS +
    (versioned ? WIRE1_VERSION_BITS : 0) +
    WIRE1_TYPE_BITS +
    WIRE1_COMPRESSED_FLAG_BITS +
    WIRE1_METALEN_BITS
  );
}
