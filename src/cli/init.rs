//! `init`: set a project up in this repository (its `project_config.toml`, filled from the
//! `origin` remote, and the artifact folders), sync off; asks nothing.

use std::process::ExitCode;

use git_intellimanage::init::{self, InitError, Outcome, Remote, State};

use super::common::{CliError, CliResult, Context, exit, print_json};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project's slug, its folder under .ruru/projects (default: the repository
    /// directory's name, slugified).
    #[arg(long, short, value_name = "SLUG")]
    project: Option<String>,
    /// The project's name (default: the slug).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Print a JSON report of what was done instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    let repo = ctx.repo()?;
    let Some(workdir) = repo.workdir() else {
        return Err(CliError::new(
            exit::REPO,
            "this repository has no working tree to set a plan up in",
        )
        .hint("run this in a clone with a working tree"));
    };
    let url = init::origin_url(workdir).map_err(error)?;
    let options = init::Options {
        project: args.project,
        name: args.name,
    };
    let outcome = init::init(workdir, &options, url.as_deref()).map_err(error)?;
    if args.json {
        print_json(&json(&outcome))?;
    } else {
        print_text(ctx, &outcome);
    }
    Ok(ExitCode::SUCCESS)
}

fn error(e: InitError) -> CliError {
    match &e {
        InitError::BadSlug(_) => CliError::new(exit::USAGE, e.to_string())
            .hint("name it with --project, e.g. --project my-project"),
        InitError::Io { .. } => CliError::new(exit::REPO, e.to_string())
            .hint("check the permissions of the working tree"),
        InitError::Git(_) => CliError::new(exit::REPO, e.to_string())
            .hint("git must be on PATH (it is how `git intellimanage` is run)"),
    }
}

fn json(o: &Outcome) -> serde_json::Value {
    let remote = match &o.remote {
        Remote::Missing => serde_json::Value::Null,
        Remote::Unrecognised { url } => serde_json::json!({
            "url": url,
            "github": false,
            "host": null,
            "owner": null,
            "name": null,
            "api_url": null,
        }),
        Remote::Github { url, repo } => serde_json::json!({
            "url": url,
            "github": true,
            "host": repo.host,
            "owner": repo.owner,
            "name": repo.name,
            "api_url": repo.api_url,
        }),
        Remote::Gitlab { url, project } => serde_json::json!({
            "url": url,
            "github": false,
            "gitlab": true,
            "host": project.host,
            "project": project.path,
            "api_url": project.api_url,
        }),
    };
    serde_json::json!({
        "outcome": o.state,
        "changed": !o.created.is_empty(),
        "project": o.project,
        "project_name": o.name,
        "project_dir": o.project_dir(),
        "config": o.config_path(),
        "created": o.created,
        "projects": o.projects,
        "remote": remote,
        "enable_sync": if o.state == State::Created { Some(false) } else { None },
    })
}

fn print_text(ctx: &Context, o: &Outcome) {
    let p = ctx.out();
    match o.state {
        State::PlanExists => {
            println!(
                "nothing changed: this repository already has a plan ({} in {})",
                list(&o.projects),
                git_intellimanage::PLAN_ROOT
            );
            println!("to add a project: git intellimanage init --project SLUG");
            return;
        }
        State::ProjectExists => {
            println!(
                "nothing changed: project \"{}\" is already set up ({} exists and is left as it is)",
                o.project.as_deref().unwrap_or_default(),
                o.config_path().unwrap_or_default()
            );
            return;
        }
        State::Created => {}
    }
    let slug = o.project.as_deref().unwrap_or_default();
    let dir = o.project_dir().unwrap_or_default();
    let config = o.config_path().unwrap_or_default();
    for path in &o.created {
        println!("{} {path}", p.green("created"));
    }
    match &o.remote {
        Remote::Github { repo, .. } => {
            println!(
                "GitHub repository: {}/{} on {} (from the `origin` remote)",
                repo.owner, repo.name, repo.host
            );
            if let Some(api) = &repo.api_url {
                println!("  not github.com: taken for GitHub Enterprise, api_url = \"{api}\"");
            }
        }
        Remote::Gitlab { project, .. } => {
            println!(
                "GitLab project: {} on {} (from the `origin` remote): platform = \"gitlab\"",
                project.path, project.host
            );
            if let Some(api) = &project.api_url {
                println!("  not gitlab.com: taken for a self-managed GitLab, api_url = \"{api}\"");
            }
        }
        Remote::Missing => {
            println!(
                "GitHub repository: none found (no `origin` remote); fill in repo_owner and repo_name in {config}"
            );
        }
        Remote::Unrecognised { url } => {
            println!(
                "GitHub repository: none found (`origin` is {url}); fill in repo_owner and repo_name in {config}"
            );
        }
    }
    println!("sync is off (enable_sync = false) until you turn it on");
    println!();
    println!("{}", p.bold("Next steps:"));
    println!(
        "  1. plan some work (the files go under {dir}):\n       git intellimanage new epic \"First release\" --project {slug}\n       git intellimanage new feature \"Sign-up\" --epic EPIC-001 --project {slug}\n       git intellimanage new task \"First task\" --feature FEAT-001 --project {slug}\n     then check it: git intellimanage validate --worktree"
    );
    let mut step = 2;
    let gitlab = matches!(o.remote, Remote::Gitlab { .. });
    if o.remote.github().is_none() && !gitlab {
        println!(
            "  {step}. fill in repo_owner and repo_name under [github_integration] in {config}"
        );
        step += 1;
    }
    println!("  {step}. turn sync on: enable_sync = true in {config}, and commit the plan");
    println!("       git add .ruru && git commit -m \"Plan\"");
    step += 1;
    println!(
        "  {step}. give it a token (git intellimanage auth login{}, or export {}=…) and preview:",
        match &o.remote {
            Remote::Gitlab { project, .. } => format!(
                " --api-url {}",
                project
                    .api_url
                    .as_deref()
                    .unwrap_or(git_intellimanage::config::DEFAULT_GITLAB_API_URL)
            ),
            _ => String::new(),
        },
        if gitlab { "GITLAB_TOKEN" } else { "GITHUB_PAT" }
    );
    println!("       git intellimanage sync --dry-run");
}

fn list(items: &[String]) -> String {
    let noun = if items.len() == 1 {
        "project"
    } else {
        "projects"
    };
    format!("{noun} {}", items.join(", "))
}
