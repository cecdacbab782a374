/**
 * The README's screenshots of the two browser pages, taken in Debian's Chromium:
 *
 *   node --import tsx docs/screenshots.ts RUN_DIR IMAGES_DIR IMAGE_NAME
 *
 * RUN_DIR is a finished run folder (its model and its log), IMAGES_DIR a folder
 * of faces and IMAGE_NAME the one shown on the predict page. Writes
 * docs/img/predict.png and docs/img/dashboard.png.
 */
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../cli/serve/server.js';

const [run, images, image] = process.argv.slice(2);
if (run === undefined || images === undefined || image === undefined) {
  process.stderr.write('usage: node --import tsx docs/screenshots.ts RUN_DIR IMAGES_DIR IMAGE_NAME\n');
  process.exit(2);
}
const out = (name: string): string => fileURLToPath(new URL(`img/${name}`, import.meta.url));
const browser = await chromium.launch({
  executablePath: process.env.AWMTL_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  const model = await startServer({ host: '127.0.0.1', port: 0, model: `${run}/model`, images });
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  await page.goto(`${model.url}?image=/images/${image}`);
  await page.waitForFunction(() => document.documentElement.dataset.status === 'done', undefined, { timeout: 60_000 });
  await page.screenshot({ path: out('predict.png') });
  await model.close();

  const dashboard = await startServer({ host: '127.0.0.1', port: 0, run });
  await page.setViewportSize({ width: 1100, height: 860 });
  await page.goto(dashboard.url);
  await page.waitForFunction(() => document.documentElement.dataset.status === 'finished', undefined, { timeout: 60_000 });
  await page.waitForTimeout(600);
  await page.screenshot({ path: out('dashboard.png') });
  await dashboard.close();
} finally {
  await browser.close();
}
