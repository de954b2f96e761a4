//! The web application against a real server on a free port and a real database (SQLite, and
//! PostgreSQL when `YANGLAO_TEST_PG_URL` is set), driven over HTTP as a browser would.

mod accounts;
mod api;
mod audit;
mod browser;
mod lists;
mod matrix;
mod people;
mod server;
mod sign_in;
mod simulator;
mod tls;
mod webdriver;
mod workflows;
