//! Running a tool: the subcommand of the same name, in a child process of this very binary,
//! and what it printed turned into a tool result.
//!
//! A child process gives every tool exactly the command line's behaviour, messages and
//! hints, and no tool call can take the server down. The child inherits the environment
//! (tokens stay there, never in arguments); its stdin is closed (or carries `new`'s body)
//! and its stdout and stderr are captured, so nothing but the protocol reaches ours.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::Value;
use tokio::sync::Mutex;

/// One tool call as a command line.
#[derive(Debug)]
pub struct Call {
    /// The tool's name (what messages call the call).
    pub tool: &'static str,
    /// The subcommand and its arguments (`list --json --project=web`).
    pub args: Vec<String>,
    /// The `directory` argument: the repository to run in, relative to the server's.
    pub directory: Option<String>,
    /// What to write to the child's stdin (`new`'s body).
    pub stdin: Option<String>,
    /// Whether it writes (files, the sync record, the tracker): such calls run one at a
    /// time, so that two `new` an agent sends at once can't both take the next free ID.
    pub writes: bool,
}

/// Runs calls as child processes of `exe`, in `base` (the server's directory).
#[derive(Debug, Clone)]
pub struct Runner {
    exe: PathBuf,
    base: PathBuf,
    writing: Arc<Mutex<()>>,
}

impl Runner {
    pub fn new(exe: PathBuf, base: PathBuf) -> Runner {
        Runner {
            exe,
            base,
            writing: Arc::new(Mutex::new(())),
        }
    }

    /// Runs `call` on the blocking pool (the protocol keeps being served meanwhile).
    pub async fn run(&self, call: Call) -> CallToolResult {
        let runner = self.clone();
        let tool = call.tool;
        // Held until the command has ended, even when the client stops waiting for it.
        let turn = match call.writes {
            true => Some(self.writing.clone().lock_owned().await),
            false => None,
        };
        let running = tokio::task::spawn_blocking(move || {
            let result = runner.run_blocking(call);
            drop(turn);
            result
        });
        match running.await {
            Ok(result) => result,
            Err(e) => failure(format!(
                "error: the `{tool}` tool stopped unexpectedly: {e}"
            )),
        }
    }

    fn run_blocking(&self, call: Call) -> CallToolResult {
        let dir = match &call.directory {
            Some(d) => self.base.join(d),
            None => self.base.clone(),
        };
        match spawn(&self.exe, &dir, &call) {
            Ok(output) => result(&call, &output),
            Err(e) => failure(format!(
                "error: cannot run `{}` for the `{}` tool: {e}",
                self.exe.display(),
                call.tool
            )),
        }
    }
}

fn spawn(exe: &Path, dir: &Path, call: &Call) -> std::io::Result<Output> {
    // `-C<dir>` in one word: the directory can never be read as an option.
    let mut at = OsString::from("-C");
    at.push(dir);
    let mut child = Command::new(exe)
        .arg("--color=never")
        .arg(at)
        .args(&call.args)
        .stdin(if call.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Written from another thread while this one collects the output, so that a child
    // writing before it has read all of its stdin cannot deadlock either side.
    std::thread::scope(|scope| {
        if let (Some(text), Some(mut pipe)) = (&call.stdin, child.stdin.take()) {
            scope.spawn(move || {
                // A child that stopped reading has already failed and says why on stderr.
                let _ = pipe.write_all(text.as_bytes());
            });
        }
        child.wait_with_output()
    })
}

/// What the child's exit code and output mean for the agent:
/// - 0, and 1 ("the command ran and found problems": validation errors, items on hold)
///   with a JSON document on stdout: a result, that document as its structured content
///   (an array is put under a key, since structured content is an object);
/// - anything else: a tool error whose text is the child's stderr (`error: …`, `hint: …`)
///   and the exit code.
fn result(call: &Call, output: &Output) -> CallToolResult {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stderr = stderr.trim_end();
    let code = output.status.code();
    if matches!(code, Some(0 | 1))
        && let Ok(value) = serde_json::from_slice::<Value>(&output.stdout)
    {
        let value = match value {
            Value::Object(_) => value,
            other => serde_json::json!({ wrap_key(call.tool): other }),
        };
        let mut content = vec![ContentBlock::text(value.to_string())];
        if code == Some(1) {
            content.push(ContentBlock::text(format!(
                "exit code 1: the command ran and found problems (see the result){}",
                if stderr.is_empty() { "" } else { ":" }
            )));
        }
        if !stderr.is_empty() {
            content.push(ContentBlock::text(stderr.to_string()));
        }
        let mut result = CallToolResult::success(content);
        result.structured_content = Some(value);
        return result;
    }
    let how = match code {
        Some(0 | 1) => format!(
            "`git intellimanage {}` exited with code {} without a JSON result",
            call.tool,
            code.unwrap_or_default()
        ),
        Some(n) => format!("`git intellimanage {}` exited with code {n}", call.tool),
        None => format!("`git intellimanage {}` was stopped by a signal", call.tool),
    };
    if stderr.is_empty() {
        failure(format!("error: {how}"))
    } else {
        failure(format!("{stderr}\n({how})"))
    }
}

/// The key an array result is put under.
fn wrap_key(tool: &str) -> &'static str {
    match tool {
        "list" => "artifacts",
        "ready" => "items",
        // `status` with `links`.
        "status" => "links",
        _ => "result",
    }
}

fn failure(text: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text)])
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt as _;
    use std::process::ExitStatus;

    fn output(code: i32, stdout: &str, stderr: &str) -> Output {
        Output {
            status: ExitStatus::from_raw(code << 8),
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.as_bytes().to_vec(),
        }
    }

    fn call(tool: &'static str) -> Call {
        Call {
            tool,
            args: Vec::new(),
            directory: None,
            stdin: None,
            writes: false,
        }
    }

    fn text(r: &CallToolResult) -> String {
        r.content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.clone()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn an_array_is_structured_under_a_key() {
        let r = result(&call("list"), &output(0, "[{\"id\":\"T-1\"}]\n", ""));
        assert_eq!(r.is_error, Some(false));
        assert_eq!(
            r.structured_content,
            Some(serde_json::json!({"artifacts": [{"id": "T-1"}]}))
        );
    }

    #[test]
    fn findings_are_a_result_and_failures_an_error_with_the_hint() {
        let r = result(
            &call("validate"),
            &output(1, "{\"errors\":2}", "a.md:3: error: bad"),
        );
        assert_eq!(r.is_error, Some(false));
        assert!(text(&r).contains("exit code 1"), "{}", text(&r));
        let r = result(
            &call("show"),
            &output(3, "", "error: no artifact\nhint: `list` shows the IDs\n"),
        );
        assert_eq!(r.is_error, Some(true));
        assert_eq!(
            text(&r),
            "error: no artifact\nhint: `list` shows the IDs\n(`git intellimanage show` exited with code 3)"
        );
    }

    #[test]
    fn a_missing_program_is_a_tool_error() {
        let runner = Runner::new(PathBuf::from("/nonexistent/git-intellimanage"), "/".into());
        let r = runner.run_blocking(call("status"));
        assert_eq!(r.is_error, Some(true));
        assert!(text(&r).starts_with("error: cannot run"), "{}", text(&r));
    }
}
