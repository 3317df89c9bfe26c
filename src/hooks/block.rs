//! Our block of a hook file, as text: the marker lines, rendering the block for a hook
//! and a mode, finding it again, splicing it into a shell script and taking it out.

use std::path::{Path, PathBuf};

/// The first line of our block.
pub const BEGIN_MARKER: &str = "# >>> git-intellimanage >>>";
/// The last line of our block.
pub const END_MARKER: &str = "# <<< git-intellimanage <<<";
/// The placeholder in the shim templates replaced by the installed binary's path.
const BIN_PLACEHOLDER: &str = "@GIT_INTELLIMANAGE_BIN@";
/// Suffix of a user's hook kept beside ours in `chained` mode.
pub const CHAINED_SUFFIX: &str = ".before-intellimanage";
const POST_COMMIT_SHIM: &str = include_str!("../../hooks/post-commit");
const PRE_PUSH_SHIM: &str = include_str!("../../hooks/pre-push");

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
