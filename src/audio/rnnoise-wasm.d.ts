/** The part of `@echogarden/rnnoise-wasm` (an Emscripten build of xiph/rnnoise, BSD-3-Clause) that hivesat uses. */
declare module '@echogarden/rnnoise-wasm' {
  /** The instantiated WebAssembly module. */
  export interface RnnoiseModule {
    readonly HEAPF32: Float32Array;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    /** A denoiser state; 0 selects the built-in model. */
    _rnnoise_create(model: number): number;
    _rnnoise_destroy(state: number): void;
    /** Samples per frame (480 at 48 kHz). */
    _rnnoise_get_frame_size(): number;
    /** Denoise one frame of s16-scaled floats from `input` into `output`; returns the frame's voice probability. */
    _rnnoise_process_frame(state: number, output: number, input: number): number;
  }
  const createModule: (options?: object) => Promise<RnnoiseModule>;
  export default createModule;
}
