#!/usr/bin/env bash
# git-intellimanage end to end, with no GitHub account: an example plan (docs/example-plan)
# committed to a throw-away repository, synced to a local GitHub emulator on 127.0.0.1,
# edited, and synced again. Needs git-intellimanage on PATH (./install.sh puts it there).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
im() { echo; echo "\$ git intellimanage $*"; git intellimanage "$@"; }

command -v git-intellimanage >/dev/null || { echo "demo: git-intellimanage is not on PATH; run ./install.sh first" >&2; exit 1; }
echo "==> building the local GitHub emulator (tests/github-emulator)"
(cd "$root" && cargo build --release --locked --quiet -p github-emulator)

work="$(mktemp -d)"
emu_pid=""
cleanup() { [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$root/target/release/github-emulator" --port 0 --token demo-token --login demo \
  --repo acme/roadmap --user demo > "$work/emulator.out" &
emu_pid=$!
for _ in $(seq 50); do grep -q listening "$work/emulator.out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/^listening on //p' "$work/emulator.out")"
[ -n "$url" ] || { echo "demo: the emulator did not start" >&2; exit 1; }
echo "==> GitHub emulator listening on $url"

# The token comes from the environment here; for real use: `git intellimanage auth login`.
export GITHUB_API_URL="$url" GITHUB_PAT="demo-token" INTELLIMANAGE_WRITE_DELAY_MS=0 INTELLIMANAGE_NO_KEYRING=1
export GIT_AUTHOR_NAME="Demo" GIT_AUTHOR_EMAIL="demo@example.com" GIT_COMMITTER_NAME="Demo" GIT_COMMITTER_EMAIL="demo@example.com"

cd "$work" && git init -q -b main plan && cd plan
mkdir -p .ruru/projects && cp -R "$root/docs/example-plan/roadmap" .ruru/projects/
git add -A && git commit -q -m "Add the roadmap plan"

im validate
im list
im sync --dry-run
im sync
im status

echo; echo "==> a teammate finishes the sign-up form and retitles the bug"
f=.ruru/projects/roadmap/tasks/TASK-002_signup-form.md
sed -i.bak 's/🔵 In Progress/🟢 Done/' "$f" && rm -f "$f.bak"
f=.ruru/projects/roadmap/tasks/BUG-001_double-submit.md
sed -i.bak 's/^title = .*/title = "Double submit on sign-up creates duplicate accounts"/' "$f" && rm -f "$f.bak"
git commit -q -am "Finish the sign-up form"
im diff
im sync
im sync

echo; echo "==> what the emulated GitHub now holds (GET /repos/acme/roadmap/issues?state=all)"
if command -v curl >/dev/null && command -v python3 >/dev/null; then
  curl -s -H "Authorization: Bearer demo-token" "$url/repos/acme/roadmap/issues?state=all&per_page=100" \
    | python3 -c 'import json, sys
for i in sorted(json.load(sys.stdin), key=lambda i: i["number"]):
    labels = ", ".join(l["name"] for l in i["labels"])
    print("  #%-3d %-7s %s\n        [%s]" % (i["number"], i["state"], i["title"], labels))'
fi
echo; echo "Done. The sync record lives in git: git log refs/intellimanage/sync (in $work/plan, removed on exit)."
