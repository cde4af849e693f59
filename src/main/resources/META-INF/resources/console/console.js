// The operator console: a page over the gateway's admin API, nothing else. Every request carries the
// operator key from this tab's sessionStorage in the Authorization header; every value from the API is
// put on the page as text (textContent), never parsed as HTML.

const KEY = 'partition-gateway.operator-key';
const REFRESH_MS = 10_000;
const $ = (selector) => document.querySelector(selector);

// ---------------------------------------------------------------- the API

class Problem extends Error {
  constructor(status, body) {
    super(body && (body.detail || body.title) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(KEY)}`, Accept: 'application/json' };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, {
    method: options.method || 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    cache: 'no-store',
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new Problem(response.status, body);
  }
  return body;
}

const enc = encodeURIComponent;

function showProblem(error) {
  const box = $('#problem');
  if (!error) {
    box.hidden = true;
    return;
  }
  const b = error.body || {};
  box.textContent = `${b.title || 'Error'}${b.code ? ` (${b.code})` : ''}: ${error.message}${b.requestId ? ` [request ${b.requestId}]` : ''}`;
  box.hidden = false;
  if (error.status === 401) {
    signOut();
  }
}

// ---------------------------------------------------------------- small DOM helpers

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else if (name === 'onclick') node.addEventListener('click', value);
    else if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(child === undefined || child === null ? '' : String(child)));
  }
  return node;
}

function number(value, digits = 0) {
  return value === undefined || value === null ? '–' : Number(value).toLocaleString('en-US', { maximumFractionDigits: digits });
}

function when(instant) {
  if (!instant) return 'never';
  const seconds = Math.round((Date.now() - Date.parse(instant)) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

function bar(percent, label) {
  const p = Math.max(0, Math.min(100, percent || 0));
  const fill = el('div', { class: 'fill' });
  fill.style.width = `${p}%`;
  return el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(p * 10) / 10 },
    fill, el('span', { class: 'bar-label' }, label));
}

/** Asks before an action; resolves to the split's shard count, true, or false when cancelled. */
function confirmAction(message, askInto) {
  const dialog = $('#confirm');
  $('#confirm-message').textContent = message;
  $('#confirm-into-label').hidden = !askInto;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (dialog.returnValue !== 'ok') resolve(false);
      else resolve(askInto ? Number($('#confirm-into').value) : true);
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

// ---------------------------------------------------------------- views

const views = ['signin', 'overview', 'tenants', 'collections', 'partitions', 'jobs'];
let refreshTimer = null;
/** Counts routings: a routing that finished after a newer one started sets no refresh of its own. */
let generation = 0;

function parseHash() {
  try {
    return (location.hash || '#/overview').split('/').map(decodeURIComponent);
  } catch (malformed) {
    return ['#', 'overview'];
  }
}

function show(view) {
  for (const v of views) $(`#${v}-view`).hidden = v !== view;
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('current', a.dataset.view === view || (view === 'partitions' && a.dataset.view === 'collections'));
  }
}

async function route() {
  const mine = ++generation;
  clearInterval(refreshTimer);
  if (!sessionStorage.getItem(KEY)) {
    $('#nav').hidden = true;
    show('signin');
    return;
  }
  $('#nav').hidden = false;
  const [, view, name] = parseHash();
  const target = view === 'collections' && name ? 'partitions' : (views.includes(view) && view !== 'signin' ? view : 'overview');
  const render = {
    overview: renderOverview,
    tenants: renderTenants,
    collections: renderCollections,
    partitions: () => renderPartitions(name),
    jobs: renderJobs,
  }[target];
  show(target);
  try {
    showProblem(null);
    await render();
    if (mine === generation) {
      refreshTimer = setInterval(() => render().catch(showProblem), REFRESH_MS);
    }
  } catch (error) {
    showProblem(error);
  }
}

/** Shows {@code hash}: through the hashchange event when it changes, at once when it is already there. */
function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function signOut() {
  sessionStorage.removeItem(KEY);
  stopStreams();
  navigate('#/overview');
}

async function signIn(event) {
  event.preventDefault();
  const key = $('#operator-key').value.trim();
  const error = $('#signin-error');
  sessionStorage.setItem(KEY, key);
  try {
    await api('/v1/admin/tenants?limit=1');
    $('#operator-key').value = '';
    error.hidden = true;
    navigate('#/overview');
  } catch (e) {
    sessionStorage.removeItem(KEY);
    error.textContent = e.status === 401 || e.status === 403
      ? `The gateway refused this key (${e.body.code || e.status}).` : `Could not sign in: ${e.message}`;
    error.hidden = false;
  }
}

// ---- overview: charts of the last hour, hot partitions

const charts = {};

function chart(target, label, color, values) {
  const width = Math.max(320, $(target).clientWidth || 480);
  if (charts[target]) {
    charts[target].setData(values);
    charts[target].setSize({ width, height: 220 });
    return;
  }
  charts[target] = new uPlot({
    width, height: 220,
    // Points shown: a minute between two quiet ones (no latency) is a point, not a line.
    series: [{}, { label, stroke: color, width: 2, fill: `${color}22`, spanGaps: false, points: { show: true, size: 5 } }],
    axes: [{}, { size: 60 }],
    scales: { x: { time: true } },
    legend: { show: true },
  }, values, $(target));
}

async function renderOverview() {
  const select = $('#history-collection');
  if (select.options.length === 1) {
    let cursor = null;
    do {
      const page = await api(`/v1/admin/collections?limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`);
      for (const c of page.collections) select.append(el('option', { value: c.name }, c.name));
      cursor = page.next;
    } while (cursor);
  }
  const collection = select.value;
  const history = await api(`/v1/admin/history?minutes=60${collection ? `&collection=${enc(collection)}` : ''}`);
  const at = history.minutes.map((m) => Date.parse(m.at) / 1000);
  if (window.uPlot) {
    chart('#chart-qpm', 'searches/min', '#2563eb', [at, history.minutes.map((m) => m.queries)]);
    chart('#chart-p99', 'p99 ms', '#dc2626', [at, history.minutes.map((m) => (m.latencyMs ? m.latencyMs.p99 : null))]);
  }
  $('#chart-qpm').dataset.points = String(history.minutes.reduce((sum, m) => sum + m.queries, 0));

  const hot = await api('/v1/admin/hot?limit=100');
  const body = $('#hot-table tbody');
  body.replaceChildren(...hot.partitions.map((p) => el('tr', { class: 'hot', 'data-partition': p.placement },
    el('td', {}, el('a', { href: `#/collections/${enc(p.collection)}` }, p.collection)),
    el('td', {}, p.placement), el('td', {}, p.tenant || 'shared'), el('td', {}, p.state), el('td', { class: 'num' }, number(p.vectorCount)),
    el('td', {}, (p.reasons || []).join('; ')), el('td', {}, when(p.hotSince)))));
  $('#hot-empty').hidden = hot.partitions.length > 0;
}

// ---- tenants: usage against quota

function paged(button, load) {
  let next = null;
  button.onclick = async () => {
    try {
      next = await load(next, true);
      button.hidden = !next;
    } catch (error) {
      showProblem(error);
    }
  };
  return async () => {
    next = await load(null, false);
    button.hidden = !next;
  };
}

const renderTenants = paged($('#tenants-more'), async (cursor, append) => {
  const page = await api(`/v1/admin/tenants?limit=50${cursor ? `&cursor=${enc(cursor)}` : ''}`);
  const rows = page.tenants.map((t) => {
    const used = t.usage ? t.usage.vectors : 0;
    const max = t.quota ? t.quota.maxVectors : 0;
    const percent = max > 0 ? (100 * used) / max : 100;
    return el('tr', { 'data-tenant': t.id, class: percent >= 90 ? 'near-quota' : '' },
      el('td', {}, t.id), el('td', {}, t.name), el('td', {}, t.status),
      el('td', { class: 'usage' }, bar(percent, `${number(used)} / ${number(max)} vectors (${number(percent, 1)}%)`)));
  });
  const body = $('#tenants-table tbody');
  if (append) body.append(...rows); else body.replaceChildren(...rows);
  return page.next;
});

// ---- collections

const renderCollections = paged($('#collections-more'), async (cursor, append) => {
  const page = await api(`/v1/admin/collections?limit=50${cursor ? `&cursor=${enc(cursor)}` : ''}`);
  const rows = page.collections.map((c) => el('tr', { 'data-collection': c.name },
    el('td', {}, el('a', { href: `#/collections/${enc(c.name)}` }, c.name)),
    el('td', {}, c.partitioning ? c.partitioning.strategy : ''), el('td', {}, c.backend),
    el('td', { class: 'num' }, c.dimension), el('td', {}, c.metric)));
  const body = $('#collections-table tbody');
  if (append) body.append(...rows); else body.replaceChildren(...rows);
  return page.next;
});

// ---- partitions of one collection, with their actions

let partitionsOf = null;

/** Starts a lifecycle job, then shows the jobs with its live progress. */
async function act(path, body) {
  try {
    const answer = await api(path, { method: 'POST', body });
    navigate('#/jobs');
    if (answer && answer.job) follow(answer.job.id);
  } catch (error) {
    showProblem(error);
  }
}

function actions(collection, p) {
  const base = `/v1/admin/collections/${enc(collection)}/partitions/${enc(p.placement)}`;
  const buttons = [];
  if (p.state === 'ACTIVE') {
    buttons.push(el('button', { type: 'button', class: 'split', onclick: async () => {
      const into = await confirmAction(`Split ${p.placement} (${number(p.vectorCount)} vectors) while it serves traffic?`, true);
      if (into) act(`${base}/split`, { into });
    } }, 'Split'));
    buttons.push(el('button', { type: 'button', class: 'archive', onclick: async () => {
      if (await confirmAction(`Archive ${p.placement} (${number(p.vectorCount)} vectors) to object storage? `
        + 'Its searches skip it and its writes are refused until it is restored.', false)) {
        act(`${base}/archive`);
      }
    } }, 'Archive'));
  }
  if (p.state === 'ARCHIVED') {
    buttons.push(el('button', { type: 'button', class: 'restore', onclick: async () => {
      if (await confirmAction(`Restore ${p.placement} from its archive?`, false)) act(`${base}/restore`);
    } }, 'Restore'));
  }
  if (p.strategy === 'SHARED_HASH' && p.bucket && p.state === 'ACTIVE') {
    for (const t of p.bucket.tenants || []) {
      buttons.push(el('button', { type: 'button', class: 'promote', 'data-tenant': t.tenant, onclick: async () => {
        if (await confirmAction(`Promote tenant ${t.tenant} (${number(t.vectors)} vectors) from shared bucket ${p.bucket.index} `
          + 'to a dedicated partition?', false)) {
          act(`/v1/admin/collections/${enc(collection)}/tenants/${enc(t.tenant)}/promote`, {});
        }
      } }, `Promote ${t.tenant}`));
    }
  }
  return el('td', { class: 'actions' }, ...buttons);
}

const renderPartitionPage = paged($('#partitions-more'), async (cursor, append) => {
  const collection = partitionsOf;
  const sort = $('#partitions-sort').value;
  const page = await api(`/v1/admin/collections/${enc(collection)}/partitions?limit=50&sort=${enc(sort)}`
    + `${cursor ? `&cursor=${enc(cursor)}` : ''}`);
  const rows = page.partitions.map((p) => {
    const s = p.stats || {};
    const hot = p.heat === 'HOT';
    return el('tr', { 'data-partition': p.placement, 'data-state': p.state, class: hot ? 'hot' : (p.heat === 'COLD' ? 'cold' : '') },
      el('td', {}, p.placement), el('td', {}, p.tenant || (p.bucket ? `bucket ${p.bucket.index}` : '')),
      el('td', { class: `state ${p.state.toLowerCase()}` }, p.state),
      el('td', { title: (p.heatReasons || []).join('\n') }, hot ? el('span', { class: 'badge hot' }, 'HOT') : p.heat),
      el('td', { class: 'num' }, number(p.vectorCount)), el('td', { class: 'num' }, number(s.qpm, 1)),
      el('td', { class: 'num' }, number(s.latencyMs ? s.latencyMs.p99 : null, 2)), el('td', {}, when(s.lastQueryAt)),
      actions(collection, p));
  });
  const body = $('#partitions-table tbody');
  if (append) body.append(...rows); else body.replaceChildren(...rows);
  return page.next;
});

async function renderPartitions(collection) {
  partitionsOf = collection;
  $('#partitions-collection').textContent = collection;
  await renderPartitionPage();
}

// ---- jobs, with live progress from each running job's event stream

const streams = new Map();

function stopStreams() {
  for (const controller of streams.values()) controller.abort();
  streams.clear();
}

function jobRow(entry) {
  const j = entry.job;
  const percent = entry.percent === null || entry.percent === undefined ? (j.state === 'SUCCEEDED' ? 100 : 0) : entry.percent;
  const target = `${j.collection || ''}${j.target ? ` / ${j.target}` : ''}`;
  return el('tr', { 'data-job': j.id, 'data-state': j.state, class: `job ${j.state.toLowerCase()}` },
    el('td', {}, `#${j.id}`), el('td', {}, j.type), el('td', {}, target),
    el('td', { class: 'state' }, j.state, j.error ? el('div', { class: 'error' }, j.error) : ''),
    el('td', {}, bar(percent, `${number(percent, 1)}%${j.total ? ` (${number(j.done)} of ${number(j.total)})` : ''}`)),
    el('td', {}, j.etaSeconds !== undefined && j.etaSeconds !== null && j.state === 'RUNNING' ? `${number(j.etaSeconds)} s` : ''),
    el('td', {}, `${j.requestedBy || ''} ${when(j.createdAt)}`));
}

function place(entry) {
  const body = $('#jobs-table tbody');
  const row = jobRow(entry);
  const old = body.querySelector(`tr[data-job="${entry.job.id}"]`);
  if (old) old.replaceWith(row); else body.prepend(row);
}

/** Reads the job's server-sent events through fetch (EventSource cannot send the Authorization header). */
async function follow(id) {
  if (streams.has(id)) return;
  const controller = new AbortController();
  streams.set(id, controller);
  try {
    const response = await fetch(`/v1/admin/jobs/${enc(id)}/events`, {
      headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY)}`, Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (!response.ok) throw new Problem(response.status, await response.json().catch(() => null));
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5)).join('\n');
        if (data) place(JSON.parse(data));
      }
    }
  } catch (error) {
    if (error.name !== 'AbortError') showProblem(error);
  } finally {
    streams.delete(id);
  }
}

const renderJobs = paged($('#jobs-more'), async (cursor, append) => {
  const page = await api(`/v1/admin/jobs?limit=50${cursor ? `&cursor=${enc(cursor)}` : ''}`);
  const body = $('#jobs-table tbody');
  const rows = page.jobs.map(jobRow);
  if (append) body.append(...rows); else body.replaceChildren(...rows);
  for (const entry of page.jobs) {
    if (entry.job.state === 'PENDING' || entry.job.state === 'RUNNING') follow(entry.job.id);
  }
  return page.next;
});

// ---------------------------------------------------------------- wiring

$('#signin').addEventListener('submit', signIn);
$('#sign-out').addEventListener('click', signOut);
$('#history-collection').addEventListener('change', () => renderOverview().catch(showProblem));
$('#partitions-sort').addEventListener('change', () => renderPartitionPage().catch(showProblem));
window.addEventListener('hashchange', route);
route();
