// Load report pages in headless Debian chromium from file:// and report,
// as JSON on stdout, what tests/it/report.rs checks: every <img> and its
// natural size, console errors, failed requests and any request that is
// not file:// or data:. A full-page screenshot of each page is kept.
//
// usage: node check.mjs SCREENSHOT_DIR PAGE.html...
import { chromium } from 'playwright-core';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [shots, ...pages] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // The network here is closed: no background traffic, no update checks.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const results = [];
for (const file of pages) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(path.resolve(file)).href, { waitUntil: 'load' });
  const images = await page.evaluate(() => [...document.images].map((i) => ({
    src: i.getAttribute('src'), alt: i.getAttribute('alt'), complete: i.complete,
    width: i.naturalWidth, height: i.naturalHeight,
  })));
  const shot = path.join(shots, path.basename(path.dirname(path.resolve(file))) + '-' + path.basename(file, '.html') + '.png');
  await page.screenshot({ path: shot, fullPage: true });
  results.push({ page: file, images, errors, requests, screenshot: shot });
  await context.close();
}
await browser.close();
console.log(JSON.stringify(results));
