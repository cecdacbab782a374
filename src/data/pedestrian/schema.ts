/**
 * The shape of a pedestrian attribute file (Market-1501 attribute,
 * DukeMTMC-reID attribute): its splits, its attributes and their codes, the
 * colour groups. The schemas themselves live in ../market1501.ts and ../duke.ts.
 */

export type PedestrianSplit = 'train' | 'test';
export const PEDESTRIAN_SPLITS: readonly PedestrianSplit[] = ['train', 'test'];

/** One attribute as stored in the file. */
export interface AttributeDef {
  /** Field name in the file (e.g. 'gender', 'upblack'). */
  readonly name: string;
  /** Meaning of code 1, 2, ... (e.g. ['male', 'female'], ['no', 'yes'], ['young', 'teenager', 'adult', 'old']). */
  readonly values: readonly string[];
  readonly description: string;
}

/** A set of yes/no colour attributes that describe one garment ('up' + colour, 'down' + colour). */
export interface ColourGroup {
  /** Task name when the group is one softmax task: 'upcolor' / 'downcolor'. */
  readonly task: string;
  /** Attribute name prefix: 'up' / 'down'. */
  readonly prefix: string;
  /** Colour names in the schema's order; the attributes are prefix + colour. */
  readonly colours: readonly string[];
  readonly description: string;
}

/** A two-valued attribute coded 1 = no, 2 = yes (the files' usual encoding). */
export const yesNo = (name: string, description: string) => ({ name, values: ['no', 'yes'], description }) as const;

export interface PedestrianSchema {
  readonly dataset: 'market1501' | 'duke';
  /** Name of the MAT variable holding the struct with `train` and `test`. */
  readonly variable: string;
  /** Attributes that are not colours, in the canonical task order. */
  readonly attributes: readonly AttributeDef[];
  readonly colourGroups: readonly ColourGroup[];
  /** Field order of each split in the real file (for writers of look-alike files). */
  readonly fileFieldOrder: Readonly<Record<PedestrianSplit, readonly string[]>>;
  /** Order of the splits in the real file's root struct. */
  readonly fileSplitOrder: readonly PedestrianSplit[];
}

const YES_NO = ['no', 'yes'] as const;

/** Every attribute of a schema as stored in the file: non-colour ones, then each colour group's. */
export const allAttributes = (schema: PedestrianSchema): readonly AttributeDef[] => [
  ...schema.attributes,
  ...schema.colourGroups.flatMap((g) =>
    g.colours.map((c) => ({ name: g.prefix + c, values: YES_NO, description: `${g.description}: ${c}` })),
  ),
];

/** A code is valid for an attribute when it is one of 1..values.length. */
export const isValidCode = (code: number, def: AttributeDef): boolean =>
  Number.isInteger(code) && code >= 1 && code <= def.values.length;
