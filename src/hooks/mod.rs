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

pub mod link_comments;
pub mod post_commit;
pub mod pre_push;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The first line of our block.
pub const BEGIN_MARKER: &str = "# >>> git-intellimanage >>>";
/// The last line of our block.
pub const END_MARKER: &str = "# <<< git-intellimanage <<<";
/// The placeholder in the shim templates replaced by the installed binary's path.
const BIN_PLACEHOLDER: &str = "@GIT_INTELLIMANAGE_BIN@";
/// Suffix of a user's hook kept beside ours in `chained` mode.
pub const CHAINED_SUFFIX: &str = ".before-intellimanage";
/// Setting this variable (to anything but empty or `0`) makes the hooks do nothing.
pub const ENV_DISABLE: &str = "INTELLIMANAGE_NO_HOOKS";

const POST_COMMIT_SHIM: &str = include_str!("../../hooks/post-commit");
const PRE_PUSH_SHIM: &str = include_str!("../../hooks/pre-push");

/// True when [`ENV_DISABLE`] asks the hooks to do nothing.
pub fn disabled_by_env() -> bool {
    std::env::var_os(ENV_DISABLE).is_some_and(|v| !v.is_empty() && v != "0")
}

#[derive(Debug, thiserror::Error)]
pub enum HooksError {
    #[error("could not run git ({what}): {message}")]
    Git { what: String, message: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{}: our block is damaged (a begin marker without its end marker, or the other way round); fix or remove the lines between `{BEGIN_MARKER}` and `{END_MARKER}` by hand",
        path.display()
    )]
    DamagedBlock { path: PathBuf },
    #[error(
        "{} already exists, so the hook that was there cannot be kept beside ours; move it away and install again",
        path.display()
    )]
    ChainTaken { path: PathBuf },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> HooksError + '_ {
    move |source| HooksError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The hooks we install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Hook {
    PostCommit,
    PrePush,
}

impl Hook {
    pub const ALL: [Hook; 2] = [Hook::PostCommit, Hook::PrePush];

    /// The file name git looks for.
    pub fn name(self) -> &'static str {
        match self {
            Hook::PostCommit => "post-commit",
            Hook::PrePush => "pre-push",
        }
    }

    fn template(self) -> &'static str {
        match self {
            Hook::PostCommit => POST_COMMIT_SHIM,
            Hook::PrePush => PRE_PUSH_SHIM,
        }
    }
}

/// How our block was added to a hook file (written into the block's second line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Created,
    Spliced,
    SplicedEol,
    Chained,
}

impl Mode {
    pub fn token(self) -> &'static str {
        match self {
            Mode::Created => "created",
            Mode::Spliced => "spliced",
            Mode::SplicedEol => "spliced-eol",
            Mode::Chained => "chained",
        }
    }

    fn parse(token: &str) -> Option<Mode> {
        Some(match token {
            "created" => Mode::Created,
            "spliced" => Mode::Spliced,
            "spliced-eol" => Mode::SplicedEol,
            "chained" => Mode::Chained,
            _ => return None,
        })
    }
}

/// Quotes a string for POSIX sh (single quotes; `'` becomes `'\''`).
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Our block for `hook`, as it would be installed with `mode`, calling `bin` when the
/// binary is not on PATH. Ends with a newline.
pub fn render_block(hook: Hook, mode: Mode, bin: &Path) -> String {
    let template = hook.template();
    let start = template.find(BEGIN_MARKER).unwrap_or(0);
    let end = template
        .find(END_MARKER)
        .map(|i| i + END_MARKER.len())
        .unwrap_or(template.len());
    let body = &template[start..end];
    let body = body
        .strip_prefix(BEGIN_MARKER)
        .unwrap_or(body)
        .strip_suffix(END_MARKER)
        .unwrap_or(body);
    let body = body.replace(BIN_PLACEHOLDER, &sh_quote(&bin.to_string_lossy()));
    let mut out = String::new();
    out.push_str(BEGIN_MARKER);
    out.push('\n');
    out.push_str(&format!(
        "# git-intellimanage {} hook (mode={}); `git intellimanage hooks uninstall` removes it.",
        hook.name(),
        mode.token()
    ));
    out.push_str(&body);
    if mode == Mode::Chained {
        out.push_str(&format!(
            "# The {name} hook that was here before, kept beside this one:\n\
             if [ -x \"$0{CHAINED_SUFFIX}\" ]; then\n  exec \"$0{CHAINED_SUFFIX}\" \"$@\"\nfi\n",
            name = hook.name()
        ));
    }
    out.push_str(END_MARKER);
    out.push('\n');
    out
}

/// Where our block sits in a hook file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte range of the block, end marker line (and its newline) included.
    pub range: std::ops::Range<usize>,
    pub mode: Option<Mode>,
}

/// A begin marker without its end marker, or the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unbalanced;

/// Finds our block in `content`. `Ok(None)`: not there; `Err`: a marker without its
/// partner.
pub fn find_block(content: &[u8]) -> Result<Option<Found>, Unbalanced> {
    let mut begin = None;
    let mut end = None;
    let mut offset = 0;
    for line in content.split_inclusive(|b| *b == b'\n') {
        let text = trim_eol(line);
        if text == BEGIN_MARKER.as_bytes() && begin.is_none() {
            begin = Some(offset);
        } else if text == END_MARKER.as_bytes() && begin.is_some() && end.is_none() {
            end = Some(offset + line.len());
        }
        offset += line.len();
    }
    match (begin, end) {
        (None, None) => {
            if contains(content, END_MARKER.as_bytes()) {
                Err(Unbalanced)
            } else {
                Ok(None)
            }
        }
        (Some(b), Some(e)) => {
            let block = &content[b..e];
            let mode = block
                .split(|c| *c == b'\n')
                .nth(1)
                .and_then(|l| std::str::from_utf8(l).ok())
                .and_then(|l| l.split("(mode=").nth(1))
                .and_then(|rest| rest.split(')').next())
                .and_then(Mode::parse);
            Ok(Some(Found { range: b..e, mode }))
        }
        _ => Err(Unbalanced),
    }
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether a hook file's content is a script our sh block can be spliced into.
pub fn is_shell_script(content: &[u8]) -> bool {
    if content.contains(&0) || std::str::from_utf8(content).is_err() {
        return false;
    }
    let first = content.split(|b| *b == b'\n').next().unwrap_or_default();
    let Some(shebang) = first.strip_prefix(b"#!") else {
        // No interpreter line: git runs it with /bin/sh.
        return true;
    };
    let shebang = String::from_utf8_lossy(shebang);
    let mut words = shebang.split_whitespace();
    let Some(interpreter) = words.next() else {
        return false;
    };
    let mut name = interpreter.rsplit('/').next().unwrap_or(interpreter);
    if name == "env" {
        match words.find(|w| !w.starts_with('-')) {
            Some(w) => name = w.rsplit('/').next().unwrap_or(w),
            None => return false,
        }
    }
    matches!(
        name,
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "mksh" | "ash" | "posh"
    )
}

/// Splices `block` into a shell script: after its `#!` line, or at the top without one.
/// Returns the new content and the mode used.
pub fn splice(content: &[u8], block: impl Fn(Mode) -> String) -> (Vec<u8>, Mode) {
    if !content.starts_with(b"#!") {
        let mut out = block(Mode::Spliced).into_bytes();
        out.extend_from_slice(content);
        return (out, Mode::Spliced);
    }
    match content.iter().position(|b| *b == b'\n') {
        Some(nl) => {
            let mut out = content[..=nl].to_vec();
            out.extend_from_slice(block(Mode::Spliced).as_bytes());
            out.extend_from_slice(&content[nl + 1..]);
            (out, Mode::Spliced)
        }
        None => {
            let mut out = content.to_vec();
            out.push(b'\n');
            out.extend_from_slice(block(Mode::SplicedEol).as_bytes());
            (out, Mode::SplicedEol)
        }
    }
}

/// Removes a spliced block, undoing exactly what [`splice`] did.
pub fn unsplice(content: &[u8], found: &Found) -> Vec<u8> {
    let mut start = found.range.start;
    if found.mode == Some(Mode::SplicedEol) && start > 0 && content[start - 1] == b'\n' {
        start -= 1;
    }
    let mut out = content[..start].to_vec();
    out.extend_from_slice(&content[found.range.end..]);
    out
}

/// Where git runs hooks for a repository, and what configured it.
#[derive(Debug, Clone)]
pub struct HooksDir {
    /// Absolute path of the hooks directory.
    pub path: PathBuf,
    /// `core.hooksPath`, when set: its value and the scope it was set in (`local`,
    /// `global`, `system`, `worktree`, `command`).
    pub hooks_path: Option<(String, String)>,
}

impl HooksDir {
    /// True when `core.hooksPath` comes from the user's or the system's configuration, so
    /// hooks installed there run for other repositories too.
    pub fn is_shared(&self) -> bool {
        self.hooks_path
            .as_ref()
            .is_some_and(|(_, scope)| scope == "global" || scope == "system")
    }

    pub fn hook_path(&self, hook: Hook) -> PathBuf {
        self.path.join(hook.name())
    }

    pub fn chained_path(&self, hook: Hook) -> PathBuf {
        self.path.join(format!("{}{CHAINED_SUFFIX}", hook.name()))
    }
}

fn git_output(cwd: &Path, args: &[&str]) -> Result<(bool, String), HooksError> {
    let out = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .output()
        .map_err(|e| HooksError::Git {
            what: format!("git {}", args.join(" ")),
            message: e.to_string(),
        })?;
    if !out.status.success() && !out.stderr.is_empty() && out.stdout.is_empty() {
        let message = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if args.first() == Some(&"rev-parse") {
            return Err(HooksError::Git {
                what: format!("git {}", args.join(" ")),
                message,
            });
        }
    }
    Ok((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim_end().to_string(),
    ))
}

/// Asks git where it runs hooks for the repository at `cwd`.
pub fn hooks_dir(cwd: &Path) -> Result<HooksDir, HooksError> {
    let (_, path) = git_output(cwd, &["rev-parse", "--git-path", "hooks"])?;
    if path.is_empty() {
        return Err(HooksError::Git {
            what: "git rev-parse --git-path hooks".into(),
            message: "git printed no path".into(),
        });
    }
    let path = PathBuf::from(path);
    let path = if path.is_absolute() {
        path
    } else {
        cwd.join(path)
    };
    let (found, scoped) = git_output(cwd, &["config", "--show-scope", "--get", "core.hooksPath"])?;
    let hooks_path = if found {
        scoped
            .split_once('\t')
            .map(|(scope, value)| (value.to_string(), scope.to_string()))
    } else {
        None
    };
    Ok(HooksDir {
        path: normalize(&path),
        hooks_path,
    })
}

/// Removes `.` and `..` components without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// What a hook file holds, as far as we are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookState {
    /// No hook file.
    Absent,
    /// A hook without our block.
    Foreign,
    /// Our block is there; `current` is false when installing now would change it.
    Installed { mode: Mode, current: bool },
    /// Markers without partners.
    Damaged,
}

/// Reads the state of one hook. `bin` is the binary an install would record.
pub fn inspect(dir: &HooksDir, hook: Hook, bin: &Path) -> Result<HookState, HooksError> {
    let path = dir.hook_path(hook);
    let content = match std::fs::read(&path) {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(if std::fs::symlink_metadata(&path).is_ok() {
                HookState::Foreign
            } else {
                HookState::Absent
            });
        }
        Err(e) => return Err(io_err(&path)(e)),
    };
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Ok(HookState::Foreign);
    }
    match find_block(&content) {
        Err(Unbalanced) => Ok(HookState::Damaged),
        Ok(None) => Ok(HookState::Foreign),
        Ok(Some(found)) => {
            let mode = found.mode.unwrap_or(Mode::Spliced);
            let current = &content[found.range.clone()] == render_block(hook, mode, bin).as_bytes();
            Ok(HookState::Installed { mode, current })
        }
    }
}

/// What an install or uninstall did to one hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Installed into a new file.
    Created,
    /// Spliced into the user's shell hook.
    Spliced,
    /// The user's hook was kept beside ours and is run after our block.
    Chained,
    /// Our block was there but differed; it was rewritten in place.
    Updated,
    /// Already installed exactly so: nothing written.
    Unchanged,
    /// Our file was deleted (we had created it).
    Removed,
    /// Our block was taken out of the user's hook (or the user's hook renamed back).
    Restored,
    /// There was nothing of ours.
    NotInstalled,
}

/// `rwxr-xr-x` where file modes exist.
fn executable_mode() -> Option<std::fs::Permissions> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o755))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

fn is_executable(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        true
    }
}

/// Writes `content` to `path` through a temporary file in the same directory, with
/// `permissions`, then renames it into place.
fn write_atomically(
    path: &Path,
    content: &[u8],
    permissions: Option<std::fs::Permissions>,
) -> Result<(), HooksError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".git-intellimanage-")
        .tempfile_in(dir)
        .map_err(io_err(dir))?;
    tmp.write_all(content).map_err(io_err(path))?;
    tmp.as_file().sync_all().map_err(io_err(path))?;
    if let Some(permissions) = permissions {
        std::fs::set_permissions(tmp.path(), permissions).map_err(io_err(path))?;
    }
    tmp.persist(path).map_err(|e| io_err(path)(e.error))?;
    Ok(())
}

/// Installs `hook` into `dir`, recording `bin` as the binary to call when it is not on
/// PATH. Never loses a user's hook (see the module doc).
pub fn install(dir: &HooksDir, hook: Hook, bin: &Path) -> Result<Outcome, HooksError> {
    std::fs::create_dir_all(&dir.path).map_err(io_err(&dir.path))?;
    let path = dir.hook_path(hook);
    let link_meta = std::fs::symlink_metadata(&path);
    let Ok(link_meta) = link_meta else {
        let mut content = b"#!/bin/sh\n".to_vec();
        content.extend_from_slice(render_block(hook, Mode::Created, bin).as_bytes());
        write_atomically(&path, &content, executable_mode())?;
        return Ok(Outcome::Created);
    };
    let is_symlink = link_meta.file_type().is_symlink();
    let content = if is_symlink {
        None
    } else {
        Some(std::fs::read(&path).map_err(io_err(&path))?)
    };
    if let Some(content) = &content {
        match find_block(content) {
            Err(Unbalanced) => return Err(HooksError::DamagedBlock { path }),
            Ok(Some(found)) => {
                let mode = found.mode.unwrap_or(Mode::Spliced);
                let block = render_block(hook, mode, bin);
                if &content[found.range.clone()] == block.as_bytes() {
                    return Ok(Outcome::Unchanged);
                }
                let mut updated = content[..found.range.start].to_vec();
                updated.extend_from_slice(block.as_bytes());
                updated.extend_from_slice(&content[found.range.end..]);
                write_atomically(&path, &updated, Some(link_meta.permissions()))?;
                return Ok(Outcome::Updated);
            }
            Ok(None) => {}
        }
        if is_shell_script(content) && is_executable(&link_meta) {
            let (spliced, mode) = splice(content, |m| render_block(hook, m, bin));
            write_atomically(&path, &spliced, Some(link_meta.permissions()))?;
            return Ok(match mode {
                Mode::Spliced | Mode::SplicedEol => Outcome::Spliced,
                _ => Outcome::Created,
            });
        }
    }
    // Chain: keep the user's hook (renamed: bytes, mode, symlink-ness untouched).
    let chained = dir.chained_path(hook);
    if std::fs::symlink_metadata(&chained).is_ok() {
        return Err(HooksError::ChainTaken { path: chained });
    }
    std::fs::rename(&path, &chained).map_err(io_err(&path))?;
    let mut shim = b"#!/bin/sh\n".to_vec();
    shim.extend_from_slice(render_block(hook, Mode::Chained, bin).as_bytes());
    if let Err(e) = write_atomically(&path, &shim, executable_mode()) {
        // Put the user's hook back before reporting.
        let _ = std::fs::rename(&chained, &path);
        return Err(e);
    }
    Ok(Outcome::Chained)
}

/// Removes our block from `hook` in `dir`, leaving the user's hook exactly as it was.
pub fn uninstall(dir: &HooksDir, hook: Hook) -> Result<Outcome, HooksError> {
    let path = dir.hook_path(hook);
    let Ok(link_meta) = std::fs::symlink_metadata(&path) else {
        return Ok(Outcome::NotInstalled);
    };
    if link_meta.file_type().is_symlink() {
        return Ok(Outcome::NotInstalled);
    }
    let content = std::fs::read(&path).map_err(io_err(&path))?;
    let found = match find_block(&content) {
        Err(Unbalanced) => return Err(HooksError::DamagedBlock { path }),
        Ok(None) => return Ok(Outcome::NotInstalled),
        Ok(Some(f)) => f,
    };
    match found.mode {
        Some(Mode::Chained) => {
            let chained = dir.chained_path(hook);
            std::fs::remove_file(&path).map_err(io_err(&path))?;
            if std::fs::symlink_metadata(&chained).is_ok() {
                std::fs::rename(&chained, &path).map_err(io_err(&chained))?;
                Ok(Outcome::Restored)
            } else {
                Ok(Outcome::Removed)
            }
        }
        Some(Mode::Created) => {
            let rest = unsplice(&content, &found);
            if rest == b"#!/bin/sh\n" || rest.is_empty() {
                std::fs::remove_file(&path).map_err(io_err(&path))?;
                Ok(Outcome::Removed)
            } else {
                // Someone added to the file we created: keep what they wrote.
                write_atomically(&path, &rest, Some(link_meta.permissions()))?;
                Ok(Outcome::Restored)
            }
        }
        _ => {
            let rest = unsplice(&content, &found);
            write_atomically(&path, &rest, Some(link_meta.permissions()))?;
            Ok(Outcome::Restored)
        }
    }
}

/// The binary path recorded in an installed block (the `elif [ -x '…' ]` line).
pub fn recorded_binary(block: &[u8]) -> Option<PathBuf> {
    let text = std::str::from_utf8(block).ok()?;
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("elif [ -x "))?;
    let quoted = line.strip_suffix(" ]; then")?;
    sh_unquote(quoted).map(PathBuf::from)
}

/// Reverses [`sh_quote`].
fn sh_unquote(quoted: &str) -> Option<String> {
    let inner = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace(r"'\''", "'"))
}

/// The binary path recorded in the installed `hook`, if it is installed.
pub fn installed_binary(dir: &HooksDir, hook: Hook) -> Option<PathBuf> {
    let content = std::fs::read(dir.hook_path(hook)).ok()?;
    let found = find_block(&content).ok()??;
    recorded_binary(&content[found.range])
}

/// The binary the hooks will call, as `hooks status` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinaryFound {
    /// `git-intellimanage` on PATH, at this path.
    OnPath(PathBuf),
    /// Not on PATH; the recorded path exists.
    Recorded(PathBuf),
    /// Neither: the hooks will say so and do nothing.
    Missing,
}

/// Which binary a hook installed with `recorded` would run.
pub fn binary_found(recorded: &Path) -> BinaryFound {
    if let Some(p) = find_on_path("git-intellimanage") {
        return BinaryFound::OnPath(p);
    }
    if std::fs::metadata(recorded).is_ok_and(|m| m.is_file() && is_executable(&m)) {
        BinaryFound::Recorded(recorded.to_path_buf())
    } else {
        BinaryFound::Missing
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && is_executable(&m)))
}

/// The path of this binary, to record in the shims.
pub fn current_binary() -> Result<PathBuf, HooksError> {
    let exe = std::env::current_exe().map_err(|e| HooksError::Io {
        path: PathBuf::from("the running binary"),
        source: e,
    })?;
    Ok(std::fs::canonicalize(&exe).unwrap_or(exe))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin() -> PathBuf {
        PathBuf::from("/opt/it's here/git-intellimanage")
    }

    #[test]
    fn blocks_are_found_with_their_mode() {
        let block = render_block(Hook::PostCommit, Mode::Spliced, &bin());
        let content = format!("#!/bin/sh\n{block}echo user\n");
        let found = find_block(content.as_bytes())
            .expect("well formed")
            .expect("found");
        assert_eq!(found.mode, Some(Mode::Spliced));
        assert_eq!(&content[found.range.clone()], block);
        assert!(block.contains("'/opt/it'\\''s here/git-intellimanage'"));
        assert!(!block.contains(BIN_PLACEHOLDER));
        assert_eq!(recorded_binary(block.as_bytes()), Some(bin()));
    }

    #[test]
    fn splice_then_unsplice_restores_the_bytes() {
        for original in [
            "#!/bin/bash\nset -e\necho hi\n".as_bytes(),
            b"echo no shebang\n",
            b"#!/bin/sh",
            b"",
            b"#!/usr/bin/env bash\r\necho crlf\r\n",
        ] {
            let (spliced, mode) = splice(original, |m| render_block(Hook::PrePush, m, &bin()));
            let found = find_block(&spliced).expect("ok").expect("block");
            assert_eq!(found.mode, Some(mode));
            assert_eq!(unsplice(&spliced, &found), original);
        }
    }

    #[test]
    fn shell_scripts_are_recognised() {
        assert!(is_shell_script(b"#!/bin/sh\n"));
        assert!(is_shell_script(b"#!/usr/bin/env bash\n"));
        assert!(is_shell_script(b"#!/usr/bin/env -S zsh -e\n"));
        assert!(is_shell_script(b"echo plain\n"));
        assert!(!is_shell_script(b"#!/usr/bin/env python3\n"));
        assert!(!is_shell_script(b"#!/usr/bin/perl\n"));
        assert!(!is_shell_script(b"\x7fELF\x02\x01\x01\0\0"));
    }

    #[test]
    fn half_blocks_are_damaged() {
        let content = format!("#!/bin/sh\n{BEGIN_MARKER}\necho\n");
        assert!(find_block(content.as_bytes()).is_err());
        let content = format!("#!/bin/sh\n{END_MARKER}\n");
        assert!(find_block(content.as_bytes()).is_err());
    }
}
