import { existsSync, readFileSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { EventStore, type RecordedEvent } from '../../src/platform/event-store/event-store';
import { formatPosition } from '../../src/platform/event-store/position';
import { type Client, type Json, OAuthFixture } from '../support/oauth-fixtures';
import { type RunningApp, startApp } from '../support/running-app';

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it when missing). */
const CHROMIUM = '/usr/bin/chromium';
/** The flags a closed network needs: without the background ones Chromium keeps trying to phone home. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PAGE_POLICY =
  "default-src 'none';script-src 'self';style-src 'self';connect-src 'self';img-src 'self';" +
  "frame-ancestors 'none';base-uri 'none';form-action 'none'";
/** Set it (`AUDIT_PAGE_SCREENSHOT=docs/audit-page.png`) to save the admin's timeline for the README. */
const SCREENSHOT = process.env.AUDIT_PAGE_SCREENSHOT;
/** A user's name that would run script if the page ever parsed event data as HTML. */
const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const positionOf = (event: RecordedEvent) => formatPosition(event.position);

/**
 * The browser suite runs where Chromium is. Without it: a failure under CI (which installs it), else
 * skipped with the reason printed, never silently.
 */
function describeWithChromium(title: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(title, body);
    return;
  }
  const reason = `${CHROMIUM} is missing (apt-get install -y --no-install-recommends chromium)`;
  if (process.env.CI) {
    describe(title, () => {
      it('needs Chromium', () => {
        throw new Error(`${title}: ${reason}; CI must install it (.ci/run does)`);
      });
    });
    return;
  }
  process.stdout.write(`\n[skipped] ${title}: ${reason}.\n`);
  describe.skip(`${title} (skipped: Chromium missing)`, () => {
    it('needs Chromium', () => undefined);
  });
}

/** What a page did that it must not: console errors, uncaught exceptions, CSP violations; and every request. */
interface Watched {
  readonly page: Page;
  readonly consoleErrors: string[];
  readonly requests: { url: string; authorization: string | undefined }[];
  /** Answers that were refusals: `<status> <path>`. */
  readonly refused: string[];
  violations(): Promise<string[]>;
}

async function openPage(context: BrowserContext, baseUrl: string): Promise<Watched> {
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const requests: Watched['requests'] = [];
  const refused: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) refused.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  page.on('request', (request) =>
    requests.push({ url: request.url(), authorization: request.headers()['authorization'] }),
  );
  // Evaluated by the browser before the page's own script (DevTools protocol, not subject to the page's CSP).
  await page.addInitScript(
    "window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));",
  );
  const response = await page.goto(`${baseUrl}/audit`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toBe(PAGE_POLICY);
  return {
    page,
    consoleErrors,
    requests,
    refused,
    violations: () => page.evaluate<string[]>('window.__violations'),
  };
}

/** Waits until a status line has its answer (not empty, not "…ing…"); returns it. */
async function settled(page: Page, id: string): Promise<string> {
  await page.waitForFunction((target) => {
    // Run in the page; this file is compiled without the DOM's types.
    const text: string = (globalThis as any).document.getElementById(target).textContent;
    return text !== '' && !text.endsWith('…');
  }, id);
  return (await page.textContent(`#${id}`)) ?? '';
}

/** A definition list (under `within`) as term → description. */
async function factsOf(within: Locator): Promise<Record<string, string>> {
  const terms = await within.locator('dt').allTextContents();
  const descriptions = await within.locator('dd').allTextContents();
  return Object.fromEntries(terms.map((term, i) => [term, descriptions[i]]));
}

async function signIn(page: Page, credential: string): Promise<void> {
  await page.fill('#credential', credential);
  await page.click('#sign-in-form button[type=submit]');
}

const shownPositions = (page: Page, table: string) =>
  page.$$eval(`#${table} tbody tr[data-position]`, (rows) => rows.map((row) => row.getAttribute('data-position')));
const shownColumn = (page: Page, column: string) =>
  page.$$eval(`#timeline tbody tr[data-position] td.${column}`, (cells) => cells.map((cell) => cell.textContent));

async function applyFilters(page: Page, values: Record<string, string>): Promise<string> {
  await page.click('#filters button[type=reset]');
  await settled(page, 'timeline-status');
  for (const [name, value] of Object.entries(values)) {
    if (name === 'limit') await page.selectOption('#filters [name=limit]', value);
    else await page.fill(`#filters [name=${name}]`, value);
  }
  await page.click('#filters button[type=submit]');
  return settled(page, 'timeline-status');
}

/** What the browser keeps between visits: nothing of the credential may be there. */
async function expectNothingStored(watched: Watched, context: BrowserContext): Promise<void> {
  expect(await watched.page.evaluate('[localStorage.length, sessionStorage.length, document.cookie]')).toEqual([
    0,
    0,
    '',
  ]);
  expect(await context.cookies()).toEqual([]);
}

describe('the audit page is served with its own strict policy', () => {
  let service: RunningApp;
  beforeAll(async () => {
    service = await startApp();
  });
  afterAll(() => service.close());

  it.each([
    ['/audit', /^text\/html; charset=utf-8$/, '<title>Audit trail'],
    ['/audit/app.js', /^text\/javascript; charset=utf-8$/, "const API = '/api/admin/audit';"],
    ['/audit/app.css', /^text\/css; charset=utf-8$/, '.visually-hidden'],
    ['/audit/icon.svg', /^image\/svg\+xml$/, '<svg'],
  ])('%s: without a credential, the strict CSP, a strong ETag, revalidated', async (path, type, content) => {
    const response = await service.request(path, { auth: false });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(type);
    expect(await response.text()).toContain(content);
    expect(response.headers.get('content-security-policy')).toBe(PAGE_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);

    const again = await service.request(path, { auth: false, headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    const changed = await service.request(path, { auth: false, headers: { 'if-none-match': '"another"' } });
    expect(changed.status).toBe(200);
  });

  it('keeps the API policy on the audit API and the script free of its source-map comment', async () => {
    const api = await service.request('/api/admin/audit/events?limit=1');
    expect(api.headers.get('content-security-policy')).toBe(
      "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
    );
    expect(await (await service.request('/audit/app.js', { auth: false })).text()).not.toContain('sourceMappingURL');
  });
});

describeWithChromium('the audit page in Chromium', () => {
  let service: RunningApp;
  let oauth: OAuthFixture;
  let browser: Browser;
  let companyA: string;
  let companyB: string;
  let clientA: Client;
  let clientB: Client;
  let reviewerA: Client;
  let reviewerToken: string;
  const hostileUser = 'mallory-a';
  let agentA: string;
  /** An instant after alice-a registered and before she was renamed. */
  let beforeRename: string;
  const store = () => service.app.get(EventStore);
  const everything = () => store().readAll({ limit: 100_000 });

  beforeAll(async () => {
    service = await startApp({ AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0' });
    oauth = new OAuthFixture(service);
    companyA = await oauth.company('Alpha Assurance');
    companyB = await oauth.company('Beta Brokers');
    agentA = await oauth.agent(companyA, 'Underwriting assistant');
    const agentB = await oauth.agent(companyB, 'Claims assistant');
    clientA = await oauth.client(companyA);
    clientB = await oauth.client(companyB);
    await oauth.user(companyA, { id: 'alice-a', firstName: 'Alice', lastName: 'Archer' });
    await oauth.user(companyA, {
      id: hostileUser,
      firstName: HOSTILE_NAME,
      lastName: 'Mallory',
      email: 'mallory@alpha.example',
    });
    await oauth.user(companyB, { id: 'bella-b', firstName: 'Bella', lastName: 'Birch' });
    // Enough history for several pages of the timeline.
    for (const [company, prefix] of [
      [companyA, 'a'],
      [companyB, 'b'],
    ] as const) {
      for (let n = 1; n <= 9; n++)
        await oauth.user(company, { id: `staff-${prefix}${n}`, firstName: 'Staff', lastName: `${prefix}${n}` });
    }
    await oauth.admin('POST', '/api/admin/users/alice-a/agents', { agentId: agentA });
    await oauth.admin('POST', '/api/admin/users/bella-b/agents', { agentId: agentB });
    await oauth.tokens(clientA, 'alice-a');
    await oauth.tokens(clientB, 'bella-b');
    await oauth.tokens(clientB);
    await sleep(20);
    beforeRename = new Date().toISOString();
    await sleep(20);
    await oauth.admin('PATCH', '/api/admin/users/alice-a', { lastName: 'Archer-Smith' });
    await oauth.tokens(clientA);

    reviewerA = await oauth.client(companyA, { scopes: ['audit:read'] });
    const { response, body } = await oauth.token(
      { grant_type: 'client_credentials', scope: 'audit:read' },
      {
        form: true,
        headers: {
          authorization: `Basic ${Buffer.from(`${reviewerA.clientId}:${reviewerA.clientSecret}`).toString('base64')}`,
        },
      },
    );
    expect(response.status).toBe(200);
    reviewerToken = body.access_token as string;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await service.close();
  });

  it('the admin key: both companies, filters, paging, an event opened, a stream, an as-of, verify, export', async () => {
    const checkpoint = await oauth.admin('POST', '/api/admin/audit/checkpoints');
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1360, height: 900 } });
    const watched = await openPage(context, service.baseUrl);
    const { page } = watched;

    await signIn(page, service.adminKey);
    await settled(page, 'timeline-status');
    expect(await page.isVisible('#workspace')).toBe(true);
    expect(await page.isVisible('#sign-in')).toBe(false);
    expect(await page.textContent('#signed-in-as')).toBe('Signed in with the admin key');
    expect(await page.inputValue('#credential')).toBe('');
    const firstPage = await shownPositions(page, 'timeline');
    expect(firstPage).toEqual((await everything()).slice(0, 50).map(positionOf));
    expect(await shownColumn(page, 'company')).toEqual(expect.arrayContaining([companyA, companyB]));

    // Filtered by type: exactly the store's TokenIssued events.
    const status = await applyFilters(page, { type: 'TokenIssued' });
    const issued = (await everything()).filter((event) => event.type === 'TokenIssued');
    expect(status).toBe(`${issued.length} events on this page.`);
    expect(await shownPositions(page, 'timeline')).toEqual(issued.map(positionOf));
    expect(new Set(await shownColumn(page, 'type'))).toEqual(new Set(['TokenIssued']));

    // Filtered by company: company B's events only, B's client among them, none of A's.
    await applyFilters(page, { companyId: companyB, limit: '250' });
    const ofB = (await everything()).filter((event) => event.metadata.companyId === companyB);
    expect(await shownPositions(page, 'timeline')).toEqual(ofB.map(positionOf));
    expect(new Set(await shownColumn(page, 'company'))).toEqual(new Set([companyB]));
    expect(await page.textContent('#timeline')).toContain(clientB.clientId);

    // Paging: 25 a page, forward, forward, back, and to the first; every page is the store's order.
    await applyFilters(page, { limit: '25' });
    const all = (await everything()).map(positionOf);
    expect(await shownPositions(page, 'timeline')).toEqual(all.slice(0, 25));
    expect(await page.isDisabled('#previous-page')).toBe(true);
    await page.click('#next-page');
    await settled(page, 'timeline-status');
    expect(await shownPositions(page, 'timeline')).toEqual(all.slice(25, 50));
    expect(await page.textContent('#page-number')).toBe('Page 2');
    await page.click('#next-page');
    await settled(page, 'timeline-status');
    expect(await shownPositions(page, 'timeline')).toEqual(all.slice(50, 75));
    await page.click('#previous-page');
    await settled(page, 'timeline-status');
    expect(await shownPositions(page, 'timeline')).toEqual(all.slice(25, 50));
    await page.click('#first-page');
    await settled(page, 'timeline-status');
    expect(await shownPositions(page, 'timeline')).toEqual(all.slice(0, 25));

    // An event opened: its envelope, its chain hash, its data; a hostile name is text, and runs nothing.
    await applyFilters(page, { userId: hostileUser, type: 'UserRegistered' });
    const [registered] = (await everything()).filter(
      (event) => event.type === 'UserRegistered' && event.stream === `user-${hostileUser}`,
    );
    const row = page.locator(`#timeline tr[data-position="${positionOf(registered)}"]`);
    const details = row.locator('xpath=following-sibling::tr[1]');
    expect(await details.isVisible()).toBe(false);
    const toggle = row.getByRole('button', { name: `Details of event ${positionOf(registered)}` });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    expect(await details.isVisible()).toBe(true);
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await factsOf(details)).toEqual({
      position: positionOf(registered),
      'stream, revision': `user-${hostileUser} @ 0`,
      'chain hash': registered.metadata.hash,
      recorded: registered.recordedAt,
      actor: `admin:${registered.metadata.actor.id}`,
      'correlation id': registered.metadata.correlationId,
      company: companyA,
    });
    const data = JSON.parse((await details.locator('pre.data').textContent())!);
    expect(data).toEqual(registered.data);
    expect(data.firstName).toBe(HOSTILE_NAME);
    expect(await page.evaluate('[document.querySelectorAll("img").length, typeof window.__pwned]')).toEqual([
      0,
      'undefined',
    ]);

    if (SCREENSHOT) {
      await applyFilters(page, { userId: 'alice-a' });
      const tokenIssued = page.locator('#timeline tbody tr[data-position]', { hasText: 'TokenIssued' }).first();
      await tokenIssued.getByRole('button', { name: /^Details/ }).click();
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }

    // A stream's history, opened from the timeline.
    await applyFilters(page, { userId: 'alice-a' });
    await page.locator('#timeline button.stream-link', { hasText: 'user-alice-a' }).first().click();
    expect(await page.isVisible('#view-stream')).toBe(true);
    const aliceStream = (await everything()).filter((event) => event.stream === 'user-alice-a');
    expect(await settled(page, 'stream-status')).toBe(`user-alice-a: ${aliceStream.length} events, hash chain intact.`);
    expect(await shownPositions(page, 'stream-events')).toEqual(aliceStream.map(positionOf));

    // A user as of an instant before her rename, and who held a live token then.
    await page.click('#tab-instant');
    const userForm = page.locator('form[data-query=user]');
    await userForm.locator('[name=id]').fill('alice-a');
    await userForm.locator('[name=at]').fill(beforeRename);
    await userForm.locator('button').click();
    await settled(page, 'instant-status');
    const asOf = JSON.parse((await page.textContent('#instant-result'))!);
    expect(asOf).toMatchObject({ at: beforeRename, user: { lastName: 'Archer', companyId: companyA } });
    const tokensForm = page.locator('form[data-query=tokens]');
    await tokensForm.locator('[name=at]').fill(beforeRename);
    await tokensForm.locator('[name=userId]').fill('bella-b');
    await tokensForm.locator('button').click();
    await settled(page, 'instant-status');
    const live = JSON.parse((await page.textContent('#instant-result'))!);
    expect(live.grants.map((grant: Json) => [grant.userId, grant.clientId])).toEqual([['bella-b', clientB.clientId]]);
    const agentForm = page.locator('form[data-query=agent]');
    await agentForm.locator('[name=id]').fill(agentA);
    await agentForm.locator('[name=at]').fill(beforeRename);
    await agentForm.locator('button').click();
    await settled(page, 'instant-status');
    expect(JSON.parse((await page.textContent('#instant-result'))!)).toEqual({
      agentId: agentA,
      at: beforeRename,
      users: ['alice-a'],
    });
    const clientForm = page.locator('form[data-query=client]');
    await clientForm.locator('[name=id]').fill(clientB.clientId);
    await clientForm.locator('[name=at]').fill(beforeRename);
    await clientForm.locator('button').click();
    await settled(page, 'instant-status');
    expect(JSON.parse((await page.textContent('#instant-result'))!)).toMatchObject({
      at: beforeRename,
      client: { clientId: clientB.clientId, companyId: companyB, redirectUris: clientB.redirectUris },
    });

    // Verification, and the checkpoint the service signed.
    await page.click('#tab-verify');
    await page.click('#run-verify');
    expect(await settled(page, 'verify-status')).toBe('Verified: every chain and checkpoint holds.');
    expect(await factsOf(page.locator('#verify-result'))).toMatchObject({
      'sealed up to': checkpoint.toPosition,
      checkpoints: '1',
    });
    expect(await settled(page, 'checkpoint-status')).toBe(
      `Checkpoint 1, sealing up to event ${checkpoint.toPosition}.`,
    );
    expect(await factsOf(page.locator('#checkpoint-result'))).toEqual({
      sequence: '1',
      recordedAt: checkpoint.recordedAt,
      fromPosition: checkpoint.fromPosition,
      toPosition: checkpoint.toPosition,
      events: String(checkpoint.events),
      rollingHash: checkpoint.rollingHash,
      kid: checkpoint.kid,
      signature: checkpoint.signature,
    });

    // The export of the applied filters (company A), as a file.
    await page.click('#tab-timeline');
    await applyFilters(page, { companyId: companyA });
    await page.click('#tab-verify');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-ndjson')]);
    expect(download.suggestedFilename()).toBe('audit.ndjson');
    const lines = readFileSync(await download.path(), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    const ofA = (await everything()).filter((event) => event.metadata.companyId === companyA);
    expect(lines.map((line) => line.position)).toEqual(ofA.map(positionOf));
    expect(lines.find((line) => line.stream === 'user-alice-a')).toMatchObject({
      companyId: companyA,
      hash: /^[0-9a-f]{64}$/,
    });
    expect(await settled(page, 'export-status')).toMatch(/^Exported \d+ bytes as audit\.ndjson\.$/);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    expect(csv.suggestedFilename()).toBe('audit.csv');
    const rows = readFileSync(await csv.path(), 'utf8')
      .trimEnd()
      .split('\n');
    expect(rows[0]).toBe('position,stream,revision,type,time,actorKind,actorId,correlationId,companyId,hash,data');
    expect(rows.slice(1).map((row) => row.slice(0, row.indexOf(',')))).toEqual(ofA.map(positionOf));
    expect(await settled(page, 'export-status')).toMatch(/^Exported \d+ bytes as audit\.csv\.$/);

    // The credential went only into headers, and stays nowhere.
    const apiCalls = watched.requests.filter((request) => request.url.includes('/api/'));
    expect(apiCalls.length).toBeGreaterThan(10);
    for (const call of apiCalls) expect(call.authorization).toBe(`Bearer ${service.adminKey}`);
    for (const request of watched.requests) expect(request.url).not.toContain(service.adminKey);
    await expectNothingStored(watched, context);
    await page.click('#sign-out');
    expect(await page.isVisible('#workspace')).toBe(false);
    expect(await page.isVisible('#sign-in')).toBe(true);
    // Nothing read with it stays on the page either.
    expect(await page.locator('#timeline tbody tr').count()).toBe(0);
    expect(await page.inputValue('#filters [name=companyId]')).toBe('');
    expect(await page.textContent('#verify-status')).toBe('');
    expect(await page.textContent('#checkpoint-result')).toBe('');
    await expectNothingStored(watched, context);

    expect(watched.refused).toEqual([]);
    expect(watched.consoleErrors).toEqual([]);
    expect(await watched.violations()).toEqual([]);
    await context.close();
  }, 90_000);

  it("a company reviewer's token: company A only; a company B stream and verification refused, visibly", async () => {
    const context = await browser.newContext();
    const watched = await openPage(context, service.baseUrl);
    const { page } = watched;

    await signIn(page, reviewerToken);
    await settled(page, 'timeline-status');
    expect(await page.textContent('#signed-in-as')).toBe(
      `Signed in with the access token of client ${reviewerA.clientId}`,
    );
    await applyFilters(page, { limit: '250' });
    expect(await page.isDisabled('#next-page')).toBe(true);
    const shown = await shownPositions(page, 'timeline');
    const ofA = (await everything()).filter((event) => event.metadata.companyId === companyA);
    // Everything of A up to this read, whose own record (an AuditTrailRead of company A) came after it.
    expect(ofA.at(-1)?.type).toBe('AuditTrailRead');
    expect(shown).toEqual(ofA.slice(0, -1).map(positionOf));
    expect(new Set(await shownColumn(page, 'company'))).toEqual(new Set([companyA]));
    const text = (await page.textContent('#timeline'))!;
    for (const absent of [companyB, clientB.clientId, 'bella-b', 'user-bella-b']) expect(text).not.toContain(absent);
    expect(text).toContain(clientA.clientId);

    // Asking for B anyway: an empty filtered page, and B's stream refused as if it did not exist.
    expect(await applyFilters(page, { companyId: companyB })).toBe('No events match.');
    // By keyboard: the arrow key moves to the next tab and shows its view.
    await page.focus('#tab-timeline');
    await page.keyboard.press('ArrowRight');
    expect(await page.getAttribute('#tab-stream', 'aria-selected')).toBe('true');
    expect(await page.evaluate('document.activeElement.id')).toBe('tab-stream');
    expect(await page.isVisible('#view-stream')).toBe(true);
    expect(await page.isVisible('#view-timeline')).toBe(false);
    await page.fill('#stream-form [name=stream]', 'user-bella-b');
    await page.click('#stream-form button[type=submit]');
    expect(await settled(page, 'stream-status')).toBe('404 Not Found: no stream user-bella-b');
    expect(await page.getAttribute('#stream-status', 'class')).toContain('error');
    expect(await page.locator('#stream-events tbody tr').count()).toBe(0);
    await page.click('#tab-verify');
    await page.click('#run-verify');
    expect(await settled(page, 'verify-status')).toMatch(/^403 Forbidden: /);
    expect(await page.isVisible('#verify-result')).toBe(false);
    expect(await settled(page, 'checkpoint-status')).toMatch(/^403 Forbidden: /);
    expect(await page.isVisible('#checkpoint-result')).toBe(false);

    for (const call of watched.requests.filter((request) => request.url.includes('/api/'))) {
      expect(call.authorization).toBe(`Bearer ${reviewerToken}`);
    }
    await expectNothingStored(watched, context);
    // The browser reports each refused call; nothing else went wrong.
    expect(watched.consoleErrors).toEqual([
      expect.stringMatching(/status of 404 \(Not Found\)$/),
      expect.stringMatching(/status of 403 \(Forbidden\)$/),
      expect.stringMatching(/status of 403 \(Forbidden\)$/),
    ]);
    expect(await watched.violations()).toEqual([]);
    await context.close();
  }, 60_000);

  it("an answer to a signed-out credential is dropped: the next reviewer sees nothing of company B's stream", async () => {
    const context = await browser.newContext();
    const watched = await openPage(context, service.baseUrl);
    const { page } = watched;
    // The admin's stream read is held on its way to the service until the reviewer has signed in.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/admin/audit/streams/**', async (route) => {
      await held;
      await route.continue();
    });

    await signIn(page, service.adminKey);
    await settled(page, 'timeline-status');
    await page.click('#tab-stream');
    await page.fill('#stream-form [name=stream]', 'user-bella-b');
    const answered = page.waitForResponse('**/api/admin/audit/streams/**');
    await page.click('#stream-form button[type=submit]');
    await page.click('#sign-out');
    await signIn(page, reviewerToken);
    await settled(page, 'timeline-status');
    release();
    const response = await answered;
    expect(response.status()).toBe(200);
    expect(response.request().headers()['authorization']).toBe(`Bearer ${service.adminKey}`);
    await response.finished();
    // Whatever the page does with the answer happens in the tasks that follow its body.
    await page.evaluate('new Promise((resolve) => setTimeout(resolve, 200))');

    expect(await page.textContent('#signed-in-as')).toBe(
      `Signed in with the access token of client ${reviewerA.clientId}`,
    );
    expect(await page.locator('#stream-events tbody tr').count()).toBe(0);
    expect(await page.textContent('#stream-status')).toBe('');
    expect(await page.textContent('#workspace')).not.toContain('bella-b');
    expect(watched.consoleErrors).toEqual([]);
    expect(await watched.violations()).toEqual([]);
    await context.close();
  }, 60_000);

  it('a wrong credential: the 401 shown on the sign-in form, nothing else loaded', async () => {
    const context = await browser.newContext();
    const watched = await openPage(context, service.baseUrl);
    const { page } = watched;
    const before = (await everything()).length;

    await signIn(page, 'not-the-admin-key-and-not-a-token');
    await settled(page, 'sign-in-error');
    expect(await page.textContent('#sign-in-error')).toBe(
      'The credential was refused: 401 Unauthorized: the admin API key, or an access token with the audit:read scope, is required.',
    );
    expect(await page.isVisible('#workspace')).toBe(false);
    expect(await page.isVisible('#sign-out')).toBe(false);
    expect(await page.locator('#timeline tbody tr').count()).toBe(0);
    expect(watched.requests.filter((request) => request.url.includes('/api/')).length).toBe(1);
    expect(await everything()).toHaveLength(before);
    await expectNothingStored(watched, context);
    expect(watched.consoleErrors).toEqual([expect.stringMatching(/status of 401 \(Unauthorized\)$/)]);
    expect(await watched.violations()).toEqual([]);
    await context.close();
  }, 60_000);
});
