#!/usr/bin/env bash
# Fetches llama.cpp for the "gguf" embedder (and the "http" embedder's test
# server) from npm, pinned to one exact release, and lays it out as a prefix:
#
#   BUILD_DIR/npm/llama/include   llama.h, ggml*.h, gguf.h  (from the bundled source)
#   BUILD_DIR/npm/llama/lib       libllama.so, libggml*.so  (prebuilt CPU libraries)
#   BUILD_DIR/npm/llama/models    ggml-vocab-*.gguf          (vocabulary-only test files)
#   BUILD_DIR/npm/llama/bin       llama-server               (only with --server)
#   BUILD_DIR/npm/llama/VERSION   "node-llama-cpp 3.22.1, llama.cpp v0.5.0"
#
# Usage: scripts/fetch-llama.sh BUILD_DIR [--server]
#
# Why npm: node-llama-cpp carries, in one versioned and checksummed package,
# the complete source of the llama.cpp release it is built from (a git bundle,
# llama/gitRelease.bundle, tag recorded in llama/llama.cpp.info.json), and its
# per-platform package @node-llama-cpp/linux-x64 (same version) ships that same
# release's prebuilt CPU libraries (bins/linux-x64/_nlcBuildMetadata.json names
# the same tag). So the headers we compile against and the libraries we link
# come from one release, without a C++ build of llama.cpp.
#
# Pin: node-llama-cpp 3.22.1 = llama.cpp release v0.5.0 (the newest release of
# node-llama-cpp when this was written). Bump both NLC_VERSION and
# EXPECTED_LLAMA_TAG together; the script refuses a package whose recorded tag
# differs, since the headers and the libraries must be the same release.
#
# The prebuilt libraries are built with GGML_BACKEND_DL: the CPU backend is a
# set of libggml-cpu-<microarch>.so files loaded at run time; GgufEmbedder
# loads them from the directory of libggml-base.so.
#
# --server additionally builds llama-server (CPU only, no curl/OpenSSL, no web
# UI) from the bundled source into BUILD_DIR/llama/build, for the HttpEmbedder
# test. Cached: it is built once. Needs git, cmake, a C++17 compiler; took
# 19 minutes on two busy cores (8.5 min CPU; set JOBS to use more).
#
# Idempotent: does nothing that is already done.
set -euo pipefail

NLC_VERSION=3.22.1
EXPECTED_LLAMA_TAG=v0.5.0

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [--server]" >&2
  exit 2
fi
BUILD_DIR=$(mkdir -p "$1" && cd "$1" && pwd)
WANT_SERVER=0
if [ "${2:-}" = "--server" ]; then WANT_SERVER=1; fi
JOBS=${JOBS:-2}

NPM_DIR="$BUILD_DIR/npm"
PREFIX="$NPM_DIR/llama"
NLC="$NPM_DIR/node_modules/node-llama-cpp"
BINS="$NPM_DIR/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"
SRC="$BUILD_DIR/llama/src"
STAMP="$PREFIX/VERSION"
STAMP_TEXT="node-llama-cpp $NLC_VERSION, llama.cpp $EXPECTED_LLAMA_TAG"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "fetch-llama: only linux x86_64 is set up (prebuilt @node-llama-cpp/linux-x64)" >&2; exit 1 ;;
esac

installed_version() {
  node -e "try{console.log(require('$1/package.json').version)}catch(e){}" 2>/dev/null || true
}

# 1. npm packages (exact versions; --ignore-scripts: node-llama-cpp's
#    postinstall would try to download or build its Node addon, which we do
#    not use; --omit=optional: skips the CUDA/Vulkan variants, hundreds of MB).
if [ "$(installed_version "$NLC")" != "$NLC_VERSION" ] ||
   [ "$(installed_version "$NPM_DIR/node_modules/@node-llama-cpp/linux-x64")" != "$NLC_VERSION" ]; then
  echo "fetch-llama: npm install node-llama-cpp@$NLC_VERSION @node-llama-cpp/linux-x64@$NLC_VERSION"
  mkdir -p "$NPM_DIR"
  npm install --no-save --no-package-lock --ignore-scripts --omit=optional --no-audit --no-fund \
    --loglevel=error --prefix "$NPM_DIR" \
    "node-llama-cpp@$NLC_VERSION" "@node-llama-cpp/linux-x64@$NLC_VERSION"
fi

# 2. Both packages must name the same llama.cpp release.
src_tag=$(node -e "console.log(require('$NLC/llama/llama.cpp.info.json').tag)")
bin_tag=$(node -e "console.log(require('$BINS/_nlcBuildMetadata.json').buildOptions.llamaCpp.release)")
if [ "$src_tag" != "$EXPECTED_LLAMA_TAG" ] || [ "$bin_tag" != "$EXPECTED_LLAMA_TAG" ]; then
  echo "fetch-llama: release mismatch: source $src_tag, prebuilt $bin_tag, expected $EXPECTED_LLAMA_TAG" >&2
  exit 1
fi

# 3. The bundled source (a git bundle of the release), plus the patches
#    node-llama-cpp applies before building its binaries, so that a source
#    build matches the prebuilt libraries.
if [ ! -f "$SRC/.glassbox-ready" ]; then
  echo "fetch-llama: unpacking llama.cpp $src_tag source"
  rm -rf "$SRC"
  mkdir -p "$(dirname "$SRC")"
  git clone --quiet "$NLC/llama/gitRelease.bundle" "$SRC" 2>/dev/null
  for p in "$NLC"/llama/patches/*.diff; do
    [ -e "$p" ] || continue
    git -C "$SRC" apply "$p"
  done
  touch "$SRC/.glassbox-ready"
fi

# 4. The prefix: headers from the source, libraries from the prebuilt package.
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$STAMP_TEXT" ]; then
  rm -rf "$PREFIX"
  mkdir -p "$PREFIX/include" "$PREFIX/lib" "$PREFIX/models" "$PREFIX/bin"
  cp "$SRC"/include/llama.h "$SRC"/include/llama-cpp.h "$PREFIX/include/"
  cp "$SRC"/ggml/include/*.h "$PREFIX/include/"
  cp "$BINS"/*.so "$PREFIX/lib/"
  # Unversioned names for linking (-lllama, -lggml).
  ln -sf libllama.$bin_tag.so "$PREFIX/lib/libllama.so"
  ln -sf libggml.$bin_tag.so "$PREFIX/lib/libggml.so"
  cp "$SRC"/models/ggml-vocab-*.gguf* "$PREFIX/models/"
  cp "$SRC"/LICENSE "$PREFIX/LICENSE.llama.cpp"
  echo "$STAMP_TEXT" > "$STAMP"
fi

# 5. Optional: llama-server from the same source.
if [ "$WANT_SERVER" = 1 ] && [ ! -x "$PREFIX/bin/llama-server" ]; then
  echo "fetch-llama: building llama-server from source (CPU only, -j$JOBS)"
  start=$(date +%s)
  cmake -S "$SRC" -B "$BUILD_DIR/llama/build" -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF \
    -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_APP=OFF \
    -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON > "$BUILD_DIR/llama/configure.log" 2>&1
  nice -n 10 cmake --build "$BUILD_DIR/llama/build" --target llama-server -j "$JOBS" \
    > "$BUILD_DIR/llama/build.log" 2>&1 ||
    { tail -30 "$BUILD_DIR/llama/build.log" >&2; echo "fetch-llama: llama-server build failed" >&2; exit 1; }
  cp "$BUILD_DIR/llama/build/bin/llama-server" "$PREFIX/bin/"
  echo "fetch-llama: llama-server built in $(( $(date +%s) - start ))s"
fi

echo "fetch-llama: $STAMP_TEXT in $PREFIX"
