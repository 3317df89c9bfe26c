//! `auth login | status | logout`: the GitHub token in the OS keyring.

use std::process::ExitCode;

use git_intellimanage::auth::{self, TokenSource};
use git_intellimanage::config::GithubIntegration;
use git_intellimanage::github::{Client, ClientOptions, RetryPolicy, Secret};
use git_intellimanage::snapshot::Snapshot;
use git_intellimanage::tracker::Platform;

use super::common::{CliError, CliResult, Context, exit, print_json};
use super::errors::{auth_error, github_error};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: AuthCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AuthCommand {
    /// Check a token with GitHub (GET /user) and store it in the OS keyring.
    ///
    /// The token is read from standard input when it is not a terminal
    /// (`gh auth token | git intellimanage auth login`), else typed at a prompt that
    /// does not echo.
    Login(HostArgs),
    /// Show where the token comes from, the account it belongs to and its scopes.
    Status(StatusArgs),
    /// Remove the token from the OS keyring.
    Logout(HostArgs),
}

#[derive(Debug, clap::Args)]
struct HostArgs {
    /// The GitHub API the token is for (default: GITHUB_API_URL, else the `api_url` of
    /// the repository's project config, else https://api.github.com).
    #[arg(long, value_name = "URL")]
    api_url: Option<String>,
}

#[derive(Debug, clap::Args)]
struct StatusArgs {
    #[command(flatten)]
    host: HostArgs,
    /// Print JSON: `{ "host", "source", "login", "scopes" }`.
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    match args.command {
        AuthCommand::Login(a) => login(ctx, a),
        AuthCommand::Status(a) => status(ctx, a),
        AuthCommand::Logout(a) => logout(ctx, a),
    }
}

/// The API URL and token variable this command works with.
struct Target {
    /// GitLab for an API at `…/api/v4` or a project config's GitLab API, else GitHub.
    platform: Platform,
    api_url: String,
    host: String,
    pat_env_var_name: String,
    /// The URL was named with `--api-url` (so the user chose it, as with GITHUB_API_URL).
    named: bool,
    /// The URL is the `api_url` of the repository's project config (not chosen by the
    /// environment or the command line).
    from_config: bool,
}

impl Target {
    fn new(ctx: &Context, args: &HostArgs) -> Target {
        let settings = repo_settings(ctx).unwrap_or_default();
        let env_url = std::env::var(git_intellimanage::config::ENV_API_URL).ok();
        let env_url = env_url.as_deref().map(str::trim).filter(|u| !u.is_empty());
        let (api_url, named) = match &args.api_url {
            Some(u) => (u.trim().trim_end_matches('/').to_string(), true),
            None => (settings.api_base_url(), false),
        };
        let host = auth::api_host(&api_url);
        let platform = if api_url.to_ascii_lowercase().ends_with("/api/v4")
            || (settings.platform == Platform::Gitlab
                && auth::api_host(&settings.api_base_url()) == host)
        {
            Platform::Gitlab
        } else {
            Platform::Github
        };
        let pat_env_var_name = match (platform, settings.platform) {
            (Platform::Gitlab, Platform::Github) => "GITLAB_TOKEN".to_string(),
            _ => settings.pat_env_var_name.clone(),
        };
        let from_config = !named
            && env_url.is_none()
            && settings
                .api_url
                .as_deref()
                .is_some_and(|u| auth::api_host(u) == host);
        Target {
            platform,
            host,
            api_url,
            pat_env_var_name,
            named,
            from_config,
        }
    }

    /// Refuses plain http to another machine, and sending a token to an API that only the
    /// project config names (a config is written by whoever committed it): then the API
    /// must be named with `--api-url`.
    fn check_before_sending(&self) -> Result<(), CliError> {
        auth::check_transport(&self.api_url).map_err(|e| auth_error(e, &self.pat_env_var_name))?;
        if self.from_config && !auth::env_tokens_allowed(&self.api_url, None) {
            return Err(CliError::new(
                exit::AUTH,
                format!(
                    "the repository's project config sets api_url = \"{}\"; a token is only sent to that host when you name it",
                    self.api_url
                ),
            )
            .hint(format!(
                "git intellimanage auth login --api-url {}",
                self.api_url
            )));
        }
        Ok(())
    }
}

/// The GitHub settings of the repository's plan at HEAD (the first project that syncs,
/// else the first project), when there is a repository and a plan.
fn repo_settings(ctx: &Context) -> Option<GithubIntegration> {
    let repo = ctx.repo().ok()?;
    let snap = Snapshot::at_rev(&repo, "HEAD").ok()?;
    let configs: Vec<_> = snap.configs.values().collect();
    configs
        .iter()
        .find(|c| c.github.enable_sync)
        .or_else(|| configs.first())
        .map(|c| c.github.clone())
}

fn client(ctx: &Context, target: &Target, token: Secret) -> Result<Client, CliError> {
    let mut options = ClientOptions::new(target.api_url.as_str(), token);
    options.platform = target.platform;
    options.verbosity = ctx.verbose;
    options.retry = RetryPolicy {
        max_attempts: 2,
        ..RetryPolicy::default()
    };
    options.timeout = std::time::Duration::from_secs(30);
    Client::new(options).map_err(|e| CliError::new(exit::CONFIG, e.to_string()))
}

/// The token's account and (GitHub's classic tokens) scopes.
fn whoami(client: &Client, target: &Target, what: &str) -> Result<(String, Vec<String>), CliError> {
    match target.platform {
        Platform::Gitlab => git_intellimanage::gitlab::current_user(client)
            .map(|u| (u, Vec::new()))
            .map_err(|e| {
                let code = if e.kind.is_auth() {
                    exit::AUTH
                } else {
                    exit::GITHUB
                };
                CliError::new(code, format!("{what}: {e}")).hint(e.hint().to_string())
            }),
        _ => client
            .get_user()
            .map(|(u, s)| (u.login, s))
            .map_err(|e| github_error(e, what)),
    }
}

/// Classic tokens list their scopes; a token that can write issues has `repo` or
/// `public_repo`. Fine-grained tokens list none.
fn scope_warning(scopes: &[String]) -> Option<String> {
    if scopes.is_empty() || scopes.iter().any(|s| s == "repo" || s == "public_repo") {
        None
    } else {
        Some(format!(
            "the token's scopes ({}) do not include `repo` (or `public_repo` for public \
             repositories): sync will not be able to write issues",
            scopes.join(", ")
        ))
    }
}

fn describe_scopes(scopes: &[String]) -> String {
    if scopes.is_empty() {
        "none listed (a fine-grained token, or a token without scopes)".to_string()
    } else {
        scopes.join(", ")
    }
}

fn login(ctx: &Context, args: HostArgs) -> CliResult {
    let target = Target::new(ctx, &args);
    target.check_before_sending()?;
    let token = auth::read_token_input(&format!("{} token for {}: ", target.platform, target.host))
        .map_err(|e| auth_error(e, &target.pat_env_var_name))?;
    let client = client(ctx, &target, token.clone())?;
    let (user, scopes) = whoami(
        &client,
        &target,
        &format!("checking the token with {}", target.api_url),
    )?;
    auth::keyring_set(&target.host, &token).map_err(|e| {
        let hint = e.hint(&target.pat_env_var_name);
        CliError::new(
            exit::AUTH,
            format!(
                "the token is valid (account {}), but it could not be stored: {e}",
                user
            ),
        )
        .hint(hint)
    })?;
    let p = ctx.out();
    println!(
        "{} logged in to {} as {}",
        p.green("ok:"),
        target.host,
        p.bold(&user)
    );
    println!(
        "token stored in the OS keyring (service {}, account {})",
        auth::KEYRING_SERVICE,
        target.host
    );
    println!("scopes: {}", describe_scopes(&scopes));
    if let Some(w) = scope_warning(&scopes) {
        ctx.warn(&w);
    }
    Ok(ExitCode::SUCCESS)
}

fn status(ctx: &Context, args: StatusArgs) -> CliResult {
    let target = Target::new(ctx, &args.host);
    let resolved = auth::resolve_token_for_platform(
        target.platform,
        &target.api_url,
        &target.pat_env_var_name,
        target.named,
    );
    let (token, source) = resolved.map_err(|e| auth_error(e, &target.pat_env_var_name))?;
    let client = client(ctx, &target, token)?;
    let (user, scopes) = whoami(&client, &target, &format!("the token from {source}"))?;
    if args.json {
        let source_json = match &source {
            TokenSource::Keyring { account } => {
                serde_json::json!({"kind": "keyring", "service": auth::KEYRING_SERVICE, "account": account})
            }
            TokenSource::Env { name } => serde_json::json!({"kind": "env", "name": name}),
            TokenSource::GitCredential { host } => {
                serde_json::json!({"kind": "git-credential", "host": host})
            }
        };
        print_json(&serde_json::json!({
            "host": target.host,
            "api_url": target.api_url,
            "source": source_json,
            "login": user,
            "scopes": scopes,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let p = ctx.out();
    println!("{}: logged in as {}", target.host, p.bold(&user));
    println!("token from: {source}");
    println!("scopes: {}", describe_scopes(&scopes));
    if let Some(w) = scope_warning(&scopes) {
        ctx.warn(&w);
    }
    Ok(ExitCode::SUCCESS)
}

fn logout(ctx: &Context, args: HostArgs) -> CliResult {
    let target = Target::new(ctx, &args);
    let removed =
        auth::keyring_delete(&target.host).map_err(|e| auth_error(e, &target.pat_env_var_name))?;
    if removed {
        println!("removed the token for {} from the OS keyring", target.host);
    } else {
        println!("no token for {} in the OS keyring", target.host);
    }
    let mut names = vec![target.pat_env_var_name.as_str()];
    names.extend(
        auth::FALLBACK_ENV_VARS
            .iter()
            .filter(|n| **n != target.pat_env_var_name),
    );
    let env_used = target.named
        || auth::env_tokens_allowed(
            &target.api_url,
            std::env::var(git_intellimanage::config::ENV_API_URL)
                .ok()
                .as_deref(),
        );
    for name in names.into_iter().filter(|_| env_used) {
        if std::env::var_os(name).is_some_and(|v| !v.is_empty()) {
            ctx.warn(&format!(
                "{name} is still set in the environment and will be used; unset it to log out completely"
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}
