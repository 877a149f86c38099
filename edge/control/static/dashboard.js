// The edgesim dashboard: one page over the control plane's admin API.
//
// It reads the topology, the coastlines and the city list once, then follows the snapshot the
// control plane pushes every second over server-sent events; everything on the page is drawn
// from the latest snapshot, so a node that goes down or comes back shows at the next one.

const TOKEN_KEY = "edgesim-admin-token";
const CITY_COOKIE = "edgesim-viewer-city"; // read by the front door and the PoPs
const RECENT_KEPT = 100;
const ARCS_PER_SNAPSHOT = 60; // the newest; more would only blur into each other
const ARC_LIFETIME_MS = 2500;
const ARC_RECENT_S = 5; // older requests (a stream's first snapshot has some) get no arc
const STALE_AFTER_MS = 5000; // no snapshot for this long: connect again
const RETRY_MS = 1000; // between two tries while the control plane is away
const SUGGESTIONS = 8;

// The map: equirectangular, 4 units a degree, from 84°N to 58°S (Antarctica left out).
const SCALE = 4;
const NORTH = 84;
const SOUTH = -58;
const WIDTH = 360 * SCALE;
const HEIGHT = (NORTH - SOUTH) * SCALE;
const LABEL_WIDTH = 118;
const LABEL_HEIGHT = 26;
const MAX_RADIUS = 16; // of a PoP's mark, at its busiest
const NEAR = MAX_RADIUS + 2; // a label this far from its mark needs no line back to it
const SVG_NS = "http://www.w3.org/2000/svg";

const state = {
  token: null,
  topology: null,
  nodes: new Map(), // id -> topology node
  places: new Map(), // node or origin id -> its mark, title and label on the map
  cities: [], // [name, country code, latitude, longitude, population, region code], most populous first
  folded: [], // the cities' names folded for search, same order
  recent: [], // newest first
  seen: new Set(), // `recordKey` of the records in `recent`
  invalidations: [], // the newest, as the last snapshot had them
  logFunction: null, // the function whose log is shown
  logReadAt: 0, // when it was last read (ms)
  events: null,
  started: false, // the first load went through: from then on `watch` keeps the stream up
  lastSnapshot: 0,
  reconnecting: false,
  retry: 0, // the timer of the next try
  suggestions: [],
  active: -1,
};

const $ = (id) => document.getElementById(id);

// -- small DOM helpers ----------------------------------------------------------------------

/** An HTML element: `props` are attributes (`text` is its text), children are nodes or text. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** An SVG element with these attributes. */
function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function cell(value, className) {
  return el("td", { class: className }, value ?? "–");
}

function emptyRow(columns, text) {
  return el("tr", {}, el("td", { class: "empty", colspan: columns, text }));
}

// -- formatting -----------------------------------------------------------------------------

const isNumber = (value) => typeof value === "number" && Number.isFinite(value);

function rate(value) {
  if (!isNumber(value)) return "–";
  return value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString("en");
}

function percent(ratio) {
  if (!isNumber(ratio)) return "–";
  return `${(ratio * 100).toFixed(ratio === 1 || ratio === 0 ? 0 : 1)}%`;
}

function bytes(value) {
  if (!isNumber(value)) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 || value >= 10 ? 0 : 1)} ${units[unit]}`;
}

function ms(value) {
  if (!isNumber(value)) return "–";
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value).toLocaleString("en")} ms`;
}

function seconds(value) {
  if (!isNumber(value)) return "–";
  const sign = value < 0 ? "−" : "";
  value = Math.abs(value);
  if (value < 60) return `${sign}${value.toFixed(value < 10 ? 1 : 0)} s`;
  if (value < 3600) return `${sign}${Math.floor(value / 60)} min ${Math.floor(value % 60)} s`;
  if (value < 86400) return `${sign}${(value / 3600).toFixed(1)} h`;
  return `${sign}${(value / 86400).toFixed(1)} d`;
}

function count(value) {
  return isNumber(value) ? value.toLocaleString("en") : "–";
}

function clock(epochSeconds, withMillis = false) {
  if (!isNumber(epochSeconds)) return "–";
  const time = new Date(epochSeconds * 1000);
  const text = time.toLocaleTimeString("en-GB", { hour12: false });
  return withMillis ? `${text}.${String(time.getMilliseconds()).padStart(3, "0")}` : text;
}

/** "Hit", "Miss" or "Error" for colouring, from an `X-Cache` value or a result type. */
function outcome(record) {
  const text = `${record.x_cache ?? record.result_type ?? ""}`.toLowerCase();
  if (record.status >= 500 || text.startsWith("error")) return "error";
  return text.includes("hit") ? "hit" : "miss";
}

// -- the API --------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** The JSON the control plane answers to `path`, with the admin token. */
async function api(path, init = {}) {
  const headers = { ...init.headers, Authorization: `Bearer ${state.token}` };
  const response = await fetch(path, { ...init, headers, cache: "no-store" });
  const body = await response.json().catch(() => null);
  if (response.status === 401) askForToken("The control plane refused this token.");
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** The token from `#token=...` (kept, and taken out of the address bar) or from before. */
function savedToken() {
  const fromAddress = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromAddress) {
    localStorage.setItem(TOKEN_KEY, fromAddress);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return fromAddress || localStorage.getItem(TOKEN_KEY);
}

function askForToken(reason) {
  state.token = null;
  clearTimeout(state.retry);
  localStorage.removeItem(TOKEN_KEY);
  state.events?.close();
  state.events = null;
  setConnection("connecting", "token needed");
  if (reason) $("token-reason").textContent = reason;
  const dialog = $("token-dialog");
  if (!dialog.open) dialog.showModal();
}

function acceptToken(event) {
  const token = $("token-input").value.trim();
  if (!token) {
    event.preventDefault();
    return;
  }
  localStorage.setItem(TOKEN_KEY, token);
  state.token = token;
  $("token-input").value = "";
  start();
}

// -- the live stream ------------------------------------------------------------------------

function setConnection(kind, text) {
  const pill = $("connection");
  pill.dataset.state = kind;
  pill.textContent = text ?? (kind === "live" ? "live" : "reconnecting…");
}

/** One EventSource on the snapshots; the browser retries on its own after a dropped stream,
 * and `watch` starts over when it gives up or goes quiet. */
function connect() {
  state.events?.close();
  const events = new EventSource(`/api/events?token=${encodeURIComponent(state.token)}`);
  state.events = events;
  state.lastSnapshot = Date.now();
  let dropped = false;
  events.addEventListener("open", () => {
    setConnection("live");
    if (dropped) loadTopology().catch(() => {}); // the control plane may have restarted
  });
  events.addEventListener("snapshot", (message) => {
    state.lastSnapshot = Date.now();
    setConnection("live");
    applySnapshot(JSON.parse(message.data));
  });
  events.addEventListener("error", () => {
    dropped = true;
    setConnection("reconnecting");
    if (events.readyState === EventSource.CLOSED) reconnect();
  });
}

/** A new stream once the control plane answers again, tried every RETRY_MS until then. */
async function reconnect() {
  if (state.reconnecting || !state.token) return;
  state.reconnecting = true;
  clearTimeout(state.retry);
  state.events?.close();
  state.events = null;
  try {
    await loadTopology(); // also tells a refused token from a control plane that is away
    connect();
  } catch (error) {
    if (error.status !== 401) state.retry = setTimeout(reconnect, RETRY_MS);
  } finally {
    state.lastSnapshot = Date.now();
    state.reconnecting = false;
  }
}

function watch() {
  if (state.started && state.token && !state.reconnecting
      && Date.now() - state.lastSnapshot > STALE_AFTER_MS) {
    setConnection("reconnecting");
    reconnect();
  }
}

function applySnapshot(snapshot) {
  const stats = snapshot.stats ?? { nodes: {}, aggregate: {} };
  renderTotals(stats);
  renderPlaces(stats.nodes ?? {});
  renderNodeTable(stats.nodes ?? {});
  addRecent(snapshot.recent ?? []);
  renderFunctions(snapshot.functions?.functions ?? snapshot.functions ?? {});
  renderLoad(snapshot.load);
  renderConfig(snapshot.config);
  refreshFunctionLog();
  renderInvalidations(snapshot.invalidations ?? []);
  $("updated").textContent = clock(snapshot.time);
}

// -- the map --------------------------------------------------------------------------------

function project(latitude, longitude) {
  return [(longitude + 180) * SCALE, (NORTH - latitude) * SCALE];
}

function unproject(x, y) {
  return [NORTH - y / SCALE, x / SCALE - 180];
}

async function loadLand() {
  const response = await fetch("/static/land.json");
  const land = await response.json();
  const unit = land.unit;
  const ring = (flat) => {
    const points = [];
    for (let i = 0; i < flat.length; i += 2) {
      const [x, y] = project(flat[i + 1] * unit, flat[i] * unit);
      points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    }
    return `M${points.join("L")}Z`;
  };
  $("land").replaceChildren(...land.polygons.map((rings) =>
    svg("path", { d: rings.map(ring).join("") })));
  const lines = [];
  for (let lon = -150; lon < 180; lon += 30) lines.push(`M${project(NORTH, lon)}V${HEIGHT}`);
  for (let lat = -30; lat < NORTH; lat += 30) lines.push(`M0,${project(lat, 0)[1]}H${WIDTH}`);
  $("graticule").replaceChildren(svg("path", { d: lines.join("") }));
}

async function loadTopology() {
  const topology = await api("/api/topology");
  state.topology = topology;
  state.nodes = new Map(topology.nodes.map((node) => [node.id, node]));
  const dist = topology.distribution ?? {};
  $("distribution").textContent = [dist.id, dist.domain_name].filter(Boolean).join(" · ");
  drawTopology(topology);
  fillCacheNodes(topology.nodes);
  showViewerCity();
}

/** The node (or origin) a node fetches from: its parent, else the origin (through the shield
 * when the origin has one). */
function upstreamOf(node, topology) {
  if (node.parent) return state.nodes.get(node.parent);
  const origin = topology.origins[0];
  if (!origin) return null;
  const shield = topology.shields?.[origin.id];
  return shield && shield !== node.id ? state.nodes.get(shield) : origin;
}

function drawTopology(topology) {
  const links = [];
  for (const node of topology.nodes) {
    const upstream = upstreamOf(node, topology);
    if (!upstream) continue;
    const [x1, y1] = project(node.latitude, node.longitude);
    const [x2, y2] = project(upstream.latitude, upstream.longitude);
    links.push(svg("line", { x1, y1, x2, y2 }));
  }
  $("links").replaceChildren(...links);

  state.places = new Map();
  const marks = [];
  const origins = topology.origins
    .filter((origin) => isNumber(origin.latitude) && isNumber(origin.longitude))
    .map((origin) => ({ ...origin, kind: "origin" }));
  // PoPs first: a regional cache or an origin in the same city is drawn as a frame round it.
  const order = { pop: 0, rec: 1, origin: 2 };
  const everything = [...origins, ...topology.nodes].sort((a, b) => order[a.kind] - order[b.kind]);
  for (const place of everything) {
    const [x, y] = project(place.latitude, place.longitude);
    const group = svg("g", { class: `place ${place.kind}`, "data-id": place.id });
    let mark;
    if (place.kind === "pop") mark = svg("circle", { class: "mark", cx: x, cy: y, r: 5 });
    else if (place.kind === "rec") {
      mark = svg("rect", { class: "mark", x: x - 9, y: y - 9, width: 18, height: 18, rx: 3 });
    } else {
      mark = svg("rect", { class: "mark", x: x - 9, y: y - 9, width: 18, height: 18,
        transform: `rotate(45 ${x} ${y})` });
    }
    const title = svg("title");
    title.textContent = place.kind === "origin"
      ? `origin ${place.id}${place.city ? ` (${place.city})` : ""}`
      : `${place.id} (${place.kind === "pop" ? "PoP" : "regional cache"}, ${place.city})`;
    group.append(mark, title);
    marks.push(group);
    state.places.set(place.id, { group, mark, title, x, y, kind: place.kind, figures: null,
      label: null });
  }
  $("places").replaceChildren(...marks);
  $("labels").replaceChildren(...placeLabels(everything.filter((p) => p.kind !== "rec")));
}

/** Labels for the PoPs and origins, each put where it hides no other label or mark: beside
 * its mark if there is room, else further out with a line back to it. */
function placeLabels(places) {
  const taken = [...state.places.values()].map((p) => box(p.x - 10, p.y - 10, 20, 20));
  const items = places
    .map((place) => ({ place, ...state.places.get(place.id) }))
    .sort((a, b) => a.x - b.x);
  const groups = [];
  for (const item of items) {
    const spot = freeSpot(item, taken);
    taken.push(spot);
    const group = svg("g", { class: item.kind, "data-id": item.place.id });
    if (spot.far) {
      const [lx, ly] = nearestPoint(spot, item.x, item.y);
      group.append(svg("line", { x1: item.x, y1: item.y, x2: lx, y2: ly }));
    }
    const text = svg("text", { x: spot.x + 3, y: spot.y + 11 });
    const name = svg("tspan", { class: "name" });
    name.textContent = item.kind === "origin" ? `origin ${item.place.id}` : item.place.id;
    const figures = svg("tspan", { class: "figures", x: spot.x + 3, dy: 12 });
    figures.textContent = item.kind === "origin" ? item.place.city ?? "" : "";
    text.append(name, figures);
    group.append(text);
    groups.push(group);
    Object.assign(state.places.get(item.place.id), { figures, label: group });
  }
  return groups;
}

function box(x, y, w, h, far = false) {
  return { x, y, w, h, far };
}

function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function freeSpot({ x, y }, taken) {
  const w = LABEL_WIDTH;
  const h = LABEL_HEIGHT;
  const candidates = [];
  for (const d of [NEAR, 40, 62, 86]) {
    candidates.push(
      box(x + d, y - h / 2, w, h, d > NEAR),
      box(x - d - w, y - h / 2, w, h, d > NEAR),
      box(x - w / 2, y - d - h, w, h, d > NEAR),
      box(x - w / 2, y + d, w, h, d > NEAR),
    );
  }
  const inside = (b) => b.x >= 0 && b.y >= 0 && b.x + b.w <= WIDTH && b.y + b.h <= HEIGHT;
  return candidates.find((b) => inside(b) && !taken.some((t) => overlaps(b, t)))
    ?? candidates.find(inside) ?? candidates[0];
}

function nearestPoint(b, x, y) {
  return [Math.min(Math.max(x, b.x), b.x + b.w), Math.min(Math.max(y, b.y), b.y + b.h)];
}

/** Each node's mark: its size follows its request rate, grey and red when it is down. */
function renderPlaces(nodes) {
  for (const [id, place] of state.places) {
    if (place.kind === "origin") continue;
    const stats = nodes[id];
    const down = stats?.up === false;
    place.group.classList.toggle("down", down);
    place.label?.classList.toggle("down", down);
    const node = state.nodes.get(id);
    if (place.kind === "pop") {
      const radius = down ? 5 : Math.min(5 + 2.2 * Math.sqrt(stats?.req_s ?? 0), MAX_RADIUS);
      place.mark.setAttribute("r", radius.toFixed(1));
    }
    const figures = `${rate(stats?.req_s)}/s · ${percent(stats?.hit_ratio)} hit · `
      + `${bytes(stats?.bytes_s)}/s`;
    place.title.textContent = `${id} (${node?.city ?? ""}): ${down ? "down" : figures}`;
    if (place.figures) place.figures.textContent = down ? "down" : figures;
  }
}

/** A short-lived curve from where the viewer is to the PoP that served it. */
function drawArc(record) {
  const pop = state.nodes.get(record.pop);
  const viewer = record.viewer;
  if (!pop || !viewer || !isNumber(viewer.latitude) || !isNumber(viewer.longitude)) return;
  let longitude = viewer.longitude;
  if (longitude - pop.longitude > 180) longitude -= 360; // the short way, across the edge
  else if (pop.longitude - longitude > 180) longitude += 360;
  const [x1, y1] = project(viewer.latitude, longitude);
  const [x2, y2] = project(pop.latitude, pop.longitude);
  const length = Math.hypot(x2 - x1, y2 - y1);
  // The control point lifts the curve off the straight line, towards the top of the map.
  let nx = -(y2 - y1) / (length || 1);
  let ny = (x2 - x1) / (length || 1);
  if (ny > 0) [nx, ny] = [-nx, -ny];
  const cx = (x1 + x2) / 2 + nx * length * 0.2;
  const cy = (y1 + y2) / 2 + ny * length * 0.2;
  const kind = outcome(record);
  const shifts = [0];
  if (Math.min(x1, x2) < 0) shifts.push(WIDTH);
  if (Math.max(x1, x2) > WIDTH) shifts.push(-WIDTH);
  const drawn = [];
  for (const shift of shifts) {
    const g = svg("g", { transform: `translate(${shift} 0)` });
    g.append(
      svg("path", { class: kind, d: `M${x1},${y1}Q${cx},${cy} ${x2},${y2}` }),
      svg("circle", { class: kind, cx: x1, cy: y1, r: 2 }),
    );
    drawn.push(g);
  }
  $("arcs").append(...drawn);
  setTimeout(() => drawn.forEach((g) => g.remove()), ARC_LIFETIME_MS);
}

// -- tables ---------------------------------------------------------------------------------

function renderTotals(stats) {
  const total = stats.aggregate ?? {};
  $("total-rate").textContent = rate(total.req_s);
  $("total-hits").textContent = percent(total.hit_ratio);
  $("total-byte-hits").textContent = percent(total.byte_hit_ratio);
  $("total-bandwidth").textContent = isNumber(total.bytes_s) ? `${bytes(total.bytes_s)}/s` : "–";
  $("total-origin").textContent = count(total.origin_requests);
  const nodes = Object.values(stats.nodes ?? {});
  $("total-up").textContent = `${nodes.filter((n) => n.up).length} / ${nodes.length}`;
}

function fillBar(ratio) {
  const width = isNumber(ratio) ? Math.min(Math.max(ratio, 0), 1) * 100 : 0;
  return el("span", { class: "bar" }, el("span", { style: `width: ${width.toFixed(1)}%` }));
}

function renderNodeTable(nodes) {
  const order = { pop: 0, rec: 1 };
  const rows = [...state.nodes.values()]
    .sort((a, b) => order[a.kind] - order[b.kind])
    .map((node) => {
      const stats = nodes[node.id] ?? {};
      const down = stats.up === false;
      const cache = stats.cache ?? {};
      const fill = isNumber(cache.bytes) && cache.max_bytes ? cache.bytes / cache.max_bytes : null;
      const filled = fill > 0 && fill < 0.001 ? "<0.1%" : percent(fill);
      const status = el("span", { class: down ? "status-down" : "status-up",
        title: stats.error ?? null, text: down ? "down" : "up" });
      const fillCell = el("td", {}, fillBar(fill), filled);
      fillCell.title = `${bytes(cache.bytes)} of ${bytes(cache.max_bytes)}`;
      return el("tr", { class: down ? "down" : null, "data-id": node.id },
        cell(node.id),
        cell(`${node.city}${node.kind === "rec" ? " (regional)" : ""}`),
        el("td", {}, status),
        cell(rate(stats.req_s), "num"),
        cell(percent(stats.hit_ratio), "num"),
        cell(percent(stats.byte_hit_ratio), "num"),
        cell(ms(stats.p99_ms), "num"),
        cell(isNumber(stats.bytes_s) ? `${bytes(stats.bytes_s)}/s` : "–", "num"),
        fillCell,
        cell(count(cache.objects), "num"),
        cell(count(cache.evictions), "num"),
        cell(count(stats.requests), "num"));
    });
  $("node-table").tBodies[0].replaceChildren(...rows);
}

/** A record's identity: a PoP's sequence numbers start again when it restarts. */
function recordKey(record) {
  return `${record.pop}:${record.seq}:${record.time}`;
}

const newestFirst = (a, b) => b.time - a.time || b.seq - a.seq;

/** Records the dashboard has not listed yet, at the top of the table (and the latest of them
 * on the map). */
function addRecent(records) {
  const fresh = records.filter((record) => !state.seen.has(recordKey(record))).sort(newestFirst);
  const since = Date.now() / 1000 - ARC_RECENT_S;
  fresh.filter((record) => record.time >= since).slice(0, ARCS_PER_SNAPSHOT).forEach(drawArc);
  state.recent = [...fresh, ...state.recent].sort(newestFirst).slice(0, RECENT_KEPT);
  state.seen = new Set(state.recent.map(recordKey));
  renderRecent();
}

function viewerName(record) {
  const viewer = record.viewer ?? {};
  return [viewer.city, viewer.country].filter(Boolean).join(", ") || record.c_ip;
}

function renderRecent() {
  const rows = state.recent.map((record) => {
    const path = record.query ? `${record.path}?${record.query}` : record.path;
    return el("tr", { class: record.status >= 400 ? "error" : null },
      cell(clock(record.time, !Number.isInteger(record.time))),
      el("td", { title: record.c_ip }, viewerName(record)),
      cell(record.pop),
      cell(record.method),
      el("td", { class: "path", title: path }, path),
      cell(record.status, "num status"),
      cell(record.x_cache, `x-cache-${outcome(record)}`),
      cell(ms(record.time_taken_ms), "num"));
  });
  $("recent-table").tBodies[0].replaceChildren(
    ...(rows.length ? rows : [emptyRow(8, "No requests yet.")]));
}

function errorSummary(reading) {
  const parts = Object.entries(reading.errors ?? {}).filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${count(n)}`);
  return parts.length ? parts.join(" · ") : "–";
}

function renderFunctions(functions) {
  const rows = Object.entries(functions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, reading]) => {
      const errors = el("td", { class: errorSummary(reading) === "–" ? null : "x-cache-error" },
        errorSummary(reading));
      const causes = Object.entries(reading.execution_errors ?? {})
        .map(([cause, n]) => `${cause}: ${n}`).join("\n");
      if (causes) errors.title = causes;
      const nodes = Object.keys(reading.nodes ?? {});
      return el("tr", { "data-id": name },
        el("td", { title: nodes.length ? `on ${nodes.join(", ")}` : null },
          el("button", { type: "button", class: "link", "data-function": name, text: name })),
        cell(reading.event_type),
        cell(count(reading.invocations), "num"),
        errors,
        cell(ms(reading.duration_p50_ms), "num"),
        cell(ms(reading.duration_p99_ms), "num"),
        cell(count(reading.cold_starts), "num"),
        cell(isNumber(reading.gb_seconds) ? reading.gb_seconds.toFixed(4) : "–", "num"),
        cell(isNumber(reading.cost_usd) ? `$${reading.cost_usd.toFixed(6)}` : "–", "num"));
    });
  $("function-table").tBodies[0].replaceChildren(
    ...(rows.length ? rows : [emptyRow(9, "No edge function has run yet.")]));
}

const LOG_LINES = 60;
const LOG_EVERY_MS = 2000; // the log shown is read again at most this often

/** The last lines of a function's log on every node it runs on, newest last. */
async function showFunctionLog(name) {
  state.logFunction = name;
  state.logReadAt = Date.now();
  const { lines } = await api(`/api/functions/logs?name=${encodeURIComponent(name)}`
    + `&lines=${LOG_LINES}`);
  if (state.logFunction !== name) return; // another was picked meanwhile
  $("function-log").hidden = false;
  $("function-log-name").textContent = name;
  $("function-log-lines").textContent = lines.length
    ? lines.map((l) => `[${l.node}] ${l.line}`).join("\n")
    : "Nothing logged yet.";
}

function onFunctionClick(event) {
  const button = event.target.closest("[data-function]");
  if (button) showFunctionLog(button.dataset.function).catch(() => {});
}

function refreshFunctionLog() {
  if (state.logFunction && Date.now() - state.logReadAt >= LOG_EVERY_MS) {
    showFunctionLog(state.logFunction).catch(() => {});
  }
}

// -- the load view --------------------------------------------------------------------------

function renderLoad(load) {
  const view = $("load-view");
  if (!load) {
    view.replaceChildren(el("p", { class: "muted", text: "No load running." }));
    return;
  }
  let done = null;
  if (isNumber(load.requests_planned) && load.requests_planned > 0) {
    done = load.requests / load.requests_planned;
  } else if (isNumber(load.duration_s) && load.duration_s > 0) {
    done = load.elapsed_s / load.duration_s;
  }
  if (load.finished) done = 1;
  const figure = (term, value) =>
    el("div", {}, el("dt", { text: term }), el("dd", { text: value }));
  const planned = isNumber(load.requests_planned) ? ` of ${count(load.requests_planned)}` : "";
  const lasting = isNumber(load.duration_s) ? ` of ${seconds(load.duration_s)}` : "";
  view.replaceChildren(
    el("div", { class: "load-head" },
      el("strong", { text: `edgesim load${load.target ? ` → ${load.target}` : ""}` }),
      el("span", { class: `badge ${load.finished ? "Completed" : "InProgress"}`,
        text: load.finished ? "finished" : "running" }),
      el("span", { class: "muted small",
        text: `${seconds(load.elapsed_s)}${lasting}` })),
    el("span", { class: "bar wide" },
      el("span", { style: `width: ${((done ?? 0) * 100).toFixed(1)}%` })),
    el("dl", { class: "load-figures" },
      figure("Requests", `${count(load.requests)}${planned}`),
      figure("Rate", `${rate(load.rate)} req/s`),
      figure("Errors", count(load.errors)),
      figure("p50", ms(load.p50_ms)),
      figure("p99", ms(load.p99_ms)),
      figure("Hit ratio", percent(load.hit_ratio))));
}

// -- the configuration ----------------------------------------------------------------------

/** The file the network runs, and how its last reload went (an edit of a watched file, or
 * "Reload now"). */
function renderConfig(config) {
  if (!config) return;
  const last = config.last_reload;
  const term = (name, value, className) =>
    el("div", {}, el("dt", { text: name }), el("dd", { class: className, text: value }));
  const terms = [
    term("File", config.source ?? "the built-in default world"),
    term("Version", config.config_version),
    term("Watched", config.watching ? "yes: a saved edit reloads it" : "no"),
    term("Last reload", last ? `${last.result} at ${clock(last.time)}` : "none yet",
      last && last.result !== "applied" ? "bad" : ""),
  ];
  if (last?.error) terms.push(term("Why", last.error, "bad"));
  $("config-view").replaceChildren(...terms);
}

async function reloadConfig() {
  const message = $("config-message");
  message.className = "message";
  message.textContent = "reloading…";
  try {
    const done = await api("/api/config/reload", { method: "POST" });
    message.textContent = `applied: version ${done.config_version}`;
  } catch (error) {
    message.className = "message bad";
    message.textContent = error.body?.error ?? error.message;
  }
}

// -- invalidations --------------------------------------------------------------------------

function createdTime(invalidation) {
  const created = invalidation.created;
  return typeof created === "number" ? created : Date.parse(created) / 1000;
}

/** The newest invalidations, each with every node's progress (a snapshot has them). */
function renderInvalidations(invalidations) {
  state.invalidations = invalidations;
  const items = invalidations.map((invalidation) => {
    const nodes = Object.entries(invalidation.nodes ?? {});
    const finished = nodes.filter(([, n]) => n.status !== "InProgress").length;
    const progress = nodes.length ? ` · ${finished} of ${nodes.length} nodes` : "";
    const chips = nodes.map(([id, n]) => {
      const removed = isNumber(n.removed) ? ` ✓ ${n.removed}` : "";
      const mark = n.status === "Failed" ? " ✗" : n.status === "InProgress" ? " …" : removed;
      return el("span", { class: `chip ${n.status}`, title: n.error ?? n.status }, `${id}${mark}`);
    });
    return el("li", { "data-id": invalidation.id },
      el("div", { class: "head" },
        el("strong", { text: invalidation.id }),
        el("span", { class: `badge ${invalidation.status}`, text: invalidation.status }),
        el("span", { class: "muted small",
          text: `${clock(createdTime(invalidation))}${progress}` })),
      el("div", { class: "paths", text: (invalidation.paths ?? []).join("  ") }),
      nodes.length ? el("span", { class: "bar wide" },
        el("span", { style: `width: ${(100 * finished / nodes.length).toFixed(1)}%` })) : null,
      el("div", { class: "chips" }, ...chips));
  });
  $("invalidation-list").replaceChildren(...items);
}

async function submitInvalidation(event) {
  event.preventDefault();
  const message = $("invalidation-message");
  const paths = $("invalidation-paths").value.split("\n").map((p) => p.trim()).filter(Boolean);
  message.className = "message";
  if (!paths.length) {
    message.className = "message bad";
    message.textContent = "Give at least one path, e.g. /index.html or /images/*.";
    return;
  }
  try {
    const created = await api("/api/invalidations", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ paths }),
    });
    message.textContent = `${created.id} started.`;
    $("invalidation-paths").value = "";
    // Shown at once; the next snapshot brings each node's progress.
    renderInvalidations([created, ...state.invalidations.filter((i) => i.id !== created.id)]);
  } catch (error) {
    message.className = "message bad";
    const why = Object.entries(error.body?.paths ?? {})
      .map(([path, reason]) => `${path}: ${reason}`);
    message.textContent = why.length ? why.join("; ") : error.message;
  }
}

// -- the cache inspector --------------------------------------------------------------------

function fillCacheNodes(nodes) {
  const select = $("cache-node");
  const chosen = select.value;
  const order = { pop: 0, rec: 1 };
  const sorted = [...nodes].sort((a, b) => order[a.kind] - order[b.kind]);
  select.replaceChildren(...sorted.map((node) =>
    el("option", { value: node.id, text: `${node.id} (${node.city})` })));
  if (chosen && state.nodes.has(chosen)) select.value = chosen;
}

async function inspectCache(event) {
  event?.preventDefault();
  const id = $("cache-node").value;
  const prefix = $("cache-prefix").value.trim() || "/";
  const summary = $("cache-summary");
  const body = $("cache-table").tBodies[0];
  if (!id) return;
  try {
    const cache = await api(`/api/nodes/${encodeURIComponent(id)}/cache?`
      + new URLSearchParams({ prefix, limit: "100" }));
    const shown = cache.matched > cache.entries.length
      ? `, the ${cache.entries.length} most hit shown` : "";
    summary.textContent = `${id}: ${count(cache.objects)} objects, ${bytes(cache.bytes)} of `
      + `${bytes(cache.max_bytes)}, ${count(cache.evictions)} evictions; ${count(cache.matched)} `
      + `under ${prefix}${shown}.`;
    const rows = cache.entries.map((entry) => {
      const stale = isNumber(entry.ttl_left_s) && entry.ttl_left_s < 0;
      return el("tr", {},
        el("td", { class: "path", title: entry.key },
          entry.variant ? `${entry.uri} (${entry.variant})` : entry.uri),
        cell(entry.status, "num"),
        cell(bytes(entry.size), "num"),
        cell(seconds(entry.age_s), "num"),
        cell(stale ? `stale ${seconds(-entry.ttl_left_s)}` : seconds(entry.ttl_left_s), "num"),
        cell(count(entry.hits), "num"));
    });
    body.replaceChildren(
      ...(rows.length ? rows : [emptyRow(6, `Nothing cached under ${prefix}.`)]));
  } catch (error) {
    summary.textContent = error.status === 502
      ? `${id} is down.` : `Could not read ${id}: ${error.message}`;
    body.replaceChildren();
  }
}

// -- browse as a viewer somewhere -----------------------------------------------------------

function fold(text) {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().trim();
}

async function loadCities() {
  const { cities } = await api("/api/cities");
  state.cities = cities;
  state.folded = cities.map(([name]) => fold(name));
  showViewerCity();
}

/** The most populous cities whose name starts with the query ("paris, fr" narrows by
 * country), then those that only contain it. */
function searchCities(query) {
  const [name, country = ""] = fold(query).split(",").map((part) => part.trim());
  if (!name) return [];
  const wanted = (i) => !country || fold(state.cities[i][1]).startsWith(country);
  const found = [];
  for (const test of [(n) => n.startsWith(name), (n) => !n.startsWith(name) && n.includes(name)]) {
    for (let i = 0; i < state.folded.length && found.length < SUGGESTIONS; i += 1) {
      if (test(state.folded[i]) && wanted(i)) found.push(state.cities[i]);
    }
  }
  return found;
}

function showSuggestions() {
  const list = $("city-options");
  state.suggestions = searchCities($("city-search").value);
  state.active = state.suggestions.length ? 0 : -1;
  list.replaceChildren(...state.suggestions.map(([name, country, , , population], i) =>
    el("li", { role: "option", id: `city-option-${i}`, "data-index": i,
      "aria-selected": String(i === state.active),
      title: `${count(population)} people` },
    el("span", { text: name }), el("span", { class: "country", text: country }))));
  list.hidden = !state.suggestions.length;
  $("city-search").setAttribute("aria-expanded", String(!list.hidden));
}

function highlight(index) {
  state.active = index;
  for (const item of $("city-options").children) {
    item.setAttribute("aria-selected", String(Number(item.dataset.index) === index));
  }
  $("city-search").setAttribute("aria-activedescendant", `city-option-${index}`);
}

function closeSuggestions() {
  $("city-options").hidden = true;
  $("city-search").setAttribute("aria-expanded", "false");
}

function onSearchKey(event) {
  const n = state.suggestions.length;
  if (event.key === "ArrowDown" && n) highlight((state.active + 1) % n);
  else if (event.key === "ArrowUp" && n) highlight((state.active - 1 + n) % n);
  else if (event.key === "Escape") closeSuggestions();
  else return;
  event.preventDefault();
}

function pickSuggestion(event) {
  event.preventDefault();
  const index = state.active >= 0 ? state.active : 0;
  const city = state.suggestions[index];
  if (city) browseAs(city);
}

function onSuggestionClick(event) {
  const item = event.target.closest("li[data-index]");
  if (item) browseAs(state.suggestions[Number(item.dataset.index)]);
}

/** From now on this browser is a viewer in `city` at the front door and the PoPs: the cookie
 * goes to every port of this host. */
function browseAs([name, country, , , , region]) {
  // The region too, so that a smaller namesake (Portland, ME) is not taken for the biggest.
  const value = encodeURIComponent(region ? `${name}, ${region}, ${country}` : `${name}, ${country}`);
  document.cookie = `${CITY_COOKIE}=${value}; path=/; SameSite=Lax`;
  $("city-search").value = "";
  closeSuggestions();
  showViewerCity();
}

function clearCity() {
  document.cookie = `${CITY_COOKIE}=; path=/; max-age=0; SameSite=Lax`;
  showViewerCity();
}

function viewerCookie() {
  for (const piece of document.cookie.split(";")) {
    const [name, ...value] = piece.trim().split("=");
    if (name === CITY_COOKIE && value.join("=")) return decodeURIComponent(value.join("="));
  }
  return null;
}

function findCity(text) {
  const parts = text.split(",").map((part) => fold(part));
  const [name, country, region] = [parts[0], parts.length > 1 ? parts.at(-1) : "",
    parts.length > 2 ? parts[1] : ""];
  const index = state.folded.findIndex((n, i) => n === name
    && (!country || fold(state.cities[i][1]) === country)
    && (!region || fold(state.cities[i][5] || "") === region));
  return index >= 0 ? state.cities[index] : null;
}

/** The chosen city, a link to the site through the front door, and a pin on the map. */
function showViewerCity() {
  const chosen = viewerCookie();
  $("viewer").hidden = !chosen;
  const mark = $("viewer-mark");
  mark.replaceChildren();
  if (!chosen) return;
  const city = findCity(chosen);
  const shown = city ? `${city[0]}, ${city[1]}` : chosen;
  $("viewer-city").textContent = shown;
  const link = $("open-site");
  const door = state.topology?.front_door
    ?? [...state.nodes.values()].find((n) => n.kind === "pop")?.viewer_url;
  if (door) link.href = `${door.replace(/\/$/, "")}/`;
  link.hidden = !door;
  if (city) { // a pin with no label: the bar above names the city, and PoP labels stay clear
    const [x, y] = project(city[2], city[3]);
    const pin = svg("circle", { cx: x, cy: y, r: 5 });
    const title = svg("title");
    title.textContent = `browsing as ${shown}`;
    pin.append(title);
    mark.append(pin);
  }
}

function distanceKm(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2
    + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 12742 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** A click on the map browses as the city nearest to it. */
function onMapClick(event) {
  const map = $("map");
  const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(
    map.getScreenCTM().inverse());
  const [latitude, longitude] = unproject(point.x, point.y);
  let best = null;
  let bestDistance = Infinity;
  for (const city of state.cities) {
    const d = distanceKm(latitude, longitude, city[2], city[3]);
    if (d < bestDistance) [best, bestDistance] = [city, d];
  }
  if (best) browseAs(best);
}

// -- start ----------------------------------------------------------------------------------

async function loadRecent() {
  const { requests } = await api("/api/recent?limit=100");
  addRecent(requests);
}

async function start() {
  setConnection("connecting", "connecting…");
  try {
    await loadTopology();
    await Promise.all([loadCities(), loadRecent()]);
  } catch (error) {
    if (error.status !== 401) setTimeout(start, 2000); // the control plane is not up yet
    return;
  }
  state.started = true;
  connect();
  if (!$("cache-table").tBodies[0].rows.length) inspectCache();
}

function init() {
  $("token-form").addEventListener("submit", acceptToken);
  $("browse").addEventListener("submit", pickSuggestion);
  $("city-search").addEventListener("input", showSuggestions);
  $("city-search").addEventListener("keydown", onSearchKey);
  $("city-search").addEventListener("blur", () => setTimeout(closeSuggestions, 150));
  $("city-options").addEventListener("mousedown", (event) => event.preventDefault());
  $("city-options").addEventListener("click", onSuggestionClick);
  $("clear-city").addEventListener("click", clearCity);
  $("map").addEventListener("click", onMapClick);
  $("invalidation-form").addEventListener("submit", submitInvalidation);
  $("cache-form").addEventListener("submit", inspectCache);
  $("cache-node").addEventListener("change", inspectCache);
  $("config-reload").addEventListener("click", reloadConfig);
  $("function-table").addEventListener("click", onFunctionClick);
  loadLand();
  showViewerCity();
  renderRecent();
  renderFunctions({});
  setInterval(watch, 1000);
  state.token = savedToken();
  if (state.token) start();
  else askForToken();
}

init();
