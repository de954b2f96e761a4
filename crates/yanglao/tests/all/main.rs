//! The `yanglao` binary's integration tests, one test binary (one link) with shared helpers
//! (`common`): each module drives the real binary on a real SQLite database and, when
//! `YANGLAO_TEST_PG_URL` is set, a real PostgreSQL one.

mod common;
mod fingerprint;

mod access;
mod bad_input;
mod books;
mod citus;
mod cli;
mod crash;
mod deaths;
mod demo;
mod evaluation;
mod fund;
mod fund_backtest;
mod output;
mod payroll;
mod reads;
mod simulate;
