//! Installing and running the git hook shims.
//!
//! The shims (`hooks/post-commit`, `hooks/pre-push` in the source tree, embedded here) are
//! a few lines of POSIX sh between two marker lines:
//!
//! ```text
//! # >>> git-intellimanage >>>
//! # git-intellimanage hook (mode=spliced); `git intellimanage hooks uninstall` removes it.
//! …find the binary (PATH, then the path it was installed from) and call
//!   `git-intellimanage hook <name> "$@"`; if it is missing, say so and let git go on…
//! # <<< git-intellimanage <<<
//! ```
//!
//! They go where git runs hooks: `git rev-parse --git-path hooks`, which honours
//! `core.hooksPath` and, in a linked worktree, the hooks shared by all worktrees.
//! A hook already there is never clobbered; the `mode` on the second line says how the
//! block was added, which is exactly what `uninstall` undoes:
//!
//! | mode | when | install | uninstall |
//! |---|---|---|---|
//! | `created` | no hook there | writes `#!/bin/sh` + block, mode 0755 | deletes the file |
//! | `spliced` | a shell script (sh, bash, dash, zsh, ksh; or no `#!`) | inserts the block after the `#!` line (at the top without one), keeping content and mode | removes the block |
//! | `spliced-eol` | same, the `#!` line being the whole file without a final newline | adds that newline, then the block | removes both |
//! | `chained` | any other hook: another interpreter, not executable, a symlink, binary | renames it to `<name>.before-intellimanage` and writes a shim that runs the block, then `exec`s it (if it is executable) | deletes the shim, renames it back |
//!
//! Installing again rewrites the block only if it differs (a new version, the binary
//! moved); an identical install writes nothing.

pub mod background;
mod block;
mod install;
pub mod link_comments;
pub mod post_commit;
pub mod pre_push;

pub use block::*;
pub use install::*;

/// Setting this variable (to anything but empty or `0`) makes the hooks do nothing.
pub const ENV_DISABLE: &str = "INTELLIMANAGE_NO_HOOKS";

/// Where the pre-push hook syncs: `INTELLIMANAGE_PUSH_SYNC`, else the git setting
/// `intellimanage.pushSync` (`background`, the default, or `foreground`).
pub const ENV_PUSH_SYNC: &str = "INTELLIMANAGE_PUSH_SYNC";

/// When the pre-push hook syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushSync {
    /// After the push has landed, in a detached process: the push never waits.
    Background,
    /// Before the push goes out, in the hook (always with `block_push_on_failure`).
    Foreground,
}

impl PushSync {
    /// The choice for `repo`: the environment, then git's configuration; unknown values
    /// mean the default.
    pub fn chosen(repo: &crate::repo::Repo) -> PushSync {
        let value = std::env::var(ENV_PUSH_SYNC).ok().or_else(|| {
            repo.gix()
                .config_snapshot()
                .string("intellimanage.pushSync")
                .map(|v| v.to_string())
        });
        match value.as_deref().map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case("foreground") => PushSync::Foreground,
            _ => PushSync::Background,
        }
    }
}

/// True when [`ENV_DISABLE`] asks the hooks to do nothing.
pub fn disabled_by_env() -> bool {
    std::env::var_os(ENV_DISABLE).is_some_and(|v| !v.is_empty() && v != "0")
}
