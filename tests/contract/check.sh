#!/bin/sh
# Validates the GitHub emulator against GitHub's OpenAPI description via Prism.
# Fails (instead of skipping) when Prism is not installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ ! -x "$here/node_modules/.bin/prism" ]; then
    echo "installing the contract tools (npm ci --prefix tests/contract)" >&2
    npm ci --prefix "$here" --no-audit --no-fund
fi
cd "$root"
INTELLIMANAGE_REQUIRE_PRISM=1 exec cargo test -p github-emulator --test contract "$@"
