//! The file-system side of the hooks: where git runs them, reading a hook's state,
//! installing and uninstalling with atomic writes and kept permissions, and finding the
//! binary the hooks call.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::block::{
    BEGIN_MARKER, CHAINED_SUFFIX, END_MARKER, Hook, Mode, Unbalanced, find_block, is_shell_script,
    recorded_binary, render_block, splice, unsplice,
};

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
