/**
 * The audit page's markup: static, with no data in it and nothing inline (the page's CSP allows
 * only `/audit/app.js` and `/audit/app.css`). The script fills it from the audit API.
 */
export const AUDIT_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Audit trail · airisk-identity</title>
<link rel="icon" href="/audit/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/audit/app.css">
<script src="/audit/app.js" defer></script>
</head>
<body>
<header class="bar">
  <h1>Audit trail</h1>
  <p id="signed-in-as" class="who" hidden></p>
  <button type="button" id="sign-out" hidden>Sign out</button>
</header>
<main>
  <section id="sign-in" aria-labelledby="sign-in-title">
    <h2 id="sign-in-title">Sign in</h2>
    <p>The admin API key, or an access token with the <code>audit:read</code> scope (a company's reviewer sees
      that company only). It stays in this tab's memory: reloading or closing the tab forgets it.</p>
    <form id="sign-in-form">
      <label for="credential">Admin key or access token</label>
      <input type="password" id="credential" name="credential" autocomplete="off" spellcheck="false" required>
      <button type="submit">Sign in</button>
    </form>
    <p id="sign-in-error" class="error" role="alert"></p>
  </section>

  <div id="workspace" hidden>
    <nav aria-label="Views">
      <ul class="tabs" role="tablist">
        <li role="presentation"><button type="button" role="tab" id="tab-timeline" aria-controls="view-timeline" aria-selected="true">Timeline</button></li>
        <li role="presentation"><button type="button" role="tab" id="tab-stream" aria-controls="view-stream" aria-selected="false">Stream history</button></li>
        <li role="presentation"><button type="button" role="tab" id="tab-instant" aria-controls="view-instant" aria-selected="false">Point in time</button></li>
        <li role="presentation"><button type="button" role="tab" id="tab-verify" aria-controls="view-verify" aria-selected="false">Verification and export</button></li>
      </ul>
    </nav>

    <section id="view-timeline" role="tabpanel" aria-labelledby="tab-timeline">
      <h2>Timeline</h2>
      <form id="filters" class="filters">
        <fieldset>
          <legend>Filters (all optional, combined)</legend>
          <label>Event types <input name="type" placeholder="TokenIssued, UserRegistered"></label>
          <label>Stream <input name="stream" placeholder="user-…"></label>
          <label>Company id <input name="companyId"></label>
          <label>Client id <input name="clientId"></label>
          <label>User id <input name="userId"></label>
          <label>Actor id <input name="actor" placeholder="api-key:… or a client id"></label>
          <label>From (instant) <input name="from" placeholder="2026-11-30T09:00:00Z"></label>
          <label>To (instant) <input name="to" placeholder="2026-11-30T18:00:00Z"></label>
          <label>Per page
            <select name="limit">
              <option>25</option>
              <option selected>50</option>
              <option>100</option>
              <option>250</option>
            </select>
          </label>
        </fieldset>
        <div class="actions">
          <button type="submit">Apply filters</button>
          <button type="reset">Clear</button>
        </div>
      </form>
      <p id="timeline-status" class="status" role="status"></p>
      <table id="timeline" class="events">
        <caption class="visually-hidden">Events in the order they were recorded</caption>
        <thead>
          <tr><th scope="col">Position</th><th scope="col">Recorded</th><th scope="col">Type</th><th scope="col">Stream</th><th scope="col">Company</th><th scope="col">Actor</th><th scope="col"><span class="visually-hidden">Details</span></th></tr>
        </thead>
        <tbody></tbody>
      </table>
      <div class="pager">
        <button type="button" id="first-page" disabled>First page</button>
        <button type="button" id="previous-page" disabled>Previous page</button>
        <span id="page-number"></span>
        <button type="button" id="next-page" disabled>Next page</button>
      </div>
    </section>

    <section id="view-stream" role="tabpanel" aria-labelledby="tab-stream" hidden>
      <h2>Stream history</h2>
      <form id="stream-form" class="inline">
        <label>Stream <input name="stream" required placeholder="user-…, client-…, grant-…"></label>
        <button type="submit">Show history</button>
      </form>
      <p id="stream-status" class="status" role="status"></p>
      <table id="stream-events" class="events">
        <caption class="visually-hidden">The stream's events in revision order</caption>
        <thead>
          <tr><th scope="col">Position</th><th scope="col">Recorded</th><th scope="col">Type</th><th scope="col">Stream</th><th scope="col">Company</th><th scope="col">Actor</th><th scope="col"><span class="visually-hidden">Details</span></th></tr>
        </thead>
        <tbody></tbody>
      </table>
    </section>

    <section id="view-instant" role="tabpanel" aria-labelledby="tab-instant" hidden>
      <h2>Point in time</h2>
      <p>Instants are ISO 8601, e.g. <code>2026-11-30T09:00:00Z</code>; the answer is what the service believed then.</p>
      <form class="instant inline" data-query="user">
        <fieldset><legend>A user as of</legend>
          <label>User id <input name="id" required></label>
          <label>At <input name="at" required></label>
          <button type="submit">Show user</button>
        </fieldset>
      </form>
      <form class="instant inline" data-query="client">
        <fieldset><legend>A client as of</legend>
          <label>Client id <input name="id" required></label>
          <label>At <input name="at" required></label>
          <button type="submit">Show client</button>
        </fieldset>
      </form>
      <form class="instant inline" data-query="agent">
        <fieldset><legend>Who could use an agent</legend>
          <label>Agent id <input name="id" required></label>
          <label>At <input name="at" required></label>
          <button type="submit">Show users</button>
        </fieldset>
      </form>
      <form class="instant inline" data-query="tokens">
        <fieldset><legend>Tokens live at an instant</legend>
          <label>At <input name="at" required></label>
          <label>Client id <input name="clientId"></label>
          <label>or user id <input name="userId"></label>
          <button type="submit">Show tokens</button>
        </fieldset>
      </form>
      <p id="instant-status" class="status" role="status"></p>
      <pre id="instant-result" class="json" tabindex="0" hidden></pre>
    </section>

    <section id="view-verify" role="tabpanel" aria-labelledby="tab-verify" hidden>
      <h2>Verification</h2>
      <p>Checks every stream's hash chain and every signed checkpoint (the platform administrator's alone).</p>
      <button type="button" id="run-verify">Verify the trail</button>
      <p id="verify-status" class="status" role="status"></p>
      <dl id="verify-result" class="facts" hidden></dl>
      <h3>Latest signed checkpoint</h3>
      <p id="checkpoint-status" class="status" role="status"></p>
      <dl id="checkpoint-result" class="facts" hidden></dl>
      <h2>Export</h2>
      <p>The events matching the timeline's filters, every page of them.</p>
      <button type="button" id="export-ndjson">Export NDJSON</button>
      <button type="button" id="export-csv">Export CSV</button>
      <p id="export-status" class="status" role="status"></p>
    </section>
  </div>
</main>
</body>
</html>
`;
