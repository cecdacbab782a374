/**
 * Where caches live. The data folder may be read-only (a shared dataset), so
 * caches go to a per-user folder by default:
 *
 *   $AWMTL_CACHE, else $XDG_CACHE_HOME/awmtl, else ~/.cache/awmtl
 *
 * (`--cache DIR` on the command line takes the place of that root;
 * AWMTL_CACHE=off turns the cache off everywhere.) Inside the root, one folder
 * per (image root, size, crop): `<root name>-<H>x<W>-<crop>-<hash>`, where the
 * image root is the deepest folder holding every image of the dataset (for
 * CelebA, DIR/img_align_celeba) and the hash covers its absolute path, the
 * size and the crop. So prepare and train find the same folder without being
 * told, and caches of two sizes sit side by side.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Crop } from '../images.js';
import { cropKey } from './format.js';

/** The values of AWMTL_CACHE that turn the cache off. */
const OFF = new Set(['off', 'none', '0', 'false', 'no']);

/** The cache root from the environment; undefined when AWMTL_CACHE turns caching off. */
export const defaultCacheRoot = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const explicit = env.AWMTL_CACHE;
  if (explicit !== undefined && explicit.trim() !== '') return OFF.has(explicit.trim().toLowerCase()) ? undefined : resolve(explicit);
  const xdg = env.XDG_CACHE_HOME;
  return xdg !== undefined && xdg.trim() !== '' ? join(resolve(xdg), 'awmtl') : join(homedir(), '.cache', 'awmtl');
};

const cropName = (crop: Crop | undefined): string => {
  if (crop === undefined || crop === 'none') return 'none';
  if (typeof crop === 'string') return crop;
  return 'center' in crop ? `c${crop.center.width}x${crop.center.height}` : `r${crop.x}-${crop.y}-${crop.width}x${crop.height}`;
};

/** The folder of the cache of images under `imageRoot` at this size and crop. */
export const cacheDirFor = (root: string, imageRoot: string, image: { height: number; width: number; crop?: Crop }): string => {
  const abs = resolve(imageRoot);
  const hash = createHash('sha256')
    .update(JSON.stringify([abs, image.height, image.width, cropKey(image.crop)]))
    .digest('hex')
    .slice(0, 12);
  const name = (basename(abs) || 'root').replace(/[^A-Za-z0-9._-]/g, '_');
  return join(root, `${name}-${image.height}x${image.width}-${cropName(image.crop)}-${hash}`);
};

/** The deepest folder that holds every one of these files (absolute paths). */
export const commonFolder = (files: Iterable<string>): string | undefined => {
  let common: string | undefined;
  for (const file of files) {
    const dir = dirname(file);
    if (common === undefined) {
      common = dir;
      continue;
    }
    while (dir !== common && !dir.startsWith(common.endsWith(sep) ? common : common + sep)) {
      const up = dirname(common);
      if (up === common) break;
      common = up;
    }
  }
  return common;
};
