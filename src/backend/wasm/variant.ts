/**
 * Which instruction set the generated kernels use: 'relaxed-simd' (fused multiply-add,
 * `f32x4.relaxed_madd`) when the engine accepts it, else 'simd' (separate multiply and add).
 *
 * Node 20's V8 (11.3) compiles relaxed SIMD only behind `--experimental-wasm-relaxed-simd`; the
 * flag is set here, before the first kernel module compiles, and a tiny module using
 * `relaxed_madd` is validated. Later Node versions accept it without the flag. On x86 with FMA,
 * V8 lowers `relaxed_madd` to `vfmadd231ps`: one instruction for a multiply and an add, which
 * nearly doubles the arithmetic peak of the convolution loops (see README.md).
 * `AWMTL_WASM_KERNELS=simd` forces the fallback (for comparisons).
 */
import { setFlagsFromString } from 'node:v8';

export type WasmKernelVariant = 'relaxed-simd' | 'simd';

/** (func (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))) */
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section
  0x03, 0x02, 0x01, 0x00, // function section
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // code
]);

let supported: boolean | null = null;
let chosen: WasmKernelVariant | null = null;

/** Whether this engine compiles relaxed SIMD (sets V8's flag first where that is needed). */
export function relaxedSimdSupported(): boolean {
  if (supported === null) {
    if (!WebAssembly.validate(PROBE)) {
      try {
        setFlagsFromString('--experimental-wasm-relaxed-simd');
      } catch {
        // Not V8, or flags cannot be set: the probe below answers.
      }
    }
    supported = WebAssembly.validate(PROBE);
  }
  return supported;
}

/** The variant the generated kernels use (chosen on first call: relaxed SIMD where it validates). */
export function wasmKernelVariant(): WasmKernelVariant {
  if (chosen === null) {
    const forced = process.env.AWMTL_WASM_KERNELS;
    chosen = forced !== 'simd' && relaxedSimdSupported() ? 'relaxed-simd' : 'simd';
  }
  return chosen;
}

/**
 * Chooses the variant for kernels generated from now on (modules are cached per variant).
 * Rejects 'relaxed-simd' where the engine does not compile it. For tests and comparisons.
 */
export function setWasmKernelVariant(variant: WasmKernelVariant): void {
  if (variant === 'relaxed-simd' && !relaxedSimdSupported()) {
    throw new Error('relaxed SIMD is not supported by this WebAssembly engine');
  }
  chosen = variant;
}
