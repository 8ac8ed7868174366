#!/bin/sh
# Lints the HTML report's scripts with eslint (a test-only tool from npm, pinned by
# package-lock.json here, installed into LINT_DIR in the build tree, never committed):
#
#   sh tests/lint/run.sh install LINT_DIR          install eslint (make test does this)
#   sh tests/lint/run.sh lint LINT_DIR JS_DIR      lint the pages' assembled scripts
#
# JS_DIR holds each page's script as the page runs it (src/report/assets/embed.cmake writes
# them). Exit 77 (ctest: skipped) only when npm is not installed.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
MODE=$1
LINT=$2

install() {
    mkdir -p "$LINT"
    if [ -x "$LINT/node_modules/.bin/eslint" ] && cmp -s "$HERE/package-lock.json" "$LINT/package-lock.json"; then
        return 0
    fi
    cp "$HERE/package.json" "$HERE/package-lock.json" "$LINT/"
    (cd "$LINT" && npm ci --no-audit --no-fund --loglevel=error < /dev/null) || {
        echo "lint: npm ci in $LINT failed (is the npm registry reachable?)" >&2
        exit 1
    }
}

if ! command -v npm > /dev/null 2>&1; then
    echo "lint: skipped, npm is not installed ('make test' installs it)"
    exit 77
fi
install
[ "$MODE" = install ] && exit 0

JS=$3
rm -rf "$LINT/pages"
mkdir -p "$LINT/pages"
cp "$JS"/*.js "$LINT/pages/"
cp "$HERE/eslint.config.mjs" "$LINT/"
cd "$LINT"
./node_modules/.bin/eslint --max-warnings 0 pages
echo "lint: $(ls pages | wc -l) page scripts clean"
