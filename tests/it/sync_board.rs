//! The GitHub project board (Projects v2): with `[github_integration.project_board]`, every
//! synced issue is on the project and its Status column follows the artifact's status;
//! a card moved on GitHub changes the artifact's status through the three-way merge.
//! End to end: the real binary, real git repositories, the GitHub emulator's Projects v2
//! REST API (`/orgs|users/{owner}/projectsV2/{number}/…`).
//!
//! What is checked: the first sync puts each issue on the board in its status's column;
//! a status changed in the plan moves the card (one item `PATCH`); a card moved on
//! GitHub changes the file's status and, in the same run, the issue's status label; a
//! card moved to Done closes the issue; a card taken off the board is put back; explicit
//! `columns` pairs; a user's project found without `owner_type`; a missing project or
//! field stops with a hint; a dry run sends nothing; after each, a second sync writes
//! nothing, and a no-op sync reads the three lists plus one page of fields and one of
//! items, all answered `304`.

use std::process::Output;

use crate::support::*;
use github_emulator::{Emulator, ProjectOwner};
use serde_json::{Value, json};

const TOKEN: &str = "ghp_B0ardT0kenForTheSync9";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";
const T0: &str = "2025-05-01T10:00:00Z";
const T1: &str = "2025-05-10T10:00:00Z";
const COLUMNS: [&str; 3] = ["Todo", "In Progress", "Done"];

/// (file, id, status)
const TASKS: [(&str, &str, &str); 3] = [
    ("tasks/TASK-001_schema.md", "TASK-001", "🟡 To Do"),
    ("tasks/TASK-002_api.md", "TASK-002", "🔵 In Progress"),
    ("tasks/TASK-003_ui.md", "TASK-003", "⚪\u{fe0f} Backlog"),
];

struct Setup {
    repo: TestRepo,
    emu: Emulator,
    /// The board's owner and number.
    board: (String, u64),
}

impl Setup {
    /// Project `demo` (three Tasks) with `board_config` under `[github_integration]`, and
    /// a project numbered 3 owned by `owner` (`kind`) with `columns`. Not synced yet.
    fn unsynced(board_config: &str, owner: &str, kind: ProjectOwner, columns: &[&str]) -> Setup {
        let emu = Emulator::start();
        emu.add_token(TOKEN, "ada", &["repo", "project"]);
        emu.add_repo(OWNER, REPO);
        if kind == ProjectOwner::User {
            emu.add_user(owner);
        }
        emu.add_project(owner, kind, 3, "Roadmap", columns);
        emu.set_time(T0);
        emu.freeze_time();
        let repo = TestRepo::new();
        repo.write(
            &format!("{P}/project_config.toml"),
            &project_config("demo", board_config),
        );
        for (file, id, status) in TASKS {
            repo.write(
                &format!("{P}/{file}"),
                &artifact(id, TASK, id, status, "", &format!("\n{id}.\n")),
            );
        }
        repo.commit_all("plan");
        Setup {
            repo,
            emu,
            board: (owner.to_string(), 3),
        }
    }

    /// The organization's board with the default columns, synced once; the clock then
    /// stands at [`T1`].
    fn synced() -> Setup {
        let s = Setup::unsynced(
            "[github_integration.project_board]\nnumber = 3\n",
            OWNER,
            ProjectOwner::Organization,
            &COLUMNS,
        );
        s.sync_ok(&[]);
        s.emu.set_time(T1);
        s
    }

    fn sync(&self, args: &[&str]) -> Output {
        let mut all = vec!["sync", "--no-progress"];
        all.extend_from_slice(args);
        self.repo.im_github(&self.emu.url(), TOKEN, &all)
    }

    fn sync_ok(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        clean_sync_report(&self.sync(&all), &format!("sync {args:?}"))
    }

    fn number(&self, id: &str) -> u64 {
        the_issue_of(self.emu.issues(OWNER, REPO), "body", id)["number"]
            .as_u64()
            .expect("number")
    }

    /// `id`'s card: `None` off the board, `Some(None)` on it without a column.
    fn card(&self, id: &str) -> Option<Option<String>> {
        let (owner, n) = &self.board;
        self.emu
            .project_status_of(owner, *n, OWNER, REPO, self.number(id))
    }

    /// A teammate drags `id`'s card to `column`.
    fn move_card(&self, id: &str, column: &str) {
        let (owner, n) = &self.board;
        self.emu
            .set_project_status(owner, *n, OWNER, REPO, self.number(id), Some(column));
    }

    fn file(&self, id: &str) -> String {
        let (file, _, _) = TASKS.iter().find(|t| t.1 == id).expect("task");
        format!("{P}/{file}")
    }

    fn status_line(&self, id: &str) -> String {
        self.repo
            .read(&self.file(id))
            .lines()
            .find(|l| l.starts_with("status"))
            .map(str::to_string)
            .unwrap_or_default()
    }

    fn labels(&self, id: &str) -> Vec<String> {
        let issue = self
            .emu
            .issue(OWNER, REPO, self.number(id))
            .expect("the issue");
        issue["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .filter_map(|l| l["name"].as_str().map(str::to_string))
            .collect()
    }

    /// The requests of the last run, as `METHOD path` (without the query).
    fn log(&self) -> Vec<String> {
        self.emu
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path.split('?').next().unwrap_or("")))
            .collect()
    }

    /// One more sync writes nothing and changes no file; then a no-op sync is the three
    /// lists, the board's fields and its items: five reads, all `304`.
    fn assert_converged(&self, what: &str) {
        let status = self.repo.git(&["status", "--porcelain"]);
        self.emu.reset_log();
        self.sync_ok(&[]);
        assert_eq!(self.emu.write_count(), 0, "{what}: {:#?}", self.log());
        assert_eq!(
            self.repo.git(&["status", "--porcelain"]),
            status,
            "{what}: no file changed"
        );
        self.emu.reset_log();
        self.sync_ok(&[]);
        let log = self.log();
        assert_eq!(self.emu.write_count(), 0, "{what}: {log:#?}");
        assert_eq!(self.emu.read_count(), 5, "{what}: {log:#?}");
        assert_eq!(self.emu.not_modified_count(), 5, "{what}: {log:#?}");
        let board = format!("/orgs/{OWNER}/projectsV2/3");
        assert!(log.contains(&format!("GET {board}/fields")), "{log:#?}");
        assert!(log.contains(&format!("GET {board}/items")), "{log:#?}");
    }
}

#[test]
fn every_synced_issue_goes_on_the_board_in_its_status_column() {
    let s = Setup::synced();
    assert_eq!(s.card("TASK-001"), Some(Some("Todo".to_string())));
    assert_eq!(s.card("TASK-002"), Some(Some("In Progress".to_string())));
    // Backlog has no column of its own on the default board: it goes in Todo.
    assert_eq!(s.card("TASK-003"), Some(Some("Todo".to_string())));
    assert_eq!(s.emu.project_items(OWNER, 3).len(), 3, "one item per issue");
    s.assert_converged("after the first sync");
}

#[test]
fn a_status_changed_in_the_plan_moves_the_card_with_one_item_update() {
    let s = Setup::synced();
    s.repo.edit(&s.file("TASK-001"), |t| {
        t.replace("status = \"🟡 To Do\"", "status = \"🔵 In Progress\"")
    });
    s.repo.commit_all("start TASK-001");
    s.emu.reset_log();
    let report = s.sync_ok(&[]);
    assert_eq!(s.card("TASK-001"), Some(Some("In Progress".to_string())));
    let writes: Vec<String> = s
        .log()
        .into_iter()
        .filter(|l| !l.starts_with("GET"))
        .collect();
    let item_patches: Vec<&String> = writes
        .iter()
        .filter(|w| w.starts_with(&format!("PATCH /orgs/{OWNER}/projectsV2/3/items/")))
        .collect();
    assert_eq!(item_patches.len(), 1, "{writes:#?}");
    assert_eq!(
        writes.len(),
        2,
        "the issue's labels and the card: {writes:#?}"
    );
    let ops = report["projects"][0]["ops"].as_array().expect("ops");
    let card = ops
        .iter()
        .find(|o| o["op"] == "set_card")
        .expect("a set_card op");
    assert_eq!(card["fields"], json!(["column=In Progress"]), "{card:#}");
    assert_eq!(card["method"], "PATCH");
    s.assert_converged("after the plan moved the card");
}

#[test]
fn a_card_moved_on_github_changes_the_artifact_status_and_its_label_in_the_same_run() {
    let s = Setup::synced();
    s.move_card("TASK-001", "In Progress");
    s.sync_ok(&[]);
    assert_eq!(s.status_line("TASK-001"), "status = \"🔵 In Progress\"");
    let labels = s.labels("TASK-001");
    assert!(
        labels.contains(&"PM:Status:InProgress".to_string())
            && !labels.contains(&"PM:Status:ToDo".to_string()),
        "{labels:?}"
    );
    assert_eq!(s.card("TASK-001"), Some(Some("In Progress".to_string())));
    // The others stay where they were.
    assert_eq!(s.status_line("TASK-003"), "status = \"⚪\u{fe0f} Backlog\"");
    s.assert_converged("after a card moved on GitHub");
}

#[test]
fn a_card_moved_to_done_closes_the_issue() {
    let s = Setup::synced();
    s.move_card("TASK-002", "Done");
    s.sync_ok(&[]);
    assert_eq!(s.status_line("TASK-002"), "status = \"🟢 Done\"");
    let issue = s
        .emu
        .issue(OWNER, REPO, s.number("TASK-002"))
        .expect("the issue");
    assert_eq!(issue["state"], "closed", "{issue:#}");
    s.assert_converged("after a card moved to Done");
}

#[test]
fn a_card_taken_off_the_board_is_put_back_in_its_column() {
    let s = Setup::synced();
    let n = s.number("TASK-002");
    s.emu.remove_from_project(OWNER, 3, OWNER, REPO, n);
    assert_eq!(s.card("TASK-002"), None);
    s.sync_ok(&[]);
    assert_eq!(s.card("TASK-002"), Some(Some("In Progress".to_string())));
    assert_eq!(
        s.status_line("TASK-002"),
        "status = \"🔵 In Progress\"",
        "taking a card off is not a change of status"
    );
    s.assert_converged("after a card was put back");
}

#[test]
fn both_sides_changed_the_column_and_the_conflict_strategy_settles_it() {
    let s = Setup::synced();
    s.repo.edit(&s.file("TASK-001"), |t| {
        t.replace("status = \"🟡 To Do\"", "status = \"🟢 Done\"")
            .replace(
                "updated_date = \"2025-04-02\"",
                "updated_date = \"2025-05-20\"",
            )
    });
    s.repo.commit_all("TASK-001 done");
    s.move_card("TASK-001", "In Progress");
    let report = s.sync_ok(&[]);
    // last_update_wins: the plan's edit (2025-05-20) is later than GitHub's (2025-05-10).
    assert_eq!(s.status_line("TASK-001"), "status = \"🟢 Done\"");
    assert_eq!(s.card("TASK-001"), Some(Some("Done".to_string())));
    let conflicts = report["projects"][0]["conflicts"]
        .as_array()
        .expect("conflicts");
    assert!(
        conflicts.iter().any(|c| c["field"] == "column"),
        "{conflicts:#?}"
    );
    s.assert_converged("after a conflict on the column");
}

#[test]
fn explicit_column_pairs_and_a_users_project_found_without_owner_type() {
    let s = Setup::unsynced(
        "[github_integration.project_board]\nowner = \"ada\"\nnumber = 3\n[github_integration.project_board.columns]\n\"🔵 In Progress\" = \"Doing\"\n\"⚪️ Backlog\" = \"Icebox\"\n",
        "ada",
        ProjectOwner::User,
        &["Icebox", "Todo", "Doing", "Done"],
    );
    s.sync_ok(&[]);
    assert_eq!(s.card("TASK-001"), Some(Some("Todo".to_string())));
    assert_eq!(s.card("TASK-002"), Some(Some("Doing".to_string())));
    assert_eq!(s.card("TASK-003"), Some(Some("Icebox".to_string())));
    // The organization's path was tried first (404), then the user's.
    s.emu.set_time(T1);
    s.move_card("TASK-001", "Icebox");
    s.emu.reset_log();
    s.sync_ok(&[]);
    let log = s.log();
    assert!(
        log.contains(&"GET /orgs/ada/projectsV2/3/fields".to_string())
            && log.contains(&"GET /users/ada/projectsV2/3/fields".to_string()),
        "{log:#?}"
    );
    assert_eq!(
        s.status_line("TASK-001"),
        "status = \"⚪\u{fe0f} Backlog\"",
        "the pair read backwards"
    );
}

#[test]
fn a_dry_run_lists_the_board_writes_and_sends_none() {
    let s = Setup::unsynced(
        "[github_integration.project_board]\nnumber = 3\n",
        OWNER,
        ProjectOwner::Organization,
        &COLUMNS,
    );
    let out = s.sync(&["--dry-run", "--json"]);
    assert_exit(&out, 0, "dry run");
    assert_eq!(s.emu.write_count(), 0);
    let report = parse_json(&out);
    let cards: Vec<&Value> = report["projects"][0]["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .filter(|o| o["op"] == "set_card")
        .collect();
    assert_eq!(cards.len(), 3, "{report:#}");
    for c in &cards {
        assert_eq!(c["method"], "POST", "{c:#}");
        assert_eq!(c["path"], format!("/orgs/{OWNER}/projectsV2/3/items"));
        assert_eq!(c["outcome"], "planned");
    }
    assert_eq!(
        cards[0]["fields"],
        json!(["board", "column=Todo"]),
        "{:#}",
        cards[0]
    );
}

#[test]
fn a_missing_project_or_field_stops_with_a_hint_naming_the_setting() {
    let s = Setup::unsynced(
        "[github_integration.project_board]\nnumber = 9\nowner_type = \"organization\"\n",
        OWNER,
        ProjectOwner::Organization,
        &COLUMNS,
    );
    let out = s.sync(&[]);
    assert_exit(&out, 4, "a board that can't be found is a setup problem");
    let err = stderr(&out);
    assert!(
        err.contains("GitHub project 9 of acme was not found"),
        "{err}"
    );
    assert!(err.contains("[github_integration.project_board]"), "{err}");
    assert!(!err.contains(TOKEN), "{err}");

    let s = Setup::unsynced(
        "[github_integration.project_board]\nnumber = 3\nstatus_field = \"Stage\"\n",
        OWNER,
        ProjectOwner::Organization,
        &COLUMNS,
    );
    let out = s.sync(&[]);
    assert_exit(&out, 4, "a board that can't be found is a setup problem");
    let err = stderr(&out);
    assert!(err.contains("has no field named \"Stage\""), "{err}");
    assert!(err.contains("Status"), "the fields are listed: {err}");
}

#[test]
fn a_lost_answer_to_adding_a_card_finds_the_item_instead_of_failing() {
    let s = Setup::unsynced(
        "[github_integration.project_board]\nnumber = 3\n",
        OWNER,
        ProjectOwner::Organization,
        &COLUMNS,
    );
    // The first add is made, its answer lost: the retry is refused ("Content already
    // exists in this project") and the item is found in the list.
    s.emu.inject(
        github_emulator::Fault::write_then_drop()
            .on("POST", &format!("/orgs/{OWNER}/projectsV2/3/items"))
            .times(1),
    );
    s.sync_ok(&[]);
    assert_eq!(s.emu.pending_faults(), 0, "the fault was met");
    assert_eq!(s.emu.project_items(OWNER, 3).len(), 3, "no card twice");
    assert_eq!(s.card("TASK-001"), Some(Some("Todo".to_string())));
    s.emu.set_time(T1);
    s.assert_converged("after a lost answer");
}

#[test]
fn a_column_that_means_no_status_is_put_back_to_the_status_column() {
    let s = Setup::unsynced(
        "[github_integration.project_board]\nnumber = 3\n",
        OWNER,
        ProjectOwner::Organization,
        &["Todo", "In Progress", "Someday", "Done"],
    );
    s.sync_ok(&[]);
    s.emu.set_time(T1);
    s.move_card("TASK-002", "Someday");
    s.sync_ok(&[]);
    assert_eq!(s.status_line("TASK-002"), "status = \"🔵 In Progress\"");
    assert_eq!(s.card("TASK-002"), Some(Some("In Progress".to_string())));
    s.assert_converged("after a card moved to a column without a status");
}

#[test]
fn fetch_only_lists_a_moved_card_without_changing_anything() {
    let s = Setup::synced();
    s.move_card("TASK-001", "Done");
    s.emu.reset_log();
    let report = s.sync_ok(&["--fetch-only"]);
    assert_eq!(s.emu.write_count(), 0);
    let items = report["incoming"]["items"].as_array().expect("items");
    let task = items
        .iter()
        .find(|i| i["key"] == "demo/TASK-001")
        .expect("TASK-001 is listed");
    assert_eq!(
        task["changes"],
        json!([{"field": "column", "old": "Todo", "new": "Done"}]),
        "{task:#}"
    );
    assert_eq!(s.status_line("TASK-001"), "status = \"🟡 To Do\"");
}

#[test]
fn a_cleared_column_is_put_back_and_is_no_change_of_status() {
    let s = Setup::synced();
    let (owner, n) = &s.board;
    s.emu
        .set_project_status(owner, *n, OWNER, REPO, s.number("TASK-002"), None);
    assert_eq!(s.card("TASK-002"), Some(None));
    s.sync_ok(&[]);
    assert_eq!(s.card("TASK-002"), Some(Some("In Progress".to_string())));
    assert_eq!(s.status_line("TASK-002"), "status = \"🔵 In Progress\"");
    s.assert_converged("after a cleared column was put back");
}

#[test]
fn one_status_change_costs_the_five_reads_and_two_writes() {
    // docs/HOOKS.md: a 1-artifact status change on a small board is 7 requests.
    let s = Setup::synced();
    s.assert_converged("before the change");
    s.repo.edit(&s.file("TASK-001"), |t| {
        t.replace("status = \"🟡 To Do\"", "status = \"🔵 In Progress\"")
    });
    s.repo.commit_all("start TASK-001");
    s.emu.reset_log();
    s.sync_ok(&[]);
    let log = s.log();
    assert_eq!(log.len(), 7, "{log:#?}");
    assert_eq!(s.emu.read_count(), 5, "{log:#?}");
    assert_eq!(s.emu.write_count(), 2, "the issue and its card: {log:#?}");
}
