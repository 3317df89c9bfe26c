//! Git's credential helper: asking `git credential fill` for a host's password, with every
//! prompt switched off and a time limit, so a lookup never waits for a person.
//!
//! The request goes to git on standard input, never as an argument.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::github::Secret;

/// How long `git credential fill` may take.
const CREDENTIAL_TIMEOUT: Duration = Duration::from_secs(10);

/// Asks git's credential helpers for a password for `protocol://host`, never prompting.
/// `Ok(None)`: no helper had one. `Err`: a short reason.
pub fn fill(protocol: &str, host: &str) -> Result<Option<Secret>, String> {
    let mut child = Command::new("git")
        .args(["-c", "credential.interactive=false", "credential", "fill"])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("SSH_ASKPASS", "")
        .env("GCM_INTERACTIVE", "never")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not run git: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let request = format!("protocol={protocol}\nhost={host}\n\n");
        let _ = stdin.write_all(request.as_bytes());
    }
    let (tx, rx) = mpsc::channel();
    let id = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(CREDENTIAL_TIMEOUT) {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return Err(format!("git failed: {e}")),
        Err(_) => {
            return Err(format!(
                "git credential fill (pid {id}) did not answer within {} s",
                CREDENTIAL_TIMEOUT.as_secs()
            ));
        }
    };
    if !output.status.success() {
        // With prompts off, "no helper had it" is a failure exit; that is no error.
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("password="))
        .map(str::trim)
        .filter(|p| !p.is_empty());
    Ok(password.map(Secret::new))
}
