#!/usr/bin/env bash
# Re-vendors the hub's browser assets from the npm registry (no Node build step, no CDN at run time):
# `npm pack` each pinned version in a temp dir and copy its dist files and licence. See static/vendor/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() {  # fetch <npm spec> <destination> <file in the package>...
    local spec=$1 dest=$2; shift 2
    (cd "$tmp" && rm -rf package && tar xzf "$(npm pack --silent "$spec")")
    rm -rf "$dest" && mkdir -p "$dest"
    for f in "$@"; do cp "$tmp/package/$f" "$dest/"; done
}
fetch htmx.org@2.0.11 static/vendor/htmx-2.0.11 dist/htmx.min.js LICENSE
fetch @picocss/pico@2.1.1 static/vendor/pico-2.1.1 css/pico.min.css LICENSE.md
fetch uplot@1.6.32 static/vendor/uplot-1.6.32 dist/uPlot.iife.min.js dist/uPlot.min.css LICENSE
# Test-only (the accessibility check injects it into each page); not served.
fetch axe-core@4.14.1 tests/vendor/axe-core-4.14.1 axe.min.js LICENSE
echo "vendored into static/vendor/ and tests/vendor/"
