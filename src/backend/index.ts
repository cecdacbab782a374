export { selectBackend, selectedBackend } from './select.js';
export type { BackendChoice, BackendInfo, BackendOptions } from './select.js';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm/kernels.js';
export { relaxedSimdSupported, setWasmKernelVariant, wasmKernelVariant, type WasmKernelVariant } from './wasm/variant.js';
