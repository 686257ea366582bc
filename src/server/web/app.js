// Glassbox web page: search, explanations, document view and upload over the
// JSON API of `glassbox serve`. Plain modern JavaScript, no dependencies.
// Everything from the server is put on the page as text nodes (never as HTML).
"use strict";

(() => {
  const OPEN = "\u0001";   // highlight marks we ask the server for
  const CLOSE = "\u0002";
  const $ = (sel) => document.querySelector(sel);

  const state = {
    highlightMarks: true,  // false once the server refused highlight_open/close
    hits: [],
    query: "",
    collection: "",
    mode: "",              // what the last search ran: bm25, vector or hybrid
    filters: [],           // metadata filters `field:value`, added to the query
    page: 0,               // 0-based page of k hits
    customWeights: false,  // true: the weight slider overrides the collection's fusion
    defaultFusion: "",     // the collection's fusion, e.g. "minmax bm25=1 vector=0"
    facetFields: ["*"],    // facets asked for ("*": every keyword field); [] when the server has none
  };

  // ---- small helpers -------------------------------------------------------

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "style") e.setAttribute("style", v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function fmt(x, digits = 3) {
    if (typeof x !== "number" || !isFinite(x)) return String(x ?? "");
    if (Number.isInteger(x)) return String(x);
    return x.toFixed(digits);
  }

  function setStatus(msg, isError = false) {
    const s = $("#status");
    s.textContent = msg;
    s.classList.toggle("error", isError);
  }

  function headers(json = true) {
    const h = {};
    if (json) h["Content-Type"] = "application/json";
    const key = $("#api-key").value.trim();
    if (key) h["Authorization"] = "Bearer " + key;
    return h;
  }

  async function api(method, path, body, isForm = false, signal = undefined) {
    const init = { method, headers: headers(!isForm && body !== undefined), signal };
    if (body !== undefined) init.body = isForm ? body : JSON.stringify(body);
    const res = await fetch(path, init);
    let data = null;
    const text = await res.text();
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = { raw: text }; }
    if (!res.ok) {
      const msg = (data && data.error && (data.error.message || data.error.code)) || res.statusText || "request failed";
      const err = new Error(`${res.status}: ${msg}`);
      err.status = res.status;
      err.data = data;
      throw err;
    }
    return data;
  }

  const coll = (name) => "/v1/collections/" + encodeURIComponent(name);

  // ---- collections ---------------------------------------------------------

  function collectionNames(data) {
    const list = Array.isArray(data) ? data : (data && (data.collections || data.items)) || [];
    return list.map((c) => (typeof c === "string" ? c : c && (c.name || c.id))).filter(Boolean);
  }

  async function loadCollections(select) {
    try {
      const names = collectionNames(await api("GET", "/v1/collections"));
      const sel = $("#collection");
      const keep = select || sel.value || localStorage.getItem("glassbox.collection") || "";
      sel.replaceChildren(...names.map((n) => el("option", { value: n, text: n })));
      if (names.includes(keep)) sel.value = keep;
      if (!names.length) setStatus("No collections yet: create one below, then upload files.");
    } catch (e) {
      setStatus("Could not list collections (" + e.message + ")", true);
    }
  }

  // ---- snippets ------------------------------------------------------------

  // Text with OPEN…CLOSE marks → text nodes and <mark> elements.
  function markedNodes(s) {
    const out = [];
    let i = 0;
    while (i < s.length) {
      const a = s.indexOf(OPEN, i);
      if (a < 0) { out.push(document.createTextNode(s.slice(i))); break; }
      const b = s.indexOf(CLOSE, a + 1);
      if (b < 0) { out.push(document.createTextNode(s.slice(i).split(OPEN).join(""))); break; }
      if (a > i) out.push(document.createTextNode(s.slice(i, a)));
      out.push(el("mark", { text: s.slice(a + 1, b) }));
      i = b + 1;
    }
    return out;
  }

  // Fallback for a server that only marks with "[" and "]": wrap a bracketed
  // word only when it looks like a query term (brackets occur in text too).
  function bracketNodes(s, hit) {
    const terms = new Set();
    for (const w of state.query.toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (w) terms.add(w);
    const ex = hit.explanation && hit.explanation.terms;
    if (ex) for (const t of ex) if (t.term) terms.add(String(t.term).toLowerCase());
    const looksLikeTerm = (w) => {
      const lw = w.toLowerCase();
      for (const t of terms) if (lw === t || (t.length >= 3 && lw.startsWith(t)) || (lw.length >= 3 && t.startsWith(lw))) return true;
      return false;
    };
    const out = [];
    const re = /\[([^\[\]\n]{1,64})\]/g;
    let last = 0, m;
    while ((m = re.exec(s))) {
      if (!looksLikeTerm(m[1])) continue;
      if (m.index > last) out.push(document.createTextNode(s.slice(last, m.index)));
      out.push(el("mark", { text: m[1] }));
      last = m.index + m[0].length;
    }
    if (last < s.length) out.push(document.createTextNode(s.slice(last)));
    return out;
  }

  function snippetNodes(hit) {
    const s = hit.snippet || "";
    if (!s) {
      const body = (hit.fields && (hit.fields.body || hit.fields.text)) || "";
      return [document.createTextNode(body.slice(0, 240) + (body.length > 240 ? "…" : ""))];
    }
    if (s.includes(OPEN)) return markedNodes(s);
    return bracketNodes(s, hit);
  }

  // ---- search state (mirrored in the URL) -----------------------------------
  //
  // Every search is a link: ?q=…&collection=…&mode=…&fusion=…&weights=…&f=…&page=…
  // (f repeats, one metadata filter `field:value` each; page is 1-based).
  // A search typed in the page pushes a history entry; back/forward and a
  // reload run the search the URL describes.

  function weights() {
    const w = Number($("#weight").value);
    return [Math.round(w * 100) / 100, Math.round((1 - w) * 100) / 100];
  }

  // "minmax bm25=1 vector=0" (CollectionStats::fusion) → {method, bm25, vector}.
  function parseFusion(s) {
    const out = { method: "", bm25: NaN, vector: NaN };
    for (const part of String(s || "").split(/\s+/)) {
      const m = /^(bm25|vector)=([\d.eE+-]+)$/.exec(part);
      if (m) out[m[1]] = Number(m[2]);
      else if (/^(rrf|minmax|zscore)$/.test(part)) out.method = part;
    }
    return out;
  }

  // Shows the collection's own fusion on the weight control (what a search
  // without explicit weights uses), unless the user chose weights.
  function showDefaultWeights() {
    const d = parseFusion(state.defaultFusion);
    if (isFinite(d.bm25) && isFinite(d.vector) && d.bm25 + d.vector > 0) {
      $("#weight").value = String(d.bm25 / (d.bm25 + d.vector));
    }
    $("#weight-value").textContent = state.defaultFusion ? `collection default: ${state.defaultFusion}` : "collection default";
  }

  async function loadDefaults(collection) {
    state.defaultFusion = "";
    if (collection) {
      try {
        const st = (await api("GET", coll(collection) + "/stats")) || {};
        state.defaultFusion = st.fusion || "";
        // The collection's floor for semantic-only hits, shown as the field's placeholder.
        $("#min-sim").placeholder = typeof st.min_similarity === "number" && st.min_similarity > -1
          ? "collection: " + st.min_similarity : "none";
      } catch (_) {}
    }
    if (!state.customWeights) showDefaultWeights();
  }

  function quoteFilterValue(v) {
    return /^[^\s"()\\]+$/.test(v) ? v : '"' + v.replace(/(["\\])/g, "\\$1") + '"';
  }

  // The query sent: what the user typed, plus the active filters.
  function fullQuery(q) {
    return [q, ...state.filters].filter(Boolean).join(" ");
  }

  function pageSize() { return Math.max(1, Math.min(100, Number($("#k").value) || 10)); }

  // The search options the controls set (the same for search and why-not).
  function searchOptions(query) {
    const k = pageSize();
    const body = { query: fullQuery(query), k, offset: state.page * k, mode: $("#mode").value };
    const fusion = $("#fusion").value;
    if (fusion) body.fusion = fusion;
    if (state.customWeights) { body.fusion = fusion || "minmax"; body.weights = weights(); }
    const floor = $("#min-sim").value.trim();
    if (floor !== "" && isFinite(Number(floor))) body.min_similarity = Number(floor);
    return body;
  }

  // The URL of the search the controls describe.
  function stateUrl() {
    const p = new URLSearchParams();
    const q = $("#q").value.trim();
    if (q) p.set("q", q);
    if ($("#collection").value) p.set("collection", $("#collection").value);
    if ($("#mode").value !== "auto") p.set("mode", $("#mode").value);
    if ($("#fusion").value) p.set("fusion", $("#fusion").value);
    if (state.customWeights) { const [b, v] = weights(); p.set("weights", `bm25=${b},vector=${v}`); }
    if (pageSize() !== 10) p.set("k", String(pageSize()));
    if ($("#min-sim").value.trim() !== "") p.set("ms", $("#min-sim").value.trim());
    for (const f of state.filters) p.append("f", f);
    if (state.page > 0) p.set("page", String(state.page + 1));
    const s = p.toString();
    return location.pathname + (s ? "?" + s : "");
  }

  // Sets the controls from the URL; returns the query it names.
  function applyUrl() {
    const p = new URLSearchParams(location.search);
    $("#q").value = p.get("q") || "";
    const c = p.get("collection");
    if (c && [...$("#collection").options].some((o) => o.value === c)) $("#collection").value = c;
    const mode = p.get("mode") || "auto";
    $("#mode").value = [...$("#mode").options].some((o) => o.value === mode) ? mode : "auto";
    const fusion = p.get("fusion") || "";
    $("#fusion").value = [...$("#fusion").options].some((o) => o.value === fusion) ? fusion : "";
    const w = parseFusion((p.get("weights") || "").replace(/,/g, " "));
    state.customWeights = isFinite(w.bm25) && isFinite(w.vector) && w.bm25 + w.vector > 0;
    if (state.customWeights) $("#weight").value = String(w.bm25 / (w.bm25 + w.vector));
    $("#k").value = String(Math.max(1, Math.min(100, Number(p.get("k")) || 10)));
    $("#min-sim").value = p.get("ms") || "";
    state.filters = p.getAll("f").filter(Boolean);
    state.page = Math.max(0, (Number(p.get("page")) || 1) - 1);
    return $("#q").value.trim();
  }

  let inflight = null;  // AbortController of the search on its way

  // history: "push" (a new search typed or clicked), "replace" (the URL is
  // already right, or the change is not worth a back step) or "none".
  async function search(ev, history = "push", opts = {}) {
    if (ev) ev.preventDefault();
    const query = $("#q").value.trim();
    const collection = $("#collection").value;
    if (!query && !state.filters.length) return;
    if (!collection) { setStatus("Choose a collection first.", true); return; }
    localStorage.setItem("glassbox.collection", collection);
    const url = stateUrl();
    if (history === "push" && url !== location.pathname + location.search) window.history.pushState(null, "", url);
    else if (history !== "none") window.history.replaceState(null, "", url);
    const body = Object.assign(searchOptions(query), { explain: true, documents: false });
    if (state.facetFields.length) body.facets = state.facetFields;
    if (state.highlightMarks) { body.highlight_open = OPEN; body.highlight_close = CLOSE; }
    if (inflight) inflight.abort();
    const ctl = new AbortController();
    inflight = ctl;
    const results = $("#results");
    results.setAttribute("aria-busy", "true");
    setStatus("Searching…");
    try {
      let data;
      const path = coll(collection) + "/search";
      for (;;) {
        try {
          data = await api("POST", path, body, false, ctl.signal);
          break;
        } catch (e) {
          // An older server may refuse the highlight marks or facets: ask again without them.
          if (e.status === 400 && state.highlightMarks && /highlight/i.test(e.message)) {
            state.highlightMarks = false;
            delete body.highlight_open;
            delete body.highlight_close;
          } else if (e.status === 400 && body.facets && /facets/i.test(e.message)) {
            state.facetFields = [];
            delete body.facets;
          } else throw e;
        }
      }
      state.query = query;
      state.collection = collection;
      renderResults(data || {}, body);
      // Asked on a submitted search, a link opened or back/forward; not while typing.
      const settled = history !== "replace" || opts.askOnReplace;
      if (settled && state.page === 0 && looksLikeQuestion(query)) ask(query, collection, body);
      else if (settled) $("#above-hits").replaceChildren();
    } catch (e) {
      if (e.name === "AbortError") return;  // a newer search replaced this one
      results.replaceChildren();
      $("#pager").hidden = true;
      setStatus("Search failed: " + e.message, true);
    } finally {
      if (inflight === ctl) { inflight = null; results.setAttribute("aria-busy", "false"); }
    }
  }

  // ---- answers ---------------------------------------------------------------

  // A question (not a keyword search): asked of /ask as well, once per
  // submitted search (not while typing), and shown above the hits.
  function looksLikeQuestion(q) {
    return /[?？]\s*$/.test(q) ||
      /^(who|what|when|where|which|why|how|is|are|does|do|did|can|could|should)\b/i.test(q) ||
      /(吗|什么|多少|哪|谁|几|怎么|为何|是否)/.test(q);
  }

  let askInflight = null;

  async function ask(question, collection, searchBody) {
    const panel = $("#above-hits");
    if (askInflight) askInflight.abort();
    const ctl = new AbortController();
    askInflight = ctl;
    panel.replaceChildren(el("section", { class: "answer", "aria-label": "Answer", "aria-busy": "true" },
      el("p", { class: "answer-status", text: "Answering…" })));
    const body = { question };
    for (const key of ["mode", "fusion", "weights"]) if (searchBody[key] !== undefined) body[key] = searchBody[key];
    // Streamed (Server-Sent Events): retrieval, then the draft tokens, the
    // answer and its citations, each shown as it arrives. A failure before the
    // first event (or a server that does not stream) asks again for JSON.
    const a = {};
    const seen = [];  // event names in arrival order (the browser test reads them)
    const show = (busy) => {
      const box = a.status ? renderAnswer(a, true)
        : el("section", { class: "answer", "aria-label": "Answer" },
            el("p", { class: "answer-status", text: a.passages ? `Retrieved ${a.passages.length} passage(s); answering…` : "Answering…" }),
            el("p", { class: "answer-text answer-draft", text: a.draft || "" }));
      box.setAttribute("aria-busy", busy ? "true" : "false");
      box.dataset.events = seen.join(",");
      panel.replaceChildren(box);
    };
    try {
      try {
        await askStream(coll(collection) + "/ask", body, ctl.signal, (name, d) => {
          seen.push(name);
          if (name === "retrieval") a.passages = d.passages || [];
          else if (name === "token") a.draft = (a.draft || "") + (d.text || "");
          else if (name === "answer") Object.assign(a, d);
          else if (name === "citations") { a.citations = d.citations || []; a.verified = d.verified; }
          else if (name === "error") throw Object.assign(new Error((d.error && d.error.message) || "the answer failed"), { streamed: true });
          show(name !== "done");
        });
        if (!a.status) throw Object.assign(new Error("the stream ended before the answer"), { streamed: seen.length > 0 });
      } catch (e) {
        if (e.name === "AbortError" || seen.length > 0 || e.streamed) throw e;
        const j = await api("POST", coll(collection) + "/ask", body, false, ctl.signal);
        seen.push("json");
        Object.assign(a, j || {});
      }
      show(false);
    } catch (e) {
      if (e.name === "AbortError") return;
      panel.replaceChildren(el("section", { class: "answer", "aria-label": "Answer" },
        el("p", { class: "answer-status error", text: "No answer: " + e.message })));
    } finally {
      if (askInflight === ctl) askInflight = null;
    }
  }

  // POST with "stream": true; calls onEvent(name, data) per Server-Sent Event.
  async function askStream(path, body, signal, onEvent) {
    const res = await fetch(path, { method: "POST", headers: headers(true), body: JSON.stringify({ ...body, stream: true }), signal });
    const type = res.headers.get("Content-Type") || "";
    if (!res.ok || !type.startsWith("text/event-stream") || !res.body) throw new Error(`${res.status}: not a stream`);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let end;
      while ((end = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let name = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trimStart();
        }
        onEvent(name, data ? JSON.parse(data) : {});
      }
    }
  }

  function answerStatusText(a) {
    if (a.status === "answered") return `Answer${a.verified ? " (verified against its sources)" : " (NOT verified)"}`;
    if (a.status === "handoff") return "Handing you to a person";
    return "Not found in the knowledge base";
  }

  function renderRows(columns, rows, caption) {
    return el("table", { class: "answer-rows" },
      el("caption", { text: caption }),
      el("thead", {}, el("tr", {}, (columns || []).map((c) => el("th", { scope: "col", text: c })))),
      el("tbody", {}, (rows || []).slice(0, 20).map((r) => el("tr", {}, r.map((c) => el("td", { text: c }))))));
  }

  function renderAnswer(a, top) {
    const box = el(top ? "section" : "div", { class: top ? "answer" : "answer-step", "aria-label": top ? "Answer" : undefined });
    box.append(el("p", { class: "answer-status", text: `${answerStatusText(a)} · confidence ${fmt(a.confidence ?? 0, 2)}` }));
    box.append(el("p", { class: "answer-text", text: a.answer || "" }));
    if (a.route) box.append(el("p", { class: "answer-route", text: `Route: ${a.route}${a.route_reason ? " — " + a.route_reason : ""}` }));
    (a.steps || []).forEach((s, i) => box.append(el("div", { class: "answer-step-head", text: `Step ${i + 1}` }), renderAnswer(s, false)));
    if (a.table) {
      box.append(el("p", { class: "answer-sql" }, "SQL: ", el("code", { text: a.table.sql || "" })));
      if ((a.table.rows || []).length) box.append(renderRows(a.table.columns, a.table.rows, "Result"));
      const ev = a.table.evidence;
      if (ev && (ev.rows || []).length) box.append(renderRows(ev.columns, ev.rows, `Rows behind the figure (${ev.rows.length})`));
      if (a.status === "handoff" && (a.table.alternatives || []).length)
        box.append(el("p", { text: "Which table do you mean: " + a.table.alternatives.join(", ") + "?" }));
    }
    const cites = a.citations || [];
    if (cites.length) {
      box.append(el("ol", { class: "answer-citations", "aria-label": "Citations" }, cites.map((c) =>
        el("li", { value: c.n },
          el("span", { class: "cite-id", text: `${c.id}${c.page ? ", page " + c.page : ""}${c.verified ? " ✓" : ""}` }),
          el("blockquote", { text: c.quote || "" })))));
    }
    if (a.route === "compare" && (a.trace || []).length)  // the combining step: both figures, their units, the comparison
      box.append(el("ul", { class: "answer-trace", "aria-label": "Comparison" },
        a.trace.map((t) => el("li", { text: `${t.step}: ${t.detail}` }))));
    if (a.status === "handoff" && (a.passages || []).length)
      box.append(el("p", { text: "Closest: " + a.passages.slice(0, 3).map((p) => p.title || p.id).join("; ") }));
    return box;
  }

  // "12 hits", "at least 100 hits" (not every match was counted).
  function countText(total, exact) {
    const n = Number(total) || 0;
    if (exact) return `${n} hit${n === 1 ? "" : "s"}`;
    return `at least ${n} hit${n === 1 ? "" : "s"} (not counted exactly)`;
  }

  function renderResults(data, body) {
    const hits = data.hits || [];
    state.hits = hits;
    state.mode = data.mode || "";
    const exact = data.total_exact === true;
    const total = data.total_hits ?? hits.length;
    const from = body.offset + 1, to = body.offset + hits.length;
    let msg = hits.length ? `Hits ${from}–${to} of ${countText(total, exact)}` : (body.offset ? "No more hits" : "No hits");
    msg += ` · ${fmt(data.took_ms ?? 0, 2)} ms`;
    if (data.mode) msg += ` · ${data.mode}`;
    if (data.fusion) msg += ` (${data.fusion})`;
    setStatus(msg);
    const results = $("#results");
    results.replaceChildren(...hits.map((h, i) => renderHit(h, i, body.offset)));
    // Paging: next while the total says there is more (or, not counted, while pages come back full).
    const more = exact ? to < total : hits.length === body.k;
    $("#prev-page").disabled = body.offset === 0;
    $("#next-page").disabled = !more;
    $("#page-info").textContent = `Page ${state.page + 1}`;
    $("#pager").hidden = body.offset === 0 && !more;
    renderFilters();
    renderFacets(data.facets);
    $("#doc-view").hidden = true;  // it showed a hit of the previous search
    document.querySelector(".layout").classList.remove("with-doc");
  }

  function goToPage(delta) {
    state.page = Math.max(0, state.page + delta);
    search(null, "push");
  }

  // ---- filters and facets ----------------------------------------------------

  function addFilter(f) {
    if (!state.filters.includes(f)) state.filters.push(f);
    state.page = 0;
    search(null, "push");
  }

  function removeFilter(f) {
    state.filters = state.filters.filter((x) => x !== f);
    state.page = 0;
    search(null, "push");
  }

  function renderFilters() {
    const box = $("#active-filters");
    box.replaceChildren(...state.filters.map((f) => el("span", { class: "chip", "data-filter": f },
      el("span", { text: f }),
      el("button", { type: "button", class: "chip-remove", "aria-label": `Remove filter ${f}`, text: "×",
                     onclick: () => removeFilter(f) }))));
  }

  // Number and date fields of the hits on screen (not provenance offsets): the
  // fields a range filter can narrow.
  const NOT_RANGES = new Set(["chunk", "start", "end"]);
  function rangeFields() {
    const out = new Set();
    for (const h of state.hits || [])
      for (const [k, v] of Object.entries(h.metadata || {})) {
        const x = Array.isArray(v) ? v[0] : v;
        if (NOT_RANGES.has(k)) continue;
        if (typeof x === "number" || (typeof x === "string" && /^\d{4}-\d{2}-\d{2}/.test(x))) out.add(k);
      }
    return [...out].sort();
  }

  // field:[lo TO hi], or one side: field:>=lo / field:<=hi (docs/query-syntax.md).
  function rangeFilter(field, lo, hi) {
    if (lo && hi) return `${field}:[${lo} TO ${hi}]`;
    if (lo) return `${field}:>=${lo}`;
    if (hi) return `${field}:<=${hi}`;
    return "";
  }

  function renderRangeForm() {
    const fields = rangeFields();
    if (!fields.length) return null;
    const form = el("form", { class: "range-form", "aria-labelledby": "range-head" },
      el("h2", { id: "range-head", text: "Range" }),
      el("label", { for: "range-field", text: "Field" }),
      el("select", { id: "range-field" }, fields.map((f) => el("option", { value: f, text: f }))),
      el("label", { for: "range-from", text: "From" }),
      el("input", { id: "range-from", type: "text", placeholder: "e.g. 2025-01-01 or 10" }),
      el("label", { for: "range-to", text: "To" }),
      el("input", { id: "range-to", type: "text", placeholder: "e.g. 2025-12-31 or 100" }),
      el("button", { type: "submit", text: "Apply range" }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const lo = $("#range-from").value.trim(), hi = $("#range-to").value.trim();
      const f = rangeFilter($("#range-field").value, lo, hi);
      if (f) addFilter(f);
    });
    return form;
  }

  // data.facets: {field: [{value, count}...]} over every match the caller may see.
  function renderFacets(facets) {
    const box = $("#facets");
    const fields = Object.keys(facets || {}).filter((f) => (facets[f] || []).length);
    const range = renderRangeForm();
    box.hidden = !fields.length && !range;
    box.replaceChildren(...(range ? [range] : []), ...fields.map((field) => {
      const headId = "facet-" + field.replace(/[^A-Za-z0-9_-]/g, "_");
      return el("section", { class: "facet", "data-field": field, "aria-labelledby": headId },
        el("h2", { id: headId, text: field }),
        el("ul", {}, facets[field].map((v) => {
          const f = `${field}:${quoteFilterValue(String(v.value))}`;
          const active = state.filters.includes(f);
          return el("li", {},
            el("button", { type: "button", class: "facet-value" + (active ? " active" : ""), "data-value": v.value,
                           "aria-pressed": active ? "true" : "false",
                           onclick: () => (active ? removeFilter(f) : addFilter(f)) },
              el("span", { class: "facet-label", text: v.value }),
              el("span", { class: "count", text: String(v.count) })));
        })));
    }));
  }

  function hitTitle(h) {
    const f = h.fields || {};
    return f.title || f.name || (h.metadata && h.metadata.section) || h.id;
  }

  function docIdOf(h) {
    const md = h.metadata || {};
    if (md.doc_id) return String(md.doc_id);
    const id = h.passage_id || h.id;
    const hash = id.lastIndexOf("#");
    return hash > 0 ? id.slice(0, hash) : id;
  }

  // Which retrievers found the hit: BM25 evidence (the query's words or
  // filters matched) and/or the vector retriever's candidate list.
  function foundBy(h) {
    if (state.mode === "bm25") return { cls: "keyword", text: "keyword match" };
    const rs = h.retrievers || [];
    const vec = rs.find((r) => r.retriever === "vector");
    const keyword = !!(h.explanation && h.explanation.matched);
    if (state.mode === "vector") return { cls: "semantic", text: "semantic (vector search)" };
    if (keyword && vec && vec.rank) return { cls: "both", text: "keyword match + semantic" };
    if (keyword) return { cls: "keyword", text: "keyword match" };
    return { cls: "semantic", text: "semantic only: none of the query words" };
  }

  function renderHit(h, i, offset = 0) {
    const explainId = "explain-" + i;
    const titleId = "hit-title-" + i;
    const md = h.metadata || {};
    const source = md.source && md.source !== docIdOf(h) ? String(md.source) : "";
    const panel = el("div", { class: "explain", id: explainId, hidden: true });
    const explainBtn = el("button", {
      type: "button", class: "secondary explain-toggle", "aria-expanded": "false", "aria-controls": explainId,
      text: "Explain",
    });
    explainBtn.addEventListener("click", () => {
      const open = explainBtn.getAttribute("aria-expanded") !== "true";
      explainBtn.setAttribute("aria-expanded", String(open));
      explainBtn.textContent = open ? "Hide explanation" : "Explain";
      if (open && !panel.firstChild) panel.append(...renderExplanation(h));
      panel.hidden = !open;
    });
    const art = el("article", { class: "hit", "aria-labelledby": titleId, "data-id": h.id },
      el("h3", { id: titleId },
        el("button", { type: "button", class: "open-doc", onclick: () => openDocument(h, art), text: hitTitle(h) })),
      el("div", { class: "meta" },
        el("span", { class: "rank", text: "#" + (offset + i + 1) }),
        (() => { const f = foundBy(h); return el("span", { class: "found-by " + f.cls, "data-found-by": f.cls, text: f.text }); })(),
        el("span", { class: "id", text: h.id }),
        source ? el("span", { class: "source", text: source }) : null,
        el("span", { class: "score", text: "score " + fmt(h.score, 4) })),
      el("p", { class: "snippet" }, snippetNodes(h)),
      el("div", { class: "actions" },
        explainBtn,
        el("button", { type: "button", class: "secondary doc-button", onclick: () => openDocument(h, art), text: "Open document" }),
        md.page !== undefined && md.original
          ? el("button", { type: "button", class: "secondary page-button", onclick: () => openPage(h), text: "Page " + md.page })
          : null),
      panel);
    return art;
  }

  // ---- page view: the PDF page or image a hit came from, its box highlighted ----

  // "x0,y0,x1,y1" and "WxH" (PDF points or pixels, origin top left) -> fractions of the page, or null.
  function boxFractions(md) {
    const b = String(md.bbox || "").split(",").map(Number);
    const s = String(md.page_size || "").split("x").map(Number);
    if (b.length !== 4 || s.length !== 2 || b.some(isNaN) || !(s[0] > 0 && s[1] > 0)) return null;
    const clamp = (v) => Math.max(0, Math.min(1, v));
    return { left: clamp(b[0] / s[0]), top: clamp(b[1] / s[1]), right: clamp(b[2] / s[0]), bottom: clamp(b[3] / s[1]) };
  }

  let pageUrl = null;
  async function openPage(h) {
    const md = h.metadata || {};
    let view = $("#page-view");
    if (!view) {
      view = el("div", { id: "page-view", role: "dialog", "aria-modal": "true", "aria-labelledby": "page-view-title", hidden: true },
        el("div", { class: "page-view-head" },
          el("h2", { id: "page-view-title" }),
          el("button", { type: "button", class: "secondary", id: "page-view-close", text: "Close",
                         onclick: () => { view.hidden = true; } })),
        el("p", { id: "page-view-status", role: "status" }),
        el("div", { class: "page-figure" }, el("img", { id: "page-image", alt: "" }), el("div", { id: "page-box", hidden: true })));
      document.body.append(view);
    }
    const img = $("#page-image"), box = $("#page-box"), status = $("#page-view-status");
    $("#page-view-title").textContent = `${docIdOf(h)}, page ${md.page}`;
    img.alt = `Page ${md.page} of ${docIdOf(h)}`;
    box.hidden = true;
    img.removeAttribute("src");
    status.textContent = "Loading…";
    view.hidden = false;
    $("#page-view-close").focus();
    try {
      const path = coll($("#collection").value) + "/page?id=" + encodeURIComponent(h.passage_id || h.id) +
                   "&page=" + encodeURIComponent(md.page);
      const res = await fetch(path, { headers: headers(false) });
      if (!res.ok) {
        let msg = res.statusText;
        try { msg = (await res.json()).error.message || msg; } catch (_) { /* not JSON */ }
        throw new Error(`${res.status}: ${msg}`);
      }
      if (pageUrl) URL.revokeObjectURL(pageUrl);
      pageUrl = URL.createObjectURL(await res.blob());
      await new Promise((ok, fail) => { img.onload = ok; img.onerror = () => fail(new Error("not an image")); img.src = pageUrl; });
      const f = boxFractions(md);
      if (f) {
        Object.assign(box.style, { left: f.left * 100 + "%", top: f.top * 100 + "%",
                                   width: (f.right - f.left) * 100 + "%", height: (f.bottom - f.top) * 100 + "%" });
        box.hidden = false;
      }
      status.textContent = f ? "The hit's text is highlighted." : "";
    } catch (e) {
      status.textContent = "Could not load the page: " + e.message;
    }
  }

  // ---- explanation ---------------------------------------------------------

  function bar(label, value, max, stats, cls, aria) {
    const pct = max > 0 ? Math.max(0, Math.min(100, (100 * value) / max)) : 0;
    return el("li", { class: cls, "data-term": label },
      el("span", { class: "label", title: label, text: label }),
      el("span", { class: "track", role: "img", "aria-label": aria || `${label}: ${fmt(value, 4)}` },
        el("span", { class: "fill", style: `width:${pct.toFixed(2)}%` })),
      el("span", { class: "val", text: fmt(value, 4) }),
      stats ? el("span", { class: "stats", text: stats }) : null);
  }

  function renderExplanation(h) {
    const parts = [];
    const ex = h.explanation;
    if (ex && ex.terms && ex.terms.length) {
      const max = Math.max(...ex.terms.map((t) => t.contribution || 0), 1e-9);
      parts.push(el("h4", { text: `BM25: ${fmt(ex.score, 4)}` }));
      if (ex.summary) parts.push(el("p", { class: "summary", text: ex.summary }));
      parts.push(el("ul", { class: "bars bm25-terms", "aria-label": "BM25 contribution of each query term" },
        ex.terms.map((t) => {
          const name = (t.field ? t.field + ":" : "") + t.term + (t.boost && t.boost !== 1 ? "^" + fmt(t.boost, 2) : "");
          // df, doc_count and avg_doc_length are absent for keys that may not see collection-wide counts.
          const df = t.df === undefined ? "" : ` · df ${t.df}${t.doc_count ? " of " + t.doc_count : ""}`;
          const avg = t.avg_doc_length === undefined ? "" : ` (avg ${fmt(t.avg_doc_length, 1)})`;
          const stats = `tf ${fmt(t.tf, 2)}${df} · idf ${fmt(t.idf, 3)} · doc length ${fmt(t.doc_length, 0)}${avg}`;
          const li = bar(name, t.contribution || 0, max, stats, "term",
            `${name}: contribution ${fmt(t.contribution, 4)}, tf ${fmt(t.tf, 2)}${t.df === undefined ? "" : ", df " + t.df}, idf ${fmt(t.idf, 3)}`);
          li.dataset.term = t.term;
          return li;
        })));
    } else if (ex && ex.matched === false) {
      parts.push(el("p", { class: "summary", text: "No BM25 match (found by the vector retriever only)." }));
    }
    const rs = h.retrievers || [];
    const vec = rs.find((r) => r.retriever === "vector");
    if (vec) {
      parts.push(el("h4", { text: "Vector similarity" }));
      parts.push(el("ul", { class: "bars vector", "aria-label": "Cosine similarity of query and passage" },
        bar("cosine", vec.raw || 0, 1, vec.rank ? `rank ${vec.rank} in the vector list` : "not in the vector top candidates", "cosine")));
    }
    if (rs.length) {
      parts.push(el("h4", { text: "Fused score: each retriever's share" }));
      const total = rs.reduce((a, r) => a + Math.max(0, r.share || 0), 0) || 1;
      parts.push(el("div", { class: "stack", role: "img",
        "aria-label": rs.map((r) => `${r.retriever} ${fmt(100 * (r.share || 0), 1)}%`).join(", ") },
        rs.map((r) => el("span", {
          class: "seg " + r.retriever, "data-retriever": r.retriever,
          style: `width:${((100 * Math.max(0, r.share || 0)) / total).toFixed(2)}%`,
          title: `${r.retriever}: ${fmt(100 * (r.share || 0), 1)}%`,
          text: (r.share || 0) >= 0.12 ? `${r.retriever} ${fmt(100 * r.share, 0)}%` : "",
        }))));
      parts.push(el("table", { class: "retrievers" },
        el("thead", {}, el("tr", {}, ["retriever", "rank", "raw", "normalized", "weight", "contribution", "share"].map(
          (c) => el("th", { scope: "col", text: c })))),
        el("tbody", {}, rs.map((r) => el("tr", { "data-retriever": r.retriever },
          el("th", { scope: "row" }, el("span", { class: "swatch " + r.retriever }), r.retriever),
          el("td", { text: r.rank ? String(r.rank) : "–" }),
          el("td", { text: fmt(r.raw, 4) }),
          el("td", { text: fmt(r.normalized, 4) }),
          el("td", { text: fmt(r.weight, 2) }),
          el("td", { text: fmt(r.contribution, 4) }),
          el("td", { text: fmt(100 * (r.share || 0), 1) + "%" }))))));
    }
    const ws = h.similar_words || [];
    if (ws.length) {
      const max = Math.max(...ws.map((w) => Math.abs(w.contribution || 0)), 1e-9);
      parts.push(el("h4", { text: "Word pairs behind the similarity (static model)" }));
      parts.push(el("ul", { class: "bars words", "aria-label": "Query word and passage word pairs" },
        ws.map((w) => bar(`${w.query_word} ~ ${w.passage_word}`, w.contribution || 0, max, "", "pair"))));
    }
    if (!parts.length) parts.push(el("p", { class: "summary", text: "No explanation for this hit." }));
    return parts;
  }

  // ---- document view -------------------------------------------------------

  function chunkList(data) {
    if (Array.isArray(data)) return data;
    if (data && Array.isArray(data.chunks)) return data.chunks;
    if (data && Array.isArray(data.documents)) return data.documents;
    if (data && data.id) return [data];
    return [];
  }

  async function fetchChunks(docId, hit) {
    const c = coll(state.collection) + "/documents/";
    // Ids contain "/": try them encoded, then as plain path segments.
    const tries = [encodeURIComponent(docId), docId.split("/").map(encodeURIComponent).join("/")];
    let lastErr;
    for (const t of [...new Set(tries)]) {
      try { return chunkList(await api("GET", c + t + "?chunks=1")); } catch (e) { lastErr = e; if (e.status !== 404) break; }
    }
    // A server without ?chunks=1 (or failing it): fetch ID#0, ID#1, … one by one.
    const hitNo = Number((hit.metadata || {}).chunk);
    if (!Number.isFinite(hitNo)) throw lastErr;
    const out = [];
    for (let n = 0, misses = 0; n < 500 && misses < 3; n++) {
      try {
        out.push(await api("GET", c + encodeURIComponent(`${docId}#${n}`)));
        misses = 0;
      } catch (e) {
        if (e.status !== 404) throw e;
        if (n > hitNo) misses++;
      }
    }
    if (!out.length) throw lastErr;
    return out;
  }

  async function openDocument(h, article) {
    for (const a of document.querySelectorAll(".hit.selected")) a.classList.remove("selected");
    if (article) article.classList.add("selected");
    const view = $("#doc-view");
    const docId = docIdOf(h);
    const target = h.passage_id || h.id;
    view.hidden = false;
    document.querySelector(".layout").classList.add("with-doc");
    $("#doc-title").textContent = docId;
    $("#doc-meta").textContent = "Loading…";
    const list = $("#doc-chunks");
    list.replaceChildren();
    try {
      let chunks = await fetchChunks(docId, h);
      if (!chunks.length) chunks = [h];
      const num = (c) => Number((c.metadata || {}).chunk ?? 0);
      chunks.sort((a, b) => num(a) - num(b) || Number((a.metadata || {}).start ?? 0) - Number((b.metadata || {}).start ?? 0));
      let current = null;
      list.replaceChildren(...chunks.map((c, i) => {
        const md = c.metadata || {};
        const f = c.fields || {};
        const isHit = c.id === target;
        const li = el("li", { class: "chunk" + (isHit ? " current" : ""), "data-chunk": md.chunk ?? i, "data-id": c.id,
                              "aria-current": isHit ? "true" : null,
                              "aria-label": `Chunk ${md.chunk ?? i}${isHit ? " (this hit)" : ""}` },
          el("div", { class: "chunk-head" },
            el("span", { class: "chunk-no", text: `Chunk ${md.chunk ?? i}` }),
            md.start !== undefined ? el("span", { class: "offsets", text: `bytes ${md.start}–${md.end}` }) : null,
            md.section ? el("span", { class: "section", text: String(md.section) }) : null,
            isHit ? el("span", { class: "this-hit", text: "◀ this hit" }) : null),
          el("p", { class: "chunk-body", text: f.body ?? f.text ?? Object.values(f).join("\n") }));
        if (isHit) current = li;
        return li;
      }));
      const src = (chunks[0].metadata || {}).source;
      $("#doc-meta").textContent = `${chunks.length} chunk(s)${src ? " · " + src : ""}`;
      if (current) {
        // Scroll the document panel (not the page) so the hit's chunk shows.
        if (getComputedStyle(view).position === "sticky" && view.scrollHeight > view.clientHeight) {
          view.scrollTop = Math.max(0, current.offsetTop - 80);
          view.scrollIntoView({ block: "nearest" });
        } else {
          current.scrollIntoView({ block: "start" });
        }
      }
    } catch (e) {
      $("#doc-meta").textContent = "Could not load the document: " + e.message;
    }
  }

  // ---- upload and collections ----------------------------------------------

  async function upload(ev) {
    ev.preventDefault();
    const files = [...$("#files").files];
    const collection = $("#collection").value;
    const out = $("#ingest-report");
    if (!collection) { out.textContent = "Choose a collection first."; return; }
    if (!files.length) { out.textContent = "Choose one or more files."; return; }
    out.textContent = `Uploading ${files.length} file(s)…`;
    const sum = { files_ok: 0, files_failed: 0, chunks: 0, documents: 0, errors: [] };
    for (const f of files) {  // one request a file: an error names its file
      const form = new FormData();
      form.append("file", f, f.name);
      try {
        const r = (await api("POST", coll(collection) + "/documents", form, true)) || {};
        sum.files_ok += r.files_ok || 0;
        sum.files_failed += r.files_failed || 0;
        sum.chunks += r.chunks || 0;
        sum.documents += r.documents || 0;
        for (const e of r.errors || []) sum.errors.push(`${e.path || f.name}: ${e.message || e}`);
      } catch (e) {
        sum.files_failed += 1;
        sum.errors.push(`${f.name}: ${e.message}`);
      }
    }
    out.replaceChildren(...[
      el("p", { class: "ingest-summary" + (sum.files_failed ? " bad" : ""),
                text: `Ingested ${sum.files_ok} file(s), ${sum.files_failed} failed: ${sum.documents} document(s), ${sum.chunks} chunk(s).` }),
      sum.errors.length ? el("ul", { class: "bad" }, sum.errors.map((e) => el("li", { text: e }))) : null,
    ].filter(Boolean));
  }

  async function createCollection(ev) {
    ev.preventDefault();
    const name = $("#new-collection").value.trim();
    if (!name) return;
    try {
      await api("POST", "/v1/collections", { name });
      setStatus(`Created collection ${name}.`);
      $("#new-collection").value = "";
      await loadCollections(name);
    } catch (e) {
      setStatus("Could not create the collection: " + e.message, true);
    }
  }

  // ---- wiring --------------------------------------------------------------

  // "Why not this document?": the server explains the ranking of the search
  // the controls describe (same mode, fusion, weights and k).
  async function whyNot(ev) {
    if (ev) ev.preventDefault();
    const out = $("#why-result");
    const query = $("#q").value.trim();
    const id = $("#why-id").value.trim();
    const collection = $("#collection").value;
    if (!query || !id || !collection) {
      out.replaceChildren(el("p", { class: "error", text: "Type a query, choose a collection and give a document id." }));
      return;
    }
    try {
      const r = await api("POST", coll(collection) + "/explain", Object.assign(searchOptions(query), { id }));
      const why = (r && r.why) || {};
      const parts = [el("p", { class: "why-message", text: `${why.reason || ""}: ${why.message || ""}` })];
      if (Array.isArray(why.retrievers) && why.retrievers.length) {
        parts.push(el("table", { class: "retrievers why-retrievers" },
          el("thead", {}, el("tr", {}, ...["retriever", "rank", "raw", "contribution"].map((h) => el("th", { text: h })))),
          el("tbody", {}, ...why.retrievers.map((p) => el("tr", {},
            el("td", { text: p.retriever }),
            el("td", { text: p.rank ? String(p.rank) : "missed it" }),
            el("td", { text: fmt(p.raw, 4) }),
            el("td", { text: fmt(p.contribution, 4) }))))));
      }
      out.replaceChildren(...parts);
    } catch (e) {
      out.replaceChildren(el("p", { class: "error", text: "Why-not failed: " + e.message }));
    }
  }

  function updateWeight() {
    const [b, v] = weights();
    $("#weight-value").textContent = `${b.toFixed(2)} / ${v.toFixed(2)}`;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const key = sessionStorage.getItem("glassbox.key");
    if (key) $("#api-key").value = key;
    $("#api-key").addEventListener("change", () => {
      sessionStorage.setItem("glassbox.key", $("#api-key").value.trim());
      loadCollections();
    });
    $("#search-form").addEventListener("submit", (ev) => { state.page = 0; clearTimeout(typing); search(ev, "push"); });
    // Search as you type: 200 ms after the last key; the URL is replaced, not
    // pushed, so the back button skips the half-typed queries. A newer search
    // aborts the one in flight (AbortController in search()).
    let typing = 0;
    $("#q").addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => {
        state.page = 0;
        if ($("#q").value.trim() || state.filters.length) search(null, "replace");
      }, 200);
    });
    // Keyboard: down/up move through the hits (from the query box too), Enter opens the document.
    document.addEventListener("keydown", (ev) => {
      if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
      const t = ev.target;
      if (t !== $("#q") && !(t.closest && t.closest("#results"))) return;
      const hits = [...document.querySelectorAll("#results .hit")];
      if (!hits.length) return;
      const cur = t.closest ? t.closest(".hit") : null;
      let i = cur ? hits.indexOf(cur) + (ev.key === "ArrowDown" ? 1 : -1) : (ev.key === "ArrowDown" ? 0 : -1);
      ev.preventDefault();
      if (i < 0) { $("#q").focus(); return; }
      i = Math.min(i, hits.length - 1);
      hits[i].querySelector(".open-doc").focus();
      hits[i].scrollIntoView({ block: "nearest" });
    });
    $("#why-form").addEventListener("submit", whyNot);
    $("#upload-form").addEventListener("submit", upload);
    $("#create-form").addEventListener("submit", createCollection);
    $("#doc-close").addEventListener("click", () => {
      $("#doc-view").hidden = true;
      document.querySelector(".layout").classList.remove("with-doc");
    });
    $("#weight").addEventListener("input", () => {
      state.customWeights = true;  // moving the slider means "use these weights"
      if (!$("#fusion").value) $("#fusion").value = "minmax";
      updateWeight();
    });
    $("#collection").addEventListener("change", () => {
      state.filters = [];  // filters name the fields of the previous collection
      state.page = 0;
      loadDefaults($("#collection").value).then(() => search(null, "push"));
    });
    for (const id of ["#mode", "#fusion", "#k", "#min-sim"]) {
      $(id).addEventListener("change", () => { state.page = 0; if (state.hits.length || state.filters.length) search(null, "push"); });
    }
    $("#prev-page").addEventListener("click", () => goToPage(-1));
    $("#next-page").addEventListener("click", () => goToPage(+1));
    // Back and forward: run the search the URL describes (no new history entry).
    window.addEventListener("popstate", async () => {
      const before = $("#collection").value;
      const query = applyUrl();
      if ($("#collection").value !== before || !state.customWeights) await loadDefaults($("#collection").value);
      if (!state.customWeights) showDefaultWeights(); else updateWeight();
      if (query || state.filters.length) search(null, "none");
      else { state.hits = []; $("#results").replaceChildren(); $("#pager").hidden = true; renderFilters(); renderFacets(null); setStatus(""); }
    });
    const params = new URLSearchParams(location.search);
    loadCollections(params.get("collection") || undefined).then(async () => {
      const query = applyUrl();
      await loadDefaults($("#collection").value);
      if (state.customWeights) updateWeight();
      if (query || state.filters.length) search(null, "replace", { askOnReplace: true });
    });
  });
})();
