#!/bin/bash
# Document readers: Glassbox's PDF reading vs `pdftotext` (poppler-utils) and
# image OCR vs the `tesseract` command, on generated files, median of 3 runs
# (wall clock of each whole process, so model loading counts on both sides).
#
# usage: bench/readers/run.sh [BUILD_DIR] [PAGES]     (default: build 300)
# Needs: the read_docs target (cmake --build build --target read_docs),
# /usr/bin/python3 with reportlab and PIL, poppler-utils, tesseract-ocr.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
PAGES=${2:-300}
READ=$BUILD/bench/read_docs
[ -x "$READ" ] || { echo "missing $READ: cmake --build $BUILD --target read_docs" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 "$ROOT/tests/fixtures/make_documents.py" "$TMP" --pages "$PAGES"
LANGS=${OCR_LANGUAGES:-eng}

median() {  # median wall seconds of 3 runs of a command
  /usr/bin/python3 - "$@" <<'PY'
import statistics, subprocess, sys, time
times = []
for _ in range(3):
    t = time.perf_counter()
    subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append(time.perf_counter() - t)
print(f"{statistics.median(times):.3f}")
PY
}

echo "pages in bench.pdf: $PAGES; OCR languages: $LANGS"
"$READ" "$TMP/bench.pdf" | sed 's/^/glassbox: /'
gb_pdf=$(median "$READ" "$TMP/bench.pdf")
pt_pdf=$(median pdftotext "$TMP/bench.pdf" "$TMP/out.txt")
gb_ocr1=$(median "$READ" --ocr-languages "$LANGS" "$TMP/bench.png")
ts_ocr1=$(median tesseract "$TMP/bench.png" "$TMP/ocr" -l "$LANGS")
# Ten images: Glassbox in one process (the engine is loaded once per thread), the
# command once per image (as a pipeline calling it would).
IMAGES=()
for i in $(seq 1 10); do cp "$TMP/bench.png" "$TMP/img$i.png"; IMAGES+=("$TMP/img$i.png"); done
printf '%s\n' "${IMAGES[@]}" > "$TMP/images.txt"
gb_ocr10=$(median "$READ" --ocr-languages "$LANGS" "${IMAGES[@]}")
ts_ocr10=$(median bash -c 'while read -r f; do tesseract "$f" "$f" -l "$0" >/dev/null 2>&1; done < "$1"' "$LANGS" "$TMP/images.txt")
/usr/bin/python3 - "$PAGES" "$gb_pdf" "$pt_pdf" "$gb_ocr1" "$ts_ocr1" "$gb_ocr10" "$ts_ocr10" <<'PY'
import sys
pages = int(sys.argv[1]); gb_pdf, pt_pdf, gb_ocr, ts_ocr, gb_ocr10, ts_ocr10 = map(float, sys.argv[2:])
print(f"| task | Glassbox | peer | ratio (Glassbox / peer) |")
print(f"|---|---|---|---|")
print(f"| text PDF, {pages} pages | {gb_pdf:.3f} s ({pages / gb_pdf:.0f} pages/s) | pdftotext {pt_pdf:.3f} s ({pages / pt_pdf:.0f} pages/s) | {gb_pdf / pt_pdf:.2f} |")
print(f"| OCR, 1 image 1600x400 | {gb_ocr:.3f} s | tesseract {ts_ocr:.3f} s | {gb_ocr / ts_ocr:.2f} |")
print(f"| OCR, 10 images 1600x400 | {gb_ocr10:.3f} s | tesseract x10 {ts_ocr10:.3f} s | {gb_ocr10 / ts_ocr10:.2f} |")
PY
