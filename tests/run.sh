#!/usr/bin/env bash
# Runs every test of the project, with everything the tests need:
#  - the OpenAPI contract tools (npm: @stoplight/prism-cli, @octokit/openapi) in tests/contract
#  - a real Secret Service (gnome-keyring in a private D-Bus session) for the keyring tests
#  - python-gitlab (pip, in a venv in tests/gitlab-client) for the GitLab emulator's cross-check
#  - the MCP Python SDK (pip, in a venv in tests/mcp-client) to drive `git intellimanage mcp`
#  - headless Chromium (apt: chromium) to render the board's HTML page (tests/it/board.rs)
# Installs what is missing (apt-get when run as root; npm ci), checks format and lints
# (cargo fmt, cargo clippy -D warnings), then runs `cargo test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need_apt=()
for tool in dbus-run-session:dbus gnome-keyring-daemon:gnome-keyring secret-tool:libsecret-tools; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need_apt+=("${tool##*:}")
done
# tests/it/board.rs renders the board's page with Debian's Chromium, and must not skip it.
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
export INTELLIMANAGE_REQUIRE_CHROMIUM=1
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" dbus-x11 >/dev/null
  else
    echo "tests/run.sh: missing ${need_apt[*]}; install them (Debian/Ubuntu: sudo apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi

if [ -f tests/contract/package-lock.json ] && [ ! -x tests/contract/node_modules/.bin/prism ]; then
  echo "==> installing the OpenAPI contract tools (npm ci in tests/contract)"
  npm ci --prefix tests/contract --no-audit --no-fund --loglevel=error
fi
# With the tools installed, the contract test must run (not skip).
if [ -x tests/contract/node_modules/.bin/prism ]; then export INTELLIMANAGE_REQUIRE_PRISM=1; fi

# python-gitlab, which drives tests/gitlab-emulator in its cross-check.
if [ ! -x tests/gitlab-client/.venv/bin/python ]; then
  echo "==> installing python-gitlab (venv in tests/gitlab-client)"
  python3 -m venv tests/gitlab-client/.venv
  tests/gitlab-client/.venv/bin/pip install --quiet -r tests/gitlab-client/requirements.txt
fi
# The cross-check must run (not skip).
export INTELLIMANAGE_REQUIRE_PYTHON_GITLAB=1

# The official MCP Python SDK, which drives `git intellimanage mcp` in tests/it/mcp.rs.
if [ ! -x tests/mcp-client/.venv/bin/python ]; then
  echo "==> installing the MCP client (venv in tests/mcp-client)"
  python3 -m venv tests/mcp-client/.venv
  tests/mcp-client/.venv/bin/pip install --quiet -r tests/mcp-client/requirements.txt
fi
# The MCP client check must run (not skip).
export INTELLIMANAGE_REQUIRE_MCP_CLIENT=1

echo "==> checking format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "==> building"
cargo build --workspace --all-targets --locked

# A private session bus with a new, unlocked keyring of its own (in a temporary folder, so
# the user's own keyrings are neither used nor touched); the tests run inside it.
export INTELLIMANAGE_REQUIRE_KEYRING=1
keyring_home="$(mktemp -d)"
trap 'rm -rf "$keyring_home"' EXIT
export KEYRING_HOME="$keyring_home"
dbus-run-session -- bash -c '
  echo -n test-keyring-password |
    XDG_DATA_HOME="$KEYRING_HOME" gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cargo test --workspace --locked "$@"
' bash "$@"
