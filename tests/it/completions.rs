//! Shell completions: the scripts the binary prints, run by a real bash as git's own
//! completion runs them (`git intellimanage <TAB>` calls `_git_intellimanage`).

use crate::support::*;

/// What bash completes for the words typed (the last one being completed).
fn complete(repo: &TestRepo, script: &str, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{script}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\n_git_intellimanage\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        quoted.join(" "),
        words.len() - 1
    );
    let out = repo
        .command("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("run bash");
    assert!(out.status.success(), "bash failed: {}", stderr(&out));
    stdout(&out)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_git_intellimanage_subcommands_and_their_options() {
    let repo = TestRepo::new();
    let script = repo.home.path().join("git-intellimanage.bash");
    let text = repo.im_ok(&["completions", "bash"]);
    std::fs::write(&script, &text).expect("write");
    let script = script.to_string_lossy().to_string();
    assert_eq!(
        complete(&repo, &script, &["git", "intellimanage", "sy"]),
        ["sync"]
    );
    assert_eq!(
        complete(&repo, &script, &["git", "intellimanage", "wa"]),
        ["waves"]
    );
    assert_eq!(
        complete(&repo, &script, &["git", "intellimanage", "sync", "--dr"]),
        ["--dry-run"]
    );
    assert_eq!(
        complete(&repo, &script, &["git", "intellimanage", "hooks", "un"]),
        ["uninstall"]
    );
    let all = complete(&repo, &script, &["git", "intellimanage", ""]);
    for sub in [
        "list", "show", "validate", "status", "diff", "sync", "hooks", "fetch",
    ] {
        assert!(all.iter().any(|c| c == sub), "{sub} in {all:?}");
    }
    // What only the hook shims and install.sh call is not offered.
    for hidden in ["hook", "man"] {
        assert!(!all.iter().any(|c| c == hidden), "{hidden} in {all:?}");
    }
    assert_eq!(
        complete(&repo, &script, &["git", "intellimanage", "ho"]),
        ["hooks"]
    );
    // The binary itself completes too.
    assert!(
        text.contains("complete -F _git__intellimanage"),
        "registered for git-intellimanage"
    );
}

#[test]
fn zsh_and_fish_scripts_name_the_binary_and_its_subcommands() {
    let repo = TestRepo::new();
    let zsh = repo.im_ok(&["completions", "zsh"]);
    assert!(
        zsh.starts_with("#compdef git-intellimanage"),
        "{}",
        &zsh[..zsh.len().min(80)]
    );
    assert!(
        zsh.contains("'sync:") && zsh.contains("--dry-run"),
        "zsh lists sync"
    );
    let fish = repo.im_ok(&["completions", "fish"]);
    assert!(fish.contains("complete -c git-intellimanage"), "fish");
    assert!(
        fish.contains("-a \"sync\"") && fish.contains("-l dry-run"),
        "fish lists sync"
    );
    let out = repo.im(&["completions", "tcsh"]);
    assert_exit(&out, 2, "an unknown shell");
}
