/**
 * `awmtl dataset info|show`: what an annotation file (and, when given, its
 * image folders) holds, without training.
 *
 *   awmtl dataset info --pipeline market1501|duke|celeba (--data DIR | --annotations FILE) [--json]
 *   awmtl dataset show --pipeline market1501|duke (--data DIR | --annotations FILE) --id 0001 [--split test] [--json]
 *
 * `info --json` prints one object: `splits` (identities per split for the
 * pedestrian sets, rows for CelebA; `images` when an image folder is given),
 * `attributes` (the file's attributes: name, kind, classes or values, rate of
 * each value per split), `tasks` (the training tasks, for the pedestrian sets
 * under --colours) and `problems` (by kind: the summed count and each report).
 * `show` prints one identity's decoded attributes by name.
 *
 * Exit codes: 0 done, 1 a data problem (missing or malformed file, unknown
 * identity), 2 bad usage.
 */
import * as E from 'fp-ts/lib/Either.js';
import { failureLine } from '../fail.js';
import { type CommandSpec, flag, integer, type OptionTable, parseOptions, text, usageText } from '../options/optionTable.js';
import { type CommandIo, processIo } from '../options/runCommand.js';
import { celebaInfo, formatCelebaInfo } from './datasetCeleba.js';
import { folderInfo, folderShow, formatFolderInfo, loadFolder } from './datasetFolder.js';
import { formatPedestrianInfo, pedestrianInfo, pedestrianShow } from './datasetPedestrian.js';
import { Failure } from './datasetReport.js';

export type { CelebaInfoJson } from './datasetCeleba.js';
export type { PedestrianInfoJson } from './datasetPedestrian.js';
export type { ProblemsByKind } from './datasetReport.js';

/** Where the command writes (the process's streams; tests collect). */
export type DatasetIo = CommandIo;

export const datasetSpec = (sub: 'info' | 'show' = 'info') =>
  ({
    name: `dataset ${sub}`,
    synopsis: [
      'dataset info --pipeline market1501|duke|celeba (--data DIR | --annotations FILE) [--json]',
      'dataset show --pipeline market1501|duke (--data DIR | --annotations FILE) --id ID [--split test|train] [--json]',
      'dataset info|show --pipeline folder --data DIR [--labels FILE] [--split F,F,F] [--group-by COLUMN] [--seed S]',
    ],
    description:
      'info: splits (identities; images when --data holds them), every attribute with its kind and\n' +
      '      value rates per split, the training tasks, and the problems found in the data.\n' +
      'show: one identity\'s attributes decoded by name (e.g. {"gender": "female", "hair": "long", ...}).\n' +
      'folder: the label table as train reads it: tasks, value counts per split, empty cells; show --id IMAGE (its path in the table).',
    options: {
      pipeline: text({ metavar: 'NAME', help: 'market1501, duke, celeba or folder' }),
      data: text({ metavar: 'DIR', help: 'the dataset folder (annotation file looked for in it; images listed)' }),
      annotations: text({ metavar: 'FILE', help: 'the annotation file alone (market_attribute.mat, duke_attribute.mat, list_attr_celeba.txt)' }),
      colours: text({ metavar: 'MODE', help: '[market1501, duke] tasks: groups (default) or binary' }),
      split: text({
        metavar: 'NAME|F,F,F',
        help:
          '[show] train or test (default: the split that has the identity);\n' +
          '[celeba info, folder] a seeded split by image id, e.g. 0.8,0.1,0.1 (with --seed S)',
      }),
      id: text({ metavar: 'ID', help: '[show] identity, e.g. 0001 (1 is read as 0001); folder: the image\'s path in the table' }),
      partition: text({ metavar: 'FILE', help: '[celeba info] list_eval_partition.txt (default: found in --data)' }),
      labels: text({ metavar: 'FILE', help: '[folder] the label table (default DIR/labels.csv or DIR/labels.tsv)' }),
      'group-by': text({ metavar: 'COLUMN', help: '[folder] column whose groups the seeded split keeps whole' }),
      seed: integer({ metavar: 'S', min: 0, default: 0, help: 'seed of a seeded split' }),
      json: flag('one JSON object on stdout'),
    },
  }) satisfies CommandSpec<OptionTable>;

export const datasetUsage = (): string => usageText(datasetSpec());

// ---------------------------------------------------------------------------

export const datasetCommand = async (argv: readonly string[], io: DatasetIo = processIo): Promise<number> => {
  const [sub, ...rest] = argv;
  const print = (text: string): void => io.out(`${text}\n`);
  const fail = (message: string, code: 1 | 2): number => {
    io.err(`${failureLine(`dataset${sub === 'info' || sub === 'show' ? ` ${sub}` : ''}`, message, code === 2)}\n`);
    return code;
  };
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    print(datasetUsage());
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'info' && sub !== 'show') return fail(`unknown subcommand "${sub}" (info or show)`, 2);
  const parsed = parseOptions(datasetSpec(sub), rest);
  if (E.isLeft(parsed)) return fail(parsed.left.message, 2);
  if (parsed.right === 'help') {
    print(datasetUsage());
    return 0;
  }
  const p = { values: parsed.right.values, given: parsed.right.given };
  const v = p.values;
  const json = v.json;
  try {
    if (v.pipeline === 'folder') {
      const dir = v.data;
      if (dir === undefined) return fail('--data DIR is required for --pipeline folder', 2);
      const id = v.id;
      if (sub === 'show' && id === undefined) return fail('dataset show --pipeline folder needs --id IMAGE (its path as in the label table)', 2);
      const options = Object.fromEntries((['labels', 'split', 'group-by'] as const).flatMap((o) => (v[o] === undefined ? [] : [[o, v[o] as string]])));
      const loaded = await loadFolder(dir, options, v.seed);
      if (E.isLeft(loaded)) return fail(loaded.left, 1);
      if (sub === 'info') {
        const info = folderInfo(loaded.right);
        print(json ? JSON.stringify(info) : formatFolderInfo(info));
      } else {
        const shown = folderShow(loaded.right, id as string);
        if (shown === undefined) return fail(`no image ${JSON.stringify(id)} in ${String(loaded.right.facts.labelFile)}`, 1);
        if (json) print(JSON.stringify(shown));
        else {
          const width = Math.max(...Object.keys(shown.attributes).map((k) => k.length));
          print([`${shown.split} image ${id} (${shown.image})`, ...Object.entries(shown.attributes).map(([k, v]) => `  ${k.padEnd(width)}  ${v ?? '(missing)'}`)].join('\n'));
        }
      }
      return 0;
    }
    if (sub === 'info') {
      if (v.pipeline === 'celeba') {
        const info = await celebaInfo(p);
        print(json ? JSON.stringify(info) : formatCelebaInfo(info));
      } else {
        const info = await pedestrianInfo(p);
        print(json ? JSON.stringify(info) : formatPedestrianInfo(info));
      }
    } else {
      const shown = await pedestrianShow(p);
      if (json) print(JSON.stringify(shown.attributes));
      else {
        const width = Math.max(...Object.keys(shown.attributes).map((k) => k.length));
        print([`${shown.split} identity ${shown.id} (${shown.file})`, ...Object.entries(shown.attributes).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n'));
      }
    }
    return 0;
  } catch (error) {
    if (error instanceof Failure) return fail(error.message, error.code);
    throw error;
  }
};
