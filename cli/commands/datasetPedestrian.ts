/**
 * `awmtl dataset info|show --pipeline market1501|duke`: what a pedestrian attribute file (and, when
 * given, its image folders) holds, and one identity's attributes by name.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DUKE_SOURCE } from '../../pipelines/duke.js';
import { MARKET_SOURCE } from '../../pipelines/market1501.js';
import { findAnnotationFile, type PedestrianSource } from '../../pipelines/pedestrian.js';
import {
  allAttributes,
  datasetInfo,
  type DatasetInfo,
  listPedestrianImages,
  loadPedestrianAttributes,
  type PedestrianAnnotations,
  type PedestrianSplit,
  showIdentity,
} from '../../src/data/pedestrian.js';
import { attributeTable, type AttributeJson, byKind, data, type DatasetArgs, type Finding, problemLines, type ProblemsByKind, usage } from './datasetReport.js';

const PEDESTRIAN: Readonly<Record<string, PedestrianSource>> = { market1501: MARKET_SOURCE, duke: DUKE_SOURCE };


const pedestrianSource = (p: DatasetArgs, command: string): PedestrianSource => {
  const name = p.values.pipeline;
  if (name === undefined) return usage(`--pipeline is required (${command === 'info' ? 'market1501, duke or celeba' : 'market1501 or duke'})`);
  const source = PEDESTRIAN[name];
  if (source === undefined) return usage(`unknown pipeline "${name}" for dataset ${command} (known: ${Object.keys(PEDESTRIAN).join(', ')}${command === 'info' ? ', celeba' : ''})`);
  return source;
};

const loadAnnotations = async (source: PedestrianSource, p: DatasetArgs): Promise<PedestrianAnnotations> => {
  const dir = p.values.data;
  const given = p.values.annotations;
  if (dir === undefined && given === undefined) usage('give --data DIR or --annotations FILE');
  const file = findAnnotationFile(source, dir, given);
  if (E.isLeft(file)) return data(file.left.message);
  const ann = await loadPedestrianAttributes(source.schema, file.right)();
  if (E.isLeft(ann)) return data(ann.left.message);
  return ann.right;
};

const colourMode = (p: DatasetArgs): 'groups' | 'binary' => {
  const c = p.values.colours ?? 'groups';
  if (c !== 'groups' && c !== 'binary') return usage(`--colours must be groups or binary, got ${JSON.stringify(c)}`);
  return c;
};

const attributesJson = (info: DatasetInfo, values: ReadonlyMap<string, readonly string[]>): AttributeJson[] =>
  info.attributes.map((a) =>
    a.kind === 'binary'
      ? { name: a.name, kind: 'binary', values: values.get(a.name) ?? ['no', 'yes'], positiveRate: a.positiveRate }
      : { name: a.name, kind: 'multiclass', classes: a.kind.multiclass, positiveRate: a.positiveRate },
  );

export interface PedestrianInfoJson {
  readonly pipeline: string;
  readonly annotations: string;
  readonly imageRoot: string | null;
  readonly colours: 'groups' | 'binary';
  readonly splits: DatasetInfo['splits'];
  readonly attributes: readonly AttributeJson[];
  readonly tasks: readonly AttributeJson[];
  readonly problems: ProblemsByKind;
}

export const pedestrianInfo = async (p: DatasetArgs): Promise<PedestrianInfoJson> => {
  const source = pedestrianSource(p, 'info');
  const colours = colourMode(p);
  for (const o of ['id', 'partition', 'seed', 'split']) if (p.given.has(o)) usage(`--${o} does not apply to dataset info --pipeline ${source.name}`);
  const ann = await loadAnnotations(source, p);
  const dir = p.values.data;
  let images;
  if (dir !== undefined) {
    const listed = await listPedestrianImages(dir)();
    if (E.isLeft(listed)) return data(listed.left.message);
    images = listed.right;
  }
  const withImages = images === undefined ? {} : { images };
  const fileForm = datasetInfo(ann, { colours: 'binary', ...withImages });
  const asTrained = colours === 'binary' ? fileForm : datasetInfo(ann, { colours, ...withImages });
  const values = new Map(allAttributes(ann.schema).map((a) => [a.name, a.values]));
  const problems: Finding[] = [...asTrained.problems];
  if (images !== undefined) {
    for (const [folder, l] of Object.entries(images.folders)) {
      if (l.junk > 0) {
        problems.push({
          kind: 'junk-images',
          subject: folder,
          count: l.junk,
          examples: [],
          message: `${dir}/${folder}: ${l.junk} junk image${l.junk === 1 ? '' : 's'} (identity -1 or 0000) left out`,
        });
      }
    }
  }
  return {
    pipeline: source.name,
    annotations: ann.file,
    imageRoot: dir ?? null,
    colours,
    splits: asTrained.splits,
    attributes: attributesJson(fileForm, values),
    tasks: attributesJson(asTrained, values),
    problems: byKind(problems),
  };
};

export const formatPedestrianInfo = (info: PedestrianInfoJson): string => {
  const splits = Object.keys(info.splits);
  const title = info.pipeline === 'market1501' ? 'Market-1501' : 'DukeMTMC-reID';
  const lines = [`${title} attributes: ${info.annotations}${info.imageRoot === null ? '' : `; images in ${info.imageRoot}`}`, ''];
  lines.push(`${'split'.padEnd(6)}  identities${info.imageRoot === null ? '' : '   images'}`);
  for (const s of splits) {
    const x = info.splits[s];
    lines.push(`${s.padEnd(6)}  ${String(x.identities).padStart(10)}${x.images === undefined ? '' : String(x.images).padStart(9)}`);
  }
  lines.push('', `${info.attributes.length} attributes (share of identities with the second value, or with each class):`, ...attributeTable(info.attributes, splits));
  lines.push('', `${info.tasks.length} tasks (--colours ${info.colours}): ${info.tasks.map((t) => (t.kind === 'binary' ? t.name : `${t.name} (${t.classes?.length} classes)`)).join(', ')}`);
  lines.push('', ...problemLines(info.problems));
  return lines.join('\n');
};

export const pedestrianShow = async (p: DatasetArgs): Promise<{ split: PedestrianSplit; id: string; file: string; attributes: Readonly<Record<string, string>> }> => {
  const source = pedestrianSource(p, 'show');
  for (const o of ['colours', 'partition', 'seed']) if (p.given.has(o)) usage(`--${o} does not apply to dataset show`);
  const idGiven = p.values.id;
  if (idGiven === undefined || idGiven.trim() === '') return usage('--id ID is required (e.g. --id 0001)');
  const splitGiven = p.values.split;
  if (splitGiven !== undefined && splitGiven !== 'train' && splitGiven !== 'test') return usage(`--split must be train or test, got ${JSON.stringify(splitGiven)}`);
  const ann = await loadAnnotations(source, p);
  const candidates = [idGiven.trim()];
  if (/^\d{1,3}$/.test(idGiven.trim())) candidates.push(idGiven.trim().padStart(4, '0'));
  const splits: PedestrianSplit[] = splitGiven === undefined ? ['test', 'train'] : [splitGiven];
  for (const id of candidates) {
    for (const split of splits) {
      if (ann.splits[split].ids.includes(id)) {
        const shown = showIdentity(ann, split, id);
        if (E.isLeft(shown)) return data(shown.left.message);
        return { split, id, file: ann.file, attributes: shown.right };
      }
    }
  }
  const id = candidates[candidates.length - 1];
  if (splitGiven === undefined) {
    return data(`${ann.file}: no identity ${id} in either split (train ${ann.splits.train.ids.length}, test ${ann.splits.test.ids.length} identities)`);
  }
  // The reader's message: names the file, and the other split when the identity is there.
  const shown = showIdentity(ann, splitGiven, id);
  return data(E.isLeft(shown) ? shown.left.message : `${ann.file}: no ${splitGiven} identity ${id}`);
};
