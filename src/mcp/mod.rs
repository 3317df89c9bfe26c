//! `git intellimanage mcp`: the plan served to coding agents over the Model Context
//! Protocol, on stdin/stdout, with the official Rust SDK (`rmcp`).
//!
//! | file | one idea |
//! |---|---|
//! | `args.rs` | each tool's arguments (their JSON schema) and the command line they stand for |
//! | `report_args.rs` | the same for the reporting tools: progress, board, release notes |
//! | `run.rs` | running that command line as a child process; its output as a tool result or a tool error |
//! | `server.rs` | the tools as the server lists them, and the server's description |
//!
//! Stdout carries only the protocol: the tools' commands write into pipes, and nothing
//! here prints (rmcp logs through `tracing`, which has no subscriber here).

mod args;
mod report_args;
mod run;
mod server;

use std::path::PathBuf;

use rmcp::ServiceExt as _;

pub use run::Runner;
pub use server::Server;

/// Why the server could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("the MCP client did not initialize the session: {0}")]
    Initialize(Box<rmcp::service::ServerInitializeError>),
    #[error("the MCP session ended abnormally: {0}")]
    Session(tokio::task::JoinError),
}

/// Serves the tools on stdin/stdout until the client closes the session; each tool runs
/// `exe` (this binary) in `base` (or in the `directory` a call names, relative to `base`).
pub fn serve(exe: PathBuf, base: PathBuf) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let server = Server::new(Runner::new(exe, base));
    let served = runtime.block_on(async {
        let running = server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| ServeError::Initialize(Box::new(e)))?;
        running.waiting().await.map_err(ServeError::Session)?;
        Ok(())
    });
    // Don't wait for a read of stdin that can't be cancelled, nor for the command of a call
    // the client no longer waits for (it runs to its end on its own).
    runtime.shutdown_background();
    served
}
