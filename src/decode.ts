/**
 * io-ts decoding with messages that name the file and the field path, e.g.
 * `checkpoint.json: field weights.2: expected number, got "x"`.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';

export interface DecodeError {
  readonly _tag: 'DecodeError';
  readonly file: string;
  /** Dotted field path, e.g. `trainer.slots.0.shape`. Empty for the whole value. */
  readonly path: string;
  readonly message: string;
}

export const formatDecodeError = (e: DecodeError): string =>
  e.path === '' ? `${e.file}: ${e.message}` : `${e.file}: field ${e.path}: ${e.message}`;

const show = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 60)}...` : text;
};

/** Decode with a codec; the first error becomes a DecodeError naming the deepest field. */
export const decodeWith =
  <A, O>(codec: t.Type<A, O, unknown>, file: string) =>
  (value: unknown): E.Either<DecodeError, A> => {
    const result = codec.decode(value);
    if (E.isRight(result)) return E.right(result.right);
    const first = result.left[0];
    const path = first.context
      .map((c) => c.key)
      .filter((k) => k !== '')
      .join('.');
    const expected = first.context[first.context.length - 1]?.type.name ?? 'a valid value';
    return E.left({
      _tag: 'DecodeError',
      file,
      path,
      message: first.message ?? `expected ${expected}, got ${show(first.value)}`,
    });
  };

/** Parse JSON text, then decode. */
export const decodeJson =
  <A, O>(codec: t.Type<A, O, unknown>, file: string) =>
  (text: string): E.Either<DecodeError, A> => {
    try {
      return decodeWith(codec, file)(JSON.parse(text));
    } catch (error) {
      return E.left({ _tag: 'DecodeError', file, path: '', message: `not valid JSON (${(error as Error).message})` });
    }
  };
