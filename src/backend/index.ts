export { BACKEND_CHOICES, backendChoiceError, isBackendChoice, selectBackend, selectedBackend } from './select.js';
export type { BackendChoice, BackendInfo, BackendOptions } from './select.js';
export { describeAdapter, isSoftwareAdapter, probeWebgpu } from './webgpu.js';
export type { AdapterDescription, WebgpuProbe } from './webgpu.js';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm/kernels/index.js';
export { relaxedSimdSupported, setWasmKernelVariant, wasmKernelVariant, type WasmKernelVariant } from './wasm/variant.js';
