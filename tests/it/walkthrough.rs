//! The README's walkthrough, from `git init` to a first `sync --dry-run`: its lines, taken
//! from the README as they are, run one by one in a shell against the GitHub emulator.

use std::path::Path;

use github_emulator::Emulator;

use crate::support::*;

const TOKEN: &str = "ghp_WalkthroughT0ken5";

/// The lines of the README's walkthrough block.
fn walkthrough() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let lines: Vec<String> = readme
        .lines()
        .skip_while(|l| !l.starts_with("<!-- walkthrough"))
        .skip(1)
        .take_while(|l| !l.starts_with("<!-- /walkthrough"))
        .filter(|l| !l.starts_with("```") && !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    assert!(lines.len() >= 5, "the walkthrough block: {lines:?}");
    lines
}

#[test]
fn the_readme_walkthrough_reaches_a_first_dry_run() {
    let emu = Emulator::start();
    emu.add_token(TOKEN, "ada", &["repo"]);
    emu.add_repo("acme", "shop");
    let home = TestRepo::new();
    let bin_dir = Path::new(BIN).parent().expect("bin dir");
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf()).chain(std::env::split_paths(&clean_path())),
    )
    .expect("PATH");
    // `cd` carries over between lines: run them as one script, stopping at the first failure.
    let script = format!("set -e\n{}\n", walkthrough().join("\n"));
    let out = home
        .command("sh")
        .args(["-c", &script])
        .env("PATH", &path)
        .env("GITHUB_API_URL", emu.url())
        .env("GITHUB_PAT", TOKEN)
        .env("INTELLIMANAGE_NO_KEYRING", "1")
        .output()
        .expect("run the walkthrough");
    assert_exit(&out, 0, "the walkthrough");
    let text = stdout(&out);
    for needle in [
        ".ruru/projects/shop/epics/EPIC-001_self-serve-checkout.md",
        ".ruru/projects/shop/features/FEAT-001_card-payments.md",
        ".ruru/projects/shop/tasks/TASK-001_validate-the-card-number.md",
        "POST   /repos/acme/shop/issues",
        "POST   /repos/acme/shop/milestones",
        "would create 2 issues, 1 milestone",
        "dry run: nothing was written",
    ] {
        assert!(text.contains(needle), "{needle}\n{text}");
    }
    assert_eq!(emu.write_count(), 0, "a dry run writes nothing");
    let shop = home.path().join("shop");
    let v = home.im_json(&["-C", &shop.to_string_lossy(), "validate", "--json"]);
    assert_eq!(v["errors"], 0, "{v:#}");
}
