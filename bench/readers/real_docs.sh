#!/bin/bash
# Document parsing on real PDFs nobody here wrote (issue 11, point 3): the
# manuals shipped by Debian's gnuplot-doc, asymptote-doc and r-doc-pdf
# packages (about 1,000 pages), installed by this script with apt-get.
#
# Text PDFs, pages per second, same files in the same run, median of RUNS runs
# (whole processes, start-up included on every side; wall clock and CPU time,
# user + system, which a loaded machine disturbs less), rounds interleaved:
#   - pdftotext (poppler-utils), one process per file, as a pipeline calls it;
#   - pdfminer.six (python3-pdfminer), high-level extract_text, one process;
#   - Glassbox's readers alone (build/bench/read_docs: page text + word boxes),
#     one process;
#   - `glassbox ingest` into a fresh collection (pages, boxes, chunks, BM25
#     index, originals kept), --embedder none, --threads 1 and default threads.
# OCR, pages per second: OCR_PAGES pages of the R manual rendered at 300 dpi
# (pdftoppm -gray) read by `tesseract` (one process per page) and by Glassbox's
# image reader (one process for all pages), same language (eng).
#
# usage: bench/readers/real_docs.sh [BUILD_DIR]
#   env: RUNS (default 3), PDFMINER_RUNS (default RUNS), OCR_PAGES (default 6; 0 skips OCR),
#        NICE (default 10: every command runs at this niceness, so all sides
#        compete equally with whatever else the machine runs)
# Needs the glassbox and read_docs targets (cmake --build build --target glassbox read_docs).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
RUNS=${RUNS:-3}
PDFMINER_RUNS=${PDFMINER_RUNS:-$RUNS}
OCR_PAGES=${OCR_PAGES:-6}
NICE=${NICE:-10}
G=$BUILD/glassbox
READ=$BUILD/bench/read_docs
for b in "$G" "$READ"; do
  [ -x "$b" ] || { echo "missing $b: cmake --build $BUILD --target glassbox read_docs" >&2; exit 2; }
done

# Debian packages: the documents and the peers (installed only when missing).
PACKAGES=(gnuplot-doc asymptote-doc r-doc-pdf python3-pdfminer poppler-utils tesseract-ocr tesseract-ocr-eng)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/pdf" "$TMP/ocr"
# The manuals (refman.pdf, the 3,000-page function reference, is left out to keep
# pdfminer's runs to minutes). Copies, so every side reads the same files.
FILES=(/usr/share/doc/gnuplot/gnuplot.pdf /usr/share/doc/asymptote/asymptote.pdf)
for m in R-intro R-data R-admin R-exts R-lang R-ints R-FAQ; do FILES+=("/usr/share/R/doc/manual/$m.pdf"); done
total=0
for f in "${FILES[@]}"; do
  [ -f "$f" ] || { echo "missing $f (package contents changed?)" >&2; exit 2; }
  cp "$f" "$TMP/pdf/"
  n=$(pdfinfo "$f" | awk '/^Pages:/ {print $2}')
  total=$((total + n))
  printf '%-45s %5d pages %8d bytes\n' "$(basename "$f")" "$n" "$(stat -c %s "$f")"
done
echo "total: $total pages in ${#FILES[@]} files; $RUNS runs (pdfminer $PDFMINER_RUNS), nice $NICE, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

cat > "$TMP/run_pdfminer.py" <<'PY'
import sys
from pdfminer.high_level import extract_text
for f in sys.argv[1:]:
    extract_text(f)
PY
cat > "$TMP/pdftotext.sh" <<'SH'
for f in "$@"; do pdftotext "$f" "$f.txt"; done
SH
cat > "$TMP/tesseract.sh" <<'SH'
for f in "$@"; do tesseract "$f" "$f" -l eng >/dev/null 2>&1; done
SH
cat > "$TMP/ingest.sh" <<SH
rm -rf "$TMP/coll"
"$G" ingest "$TMP/coll" "\$@" --embedder none --quiet >/dev/null
SH

cat > "$TMP/timer.py" <<'PY'
# timer.py OUT NAME CMD...: runs CMD, appends "NAME wall_s cpu_s" (CPU: user + system of CMD and its children).
import resource, subprocess, sys, time
out, name, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
t = time.perf_counter()
p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
if p.returncode != 0:
    sys.exit(f"{name} failed: {p.stderr.decode(errors='replace')}")
r = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = r.ru_utime + r.ru_stime
open(out, "a").write(f"{name} {wall:.3f} {cpu:.3f}\n")
with open("/proc/loadavg") as f:
    print(f"  {name}: wall {wall:.2f} s, cpu {cpu:.2f} s (load {f.read().split()[0]})", file=sys.stderr)
PY
# time_runs NAME CMD... : one timed run, at the common niceness.
time_runs() {
  local name=$1
  shift
  nice -n "$NICE" /usr/bin/python3 "$TMP/timer.py" "$TMP/times" "$name" "$@"
}

PDFS=("$TMP"/pdf/*.pdf)
# Sanity: Glassbox's pages and text next to pdftotext's.
"$READ" "${PDFS[@]}" > "$TMP/read.jsonl"
bash "$TMP/pdftotext.sh" "${PDFS[@]}"
/usr/bin/python3 - "$TMP/read.jsonl" "$TMP"/pdf/*.txt <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
pt = sum(len(open(f, 'rb').read()) for f in sys.argv[2:])
print(f"glassbox: {sum(r['pages'] for r in rows)} pages with text, {sum(r['bytes'] for r in rows)} bytes of text; "
      f"pdftotext: {pt} bytes")
PY

# Rounds interleave the tools, so a burst of load from elsewhere hits all of them.
for r in $(seq 1 "$RUNS"); do
  time_runs pdftotext bash "$TMP/pdftotext.sh" "${PDFS[@]}"
  time_runs read_docs "$READ" "${PDFS[@]}"
  time_runs ingest1 bash "$TMP/ingest.sh" "${PDFS[@]}" --threads 1
  time_runs ingest bash "$TMP/ingest.sh" "${PDFS[@]}"
  if [ "$r" -le "$PDFMINER_RUNS" ]; then time_runs pdfminer /usr/bin/python3 "$TMP/run_pdfminer.py" "${PDFS[@]}"; fi
done

# OCR: pages 11.. of R-intro (running text), 300 dpi grayscale PNGs (OCR_PAGES=0: skipped).
if [ "$OCR_PAGES" -gt 0 ]; then
pdftoppm -r 300 -gray -png -f 11 -l $((10 + OCR_PAGES)) "$TMP/pdf/R-intro.pdf" "$TMP/ocr/p"
PNGS=("$TMP"/ocr/*.png)
for r in $(seq 1 "$RUNS"); do
  time_runs tesseract bash "$TMP/tesseract.sh" "${PNGS[@]}"
  time_runs ocr_read "$READ" --ocr-languages eng "${PNGS[@]}"
done
# OCR agreement: share of pdftotext's words of those pages that the OCR text has (multiset).
pdftotext -f 11 -l $((10 + OCR_PAGES)) "$TMP/pdf/R-intro.pdf" "$TMP/ocr/truth.txt"
/usr/bin/python3 - "$TMP/ocr/truth.txt" "${PNGS[@]}" <<'PY'
import collections, re, sys
words = lambda s: collections.Counter(re.findall(r"[A-Za-z]{3,}", s))
truth = words(open(sys.argv[1]).read())
tess = words("".join(open(p + ".txt").read() for p in sys.argv[2:]))
print(f"tesseract found {sum((truth & tess).values()) / sum(truth.values()):.1%} of pdftotext's words on those pages")
PY
fi

/usr/bin/python3 - "$TMP/times" "$total" "$OCR_PAGES" <<'PY'
import collections, statistics, sys
wall, cpu = collections.defaultdict(list), collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, w, c = line.split()
    wall[name].append(float(w))
    cpu[name].append(float(c))
pages, ocr_pages = int(sys.argv[2]), int(sys.argv[3])
mw = {k: statistics.median(v) for k, v in wall.items()}
mc = {k: statistics.median(v) for k, v in cpu.items()}
def row(label, name, n, ref):
    runs = " · ".join(f"{t:.2f}" for t in wall[name])
    rate = lambda r: f"{r:.0f}" if r >= 10 else f"{r:.3f}"
    print(f"| {label} | {mw[name]:.2f} s ({runs}) | {rate(n / mw[name])} | {mw[name] / mw[ref]:.2f} | "
          f"{mc[name]:.2f} s | {rate(n / mc[name])} | {mc[name] / mc[ref]:.2f} |")
head = "| median wall (runs) | pages/s | wall / {0} | median CPU | pages/s of CPU | CPU / {0} |"
print(f"| tool ({pages} text pages) " + head.format("pdftotext"))
print("|---|---:|---:|---:|---:|---:|---:|")
row("`pdftotext` (one process per file)", "pdftotext", pages, "pdftotext")
row("Glassbox readers (`read_docs`: text + word boxes)", "read_docs", pages, "pdftotext")
row("`glassbox ingest --threads 1` (+ chunks, index, originals)", "ingest1", pages, "pdftotext")
row("`glassbox ingest` (threads = cores)", "ingest", pages, "pdftotext")
if "pdfminer" in mw:
    row("pdfminer.six `extract_text` (one process)", "pdfminer", pages, "pdftotext")
    print(f"\npdfminer / Glassbox readers: wall {mw['pdfminer'] / mw['read_docs']:.1f}x, CPU "
          f"{mc['pdfminer'] / mc['read_docs']:.1f}x; pdfminer / `glassbox ingest --threads 1`: wall "
          f"{mw['pdfminer'] / mw['ingest1']:.1f}x, CPU {mc['pdfminer'] / mc['ingest1']:.1f}x")
if ocr_pages == 0:
    sys.exit(0)
print(f"\n| OCR ({ocr_pages} pages, 300 dpi) " + head.format("tesseract"))
print("|---|---:|---:|---:|---:|---:|---:|")
row("`tesseract -l eng` (one process per page)", "tesseract", ocr_pages, "tesseract")
row("Glassbox image reader (one process)", "ocr_read", ocr_pages, "tesseract")
PY
