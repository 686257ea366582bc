// End-to-end test of the web page of `glassbox serve`, in headless Chromium
// driven by playwright-core (no test runner: plain node, exit code 0 = pass).
//
//   node tests/web/search.spec.js BUILD        (or GLASSBOX_BUILD=BUILD)
//
// Needs BUILD/glassbox, /usr/bin/chromium (Debian: chromium) and playwright-core
// in BUILD/npm-web (scripts/fetch-web-test.sh BUILD). Screenshots go to
// BUILD/web-screenshots/. It runs against the real `glassbox serve`.
"use strict";

const fs = require("fs");
const os = require("os");
const net = require("net");
const path = require("path");
const { spawn, spawnSync } = require("child_process");

const REPO = path.resolve(__dirname, "../..");
const BUILD = path.resolve(process.argv[2] || process.env.GLASSBOX_BUILD || path.join(REPO, "build"));
const BIN = path.join(BUILD, "glassbox");
const SHOTS = path.join(BUILD, "web-screenshots");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const QUERY = "cement price per tonne";
const FAQ_HIT = "faq/faq.md#5";

function loadPlaywright() {
  const candidates = [path.join(BUILD, "npm-web/node_modules/playwright-core"), "playwright-core"];
  for (const c of candidates) {
    try { return require(c); } catch (_) {}
  }
  throw new Error(`playwright-core not found: run scripts/fetch-web-test.sh ${BUILD}`);
}

function skip(why) {
  console.log("# SKIP " + why);
  process.exit(77);
}

function check(cond, msg) {
  if (!cond) throw new Error("check failed: " + msg);
  console.log("ok - " + msg);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: REPO, encoding: "utf8", ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on("error", reject);
  });
}

async function waitForServer(base, child, ms = 30000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await fetch(base + "/health");  // open with or without API keys
      if (r.ok) return;
    } catch (_) {}
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error("server did not answer within " + ms + " ms");
}

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`no ${BIN}: build glassbox first`);
  // Missing test tools: exit 77, which CTest reports as skipped (SKIP_RETURN_CODE).
  if (!fs.existsSync(CHROMIUM)) skip(`no ${CHROMIUM} (scripts/setup.sh installs Debian's chromium)`);
  let chromium;
  try { ({ chromium } = loadPlaywright()); } catch (e) { skip(e.message); }
  fs.mkdirSync(SHOTS, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "glassbox-web-"));
  const data = path.join(tmp, "data");
  const profile = path.join(tmp, "chromium-profile");
  fs.mkdirSync(data);
  let server = null, server2 = null, context = null;
  try {
    // The example knowledge base, ingested before the server starts (relative
    // path, so the ids read examples/kb/…).
    run(BIN, ["init", path.join(data, "kb"), "--json"]);
    run(BIN, ["ingest", path.join(data, "kb"), "examples/kb", "--exclude", "README.md", "--json", "--quiet"]);
    // A 3-page PDF (tests/fixtures/make_documents.py, reportlab) for the page view.
    const fixtures = path.join(tmp, "fixtures");
    run("/usr/bin/python3", ["tests/fixtures/make_documents.py", fixtures]);
    run(BIN, ["ingest", path.join(data, "pdfs"), path.join(fixtures, "pages3.pdf"), "--embedder", "none", "--json", "--quiet"]);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = spawn(BIN, ["serve", "--data", data, "--port", String(port)], { stdio: ["ignore", "inherit", "inherit"] });
    console.log(`# server: glassbox serve on ${base}`);
    await waitForServer(base, server);

    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(15000);
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    // No external resources: every request goes to the server under test.
    const foreign = [];
    page.on("request", (r) => {
      const u = r.url();
      if (!u.startsWith(base) && !u.startsWith("data:") && !u.startsWith("blob:" + base)) foreign.push(u);
    });

    await page.goto(base + "/");
    check((await page.title()).includes("Glassbox"), "page loads");
    await page.waitForSelector('#collection option[value="kb"]', { state: "attached" });
    await page.selectOption("#collection", "kb");
    // The weight control shows the collection's own fusion, not a made-up 0.50 / 0.50.
    await page.waitForFunction(() => /collection default: \w+ bm25=/.test(document.querySelector("#weight-value").textContent));
    const fusionDefault = await page.locator("#weight-value").textContent();
    const kbStats = await (await fetch(base + "/v1/collections/kb/stats")).json();
    check(fusionDefault === "collection default: " + kbStats.fusion, `weight control shows the collection's fusion (${fusionDefault})`);

    // --- search ---
    await page.getByRole("searchbox", { name: "Query" }).fill(QUERY);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const hit = page.locator(`.hit[data-id$="${FAQ_HIT}"]`);
    await hit.waitFor();
    check(await hit.isVisible(), `the FAQ hit (…${FAQ_HIT}) is on screen`);
    const first = await page.locator(".hit").first().getAttribute("data-id");
    check(first.endsWith(FAQ_HIT), `it is the first hit (${first})`);
    const url = new URL(page.url());
    check(url.searchParams.get("q") === QUERY && url.searchParams.get("collection") === "kb",
          `the search is in the URL (${url.search})`);
    const marks = await hit.locator(".snippet mark").allTextContents();
    check(marks.some((m) => /cement/i.test(m)) && marks.some((m) => /tonne/i.test(m)),
          `snippet highlights the query terms (${[...new Set(marks)].join(", ")})`);
    check(!(await hit.locator(".snippet").textContent()).match(/[\u0001\u0002]/), "no raw highlight marks left");
    check(/score \d/.test(await hit.locator(".score").textContent()), "score shown");
    await page.screenshot({ path: path.join(SHOTS, "search.png") });

    // --- explanation ---
    const toggle = hit.getByRole("button", { name: "Explain" });
    check((await toggle.getAttribute("aria-expanded")) === "false", "explanation starts closed");
    await toggle.click();
    check((await hit.locator(".explain-toggle").getAttribute("aria-expanded")) === "true", "toggle says expanded");
    const terms = hit.locator(".bm25-terms li");
    await terms.first().waitFor();
    const names = await terms.evaluateAll((lis) => lis.map((li) => li.dataset.term));
    for (const t of ["cement", "price", "per"]) check(names.includes(t), `BM25 bar for '${t}'`);
    check(names.some((t) => t.startsWith("tonn")), `BM25 bar for the stem of 'tonne' (${names.join(", ")})`);
    const widths = await terms.locator(".fill").evaluateAll((fs) => fs.map((f) => f.getBoundingClientRect().width));
    check(widths.length === names.length && widths.every((w) => w > 0), "every term bar has a width");
    const stats = await terms.locator(".stats").allTextContents();
    check(stats.every((s) => /tf [\d.]+ · df \d+.* · idf [\d.]+/.test(s)), "bars labelled with tf, df, idf");
    const hybrid = (await page.locator("#status").textContent()).includes("hybrid");
    if (hybrid) {
      check(await hit.locator(".stack .seg.bm25").count() === 1, "stacked share bar has a BM25 part");
      check(await hit.locator(".stack .seg.vector").count() === 1, "stacked share bar has a vector part");
      check(await hit.locator("table.retrievers tbody tr").count() === 2, "retriever table: rank and share per retriever");
      check(await hit.locator(".bars.vector li").count() === 1, "vector similarity bar");
      check(await hit.locator(".bars.words li").count() > 0, "word pairs of the static model");
    }
    await hit.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, "explain.png") });

    // --- why not this document? (the ranking of the search on screen) ---
    const lastId = await page.locator(".hit").last().getAttribute("data-id");
    await page.locator("#why-id").fill(lastId);
    await page.getByRole("button", { name: "Why not?" }).click();
    await page.locator("#why-result .why-message").waitFor();
    const whyText = await page.locator("#why-result .why-message").textContent();
    check(/^in_top_k: .*rank/.test(whyText), `why-not for the last hit says it is in the top k (${whyText.slice(0, 80)})`);
    await page.locator("#why-id").fill("no/such/document");
    await page.getByRole("button", { name: "Why not?" }).click();
    await page.locator("#why-result .error").waitFor();
    check(/not_found|no live document|no document/i.test(await page.locator("#why-result").textContent()),
          "why-not for an unknown id says so");

    // --- document view ---
    await hit.getByRole("button", { name: "Open document" }).click();
    const chunks = page.locator("#doc-chunks .chunk");
    await page.locator("#doc-chunks .chunk.current").waitFor();
    const n = await chunks.count();
    check(n > 1, `document view shows ${n} chunks`);
    const nums = await chunks.evaluateAll((cs) => cs.map((c) => Number(c.dataset.chunk)));
    check(nums.every((x, i) => i === 0 || x > nums[i - 1]), "chunks in order");
    check((await chunks.first().locator(".offsets").textContent()).startsWith("bytes "), "chunk byte offsets shown");
    const bgs = await chunks.evaluateAll((cs) => cs.slice(0, 2).map((c) => getComputedStyle(c).backgroundColor));
    check(bgs[0] !== bgs[1], "alternating chunk backgrounds");
    const current = page.locator("#doc-chunks .chunk.current");
    check(await current.count() === 1 && (await current.getAttribute("data-id")).endsWith(FAQ_HIT), "the hit's chunk is highlighted");
    check(/Chunk 5/.test(await current.locator(".chunk-no").textContent()), "chunk number shown");
    const inView = await current.evaluate((c) => {
      const r = c.getBoundingClientRect(), v = c.closest("#doc-view").getBoundingClientRect();
      return r.top < v.bottom && r.bottom > v.top;
    });
    check(inView, "the hit's chunk is scrolled into view");
    await page.screenshot({ path: path.join(SHOTS, "document.png") });

    // --- upload, then search for it ---
    const word = "zorblatt" + Math.random().toString(36).replace(/[^a-z]/g, "").slice(0, 6);
    await page.locator("details.tools summary").click();
    await page.setInputFiles("#files", {
      name: `web-upload-${word}.txt`, mimeType: "text/plain",
      buffer: Buffer.from(`Site note\n\nThe ${word} valve [draft] on crane 7 <b>must</b> be inspected every Monday.\n`),
    });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.locator("#ingest-report .ingest-summary").waitFor();
    const report = await page.locator("#ingest-report").textContent();
    check(/Ingested 1 file\(s\), 0 failed/.test(report), `ingest report shown (${report.trim()})`);
    await page.getByRole("searchbox", { name: "Query" }).fill(word);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.locator(".hit .snippet mark", { hasText: word }).first().waitFor();
    check(true, `the uploaded word '${word}' is found`);
    const up = page.locator(".hit", { has: page.locator(".snippet mark", { hasText: word }) }).first();
    const upText = await up.locator(".snippet").textContent();
    check(upText.includes("[draft]") && upText.includes("<b>must</b>") && (await up.locator(".snippet b").count()) === 0,
          "text brackets and HTML in a snippet stay plain text");
    await page.screenshot({ path: path.join(SHOTS, "upload.png") });

    // --- every search is a link: paging, back/forward, reload, shared URL ---
    const firstRank = () => page.locator(".hit .rank").first().textContent();
    await page.goto(base + "/?q=cement&collection=kb");
    await page.locator(".hit").first().waitFor();
    check(await page.locator("#q").inputValue() === "cement", "a shared URL fills the query box");
    const status1 = await page.locator("#status").textContent();
    check(/^Hits 1–10 of (\d+ hits|at least \d+ hits \(not counted exactly\))/.test(status1) && !status1.includes("+"),
          `count phrased in words (${status1})`);
    const page1 = await page.locator(".hit").evaluateAll((hs) => hs.map((h) => h.dataset.id));
    await page.getByRole("button", { name: "Next page" }).click();
    await page.waitForFunction(() => document.querySelector(".hit .rank")?.textContent === "#11");
    check(new URL(page.url()).searchParams.get("page") === "2", "next page: page=2 in the URL");
    const page2 = await page.locator(".hit").evaluateAll((hs) => hs.map((h) => h.dataset.id));
    check(page2.length > 0 && page2.every((id) => !page1.includes(id)), "page 2 holds other hits than page 1");
    check(/^Hits 11–/.test(await page.locator("#status").textContent()), "status counts from 11 on page 2");
    await page.goBack();
    await page.waitForFunction(() => document.querySelector(".hit .rank")?.textContent === "#1");
    check(JSON.stringify(await page.locator(".hit").evaluateAll((hs) => hs.map((h) => h.dataset.id))) === JSON.stringify(page1),
          "back: page 1 again, same hits");
    check(await page.getByRole("button", { name: "Previous page" }).isDisabled(), "no previous page on page 1");
    await page.goForward();
    await page.waitForFunction(() => document.querySelector(".hit .rank")?.textContent === "#11");
    await page.reload();
    await page.locator(".hit").first().waitFor();
    check(await firstRank() === "#11" &&
          JSON.stringify(await page.locator(".hit").evaluateAll((hs) => hs.map((h) => h.dataset.id))) === JSON.stringify(page2),
          "reload shows the same page of hits");

    // --- facets: counts over every match, clicking a value filters ---
    await page.goto(base + "/?q=cement&collection=kb&mode=bm25");
    await page.locator("#facets .facet[data-field=supplier] .facet-value").first().waitFor();
    const status0 = await page.locator("#status").textContent();
    check(/ of \d+ hits ·/.test(status0), `bm25 with facets counts every match exactly (${status0})`);
    const fieldsShown = await page.locator("#facets .facet").evaluateAll((fs) => fs.map((f) => f.dataset.field));
    check(!fieldsShown.some((f) => ["doc_id", "source", "section", "acl_users", "acl_groups"].includes(f)),
          `facets leave out provenance and access fields (${fieldsShown.join(", ")})`);
    const sup = page.locator("#facets .facet[data-field=supplier] .facet-value").first();
    const supValue = await sup.getAttribute("data-value");
    const supCount = Number(await sup.locator(".count").textContent());
    check(supCount > 0, `supplier facet: ${supValue} (${supCount})`);
    await sup.click();
    await page.locator("#active-filters .chip").first().waitFor();
    await page.waitForFunction((n) => new RegExp(" of " + n + " hits? ·").test(document.querySelector("#status").textContent), supCount);
    check(new URL(page.url()).searchParams.getAll("f").some((f) => f.startsWith("supplier:")), "the filter is in the URL");
    check(true, `clicking ${supValue} narrows the results to its count (${supCount})`);
    const supNow = await page.locator("#facets .facet[data-field=supplier] .facet-value").evaluateAll(
      (vs) => vs.map((v) => [v.dataset.value, v.querySelector(".count").textContent]));
    check(supNow.length === 1 && supNow[0][0] === supValue && Number(supNow[0][1]) === supCount,
          `the supplier facet now holds only ${supValue} (${JSON.stringify(supNow)})`);
    await page.getByRole("button", { name: /^Remove filter supplier:/ }).click();
    await page.waitForFunction(() => !document.querySelector("#active-filters .chip"));
    check(!new URL(page.url()).searchParams.getAll("f").length, "removing the filter takes it out of the URL");

    // --- a range filter over a date field of the hits ---
    await page.locator("#range-field").waitFor();
    const rangeFields = await page.locator("#range-field option").evaluateAll((os) => os.map((o) => o.value));
    check(rangeFields.includes("date") && !rangeFields.includes("start"), `range fields from the hits (${rangeFields.join(", ")})`);
    await page.locator("#range-field").selectOption("date");
    await page.locator("#range-from").fill("2025-01-01");
    await page.locator("#range-to").fill("2025-12-31");
    await page.getByRole("button", { name: "Apply range" }).click();
    await page.locator("#active-filters .chip").first().waitFor();
    check(new URL(page.url()).searchParams.getAll("f").includes("date:[2025-01-01 TO 2025-12-31]"), "the range is a filter in the URL");
    await page.locator(".hit").first().waitFor();
    const shownDates = await page.locator(".hit").count();
    check(shownDates > 0, `hits within the range are shown (${shownDates})`);
    const apiDates = await page.evaluate(async () => {
      const r = await fetch("/v1/collections/kb/search", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ query: "cement date:[2025-01-01 TO 2025-12-31]", k: 50, mode: "bm25" }) });
      return ((await r.json()).hits || []).map((h) => String(h.metadata.date || ""));
    });
    check(apiDates.length > 0 && apiDates.every((d) => d >= "2025-01-01" && d <= "2025-12-31"), `every hit's date is in 2025 (${apiDates.length})`);
    await page.getByRole("button", { name: /^Remove filter date:/ }).click();
    await page.waitForFunction(() => !document.querySelector("#active-filters .chip"));

    // --- which retriever found each hit (hybrid with RRF lets semantic-only hits in) ---
    await page.goto(base + "/?q=overtime&collection=kb&fusion=rrf");
    await page.locator(".hit").first().waitFor();
    check(await page.locator("#fusion").inputValue() === "rrf", "fusion restored from the URL");
    if ((await page.locator("#status").textContent()).includes("hybrid")) {
      const kinds = await page.locator(".hit .found-by").evaluateAll((fs) => fs.map((f) => f.dataset.foundBy));
      check(kinds.length === await page.locator(".hit").count(), "every hit says which retriever found it");
      check(kinds[0] !== "semantic" && kinds.includes("semantic"), `keyword and semantic-only hits told apart (${kinds.join(",")})`);
      const sem = page.locator('.hit:has(.found-by[data-found-by="semantic"])').first();
      check(!(await sem.locator(".snippet mark").count()), "a semantic-only hit highlights no query word");
      // The similarity floor: 1 drops every semantic-only hit, keeps the keyword ones; it is in the URL.
      const keywordHits = kinds.filter((k) => k !== "semantic").length;
      await page.locator("#min-sim").fill("1");
      await page.locator("#min-sim").dispatchEvent("change");
      await page.waitForFunction(() => new URL(location.href).searchParams.get("ms") === "1" &&
        !document.querySelector('.hit .found-by[data-found-by="semantic"]'));
      const after = await page.locator(".hit .found-by").evaluateAll((fs) => fs.map((f) => f.dataset.foundBy));
      check(after.length > 0 && !after.includes("semantic") && after.length >= Math.min(keywordHits, 10),
            `the similarity floor drops the semantic-only hits (${after.length} keyword hits left)`);
      await page.locator("#min-sim").fill("");
      await page.locator("#min-sim").dispatchEvent("change");
    }

    // --- search as you type, keyboard navigation ---
    await page.goto(base + "/?collection=kb");
    await page.waitForSelector('#collection option[value="kb"]', { state: "attached" });
    await page.locator("#q").pressSequentially("annual leave", { delay: 40 });
    await page.waitForFunction(() => new URL(location.href).searchParams.get("q") === "annual leave" &&
                                      document.querySelectorAll(".hit").length > 0);
    check(true, "typing runs the search (no button pressed) and puts it in the URL");
    const typedIds = await page.locator(".hit").evaluateAll((hs) => hs.map((h) => h.dataset.id));
    await page.locator("#q").press("ArrowDown");
    check(await page.evaluate(() => document.activeElement.closest(".hit")?.dataset.id) === typedIds[0], "down arrow: first hit");
    await page.keyboard.press("ArrowDown");
    check(await page.evaluate(() => document.activeElement.closest(".hit")?.dataset.id) === typedIds[1], "down arrow: second hit");
    await page.keyboard.press("Enter");
    await page.locator("#doc-chunks .chunk.current").waitFor();
    check(await page.locator("#doc-chunks .chunk.current").getAttribute("data-id") === typedIds[1], "Enter opens the hit's document");
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("ArrowUp");
    check(await page.evaluate(() => document.activeElement.id) === "q", "up arrow from the first hit: back to the query");

    // --- the answer panel: a question is also asked of /ask and answered above the hits ---
    await page.goto(base + "/?collection=kb&q=" + encodeURIComponent("How much cement did we buy in the last three years?"));
    const answer = page.locator("#above-hits .answer");
    await answer.locator(".answer-text").waitFor();
    const routeText = await answer.locator(".answer-route").first().textContent();
    check(/Route: table/.test(routeText), `a figure question goes to the tables (${routeText})`);
    check(/SELECT .*FROM "purchases"/.test(await answer.locator(".answer-sql code").first().textContent()), "the SQL is shown");
    check(await answer.locator("table.answer-rows").count() >= 1, "the result rows are shown");
    await page.locator("#q").fill("What does the remote work policy require?");
    await page.locator("#q").press("Enter");
    await page.waitForFunction(() => /Route: documents/.test(document.querySelector("#above-hits .answer-route")?.textContent || ""));
    const docAnswer = await answer.locator(".answer-status").first().textContent();
    check(/Answer|Not found/.test(docAnswer), `a document question is answered or honestly not found (${docAnswer})`);
    if (/^Answer/.test(docAnswer))
      check(await answer.locator(".answer-citations li").count() >= 1, "an answer from documents cites its passage");
    // The panel asked with "stream": true and rendered each Server-Sent Event as it came (retrieval first).
    const events = await answer.first().getAttribute("data-events");
    check(/^retrieval,(token,)*answer,citations,done$/.test(events || ""), `the answer streamed in order (${events})`);
    await page.screenshot({ path: path.join(SHOTS, "answer.png") });
    await page.locator("#q").fill("cement");
    await page.locator("#q").press("Enter");
    await page.waitForFunction(() => !document.querySelector("#above-hits .answer"));
    check(true, "a keyword search clears the answer panel");

    // --- accessibility: axe-core (pinned, scripts/fetch-web-test.sh), WCAG A/AA, every impact ---
    const axePath = path.join(BUILD, "npm-web/node_modules/axe-core/axe.min.js");
    if (fs.existsSync(axePath)) {
      await page.locator(".hit").first().getByRole("button", { name: "Explain" }).click();  // search, explanation and document views
      await page.addScriptTag({ path: axePath });
      const violations = await page.evaluate(async () => {
        const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
        return r.violations
          .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")}`);
      });
      check(violations.length === 0, "axe-core: no WCAG A/AA violations of any impact" + (violations.length ? ": " + violations.join(" | ") : ""));
    } else {
      console.log("# axe-core not installed (scripts/fetch-web-test.sh): accessibility check skipped");
    }

    // --- page view: a PDF hit's page, rendered by the server, with the hit's box highlighted ---
    await page.goto(base + "/?collection=pdfs&q=narwhal&mode=bm25");
    const pdfHit = page.locator(".hit").first();
    await pdfHit.waitFor();
    await pdfHit.getByRole("button", { name: "Page 2" }).click();
    await page.waitForFunction(() => {
      const img = document.querySelector("#page-image");
      return img && img.complete && img.naturalWidth > 0 && !document.querySelector("#page-box").hidden;
    });
    const natural = await page.evaluate(() => [document.querySelector("#page-image").naturalWidth, document.querySelector("#page-image").naturalHeight]);
    check(natural[0] > 300 && Math.abs(natural[1] / natural[0] - 841.89 / 595.28) < 0.01, `the page image loaded with A4 proportions (${natural.join("x")})`);
    const imgBox = await page.locator("#page-image").boundingBox();
    const hl = await page.locator("#page-box").boundingBox();
    check(hl && hl.width > 0 && hl.height > 0 && hl.x >= imgBox.x - 1 && hl.y >= imgBox.y - 1 &&
          hl.x + hl.width <= imgBox.x + imgBox.width + 1 && hl.y + hl.height <= imgBox.y + imgBox.height + 1,
          "the highlight box lies inside the page image");
    // reportlab drew the sentence at x=300, baseline y=400 (from the bottom) of a 595x842 page.
    const fx = (hl.x - imgBox.x) / imgBox.width, fy = (hl.y + hl.height - imgBox.y) / imgBox.height;
    check(Math.abs(fx - 300 / 595.28) < 0.02 && Math.abs(fy - (841.89 - 400) / 841.89) < 0.02,
          `the highlight is where the text was drawn (${fx.toFixed(3)}, ${fy.toFixed(3)})`);
    // The rendered text itself is under the highlight: dark pixels inside the box, none on the rest of its row.
    const ink = await page.evaluate(() => {
      const img = document.querySelector("#page-image"), box = document.querySelector("#page-box");
      const c = document.createElement("canvas");
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const g = c.getContext("2d");
      g.drawImage(img, 0, 0);
      const s = img.naturalWidth / img.getBoundingClientRect().width;
      const ib = img.getBoundingClientRect(), bb = box.getBoundingClientRect();
      const x0 = Math.round((bb.left - ib.left) * s), x1 = Math.round((bb.right - ib.left) * s);
      const y0 = Math.round((bb.top - ib.top) * s), y1 = Math.round((bb.bottom - ib.top) * s);
      const dark = (x, y, w, h) => {
        if (w <= 0 || h <= 0) return 0;
        const d = g.getImageData(x, y, w, h).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 300) n++;
        return n;
      };
      return { inside: dark(x0, y0, x1 - x0, y1 - y0), left: dark(0, y0, Math.max(0, x0 - 2), y1 - y0),
               right: dark(x1 + 2, y0, c.width - x1 - 2, y1 - y0) };
    });
    check(ink.inside > 200 && ink.left === 0 && ink.right === 0,
          `the page's text lies inside the highlight (dark pixels inside ${ink.inside}, left ${ink.left}, right ${ink.right})`);
    await page.screenshot({ path: path.join(SHOTS, "page-view.png") });
    await page.locator("#page-view-close").click();

    // --- a phone's width ---
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 375, height: 740 });
    await phone.goto(base + "/?q=cement&collection=kb&mode=bm25");
    await phone.locator(".hit").first().waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `no sideways scrolling at 375 px (overflow ${overflow} px)`);
    const qBox = await phone.locator("#q").boundingBox();
    check(qBox && qBox.width > 250, `query box usable at 375 px (${qBox && Math.round(qBox.width)} px)`);
    await phone.screenshot({ path: path.join(SHOTS, "phone.png"), fullPage: false });
    await phone.close();

    // --- facet counts leave out what the key may not see (a second server, with API keys) ---
    const data2 = path.join(tmp, "data2");
    fs.mkdirSync(data2);
    const docs = path.join(tmp, "acl.jsonl");
    const lines = [];
    for (let i = 0; i < 6; i++) lines.push(JSON.stringify({ id: `open${i}`, text: "cement order", team: i < 4 ? "red" : "blue" }));
    for (let i = 0; i < 5; i++)  // red, but only alice may see them
      lines.push(JSON.stringify({ id: `hidden${i}`, text: "cement order", team: "red", acl_users: ["alice"] }));
    fs.writeFileSync(docs, lines.join("\n") + "\n");
    run(BIN, ["ingest", path.join(data2, "acl"), docs, "--embedder", "none", "--json", "--quiet"]);
    const keysFile = path.join(tmp, "keys.json");
    const bobKey = JSON.parse(run(BIN, ["keys", "create", "--keys", keysFile, "--name", "bob", "--role", "reader",
                                       "--user", "bob", "--json"])).key;
    const port2 = await freePort();
    const base2 = `http://127.0.0.1:${port2}`;
    server2 = spawn(BIN, ["serve", "--data", data2, "--port", String(port2), "--keys", keysFile],
                    { stdio: ["ignore", "inherit", "inherit"] });
    await waitForServer(base2, server2);
    const bob = await context.newPage();
    await bob.goto(base2 + "/");
    await bob.locator("details.tools summary").click();
    await bob.locator("#api-key").fill(bobKey);
    await bob.locator("#api-key").dispatchEvent("change");
    await bob.waitForFunction(() => [...document.querySelectorAll("#collection option")].some((o) => o.value === "acl"));
    await bob.locator("#collection").selectOption("acl");
    await bob.locator("#q").fill("cement");
    await bob.locator("#q").press("Enter");
    await bob.locator("#facets .facet[data-field=team] .facet-value").first().waitFor();
    const teams = await bob.locator("#facets .facet[data-field=team] .facet-value").evaluateAll(
      (vs) => Object.fromEntries(vs.map((v) => [v.dataset.value, Number(v.querySelector(".count").textContent)])));
    check(teams.red === 4 && teams.blue === 2, `facet counts leave out the 5 documents bob may not see (${JSON.stringify(teams)})`);
    await bob.close();

    check(pageErrors.length === 0, "no script errors on the page" + (pageErrors.length ? ": " + pageErrors.join("; ") : ""));
    check(foreign.length === 0, "no external requests" + (foreign.length ? ": " + foreign.join(", ") : ""));
    console.log(`# screenshots in ${SHOTS}`);
  } finally {
    if (context) await context.close().catch(() => {});
    for (const srv of [server, server2]) {
      if (!srv || srv.exitCode !== null) continue;
      srv.kill("SIGTERM");
      await new Promise((r) => { const t = setTimeout(() => { srv.kill("SIGKILL"); r(); }, 3000); srv.on("exit", () => { clearTimeout(t); r(); }); });
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const deadline = setTimeout(() => { console.error("not ok - timed out after 120 s"); process.exit(1); }, 120000);
main().then(() => { clearTimeout(deadline); console.log("PASS"); process.exit(0); },
            (e) => { clearTimeout(deadline); console.error("not ok - " + (e && e.stack || e)); process.exit(1); });
