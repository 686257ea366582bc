#!/usr/bin/env bash
# Installs what the web page test (tests/web/search.spec.js) needs besides
# Debian's chromium (scripts/setup.sh): the npm package playwright-core, pinned,
# into $BUILD/npm-web (its own prefix, so it never touches build/npm or
# build/npm-models).
#
#   scripts/fetch-web-test.sh [BUILD_DIR]     (default: build)
#
# Idempotent: does nothing when the pinned version is already there. Exits 1
# when it cannot install (no npm, no registry access).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
PKG=playwright-core
VERSION=1.65.1   # keep in step with tests/web/package.json
AXE=axe-core
AXE_VERSION=4.14.1   # the accessibility check of the page; keep in step with tests/web/package.json
PREFIX="$BUILD/npm-web"
MANIFEST="$PREFIX/node_modules/$PKG/package.json"
AXE_MANIFEST="$PREFIX/node_modules/$AXE/package.json"

if [ -f "$MANIFEST" ] && grep -q "\"version\": \"$VERSION\"" "$MANIFEST" &&
   [ -f "$AXE_MANIFEST" ] && grep -q "\"version\": \"$AXE_VERSION\"" "$AXE_MANIFEST"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "glassbox fetch-web-test: npm not found (scripts/setup.sh installs it)" >&2
  exit 1
fi
mkdir -p "$PREFIX"
echo "glassbox fetch-web-test: installing $PKG@$VERSION and $AXE@$AXE_VERSION into $PREFIX" >&2
# playwright-core downloads no browser on install; the test uses /usr/bin/chromium.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save --no-audit --no-fund --loglevel=error \
  --prefix "$PREFIX" "$PKG@$VERSION" "$AXE@$AXE_VERSION" >&2
