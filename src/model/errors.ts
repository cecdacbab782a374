/**
 * Errors of model building, loading and saving, as tagged values.
 */

export type ModelError =
  | { readonly _tag: 'UnknownBackbone'; readonly name: string; readonly known: readonly string[] }
  | { readonly _tag: 'BadModelOption'; readonly field: string; readonly message: string }
  | { readonly _tag: 'ModelFileMissing'; readonly path: string }
  | { readonly _tag: 'BadModelFile'; readonly path: string; readonly message: string }
  | { readonly _tag: 'IncompatibleBackbone'; readonly path: string; readonly message: string }
  | { readonly _tag: 'ModelWriteFailed'; readonly path: string; readonly message: string };

/** One line naming the file or field, for the CLI. */
export const describeModelError = (e: ModelError): string => {
  switch (e._tag) {
    case 'UnknownBackbone':
      return `unknown backbone '${e.name}': known backbones are ${e.known.join(', ')}`;
    case 'BadModelOption':
      return `${e.field}: ${e.message}`;
    case 'ModelFileMissing':
      return `${e.path}: no such file`;
    case 'BadModelFile':
      return `${e.path}: ${e.message}`;
    case 'IncompatibleBackbone':
      return `${e.path}: ${e.message}`;
    case 'ModelWriteFailed':
      return `${e.path}: could not write model: ${e.message}`;
  }
};

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
