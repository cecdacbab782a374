import test from 'ava';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import {
  V73_MESSAGE,
  at,
  cellStrings,
  charRows,
  decodeMat,
  getField,
  getVariable,
  linearIndex,
  readMatFile,
  readMatFileSync,
  type MatError,
  type MatFile,
  type MatValue,
} from '../../src/data/mat.js';
import { matCell, matNumeric, matRow, matString, matStruct, writeMat, type MatWriteOptions } from '../../fixtures/market/matWriter.js';
import { Rng } from '../../src/random.js';
import { testWithData } from '../sharedData.js';

const MARKET = '../shared/data/market1501-attribute/market_attribute.mat';
const DUKE = '../shared/data/duke-attribute/duke_attribute.mat';

const right = <A>(r: E.Either<MatError, A>): A => {
  if (E.isLeft(r)) throw new Error(`unexpected Left: ${r.left.message}`);
  return r.right;
};
const left = <A>(r: E.Either<MatError, A>): MatError => {
  if (E.isRight(r)) throw new Error('unexpected Right');
  return r.left;
};

/** A tree touching every kind the writer supports. */
const sample = (): { name: string; value: MatValue }[] => [
  {
    name: 'rec',
    value: matStruct([
      ['small', matRow([1, 2, 200])],
      ['wide', matRow([-70000, 3, 65536])],
      ['frac', matRow([0.5, -2.25, 1e300])],
      ['text', matString('0001')],
      ['accent', matString('héllo ✓')],
      ['ids', matCell([matString('0002'), matString('a'), matString('')])],
      ['nested', matStruct([['deep', matCell([matRow([7]), matStruct([['x', matString('y')]])])]])],
    ]),
  },
  { name: 'm', value: matNumeric('double', [2, 3], [1, 2, 3, 4, 5, 6]) },
  { name: 'cube', value: matNumeric('single', [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8.5]) },
  { name: 'i8', value: matNumeric('int8', [1, 3], [-128, 0, 127]) },
  { name: 'u16', value: matNumeric('uint16', [1, 2], [0, 65535]) },
  { name: 'i32', value: matNumeric('int32', [1, 2], [-5, 2147483647]) },
  { name: 'u32', value: matNumeric('uint32', [1, 1], [4294967295]) },
  { name: 'i64', value: matNumeric('int64', [1, 2], [-9007199254740991, 3]) },
  { name: 'u64', value: matNumeric('uint64', [1, 1], [12]) },
  { name: 'flags', value: { kind: 'logical', dims: [1, 4], data: Uint8Array.from([1, 0, 0, 1]) } },
  { name: 'z', value: { kind: 'numeric', class: 'double', dims: [1, 2], real: Float64Array.from([1, 2]), imag: Float64Array.from([-3, 0.5]) } },
  { name: 'rows', value: { kind: 'char', dims: [2, 3], text: 'adbecf' } },
  { name: 'empty', value: matNumeric('double', [0, 0], []) },
  { name: 'nocell', value: matCell([], [0, 0]) },
  {
    name: 'people',
    value: {
      kind: 'struct',
      dims: [1, 2],
      fieldNames: ['id', 'age'],
      elements: [new Map([['id', matString('0001')], ['age', matRow([3])]]), new Map([['id', matString('0003')], ['age', matRow([2])]])],
    },
  },
  {
    name: 'sp',
    value: { kind: 'sparse', dims: [3, 2], logical: false, rowIndex: Int32Array.from([1, 0]), colStart: Int32Array.from([0, 1, 2]), real: Float64Array.from([2, 1.5]) },
  },
];

const variants: MatWriteOptions[] = [];
for (const endian of ['little', 'big'] as const)
  for (const compress of [false, true])
    for (const smallElements of [true, false])
      for (const charEncoding of ['utf8', 'utf16', 'utf32', 'uint16'] as const)
        for (const numericStorage of ['smallest', 'class'] as const) variants.push({ endian, compress, smallElements, charEncoding, numericStorage });

test('every writer variant reads back to the same values (both byte orders, compressed, small tags, char encodings, narrow storage)', (t) => {
  const vars = sample();
  for (const opts of variants) {
    const mat = right(decodeMat(writeMat(vars, opts), 'sample.mat'));
    t.is(mat.header.endian, opts.endian ?? 'little');
    t.deepEqual(
      mat.variables.map((v) => v.name),
      vars.map((v) => v.name),
    );
    for (let i = 0; i < vars.length; i++) t.deepEqual(mat.variables[i].value, vars[i].value, `${vars[i].name} with ${JSON.stringify(opts)}`);
    t.true(mat.variables.every((v) => v.compressed === (opts.compress ?? false)));
  }
});

test('the writer really produces the encodings the round trip claims to cover', (t) => {
  const vars = [{ name: 'v', value: matRow([1, 2]) }];
  const le = writeMat(vars, { endian: 'little' });
  const be = writeMat(vars, { endian: 'big' });
  t.is(String.fromCharCode(le[126], le[127]), 'IM');
  t.is(String.fromCharCode(be[126], be[127]), 'MI');
  // The first element after the header: miMATRIX (14) plain, miCOMPRESSED (15) compressed.
  t.is(new DataView(le.buffer).getUint32(128, true), 14);
  t.is(new DataView(be.buffer).getUint32(128, false), 14);
  t.is(new DataView(writeMat(vars, { compress: true }).buffer).getUint32(128, true), 15);
  // Array flags as a small element? Its tag is (8 bytes of miUINT32): never small. The name 'v' is:
  // flags tag (8) + data (8) + dims tag (8) + data (8) -> name tag at 128 + 8 + 32.
  const nameTag = new DataView(le.buffer).getUint32(168, true);
  t.is(nameTag, (1 << 16) | 1, 'small element: 1 byte of miINT8');
  t.is(new DataView(writeMat(vars, { smallElements: false }).buffer).getUint32(168, true), 1);
  // Data of [1, 2] as double stored in miUINT8 ('smallest') or miDOUBLE ('class'): tag at 176.
  t.is(new DataView(le.buffer).getUint32(176, true), (2 << 16) | 2, 'small miUINT8 element of 2 bytes');
  t.is(new DataView(writeMat(vars, { numericStorage: 'class' }).buffer).getUint32(176, true), 9);
  const read = right(decodeMat(le, 'x.mat')).variables[0].value;
  t.true(read.kind === 'numeric' && read.class === 'double' && read.real instanceof Float64Array);
});

test('column-major layout: at(value, i, j) and linearIndex', (t) => {
  // MATLAB [1 3 5; 2 4 6] is stored 1 2 3 4 5 6.
  const m = right(decodeMat(writeMat([{ name: 'm', value: matNumeric('double', [2, 3], [1, 2, 3, 4, 5, 6]) }]), 'm.mat')).variables[0].value;
  t.deepEqual(m.kind === 'numeric' ? m.dims : [], [2, 3]);
  t.is(at(m, 0, 0), 1);
  t.is(at(m, 1, 0), 2);
  t.is(at(m, 0, 2), 5);
  t.is(at(m, 1, 2), 6);
  t.is(linearIndex([2, 3, 4], 1, 2, 3), 1 + 2 * 2 + 3 * 6);
  t.throws(() => at(m, 2, 0), { instanceOf: RangeError });
  t.deepEqual(charRows({ kind: 'char', dims: [2, 3], text: 'adbecf' }), ['abc', 'def']);
});

test('struct fields are found by name and missing ones are reported with their path', (t) => {
  const mat = right(decodeMat(writeMat(sample()), 's.mat'));
  const rec = right(getVariable(mat, 'rec'));
  const text = right(getField('s.mat', 'rec', rec, 'text'));
  t.deepEqual(text, { kind: 'char', dims: [1, 4], text: '0001' });
  t.deepEqual(right(cellStrings('s.mat', 'rec.ids', right(getField('s.mat', 'rec', rec, 'ids')))), ['0002', 'a', '']);
  const missing = left(getField('s.mat', 'rec', rec, 'nope'));
  t.is(missing._tag, 'MatUnexpected');
  t.regex(missing.message, /^s\.mat: rec\.nope: no such field \(fields: small, wide/);
  const people = right(getVariable(mat, 'people'));
  t.deepEqual(right(getField('s.mat', 'people', people, 'id', 1)), { kind: 'char', dims: [1, 4], text: '0003' });
  t.regex(left(getVariable(mat, 'absent')).message, /absent: no such variable/);
  t.regex(left(cellStrings('s.mat', 'm', right(getVariable(mat, 'm')))).message, /expected a cell array of strings, got 2x3 double/);
});

testWithData([MARKET], 'the real market_attribute.mat: a compressed 1x1 struct, train/test structs with fields in different orders', (t) => {
  const mat = right(readMatFileSync(MARKET));
  t.is(mat.header.endian, 'little');
  t.true(mat.header.text.startsWith('MATLAB 5.0 MAT-file'));
  t.deepEqual(
    mat.variables.map((v) => [v.name, v.compressed]),
    [['market_attribute', true]],
  );
  const root = mat.variables[0].value;
  t.true(root.kind === 'struct' && root.dims.join('x') === '1x1');
  const trainS = right(getField(MARKET, 'market_attribute', root, 'train'));
  const testS = right(getField(MARKET, 'market_attribute', root, 'test'));
  if (trainS.kind !== 'struct' || testS.kind !== 'struct') return t.fail('not structs');
  t.is(trainS.fieldNames.length, 28);
  t.is(testS.fieldNames.length, 28);
  t.deepEqual([...trainS.fieldNames].sort(), [...testS.fieldNames].sort());
  t.notDeepEqual(trainS.fieldNames, testS.fieldNames);
  const ids = right(cellStrings(MARKET, 'market_attribute.test.image_index', right(getField(MARKET, 't', testS, 'image_index'))));
  t.is(ids.length, 750);
  t.is(ids[0], '0001');
  const trainIds = right(cellStrings(MARKET, 'x', right(getField(MARKET, 't', trainS, 'image_index'))));
  t.is(trainIds.length, 751);
  const age = right(getField(MARKET, 't', testS, 'age'));
  t.true(age.kind === 'numeric' && age.class === 'double' && age.dims.join('x') === '1x750');
  // Identity 0001 (first test identity): female (2), long hair (2), dress (1).
  t.is(at(right(getField(MARKET, 't', testS, 'gender')), 0, 0), 2);
  t.is(at(right(getField(MARKET, 't', testS, 'hair')), 0, 0), 2);
  t.is(at(right(getField(MARKET, 't', testS, 'clothes')), 0, 0), 1);
  // The async reader gives the same.
  return readMatFile(MARKET)().then((r) => t.deepEqual(right(r), mat));
});

testWithData([DUKE], 'the real duke_attribute.mat: 702 train and 1110 test identities, 24 fields each', (t) => {
  const mat = right(readMatFileSync(DUKE));
  const root = right(getVariable(mat, 'duke_attribute'));
  for (const [split, n] of [['train', 702], ['test', 1110]] as const) {
    const s = right(getField(DUKE, 'duke_attribute', root, split));
    t.is(s.kind === 'struct' ? s.fieldNames.length : 0, 24);
    t.is(right(cellStrings(DUKE, split, right(getField(DUKE, split, s, 'image_index')))).length, n);
  }
});

testWithData([MARKET], 'a real file rewritten big-endian and uncompressed reads back identical', (t) => {
  const mat = right(readMatFileSync(MARKET));
  const again = right(decodeMat(writeMat(mat.variables, { endian: 'big', compress: false, charEncoding: 'utf16' }), 'be.mat'));
  t.deepEqual(again.variables[0].value, mat.variables[0].value);
});

const v73Header = (): Uint8Array => {
  const bytes = new Uint8Array(1024).fill(0);
  const text = 'MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 .';
  bytes.set(Uint8Array.from(text, (c) => c.charCodeAt(0)), 0);
  bytes[124] = 0x00;
  bytes[125] = 0x02;
  bytes[126] = 0x49;
  bytes[127] = 0x4d;
  bytes.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 512);
  return bytes;
};

test('a v7.3 (HDF5) file gets the re-save message', (t) => {
  const err = left(decodeMat(v73Header(), 'new.mat'));
  t.is(err._tag, 'MatUnsupportedVersion');
  t.is(err.message, `new.mat: ${V73_MESSAGE}`);
  t.regex(err.message, /MATLAB v7\.3 \(HDF5\) files are not supported; re-save with -v7/);
  // Recognised by the HDF5 signature alone too.
  const bare = new Uint8Array(600);
  bare.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 512);
  t.is(left(decodeMat(bare, 'h5.mat'))._tag, 'MatUnsupportedVersion');
});

test('not a MAT-file, an empty file, a short header, a missing file', (t) => {
  const text = left(decodeMat(new TextEncoder().encode('x'.repeat(300)), 'notes.txt'));
  t.is(text._tag, 'MatUnsupportedVersion');
  t.regex(text.message, /^notes\.txt: not a MATLAB Level 5 MAT-file/);
  const empty = left(decodeMat(new Uint8Array(0), 'empty.mat'));
  t.is(empty._tag, 'MatTruncated');
  t.regex(empty.message, /^empty\.mat: truncated: the 128-byte MAT-file header ends at byte 0/);
  const short = writeMat([]).subarray(0, 60);
  t.regex(left(decodeMat(short, 'short.mat')).message, /header ends at byte 60/);
  const missing = left(readMatFileSync('/nonexistent/awmtl.mat'));
  t.is(missing._tag, 'MatReadFailed');
  t.regex(missing.message, /^\/nonexistent\/awmtl\.mat: cannot read/);
  const version = writeMat([{ name: 'v', value: matRow([1]) }]);
  version[124] = 0x05;
  t.regex(left(decodeMat(version, 'ver.mat')).message, /unsupported MAT-file version 0x0105 at byte 124/);
});

test('a truncated compressed file names the file and the element offset', (t) => {
  const full = writeMat(sample(), { compress: true });
  const cut = full.subarray(0, 300);
  const err = left(decodeMat(cut, 'cut.mat'));
  t.is(err._tag, 'MatTruncated');
  t.true(err._tag === 'MatTruncated' && err.offset === 128);
  t.regex(err.message, /^cut\.mat: truncated: variable 1 \(miCOMPRESSED\) declares \d+ bytes, only 164 left at byte 128$/);
});

testWithData([MARKET], 'the real market_attribute.mat cut after 5000 bytes names the element and the bytes left', (t) => {
  const real = new Uint8Array(readFileSync(MARKET)).subarray(0, 5000);
  t.regex(left(decodeMat(real, 'market_attribute.mat')).message, /^market_attribute\.mat: truncated: .*declares 10084 bytes, only 4864 left at byte 128$/);
});

test('truncation deep inside a variable names the variable path', (t) => {
  const vars = [{ name: 'rec', value: (sample()[0] as { value: MatValue }).value }];
  const full = writeMat(vars, { smallElements: false });
  // Cut the file inside the data, then make the top-level tag agree with what is left,
  // so the reader only notices the loss deep in the tree.
  const cut = full.slice(0, full.length - 100);
  new DataView(cut.buffer).setUint32(132, cut.length - 136, true);
  const err = left(decodeMat(cut, 'deep.mat'));
  t.is(err._tag, 'MatTruncated');
  t.regex(err.message, /^deep\.mat: truncated: .* at byte \d+ \(variable rec\.nested/);
  // The same inside a compressed element: the offset is the element's, plus an inflated offset.
  const inner = full.slice(128, full.length - 100);
  new DataView(inner.buffer).setUint32(4, inner.length - 8, true);
  const packed = deflateSync(inner);
  const file = new Uint8Array(128 + 8 + packed.length);
  file.set(full.subarray(0, 128));
  new DataView(file.buffer).setUint32(128, 15, true);
  new DataView(file.buffer).setUint32(132, packed.length, true);
  file.set(packed, 136);
  const err2 = left(decodeMat(file, 'deepz.mat'));
  t.true(err2._tag === 'MatTruncated' && err2.offset === 128 && typeof err2.inflatedOffset === 'number');
  t.regex(err2.message, /of the data inflated from the compressed element at byte 128 \(variable rec\.nested/);
});

test('corrupt zlib data and corrupt tags are reported, with offsets', (t) => {
  const full = writeMat(sample(), { compress: true });
  const bad = full.slice();
  bad[136] ^= 0xff; // zlib header byte
  const err = left(decodeMat(bad, 'bad.mat'));
  t.is(err._tag, 'MatCorrupt');
  t.regex(err.message, /^bad\.mat: corrupt compressed element \(zlib: .+\) at byte 128$/);
  // An unknown array class inside a struct.
  const plain = writeMat([{ name: 's', value: matStruct([['a', matRow([1])], ['b', matRow([2])]]) }], { smallElements: false });
  const view = new DataView(plain.buffer);
  // Find the array flags of field b: the second class-6 flags word after the struct's own.
  let found = -1;
  let seen = 0;
  for (let o = 136; o + 16 <= plain.length; o += 8) {
    if (view.getUint32(o, true) === 6 && view.getUint32(o + 4, true) === 8 && (view.getUint32(o + 8, true) & 0xff) === 6 && ++seen === 2) {
      found = o + 8;
      break;
    }
  }
  t.true(found > 0);
  view.setUint32(found, 99, true);
  const err2 = left(decodeMat(plain, 'cls.mat'));
  t.is(err2._tag, 'MatCorrupt');
  t.is(err2.message, `cls.mat: corrupt array flags: unknown array class 99 at byte ${found - 8} (variable s.b)`);
  // A top-level element that is not a matrix.
  const odd = writeMat([{ name: 'v', value: matRow([1]) }]);
  new DataView(odd.buffer).setUint32(128, 9, true);
  t.regex(left(decodeMat(odd, 'odd.mat')).message, /top-level element of type miDOUBLE \(expected miMATRIX or miCOMPRESSED\) at byte 128/);
});

test('random byte damage never throws and always names the file', (t) => {
  const rng = Rng.fromSeed(5);
  const bases = [writeMat(sample(), { smallElements: true }), writeMat(sample(), { endian: 'big', smallElements: false }), writeMat(sample(), { compress: true })];
  let lefts = 0;
  for (let trial = 0; trial < 300; trial++) {
    const base = bases[trial % bases.length];
    const bytes = base.slice(0, trial % 7 === 0 ? 128 + rng.int(base.length - 128) : base.length);
    for (let k = 0; k < 1 + rng.int(4); k++) bytes[128 + rng.int(bytes.length - 128)] = rng.int(256);
    let result: E.Either<MatError, MatFile> | undefined;
    t.notThrows(() => {
      result = decodeMat(bytes, 'fuzz.mat');
    });
    if (result !== undefined && E.isLeft(result)) {
      lefts++;
      t.true(result.left.message.startsWith('fuzz.mat: '), result.left.message);
    }
  }
  t.true(lefts > 50);
});

test('function handles and opaque objects decode as unsupported without hiding the other variables', (t) => {
  // Hand-built: an opaque (class 17) variable 'obj', then a plain one.
  const el = (type: number, payload: number[]): number[] => {
    const padded = Math.ceil(payload.length / 8) * 8;
    const out = new Array(8 + padded).fill(0);
    const v = new DataView(new ArrayBuffer(8));
    v.setUint32(0, type, true);
    v.setUint32(4, payload.length, true);
    for (let i = 0; i < 8; i++) out[i] = v.getUint8(i);
    payload.forEach((b, i) => (out[8 + i] = b));
    return out;
  };
  const u32 = (...xs: number[]): number[] => xs.flatMap((x) => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24]);
  const body = [...el(6, u32(17, 0)), ...el(1, [...'obj'].map((c) => c.charCodeAt(0))), ...el(1, [...'MCOS'].map((c) => c.charCodeAt(0)))];
  const opaque = el(14, body);
  const rest = writeMat([{ name: 'after', value: matRow([4]) }]);
  const file = new Uint8Array(rest.length + opaque.length);
  file.set(rest.subarray(0, 128));
  file.set(opaque, 128);
  file.set(rest.subarray(128), 128 + opaque.length);
  const mat = right(decodeMat(file, 'obj.mat'));
  t.deepEqual(
    mat.variables.map((v) => [v.name, v.value.kind]),
    [
      ['obj', 'unsupported'],
      ['after', 'numeric'],
    ],
  );
});
