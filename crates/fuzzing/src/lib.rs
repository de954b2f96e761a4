//! Fuzz targets: every reader of a user's file and every import's row checks, each driven by raw
//! bytes. A target must never panic, whatever the bytes; where a reader promises more (a dry run
//! writes nothing, a parsed value reads back the same) the target checks that too, and a broken
//! promise panics like a crash so that the fuzzer keeps the input.
//!
//! The imports run exactly as `yanglao import KIND FILE --dry-run` does: the bytes are written to a
//! file and the import reads it through the same reader and checks, against books made once per
//! process by the demo at a small scale (a register, payrolls sent to the banks, deaths, bank
//! agreements, budgets), in an in-memory SQLite database. A file whose bytes start like a zip or
//! an OLE compound file is named `.xlsx` (the spreadsheet reader then finds xlsx, xlsb, ods or xls
//! from the content), anything else `.csv`.
//!
//! The fuzzer itself lives in `fuzz/` outside the workspace; `tests/replay.rs` replays the kept
//! corpus (`fuzz/corpus/TARGET/`) through these same functions in the ordinary test suite.
//! docs/RELIABILITY.md says how they were run.

use std::path::{Path, PathBuf};
use yanglao_ops::deaths::Source;
use yanglao_ops::{Ctx, OpsError};

/// The fuzz targets. `name()` is the directory of each one's corpus under `fuzz/corpus/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The table reader alone: xlsx / xls / ods / CSV in UTF-8 or GBK, then the checks every cell
    /// gets and the column lookup of every import.
    Table,
    Persons,
    Hardship,
    Contributions,
    /// One file imported as a police report and as a village report.
    Deaths,
    Certifications,
    BankReturn,
    BankAgreements,
    BankStatement,
    Budget,
    FundArrivals,
    Survey,
    /// The evaluator's worksheet (`evaluate --worksheet`).
    Worksheet,
    /// A policy file: `policy check` and the parser every command uses.
    Policy,
    /// A reform scenario (`simulate reform --scenario`).
    Scenario,
    /// An evaluation framework (`evaluate --framework`).
    Framework,
    /// A life table (`simulate … --mortality`).
    Mortality,
    /// The value parsers every import shares: citizen ID, bank account, yuan amount, date, month,
    /// region code; each on the whole input and on each of its lines.
    Domain,
}

impl Target {
    pub const ALL: [Target; 18] = [
        Target::Table,
        Target::Persons,
        Target::Hardship,
        Target::Contributions,
        Target::Deaths,
        Target::Certifications,
        Target::BankReturn,
        Target::BankAgreements,
        Target::BankStatement,
        Target::Budget,
        Target::FundArrivals,
        Target::Survey,
        Target::Worksheet,
        Target::Policy,
        Target::Scenario,
        Target::Framework,
        Target::Mortality,
        Target::Domain,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Table => "table",
            Target::Persons => "persons",
            Target::Hardship => "hardship",
            Target::Contributions => "contributions",
            Target::Deaths => "deaths",
            Target::Certifications => "certifications",
            Target::BankReturn => "bank-return",
            Target::BankAgreements => "bank-agreements",
            Target::BankStatement => "bank-statement",
            Target::Budget => "budget",
            Target::FundArrivals => "fund-arrivals",
            Target::Survey => "survey",
            Target::Worksheet => "worksheet",
            Target::Policy => "policy",
            Target::Scenario => "scenario",
            Target::Framework => "framework",
            Target::Mortality => "mortality",
            Target::Domain => "domain",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether the target reads a file from disk (all table readers do).
    fn reads_file(self) -> bool {
        !matches!(
            self,
            Target::Policy
                | Target::Scenario
                | Target::Framework
                | Target::Mortality
                | Target::Domain
        )
    }

    /// Whether the target needs the books (an import checks rows against the register).
    pub fn needs_books(self) -> bool {
        self.reads_file() && !matches!(self, Target::Table | Target::Worksheet)
    }
}

/// The demo's scale for the books the imports check against: a few hundred people, every kind of
/// record, made in about a second.
pub const BOOKS_SCALE: f64 = 0.001;
/// The demo's seed; the seed files of the corpus name people of the books this seed makes.
pub const BOOKS_SEED: u64 = 2023;

/// One target, ready to run input after input.
pub struct Harness {
    target: Target,
    dir: PathBuf,
    ctx: Option<Ctx>,
}

impl Harness {
    /// Prepares `target`: a scratch directory under the temporary directory (`TMPDIR`; a RAM disk
    /// keeps the fuzzer off the disk) and, for an import, the books.
    pub fn new(target: Target) -> Harness {
        Harness::with_books(target, None)
    }

    /// Like [`Harness::new`], with books made earlier by [`books`] (made here if the target needs
    /// them and none are given). [`Harness::take_books`] hands them on to the next target.
    pub fn with_books(target: Target, books: Option<Ctx>) -> Harness {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "yanglao-fuzz-{}-{}-{}",
            target.name(),
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        let ctx = match books {
            Some(b) => Some(b),
            None if target.needs_books() => Some(self::books()),
            None => None,
        };
        Harness { target, dir, ctx }
    }

    pub fn take_books(&mut self) -> Option<Ctx> {
        self.ctx.take()
    }

    pub fn target(&self) -> Target {
        self.target
    }

    /// Runs one input. Panics only on a defect: a panic inside a reader, or a broken promise.
    pub fn run(&mut self, data: &[u8]) {
        match self.target {
            Target::Policy => policy(data),
            Target::Scenario => scenario(data),
            Target::Framework => framework(data),
            Target::Mortality => mortality(data),
            Target::Domain => domain(data),
            t => {
                let path = self.write(data);
                match t {
                    Target::Table => table(&path),
                    Target::Worksheet => worksheet(&path),
                    _ => self.import(&path),
                }
            }
        }
    }

    /// Writes the input where the readers take it from.
    fn write(&self, data: &[u8]) -> PathBuf {
        let ext = if data.starts_with(b"PK\x03\x04") || data.starts_with(b"\xD0\xCF\x11\xE0") {
            "xlsx"
        } else {
            "csv"
        };
        // Remove the last input's row-level error report, so that none piles up.
        for e in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let _ = std::fs::remove_file(e.path());
        }
        let path = self.dir.join(format!("输入.{ext}"));
        std::fs::write(&path, data).expect("write the input");
        path
    }

    fn import(&mut self, path: &Path) {
        let upload = yanglao_ops::imports::table::Upload::read(path).expect("read the input");
        let path = &upload;
        let ctx = self.ctx.as_mut().expect("books for an import");
        let before = footprint(ctx);
        let runs: Vec<Result<yanglao_ops::ImportOutcome, OpsError>> = match self.target {
            Target::Persons => vec![yanglao_ops::register::persons::import(ctx, path, true)],
            Target::Hardship => vec![yanglao_ops::register::hardship::import(ctx, path, true)],
            Target::Contributions => vec![yanglao_ops::register::contributions::import(
                ctx, path, true,
            )],
            Target::Deaths => vec![
                yanglao_ops::deaths::import(ctx, path, Source::Police, true, Some(processed_on())),
                yanglao_ops::deaths::import(ctx, path, Source::Village, true, Some(processed_on())),
            ],
            Target::Certifications => {
                vec![yanglao_ops::deaths::certification::import(ctx, path, true)]
            }
            Target::BankReturn => vec![yanglao_ops::payroll::bank_return::import(ctx, path, true)],
            Target::BankAgreements => {
                vec![yanglao_ops::books::bank::import_agreements(ctx, path, true)]
            }
            Target::BankStatement => {
                vec![yanglao_ops::books::bank::import_statement(ctx, path, true)]
            }
            Target::Budget => vec![yanglao_ops::books::budget::import_budget(ctx, path, true)],
            Target::FundArrivals => {
                vec![yanglao_ops::books::budget::import_arrivals(ctx, path, true)]
            }
            Target::Survey => vec![yanglao_ops::evaluation::survey::import(ctx, path, true)],
            t => unreachable!("{t:?} is not an import"),
        };
        for r in runs {
            match r {
                Ok(out) => {
                    // Errors are reported by row; a row number is one a person can find.
                    for p in out.errors.iter().chain(&out.warnings) {
                        assert!(p.row >= 2, "问题的行号 {} 不在数据行内：{p:?}", p.row);
                    }
                }
                // A file the reader refuses is an answer; a database error on a dry run is not.
                Err(OpsError::Store(e)) => panic!("试导入时数据库出错：{e}"),
                Err(_) => {}
            }
        }
        assert_eq!(before, footprint(ctx), "试导入改动了数据库");
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The processing date given to death files: after every death of the demo's books.
fn processed_on() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2024, 1, 15).expect("valid")
}

/// Books to check imports against: the demo at [`BOOKS_SCALE`], in memory.
pub fn books() -> Ctx {
    let scratch = std::env::temp_dir().join(format!("yanglao-fuzz-books-{}", std::process::id()));
    let mut db = yanglao_store::Db::open("sqlite::memory:").expect("in-memory database");
    db.migrate().expect("migrate");
    // The demo loads its own policy into the books.
    let mut ctx = Ctx::system(db).expect("context");
    let out = scratch.join("books");
    yanglao_demo::run(
        &mut ctx,
        &yanglao_demo::Options {
            dir: out.clone(),
            scale: BOOKS_SCALE,
            seed: BOOKS_SEED,
        },
        &|_, _, _| {},
    )
    .unwrap_or_else(|e| panic!("the demo's books: {e:?}"));
    let _ = std::fs::remove_dir_all(scratch);
    ctx
}

/// What any write leaves behind: ids handed out and import batches recorded.
fn footprint(ctx: &mut Ctx) -> (i64, i64) {
    ctx.db
        .transaction(|tx| -> Result<(i64, i64), yanglao_store::StoreError> {
            Ok((
                tx.scalar_i64("SELECT COALESCE(SUM(next_id), 0) FROM id_counters", &[])?,
                tx.scalar_i64("SELECT COUNT(*) FROM imports", &[])?,
            ))
        })
        .expect("read the footprint")
}

fn table(path: &Path) {
    let Ok(t) = yanglao_ops::imports::table::read_table(
        &yanglao_ops::imports::table::Upload::read(path).expect("read the input"),
    ) else {
        return;
    };
    let mut last = 1;
    for (row, _) in &t.rows {
        assert!(*row > last, "行号应从 2 起严格递增：{row} 在 {last} 之后");
        last = *row;
    }
    let _ = t.cell_problems(&[]);
    for required in [
        &yanglao_ops::register::persons::COLUMNS[..],
        &yanglao_ops::evaluation::WORKSHEET_COLUMNS[..],
    ] {
        if let Ok(cols) = t.columns(required) {
            for (_, cells) in &t.rows {
                for k in 0..required.len() {
                    let _ = cols.cell(cells, k);
                    let _ = cols.letter(k);
                    let _ = cols.date(cells, k);
                    let _ = cols.amount_fen(cells, k, true, "金额");
                }
            }
        }
    }
}

fn worksheet(path: &Path) {
    match yanglao_ops::evaluation::read_worksheet(
        &yanglao_ops::imports::table::Upload::read(path).expect("read the input"),
    ) {
        Ok((_, entries, problems)) => {
            for e in &entries {
                assert!(e.points >= rust_decimal::Decimal::ZERO, "负分值：{e:?}");
            }
            for p in &problems {
                assert!(p.row >= 2, "问题的行号 {} 不在数据行内：{p:?}", p.row);
            }
        }
        Err(OpsError::Store(e)) => panic!("读取底稿时数据库出错：{e}"),
        Err(_) => {}
    }
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

fn policy(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let problems = yanglao_policy::check_str(s);
    let parsed = yanglao_policy::parse_str(s);
    // `policy check` and every command judge a file alike: no error, then it parses.
    let has_error = problems
        .iter()
        .any(|p| p.severity == yanglao_policy::Severity::Error);
    if parsed.is_ok() {
        assert!(!has_error, "政策文件有错误却被接受：{problems:?}");
    }
}

fn scenario(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(sc) = yanglao_policy::parse_scenario_str(s) {
        let _ = sc.earliest_change();
        let _ = sc.schemes();
    }
}

fn framework(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(fw) = yanglao_ops::evaluation::framework_from_text(s, "fuzz") {
        for leaf in fw.leaves() {
            let _ = fw.is_leaf(&leaf.code);
        }
        let _ = fw.top().count();
    }
}

fn mortality(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(m) = yanglao_sim::mortality::Mortality::parse(s, "fuzz.csv") {
        use yanglao_sim::mortality::Sex;
        let last = m.last_age();
        for sex in [Sex::Male, Sex::Female] {
            for age in [0, 60, last.saturating_sub(1), last, last + 1] {
                if m.covers(age).is_ok() {
                    let q = m.q(sex, age);
                    assert!((0.0..=1.0).contains(&q), "死亡率 {q} 不在 0 到 1 之间");
                    let _ = m.survival(sex, age, 12);
                    let _ = m.expectancy(sex, age);
                }
            }
        }
    }
}

fn domain(data: &[u8]) {
    let whole = String::from_utf8_lossy(data);
    for s in std::iter::once(whole.as_ref()).chain(whole.lines()) {
        values(s);
    }
}

/// Every value parser on one string; what parses reads back the same.
fn values(s: &str) {
    use yanglao_domain::{
        format_wan_yuan, format_yuan, parse_date, parse_yuan_to_fen, BankAccount, CitizenId, Month,
        RegionCode,
    };
    if let Ok((id, _)) = CitizenId::parse(s) {
        let again = CitizenId::parse(id.as_str())
            .expect("a parsed ID parses again")
            .0;
        assert_eq!(again, id);
        let _ = (id.birth_date(), id.sex(), id.masked(), id.region_prefix());
    }
    if let Ok((a, _)) = BankAccount::parse(s) {
        let again = BankAccount::parse(a.as_str())
            .expect("a parsed account parses again")
            .0;
        assert_eq!(again, a);
        let _ = a.masked();
    }
    if let Ok(fen) = parse_yuan_to_fen(s) {
        assert_eq!(parse_yuan_to_fen(&format_yuan(fen)), Ok(fen), "金额 {s:?}");
        let _ = format_wan_yuan(fen);
    }
    if let Ok(d) = parse_date(s) {
        let canonical = d.format("%Y-%m-%d").to_string();
        assert_eq!(parse_date(&canonical), Ok(d), "日期 {s:?} 读作 {canonical}");
    }
    if let Ok(m) = Month::parse(s) {
        assert_eq!(Month::parse(&m.to_string()), Ok(m), "月份 {s:?}");
        let _ = (
            m.first_day(),
            m.last_day(),
            m.deadline(),
            m.next(),
            m.prev(),
        );
    }
    if let Ok(r) = RegionCode::parse(s) {
        let _ = (r.level(), r.city(), r.province());
    }
}
