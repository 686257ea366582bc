// A stand-in for `glassbox serve` while the real server is not built: serves
// src/server/web/* and the JSON API by running the `glassbox` command line
// (`search --json --explain`, `get --json`, `init`, `ingest`) over DATA.
// Only what the page uses; one CLI call at a time (the collection is locked).
//
//   node tests/web/mock-server.js GLASSBOX_BINARY DATA_DIR PORT
"use strict";

const http = require("http");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFile } = require("child_process");

const [bin, dataDir, portArg] = process.argv.slice(2);
if (!bin || !dataDir) {
  console.error("usage: mock-server.js GLASSBOX DATA_DIR [PORT]");
  process.exit(2);
}
const webDir = path.resolve(__dirname, "../../src/server/web");
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };

let queue = Promise.resolve();
function cli(args) {
  const run = () => new Promise((resolve) => {
    execFile(bin, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      let json = null;
      try { json = JSON.parse(stdout.trim().split("\n").pop() || "null"); } catch (_) {}
      resolve({ code: err ? (err.code ?? 1) : 0, json, stdout, stderr });
    });
  });
  const p = queue.then(run);
  queue = p.catch(() => {});
  return p;
}

function send(res, status, body, type = "application/json") {
  const data = typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" });
  res.end(data);
}
const error = (res, status, code, message) => send(res, status, { error: { code, message } });

function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    req.on("data", (c) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}

// multipart/form-data → [{name, filename, data}]
function parseMultipart(buf, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType || "");
  if (!m) return [];
  const boundary = Buffer.from("--" + (m[1] || m[2]));
  const out = [];
  let pos = buf.indexOf(boundary);
  while (pos >= 0) {
    const start = pos + boundary.length;
    if (buf.slice(start, start + 2).toString() === "--") break;
    const headEnd = buf.indexOf("\r\n\r\n", start);
    const next = buf.indexOf(boundary, headEnd);
    if (headEnd < 0 || next < 0) break;
    const head = buf.slice(start, headEnd).toString();
    const name = (/name="([^"]*)"/.exec(head) || [])[1];
    const filename = (/filename="([^"]*)"/.exec(head) || [])[1];
    out.push({ name, filename, data: buf.slice(headEnd + 4, next - 2) });
    pos = next;
  }
  return out;
}

const collDir = (name) => path.join(dataDir, name);
const validName = (n) => typeof n === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(n) && n !== "." && n !== "..";

async function handle(req, res) {
  const url = new URL(req.url, "http://x");
  const p = url.pathname;
  if (req.method === "GET" && (p === "/" || p.startsWith("/static/"))) {
    const name = p === "/" ? "index.html" : p.slice("/static/".length);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) return error(res, 404, "not_found", "no such file");
    const file = path.join(webDir, name);
    if (!fs.existsSync(file)) return error(res, 404, "not_found", "no such file");
    return send(res, 200, fs.readFileSync(file), TYPES[path.extname(name)] || "application/octet-stream");
  }
  if (p === "/v1/collections") {
    if (req.method === "GET") {
      const names = fs.readdirSync(dataDir).filter((n) => fs.existsSync(path.join(dataDir, n, "MANIFEST"))).sort();
      return send(res, 200, { collections: names.map((name) => ({ name })) });
    }
    if (req.method === "POST") {
      const body = JSON.parse((await readBody(req)).toString() || "{}");
      if (!validName(body.name)) return error(res, 400, "invalid_argument", "bad collection name");
      const r = await cli(["init", collDir(body.name), "--json"]);
      return r.code ? error(res, 409, "already_exists", r.stderr || r.stdout) : send(res, 201, r.json);
    }
  }
  const m = /^\/v1\/collections\/([^/]+)(\/.*)?$/.exec(p);
  if (!m) return error(res, 404, "not_found", "no such endpoint");
  const name = decodeURIComponent(m[1]);
  const rest = m[2] || "";
  if (!validName(name) || !fs.existsSync(path.join(collDir(name), "MANIFEST")))
    return error(res, 404, "not_found", `no collection '${name}'`);

  if (rest === "/search" && req.method === "POST") {
    const q = JSON.parse((await readBody(req)).toString() || "{}");
    // Like `glassbox serve`: unknown fields are an error. MOCK_HIGHLIGHT=1
    // accepts highlight_open/highlight_close (the page asks, then falls back).
    const known = new Set(["query", "k", "offset", "mode", "fusion", "weights", "rrf_k", "candidates", "explain",
                           "plain", "documents", "snippet", "algorithm"]);
    if (process.env.MOCK_HIGHLIGHT === "1") { known.add("highlight_open"); known.add("highlight_close"); }
    for (const key of Object.keys(q)) if (!known.has(key)) return error(res, 400, "invalid_argument", `unknown field "${key}"`);
    const args = ["search", collDir(name), String(q.query || ""), "--json", "--plain", "-k", String(q.k || 10)];
    if (q.offset) args.push("--offset", String(q.offset));
    if (q.mode) args.push("--mode", q.mode);
    if (q.fusion) args.push("--fusion", q.fusion);
    if (q.weights) args.push("--weights", q.weights.join(","));
    if (q.explain) args.push("--explain");
    if (q.documents) args.push("--documents");
    const r = await cli(args);
    if (r.code || !r.json) return error(res, 400, "invalid_argument", (r.json && r.json.error && r.json.error.message) || r.stderr);
    if (q.highlight_open !== undefined) {  // the CLI only marks with [ ]
      const words = String(q.query).toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 1);
      const isTerm = (t) => words.some((w) => t.toLowerCase().startsWith(w.slice(0, 4)));
      for (const h of r.json.hits)
        h.snippet = h.snippet.replace(/\[([^\[\]]*)\]/g, (all, t) => (isTerm(t) ? q.highlight_open + t + q.highlight_close : all));
    }
    return send(res, 200, r.json);
  }
  if (rest.startsWith("/documents/") && req.method === "GET") {
    const id = decodeURIComponent(rest.slice("/documents/".length));
    if (url.searchParams.get("chunks") === "1") {
      const r = await cli(["search", collDir(name), `doc_id:"${id.replace(/"/g, "")}"`, "--json", "-k", "1000", "--no-snippet"]);
      const chunks = ((r.json && r.json.hits) || []).map((h) => ({ id: h.id, fields: h.fields, metadata: h.metadata }));
      if (!chunks.length) {
        const g = await cli(["get", collDir(name), id, "--json"]);
        if (g.code) return error(res, 404, "not_found", `no document '${id}'`);
        return send(res, 200, { id, chunks: [g.json] });
      }
      chunks.sort((a, b) => (a.metadata.chunk || 0) - (b.metadata.chunk || 0));
      return send(res, 200, { id, chunks });
    }
    const g = await cli(["get", collDir(name), id, "--json"]);
    return g.code ? error(res, 404, "not_found", `no document '${id}'`) : send(res, 200, g.json);
  }
  if (rest === "/documents" && req.method === "POST") {
    const files = parseMultipart(await readBody(req), req.headers["content-type"]).filter((f) => f.filename);
    if (!files.length) return error(res, 400, "invalid_argument", "no file field");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gb-upload-"));
    for (const f of files) fs.writeFileSync(path.join(dir, path.basename(f.filename)), f.data);
    const r = await cli(["ingest", collDir(name), dir, "--json", "--quiet"]);
    fs.rmSync(dir, { recursive: true, force: true });
    return r.json ? send(res, 200, r.json) : error(res, 500, "internal", r.stderr);
  }
  return error(res, 404, "not_found", "no such endpoint");
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((e) => error(res, 500, "internal", String(e && e.message)));
});
server.listen(Number(portArg || 0), "127.0.0.1", () => {
  console.log(`mock glassbox server on http://127.0.0.1:${server.address().port}`);
});
