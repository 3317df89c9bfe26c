//! The board as one self-contained HTML page: inline CSS, no scripts, no external assets,
//! no web fonts. Progress bars per project and Epic, then the columns and their cards,
//! coloured by status and priority; on a narrow screen (a phone) the columns stack. Every
//! text taken from the plan is escaped.

use std::fmt::Write as _;

use super::{Board, Card, Column};
use crate::artifact::vocab::Priority;
use crate::artifact::workflow::Stage;
use crate::progress::{Counts, GroupProgress, Report};

/// What the page shows besides the board.
pub struct Page<'a> {
    /// The page's title (`"demo — board"`).
    pub title: &'a str,
    /// One line under the title: where the plan was read, the filters.
    pub subtitle: &'a str,
    pub board: &'a Board,
    /// Progress per project and Epic (its `today` is the page's date).
    pub progress: Option<&'a Report>,
}

/// Escapes text for HTML content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn stage_class(stage: Stage) -> &'static str {
    match stage {
        Stage::Backlog => "backlog",
        Stage::Todo => "todo",
        Stage::InProgress => "in-progress",
        Stage::Review => "review",
        Stage::Blocked => "blocked",
        Stage::Custom => "custom",
        Stage::Unknown => "unknown",
        Stage::Done => "done",
        Stage::Archived => "archived",
    }
}

fn priority_class(p: Option<Priority>) -> &'static str {
    match p {
        Some(Priority::Highest) => "p-highest",
        Some(Priority::High) => "p-high",
        Some(Priority::Medium) => "p-medium",
        Some(Priority::Low) => "p-low",
        Some(Priority::Lowest) => "p-lowest",
        None => "p-none",
    }
}

const STYLE: &str = r#"
:root {
  --bg: #f4f5f7; --fg: #172b4d; --muted: #5e6c84; --card: #ffffff; --line: #dfe1e6;
  --backlog: #8993a4; --todo: #e2b203; --in-progress: #0c66e4; --review: #8f7ee7;
  --blocked: #e34935; --custom: #1d7f8c; --unknown: #626f86; --done: #22a06b; --archived: #8590a2;
  --p-highest: #ae2e24; --p-high: #e56910; --p-medium: #cf9f02; --p-low: #1d7afc; --p-lowest: #8590a2; --p-none: #c1c7d0;
}
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 24px 32px; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0 0 16px; color: var(--muted); }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; margin: 0 0 10px; color: var(--muted); }
.progress { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-bottom: 18px; }
.group { display: grid; grid-template-columns: minmax(0, 34%) minmax(60px, 1fr) 8.5em; gap: 2px 14px; align-items: center; padding: 5px 0; }
.group.feature .name { padding-left: 18px; font-size: 13px; }
.group.project { font-weight: 600; border-bottom: 1px solid var(--line); padding-bottom: 8px; margin-bottom: 2px; }
.group .name { min-width: 0; }
.group .name .label { display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.group .flags { display: block; font-size: 12px; color: var(--muted); font-weight: 400; }
.group .flags .warn { color: var(--blocked); font-weight: 600; }
.group .id { color: var(--muted); font-size: 12px; margin-right: 6px; font-weight: 600; }
.bar { height: 10px; border-radius: 5px; background: #ebecf0; overflow: hidden; }
.bar .fill { height: 100%; background: var(--done); border-radius: 5px; }
.figures { font-variant-numeric: tabular-nums; white-space: nowrap; color: var(--muted); font-size: 12px; text-align: right; }
.board { display: grid; grid-auto-flow: column; grid-auto-columns: minmax(150px, 1fr); gap: 12px; align-items: start; overflow-x: auto; }
.column { background: #ebecf0; border-radius: 8px; padding: 10px; border-top: 4px solid var(--stage); min-width: 0; }
.column h2 { display: flex; justify-content: space-between; align-items: center; color: var(--fg); }
.column h2 .count { background: var(--stage); color: #fff; border-radius: 10px; padding: 0 8px; font-size: 12px; }
.stage-backlog { --stage: var(--backlog); } .stage-todo { --stage: var(--todo); }
.stage-in-progress { --stage: var(--in-progress); } .stage-review { --stage: var(--review); }
.stage-blocked { --stage: var(--blocked); } .stage-custom { --stage: var(--custom); }
.stage-unknown { --stage: var(--unknown); } .stage-done { --stage: var(--done); } .stage-archived { --stage: var(--archived); }
.card { background: var(--card); border-radius: 6px; padding: 8px 10px; margin: 0 0 8px; box-shadow: 0 1px 1px rgba(9,30,66,.2);
  border-left: 4px solid var(--prio); overflow-wrap: anywhere; }
.p-highest { --prio: var(--p-highest); } .p-high { --prio: var(--p-high); } .p-medium { --prio: var(--p-medium); }
.p-low { --prio: var(--p-low); } .p-lowest { --prio: var(--p-lowest); } .p-none { --prio: var(--p-none); }
.card .top { display: flex; flex-wrap: wrap; gap: 0 8px; font-size: 12px; color: var(--muted); }
.card .top > span { white-space: nowrap; }
.card .top .prio { margin-left: auto; }
.card .top .id { font-weight: 700; }
.card .prio { color: var(--prio); font-weight: 700; }
.card .title { margin: 4px 0; font-weight: 500; }
.card .meta { display: flex; flex-wrap: wrap; gap: 4px 8px; font-size: 12px; color: var(--muted); }
.badge { border-radius: 4px; padding: 0 5px; font-weight: 600; }
.nb { white-space: nowrap; }
.badge.overdue { background: #ffeceb; color: #ae2e24; }
.badge.waits { background: #fff3d6; color: #7f5f01; }
.tag { background: #e9f2ff; color: #0055cc; border-radius: 4px; padding: 0 5px; }
.stage-done .card .title { color: var(--muted); text-decoration: line-through; }
.empty { color: var(--muted); font-style: italic; margin: 4px 0; }
footer { margin-top: 24px; color: var(--muted); font-size: 12px; }
@media (max-width: 700px) {
  body { padding: 12px; }
  .board { grid-auto-flow: row; grid-template-columns: 1fr; overflow-x: visible; }
  .group { grid-template-columns: minmax(0, 1fr) auto; }
  .group .bar { grid-column: 1 / -1; grid-row: 2; }
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #1d2125; --fg: #dee4ea; --muted: #9fadbc; --card: #22272b; --line: #38414a; }
  .column { background: #161a1d; } .bar { background: #38414a; }
  .tag { background: #1c2b41; color: #85b8ff; }
}
"#;

/// Renders the page.
pub fn render(page: &Page<'_>) -> String {
    let many_projects = {
        let mut projects = page
            .board
            .columns
            .iter()
            .flat_map(|c| c.cards.iter().map(|k| k.project.as_str()));
        let first = projects.next();
        projects.any(|p| Some(p) != first)
    };
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(h, "<title>{}</title>", escape(page.title));
    let _ = writeln!(h, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(
        h,
        "<header>\n<h1>{}</h1>\n<p>{}</p>\n</header>",
        escape(page.title),
        escape(page.subtitle)
    );
    if let Some(report) = page.progress {
        progress_section(&mut h, report);
    }
    h.push_str("<main class=\"board\">\n");
    for column in &page.board.columns {
        column_section(&mut h, column, many_projects);
    }
    h.push_str("</main>\n");
    let _ = writeln!(
        h,
        "<footer>{} work items · made by git intellimanage board</footer>\n</body>\n</html>",
        page.board.cards()
    );
    h
}

/// The flags under a row's name: overdue and blocked work, then `note` (already HTML).
fn flags(c: &Counts, note: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    if c.overdue > 0 {
        parts.push(format!("<span class=\"warn\">{} overdue</span>", c.overdue));
    }
    if c.blocked > 0 {
        parts.push(format!("<span class=\"warn\">{} blocked</span>", c.blocked));
    }
    if !note.is_empty() {
        parts.push(note.to_string());
    }
    if parts.is_empty() {
        return String::new();
    }
    format!("<span class=\"flags\">{}</span>", parts.join(" · "))
}

fn bar_row(h: &mut String, class: &str, id: Option<&str>, name: &str, c: &Counts, note: &str) {
    let id = id
        .map(|i| format!("<span class=\"id\">{}</span>", escape(i)))
        .unwrap_or_default();
    let _ = writeln!(
        h,
        "<div class=\"group {class}\"><div class=\"name\"><span class=\"label\" title=\"{t}\">{id}{t}</span>{fl}</div>\
<div class=\"bar\" role=\"progressbar\" aria-valuemin=\"0\" aria-valuemax=\"100\" aria-valuenow=\"{p}\">\
<div class=\"fill\" style=\"width:{p}%\"></div></div>\
<div class=\"figures\">{d}/{n} done · {p}%</div></div>",
        t = escape(name),
        p = c.percent.min(100),
        d = c.done,
        n = c.total,
        fl = flags(c, note),
    );
}

fn progress_section(h: &mut String, report: &Report) {
    h.push_str("<section class=\"progress\" aria-label=\"Progress\">\n<h2>Progress</h2>\n");
    for project in &report.projects {
        bar_row(h, "project", None, &project.project, &project.counts, "");
        let epic_row = |h: &mut String, g: &GroupProgress, class: &str| {
            let note = match (&g.date, g.overdue) {
                (Some(d), true) => {
                    format!("<span class=\"warn\">target {} passed</span>", escape(d))
                }
                (Some(d), false) => format!("target {}", escape(d)),
                (None, _) => String::new(),
            };
            bar_row(h, class, Some(&g.id), &g.title, &g.counts, &note);
        };
        for e in &project.epics {
            epic_row(h, e, "epic");
            for f in &e.features {
                epic_row(h, f, "feature");
            }
        }
        for f in &project.features {
            epic_row(h, f, "epic");
        }
        if project.outside_epics.total > 0 && !project.epics.is_empty() {
            bar_row(h, "epic", None, "(no Epic)", &project.outside_epics, "");
        }
    }
    h.push_str("</section>\n");
}

fn column_section(h: &mut String, column: &Column, many_projects: bool) {
    let _ = writeln!(
        h,
        "<section class=\"column stage-{}\" data-status=\"{}\">\n<h2><span>{}</span><span class=\"count\">{}</span></h2>",
        stage_class(column.stage),
        escape(&column.status),
        escape(&column.title),
        column.cards.len()
    );
    if column.cards.is_empty() {
        h.push_str("<p class=\"empty\">nothing here</p>\n");
    }
    for card in &column.cards {
        card_article(h, card, many_projects);
    }
    h.push_str("</section>\n");
}

fn card_article(h: &mut String, card: &Card, many_projects: bool) {
    let id = if many_projects {
        format!("{}/{}", card.project, card.id)
    } else {
        card.id.clone()
    };
    let prio = card
        .priority
        .map(|p| format!("<span class=\"prio\">{}</span>", p.word()))
        .unwrap_or_default();
    let _ = writeln!(
        h,
        "<article class=\"card {}\" data-id=\"{}\">\n<div class=\"top\"><span class=\"id\">{}</span><span>{}</span>{prio}</div>\n<p class=\"title\">{}</p>",
        priority_class(card.priority),
        escape(&id),
        escape(&id),
        escape(&card.type_name),
        escape(&card.title)
    );
    let mut meta = String::new();
    for who in &card.assignees {
        let _ = write!(
            meta,
            "<span class=\"who\">@{}</span>",
            escape(who.trim_start_matches('@'))
        );
    }
    if let Some(due) = &card.due {
        if card.overdue {
            let _ = write!(
                meta,
                "<span class=\"badge overdue\">overdue <span class=\"nb\">{}</span></span>",
                escape(due)
            );
        } else {
            let _ = write!(
                meta,
                "<span class=\"due\">due <span class=\"nb\">{}</span></span>",
                escape(due)
            );
        }
    }
    if !card.blocked_by.is_empty() {
        let _ = write!(
            meta,
            "<span class=\"badge waits\">waits on {}</span>",
            escape(&card.blocked_by.join(", "))
        );
    }
    for tag in &card.tags {
        let _ = write!(meta, "<span class=\"tag\">{}</span>", escape(tag));
    }
    if !meta.is_empty() {
        let _ = writeln!(h, "<div class=\"meta\">{meta}</div>");
    }
    h.push_str("</article>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape(r#"<b>"Tom" & 'Jerry'</b>"#),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn the_page_is_self_contained() {
        let board = Board {
            columns: vec![Column {
                status: "🟡 To Do".into(),
                stage: Stage::Todo,
                title: "To Do".into(),
                cards: vec![Card {
                    project: "p".into(),
                    id: "T-1".into(),
                    title: "<script>alert(1)</script>".into(),
                    type_name: "Task".into(),
                    status: "🟡 To Do".into(),
                    priority: Some(Priority::High),
                    assignees: vec!["ada".into()],
                    tags: vec!["a&b".into()],
                    epic: None,
                    feature: None,
                    due: None,
                    overdue: false,
                    blocked_by: Vec::new(),
                }],
            }],
        };
        let html = render(&Page {
            title: "p — board",
            subtitle: "HEAD",
            board: &board,
            progress: None,
        });
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("a&amp;b"));
        for external in ["http://", "https://", "@import", "url("] {
            assert!(!html.contains(external), "{external}");
        }
    }
}
