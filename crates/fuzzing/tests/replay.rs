//! Replays the kept fuzz corpus (`fuzz/corpus/TARGET/`, docs/RELIABILITY.md) through every target,
//! without the fuzzer: each input must run to its answer without a panic. One test per target, so
//! that a regression names the reader it is in.

use std::path::PathBuf;
use std::sync::Mutex;
use yanglao_fuzzing::{Harness, Target};
use yanglao_ops::Ctx;

fn corpus(target: Target) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target.name());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The books every import checks against, made once for all the tests (which therefore take
/// turns).
static BOOKS: Mutex<Option<Ctx>> = Mutex::new(None);

fn replay(target: Target) {
    let files = corpus(target);
    // A target whose corpus went missing would pass without checking anything.
    assert!(
        files.len() >= 5,
        "corpus of {} has only {} files",
        target.name(),
        files.len()
    );
    let mut books = BOOKS.lock().unwrap_or_else(|e| e.into_inner());
    let given = if target.needs_books() {
        books.take()
    } else {
        None
    };
    let mut h = Harness::with_books(target, given);
    let mut failed = Vec::new();
    for f in &files {
        let data = std::fs::read(f).expect("read corpus file");
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.run(&data)));
        if r.is_err() {
            failed.push(f.display().to_string());
        }
    }
    if let Some(b) = h.take_books() {
        *books = Some(b);
    }
    assert!(
        failed.is_empty(),
        "{} panicked on {} of {} inputs: {failed:#?}",
        target.name(),
        failed.len(),
        files.len()
    );
}

#[test]
fn every_target_has_a_corpus_directory() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for e in std::fs::read_dir(&root).expect("fuzz/corpus") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(
            Target::from_name(&name).is_some(),
            "fuzz/corpus/{name} names no target"
        );
    }
    for t in Target::ALL {
        assert!(root.join(t.name()).is_dir(), "no corpus for {}", t.name());
    }
}

macro_rules! replay_tests {
    ($($test:ident => $target:expr),* $(,)?) => {
        $(#[test] fn $test() { replay($target) })*
    };
}

replay_tests! {
    table => Target::Table,
    persons => Target::Persons,
    hardship => Target::Hardship,
    contributions => Target::Contributions,
    deaths => Target::Deaths,
    certifications => Target::Certifications,
    bank_return => Target::BankReturn,
    bank_agreements => Target::BankAgreements,
    bank_statement => Target::BankStatement,
    budget => Target::Budget,
    fund_arrivals => Target::FundArrivals,
    survey => Target::Survey,
    worksheet => Target::Worksheet,
    policy => Target::Policy,
    scenario => Target::Scenario,
    framework => Target::Framework,
    mortality => Target::Mortality,
    domain => Target::Domain,
}
