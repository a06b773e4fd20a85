// The admin page is server-rendered HTML plus one small script: no build step, no framework.

const STYLE = `
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1d2433; padding: 0 1rem; }
  h1 { font-size: 1.4rem; } table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #e3e6ec; vertical-align: middle; }
  th { font-weight: 600; background: #f6f7f9; } .status { font-weight: 600; }
  .status-ok { color: #137333; } .status-error, .status-needs_reauth { color: #b3261e; } .status-syncing { color: #8a5a00; }
  button { padding: .3rem .8rem; border-radius: 6px; border: 1px solid #3b5bdb; background: #3b5bdb; color: white; cursor: pointer; }
  button:disabled { opacity: .5; cursor: default; } progress { width: 120px; vertical-align: middle; }
  .muted { color: #6b7280; } code.trace-id { font-size: .8rem; }
  details.recent-errors ol, #other-errors { margin: .3rem 0; padding-left: 1.2rem; max-width: 32rem; }
  details.recent-errors li, #other-errors li { margin-bottom: .3rem; overflow-wrap: anywhere; }
`

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  )

export function adminPage(userName: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Admin · Restaurant ops</title>
<style>${STYLE}</style></head><body>
<h1>Restaurants</h1>
<p class="muted">Logged in as ${escapeHtml(userName)}. Sync status refreshes every few seconds.</p>
<table id="restaurants"><thead><tr>
  <th>Restaurant</th><th>Plan</th><th>Status</th><th>Last sync</th><th>Errors (24 h)</th><th>Poster</th><th>Recent errors</th><th>Sync</th>
</tr></thead><tbody><tr><td colspan="8" class="muted">Loading…</td></tr></tbody></table>
<h2>Errors not tied to a restaurant</h2>
<ol id="other-errors"><li class="muted">Loading…</li></ol>
<script src="/admin/app.js" defer></script></body></html>`
}

export const adminScript = `
'use strict';
const body = document.querySelector('#restaurants tbody');
const running = new Map(); // restaurant id -> job id
const openErrors = new Set(); // restaurant ids whose recent errors are unfolded (kept across refreshes)

function text(value) { return value == null ? '—' : String(value); }
function when(iso) { return iso ? new Date(iso).toLocaleString() : 'never'; }

// The per-account circuit breaker: answering, failing, or backing off after failing again and again.
function poster(p) {
  if (p.backoffUntil) return 'backing off until ' + new Date(p.backoffUntil).toLocaleTimeString() + ' (' + p.failures + ' failed syncs)';
  return p.failures > 0 ? p.failures + ' failed sync' + (p.failures > 1 ? 's' : '') : 'ok';
}

// One unhandled error: when, where (route or job), the scrubbed message, the trace id to look up.
function errorItem(e) {
  const li = document.createElement('li');
  li.className = 'recent-error';
  const at = document.createElement('time');
  at.dateTime = e.at; at.textContent = when(e.at);
  const where = document.createElement('strong');
  where.className = 'where'; where.textContent = e.where;
  const message = document.createElement('span');
  message.className = 'message'; message.textContent = e.message;
  const trace = document.createElement('code');
  trace.className = 'trace-id'; trace.textContent = e.traceId;
  li.append(at, ' ', where, ': ', message, ' trace ', trace);
  return li;
}

function recentErrors(r) {
  if (r.recentErrors.length === 0) return document.createTextNode('none');
  const details = document.createElement('details');
  details.className = 'recent-errors';
  details.open = openErrors.has(r.id);
  details.addEventListener('toggle', () => { if (details.open) openErrors.add(r.id); else openErrors.delete(r.id); });
  const summary = document.createElement('summary');
  summary.textContent = r.recentErrors.length + ' recent, last ' + when(r.recentErrors[0].at);
  const list = document.createElement('ol');
  r.recentErrors.forEach((e) => list.appendChild(errorItem(e)));
  details.append(summary, list);
  return details;
}

function row(r) {
  const tr = document.createElement('tr');
  tr.dataset.restaurant = r.id;
  const cells = [r.name + ' (' + r.id + ')', r.tier, r.status, when(r.lastSyncAt), String(r.errors24h), poster(r.poster)];
  cells.forEach((value, i) => {
    const td = document.createElement('td');
    td.textContent = value;
    if (i === 2) { td.className = 'status status-' + r.status; if (r.lastError) td.title = r.lastError; }
    if (i === 3) td.className = 'last-sync';
    if (i === 4) td.className = 'errors';
    if (i === 5) td.className = 'poster' + (r.poster.backoffUntil ? ' status-error' : '');
    tr.appendChild(td);
  });
  const errorsCell = document.createElement('td');
  errorsCell.className = 'recent';
  errorsCell.appendChild(recentErrors(r));
  tr.appendChild(errorsCell);
  const td = document.createElement('td');
  const button = document.createElement('button');
  button.className = 'force-sync';
  button.textContent = 'Force Sync';
  const progress = document.createElement('progress');
  progress.max = 100; progress.value = 0; progress.hidden = true;
  const state = document.createElement('span');
  state.className = 'job-state muted';
  button.addEventListener('click', () => forceSync(r.id, button, progress, state));
  td.append(button, ' ', progress, ' ', state);
  tr.appendChild(td);
  return tr;
}

async function load() {
  const response = await fetch('/api/admin/restaurants', { credentials: 'same-origin' });
  if (response.status === 401) { location.href = '/login'; return; }
  const { items, otherErrors } = await response.json();
  const other = document.querySelector('#other-errors');
  other.replaceChildren(...(otherErrors.length ? otherErrors.map(errorItem) : [Object.assign(document.createElement('li'), { className: 'muted', textContent: 'none' })]));
  for (const r of items) {
    const existing = body.querySelector('tr[data-restaurant="' + CSS.escape(r.id) + '"]');
    if (existing && running.has(r.id)) continue; // keep the live progress of a running sync
    const fresh = row(r);
    if (existing) existing.replaceWith(fresh); else body.appendChild(fresh);
  }
  const loading = body.querySelector('td[colspan]');
  if (loading) loading.parentElement.remove();
}

async function forceSync(id, button, progress, state) {
  button.disabled = true;
  progress.hidden = false; progress.value = 0;
  state.textContent = 'queued';
  const response = await fetch('/api/admin/restaurants/' + encodeURIComponent(id) + '/sync', { method: 'POST', credentials: 'same-origin' });
  if (response.status !== 202) { state.textContent = 'failed to start (' + response.status + ')'; button.disabled = false; return; }
  const { jobId } = await response.json();
  running.set(id, jobId);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const poll = await fetch('/api/admin/jobs/' + encodeURIComponent(jobId), { credentials: 'same-origin' });
    if (!poll.ok) continue;
    const job = await poll.json();
    progress.value = job.progress;
    state.textContent = job.state === 'completed' ? 'done' : job.state === 'failed' ? 'failed: ' + text(job.failedReason) : job.state + ' ' + job.progress + '%';
    if (job.state === 'completed' || job.state === 'failed') break;
  }
  running.delete(id);
  button.disabled = false;
  setTimeout(load, 1500);
}

load();
setInterval(load, 5000);
`
