//! One conformance suite, every adapter: each sync scenario is written once and run
//! against the GitHub emulator and the GitLab emulator, through the real binary.
//! (GitHub-only behaviour, ETags and the like, is tested in `sync` and its siblings.)

mod backends;

use std::process::Output;

use crate::support::*;
use backends::Backend;

const P: &str = ".ruru/projects/demo";
const TASK_1: &str = ".ruru/projects/demo/tasks/TASK-001_parser.md";
const TASK_2: &str = ".ruru/projects/demo/tasks/TASK-002_docs.md";

/// A repository whose plan syncs with `backend`.
struct Case {
    repo: TestRepo,
    backend: Backend,
}

impl Case {
    fn new(backend: Backend, config_extra: &str) -> Case {
        let repo = TestRepo::new();
        let config = format!(
            "project_name = \"demo\"\nproject_slug = \"demo\"\n\n[github_integration]\nenable_sync = true\n{}{config_extra}\n",
            backend.config_keys()
        );
        repo.write(&format!("{P}/project_config.toml"), &config);
        repo.write(
            &format!("{P}/epics/EPIC-001_ship.md"),
            &artifact(
                "EPIC-001",
                EPIC,
                "Ship v1",
                "🔵 In Progress",
                "target_date = \"2025-06-30\"\n",
                "The first release.\n",
            ),
        );
        repo.write(
            TASK_1,
            &artifact(
                "TASK-001",
                TASK,
                "Write the parser",
                "🟡 To Do",
                "epic_id = \"EPIC-001\"\npriority = \"🔼 High\"\ntags = [\"parser\"]\nassigned_to = \"ada\"\n",
                "Parse the files.\n",
            ),
        );
        repo.write(
            TASK_2,
            &artifact(
                "TASK-002",
                TASK,
                "Document it",
                "🟢 Done",
                "epic_id = \"EPIC-001\"\n",
                "Say how.\n",
            ),
        );
        repo.commit_all("plan");
        Case { repo, backend }
    }

    fn run(&self, args: &[&str]) -> Output {
        let env = self.backend.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.repo.im_env(args, &env)
    }

    /// `sync --json`, which must succeed.
    fn sync(&self) -> serde_json::Value {
        let out = self.run(&["sync", "--json"]);
        assert_exit(&out, 0, &format!("sync with {}", self.backend.name()));
        parse_json(&out)
    }
}

fn both(scenario: impl Fn(Backend)) {
    scenario(Backend::github());
    scenario(Backend::gitlab());
}

#[test]
fn first_sync_creates_everything_and_a_second_writes_nothing() {
    both(|b| {
        let c = Case::new(b, "");
        let report = c.sync();
        let b = &c.backend;
        let issues = b.issues();
        assert_eq!(issues.len(), 2, "{}: {issues:#?}", b.name());
        let parser = b.issue_titled("Write the parser");
        assert!(parser.body.contains("Parse the files."), "{parser:?}");
        assert!(
            parser
                .body
                .trim_end()
                .ends_with("IntelliManage-ID: TASK-001"),
            "{}: the marker ends the body: {:?}",
            b.name(),
            parser.body
        );
        assert!(!parser.closed);
        assert_eq!(
            parser.labels,
            set(&[
                "PM:Priority:High",
                "PM:Status:ToDo",
                "PM:Type:Task",
                "parser"
            ]),
            "{}",
            b.name()
        );
        assert_eq!(parser.milestone.as_deref(), Some("Ship v1"));
        assert_eq!(parser.assignees, set(&["ada"]), "{}", b.name());
        let docs = b.issue_titled("Document it");
        assert!(docs.closed, "{}: a Done task is a closed issue", b.name());
        let stones = b.milestones();
        assert_eq!(stones.len(), 1);
        assert_eq!(stones[0].title, "Ship v1");
        assert_eq!(stones[0].due.as_deref(), Some("2025-06-30"), "{}", b.name());
        assert!(b.label_names().contains("PM:Status:Done"));
        assert_eq!(
            report["projects"][0]["repo"].as_str().map(str::is_empty),
            Some(false)
        );

        // Nothing changed: no writes at all, and the offline diff has nothing pending.
        b.reset_log();
        let again = c.sync();
        assert_eq!(b.write_count(), 0, "{}: {:?}", b.name(), b.writes());
        // One read per resource page: labels, milestones, issues.
        assert_eq!(b.read_count(), 3, "{}", b.name());
        assert_eq!(
            again["projects"][0]["ops"],
            serde_json::json!([]),
            "{}",
            b.name()
        );
        let diff = c.run(&["diff", "--exit-code"]);
        assert_exit(&diff, 0, "diff --exit-code after syncing");
    });
}

#[test]
fn dry_run_lists_every_write_and_sends_none() {
    both(|b| {
        let c = Case::new(b, "");
        let out = c.run(&["sync", "--dry-run", "--json"]);
        assert_exit(&out, 0, "dry run");
        let report = parse_json(&out);
        let b = &c.backend;
        assert_eq!(b.write_count(), 0);
        let ops = report["projects"][0]["ops"]
            .as_array()
            .expect("ops")
            .clone();
        let creates: Vec<&str> = ops
            .iter()
            .filter(|o| o["op"] == "create_issue")
            .map(|o| o["path"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(creates.len(), 2, "{}: {ops:#?}", b.name());
        assert!(
            creates.iter().all(|p| b.issues_path().ends_with(*p)),
            "{}: {creates:?}",
            b.name()
        );
        assert!(ops.iter().all(|o| o["outcome"] == "planned"));
        assert_eq!(report["projects"][0]["tracker"], b.name());
        let text = c.run(&["sync", "--dry-run"]);
        let platform = if b.name() == "github" {
            "GitHub"
        } else {
            "GitLab"
        };
        assert!(
            stdout(&text).contains(&format!(" requests to {platform}: ")),
            "{}",
            stdout(&text)
        );
        // What the dry run listed is what the sync does.
        let done = c.sync();
        let kinds = |v: &serde_json::Value| -> Vec<(String, String)> {
            v["projects"][0]["ops"]
                .as_array()
                .expect("ops")
                .iter()
                .map(|o| (o["op"].to_string(), o["path"].to_string()))
                .collect()
        };
        assert_eq!(kinds(&report), kinds(&done), "{}", b.name());
    });
}

#[test]
fn an_edit_in_the_plan_is_one_update_with_the_labels_swapped() {
    both(|b| {
        let c = Case::new(b, "");
        c.sync();
        c.repo.edit(TASK_1, |t| {
            t.replace("🟡 To Do", "🔵 In Progress")
                .replace("Write the parser", "Write the fast parser")
        });
        c.repo.commit_all("start");
        let b = &c.backend;
        b.reset_log();
        c.sync();
        // One write to the issue (and the new status label created once).
        let writes = b.writes();
        let to_issues: Vec<&String> = writes.iter().filter(|w| w.contains("/issues")).collect();
        assert_eq!(to_issues.len(), 1, "{}: {writes:?}", b.name());
        assert!(
            writes
                .iter()
                .all(|w| w.contains("/issues/") || w.contains("/labels")),
            "{}: {writes:?}",
            b.name()
        );
        let issue = b.issue_titled("Write the fast parser");
        assert!(
            issue.labels.contains("PM:Status:InProgress"),
            "{issue:?} {writes:?}"
        );
        assert!(!issue.labels.contains("PM:Status:ToDo"), "{issue:?}");
        assert!(
            issue.labels.contains("parser"),
            "other labels stay: {issue:?}"
        );
    });
}

#[test]
fn close_and_reopen_travel_both_ways() {
    both(|b| {
        let c = Case::new(b, "");
        c.sync();
        let b = &c.backend;
        // Closed on the tracker: the plan's task becomes Done.
        let n = b.issue_titled("Write the parser").number;
        b.web_edit(n, None, Some(true));
        c.sync();
        let text = c.repo.read(TASK_1);
        assert!(
            text.contains("status = \"🟢 Done\""),
            "{}: {text}",
            b.name()
        );
        c.repo.commit_all("take the tracker's changes");
        // Reopened in the plan: the issue opens again.
        c.repo
            .edit(TASK_2, |t| t.replace("🟢 Done", "🔵 In Progress"));
        c.repo.commit_all("reopen");
        c.sync();
        assert!(!b.issue_titled("Document it").closed, "{}", b.name());
        assert!(b.issue_titled("Write the parser").closed);
    });
}

#[test]
fn a_conflict_is_settled_by_each_strategy() {
    for (strategy, winner) in [
        ("prefer_local", "Plan title"),
        ("prefer_github", "Tracker title"),
        ("manual_flag", ""),
    ] {
        both(|b| {
            let c = Case::new(
                b,
                &format!("\n[github_integration.mapping]\nconflict_resolution = \"{strategy}\"\n"),
            );
            c.sync();
            let b = &c.backend;
            let n = b.issue_titled("Write the parser").number;
            b.web_edit(n, Some("Tracker title"), None);
            c.repo
                .edit(TASK_1, |t| t.replace("Write the parser", "Plan title"));
            c.repo.commit_all("retitle");
            let out = c.run(&["sync", "--json"]);
            let on_tracker = b
                .issues()
                .into_iter()
                .find(|i| i.number == n)
                .expect("the issue")
                .title;
            let in_plan = c.repo.read(TASK_1);
            assert_exit(&out, 0, strategy);
            if winner.is_empty() {
                // Flagged on both sides, changed on neither, listed until a person settles it.
                assert_eq!(on_tracker, "Tracker title", "{}", b.name());
                assert!(in_plan.contains("title = \"Plan title\""), "{in_plan}");
                let report = parse_json(&out);
                assert_eq!(
                    report["projects"][0]["conflicts"][0]["key"],
                    "demo/TASK-001",
                    "{}: {report:#}",
                    b.name()
                );
                assert_eq!(report["projects"][0]["conflicts"][0]["winner"], "flagged");
                // The link waits for a person, and says so.
                let links = c.run(&["status", "--links", "--json"]);
                assert_exit(&links, 0, "status --links");
                let links = parse_json(&links);
                let task = links
                    .as_array()
                    .and_then(|l| l.iter().find(|x| x["key"] == "demo/TASK-001"))
                    .cloned()
                    .unwrap_or_default();
                assert_eq!(task["status"], "manual", "{}: {links:#}", b.name());
                assert_eq!(task["tracker"], b.name(), "{links:#}");
            } else {
                assert_eq!(on_tracker, winner, "{} {strategy}", b.name());
                assert!(
                    in_plan.contains(&format!("title = \"{winner}\"")),
                    "{} {strategy}: {in_plan}",
                    b.name()
                );
            }
        });
    }
}

#[test]
fn a_lost_answer_to_a_create_is_adopted_not_duplicated() {
    both(|b| {
        let c = Case::new(b, "");
        let path = c.backend.issues_path();
        c.backend.lose_answer_once("POST", &path);
        c.sync();
        let b = &c.backend;
        assert_eq!(b.pending_faults(), 0, "the fault was met");
        assert_eq!(b.issues().len(), 2, "{}: {:#?}", b.name(), b.issues());
        b.reset_log();
        c.sync();
        assert_eq!(b.write_count(), 0, "{}: {:?}", b.name(), b.writes());
    });
}

#[test]
fn rate_limits_and_server_errors_are_waited_out() {
    both(|b| {
        let c = Case::new(b, "");
        let path = c.backend.issues_path();
        c.backend.too_many_requests_once(1, "GET", &path);
        c.backend.fail_once(502, "GET", &path);
        let out = c.run(&["sync", "--json"]);
        assert_exit(&out, 0, "sync through faults");
        let b = &c.backend;
        assert_eq!(b.pending_faults(), 0);
        let err = stderr(&out);
        assert!(
            err.contains("rate limit") && err.contains("waiting"),
            "{err}"
        );
        let platform = if b.name() == "github" {
            "GitHub"
        } else {
            "GitLab"
        };
        assert!(
            err.contains(platform),
            "{}: the notice names the tracker: {err}",
            b.name()
        );
        assert!(err.contains("502") && err.contains("retrying"), "{err}");
        assert!(
            err.contains(&format!("{platform} answered 502")),
            "the retry names the tracker that answered: {err}"
        );
        let report = parse_json(&out);
        assert!(report["requests"]["rate_limit_waits"].as_u64() >= Some(1));
        assert_eq!(b.issues().len(), 2);
    });
}

#[test]
fn a_refused_token_stops_the_run_with_the_auth_exit_code() {
    both(|b| {
        let c = Case::new(b, "");
        let mut env = c.backend.env();
        for (k, v) in env.iter_mut() {
            if k.ends_with("TOKEN") || k.ends_with("PAT") {
                *v = "not-a-token".to_string();
            }
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let out = c.repo.im_env(&["sync"], &env);
        assert_exit(&out, 5, "a bad token");
        let err = stderr(&out);
        let platform = if c.backend.name() == "github" {
            "GitHub"
        } else {
            "GitLab"
        };
        assert!(
            err.contains(&format!("{platform} rejected the token")),
            "{err}"
        );
        assert!(
            !err.contains("not-a-token"),
            "the token is never shown: {err}"
        );
        assert_eq!(c.backend.write_count(), 0);
    });
}

#[test]
fn bitbucket_is_refused_with_the_reason_and_the_way_on() {
    let repo = TestRepo::new();
    repo.write(
        &format!("{P}/project_config.toml"),
        "project_name = \"demo\"\nproject_slug = \"demo\"\n\n[github_integration]\nenable_sync = true\nplatform = \"bitbucket\"\nrepo_owner = \"acme\"\nrepo_name = \"demo\"\n",
    );
    repo.commit_all("plan");
    let out = repo.im(&["sync", "--dry-run"]);
    assert_exit(&out, 4, "a Bitbucket project");
    let err = stderr(&out);
    assert!(err.contains("platform = \"bitbucket\""), "{err}");
    assert!(err.contains("2026-08-20") && err.contains("Jira"), "{err}");
    assert!(err.contains("GitHub and GitLab"), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "one error: {err}");
}

#[test]
fn a_push_syncs_and_comments_each_commit_link_once() {
    both(|b| {
        let c = Case::new(b, "");
        let remote = tempfile::tempdir().expect("remote dir");
        let git = |dir: &std::path::Path, args: &[&str]| -> Output {
            let env = c.backend.env();
            let mut cmd = c.repo.command("git");
            cmd.current_dir(dir)
                .args(args)
                .env("PATH", clean_path())
                .env("INTELLIMANAGE_PUSH_SYNC", "foreground");
            for (k, v) in &env {
                cmd.env(k, v);
            }
            cmd.output().expect("run git")
        };
        assert_exit(
            &git(remote.path(), &["init", "-q", "--bare", "-b", "main"]),
            0,
            "init --bare",
        );
        c.repo
            .git(&["remote", "add", "origin", &remote.path().to_string_lossy()]);
        c.repo.im_ok(&["hooks", "install"]);
        c.repo.write("src/parser.rs", "// parse\n");
        c.repo.git(&["add", "-A"]);
        assert_exit(
            &git(
                c.repo.path(),
                &["commit", "-q", "-m", "Parse headers\n\nRefs TASK-001"],
            ),
            0,
            "commit",
        );
        let sha = c.repo.git(&["rev-parse", "HEAD"]);
        let out = git(c.repo.path(), &["push", "-q", "origin", "main"]);
        assert_exit(&out, 0, "push");
        let b = &c.backend;
        let n = b.issue_titled("Write the parser").number;
        let marker = format!("intellimanage-commit: {sha}");
        let with_marker = || b.comments(n).iter().filter(|t| t.contains(&marker)).count();
        assert_eq!(with_marker(), 1, "{}: {}", b.name(), stderr(&out));
        // The same commit pushed again (the remote moved back): no second comment.
        let first = c.repo.git(&["rev-parse", "HEAD~1"]);
        assert_exit(
            &git(remote.path(), &["update-ref", "refs/heads/main", &first]),
            0,
            "rewind",
        );
        assert_exit(
            &git(c.repo.path(), &["push", "-q", "origin", "main"]),
            0,
            "push again",
        );
        assert_eq!(with_marker(), 1, "{}", b.name());
    });
}

#[test]
fn a_sync_killed_half_way_resumes_without_duplicates() {
    const N: usize = 30;
    both(|b| {
        let c = Case::new(b, "");
        for i in 3..=N {
            let id = format!("TASK-{i:03}");
            c.repo.write(
                &format!("{P}/tasks/{id}_t.md"),
                &artifact(
                    &id,
                    TASK,
                    &format!("Task number {i}"),
                    "🟡 To Do",
                    "epic_id = \"EPIC-001\"\n",
                    "Body.\n",
                ),
            );
        }
        c.repo.commit_all("many tasks");
        let b = &c.backend;
        b.set_latency(std::time::Duration::from_millis(60));
        let env = b.env();
        let mut child = c
            .repo
            .command(BIN)
            .args(["sync", "--json"])
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start sync");
        let started = std::time::Instant::now();
        // Past the first record checkpoint (25 settled items).
        while b.issues().len() < 27 {
            assert!(
                started.elapsed().as_secs() < 60,
                "{}: the sync stalled",
                b.name()
            );
            assert!(
                child.try_wait().expect("poll").is_none(),
                "{}: ended early",
                b.name()
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        child.kill().expect("SIGKILL the sync");
        child.wait().expect("reap");
        // A request in flight when the process died still lands on the server.
        std::thread::sleep(std::time::Duration::from_millis(500));
        b.set_latency(std::time::Duration::ZERO);
        let created = b.issues().len();
        assert!(
            created < N,
            "{}: killed before the end ({created})",
            b.name()
        );
        c.sync();
        let issues = b.issues();
        let mut markers: Vec<String> = issues
            .iter()
            .filter_map(|i| i.body.trim_end().lines().last().map(str::to_string))
            .collect();
        markers.sort();
        markers.dedup();
        assert_eq!(markers.len(), N, "{}: every task has one issue", b.name());
        assert_eq!(issues.len(), N, "{}: no duplicates", b.name());
        b.reset_log();
        c.sync();
        assert_eq!(b.write_count(), 0, "{}: {:?}", b.name(), b.writes());
    });
}

#[test]
fn milestone_progress_is_a_managed_block_written_only_when_it_changes() {
    both(|b| {
        let c = Case::new(
            b,
            "\n[github_integration.mapping]\nsync_milestone_progress = true\n",
        );
        c.sync();
        let b = &c.backend;
        let stone = &b.milestones()[0];
        assert!(
            stone
                .description
                .contains("<!-- intellimanage:progress -->\nProgress: 1/2 tasks done (50%)\n<!-- /intellimanage:progress -->"),
            "{}: {}",
            b.name(),
            stone.description
        );
        assert!(stone.description.starts_with("The first release."));
        assert!(
            stone
                .description
                .trim_end()
                .ends_with("IntelliManage-ID: EPIC-001")
        );

        // No change, no write.
        b.reset_log();
        c.sync();
        assert_eq!(b.write_count(), 0, "{}: {:?}", b.name(), b.writes());

        // Someone adds a line on the tracker: it comes into the Epic; the block does not.
        let edited = stone.description.replace(
            "The first release.",
            "The first release.\n\nA note from the web.",
        );
        b.web_set_milestone_description(stone.number, &edited);
        b.reset_log();
        c.sync();
        assert_eq!(b.write_count(), 0, "{}: {:?}", b.name(), b.writes());
        let epic = c.repo.read(&format!("{P}/epics/EPIC-001_ship.md"));
        assert!(epic.contains("A note from the web."), "{epic}");
        assert!(
            !epic.contains("Progress:") && !epic.contains("intellimanage:progress"),
            "{epic}"
        );
        c.repo.commit_all("the tracker's note");

        // A task done: one update, the new figure, the person's line kept.
        c.repo.edit(TASK_1, |t| t.replace("🟡 To Do", "🟢 Done"));
        c.repo.commit_all("done");
        b.reset_log();
        c.sync();
        let stone = &b.milestones()[0];
        assert!(
            stone
                .description
                .contains("Progress: 2/2 tasks done (100%)"),
            "{}",
            stone.description
        );
        assert!(
            stone.description.contains("A note from the web."),
            "{}",
            stone.description
        );
        assert_eq!(
            stone.description.matches("intellimanage:progress").count(),
            2
        );
        let to_milestones = b
            .writes()
            .iter()
            .filter(|w| w.contains("/milestones/"))
            .count();
        assert_eq!(to_milestones, 1, "{}: {:?}", b.name(), b.writes());
    });
}

#[test]
fn gitlab_scoped_labels_swap_in_one_request() {
    // `PM::Status::…` are scoped labels on GitLab: one of a scope at a time. The status
    // change is one PUT that adds the new label and removes the old; GitLab's own
    // scoping would drop the old one anyway, and the result is the same with it or not.
    let c = Case::new(
        Backend::gitlab(),
        "\n[github_integration.mapping]\nlabel_prefix = \"PM::\"\n[github_integration.mapping.status_labels]\n\"🟡 To Do\" = \"PM::Status::ToDo\"\n\"🔵 In Progress\" = \"PM::Status::InProgress\"\n\"🟢 Done\" = \"PM::Status::Done\"\n",
    );
    c.sync();
    let b = &c.backend;
    let issue = b.issue_titled("Write the parser");
    assert!(issue.labels.contains("PM::Status::ToDo"), "{issue:?}");
    c.repo
        .edit(TASK_1, |t| t.replace("🟡 To Do", "🔵 In Progress"));
    c.repo.commit_all("start");
    b.reset_log();
    c.sync();
    let writes = b.writes();
    let puts: Vec<&String> = writes.iter().filter(|w| w.starts_with("PUT")).collect();
    assert_eq!(puts.len(), 1, "{writes:?}");
    let issue = b.issue_titled("Write the parser");
    let statuses: Vec<&String> = issue
        .labels
        .iter()
        .filter(|l| l.starts_with("PM::Status::"))
        .collect();
    assert_eq!(statuses, ["PM::Status::InProgress"], "{issue:?}");
    b.reset_log();
    c.sync();
    assert_eq!(b.write_count(), 0, "{:?}", b.writes());
}

/// TASK-002 waits for TASK-001, committed before the first sync.
fn with_dependency(b: Backend) -> Case {
    let c = Case::new(b, "");
    c.repo.edit(TASK_2, |t| {
        t.replacen(
            "epic_id = \"EPIC-001\"\n",
            "epic_id = \"EPIC-001\"\ndepends_on = [\"TASK-001\"]\n",
            1,
        )
    });
    c.repo.commit_all("TASK-002 waits for TASK-001");
    c
}

fn ops_of<'a>(report: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    report["projects"][0]["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .filter(|o| o["op"] == kind)
        .collect()
}

#[test]
fn dependencies_go_to_both_trackers() {
    both(|b| {
        let c = with_dependency(b);
        let report = c.sync();
        let b = &c.backend;
        assert_eq!(ops_of(&report, "set_dependencies").len(), 1, "{report:#}");
        assert_eq!(
            report["projects"][0]["notes"],
            serde_json::json!([]),
            "{report:#}"
        );
        let parser = b.issue_titled("Write the parser").number;
        let docs = b.issue_titled("Document it").number;
        assert_eq!(b.blocked_by(docs), [parser], "{}", b.name());
        assert_eq!(b.blocked_by(parser), Vec::<u64>::new(), "{}", b.name());
        // Nothing more to do, and nothing more to read (on GitLab, the link moved both
        // issues: the record knows it did).
        b.reset_log();
        c.sync();
        assert_eq!(b.write_count(), 0, "{}: {:?}", b.name(), b.writes());
        assert_eq!(b.read_count(), 3, "{}", b.name());

        // Dropped from the plan: gone from the tracker, the other way round too.
        c.repo
            .edit(TASK_2, |t| t.replace("depends_on = [\"TASK-001\"]\n", ""));
        c.repo.commit_all("TASK-002 no longer waits");
        let report = c.sync();
        assert_eq!(ops_of(&report, "set_dependencies").len(), 1, "{report:#}");
        assert_eq!(b.blocked_by(docs), Vec::<u64>::new(), "{}", b.name());
        b.reset_log();
        c.sync();
        assert_eq!(b.write_count(), 0, "{}: {:?}", b.name(), b.writes());
        assert_eq!(b.read_count(), 3, "{}", b.name());
    });
}

#[test]
fn gitlab_free_links_dependencies_as_related_once_and_says_so() {
    let c = with_dependency(Backend::gitlab_free());
    let report = c.sync();
    let Backend::Gitlab(emu) = &c.backend else {
        unreachable!("a GitLab backend")
    };
    let b = &c.backend;
    let parser = b.issue_titled("Write the parser").number;
    let docs = b.issue_titled("Document it").number;
    // Refused as a blocking link, made a related one.
    let links = emu.links(backends::GL_PROJECT, docs);
    assert_eq!(links.len(), 1, "{links:#?}");
    assert_eq!(links[0]["iid"], parser);
    assert_eq!(links[0]["link_type"], "relates_to");
    assert_eq!(
        report["projects"][0]["notes"],
        serde_json::json!([{
            "key": "demo/TASK-002",
            "message": "GitLab Free has no blocking links: dependencies go there as related links (TASK-002 depends on TASK-001); the plan keeps which one waits for which",
            "incomplete": false
        }]),
        "{report:#}"
    );
    assert_eq!(report["projects"][0]["failures"], serde_json::json!([]));

    // Converged: nothing written, no link read, no note.
    b.reset_log();
    let again = c.sync();
    assert_eq!(b.write_count(), 0, "{:?}", b.writes());
    assert_eq!(b.read_count(), 3);
    assert_eq!(again["projects"][0]["notes"], serde_json::json!([]));

    // Someone edits the issue: its links are read, and the related link still stands for
    // the plan's dependency (it is not pulled away, nor pushed again).
    emu.advance_time(std::time::Duration::from_secs(2));
    b.web_edit(docs, Some("Document it well"), None);
    b.reset_log();
    c.sync();
    assert_eq!(b.write_count(), 0, "{:?}", b.writes());
    let links_read = emu
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path().ends_with(&format!("/issues/{docs}/links")))
        .count();
    assert_eq!(links_read, 1);
    let text = c.repo.read(TASK_2);
    assert!(text.contains("depends_on = [\"TASK-001\"]"), "{text}");
    assert!(text.contains("Document it well"), "{text}");
    c.repo.commit_all("take the title");

    // A related link someone else made has no direction: it is not pulled into the plan.
    c.repo
        .edit(TASK_2, |t| t.replace("depends_on = [\"TASK-001\"]\n", ""));
    c.repo.commit_all("TASK-002 no longer waits");
    c.sync();
    assert!(emu.links(backends::GL_PROJECT, docs).is_empty(), "removed");
    emu.advance_time(std::time::Duration::from_secs(2));
    emu.link_issues(backends::GL_PROJECT, parser, docs, "relates_to");
    c.sync();
    for task in [TASK_1, TASK_2] {
        let text = c.repo.read(task);
        assert!(!text.contains("depends_on = [\"TASK-"), "{text}");
    }
    b.reset_log();
    c.sync();
    assert_eq!(b.write_count(), 0, "{:?}", b.writes());
    assert_eq!(b.read_count(), 3);
}

#[test]
fn gitlab_looks_each_user_up_once_and_leaves_an_unknown_one_unassigned() {
    // GitLab assigns by user id: each name is looked up once a run; a name GitLab doesn't
    // know leaves its issue unassigned, with a note, and the run goes on.
    let c = Case::new(Backend::gitlab(), "");
    c.repo.edit(TASK_2, |t| {
        t.replace(
            "epic_id = \"EPIC-001\"\n",
            "epic_id = \"EPIC-001\"\nassigned_to = \"grace-nobody\"\n",
        )
    });
    c.repo.commit_all("assign the docs");
    let out = c.run(&["sync", "--json"]);
    let report = parse_json(&out);
    let b = &c.backend;
    assert_eq!(b.issue_titled("Write the parser").assignees, set(&["ada"]));
    assert!(b.issue_titled("Document it").assignees.is_empty());
    let notes = report["projects"][0]["notes"].to_string();
    assert!(
        notes.contains(
            "GitLab can't assign grace-nobody (not a member of the project?): the issue was left unassigned"
        ),
        "{report:#}"
    );
    let Backend::Gitlab(emu) = b else {
        unreachable!("a GitLab case")
    };
    let lookups: Vec<String> = emu
        .requests()
        .iter()
        .filter(|r| r.target.contains("/users?"))
        .map(|r| r.target.clone())
        .collect();
    assert_eq!(lookups.len(), 2, "one lookup per name: {lookups:#?}");
    assert!(
        lookups.iter().any(|t| t.contains("username=ada"))
            && lookups.iter().any(|t| t.contains("username=grace-nobody")),
        "{lookups:#?}"
    );
}
