#!/usr/bin/env bash
# Builds better-sqlite3 for Electron's ABI into native/electron/better_sqlite3.node, leaving the
# Node build in node_modules (used by tests, the CLI and the web host) untouched. Electron's main
# finds the copy there and hands its path to the engine via SHARDSCOPE_SQLITE_NATIVE_BINDING.
#
# It needs Electron's headers: either ELECTRON_HEADERS_DIR pointing at an unpacked
# node-v<electron>-headers folder (with include/node/node.h), or network access to
# https://electronjs.org/headers. Without either it says so and exits 2 (nothing is changed).
set -euo pipefail
cd "$(dirname "$0")/.."

ELECTRON_VERSION="$(node -p "require('./node_modules/electron/package.json').version")"
SQLITE_DIR="node_modules/better-sqlite3"
OUT_DIR="native/electron"
DIST_URL="https://electronjs.org/headers"

if [ ! -d "$SQLITE_DIR" ]; then
  echo "build-electron-sqlite: $SQLITE_DIR is missing; run npm install first" >&2
  exit 1
fi

GYP_ARGS=(--target="$ELECTRON_VERSION" --runtime=electron --arch="$(node -p process.arch)")
if [ -n "${ELECTRON_HEADERS_DIR:-}" ]; then
  if [ ! -f "$ELECTRON_HEADERS_DIR/include/node/node.h" ]; then
    echo "build-electron-sqlite: ELECTRON_HEADERS_DIR=$ELECTRON_HEADERS_DIR has no include/node/node.h" >&2
    exit 2
  fi
  GYP_ARGS+=(--nodedir="$ELECTRON_HEADERS_DIR")
elif curl -fsI --max-time 10 "$DIST_URL/v$ELECTRON_VERSION/node-v$ELECTRON_VERSION-headers.tar.gz" >/dev/null 2>&1; then
  GYP_ARGS+=(--dist-url="$DIST_URL")
else
  cat >&2 <<MSG
build-electron-sqlite: SKIPPED — Electron $ELECTRON_VERSION headers are not available.
  They are fetched from $DIST_URL, which this machine cannot reach (only the npm registry
  and Debian packages are). To build the Electron copy of better-sqlite3:
    - run this script where electronjs.org is reachable, or
    - unpack node-v$ELECTRON_VERSION-headers.tar.gz and set ELECTRON_HEADERS_DIR to it.
  Until then Electron cannot open SQLite locations (the Node build has another ABI);
  \`npm run serve\` runs the app on the Node build instead.
MSG
  exit 2
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp -R "$SQLITE_DIR" "$WORK/better-sqlite3"
(cd "$WORK/better-sqlite3" && npx --yes node-gyp rebuild --release "${GYP_ARGS[@]}")
mkdir -p "$OUT_DIR"
cp "$WORK/better-sqlite3/build/Release/better_sqlite3.node" "$OUT_DIR/better_sqlite3.node"
echo "build-electron-sqlite: wrote $OUT_DIR/better_sqlite3.node for Electron $ELECTRON_VERSION"
