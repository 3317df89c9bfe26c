//! `github-emulator [--port N] [--token T] [--login L] [--scopes s,s]
//! [--repo owner/name ...] [--user L ...] [--latency-ms N] [--anonymous-reads]`
//!
//! Serves the emulator on 127.0.0.1 until killed. The first line on stdout
//! is `listening on http://127.0.0.1:PORT`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use github_emulator::{Emulator, Options};

const USAGE: &str = "usage: github-emulator [--port N] [--token T] [--login L] [--scopes repo,user] [--repo owner/name ...] [--user LOGIN ...] [--latency-ms N] [--anonymous-reads]";

struct Args {
    port: u16,
    token: Option<String>,
    login: String,
    scopes: Vec<String>,
    repos: Vec<(String, String)>,
    users: Vec<String>,
    latency_ms: u64,
    anonymous_reads: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        port: 0,
        token: None,
        login: "octocat".to_string(),
        scopes: vec!["repo".to_string()],
        repos: Vec::new(),
        users: Vec::new(),
        latency_ms: 0,
        anonymous_reads: false,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--port" => {
                let v = value("--port")?;
                parsed.port = v
                    .parse()
                    .map_err(|_| format!("--port: {v:?} is not a port number"))?;
            }
            "--token" => parsed.token = Some(value("--token")?),
            "--login" => parsed.login = value("--login")?,
            "--scopes" => {
                parsed.scopes = value("--scopes")?
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
            "--repo" => {
                let v = value("--repo")?;
                let (owner, name) = v
                    .split_once('/')
                    .filter(|(o, n)| !o.is_empty() && !n.is_empty() && !n.contains('/'))
                    .ok_or_else(|| format!("--repo: {v:?} is not owner/name"))?;
                parsed.repos.push((owner.to_string(), name.to_string()));
            }
            "--user" => parsed.users.push(value("--user")?),
            "--latency-ms" => {
                let v = value("--latency-ms")?;
                parsed.latency_ms = v
                    .parse()
                    .map_err(|_| format!("--latency-ms: {v:?} is not a number"))?;
            }
            "--anonymous-reads" => parsed.anonymous_reads = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            if msg.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("github-emulator: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let options = Options {
        port: args.port,
        latency: Duration::from_millis(args.latency_ms),
        anonymous_reads: args.anonymous_reads,
        ..Options::default()
    };
    let emulator = match Emulator::try_start_with(options) {
        Ok(e) => e,
        Err(e) => {
            eprintln!(
                "github-emulator: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    let scopes: Vec<&str> = args.scopes.iter().map(String::as_str).collect();
    match &args.token {
        Some(token) => emulator.add_token(token, &args.login, &scopes),
        None => eprintln!("github-emulator: no --token given; every request will get 401"),
    }
    for user in &args.users {
        emulator.add_user(user);
    }
    for (owner, name) in &args.repos {
        emulator.add_repo(owner, name);
    }
    let mut stdout = std::io::stdout();
    if writeln!(stdout, "listening on {}", emulator.url())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    loop {
        std::thread::park();
    }
}
