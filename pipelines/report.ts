/** Writes a run's report: report.html with inline pictures, plus the charts as SVG files beside it. */
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { renderRunReport, type RunReportData, runCharts } from '../src/report/runReport.js';

export const writeRunReport = async (path: string, data: RunReportData): Promise<void> => {
  const dir = dirname(path);
  const charts = runCharts(data);
  await writeFile(join(dir, 'weights.svg'), charts.weights);
  await writeFile(join(dir, 'losses.svg'), charts.losses);
  await writeFile(join(dir, 'task-losses.svg'), charts.taskLosses);
  await writeFile(path, renderRunReport(data));
};
