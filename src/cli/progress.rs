//! `progress`: done/total work items per project, Epic and Feature, the count per status,
//! what is overdue and what waits on unfinished dependencies; offline (the plan only).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;

use git_intellimanage::artifact::vocab;
use git_intellimanage::board::{display_width, pad, truncate};
use git_intellimanage::output::Painter;
use git_intellimanage::progress::{self, Counts, GroupProgress, Report};
use git_intellimanage::snapshot::Snapshot;

use super::common::{CliError, CliResult, Context, SourceArgs, exit, print_json};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Epic or Feature IDs, or milestone titles (quoted); none: every project.
    targets: Vec<String>,
    #[command(flatten)]
    source: SourceArgs,
    /// Print JSON: `{ today, targets, totals, projects: [{ project, counts, epics, features,
    /// outside_epics }], overdue, blocked }`.
    #[arg(long)]
    json: bool,
}

/// Today's date: `INTELLIMANAGE_TODAY=YYYY-MM-DD` when set (tests), else the date in UTC.
pub(super) fn today() -> Result<jiff::civil::Date, CliError> {
    match std::env::var("INTELLIMANAGE_TODAY") {
        Ok(s) if !s.trim().is_empty() => vocab::parse_date(s.trim()).ok_or_else(|| {
            CliError::new(
                exit::USAGE,
                format!("INTELLIMANAGE_TODAY=`{s}` is not a date"),
            )
            .hint("write it as YYYY-MM-DD, or unset it to use today's date")
        }),
        _ => Ok(jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()),
    }
}

/// The width to lay text out in: `COLUMNS` when set, else the terminal's width when stdout
/// is a terminal, else 100.
pub(super) fn width() -> usize {
    const FALLBACK: usize = 100;
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|n| *n >= 20)
    {
        return n;
    }
    if !std::io::stdout().is_terminal() {
        return FALLBACK;
    }
    // `stty size` on the controlling terminal: "rows cols".
    std::fs::File::open("/dev/tty")
        .ok()
        .and_then(|tty| {
            std::process::Command::new("stty")
                .arg("size")
                .stdin(tty)
                .stderr(std::process::Stdio::null())
                .output()
                .ok()
        })
        .and_then(|out| {
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .nth(1)
                .and_then(|c| c.parse::<usize>().ok())
        })
        .filter(|n| *n >= 20)
        .unwrap_or(FALLBACK)
}

/// The custom statuses per project.
pub(super) fn custom_statuses(snap: &Snapshot) -> BTreeMap<String, Vec<String>> {
    snap.configs
        .iter()
        .map(|(slug, c)| (slug.clone(), c.custom_statuses.clone()))
        .collect()
}

/// Computes the report of `targets` from a loaded plan.
pub(super) fn compute(
    snap: &Snapshot,
    targets: &[String],
    today: jiff::civil::Date,
) -> Result<Report, CliError> {
    let custom = custom_statuses(snap);
    let projects = snap.projects();
    progress::report(
        &progress::Input {
            artifacts: &snap.artifacts,
            custom_statuses: &custom,
            projects: &projects,
            today,
        },
        targets,
    )
    .map_err(CliError::from)
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    let repo = ctx.repo()?;
    let today = today()?;
    let snap = args.source.load(&repo)?;
    ctx.warn_problems(&snap.problems);
    let report = compute(&snap, &args.targets, today)?;
    if args.json {
        print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    let tty = std::io::stdout().is_terminal();
    print!(
        "{}",
        render_text(&report, &snap.origin.describe(), width(), tty, &ctx.out())
    );
    Ok(ExitCode::SUCCESS)
}

/// The bar of `c`: unicode blocks (eighths) on a terminal, `[###---]` otherwise; `width`
/// cells either way.
fn bar(c: &Counts, width: usize, unicode: bool, p: &Painter) -> String {
    if unicode {
        let eighths = (c.done * width * 8).checked_div(c.total).unwrap_or(0);
        let (full, rest) = (eighths / 8, eighths % 8);
        let mut filled = "█".repeat(full);
        if rest > 0 {
            filled.push(['▏', '▎', '▍', '▌', '▋', '▊', '▉'][rest - 1]);
        }
        let used = full + usize::from(rest > 0);
        format!(
            "{}{}",
            p.green(&filled),
            p.dim(&"░".repeat(width.saturating_sub(used)))
        )
    } else {
        let inner = width.saturating_sub(2);
        let full = (c.done * inner).checked_div(c.total).unwrap_or(0);
        format!("[{}{}]", "#".repeat(full), "-".repeat(inner - full))
    }
}

/// The report as text, `width` columns wide.
pub fn render_text(report: &Report, origin: &str, width: usize, tty: bool, p: &Painter) -> String {
    let mut out = String::new();
    let scope = if report.targets.is_empty() {
        String::new()
    } else {
        format!(" of {}", report.targets.join(", "))
    };
    out.push_str(&p.bold(&format!(
        "Progress{scope} on {} (plan at {origin})",
        report.today
    )));
    out.push_str("\n\n");
    if report.projects.is_empty() {
        out.push_str("no IntelliManage projects found under .ruru/projects\n");
        return out;
    }
    let many = report.projects.len() > 1;
    // Rows: (indent + label, counts, note).
    struct Row<'r> {
        label: String,
        counts: &'r Counts,
        note: String,
        /// Its own target date has passed.
        late: bool,
        project: bool,
    }
    fn group_row<'r>(indent: &str, g: &'r GroupProgress) -> Row<'r> {
        Row {
            label: format!("{indent}{} {}", g.id, g.title),
            counts: &g.counts,
            note: match &g.date {
                Some(d) if g.overdue => format!("target {d} passed"),
                Some(d) => format!("target {d}"),
                None => String::new(),
            },
            late: g.overdue,
            project: false,
        }
    }
    let mut blocks: Vec<(Vec<Row>, Vec<String>)> = Vec::new();
    for project in &report.projects {
        let mut rows = vec![Row {
            label: project.project.clone(),
            counts: &project.counts,
            note: String::new(),
            late: false,
            project: true,
        }];
        for e in &project.epics {
            rows.push(group_row("  ", e));
            rows.extend(e.features.iter().map(|f| group_row("    ", f)));
        }
        rows.extend(project.features.iter().map(|f| group_row("  ", f)));
        if project.outside_epics.total > 0 && !project.epics.is_empty() {
            rows.push(Row {
                label: "  (no Epic)".to_string(),
                counts: &project.outside_epics,
                note: String::new(),
                late: false,
                project: false,
            });
        }
        let statuses: Vec<String> = project
            .counts
            .by_status
            .iter()
            .map(|s| format!("{} {}", vocab::display_word(&s.status), s.count))
            .collect();
        blocks.push((rows, statuses));
    }
    const FIGURES: usize = 12; // "    3/8  37%"
    const NOTE_ROOM: usize = 48;
    let longest = blocks
        .iter()
        .flat_map(|(rows, _)| rows.iter().map(|r| display_width(&r.label)))
        .max()
        .unwrap_or(0);
    let label_w = longest.min(width * 2 / 5).max(12);
    let bar_w = width
        .saturating_sub(label_w + 2 + 2 + FIGURES + 2 + NOTE_ROOM)
        .clamp(12, 30);
    for (rows, statuses) in &blocks {
        for r in rows {
            let label = pad(&r.label, label_w);
            let figures = format!(
                "{:>7} {:>3}%",
                format!("{}/{}", r.counts.done, r.counts.total),
                r.counts.percent
            );
            let mut flags: Vec<String> = Vec::new();
            if r.counts.overdue > 0 {
                flags.push(format!("{} overdue", r.counts.overdue));
            }
            if r.counts.blocked > 0 {
                flags.push(format!("{} blocked", r.counts.blocked));
            }
            if !r.note.is_empty() {
                flags.push(r.note.clone());
            }
            let room = width.saturating_sub(label_w + 2 + bar_w + 2 + FIGURES + 2);
            let note = truncate(&flags.join(" · "), room);
            let label = if r.project { p.bold(&label) } else { label };
            let note = if r.counts.overdue > 0 || r.counts.blocked > 0 || r.late {
                p.yellow(&note)
            } else {
                p.dim(&note)
            };
            let line = format!(
                "{label}  {}  {figures}  {note}",
                bar(r.counts, bar_w, tty, p)
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
        // The counts per status, on as many lines as they need.
        let mut line = String::new();
        for s in statuses {
            if !line.is_empty() && display_width(&line) + 3 + display_width(s) > width {
                out.push_str(&p.dim(&truncate(&line, width)));
                out.push('\n');
                line.clear();
            }
            if line.is_empty() {
                line.push_str("  ");
            } else {
                line.push_str(" · ");
            }
            line.push_str(s);
        }
        if !line.is_empty() {
            out.push_str(&p.dim(&truncate(&line, width)));
            out.push('\n');
        }
        out.push('\n');
    }
    let id = |project: &str, id: &str| {
        if many {
            format!("{project}/{id}")
        } else {
            id.to_string()
        }
    };
    if !report.overdue.is_empty() {
        out.push_str(&p.red("Overdue:"));
        out.push('\n');
        for o in &report.overdue {
            let days = if o.days_late == 1 {
                "1 day late".to_string()
            } else {
                format!("{} days late", o.days_late)
            };
            let line = format!(
                "  {}  {}  {} {} ({days}, {})",
                id(&o.project, &o.id),
                o.title,
                o.date_key.key(),
                o.date,
                vocab::display_word(&o.status)
            );
            out.push_str(&truncate(&line, width));
            out.push('\n');
        }
        out.push('\n');
    }
    if !report.blocked.is_empty() {
        out.push_str(&p.yellow("Blocked by dependencies:"));
        out.push('\n');
        for b in &report.blocked {
            let mut why = Vec::new();
            if !b.waiting_on.is_empty() {
                why.push(format!("waits on {}", b.waiting_on.join(", ")));
            }
            if !b.unknown.is_empty() {
                why.push(format!("depends on unknown {}", b.unknown.join(", ")));
            }
            let line = format!(
                "  {}  {}  {}",
                id(&b.project, &b.id),
                b.title,
                why.join("; ")
            );
            out.push_str(&truncate(&line, width));
            out.push('\n');
        }
        out.push('\n');
    }
    let t = &report.totals;
    out.push_str(&format!(
        "Total: {}/{} work items done ({}%), {} overdue, {} blocked\n",
        t.done, t.total, t.percent, t.overdue, t.blocked
    ));
    out
}
