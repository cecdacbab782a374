import test from 'ava';
import { formatDuration, formatProgress, Progress } from '../../cli/progress.js';

test('formatDuration', (t) => {
  t.is(formatDuration(5.4), '5s');
  t.is(formatDuration(125), '2m05s');
  t.is(formatDuration(3725), '1h02m');
  t.is(formatDuration(NaN), '?');
});

test('formatProgress shows count, bar, rate, ETA and fields', (t) => {
  const line = formatProgress({ label: 'train', done: 50, total: 200, elapsedSeconds: 10, fields: ['val 0.41', 'w 0.50..1.90'], barWidth: 10 });
  t.is(line, 'train  50/200 [==>       ]  25% 5.00 it/s ETA 30s | val 0.41 | w 0.50..1.90');
});

test('off a terminal, progress prints at most every interval and always at the end', (t) => {
  const out: string[] = [];
  let clock = 0;
  const p = new Progress('it', 100, { write: (s: string) => out.push(s), isTTY: false }, () => clock, 5);
  for (let i = 1; i <= 100; i++) {
    clock = i * 0.25; // 25 s in all
    p.update(i);
  }
  // First call prints, then every 5 s (20 calls), and the final one.
  t.true(out.length >= 5 && out.length <= 7, `${out.length} lines`);
  t.regex(out[out.length - 1], /it 100\/100/);
});

test('on a terminal, progress redraws one line', (t) => {
  const out: string[] = [];
  let clock = 0;
  const p = new Progress('it', 3, { write: (s: string) => out.push(s), isTTY: true, columns: 200 }, () => clock);
  for (let i = 1; i <= 3; i++) {
    clock = i;
    p.update(i);
  }
  p.done(3);
  t.true(out.slice(0, 3).every((s) => s.startsWith('\r')));
  t.is(out[out.length - 1], '\n');
});
