//! Every integration test of the project in one binary, a module per subject (the suite
//! links gix, ureq and the keyring once instead of once per subject). Each module drives
//! the real binary (`support::BIN`) in real git repositories, against the emulators.

mod support;

mod auth;
mod board;
mod ci_job;
mod completions;
mod concurrency;
mod conformance;
mod github_client;
mod hooks;
mod init;
mod mcp;
mod new;
mod plan_problems;
mod plan_read;
mod progress;
mod push_background;
mod record_migration;
mod release_notes;
mod set;
mod share;
mod start;
mod sync;
mod sync_board;
mod sync_both_ways;
mod sync_contract;
mod sync_dependencies;
mod sync_dependencies_gitlab;
mod sync_regressions;
mod sync_settings;
mod sync_sub_issues;
mod tls;
mod walkthrough;
mod waves;
mod write_links;
mod writeback;
