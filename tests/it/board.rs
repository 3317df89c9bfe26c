//! `board`: the kanban of a real plan in a real repository: columns in workflow order, cards,
//! filters, the terminal layout, the JSON, and the HTML page, escaped and self-contained,
//! rendered by a real browser (headless Chromium) at a desktop and at a phone's size.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

const P: &str = ".ruru/projects/demo";
const TODAY: (&str, &str) = ("INTELLIMANAGE_TODAY", "2025-05-10");
const TRICKY: &str = "Escape <script> & \"quotes\" in 'titles'";

/// The plan of `progress.rs`, and a card whose title needs escaping (highest priority,
/// two assignees, two tags) under FEAT-2.
fn plan() -> TestRepo {
    let repo = crate::progress::plan();
    repo.write(
        &format!("{P}/tasks/TASK-11_x.md"),
        &artifact(
            "TASK-11",
            TASK,
            "Escape <script> & \\\"quotes\\\" in 'titles'",
            "🟡 To Do",
            "feature_id = \"FEAT-2\"\npriority = \"🔥 Highest\"\nassigned_to = [\"bob\", \"ada\"]\ntags = [\"ui\", \"urgent\"]\n",
            "Body.\n",
        ),
    );
    repo.commit_all("one more");
    repo
}

fn board(repo: &TestRepo, args: &[&str]) -> std::process::Output {
    let mut all = vec!["board"];
    all.extend_from_slice(args);
    repo.im_env(&all, &[TODAY])
}

fn board_json(repo: &TestRepo, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = board(repo, &all);
    assert_exit(&out, 0, "board --json");
    parse_json(&out)
}

/// `(title, stage, [card IDs])` per column.
fn layout(v: &Value) -> Vec<(String, String, Vec<String>)> {
    v["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            (
                c["title"].as_str().expect("title").to_string(),
                c["stage"].as_str().expect("stage").to_string(),
                c["cards"]
                    .as_array()
                    .expect("cards")
                    .iter()
                    .map(|k| k["id"].as_str().expect("id").to_string())
                    .collect(),
            )
        })
        .collect()
}

fn col(title: &str, stage: &str, ids: &[&str]) -> (String, String, Vec<String>) {
    (
        title.to_string(),
        stage.to_string(),
        ids.iter().map(|s| s.to_string()).collect(),
    )
}

#[test]
fn columns_follow_the_workflow_and_cards_carry_their_facts() {
    let repo = plan();
    let v = board_json(&repo, &[]);
    assert_eq!(
        layout(&v),
        vec![
            col("Backlog", "backlog", &["TASK-6"]),
            // Highest priority first, then by ID.
            col("To Do", "todo", &["TASK-11", "TASK-3", "TASK-4", "TASK-8"]),
            col("In Progress", "in_progress", &["TASK-2"]),
            col("Review", "review", &["BUG-1"]),
            col("Blocked", "blocked", &["TASK-5"]),
            col("Waiting", "custom", &["TASK-9"]),
            col("Done", "done", &["TASK-1", "TASK-7"]),
        ]
    );
    let statuses: Vec<&str> = v["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        statuses,
        [
            "⚪\u{fe0f} Backlog",
            "🟡 To Do",
            "🔵 In Progress",
            "🟣 Review",
            "🚧 Blocked",
            "⏳ Waiting",
            "🟢 Done"
        ]
    );
    assert_eq!(
        v["columns"][2]["cards"][0],
        json!({
            "project": "demo",
            "id": "TASK-2",
            "title": "API",
            "type": "Task",
            "status": "🔵 In Progress",
            "priority": "High",
            "assignees": ["ada"],
            "tags": [],
            "epic": "EPIC-1",
            "feature": "FEAT-1",
            "due": "2025-05-09",
            "overdue": true,
            "blocked_by": [],
        })
    );
    assert_eq!(
        v["columns"][1]["cards"][0],
        json!({
            "project": "demo",
            "id": "TASK-11",
            "title": TRICKY,
            "type": "Task",
            "status": "🟡 To Do",
            "priority": "Highest",
            "assignees": ["bob", "ada"],
            "tags": ["ui", "urgent"],
            "epic": "EPIC-2",
            "feature": "FEAT-2",
            "due": null,
            "overdue": false,
            "blocked_by": [],
        })
    );
    let todo = &v["columns"][1]["cards"];
    assert_eq!(todo[2]["blocked_by"], json!(["TASK-2", "TASK-3"]));
    assert_eq!(todo[3]["blocked_by"], json!(["TASK-404"]));
    assert_eq!(todo[3]["epic"], Value::Null);
    // Archived work only on request, in a last column.
    let v = board_json(&repo, &["--archived"]);
    let last = layout(&v).pop().expect("a column");
    assert_eq!(last, col("Archived", "archived", &["TASK-10"]));
}

#[test]
fn filters_narrow_the_cards() {
    let repo = plan();
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = layout(&board_json(&repo, args))
            .into_iter()
            .flat_map(|(_, _, ids)| ids)
            .collect();
        all.sort();
        all
    };
    assert_eq!(
        ids(&["--epic", "EPIC-1"]),
        ["BUG-1", "TASK-1", "TASK-2", "TASK-3", "TASK-4"]
    );
    assert_eq!(
        ids(&["--epic", "epic-1", "--archived"]),
        ["BUG-1", "TASK-1", "TASK-10", "TASK-2", "TASK-3", "TASK-4"]
    );
    assert_eq!(
        ids(&["--feature", "FEAT-2"]),
        ["TASK-11", "TASK-5", "TASK-6", "TASK-7"]
    );
    assert_eq!(ids(&["--assignee", "ada"]), ["TASK-11", "TASK-2"]);
    assert_eq!(ids(&["--assignee", "@BOB"]), ["TASK-11"]);
    assert_eq!(ids(&["--tag", "ui"]), ["TASK-11"]);
    assert_eq!(ids(&["--tag", "ui", "--tag", "nope"]), Vec::<String>::new());
    assert_eq!(ids(&["--epic", "EPIC-1", "--assignee", "ada"]), ["TASK-2"]);
    assert_eq!(ids(&["--project", "demo"]).len(), 11);
    // The columns stay, empty.
    let v = board_json(&repo, &["--tag", "nope"]);
    assert_eq!(layout(&v).len(), 7);
    // Unknown names are refused.
    let out = board(&repo, &["--epic", "EPIC-9"]);
    assert_exit(&out, 3, "unknown epic");
    assert!(
        stderr(&out).contains("no Epic `EPIC-9` in the plan"),
        "{}",
        stderr(&out)
    );
    let out = board(&repo, &["--project", "nope"]);
    assert_exit(&out, 3, "unknown project");
    assert!(
        stderr(&out).contains("no project `nope`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_terminal_board_fits_the_width() {
    let repo = plan();
    let out = repo.im_env(&["board", "--feature", "FEAT-2"], &[TODAY]);
    assert_exit(&out, 0, "board");
    // Not a terminal, no COLUMNS: 100 columns; empty columns named at the end.
    let expected = "\
Backlog (1)              To Do (1)                Blocked (1)              Done (1)
-----------------------  -----------------------  -----------------------  -----------------------
TASK-6                   TASK-11 · Highest        TASK-5                   TASK-7
  Import                   Escape <script> &        Export                   Formats
                           \"quotes\" in 'titles'     waits on FEAT-1
                           @bob · @ada

empty: In Progress, Review, Waiting
";
    let text = stdout(&out);
    assert_eq!(text, expected, "\n{text}");
    for width in ["40", "60", "100", "160"] {
        let out = repo.im_env(&["board"], &[TODAY, ("COLUMNS", width)]);
        assert_exit(&out, 0, "board");
        let w: usize = width.parse().expect("width");
        for line in stdout(&out).lines() {
            assert!(line.chars().count() <= w, "COLUMNS={width}: {line:?}");
        }
        assert!(stdout(&out).contains("TASK-11"), "{}", stdout(&out));
    }
    let out = board(&repo, &["--tag", "nope"]);
    assert_eq!(stdout(&out), "no work items match\n");
}

fn write_page(repo: &TestRepo, rel: &str, args: &[&str]) -> PathBuf {
    let mut all = vec!["--html", rel];
    all.extend_from_slice(args);
    let out = board(repo, &all);
    assert_exit(&out, 0, "board --html");
    let path = repo.file(rel);
    assert!(
        stdout(&out).starts_with(&format!("wrote {}", path.display())),
        "{}",
        stdout(&out)
    );
    path
}

#[test]
fn the_html_page_is_escaped_and_self_contained() {
    let repo = plan();
    let path = write_page(&repo, "out/board.html", &[]);
    let html = std::fs::read_to_string(&path).expect("page");
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.trim_end().ends_with("</html>"));
    // Nothing from the network, nothing to run.
    for banned in [
        "<script",
        "http://",
        "https://",
        "url(",
        "@import",
        "@font-face",
        "<link",
        "<img",
    ] {
        assert!(!html.contains(banned), "the page has {banned}");
    }
    // The tricky title, escaped (text and attributes), never raw.
    assert!(
        html.contains("Escape &lt;script&gt; &amp; &quot;quotes&quot; in &#39;titles&#39;"),
        "{html}"
    );
    assert!(!html.contains(TRICKY));
    // A column per status, a card per work item, a bar per Epic.
    for status in [
        "⚪\u{fe0f} Backlog",
        "🟡 To Do",
        "🔵 In Progress",
        "🟣 Review",
        "🚧 Blocked",
        "⏳ Waiting",
        "🟢 Done",
    ] {
        assert!(
            html.contains(&format!("data-status=\"{status}\"")),
            "{status}"
        );
    }
    assert_eq!(html.matches("<article class=\"card").count(), 11);
    assert!(html.contains("<article class=\"card p-highest\" data-id=\"TASK-11\">"));
    assert!(html.contains(
        "<span class=\"badge overdue\">overdue <span class=\"nb\">2025-05-09</span></span>"
    ));
    assert!(html.contains("<span class=\"badge waits\">waits on TASK-2, TASK-3</span>"));
    assert!(html.contains("<span class=\"who\">@bob</span><span class=\"who\">@ada</span>"));
    assert!(html.contains("aria-valuenow=\"33\""), "EPIC-1: 2/6");
    assert!(html.contains("<span class=\"id\">EPIC-1</span>Release 1"));
    assert!(html.contains("2/6 done · 33%"));
    assert!(html.contains("@media (max-width: 700px)"));
    assert!(html.contains("<title>demo — board</title>"));
    // Written atomically: nothing else left in the folder.
    let names: Vec<String> = std::fs::read_dir(repo.file("out"))
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["board.html"]);
    // Filters apply to the page too; the Epic's bar stays.
    let path = write_page(&repo, "out/epic.html", &["--epic", "EPIC-2"]);
    let html = std::fs::read_to_string(&path).expect("page");
    assert_eq!(html.matches("<article class=\"card").count(), 4);
    assert!(html.contains("<span class=\"id\">EPIC-2</span>Later"));
    assert!(!html.contains("<span class=\"id\">EPIC-1</span>"));
    assert!(html.contains("Epic EPIC-2"));
}

// ----- a real browser -----

const CHROMIUM: &str = "/usr/bin/chromium";

/// Whether the browser test runs: Chromium is there, or it must be
/// (`INTELLIMANAGE_REQUIRE_CHROMIUM=1`, set by tests/run.sh, makes its absence a failure).
fn chromium() -> Option<&'static str> {
    if Path::new(CHROMIUM).exists() {
        return Some(CHROMIUM);
    }
    if std::env::var("INTELLIMANAGE_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1") {
        panic!(
            "{CHROMIUM} is missing and INTELLIMANAGE_REQUIRE_CHROMIUM=1 (apt-get install chromium)"
        );
    }
    eprintln!("skipping the browser test: {CHROMIUM} is missing (apt-get install chromium)");
    None
}

/// Runs headless Chromium on `page` with `args` (a window of `size`), returning stdout.
fn run_chromium(repo: &TestRepo, size: &str, args: &[String], page: &Path) -> String {
    let profile = tempfile::tempdir().expect("profile");
    let mut cmd = repo.command(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg(format!("--window-size={size}"))
    .args(args)
    .arg(format!("file://{}", page.display()))
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start chromium");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("chromium").is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium took more than 120 s on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("chromium output");
    assert!(
        out.status.success(),
        "chromium failed on {}: {}",
        page.display(),
        stderr(&out)
    );
    stdout(&out)
}

/// Screenshots `page` at `size`; returns the PNG's bytes (checked to be a PNG).
fn screenshot(repo: &TestRepo, size: &str, page: &Path, png: &Path) -> Vec<u8> {
    run_chromium(
        repo,
        size,
        &[format!("--screenshot={}", png.display())],
        page,
    );
    let bytes = std::fs::read(png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        png.display()
    );
    // The IHDR chunk: width and height.
    let dim =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let (w, h) = (dim(16), dim(20));
    let (ew, eh) = size.split_once(',').expect("size");
    assert_eq!(
        (w.to_string(), h.to_string()),
        (ew.to_string(), eh.to_string()),
        "{} is {w}x{h}",
        png.display()
    );
    bytes
}

/// A page that shows `page` in a frame of `width`×`height` CSS pixels and notes where each
/// of its columns landed (a script for the test only: the board's page has none).
fn layout_probe(page: &Path, probe: &Path, width: u32, height: u32) {
    let html = std::fs::read_to_string(page).expect("page");
    let srcdoc = html.replace('&', "&amp;").replace('"', "&quot;");
    let probe_html = format!(
        "<!DOCTYPE html><html><body style=\"margin:0\">\
<iframe id=\"f\" style=\"border:0;width:{width}px;height:{height}px\" srcdoc=\"{srcdoc}\"></iframe>\
<script>\
const f = document.getElementById('f');\
f.addEventListener('load', () => {{\
  const d = f.contentDocument;\
  const cols = [...d.querySelectorAll('section.column')].map(c => c.getBoundingClientRect());\
  document.body.setAttribute('data-lefts', cols.map(r => Math.round(r.left)).join(','));\
  document.body.setAttribute('data-tops', cols.map(r => Math.round(r.top)).join(','));\
  document.body.setAttribute('data-page-width', d.documentElement.scrollWidth);\
}});\
</script></body></html>"
    );
    std::fs::write(probe, probe_html).expect("probe");
}

/// Chromium's arguments to print the DOM once the page (and its frames) has loaded.
fn dump_dom() -> Vec<String> {
    vec![
        "--virtual-time-budget=5000".to_string(),
        "--dump-dom".to_string(),
    ]
}

fn numbers(dom: &str, attribute: &str) -> Vec<i64> {
    let start = dom
        .find(&format!("{attribute}=\""))
        .unwrap_or_else(|| panic!("no {attribute} in the DOM"))
        + attribute.len()
        + 2;
    let end = start + dom[start..].find('"').expect("closing quote");
    dom[start..end]
        .split(',')
        .map(|n| n.parse().expect("a number"))
        .collect()
}

#[test]
fn a_real_browser_renders_the_board_on_a_desktop_and_a_phone() {
    let Some(_) = chromium() else { return };
    let repo = plan();
    let page = write_page(&repo, "out/board.html", &[]);
    let dir = repo.file("out");

    // The DOM as the browser parsed it: the columns, the cards, the escaped title as text.
    let dom = run_chromium(&repo, "1280,900", &dump_dom(), &page);
    assert_eq!(dom.matches("<section class=\"column").count(), 7, "{dom}");
    assert_eq!(dom.matches("<article class=\"card").count(), 11, "{dom}");
    for id in ["TASK-11", "TASK-2", "BUG-1", "TASK-9"] {
        assert!(dom.contains(&format!("data-id=\"{id}\"")), "{id}");
    }
    assert!(
        dom.contains("Escape &lt;script&gt; &amp; \"quotes\" in 'titles'"),
        "the title is text, not markup"
    );
    assert!(!dom.contains("<script"), "no script in the page");

    // Where the columns land: side by side on a desktop, stacked on a phone, never wider
    // than the phone's screen.
    let probe = dir.join("desktop-probe.html");
    layout_probe(&page, &probe, 1280, 900);
    let desktop = run_chromium(&repo, "1400,1000", &dump_dom(), &probe);
    let lefts = numbers(&desktop, "data-lefts");
    assert_eq!(lefts.len(), 7);
    assert!(
        lefts.windows(2).all(|w| w[0] < w[1]),
        "side by side: {lefts:?}"
    );
    assert!(
        numbers(&desktop, "data-page-width")[0] <= 1280,
        "no sideways scroll"
    );
    let probe = dir.join("phone-probe.html");
    layout_probe(&page, &probe, 390, 844);
    let phone = run_chromium(&repo, "1400,1000", &dump_dom(), &probe);
    let lefts = numbers(&phone, "data-lefts");
    let tops = numbers(&phone, "data-tops");
    assert_eq!(
        (lefts.len(), tops.len()),
        (7, 7),
        "every column on the phone too"
    );
    assert!(lefts.iter().all(|l| *l == lefts[0]), "stacked: {lefts:?}");
    assert!(
        tops.windows(2).all(|w| w[0] < w[1]),
        "one under the other: {tops:?}"
    );
    assert!(
        numbers(&phone, "data-page-width")[0] <= 390,
        "fits the phone"
    );

    // Screenshots: real PNGs of the right size, with far more in them than a blank page's.
    let blank = dir.join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><html><body></body></html>").expect("blank");
    for (size, name) in [("1280,900", "desktop"), ("390,844", "phone")] {
        let shot = screenshot(&repo, size, &page, &dir.join(format!("{name}.png")));
        let empty = screenshot(&repo, size, &blank, &dir.join(format!("{name}-blank.png")));
        assert!(
            shot.len() > 20_000 && shot.len() > 4 * empty.len(),
            "{name}: the board's screenshot is {} bytes, a blank page's {}",
            shot.len(),
            empty.len()
        );
        // `INTELLIMANAGE_UPDATE_SCREENSHOT=1` refreshes the README's picture.
        if name == "desktop"
            && std::env::var("INTELLIMANAGE_UPDATE_SCREENSHOT").is_ok_and(|v| v == "1")
        {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/board.png");
            std::fs::write(&docs, &shot).expect("docs/board.png");
        }
    }
}
