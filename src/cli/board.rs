//! `board`: the plan as a kanban, on the terminal (fitted to its width), as JSON, or as one
//! self-contained HTML page (`--html FILE`, written atomically).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use git_intellimanage::artifact::workflow::Stage;
use git_intellimanage::board::{
    self, Board, Card, Column, Filter, display_width, html, pad, truncate,
};
use git_intellimanage::output::Painter;

use super::common::{CliError, CliResult, Context, SourceArgs, exit, print_json};
use super::progress::{compute, custom_statuses, today, width};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: SourceArgs,
    /// Only this project (slug, the directory under .ruru/projects).
    #[arg(long, short)]
    project: Option<String>,
    /// Only the work beneath this Epic (ID).
    #[arg(long, value_name = "ID")]
    epic: Option<String>,
    /// Only the work beneath this Feature (ID).
    #[arg(long, value_name = "ID")]
    feature: Option<String>,
    /// Only items assigned to this person (`assigned_to`).
    #[arg(long, value_name = "NAME")]
    assignee: Option<String>,
    /// Only items carrying this tag (repeatable: all must be present).
    #[arg(long)]
    tag: Vec<String>,
    /// Add an Archived column (Archived/Closed items and those under archive/).
    #[arg(long)]
    archived: bool,
    /// Write the board as one self-contained HTML page to FILE (columns, cards, progress per Epic).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Print JSON: `{ "columns": [{ status, stage, title, cards: [...] }] }`.
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    let repo = ctx.repo()?;
    let today = today()?;
    let snap = args.source.load(&repo)?;
    ctx.warn_problems(&snap.problems);
    let custom = custom_statuses(&snap);
    let filter = Filter {
        project: args.project.clone(),
        epic: args.epic.clone(),
        feature: args.feature.clone(),
        assignee: args.assignee.clone(),
        tags: args.tag.clone(),
        archived: args.archived,
    };
    if let Some(p) = &filter.project
        && !snap.projects().contains(p)
    {
        return Err(CliError::new(
            exit::REPO,
            format!(
                "no project `{p}` in {} (projects: {})",
                snap.origin.describe(),
                snap.projects().join(", ")
            ),
        )
        .hint("name a project by its directory under .ruru/projects"));
    }
    let b = board::board(
        &board::Input {
            artifacts: &snap.artifacts,
            custom_statuses: &custom,
            today,
        },
        &filter,
    )
    .map_err(|e| CliError::new(exit::REPO, e.to_string()).hint(e.hint()))?;

    if let Some(path) = &args.html {
        let path = ctx.cwd.join(path);
        let targets: Vec<String> = filter
            .epic
            .iter()
            .chain(filter.feature.iter())
            .cloned()
            .collect();
        let mut report = compute(&snap, &targets, today)?;
        if let Some(p) = &filter.project {
            report.projects.retain(|x| &x.project == p);
        }
        let title = match (&filter.project, snap.projects().as_slice()) {
            (Some(p), _) => format!("{p} — board"),
            (None, [only]) => format!("{only} — board"),
            _ => "Plan board".to_string(),
        };
        let mut subtitle = format!("plan at {} · {}", snap.origin.describe(), today);
        let mut filters = Vec::new();
        filters.extend(filter.epic.iter().map(|e| format!("Epic {e}")));
        filters.extend(filter.feature.iter().map(|f| format!("Feature {f}")));
        filters.extend(filter.assignee.iter().map(|a| format!("@{a}")));
        filters.extend(filter.tags.iter().map(|t| format!("#{t}")));
        if !filters.is_empty() {
            subtitle.push_str(&format!(" · {}", filters.join(", ")));
        }
        let page = html::render(&html::Page {
            title: &title,
            subtitle: &subtitle,
            board: &b,
            progress: Some(&report),
        });
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                CliError::new(exit::REPO, format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        git_intellimanage::writeback::write_atomic(&path, page.as_bytes()).map_err(|e| {
            CliError::new(exit::REPO, format!("cannot write {}: {e}", path.display()))
        })?;
        if !args.json {
            println!(
                "wrote {} ({} cards in {} columns)",
                path.display(),
                b.cards(),
                b.columns.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
    }
    if args.json {
        print_json(&b)?;
        return Ok(ExitCode::SUCCESS);
    }
    let tty = std::io::stdout().is_terminal();
    print!("{}", render_text(&b, width(), tty, &ctx.out()));
    Ok(ExitCode::SUCCESS)
}

/// The narrowest a column gets before the columns wrap into another band.
const MIN_COLUMN: usize = 18;
const GAP: &str = "  ";
/// Lines of title per card.
const TITLE_LINES: usize = 2;

/// `text` in lines of at most `width` cells, at most `max` lines (the last cut with `…`).
fn wrap(text: &str, width: usize, max: usize) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut lines = Vec::new();
    let mut i = 0;
    while i < words.len() && lines.len() < max {
        if lines.len() + 1 == max {
            lines.push(truncate(&words[i..].join(" "), width));
            break;
        }
        let mut line = words[i].to_string();
        i += 1;
        while let Some(word) = words.get(i) {
            let candidate = format!("{line} {word}");
            if display_width(&candidate) > width {
                break;
            }
            line = candidate;
            i += 1;
        }
        lines.push(truncate(&line, width));
    }
    lines
}

/// A line of a card, with how to paint it.
enum Style {
    Head,
    Plain,
    Meta { warn: bool },
}

fn card_lines(card: &Card, width: usize, many_projects: bool) -> Vec<(String, Style)> {
    let id = if many_projects {
        format!("{}/{}", card.project, card.id)
    } else {
        card.id.clone()
    };
    let head = match card.priority {
        Some(prio) => format!("{id} · {}", prio.word()),
        None => id,
    };
    let mut lines = vec![(truncate(&head, width), Style::Head)];
    let inner = width.saturating_sub(2).max(1);
    for l in wrap(&card.title, inner, TITLE_LINES) {
        lines.push((format!("  {l}"), Style::Plain));
    }
    let mut meta: Vec<String> = card
        .assignees
        .iter()
        .map(|a| format!("@{}", a.trim_start_matches('@')))
        .collect();
    let warn = card.overdue || !card.blocked_by.is_empty();
    if card.overdue {
        meta.push(format!(
            "overdue {}",
            card.due.as_deref().unwrap_or_default()
        ));
    }
    if !card.blocked_by.is_empty() {
        meta.push(format!("waits on {}", card.blocked_by.join(", ")));
    }
    if !meta.is_empty() {
        lines.push((
            format!("  {}", truncate(&meta.join(" · "), inner)),
            Style::Meta { warn },
        ));
    }
    lines
}

fn paint(p: &Painter, stage: Stage, text: &str, style: &Style) -> String {
    match style {
        Style::Head => match stage {
            Stage::Done | Stage::Archived => p.green(text),
            Stage::Blocked => p.red(text),
            _ => p.bold(text),
        },
        Style::Plain => text.to_string(),
        Style::Meta { warn: true } => p.yellow(text),
        Style::Meta { warn: false } => p.dim(text),
    }
}

/// The board as text, `width` columns wide: columns side by side, wrapping into bands of
/// columns when they would get narrower than [`MIN_COLUMN`].
pub fn render_text(b: &Board, width: usize, tty: bool, p: &Painter) -> String {
    if b.cards() == 0 {
        return "no work items match\n".to_string();
    }
    // Empty columns are named at the end instead of taking room.
    let (columns, empty): (Vec<&Column>, Vec<&Column>) =
        b.columns.iter().partition(|c| !c.cards.is_empty());
    let n = columns.len().max(1);
    let gap = GAP.len();
    let per_band = ((width + gap) / (MIN_COLUMN + gap)).clamp(1, n);
    let col_w = ((width + gap) / per_band).saturating_sub(gap).max(8);
    let rule = if tty { "─" } else { "-" };
    let many_projects = {
        let mut projects = columns
            .iter()
            .flat_map(|c| c.cards.iter().map(|k| k.project.as_str()));
        let first = projects.next();
        projects.any(|x| Some(x) != first)
    };
    let mut out = String::new();
    for (band_no, band) in columns.chunks(per_band).enumerate() {
        if band_no > 0 {
            out.push('\n');
        }
        let heads: Vec<String> = band
            .iter()
            .map(|c| p.bold(&pad(&format!("{} ({})", c.title, c.cards.len()), col_w)))
            .collect();
        out.push_str(heads.join(GAP).trim_end());
        out.push('\n');
        let rules: Vec<String> = band.iter().map(|_| rule.repeat(col_w)).collect();
        out.push_str(&rules.join(GAP));
        out.push('\n');
        let cells: Vec<Vec<(String, Style)>> = band
            .iter()
            .map(|c| {
                c.cards
                    .iter()
                    .flat_map(|card| card_lines(card, col_w, many_projects))
                    .collect()
            })
            .collect();
        let rows = cells.iter().map(Vec::len).max().unwrap_or(0);
        for row in 0..rows {
            let line: Vec<String> = band
                .iter()
                .zip(&cells)
                .map(|(c, lines)| match lines.get(row) {
                    Some((text, style)) => paint(p, c.stage, &pad(text, col_w), style),
                    None => " ".repeat(col_w),
                })
                .collect();
            out.push_str(line.join(GAP).trim_end());
            out.push('\n');
        }
    }
    if !empty.is_empty() {
        let names: Vec<&str> = empty.iter().map(|c| c.title.as_str()).collect();
        out.push('\n');
        out.push_str(&p.dim(&truncate(&format!("empty: {}", names.join(", ")), width)));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_wrap_into_two_lines_at_most() {
        assert_eq!(
            wrap("Validate the e-mail address", 12, 2),
            ["Validate the", "e-mail addr…"]
        );
        assert_eq!(wrap("Short", 12, 2), ["Short"]);
        assert_eq!(
            wrap("Averyveryverylongword here", 8, 2),
            ["Averyve…", "here"]
        );
    }
}
