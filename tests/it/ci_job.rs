//! The CI job of docs/CI.md: its sync step's commands, taken from the page, run in a fresh
//! clone of a shared remote against the GitHub emulator, twice (a push, then another).

use std::path::Path;

use crate::support::*;
use github_emulator::Emulator;

const TOKEN: &str = "ghs_CiJobT0kenForTheEmulator1";
const P: &str = ".ruru/projects/demo";

/// The lines between `# >>> sync step` and `# <<< sync step` in docs/CI.md.
fn sync_step() -> Vec<String> {
    let page = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/CI.md"))
        .expect("docs/CI.md");
    page.lines()
        .map(str::trim)
        .skip_while(|l| *l != "# >>> sync step")
        .skip(1)
        .take_while(|l| *l != "# <<< sync step")
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Runs the job's step in a fresh clone of `remote`; returns the clone.
fn run_job(remote: &Path, emu: &Emulator) -> TestRepo {
    let job = clone_of(remote);
    let bin_dir = Path::new(BIN).parent().expect("bin dir");
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("PATH");
    for line in sync_step() {
        let out = job
            .command("sh")
            .args(["-c", &line])
            .env("PATH", &path)
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_API_URL", emu.url())
            .env("INTELLIMANAGE_NO_KEYRING", "1")
            .output()
            .expect("run the step");
        assert_exit(&out, 0, &format!("CI step `{line}`"));
        assert!(!stdout(&out).contains(TOKEN) && !stderr(&out).contains(TOKEN));
    }
    job
}

#[test]
fn the_documented_ci_job_syncs_and_shares_the_record() {
    assert!(
        sync_step()
            .iter()
            .any(|l| l.starts_with("git intellimanage sync")),
        "the step syncs"
    );
    let emu = Emulator::start();
    emu.add_token(TOKEN, "github-actions", &["repo"]);
    emu.add_repo("acme", "demo");
    let dev = demo();
    let remote = tempfile::tempdir().expect("remote");
    dev.git(&[
        "init",
        "-q",
        "--bare",
        "-b",
        "main",
        &remote.path().to_string_lossy(),
    ]);
    dev.git(&["remote", "add", "origin", &remote.path().to_string_lossy()]);
    dev.git(&["push", "-q", "origin", "main"]);

    run_job(remote.path(), &emu);
    assert_eq!(emu.issues("acme", "demo").len(), 3);
    assert_eq!(emu.milestones("acme", "demo").len(), 1);

    // The next push: a new job, a new clone, only the change goes out.
    dev.edit(&format!("{P}/tasks/TASK-002_button.md"), |t| {
        t.replace("Submit button", "Submit button, bigger")
    });
    dev.commit_all("Bigger button");
    dev.git(&["push", "-q", "origin", "main"]);
    emu.reset_log();
    run_job(remote.path(), &emu);
    assert_eq!(emu.write_count(), 1, "one PATCH: the retitle");
    assert_eq!(emu.issues("acme", "demo").len(), 3, "nothing created twice");
}
