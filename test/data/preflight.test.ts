import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Jimp } from 'jimp';
import { checkImageHeader, describeBadImages, preflightImages } from '../../src/data/preflight.js';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';

const FIXTURE = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const dir = mkdtempSync(join(tmpdir(), 'awmtl-preflight-'));
const jpeg = readFileSync(join(FIXTURE, 'img_align_celeba', '000001.jpg'));

const file = (name: string, bytes: Uint8Array | string): string => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

test('the header test passes intact JPEGs and PNGs and sends doubtful files to a full decode', async (t) => {
  t.deepEqual(checkImageHeader(file('ok.jpg', jpeg)), { ok: true });
  const png = await new Jimp({ width: 4, height: 3, color: 0xff0000ff }).getBuffer('image/png');
  t.deepEqual(checkImageHeader(file('ok.png', png)), { ok: true });
  t.deepEqual(checkImageHeader(file('cut.jpg', jpeg.subarray(0, 300))), { decode: true });
  t.deepEqual(checkImageHeader(file('cut.png', png.subarray(0, png.length - 4))), { decode: true });
  t.deepEqual(checkImageHeader(file('text.jpg', 'hello, not an image')), { decode: true });
  t.like(checkImageHeader(file('empty.jpg', '')), { ok: false, message: `${join(dir, 'empty.jpg')}: cannot decode image (empty file)` });
  t.like(checkImageHeader(join(dir, 'absent.jpg')), { ok: false, message: `${join(dir, 'absent.jpg')}: no such image file` });
});

test('preflightImages reports each bad file once with its split; trailing bytes after a JPEG are fine; the cache is trusted', async (t) => {
  const trailing = file('trailing.jpg', Buffer.concat([jpeg, Buffer.from('garbage after the end marker')]));
  const entries = [
    { split: 'train' as const, path: file('a.jpg', jpeg) },
    { split: 'train' as const, path: trailing },
    { split: 'val' as const, path: file('cut2.jpg', jpeg.subarray(0, 500)) },
    { split: 'test' as const, path: file('cut2.jpg', jpeg.subarray(0, 500)) },
    { split: 'test' as const, path: file('empty2.jpg', '') },
    { split: 'test' as const, path: join(dir, 'cached-but-gone.jpg') },
  ];
  const r = await preflightImages(entries, { cache: (p) => (p.endsWith('cached-but-gone.jpg') ? 'ok' : 'unknown') });
  t.is(r.checked, 5);
  t.is(r.fromCache, 1);
  t.is(r.decoded, 2, 'the trailing-bytes JPEG and the cut one are decoded in full');
  t.deepEqual(
    r.bad.map((b) => [b.split, b.path.split('/').at(-1)]),
    [
      ['val', 'cut2.jpg'],
      ['test', 'empty2.jpg'],
    ],
  );
  t.regex(describeBadImages(r.bad), /^2 unreadable images: val split: .*cut2\.jpg: cannot decode image .*; test split: .*empty2\.jpg: cannot decode image \(empty file\)$/);
  // What the cache marked bad is decoded to confirm: a good file passes.
  const confirmed = await preflightImages([{ split: 'train', path: join(dir, 'a.jpg') }], { cache: () => 'bad' });
  t.is(confirmed.decoded, 1);
  t.is(confirmed.bad.length, 0);
});
