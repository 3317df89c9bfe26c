//! Writing artifact files to disk: atomic replacement, and applying an [`Edit`] to a
//! file.

use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

use super::{Edit, WritebackError, apply, io_error};

/// Replaces the file at `path` with `bytes` atomically: the bytes go to a temporary file
/// in the same directory, which is flushed to disk and renamed over `path`. An existing
/// file's permissions are kept (a new file gets the usual `0666 & !umask`); a symlink is
/// followed and its target replaced. On any failure the original is untouched and the
/// temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WritebackError> {
    write_atomic_with(path, bytes, |_| Ok(()))
}

/// Creates the file at `path` with `bytes` atomically and never over an existing file: the
/// bytes go to a temporary file in the same directory, flushed, then renamed into place
/// only if no file of that name exists, even one that appeared meanwhile. `Ok(false)`
/// when a file was there (nothing written); the directory must exist.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    if fs::symlink_metadata(path).is_ok() {
        return Ok(false);
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut builder = tempfile::Builder::new();
    let prefix = format!(".{name}.");
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    match tmp.persist_noclobber(path) {
        Ok(_) => {}
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(e.error),
    }
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(true)
}

/// [`write_atomic`] with a step run just before the rename (tests use it to fail there).
fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce(&Path) -> io::Result<()>,
) -> Result<(), WritebackError> {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target = if is_link {
        fs::canonicalize(path).map_err(io_error("resolve the symlink", path))?
    } else {
        path.to_path_buf()
    };
    let name = target.file_name().ok_or_else(|| WritebackError::Io {
        action: "write",
        path: target.clone(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"),
    })?;
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let existing = match fs::metadata(&target) {
        Ok(meta) if meta.is_dir() => {
            return Err(WritebackError::Io {
                action: "write",
                path: target,
                source: io::Error::new(io::ErrorKind::IsADirectory, "it is a directory"),
            });
        }
        Ok(meta) => Some(meta.permissions()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_error("read the metadata of", &target)(e)),
    };

    let prefix = format!(".{}.", name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    if existing.is_none() {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(io_error("create a temporary file in", dir))?;
    let tmp_path = tmp.path().to_path_buf();
    tmp.write_all(bytes).map_err(io_error("write", &tmp_path))?;
    if let Some(permissions) = existing {
        tmp.as_file()
            .set_permissions(permissions)
            .map_err(io_error("set the permissions of", &tmp_path))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(io_error("flush", &tmp_path))?;
    before_rename(&tmp_path).map_err(io_error("write", &tmp_path))?;
    tmp.persist(&target)
        .map_err(|e| io_error("replace", &target)(e.error))?;
    // Make the rename itself durable. Some file systems cannot sync a directory; the
    // file is in place either way.
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads the artifact file at `path`, applies `edit` and writes the result atomically
/// when it differs. Returns whether the file changed.
pub fn update_file(path: &Path, edit: &Edit) -> Result<bool, WritebackError> {
    let bytes = fs::read(path).map_err(io_error("read", path))?;
    let text = std::str::from_utf8(&bytes).map_err(|source| WritebackError::NotUtf8 {
        path: path.to_path_buf(),
        source,
    })?;
    let new = apply(text, edit).map_err(|e| WritebackError::InFile {
        path: path.to_path_buf(),
        source: Box::new(e),
    })?;
    if new == text {
        return Ok(false);
    }
    write_atomic(path, new.as_bytes())?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writeback::test_fixtures::{SEED, oddities, reparse};

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn write_atomic_replaces_and_creates_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("T.md");
        write_atomic(&path, b"one").expect("create");
        assert_eq!(fs::read(&path).expect("read"), b"one");
        write_atomic(&path, b"two").expect("replace");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        assert_eq!(entries(dir.path()), vec!["T.md"]);
        let err = write_atomic(&dir.path().join("missing/T.md"), b"x").expect_err("no dir");
        assert!(matches!(err, WritebackError::Io { .. }));
    }

    #[cfg(unix)]
    #[test]
    fn write_atomic_keeps_permissions_and_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("T.md");
        fs::write(&path, "old").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
        write_atomic(&path, b"new").expect("replace");
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);

        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink(&path, &link).expect("symlink");
        write_atomic(&link, b"via link").expect("through the link");
        assert!(
            fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&path).expect("read"), b"via link");
    }

    #[test]
    fn a_failed_write_leaves_the_original_intact_and_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("T.md");
        fs::write(&path, SEED).expect("write");
        let mut seen_temp = None;
        let err = write_atomic_with(&path, b"half", |tmp| {
            seen_temp = Some(tmp.to_path_buf());
            Err(io::Error::other("disk full"))
        })
        .expect_err("the simulated failure");
        assert!(err.to_string().contains("disk full"), "{err}");
        let tmp = seen_temp.expect("the temporary file was written first");
        assert_eq!(tmp.parent(), Some(dir.path()));
        assert!(!tmp.exists());
        assert_eq!(fs::read_to_string(&path).expect("read"), SEED);
        assert_eq!(entries(dir.path()), vec!["T.md"]);

        // A target that cannot be replaced (a directory) is refused and left alone.
        let sub = dir.path().join("sub.md");
        fs::create_dir(&sub).expect("mkdir");
        assert!(write_atomic(&sub, b"x").is_err());
        assert!(sub.is_dir());
        assert_eq!(entries(dir.path()), vec!["T.md", "sub.md"]);
    }

    #[test]
    fn update_file_writes_only_when_the_text_changes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("T.md");
        let text = oddities();
        fs::write(&path, &text).expect("write");

        let same = Edit::new().set("status", "🔵 In Progress");
        assert!(!update_file(&path, &same).expect("no-op"));
        assert_eq!(fs::read_to_string(&path).expect("read"), text);

        let edit = Edit::new().set("status", "🟢 Done");
        assert!(update_file(&path, &edit).expect("update"));
        let written = fs::read_to_string(&path).expect("read");
        assert_eq!(written, apply(&text, &edit).expect("apply"));
        assert_eq!(reparse(&written).status, "🟢 Done");

        fs::write(&path, "no frontmatter\n").expect("write");
        let err = update_file(&path, &edit).expect_err("not an artifact");
        assert!(
            err.to_string().starts_with(&path.display().to_string()),
            "{err}"
        );
        assert!(matches!(
            &err,
            WritebackError::InFile { source, .. } if matches!(**source, WritebackError::NoFrontmatter { .. })
        ));
        assert_eq!(fs::read_to_string(&path).expect("read"), "no frontmatter\n");

        fs::write(&path, b"+++\nid = \"\xff\"\n+++\n").expect("write");
        assert!(matches!(
            update_file(&path, &edit),
            Err(WritebackError::NotUtf8 { .. })
        ));
    }
}
