/**
 * Writers of CelebA annotation files, byte-compatible with the official ones:
 * list_attr_celeba.txt (count, names with a trailing space, rows aligned as
 * `000001.jpg -1  1  1 -1`), list_eval_partition.txt (`000001.jpg 0`), and
 * Kaggle's CSV forms. Used by the fixture generator and by tests.
 */

export interface FormatOptions {
  /** 'txt' (default) or Kaggle's 'csv'. */
  readonly format?: 'txt' | 'csv';
  /** Line ending (default CRLF, as in the official files). */
  readonly eol?: '\r\n' | '\n';
  /** Line-1 count of the .txt form (default: the number of rows). */
  readonly declaredCount?: number;
}

/**
 * Formats attribute annotations.
 *
 * @param names attribute names
 * @param ids image file name per row
 * @param labels row-major [ids.length, names.length], nonzero = +1
 */
export const formatCelebaAttributes = (
  names: readonly string[],
  ids: readonly string[],
  labels: ArrayLike<number>,
  options: FormatOptions = {},
): string => {
  const eol = options.eol ?? '\r\n';
  const k = names.length;
  if (labels.length !== ids.length * k) {
    throw new RangeError(`formatCelebaAttributes: ${labels.length} labels for ${ids.length} rows of ${k}`);
  }
  const out: string[] = [];
  if (options.format === 'csv') {
    out.push(['image_id', ...names].join(','));
    for (let r = 0; r < ids.length; r++) {
      let line = ids[r];
      for (let j = 0; j < k; j++) line += labels[r * k + j] ? ',1' : ',-1';
      out.push(line);
    }
  } else {
    out.push(String(options.declaredCount ?? ids.length));
    out.push(`${names.join(' ')} `);
    for (let r = 0; r < ids.length; r++) {
      let line = ids[r];
      for (let j = 0; j < k; j++) line += labels[r * k + j] ? '  1' : ' -1';
      out.push(line);
    }
  }
  return out.join(eol) + eol;
};

/**
 * Formats a partition file.
 *
 * @param ids image file name per row
 * @param codes 0 train, 1 val, 2 test per row
 */
export const formatCelebaPartition = (
  ids: readonly string[],
  codes: ArrayLike<number>,
  options: Omit<FormatOptions, 'declaredCount'> = {},
): string => {
  const eol = options.eol ?? '\r\n';
  const sep = options.format === 'csv' ? ',' : ' ';
  const out: string[] = options.format === 'csv' ? ['image_id,partition'] : [];
  for (let r = 0; r < ids.length; r++) out.push(`${ids[r]}${sep}${codes[r]}`);
  return out.join(eol) + eol;
};

/** CelebA's image file name of a 1-based index: 1 -> `000001.jpg`. */
export const celebaImageName = (index: number): string => `${String(index).padStart(6, '0')}.jpg`;
