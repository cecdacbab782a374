/**
 * A tiny WebAssembly module emitter: just enough of the binary format to build kernel modules
 * at run time from TypeScript (so nothing binary is committed and no C toolchain is needed).
 *
 * Supported: one imported memory (`env.memory`), functions with i32/f32/v128 locals, structured
 * control flow, i32/f32 arithmetic, loads and stores, and the fixed-width SIMD (f32x4) subset the
 * kernels use. Instructions are appended in stack order, e.g. `f.get(a).get(b).op(Op.i32Add)`.
 */

export enum ValType {
  i32 = 0x7f,
  f32 = 0x7d,
  v128 = 0x7b,
}

/** Single-byte opcodes used by the kernels. */
export enum Op {
  unreachable = 0x00,
  nop = 0x01,
  drop = 0x1a,
  select = 0x1b,
  return = 0x0f,
  i32Eqz = 0x45,
  i32Eq = 0x46,
  i32Ne = 0x47,
  i32LtS = 0x48,
  i32LtU = 0x49,
  i32GtS = 0x4a,
  i32GtU = 0x4b,
  i32LeS = 0x4c,
  i32LeU = 0x4d,
  i32GeS = 0x4e,
  i32GeU = 0x4f,
  f32Eq = 0x5b,
  f32Lt = 0x5d,
  f32Gt = 0x5e,
  f32Le = 0x5f,
  f32Ge = 0x60,
  i32Add = 0x6a,
  i32Sub = 0x6b,
  i32Mul = 0x6c,
  i32DivS = 0x6d,
  i32DivU = 0x6e,
  i32RemS = 0x6f,
  i32RemU = 0x70,
  i32And = 0x71,
  i32Or = 0x72,
  i32Xor = 0x73,
  i32Shl = 0x74,
  i32ShrS = 0x75,
  i32ShrU = 0x76,
  f32Neg = 0x8c,
  f32Sqrt = 0x91,
  f32Add = 0x92,
  f32Sub = 0x93,
  f32Mul = 0x94,
  f32Div = 0x95,
  f32Min = 0x96,
  f32Max = 0x97,
  f32ConvertI32S = 0xb2,
}

/** SIMD opcodes (emitted after the 0xfd prefix, LEB128-encoded). */
export enum SimdOp {
  v128Load = 0x00,
  v128Load32Splat = 0x09,
  v128Store = 0x0b,
  f32x4Splat = 0x13,
  f32x4ExtractLane = 0x1f,
  f32x4Eq = 0x41,
  f32x4Lt = 0x43,
  f32x4Gt = 0x44,
  f32x4Ge = 0x46,
  v128Not = 0x4d,
  v128And = 0x4e,
  v128AndNot = 0x4f,
  v128Or = 0x50,
  v128Bitselect = 0x52,
  v128AnyTrue = 0x53,
  f32x4Sqrt = 0xe3,
  f32x4Add = 0xe4,
  f32x4Sub = 0xe5,
  f32x4Mul = 0xe6,
  f32x4Div = 0xe7,
  f32x4Min = 0xe8,
  f32x4Max = 0xe9,
  i32x4Eq = 0x37,
  i32x4Splat = 0x11,
  i32x4Add = 0xae,
  /** Relaxed SIMD: a * b + c, fused or not (the engine's choice); 0x105 in the relaxed-simd proposal. */
  f32x4RelaxedMadd = 0x105,
}

enum Ctl {
  block = 0x02,
  loop = 0x03,
  if = 0x04,
  else = 0x05,
  end = 0x0b,
  br = 0x0c,
  brIf = 0x0d,
  localGet = 0x20,
  localSet = 0x21,
  localTee = 0x22,
  call = 0x10,
  i32Load = 0x28,
  f32Load = 0x2a,
  i32Store = 0x36,
  f32Store = 0x38,
  i32Const = 0x41,
  f32Const = 0x43,
  simd = 0xfd,
  emptyBlockType = 0x40,
}

function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function sleb(out: number[], value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  for (const b of bytes) out.push(b);
}

/** Builds one function body. Locals 0..params-1 are the parameters. */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];
  private depth = 0;

  constructor(
    readonly exportName: string | null,
    readonly params: readonly ValType[],
    readonly results: readonly ValType[] = [],
  ) {}

  /** Declares a new local and returns its index. */
  local(type: ValType): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  get(i: number): this {
    this.code.push(Ctl.localGet);
    uleb(this.code, i);
    return this;
  }

  set(i: number): this {
    this.code.push(Ctl.localSet);
    uleb(this.code, i);
    return this;
  }

  tee(i: number): this {
    this.code.push(Ctl.localTee);
    uleb(this.code, i);
    return this;
  }

  i32(value: number): this {
    this.code.push(Ctl.i32Const);
    sleb(this.code, value);
    return this;
  }

  f32(value: number): this {
    this.code.push(Ctl.f32Const);
    const bytes = new Uint8Array(new Float32Array([value]).buffer);
    for (const b of bytes) this.code.push(b);
    return this;
  }

  op(...ops: Op[]): this {
    for (const o of ops) this.code.push(o);
    return this;
  }

  simd(o: SimdOp): this {
    this.code.push(Ctl.simd);
    uleb(this.code, o);
    return this;
  }

  /** `local[i] = local[i] + delta` (i32). */
  addTo(i: number, delta: number | { local: number }): this {
    this.get(i);
    if (typeof delta === 'number') this.i32(delta);
    else this.get(delta.local);
    return this.op(Op.i32Add).set(i);
  }

  private memarg(alignLog2: number, offset: number): void {
    uleb(this.code, alignLog2);
    uleb(this.code, offset);
  }

  /** Pops an address, pushes memory[address + offset] as f32. */
  f32Load(offset = 0): this {
    this.code.push(Ctl.f32Load);
    this.memarg(2, offset);
    return this;
  }

  /** Pops value and address; stores. */
  f32Store(offset = 0): this {
    this.code.push(Ctl.f32Store);
    this.memarg(2, offset);
    return this;
  }

  i32Load(offset = 0): this {
    this.code.push(Ctl.i32Load);
    this.memarg(2, offset);
    return this;
  }

  i32Store(offset = 0): this {
    this.code.push(Ctl.i32Store);
    this.memarg(2, offset);
    return this;
  }

  /** 16-byte vector load; the kernels only assume 4-byte alignment. */
  v128Load(offset = 0): this {
    this.simd(SimdOp.v128Load);
    this.memarg(2, offset);
    return this;
  }

  v128Store(offset = 0): this {
    this.simd(SimdOp.v128Store);
    this.memarg(2, offset);
    return this;
  }

  /** Loads one f32 and broadcasts it to all four lanes. */
  v128Load32Splat(offset = 0): this {
    this.simd(SimdOp.v128Load32Splat);
    this.memarg(2, offset);
    return this;
  }

  f32x4ExtractLane(lane: number): this {
    this.simd(SimdOp.f32x4ExtractLane);
    this.code.push(lane);
    return this;
  }

  /** Pushes a v128 constant with four equal f32 lanes. */
  f32x4Const(value: number): this {
    return this.f32(value).simd(SimdOp.f32x4Splat);
  }

  i32x4Const(value: number): this {
    return this.i32(value).simd(SimdOp.i32x4Splat);
  }

  call(funcIndex: number): this {
    this.code.push(Ctl.call);
    uleb(this.code, funcIndex);
    return this;
  }

  /** `block ... end`; inside, `br(0)` leaves the block. */
  block(body: () => void): this {
    this.code.push(Ctl.block, Ctl.emptyBlockType);
    this.depth++;
    body();
    this.depth--;
    this.code.push(Ctl.end);
    return this;
  }

  /** `loop ... end`; inside, `br(0)` jumps back to the top. */
  loop(body: () => void): this {
    this.code.push(Ctl.loop, Ctl.emptyBlockType);
    this.depth++;
    body();
    this.depth--;
    this.code.push(Ctl.end);
    return this;
  }

  /** Pops an i32 condition: `if ... (else ...) end`. */
  if(then: () => void, otherwise?: () => void): this {
    this.code.push(Ctl.if, Ctl.emptyBlockType);
    this.depth++;
    then();
    if (otherwise) {
      this.code.push(Ctl.else);
      otherwise();
    }
    this.depth--;
    this.code.push(Ctl.end);
    return this;
  }

  br(depth: number): this {
    this.code.push(Ctl.br);
    uleb(this.code, depth);
    return this;
  }

  brIf(depth: number): this {
    this.code.push(Ctl.brIf);
    uleb(this.code, depth);
    return this;
  }

  /**
   * `for (i = start; i < end; i += step) body()` with i32 locals; `end` and `step` may be
   * constants or locals. The body must leave the stack balanced.
   */
  forLt(
    i: number,
    start: number | { local: number },
    end: number | { local: number },
    step: number | { local: number },
    body: () => void,
  ): this {
    const push = (v: number | { local: number }): void => {
      if (typeof v === 'number') this.i32(v);
      else this.get(v.local);
    };
    push(start);
    this.set(i);
    this.block(() => {
      this.loop(() => {
        this.get(i);
        push(end);
        this.op(Op.i32GeS).brIf(1);
        body();
        this.get(i);
        push(step);
        this.op(Op.i32Add).set(i).br(0);
      });
    });
    return this;
  }

  /** Encodes locals and body (without the size prefix). */
  encodeBody(): number[] {
    const out: number[] = [];
    const groups: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(out, groups.length);
    for (const [count, type] of groups) {
      uleb(out, count);
      out.push(type);
    }
    for (const b of this.code) out.push(b);
    out.push(Ctl.end);
    return out;
  }
}

/** A module of functions that share one imported memory (`env.memory`). */
export class ModuleBuilder {
  private readonly functions: FunctionBuilder[] = [];

  constructor(private readonly sharedMemory: boolean) {}

  /** Adds a function; its index (for `call`) is returned. */
  add(fn: FunctionBuilder): number {
    this.functions.push(fn);
    return this.functions.length - 1;
  }

  /** The index the next added function will get (for forward references). */
  get nextIndex(): number {
    return this.functions.length;
  }

  encode(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, body: number[]): void => {
      out.push(id);
      uleb(out, body.length);
      for (const b of body) out.push(b);
    };
    // Types: one per function (duplicates are allowed and keep this simple).
    const types: number[] = [];
    uleb(types, this.functions.length);
    for (const f of this.functions) {
      types.push(0x60);
      uleb(types, f.params.length);
      for (const p of f.params) types.push(p);
      uleb(types, f.results.length);
      for (const r of f.results) types.push(r);
    }
    section(1, types);
    // Import: env.memory (min 0 pages, no maximum unless shared, which requires one).
    const imports: number[] = [];
    uleb(imports, 1);
    name(imports, 'env');
    name(imports, 'memory');
    imports.push(0x02);
    if (this.sharedMemory) {
      imports.push(0x03);
      uleb(imports, 0);
      uleb(imports, 65536);
    } else {
      imports.push(0x00);
      uleb(imports, 0);
    }
    section(2, imports);
    const funcs: number[] = [];
    uleb(funcs, this.functions.length);
    this.functions.forEach((_, i) => uleb(funcs, i));
    section(3, funcs);
    const exported = this.functions.map((f, i) => [f, i] as const).filter(([f]) => f.exportName !== null);
    const exports: number[] = [];
    uleb(exports, exported.length);
    for (const [f, i] of exported) {
      name(exports, f.exportName as string);
      exports.push(0x00);
      uleb(exports, i);
    }
    section(7, exports);
    const code: number[] = [];
    uleb(code, this.functions.length);
    for (const f of this.functions) {
      const body = f.encodeBody();
      uleb(code, body.length);
      for (const b of body) code.push(b);
    }
    section(10, code);
    return new Uint8Array(out);
  }

  /** Compiles and instantiates against `memory`; returns the exports. */
  instantiate(memory: WebAssembly.Memory): Record<string, (...args: number[]) => number | void> {
    const module = new WebAssembly.Module(this.encode());
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    return instance.exports as Record<string, (...args: number[]) => number | void>;
  }
}
