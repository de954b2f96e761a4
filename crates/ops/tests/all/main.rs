//! The use cases' integration tests, one test binary: property tests of the books' invariants
//! and random operation sequences, on SQLite and (when configured) PostgreSQL.

#[path = "../../../yanglao/tests/all/fingerprint/mod.rs"]
mod fingerprint;

mod invariants;
mod sequences;
