/**
 * Image folders in the standard re-id layout (bounding_box_train/,
 * bounding_box_test/, query/) and the Market-1501 / DukeMTMC-reID image names.
 */
import { readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { counted, problem, type PedestrianError, type Problem } from './problems.js';
import type { PedestrianSplit } from './schema.js';

/** The standard re-id folders and the annotation split each one uses. */
export const IMAGE_FOLDERS = {
  bounding_box_train: 'train',
  bounding_box_test: 'test',
  query: 'test',
} as const satisfies Record<string, PedestrianSplit>;

export type ImageFolder = keyof typeof IMAGE_FOLDERS;
export const IMAGE_FOLDER_NAMES = Object.keys(IMAGE_FOLDERS) as ImageFolder[];

export interface ParsedImageName {
  /** Identity as written ('0002', '-1'). */
  readonly id: string;
  readonly camera: number;
  /** Market's sequence number (c1s2 -> 2); undefined for Duke names. */
  readonly sequence?: number;
  readonly frame: number;
  /** Market's bounding-box index within the frame; undefined for Duke names. */
  readonly box?: number;
  /** Identity -1 (distractor/junk) or 0 (background). */
  readonly junk: boolean;
}

const NAME = /^(-1|\d+)_c(\d+)(?:s(\d+))?_f?(\d+)(?:_(\d+))?\.(?:jpe?g|png)$/i;

/**
 * Parse a Market-1501 (`0002_c1s1_000451_03.jpg`) or DukeMTMC-reID
 * (`0001_c2_f0046182.jpg`) image name; undefined when it is neither.
 */
export const parseImageName = (name: string): ParsedImageName | undefined => {
  const m = NAME.exec(name);
  if (m === null) return undefined;
  const id = m[1];
  return {
    id,
    camera: Number(m[2]),
    ...(m[3] === undefined ? {} : { sequence: Number(m[3]) }),
    frame: Number(m[4]),
    ...(m[5] === undefined ? {} : { box: Number(m[5]) }),
    junk: id === '-1' || Number(id) === 0,
  };
};

export interface PedestrianImage extends ParsedImageName {
  readonly folder: ImageFolder;
  /** File name within the folder. */
  readonly name: string;
  /** Path: root/folder/name. */
  readonly path: string;
}

export interface FolderListing {
  readonly folder: ImageFolder;
  /** Images of real identities, sorted by file name (the official evaluation's order). */
  readonly images: readonly PedestrianImage[];
  /** Images of identity -1 or 0 (excluded from `images`). */
  readonly junk: number;
  /** Image files whose names do not parse (excluded). */
  readonly unparsable: readonly string[];
  readonly present: boolean;
}

export interface ImageListing {
  readonly root: string;
  readonly folders: Readonly<Record<ImageFolder, FolderListing>>;
  readonly problems: readonly Problem[];
}

const IMAGE_FILE = /\.(jpe?g|png)$/i;

const listFolder = (root: string, folder: ImageFolder, names: readonly string[] | undefined): FolderListing => {
  if (names === undefined) return { folder, images: [], junk: 0, unparsable: [], present: false };
  const images: PedestrianImage[] = [];
  const unparsable: string[] = [];
  let junk = 0;
  for (const name of [...names].filter((n) => IMAGE_FILE.test(n)).sort()) {
    const parsed = parseImageName(name);
    if (parsed === undefined) unparsable.push(name);
    else if (parsed.junk) junk++;
    else images.push({ ...parsed, folder, name, path: join(root, folder, name) });
  }
  return { folder, images, junk, unparsable, present: true };
};

const listingOf = (root: string, names: Readonly<Record<ImageFolder, readonly string[] | undefined>>): ImageListing => {
  const folders = Object.fromEntries(IMAGE_FOLDER_NAMES.map((f) => [f, listFolder(root, f, names[f])])) as Record<ImageFolder, FolderListing>;
  const problems: Problem[] = [];
  for (const f of IMAGE_FOLDER_NAMES) {
    const l = folders[f];
    if (!l.present) problems.push(problem('missing-folder', f, [f], `${join(root, f)} does not exist`, IMAGE_FOLDERS[f]));
    if (l.unparsable.length > 0) {
      problems.push(problem('unparsable-file-names', f, l.unparsable, `${join(root, f)}: ${counted(l.unparsable.length, 'image name is', 'image names are')} not <id>_c<camera>... (skipped)`, IMAGE_FOLDERS[f]));
    }
  }
  return { root, folders, problems };
};

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === 'ENOENT';

const unreadable = (dir: string, e: unknown): PedestrianError => ({
  _tag: 'ImageFolderUnreadable',
  dir,
  message: `${dir}: cannot list images (${e instanceof Error ? e.message : String(e)})`,
});

/**
 * List the images of a dataset root in the standard layout (bounding_box_train/,
 * bounding_box_test/, query/). A missing folder is a problem, not a failure;
 * a root that cannot be listed at all is a Left.
 */
export const listPedestrianImages =
  (root: string): TE.TaskEither<PedestrianError, ImageListing> =>
  async () => {
    try {
      await readdir(root);
    } catch (e) {
      return E.left(unreadable(root, e));
    }
    const names: Partial<Record<ImageFolder, readonly string[] | undefined>> = {};
    for (const f of IMAGE_FOLDER_NAMES) {
      try {
        names[f] = await readdir(join(root, f));
      } catch (e) {
        if (!isMissing(e)) return E.left(unreadable(join(root, f), e));
        names[f] = undefined;
      }
    }
    return E.right(listingOf(root, names as Record<ImageFolder, readonly string[] | undefined>));
  };

/** Synchronous {@link listPedestrianImages}. */
export const listPedestrianImagesSync = (root: string): E.Either<PedestrianError, ImageListing> => {
  try {
    readdirSync(root);
  } catch (e) {
    return E.left(unreadable(root, e));
  }
  const names: Partial<Record<ImageFolder, readonly string[] | undefined>> = {};
  for (const f of IMAGE_FOLDER_NAMES) {
    try {
      names[f] = readdirSync(join(root, f));
    } catch (e) {
      if (!isMissing(e)) return E.left(unreadable(join(root, f), e));
      names[f] = undefined;
    }
  }
  return E.right(listingOf(root, names as Record<ImageFolder, readonly string[] | undefined>));
};

/** A listing built from file names alone (no disk access), e.g. for tests or a custom layout. */
export const imageListingFromNames = (root: string, names: Readonly<Partial<Record<ImageFolder, readonly string[]>>>): ImageListing =>
  listingOf(root, { bounding_box_train: names.bounding_box_train, bounding_box_test: names.bounding_box_test, query: names.query });
