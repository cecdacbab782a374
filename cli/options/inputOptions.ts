/** --cache DIR, --no-cache, --workers N: how images are read (not part of a run's config: they do not change its batches). */
import * as E from 'fp-ts/lib/Either.js';
import type { InputSettings } from '../../src/data/workers/input.js';
import { flag, integer, text, usageError, type UsageError } from './optionTable.js';

/** The input options; `workers` says what the command's default is. */
export const inputOptions = (workers = 'one with a cache, else min(cores - 1, 4)') => ({
  cache: text({
    metavar: 'DIR',
    help: 'root of the preprocessed image caches (awmtl prepare; default $AWMTL_CACHE,\nelse $XDG_CACHE_HOME/awmtl, else ~/.cache/awmtl); used when present and valid',
  }),
  'no-cache': flag('decode the image files even if a valid cache exists'),
  workers: integer({ min: 0, help: 'image decoding threads (0: the main thread)', defaultText: workers }),
});

type InputValues = { readonly cache: string | undefined; readonly 'no-cache': boolean; readonly workers: number | undefined };

/** The input settings of the parsed options; --cache and --no-cache together are a usage error. */
export const inputSettings = (v: InputValues): E.Either<UsageError, InputSettings> => {
  if (v.cache !== undefined && v['no-cache']) return E.left(usageError('give --cache DIR or --no-cache, not both'));
  return E.right({
    ...(v['no-cache'] ? { cache: false as const } : v.cache === undefined ? {} : { cache: v.cache }),
    ...(v.workers === undefined ? {} : { workers: v.workers }),
  });
};
