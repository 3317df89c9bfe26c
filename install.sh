#!/usr/bin/env bash
# Builds git-intellimanage in release mode and installs it, with its man page, so that
# `git intellimanage <command>` works. Idempotent: running it again replaces the binary.
#
#   ./install.sh            install into $PREFIX/bin (default: ~/.cargo/bin)
#   ./install.sh --demo     install, then run the tool end to end on an example plan against
#                           a local GitHub emulator on 127.0.0.1 (no GitHub account needed)
#
# Environment: PREFIX (install prefix, default ~/.cargo), CARGO (default: cargo).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="${PREFIX:-$HOME/.cargo}"
cargo="${CARGO:-cargo}"
demo=0
for arg in "$@"; do
  case "$arg" in
    --demo) demo=1 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

if ! command -v "$cargo" >/dev/null 2>&1; then
  echo "install.sh: cargo was not found. Install Rust from https://rustup.rs, then run this again." >&2
  exit 1
fi

# The value of the first `"key":"…"` string in one line of cargo's JSON output (paths
# cargo prints are plain; no JSON tool needed).
json_string() {
  local line="$1" key="$2"
  case "$line" in *"\"$key\":\""*) ;; *) return 1 ;; esac
  line="${line#*\"$key\":\"}"
  printf '%s\n' "${line%%\"*}"
}

echo "==> building git-intellimanage (release)"
# Cargo says where it put the binary (CARGO_TARGET_DIR, build.target-dir and --target
# triples included): read it from the build's JSON messages, diagnostics still on stderr.
messages="$(cd "$here" && "$cargo" build --release --locked --bin git-intellimanage \
  --message-format=json-render-diagnostics)"
built=""
while IFS= read -r line; do
  case "$line" in *'"reason":"compiler-artifact"'*) ;; *) continue ;; esac
  exe="$(json_string "$line" executable)" || continue
  case "$exe" in */git-intellimanage) built="$exe" ;; esac
done <<< "$messages"
if [ -z "$built" ]; then
  # Older cargo without `executable`: the target directory from cargo metadata.
  meta="$(cd "$here" && "$cargo" metadata --format-version 1 --no-deps)"
  target_dir="$(json_string "$meta" target_directory)" || target_dir="$here/target"
  built="$target_dir/release/git-intellimanage"
fi
if [ ! -x "$built" ]; then
  echo "install.sh: the build succeeded but the binary was not found (looked at $built)" >&2
  exit 1
fi

bin_dir="$prefix/bin"
man_dir="$prefix/share/man/man1"
mkdir -p "$bin_dir" "$man_dir"
# Copy to a temporary name, then rename: a running hook never sees a half-written binary.
install -m 0755 "$built" "$bin_dir/.git-intellimanage.tmp"
mv -f "$bin_dir/.git-intellimanage.tmp" "$bin_dir/git-intellimanage"
"$bin_dir/git-intellimanage" man > "$man_dir/.git-intellimanage.1.tmp"
mv -f "$man_dir/.git-intellimanage.1.tmp" "$man_dir/git-intellimanage.1"

# Shell completions where each shell looks for a user's own: bash always (git's completion
# loads it for `git intellimanage <TAB>`), zsh and fish when they are installed.
data_home="${XDG_DATA_HOME:-$HOME/.local/share}"
config_home="${XDG_CONFIG_HOME:-$HOME/.config}"
install_completion() { # shell, destination file
  mkdir -p "$(dirname "$2")"
  "$bin_dir/git-intellimanage" completions "$1" > "$2.tmp" && mv -f "$2.tmp" "$2"
  completions="${completions:+$completions, }$1: $2"
}
completions=""
install_completion bash "$data_home/bash-completion/completions/git-intellimanage"
if command -v zsh >/dev/null 2>&1; then
  install_completion zsh "$data_home/zsh/site-functions/_git-intellimanage"
fi
if command -v fish >/dev/null 2>&1; then
  install_completion fish "$config_home/fish/completions/git-intellimanage.fish"
fi

echo "==> installed $bin_dir/git-intellimanage (built at $built)"
echo "    man page: $man_dir/git-intellimanage.1 (shown by \`git intellimanage --help\`)"
echo "    completions: $completions"
case " $completions" in
  *" zsh: "*) echo "    (zsh: add $data_home/zsh/site-functions to your fpath before compinit)" ;;
esac
case ":$PATH:" in
  *":$bin_dir:"*) echo "    $bin_dir is on your PATH: try \`git intellimanage --help\`" ;;
  *) echo "    $bin_dir is not on your PATH yet; add it, e.g.:"
     echo "      echo 'export PATH=\"$bin_dir:\$PATH\"' >> ~/.bashrc && export PATH=\"$bin_dir:\$PATH\"" ;;
esac

if [ "$demo" = 1 ]; then
  PATH="$bin_dir:$PATH" exec bash "$here/docs/demo.sh"
fi
