/**
 * The option tables: each command's --help lists every option it accepts, and the command
 * refuses one not in its table, so usage text and parser cannot drift apart; and the table's
 * parsing itself (typed values, defaults, error wording, implicit values).
 */
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { BENCHMARK_NAMES } from '../../cli/bench/bench.js';
import { celebaLoadSpec } from '../../cli/bench/celebaLoad.js';
import { compareSpec as benchCompareSpec } from '../../cli/bench/compare.js';
import { dashboardSpec } from '../../cli/bench/dashboard.js';
import { decodeSpec } from '../../cli/bench/decode.js';
import { inputSpec } from '../../cli/bench/input.js';
import { soakSpec } from '../../cli/bench/soak.js';
import { startupSpec } from '../../cli/bench/startup.js';
import { stepSpec } from '../../cli/bench/step.js';
import { commands } from '../../cli/commandTable.js';
import { backendsSpec } from '../../cli/commands/backends.js';
import { atLevel, compareSpec } from '../../cli/commands/compare.js';
import { datasetSpec } from '../../cli/commands/dataset.js';
import { demoSpec } from '../../cli/commands/demo.js';
import { evalSpec } from '../../cli/commands/eval.js';
import { predictSpec } from '../../cli/commands/predict.js';
import { prepareSpec } from '../../cli/commands/prepare.js';
import { replaySpec } from '../../cli/commands/replay.js';
import { serveSpec } from '../../cli/commands/serve.js';
import { trainSpec } from '../../cli/commands/train.js';
import { choice, type CommandSpec, flag, integer, number, type OptionTable, parseOptions, text, usageText } from '../../cli/options/optionTable.js';
import { runInProcess } from './run.js';

/** Every command and benchmark: its spec, and the argv prefix that reaches its options. */
const SPECS: readonly { readonly argv: readonly string[]; readonly spec: CommandSpec<OptionTable> }[] = [
  { argv: ['demo'], spec: demoSpec() },
  { argv: ['train'], spec: trainSpec() },
  { argv: ['eval'], spec: evalSpec() },
  { argv: ['predict'], spec: predictSpec() },
  { argv: ['dataset', 'info'], spec: datasetSpec('info') },
  { argv: ['dataset', 'show'], spec: datasetSpec('show') },
  { argv: ['replay'], spec: replaySpec() },
  { argv: ['prepare'], spec: prepareSpec() },
  { argv: ['serve'], spec: serveSpec() },
  { argv: ['backends'], spec: backendsSpec() },
  { argv: ['compare'], spec: compareSpec() },
  { argv: ['bench', 'input'], spec: inputSpec() },
  { argv: ['bench', 'step'], spec: stepSpec() },
  { argv: ['bench', 'soak'], spec: soakSpec() },
  { argv: ['bench', 'decode'], spec: decodeSpec() },
  { argv: ['bench', 'celeba-load'], spec: celebaLoadSpec() },
  { argv: ['bench', 'startup'], spec: startupSpec() },
  { argv: ['bench', 'compare'], spec: benchCompareSpec() },
  { argv: ['bench', 'dashboard'], spec: dashboardSpec() },
];

test('the list above covers every command and every benchmark', (t) => {
  const covered = new Set(SPECS.map((s) => s.argv.join(' ')));
  for (const name of Object.keys(commands)) if (name !== 'bench' && name !== 'dataset') t.true(covered.has(name), name);
  for (const name of BENCHMARK_NAMES) t.true(covered.has(`bench ${name}`), `bench ${name}`);
  t.true(covered.has('dataset info') && covered.has('dataset show'));
  for (const { argv, spec } of SPECS) t.is(spec.name, argv.join(' '));
});

for (const { argv, spec } of SPECS) {
  const name = argv.join(' ');
  test(`${name}: --help lists every option of its table, and its synopsis names none outside it`, async (t) => {
    const r = await runInProcess([...argv, '--help']);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, `${usageText(spec)}\n`);
    const listed = r.stdout.slice(r.stdout.indexOf('\nOptions:\n'));
    for (const option of [...Object.keys(spec.options), 'help']) t.regex(listed, new RegExp(`^ +(-h, )?--${option}( |$)`, 'm'), `--${option}`);
    const taken = new Set([...Object.keys(spec.options), 'help']);
    for (const line of spec.synopsis) for (const m of line.matchAll(/--([a-z][a-z0-9-]*)/g)) t.true(taken.has(m[1]), `synopsis: --${m[1]}`);
  });
  test(`${name}: an option not in its table is a usage error (exit 2)`, async (t) => {
    const r = await runInProcess([...argv, '--no-such-option', 'x']);
    t.is(r.code, 2);
    t.is(r.stdout, '');
    t.regex(r.stderr, new RegExp(`^awmtl: ${name}: Unknown option '--no-such-option' \\(see 'awmtl ${name} --help'\\)\\n$`));
  });
}

const spec = {
  name: 'try',
  synopsis: ['try [options] FILE'],
  options: {
    'batch-size': integer({ default: 64, help: 'images per evaluation batch' }),
    limit: integer({ help: 'the first N only' }),
    seed: integer({ metavar: 'S', min: 0, default: 0, help: 'seed' }),
    lr: number({ check: (x) => x > 0, expectation: 'a positive number', help: 'learning rate', defaultText: "the optimizer's" }),
    split: choice(['train', 'val', 'test'], { default: 'test', help: 'which split' }),
    port: integer({ min: 0, max: 65535, metavar: '[PORT]', implicit: '8600', expectation: 'a port number (0 to 65535)', help: 'serve on PORT' }),
    name: text({ metavar: 'NAME', help: 'a name' }),
    json: flag('print JSON'),
  },
  positionals: { metavar: 'FILE', min: 1, max: 1 },
} satisfies CommandSpec<OptionTable>;

test('parseOptions: typed values with their defaults, the options given, and their text', (t) => {
  const r = parseOptions(spec, ['--limit', '5', '--json', 'f.txt', '--split=val', '--lr', '0.5']);
  if (E.isLeft(r) || r.right === 'help') return t.fail();
  t.deepEqual(r.right.values, { 'batch-size': 64, limit: 5, seed: 0, lr: 0.5, split: 'val', port: undefined, name: undefined, json: true });
  t.deepEqual(r.right.positionals, ['f.txt']);
  t.deepEqual([...r.right.given], ['limit', 'json', 'split', 'lr']);
  t.deepEqual(r.right.raw, { limit: '5', json: true, split: 'val', lr: '0.5' });
  t.is(parseOptions(spec, ['-h']).valueOf().toString(), E.right('help').toString());
});

test('parseOptions: bad values, unknown options and stray arguments are usage errors worded after the option', (t) => {
  const message = (argv: string[]): string => {
    const r = parseOptions(spec, argv);
    return E.isLeft(r) ? r.left.message : 'parsed';
  };
  t.is(message(['--limit', 'abc', 'f']), '--limit must be a positive integer, got "abc"');
  t.is(message(['--limit', '0', 'f']), '--limit must be a positive integer, got "0"');
  t.is(message(['--seed=-1', 'f']), '--seed must be a non-negative integer, got "-1"');
  t.is(message(['--batch-size', '', 'f']), '--batch-size must be a positive integer, got ""');
  t.is(message(['--lr', '0', 'f']), '--lr must be a positive number, got "0"');
  t.is(message(['--split', 'dev', 'f']), '--split must be one of train, val, test, got "dev"');
  t.is(message(['--port', '70000', 'f']), '--port must be a port number (0 to 65535), got "70000"');
  t.is(message(['--magic', 'f']), "Unknown option '--magic'");
  t.is(message(['--name']), "Option '--name <value>' argument missing");
  t.is(message([]), 'expected 1 FILE argument, got 0');
  t.is(message(['a', 'b']), 'expected 1 FILE argument, got 2');
  t.is(message(['--json=yes', 'f']), "Option '--json' does not take an argument");
});

test('an option with an implicit value takes it when given alone, last or before another option', (t) => {
  const port = (argv: string[]): unknown => {
    const r = parseOptions(spec, ['f', ...argv]);
    return E.isLeft(r) || r.right === 'help' ? r : r.right.values.port;
  };
  t.is(port(['--port']), 8600);
  t.is(port(['--port', '--json']), 8600);
  t.is(port(['--port', '9001']), 9001);
  t.is(port([]), undefined);
});

test('usageText: synopsis, then the aligned options with their defaults, --help included', (t) => {
  t.is(
    usageText(spec),
    [
      'usage: awmtl try [options] FILE',
      '',
      'Options:',
      '  --batch-size N          images per evaluation batch (default 64)',
      '  --limit N               the first N only',
      '  --seed S                seed (default 0)',
      "  --lr X                  learning rate (default the optimizer's)",
      '  --split train|val|test  which split (default test)',
      '  --port [PORT]           serve on PORT',
      '  --name NAME             a name',
      '  --json                  print JSON',
      '  -h, --help              print this help',
    ].join('\n'),
  );
});

test('compare --level epoch sets the epoch-level parameter of the strategies that declare one (DWA: k), and only theirs', (t) => {
  const strategies: { name: string; params: Record<string, number> }[] = [
    { name: 'vlt', params: { k: 100 } },
    { name: 'dwa', params: { k: 100, temperature: 2 } },
  ];
  t.deepEqual(atLevel(strategies, 'window', 37).strategies, strategies);
  const epoch = atLevel(strategies, 'epoch', 37);
  t.deepEqual(epoch.strategies, [
    { name: 'vlt', params: { k: 100 } },
    { name: 'dwa', params: { k: 37, temperature: 2 } },
  ]);
  t.regex(epoch.info ?? '', /epoch level \(37 iterations per epoch\): dwa --k 37; the others unchanged/);
  t.regex(atLevel([strategies[0]], 'epoch', 37).info ?? '', /none of vlt has an epoch-level form/);
});
