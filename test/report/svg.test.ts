import test from 'ava';
import { escapeXml, lineChart, niceTicks, smallMultiples } from '../../src/report/svg.js';

test('niceTicks covers the range with round steps', (t) => {
  t.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  t.deepEqual(niceTicks(0, 1000, 4), [0, 250, 500, 750, 1000]);
  t.deepEqual(niceTicks(3, 3), [3]);
});

test('a line chart draws one path per series, breaking on non-finite values', (t) => {
  const svg = lineChart(
    [
      { name: 'a', points: [[0, 1], [1, 2], [2, 3]] },
      { name: 'b<&>', points: [[0, 1], [1, NaN], [2, 2]] },
    ],
    { title: 'Loss' },
  );
  t.true(svg.startsWith('<svg'));
  t.is((svg.match(/<path /g) ?? []).length, 2);
  // The NaN point breaks the second line into two moves.
  const second = svg.split('<path ')[2];
  t.is((second.match(/M/g) ?? []).length, 2);
  t.true(svg.includes(escapeXml('b<&>')));
  t.false(svg.includes('b<&>'));
});

test('small multiples lay panels out in a grid with shared y', (t) => {
  const panels = Array.from({ length: 10 }, (_, i) => ({ title: `task ${i}`, series: [{ name: 'w', points: [[1, i], [2, i + 1]] as [number, number][] }] }));
  const svg = smallMultiples(panels, { columns: 4, panelWidth: 100, panelHeight: 80, sharedY: true, title: 'weights' });
  t.regex(svg, /width="400" height="268"/);
  for (let i = 0; i < 10; i++) t.true(svg.includes(`>task ${i}<`));
});
