/**
 * Screenshots of a suite report in headless Chromium, for the README and docs/ (docs/report-demo-*.png):
 * the report's top (title, models, summary) and one chart section, at 1280 px, the width the
 * browser test (test/report-browser.test.ts) checks.
 *
 *   node bin/holoclip.js run suites/demo.yaml          # the demo report: runs/demo/report/index.html
 *   node --import tsx tools/report/screenshot.ts [--report runs/demo/report/index.html] [--out-dir docs]
 *
 * Needs Debian's chromium (tools/test-env/chromium.sh) or HOLOCLIP_CHROMIUM.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import sharp from 'sharp';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const report = path.resolve(arg('report', 'runs/demo/report/index.html'));
const outDir = path.resolve(arg('out-dir', 'docs'));
const width = 1280;
const executablePath = process.env.HOLOCLIP_CHROMIUM ?? '/usr/bin/chromium';

/** One PNG of the page from the top of `fromId` to the bottom of `toId` (full width). */
async function shoot(page: Page, fromId: string, toId: string, file: string): Promise<void> {
  const box = async (id: string): Promise<{ y: number; height: number }> => {
    const b = await page.locator(`[id="${id}"]`).boundingBox();
    if (b === null) throw new Error(`${report}: no element #${id} to screenshot`);
    return b;
  };
  const top = Math.max(0, (await box(fromId)).y - 16);
  const end = await box(toId);
  const png = await page.screenshot({ clip: { x: 0, y: top, width, height: end.y + end.height + 16 - top }, fullPage: true });
  // A 256-colour palette: the page is text and flat colours, so this keeps it sharp at a third of the size.
  await fs.writeFile(file, await sharp(png).png({ palette: true, compressionLevel: 9 }).toBuffer());
  console.log(`wrote ${path.relative(process.cwd(), file)} (${(await fs.stat(file)).size} bytes)`);
}

if (!existsSync(report)) throw new Error(`${report} not found: run \`node bin/holoclip.js run suites/demo.yaml\` first, or give --report`);
if (!existsSync(executablePath)) throw new Error(`${executablePath} not found: run tools/test-env/chromium.sh, or set HOLOCLIP_CHROMIUM`);
const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
  await fs.mkdir(outDir, { recursive: true });
  await shoot(page, 'section-header', 'section-summary', path.join(outDir, 'report-demo-summary.png'));
  const er = await page.locator('figure.chart[id^="chart-er-"]').first().getAttribute('id');
  if (er !== null) await shoot(page, er, er, path.join(outDir, 'report-demo-er.png'));
} finally {
  await browser.close();
}
