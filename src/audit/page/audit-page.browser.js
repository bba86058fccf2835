'use strict';
/**
 * The audit page's one script, served as `/audit/app.js` (see `audit-page.controller.ts`): a plain
 * browser script, no module syntax, no framework, copied to dist by the build as JavaScript.
 * Type-checked against the DOM by `npm run typecheck` through `tsconfig.browser.json` beside it; not
 * by the service's own programs, which must not see the DOM's globals (a lib reference here would
 * give them to every file of the build).
 *
 * - The credential (admin key or `audit:read` token) lives in one variable of this closure: never a
 *   cookie, localStorage or sessionStorage, never a URL. Every call sends it as `Authorization:
 *   Bearer`; exports too (fetched, then saved from an object URL). A 401 forgets it.
 * - Event data is attacker-influenced (a user's name, a redirect URI): everything is rendered with
 *   `textContent` through `el`, never parsed as HTML.
 */
(() => {
  const API = '/api/admin/audit';

  /** @type {string | null} */
  let credential = null;
  /**
   * Counts sign-ins and sign-outs. A call still in flight when its session ends (signed out, by
   * hand or by a `401`) is answered with its old credential's data: it is dropped, never shown to
   * whoever signs in next.
   */
  let session = 0;

  /** What a call of an ended session rejects with: no view shows it. */
  class Superseded extends Error {}

  /** @type {Record<string, string>} the applied timeline filters, without paging */
  let filters = {};
  /** @type {(string | undefined)[]} the cursor each page was read after; the last is the page shown */
  let cursors = [undefined];
  /** @type {string | undefined} */
  let nextCursor;

  /**
   * @param {string} id
   * @returns {HTMLElement}
   */
  const byId = (id) => {
    const found = document.getElementById(id);
    if (!found) throw new Error(`the page lacks #${id}`);
    return found;
  };

  /**
   * An element with attributes and children; strings become text nodes, never markup.
   * @param {string} tag
   * @param {Record<string, string>} [attributes]
   * @param {...(Node | string | null | undefined)} children
   * @returns {HTMLElement}
   */
  function el(tag, attributes = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
    for (const child of children) {
      if (child === null || child === undefined) continue;
      element.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return element;
  }

  /**
   * @param {string} id
   * @param {string} text
   * @param {'error' | 'ok' | ''} [tone]
   */
  function say(id, text, tone = '') {
    const target = byId(id);
    target.textContent = text;
    target.className = tone ? `status ${tone}` : 'status';
  }

  /**
   * A call to the audit API with the credential in the header, its answer's body read by `read`; a
   * refusal becomes an `Error` saying the problem's status, title and detail. A `401` also signs
   * out: the credential is of no use. If the session ended meanwhile, `Superseded` instead.
   * @template T
   * @param {string} path
   * @param {(response: Response) => Promise<T>} read
   * @returns {Promise<T>}
   */
  async function call(path, read) {
    if (credential === null) throw new Error('not signed in');
    const mine = session;
    const response = await fetch(`${API}${path}`, {
      headers: { Authorization: `Bearer ${credential}` },
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
    if (response.ok) {
      const body = await read(response);
      if (session !== mine) throw new Superseded();
      return body;
    }
    /** @type {{ title?: string, detail?: string, errors?: { field: string, messages: string[] }[] }} */
    let problem = {};
    try {
      problem = await response.json();
    } catch {
      // Not problem+json (a proxy's page): the status line says enough.
    }
    const fields = (problem.errors ?? []).map((error) => `${error.field}: ${error.messages.join(', ')}`);
    const detail = [problem.detail, ...fields].filter(Boolean).join('; ');
    const message = `${response.status} ${problem.title ?? response.statusText}${detail ? `: ${detail}` : ''}`;
    if (session !== mine) throw new Superseded();
    if (response.status === 401) signOut(`The credential was refused: ${message}.`);
    throw new Error(message);
  }

  /**
   * @param {string} path
   * @returns {Promise<any>}
   */
  const getJson = (path) => call(path, (response) => response.json());

  /**
   * @param {Record<string, string | string[] | undefined>} params
   * @returns {string}
   */
  function query(params) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      for (const one of Array.isArray(value) ? value : [value]) if (one) search.append(name, one);
    }
    const text = search.toString();
    return text ? `?${text}` : '';
  }

  /** The filter form as API parameters: `type` repeats, one per comma- or space-separated name. */
  function filtersOf(/** @type {HTMLFormElement} */ form) {
    /** @type {Record<string, string>} */
    const found = {};
    for (const [name, value] of new FormData(form)) {
      const text = String(value).trim();
      if (text && name !== 'limit') found[name] = text;
    }
    return found;
  }

  /** @param {Record<string, string>} applied */
  function withTypes(applied) {
    const { type, ...rest } = applied;
    return { ...rest, type: type ? type.split(/[\s,]+/).filter(Boolean) : undefined };
  }

  // ---- signing in and out -------------------------------------------------------------------

  /**
   * Forgets the credential and everything read with it: the next one to sign in in this tab starts
   * from a blank page.
   * @param {string} [reason] shown on the sign-in form
   */
  function signOut(reason = '') {
    credential = null;
    session += 1;
    byId('workspace').hidden = true;
    byId('sign-out').hidden = true;
    byId('signed-in-as').hidden = true;
    byId('sign-in').hidden = false;
    for (const table of ['timeline', 'stream-events']) byId(table).querySelector('tbody')?.replaceChildren();
    for (const id of ['verify-result', 'checkpoint-result', 'instant-result']) {
      byId(id).replaceChildren();
      byId(id).hidden = true;
    }
    for (const status of document.querySelectorAll('#workspace .status')) say(status.id, '');
    for (const form of document.querySelectorAll('#workspace form')) /** @type {HTMLFormElement} */ (form).reset();
    byId('sign-in-error').textContent = reason;
    byId('credential').focus();
  }

  /**
   * Who the credential is, for the header line only (the API decides what it may read): an access
   * token is a JWT naming its client; anything else is taken for the admin key.
   * @param {string} secret
   */
  function describe(secret) {
    const parts = secret.split('.');
    if (parts.length === 3) {
      try {
        const claims = JSON.parse(atob(parts[1].replace(/-/g, '+').replace(/_/g, '/')));
        if (typeof claims.client_id === 'string') return `access token of client ${claims.client_id}`;
      } catch {
        // Not a JWT after all.
      }
    }
    return 'admin key';
  }

  async function signIn(/** @type {SubmitEvent} */ event) {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ (byId('credential'));
    const secret = input.value.trim();
    input.value = '';
    if (!secret) {
      byId('sign-in-error').textContent = 'Enter the admin key or an access token.';
      return;
    }
    credential = secret;
    session += 1;
    byId('sign-in-error').textContent = '';
    filters = {};
    try {
      await showPage([undefined]);
    } catch (error) {
      // A refused credential has signed out already, saying why; a superseded one is no longer ours to sign out.
      if (credential !== null && !(error instanceof Superseded)) signOut(`Sign-in failed: ${errorText(error)}`);
      return;
    }
    byId('sign-in').hidden = true;
    byId('workspace').hidden = false;
    byId('sign-out').hidden = false;
    const who = byId('signed-in-as');
    who.textContent = `Signed in with the ${describe(secret)}`;
    who.hidden = false;
    selectTab('timeline');
  }

  /** @param {unknown} error */
  const errorText = (error) => (error instanceof Error ? error.message : String(error));

  /**
   * A failed call's error on its status line, unless its session has ended: a `401` has said why on
   * the sign-in form, and a later session must not see an earlier one's errors.
   * @param {string} id
   * @param {unknown} error
   */
  function sayFailed(id, error) {
    if (credential !== null && !(error instanceof Superseded)) say(id, errorText(error), 'error');
  }

  // ---- views ---------------------------------------------------------------------------------

  const TABS = ['timeline', 'stream', 'instant', 'verify'];

  /** @param {string} name */
  function selectTab(name) {
    for (const tab of TABS) {
      byId(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
      // Roving focus (WAI-ARIA tabs): Tab reaches the selected tab, the arrow keys the others.
      byId(`tab-${tab}`).tabIndex = tab === name ? 0 : -1;
      byId(`view-${tab}`).hidden = tab !== name;
    }
  }

  /** Arrow keys move between tabs, as the WAI-ARIA tabs pattern has it. */
  function onTabKey(/** @type {KeyboardEvent} */ event) {
    const current = TABS.findIndex((tab) => byId(`tab-${tab}`).getAttribute('aria-selected') === 'true');
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const next = TABS[(current + step + TABS.length) % TABS.length];
    selectTab(next);
    byId(`tab-${next}`).focus();
  }

  /**
   * @typedef {{ position: string, stream: string, revision: number, type: string, time: string,
   *   actor?: { kind: string, id?: string }, correlationId?: string, requestId?: string,
   *   companyId?: string, data: unknown, hash?: string }} AuditItem
   */

  /** @param {AuditItem['actor']} actor */
  const actorText = (actor) => (actor ? `${actor.kind}${actor.id ? `:${actor.id}` : ''}` : '');

  /**
   * One event as a row, with a button that opens a second row: its envelope, chain hash and data.
   * @param {AuditItem} item
   * @param {boolean} streamLinks whether the stream opens its history
   * @returns {HTMLElement[]}
   */
  function eventRows(item, streamLinks) {
    const toggle = el('button', { type: 'button', class: 'link', 'aria-expanded': 'false' }, 'Details');
    toggle.setAttribute('aria-label', `Details of event ${item.position}`);
    const stream = streamLinks
      ? el('button', { type: 'button', class: 'link stream-link' }, item.stream)
      : document.createTextNode(item.stream);
    if (streamLinks) stream.addEventListener('click', () => void openStream(item.stream));
    const row = el(
      'tr',
      { 'data-position': item.position },
      el('td', { class: 'position' }, item.position),
      el('td', { class: 'time' }, item.time),
      el('td', { class: 'type' }, item.type),
      el('td', { class: 'stream' }, stream),
      el('td', { class: 'company' }, item.companyId ?? ''),
      el('td', { class: 'actor' }, actorText(item.actor)),
      el('td', {}, toggle),
    );
    const facts = el('dl', { class: 'facts' });
    /** @type {[string, string | undefined][]} */
    const envelope = [
      ['position', item.position],
      ['stream, revision', `${item.stream} @ ${item.revision}`],
      ['chain hash', item.hash ?? '(none recorded)'],
      ['recorded', item.time],
      ['actor', actorText(item.actor)],
      ['correlation id', item.correlationId],
      ['request id', item.requestId],
      ['company', item.companyId],
    ];
    for (const [term, value] of envelope) {
      if (value !== undefined && value !== '') facts.append(el('dt', {}, term), el('dd', {}, value));
    }
    const details = el(
      'tr',
      { class: 'details', hidden: '' },
      el(
        'td',
        { colspan: '7' },
        facts,
        el('pre', { class: 'json data', tabindex: '0' }, JSON.stringify(item.data, null, 2)),
      ),
    );
    toggle.addEventListener('click', () => {
      details.hidden = !details.hidden;
      toggle.setAttribute('aria-expanded', String(!details.hidden));
      toggle.textContent = details.hidden ? 'Details' : 'Hide';
    });
    return [row, details];
  }

  /**
   * @param {string} tableId
   * @param {AuditItem[]} items
   * @param {boolean} streamLinks
   */
  function fillTable(tableId, items, streamLinks) {
    const body = byId(tableId).querySelector('tbody');
    body?.replaceChildren(...items.flatMap((item) => eventRows(item, streamLinks)));
  }

  /**
   * Reads the page after the last cursor of `path`, with the applied filters.
   * @param {(string | undefined)[]} path
   */
  async function showPage(path) {
    const limit = /** @type {HTMLSelectElement} */ (byId('filters').querySelector('[name=limit]')).value;
    const after = path[path.length - 1];
    say('timeline-status', 'Loading…');
    const page = await getJson(`/events${query({ ...withTypes(filters), after, limit })}`);
    cursors = path;
    nextCursor = page.nextCursor;
    fillTable('timeline', page.items, true);
    const shown = page.items.length;
    say('timeline-status', shown ? `${shown} event${shown === 1 ? '' : 's'} on this page.` : 'No events match.');
    byId('page-number').textContent = `Page ${cursors.length}`;
    /** @type {HTMLButtonElement} */ (byId('next-page')).disabled = !nextCursor;
    /** @type {HTMLButtonElement} */ (byId('previous-page')).disabled = cursors.length < 2;
    /** @type {HTMLButtonElement} */ (byId('first-page')).disabled = cursors.length < 2;
  }

  /** @param {(string | undefined)[]} path */
  async function turnTo(path) {
    try {
      await showPage(path);
    } catch (error) {
      sayFailed('timeline-status', error);
    }
  }

  /** @param {string} stream */
  async function openStream(stream) {
    /** @type {HTMLInputElement} */ (byId('stream-form').querySelector('[name=stream]')).value = stream;
    selectTab('stream');
    fillTable('stream-events', [], false);
    say('stream-status', 'Loading…');
    try {
      const history = await getJson(`/streams/${encodeURIComponent(stream)}`);
      fillTable('stream-events', history.items, false);
      const chain = history.chain.ok
        ? 'hash chain intact'
        : `hash chain BROKEN at ${history.chain.breaks
            .map(
              (/** @type {{ revision: number, reason: string }} */ found) =>
                `revision ${found.revision} (${found.reason})`,
            )
            .join(', ')}`;
      say(
        'stream-status',
        `${history.stream}: ${history.items.length} events, ${chain}.`,
        history.chain.ok ? 'ok' : 'error',
      );
    } catch (error) {
      sayFailed('stream-status', error);
    }
  }

  /** The four point-in-time questions, each one of the audit API's routes. */
  async function askInstant(/** @type {SubmitEvent} */ event) {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.currentTarget);
    const values = Object.fromEntries([...new FormData(form)].map(([name, value]) => [name, String(value).trim()]));
    const id = encodeURIComponent(values.id ?? '');
    const at = query({ at: values.at });
    const paths = {
      user: () => `/users/${id}/as-of${at}`,
      client: () => `/clients/${id}/as-of${at}`,
      agent: () => `/agents/${id}/access${at}`,
      tokens: () => `/tokens/active${query({ at: values.at, clientId: values.clientId, userId: values.userId })}`,
    };
    const kind = /** @type {keyof typeof paths} */ (form.dataset.query);
    const result = byId('instant-result');
    result.hidden = true;
    say('instant-status', 'Loading…');
    try {
      const answer = await getJson(paths[kind]());
      result.textContent = JSON.stringify(answer, null, 2);
      result.hidden = false;
      say('instant-status', `${form.querySelector('legend')?.textContent ?? ''} ${values.at}:`);
    } catch (error) {
      sayFailed('instant-status', error);
    }
  }

  /**
   * @param {string} id
   * @param {[string, unknown][]} facts
   */
  function showFacts(id, facts) {
    const list = byId(id);
    list.replaceChildren(...facts.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, String(value ?? '—'))]));
    list.hidden = false;
  }

  async function verify() {
    byId('verify-result').hidden = true;
    say('verify-status', 'Verifying every stream and checkpoint…');
    try {
      const report = await getJson('/verify');
      /** @type {[string, unknown][]} */
      const facts = [
        ['events', report.events],
        ['streams', report.streams],
        ['checkpoints', report.checkpoints],
        ['sealed up to', report.sealedUpTo ?? 'no valid checkpoint yet'],
      ];
      for (const found of report.breaks) {
        facts.push([`break at ${found.position}`, `${found.stream} revision ${found.revision}: ${found.reason}`]);
      }
      showFacts('verify-result', facts);
      say(
        'verify-status',
        report.ok ? 'Verified: every chain and checkpoint holds.' : `Not verified: ${report.breaks.length} break(s).`,
        report.ok ? 'ok' : 'error',
      );
    } catch (error) {
      sayFailed('verify-status', error);
    }
    await latestCheckpoint();
  }

  /** The newest signed checkpoint (the platform administrator's: a reviewer sees the refusal). */
  async function latestCheckpoint() {
    byId('checkpoint-result').hidden = true;
    say('checkpoint-status', 'Looking for the latest checkpoint…');
    try {
      // A refusal shows as the API's problem: 404 before the first checkpoint, 403 for a reviewer.
      const checkpoint = /** @type {Record<string, unknown>} */ (await getJson('/checkpoints/latest'));
      showFacts(
        'checkpoint-result',
        ['sequence', 'recordedAt', 'fromPosition', 'toPosition', 'events', 'rollingHash', 'kid', 'signature'].map(
          (field) => [field, checkpoint[field]],
        ),
      );
      say(
        'checkpoint-status',
        `Checkpoint ${String(checkpoint.sequence)}, sealing up to event ${String(checkpoint.toPosition)}.`,
      );
    } catch (error) {
      sayFailed('checkpoint-status', error);
    }
  }

  /**
   * The export of the applied filters, fetched with the credential in the header and saved through
   * an object URL: the credential never appears in a URL.
   * @param {'ndjson' | 'csv'} format
   */
  async function exportAs(format) {
    say('export-status', `Exporting ${format.toUpperCase()}…`);
    try {
      const blob = await call(`/export${query({ ...withTypes(filters), format })}`, (response) => response.blob());
      const url = URL.createObjectURL(blob);
      const link = el('a', { href: url, download: `audit.${format}`, hidden: '' });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      say('export-status', `Exported ${blob.size} bytes as audit.${format}.`, 'ok');
    } catch (error) {
      sayFailed('export-status', error);
    }
  }

  // ---- wiring --------------------------------------------------------------------------------

  function start() {
    byId('sign-in-form').addEventListener('submit', (event) => void signIn(/** @type {SubmitEvent} */ (event)));
    byId('sign-out').addEventListener('click', () => signOut('Signed out.'));
    for (const tab of TABS) {
      byId(`tab-${tab}`).addEventListener('click', () => selectTab(tab));
      byId(`tab-${tab}`).addEventListener('keydown', onTabKey);
    }
    const filterForm = /** @type {HTMLFormElement} */ (byId('filters'));
    filterForm.addEventListener('submit', (event) => {
      event.preventDefault();
      filters = filtersOf(filterForm);
      void turnTo([undefined]);
    });
    filterForm.addEventListener('reset', () => {
      filters = {};
      // After the browser has cleared the fields; not when signing out resets the form.
      if (credential !== null) setTimeout(() => void turnTo([undefined]));
    });
    byId('first-page').addEventListener('click', () => void turnTo([undefined]));
    byId('previous-page').addEventListener('click', () => void turnTo(cursors.slice(0, -1)));
    byId('next-page').addEventListener('click', () => void turnTo([...cursors, nextCursor]));
    const streamForm = /** @type {HTMLFormElement} */ (byId('stream-form'));
    streamForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const stream = String(new FormData(streamForm).get('stream') ?? '').trim();
      if (stream) void openStream(stream);
    });
    for (const form of document.querySelectorAll('form.instant')) {
      form.addEventListener('submit', (event) => void askInstant(/** @type {SubmitEvent} */ (event)));
    }
    byId('run-verify').addEventListener('click', () => void verify());
    byId('export-ndjson').addEventListener('click', () => void exportAs('ndjson'));
    byId('export-csv').addEventListener('click', () => void exportAs('csv'));
  }

  start();
})();
