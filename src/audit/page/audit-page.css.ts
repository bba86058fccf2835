/** The audit page's stylesheet: system fonts, no images, sober; nothing loaded from elsewhere. */
/** The tab's icon: declared by the page, so the browser does not ask the service for `/favicon.ico`. */
export const AUDIT_PAGE_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f4e79"/><path d="M4 8.5l2.5 2.5L12 5.5" stroke="#fff" stroke-width="2" fill="none"/></svg>
`;

export const AUDIT_PAGE_CSS = `:root {
  color-scheme: light;
  --ink: #1d232a;
  --muted: #5b6570;
  --line: #d5dae0;
  --wash: #f4f6f8;
  --accent: #1f4e79;
  --bad: #a4262c;
  --good: #1e6b3a;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink);
}
body { margin: 0; background: #fff; }
.bar { display: flex; align-items: center; gap: 1rem; padding: 0.6rem 1.5rem; background: var(--accent); color: #fff; }
.bar h1 { font-size: 1.2rem; margin: 0; flex: 1; }
.bar .who { margin: 0; font-size: 0.9rem; }
main { padding: 1rem 1.5rem 3rem; max-width: 90rem; box-sizing: border-box; }
h2 { font-size: 1.1rem; margin: 1.2rem 0 0.6rem; }
h3 { font-size: 1rem; margin: 1rem 0 0.4rem; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.85rem; }
label { display: inline-flex; flex-direction: column; font-size: 0.85rem; color: var(--muted); gap: 0.15rem; }
input, select, button { font: inherit; color: var(--ink); }
input, select { padding: 0.3rem 0.4rem; border: 1px solid var(--line); border-radius: 3px; min-width: 12rem; }
button { padding: 0.35rem 0.8rem; border: 1px solid var(--accent); border-radius: 3px; background: #fff; cursor: pointer; }
button[type="submit"], #run-verify { background: var(--accent); color: #fff; }
.bar button { border-color: #fff; }
button:disabled { opacity: 0.45; cursor: default; }
:focus-visible { outline: 3px solid #f2b705; outline-offset: 1px; }
#sign-in { max-width: 36rem; }
#sign-in-form { display: flex; align-items: flex-end; gap: 0.6rem; }
#sign-in-form input { min-width: 22rem; }
fieldset { border: 1px solid var(--line); border-radius: 4px; display: flex; flex-wrap: wrap; gap: 0.6rem 1rem; padding: 0.6rem 0.8rem; }
legend { font-weight: 600; font-size: 0.9rem; }
.actions, .pager, .inline { display: flex; align-items: flex-end; gap: 0.6rem; margin: 0.6rem 0; flex-wrap: wrap; }
.instant fieldset { align-items: flex-end; }
.tabs { list-style: none; display: flex; gap: 0.3rem; padding: 0; margin: 0 0 0.5rem; border-bottom: 1px solid var(--line); }
.tabs button { border: 1px solid transparent; border-bottom: none; border-radius: 3px 3px 0 0; }
.tabs button[aria-selected="true"] { border-color: var(--line); background: var(--wash); font-weight: 600; }
.status { color: var(--muted); min-height: 1.2em; }
.error { color: var(--bad); font-weight: 600; }
.ok { color: var(--good); font-weight: 600; }
table.events { border-collapse: collapse; width: 100%; font-size: 0.88rem; }
table.events th, table.events td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
table.events thead th { background: var(--wash); }
table.events td.position, table.events td.time, table.events td.company, table.events td.actor { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.8rem; white-space: nowrap; }
table.events td.stream { overflow-wrap: anywhere; }
table.events tr.details > td { background: var(--wash); }
.link { border: none; padding: 0; background: none; color: var(--accent); text-decoration: underline; text-align: left; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0.4rem 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.85rem; overflow-wrap: anywhere; }
pre.json { background: var(--wash); border: 1px solid var(--line); padding: 0.6rem; margin: 0.4rem 0; overflow: auto; max-height: 28rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
[hidden] { display: none !important; }
`;
