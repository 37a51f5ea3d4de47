// SPDX-License-Identifier: GPL-2.0-or-later
// Drives Debian's chromium (headless, through puppeteer-core; no browser is downloaded)
// through the etmem Cockpit page served by a real cockpit-ws + cockpit-bridge, while
// etmemctl changes etmemd on the same private system bus.  Run by test_cockpit.py,
// which starts etmemd, the bus and cockpit-ws and passes (environment):
//   URL           the page, http://127.0.0.1:PORT/cockpit/@localhost/etmem/index.html
//   ETMEMCTL      etmemctl;  BUS_ADDRESS  the private bus
//   CONFIG_WEB    a config file loaded over D-Bus (project web)
//   CONFIG_DB     a config file the test types into the page (project db)
//   SCREENSHOT    where the screenshot goes;  PROFILE  a fresh --user-data-dir
// Prints each step and exits 0, or 1 with what the page showed and what was expected.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import puppeteer from 'puppeteer-core';

const env = name => {
    if (!process.env[name])
        throw new Error(`${name} is not set; run through test_cockpit.py`);
    return process.env[name];
};
const URL = env('URL'), ETMEMCTL = env('ETMEMCTL'), BUS = env('BUS_ADDRESS');
const TIMEOUT = 20000;
const t0 = Date.now();
const log = msg => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}`);

function ctl(...args) {
    return execFileSync(ETMEMCTL, ['--address', BUS, ...args], { encoding: 'utf8', timeout: 30000 });
}

function daemonState(project) {
    const p = JSON.parse(ctl('status', '--json')).projects.find(x => x.name === project);
    return p ? p.state : undefined;
}

const consoleLines = [];
let browser, page;

// Waits until fn (run in the page with arg) returns a truthy value; fails with what
// the page showed.
async function waitPage(what, fn, arg) {
    try {
        const h = await page.waitForFunction(fn, { timeout: TIMEOUT, polling: 100 }, arg);
        return await h.jsonValue();
    } catch (e) {
        const text = await page.evaluate(() => document.body.innerText).catch(() => '(no page)');
        throw new Error(`timed out after ${TIMEOUT / 1000} s waiting for ${what}.\nThe page showed:\n${text}`);
    }
}

async function clickProjectButton(name, label) {
    const sel = `#projects tr[data-project="${name}"] button`;
    await waitPage(`an enabled '${label}' button for ${name}`,
                   ([s, l]) => { const b = document.querySelector(s); return b && !b.disabled && b.textContent === l; },
                   [sel, label]);
    await page.click(sel);
    log(`clicked ${label} on project ${name}`);
}

async function expectState(name, state) {
    await waitPage(`project ${name} shown as ${state}`, ([n, s]) => {
        const row = document.querySelector(`#projects tr[data-project="${n}"]`);
        return row && row.querySelector('.state').textContent === s;
    }, [name, state]);
    const d = daemonState(name);
    if (d !== state)
        throw new Error(`the page shows ${name} ${state} but etmemctl status says ${d}`);
    log(`project ${name}: page and etmemd both say ${state}`);
}

async function openPage() {
    browser = await puppeteer.launch({
        executablePath: '/usr/bin/chromium',
        headless: true,
        userDataDir: env('PROFILE'),
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
               '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage();
    page.on('console', m => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', e => consoleLines.push(`pageerror: ${e.message}`));
    await page.setViewport({ width: 1280, height: 900 });

    await page.goto(URL, { waitUntil: 'domcontentloaded' });
    await waitPage('the object tree (body[data-loaded])', () => document.body.dataset.loaded === 'true');
}

async function main() {
    await openPage();
    const rows = await page.$$eval('#projects tbody tr', r => r.length);
    if (rows !== 0)
        throw new Error(`expected no projects before the load, the page lists ${rows}`);
    log('page loaded from cockpit-ws, no projects yet');

    // 1. a project loaded over D-Bus (etmemctl apply = Manager1.LoadConfig) appears
    ctl('apply', '-f', env('CONFIG_WEB'));
    log('etmemctl apply -f CONFIG_WEB');
    await expectState('web', 'stopped');
    await waitPage('engine and task rows of web',
                   () => document.querySelector('#engines tr[data-project="web"][data-engine="sleeper"]') &&
                         document.querySelector('#tasks tr[data-project="web"][data-task="t1"]'));

    // 2. Start from the page; the page learns the new state from PropertiesChanged
    await clickProjectButton('web', 'Start');
    await expectState('web', 'running');
    const cycles = await waitPage('task t1 counting cycles on the page', () => {
        const c = document.querySelector('#tasks tr[data-task="t1"] .cycles');
        return c && Number(c.textContent) >= 2 ? Number(c.textContent) : 0;
    });
    log(`task t1 shows ${cycles} cycles (Task1.Cycles through PropertiesChanged)`);
    await page.screenshot({ path: env('SCREENSHOT'), fullPage: true });
    log(`screenshot: ${env('SCREENSHOT')}`);

    // 3. Stop from the page
    await clickProjectButton('web', 'Stop');
    await expectState('web', 'stopped');

    // 4. a config typed into the page goes through Manager1.LoadConfig
    await page.$eval('#config-text', (t, v) => { t.value = v; }, readFileSync(env('CONFIG_DB'), 'utf8'));
    await page.click('#config-load');
    const result = await waitPage('the Load result', () => document.getElementById('config-result').textContent);
    log(`Load: "${result}"`);
    if (result !== 'Created 3 objects.')
        throw new Error(`Load said "${result}", expected "Created 3 objects."`);
    await expectState('db', 'stopped');

    // 4b. a refused config: etmemd's message (line, key, range) on the page, nothing added
    await page.$eval('#config-text', t => { t.value = '[project]\nname=bad\nloop=121\ninterval=1\nsleep=1\n'; });
    await page.click('#config-load');
    const refusal = await waitPage('the error for loop=121', () => {
        const e = document.getElementById('error');
        return !e.hidden && e.innerText;
    });
    log(`refused config, the page says: ${refusal.replace(/\s+/g, ' ')}`);
    if (!/:3: key 'loop': 121 is out of range 1\.\.120/.test(refusal))
        throw new Error(`the error should name line 3 and the key loop; the page says: ${refusal}`);
    if (await page.$('#projects tr[data-project="bad"]'))
        throw new Error('a refused config added project bad to the page');
    if (daemonState('bad') !== undefined)
        throw new Error('a refused config added project bad to etmemd');
    await page.click('#error-close');

    // 5. a change made elsewhere (etmemctl) shows up too
    ctl('start', 'db');
    await expectState('db', 'running');
    ctl('stop', 'db');
    await expectState('db', 'stopped');

    // 6. kernel features as Manager1.KernelFeatures has them
    const want = JSON.parse(ctl('features', '--json')).kernel_features;
    const got = await page.$$eval('#features tbody tr', rs =>
        Object.fromEntries(rs.map(r => [r.cells[0].textContent, r.cells[1].textContent])));
    if (JSON.stringify(got) !== JSON.stringify(Object.fromEntries(Object.entries(want).sort())))
        throw new Error(`kernel features on the page:\n${JSON.stringify(got)}\nexpected:\n${JSON.stringify(want)}`);
    log(`kernel features: ${Object.keys(got).length} entries, as etmemctl features says`);

    const errors = await page.$eval('#error', e => e.hidden ? '' : e.innerText);
    if (errors)
        throw new Error(`the page shows an error: ${errors}`);
}

// SCENARIO=denied: cockpit-ws runs as user nobody, whom polkit (absent on the private
// bus: denied) does not allow to start a project.
async function denied() {
    await openPage();
    await expectState('web', 'stopped');
    await clickProjectButton('web', 'Start');
    const msg = await waitPage('an error for the refused Start', () => {
        const e = document.getElementById('error');
        return !e.hidden && e.innerText;
    });
    log(`Start as nobody, the page says: ${msg.replace(/\s+/g, ' ')}`);
    if (!/Start web/.test(msg))
        throw new Error(`the error should name the refused call (Start web); the page says: ${msg}`);
    await expectState('web', 'stopped');
    const b = await page.$eval('#projects tr[data-project="web"] button', e => !e.disabled && e.textContent);
    if (b !== 'Start')
        throw new Error(`after the refusal the button should offer Start again, it shows ${b}`);
    await page.screenshot({ path: env('SCREENSHOT'), fullPage: true });
}

let status = 0;
try {
    await (process.env.SCENARIO === 'denied' ? denied() : main());
    log('PASS');
} catch (e) {
    status = 1;
    console.log(`FAIL: ${e.message}`);
    if (page)
        await page.screenshot({ path: env('SCREENSHOT').replace(/\.png$/, '-failed.png'), fullPage: true })
            .catch(() => {});
} finally {
    if (status || process.env.VERBOSE)
        console.log('browser console:\n  ' + consoleLines.join('\n  '));
    if (browser)
        await browser.close();
}
process.exit(status);
