import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { FunctionBuilder, ModuleBuilder, SimdOp, ValType } from '../../src/backend/wasm/emitter.js';
import { addGatherConv, defaultGatherPlan } from '../../src/backend/wasm/addGatherConv.js';
import { registerWasmTrainingKernels } from '../../src/backend/wasm/kernels/index.js';
import {
  relaxedSimdSupported,
  setWasmKernelVariant,
  wasmKernelVariant,
  type WasmKernelVariant,
} from '../../src/backend/wasm/variant.js';
import { convErrors, type Pad } from './helpers.js';

test.before(async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.setBackend('cpu');
});

const geometry = { Hp: 6, Wp: 6, ci: 4, OH: 4, OW: 4, KH: 3, KW: 3, sh: 1, sw: 1, CO: 8 };

/** Whether the encoded module holds f32x4.relaxed_madd (0xfd, LEB128 0x105 = 0x85 0x02). */
const hasRelaxedMadd = (bytes: Uint8Array): boolean => {
  for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0xfd && bytes[i + 1] === 0x85 && bytes[i + 2] === 0x02) return true;
  return false;
};

const encodedConv = (): Uint8Array<ArrayBuffer> => {
  const mod = new ModuleBuilder(false);
  addGatherConv(mod, 'run', geometry);
  return mod.encode();
};

test.serial('Node 20 compiles relaxed SIMD once the V8 flag is set, and it is the default variant', (t) => {
  t.true(relaxedSimdSupported());
  t.is(process.env.AWMTL_WASM_KERNELS === 'simd' ? 'simd' : 'relaxed-simd', wasmKernelVariant());
});

test.serial('the relaxed variant emits relaxed_madd, the fallback does not; both validate', (t) => {
  const before = wasmKernelVariant();
  try {
    setWasmKernelVariant('relaxed-simd');
    const relaxed = encodedConv();
    setWasmKernelVariant('simd');
    const plain = encodedConv();
    t.true(hasRelaxedMadd(relaxed));
    t.false(hasRelaxedMadd(plain));
    t.true(WebAssembly.validate(relaxed));
    t.true(WebAssembly.validate(plain));
  } finally {
    setWasmKernelVariant(before);
  }
});

test.serial('relaxed_madd computes a * b + c', (t) => {
  const f = new FunctionBuilder('madd', [ValType.f32, ValType.f32, ValType.f32], [ValType.f32]);
  f.get(0).simd(SimdOp.f32x4Splat).get(1).simd(SimdOp.f32x4Splat).get(2).simd(SimdOp.f32x4Splat);
  f.simd(SimdOp.f32x4RelaxedMadd).f32x4ExtractLane(3);
  const mod = new ModuleBuilder(false);
  mod.add(f);
  const { madd } = mod.instantiate(new WebAssembly.Memory({ initial: 1 }));
  t.is(madd(3, 5, 7), 22);
  t.is(madd(-1.5, 2, 0.25), -2.75);
});

const cases: [number, number, number, number, number, number, number, Pad][] = [
  [2, 9, 11, 3, 5, 3, 1, 'same'],
  [2, 9, 11, 3, 5, 7, 2, 'same'],
  [2, 7, 7, 16, 12, 3, 1, 'same'],
  [3, 8, 8, 8, 16, 1, 2, 'valid'],
  [1, 13, 13, 8, 3, 3, 2, 'valid'],
  // ResNet's last stages: maps narrower than a register tile, tiled over rows and images (flat plan)
  [2, 3, 3, 64, 40, 3, 1, 'same'],
  [3, 6, 6, 32, 24, 3, 1, 'same'],
];

test('the flat plan is chosen for output widths that are not a multiple of the tile rows', (t) => {
  const g = (OW: number) => ({ Hp: OW + 2, Wp: OW + 2, ci: 8, OH: OW, OW, KH: 3, KW: 3, sh: 1, sw: 1, CO: 8 });
  t.true(defaultGatherPlan(g(3)).flat === true);
  t.true(defaultGatherPlan(g(6)).flat === true);
  t.falsy(defaultGatherPlan(g(12)).flat);
  t.falsy(defaultGatherPlan({ ...g(3), outPixel: 16 }).flat);
});

for (const variant of ['relaxed-simd', 'simd'] as WasmKernelVariant[]) {
  test.serial(`${variant}: convolutions and their gradients agree with the cpu backend`, async (t) => {
    const before = wasmKernelVariant();
    try {
      setWasmKernelVariant(variant);
      for (const c of cases) {
        const e = await convErrors(c);
        t.true(e.forward <= 1e-4 && e.input <= 1e-4 && e.filter <= 1e-4, `${c.join(',')}: ${JSON.stringify(e)}`);
      }
    } finally {
      setWasmKernelVariant(before);
    }
  });
}
