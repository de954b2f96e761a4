//! `import contributions`: the collection files of the year's personal contributions. Each row
//! posts the payment and its entry subsidy by level into the person's individual account.
//!
//! Posting: one journal entry per county per import — debit `bank` (the contributions) and
//! `receivable.subsidy.{level}` (the entry subsidies granted), credit `ind.personal` and
//! `ind.entry_subsidy.{level}` — itemised person by person in the `account_movements` sub-ledger.

use crate::access::{county_label, Action};
use crate::imports::problems::{ImportOutcome, Problem};
use crate::imports::table::{read_table, Cell, Columns, Table, Upload};
use crate::ledger::{self, EntryDraft};
use crate::register::index::{
    county_key, name_hash, registered_name, FastMap, PersonKey, RegisterIndex,
};
use crate::register::persons::{begin_import, check_id_cell, finish, record_import};
use crate::{audit, Ctx, Result};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use yanglao_domain::{age_on, format_yuan, CitizenId};
use yanglao_policy::{LevelAmounts, SupplementaryParams};
use yanglao_store::{jan1, Param, Tx};

pub const COLUMNS: [&str; 6] = [
    "身份证号",
    "姓名",
    "缴费年度",
    "缴费金额(元)",
    "缴费日期",
    "票据号",
];
const ID: usize = 0;
const NAME: usize = 1;
const YEAR: usize = 2;
const AMOUNT: usize = 3;
const DATE: usize = 4;
const RECEIPT: usize = 5;

/// A contribution ready to post.
#[derive(Debug, Clone)]
pub struct ValidContribution<'a> {
    pub person_id: i64,
    /// The county code as a number (see `register::county_key`).
    pub county: u32,
    pub year: i32,
    pub amount_fen: i64,
    pub subsidy: LevelAmounts,
    pub paid_date: NaiveDate,
    /// Borrowed from the file being imported where it can be (no copy per row).
    pub receipt_no: std::borrow::Cow<'a, str>,
}

/// Self-paid contributions already in the books, for idempotency: (county, receipt) → (person,
/// year, amount, date), and the (person, year) pairs already paid.
struct Existing {
    by_receipt: FastMap<(u32, String), (i64, i32, i64, NaiveDate)>,
    self_paid_years: FastMap<(i64, i32), ()>,
}

fn load_existing(tx: &mut Tx<'_>) -> Result<Existing> {
    let mut e = Existing {
        by_receipt: FastMap::default(),
        self_paid_years: FastMap::default(),
    };
    tx.for_each_ref(
        "SELECT county, reference, person_id, year, personal_fen, movement_date FROM account_movements WHERE kind = 'self'",
        &[],
        |r| {
            let (pid, year) = (r.i64(2)?, r.i64(3)? as i32);
            e.by_receipt.insert((county_key(r.str(0)?), r.str(1)?.to_string()), (pid, year, r.i64(4)?, r.date(5)?));
            e.self_paid_years.insert((pid, year), ());
            Ok(())
        },
    )?;
    Ok(e)
}

/// The termination date of every terminated person.
pub fn terminations(tx: &mut Tx<'_>) -> Result<FastMap<i64, NaiveDate>> {
    let mut map = FastMap::default();
    for r in tx.query("SELECT person_id, MIN(effective_date) FROM person_events WHERE status = 'terminated' GROUP BY person_id", &[])? {
        map.insert(r.i64(0)?, r.date(1)?);
    }
    Ok(map)
}

/// Parameters in force, or the code and message of why there are none.
type Resolved = std::result::Result<SupplementaryParams, (&'static str, String)>;

/// Resolves (and caches) the parameters of a county for a contribution year.
pub struct ParamCache<'p> {
    policy: &'p crate::policy::PolicyBook,
    cache: FastMap<(u32, i32), Resolved>,
    subsidies: FastMap<(u32, i32, i64), Option<LevelAmounts>>,
}

impl<'p> ParamCache<'p> {
    pub fn new(policy: &'p crate::policy::PolicyBook) -> Self {
        ParamCache {
            policy,
            cache: FastMap::default(),
            subsidies: FastMap::default(),
        }
    }
    /// The parameters in force on 1 January of `year` in a county (see [`county_key`]).
    pub fn get(
        &mut self,
        county: u32,
        year: i32,
    ) -> std::result::Result<&SupplementaryParams, (&'static str, String)> {
        let policy = self.policy;
        self.cache
            .entry((county, year))
            .or_insert_with(|| {
                policy
                    .supplementary(&format!("{county:06}"), jan1(year))
                    .map_err(|e| {
                        (
                            "E-CONTRIB-YEAR-OUT-OF-POLICY",
                            format!("{year} 年不在政策参数的有效期内：{e}"),
                        )
                    })
            })
            .as_ref()
            .map_err(|e| e.clone())
    }
}

impl ParamCache<'_> {
    /// The entry subsidy of a contribution amount (None if it is no tier), cached.
    pub fn entry_subsidy(
        &mut self,
        county: u32,
        year: i32,
        amount_fen: i64,
    ) -> Option<LevelAmounts> {
        if let Some(s) = self.subsidies.get(&(county, year, amount_fen)) {
            return *s;
        }
        let s = self
            .get(county, year)
            .ok()
            .and_then(|p| yanglao_policy::entry_subsidy(p, amount_fen));
        self.subsidies.insert((county, year, amount_fen), s);
        s
    }
}

pub fn tiers_text(p: &SupplementaryParams) -> String {
    p.tiers
        .iter()
        .map(|t| {
            format_yuan(t.contribution_fen)
                .trim_end_matches(".00")
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// Imports (or with `dry_run` only validates) a contribution file.
pub fn import(ctx: &mut Ctx, upload: &Upload, dry_run: bool) -> Result<ImportOutcome> {
    ctx.actor.require(Action::Register)?;
    let scope = ctx.actor.clone();
    ctx.policy.require()?;
    let t0 = std::time::Instant::now();
    let table = read_table(upload)?;
    tracing::info!("读取文件 {:?}", t0.elapsed());
    let cols = table.columns(&COLUMNS)?;
    let mut out = ImportOutcome::new("contributions", &table.file_name, dry_run);
    out.rows = table.rows.len();
    let actor = ctx.who();
    let today = chrono::Local::now().date_naive();
    let policy = &ctx.policy;

    ctx.db.transaction(|tx| -> Result<()> {
        if !begin_import(tx, &mut out, &table, "contributions", &[cols.index[ID]])? {
            return Ok(());
        }
        tracing::info!("单元格检查 {:?}", t0.elapsed());
        let books = Books::load(
            tx,
            crate::register::index::file_ids(&table, &cols, cols.index[ID]).as_deref(),
        )?;
        tracing::info!("载入登记册与已有缴费 {:?}", t0.elapsed());
        let mut rows = RowValidator::new(&table, &cols, &books, &scope, policy, today);
        let valid = rows.validate_all(tx, &mut out)?;
        tracing::info!("逐行校验 {:?}", t0.elapsed());
        if !out.errors.is_empty() || dry_run {
            return Ok(());
        }
        write_import(tx, &table, &actor, &valid, &mut out, t0)
    })?;
    if out.posted >= crate::LARGE_LOAD_ROWS {
        ctx.db
            .analyze(&["account_movements", "journal_entries", "journal_lines"])?;
    }
    finish(&mut out);
    Ok(out)
}

/// What the books already hold that the rows of a file are checked against.
struct Books {
    register: RegisterIndex,
    existing: Existing,
    /// The last year credited with interest, by county.
    last_credited: FastMap<u32, i32>,
    terminated: FastMap<i64, NaiveDate>,
}

impl Books {
    fn load(tx: &mut Tx<'_>, ids: Option<&[String]>) -> Result<Books> {
        let register = RegisterIndex::load_of(tx, ids)?;
        let existing = load_existing(tx)?;
        let last_credited = crate::register::interest::last_credited(tx)?;
        let terminated = terminations(tx)?;
        Ok(Books {
            register,
            existing,
            last_credited,
            terminated,
        })
    }
}

/// Where a row's problems are reported: the row and the file's columns.
#[derive(Clone, Copy)]
struct RowAt<'t> {
    row_no: usize,
    cols: &'t Columns,
    table: &'t Table,
}

impl RowAt<'_> {
    fn err(&self, out: &mut ImportOutcome, k: usize, v: &str, code: &'static str, msg: String) {
        out.errors.push(Problem::at(
            self.row_no,
            self.cols,
            self.table,
            k,
            v,
            code,
            msg,
        ));
    }
}

/// The cells of a row, read and checked one by one (None where a cell is wrong).
struct RowCells<'t> {
    id: Option<CitizenId>,
    person: Option<PersonKey>,
    year_raw: &'t str,
    year: Option<i32>,
    amount_raw: &'t str,
    amount: Option<i64>,
    date_raw: &'t str,
    paid_date: Option<NaiveDate>,
    receipt: &'t str,
}

impl RowCells<'_> {
    /// The citizen id as written, for messages.
    fn id_text(&self) -> &str {
        self.id.as_ref().map_or("", |i| i.as_str())
    }
}

/// What the checks of a row against the file and the books decided.
enum Verdict {
    /// The row is new and may be posted.
    New,
    /// The row was imported before, identically: skip it.
    AlreadyImported,
    /// The row is refused (its problem is reported).
    Refused,
}

/// Checks the rows of a contribution file one by one, remembering what earlier rows used.
struct RowValidator<'t> {
    table: &'t Table,
    cols: &'t Columns,
    books: &'t Books,
    scope: &'t crate::access::Actor,
    today: NaiveDate,
    params: ParamCache<'t>,
    seen_person_year: FastMap<(i64, i32), usize>,
    seen_receipt: FastMap<(u32, &'t str), usize>,
}

impl<'t> RowValidator<'t> {
    fn new(
        table: &'t Table,
        cols: &'t Columns,
        books: &'t Books,
        scope: &'t crate::access::Actor,
        policy: &'t crate::policy::PolicyBook,
        today: NaiveDate,
    ) -> Self {
        let n_rows = table.rows.len();
        RowValidator {
            table,
            cols,
            books,
            scope,
            today,
            params: ParamCache::new(policy),
            seen_person_year: FastMap::with_capacity_and_hasher(n_rows, Default::default()),
            seen_receipt: FastMap::with_capacity_and_hasher(n_rows, Default::default()),
        }
    }

    /// Checks every row; returns the contributions to post (problems go to `out`, rows already
    /// imported identically are counted as skipped).
    fn validate_all(
        &mut self,
        tx: &mut Tx<'_>,
        out: &mut ImportOutcome,
    ) -> Result<Vec<ValidContribution<'t>>> {
        let table = self.table;
        let mut valid: Vec<ValidContribution> = Vec::with_capacity(table.rows.len());
        for (row_no, cells) in &table.rows {
            if let Some(v) = self.validate_row(tx, out, *row_no, cells)? {
                valid.push(v);
            }
        }
        Ok(valid)
    }

    /// Checks one row: its cells, then against earlier rows and the books.
    fn validate_row(
        &mut self,
        tx: &mut Tx<'_>,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &'t [Cell],
    ) -> Result<Option<ValidContribution<'t>>> {
        let at = RowAt {
            row_no,
            cols: self.cols,
            table: self.table,
        };
        let before = out.errors.len();
        let row = self.read_cells(tx, out, at, cells)?;
        let subsidy = self.check_tier_and_age(out, at, &row);
        if out.errors.len() > before {
            return Ok(None);
        }
        let (Some(p), Some(year), Some(amount_fen), Some(paid_date), Some(subsidy)) =
            (row.person, row.year, row.amount, row.paid_date, subsidy)
        else {
            return Ok(None);
        };
        let c = ValidContribution {
            person_id: p.person_id,
            county: p.county,
            year,
            amount_fen,
            subsidy,
            paid_date,
            receipt_no: row.receipt.into(),
        };
        match self.check_against_file_and_books(out, at, &row, &c) {
            Verdict::New => {}
            Verdict::AlreadyImported => {
                out.skipped += 1;
                return Ok(None);
            }
            Verdict::Refused => return Ok(None),
        }
        if !self.check_new_row(out, at, &row, &c) {
            return Ok(None);
        }
        Ok(Some(c))
    }

    /// Reads the cells of a row, reporting each one that is wrong.
    fn read_cells(
        &self,
        tx: &mut Tx<'_>,
        out: &mut ImportOutcome,
        at: RowAt<'t>,
        cells: &'t [Cell],
    ) -> Result<RowCells<'t>> {
        let cols = self.cols;
        let (id, person) = self.read_person(tx, out, at, cells)?;
        let year_raw = cols.cell(cells, YEAR);
        let year: Option<i32> = year_raw
            .trim_end_matches('年')
            .parse()
            .ok()
            .filter(|y| (1900..=2100).contains(y));
        if year.is_none() {
            at.err(
                out,
                YEAR,
                year_raw,
                "E-CONTRIB-YEAR-FORMAT",
                "缴费年度应为四位年份，如 2023".into(),
            );
        }
        let amount_raw = cols.cell(cells, AMOUNT);
        let amount = cols
            .amount_fen(cells, AMOUNT, true, "缴费金额")
            .map_err(|e| at.err(out, AMOUNT, amount_raw, e.code, e.message))
            .ok();
        let date_raw = cols.cell(cells, DATE);
        let paid_date = match cols.past_date(
            cells,
            DATE,
            self.today,
            ("E-DATE-FUTURE", "缴费日期晚于今天"),
        ) {
            Ok(d) => Some(d),
            Err(e) => {
                at.err(out, DATE, date_raw, e.code, e.message);
                None
            }
        };
        let receipt = cols.cell(cells, RECEIPT);
        check_receipt(out, at, receipt);
        Ok(RowCells {
            id,
            person,
            year_raw,
            year,
            amount_raw,
            amount,
            date_raw,
            paid_date,
            receipt,
        })
    }

    /// The citizen id of a row and the registered person it names, if the importing account may
    /// record contributions for them; the name must match and the person be in the basic scheme.
    fn read_person(
        &self,
        tx: &mut Tx<'_>,
        out: &mut ImportOutcome,
        at: RowAt<'t>,
        cells: &'t [Cell],
    ) -> Result<(Option<CitizenId>, Option<PersonKey>)> {
        let id = check_id_cell(
            at.row_no,
            self.table,
            self.cols,
            cells,
            ID,
            &mut out.errors,
            &mut out.warnings,
        );
        let person = id.as_ref().and_then(|id| {
            let p = self.books.register.get(id);
            match p {
                None => at.err(
                    out,
                    ID,
                    id.as_str(),
                    "E-CONTRIB-PERSON-UNKNOWN",
                    "此人不在参保登记册中，请先导入人员信息".into(),
                ),
                Some(p) if !self.scope.covers(&p.county_code()) => {
                    at.err(
                        out,
                        ID,
                        id.as_str(),
                        "E-ACCESS-COUNTY",
                        format!(
                            "此人登记在{}，{}不能为其记缴费",
                            county_label(&p.county_code()),
                            self.scope.describe()
                        ),
                    );
                    return None;
                }
                Some(_) => {}
            }
            p.copied()
        });
        let name = self.cols.cell(cells, NAME);
        if let Some(p) = person {
            if p.name_hash != name_hash(name) {
                let registered = registered_name(tx, p.person_id)?;
                at.err(
                    out,
                    NAME,
                    name,
                    "E-CONTRIB-NAME-MISMATCH",
                    format!("姓名与登记册不符（登记为“{registered}”）"),
                );
            }
            if !p.basic_enrolled {
                at.err(
                    out,
                    ID,
                    id.as_ref().map_or("", |i| i.as_str()),
                    "E-CONTRIB-NOT-BASIC",
                    "此人未参加城乡居民基本养老保险，不能参加补充养老保险".into(),
                );
            }
        }
        Ok((id, person))
    }

    /// The entry subsidy of the row's amount under the parameters of its county and year (None
    /// and a problem if the amount is no tier); the person must be under the benefit age.
    fn check_tier_and_age(
        &mut self,
        out: &mut ImportOutcome,
        at: RowAt<'t>,
        row: &RowCells<'t>,
    ) -> Option<LevelAmounts> {
        let (Some(p), Some(year)) = (row.person, row.year) else {
            return None;
        };
        let mut subsidy = None;
        let cached = row
            .amount
            .filter(|a| *a > 0)
            .and_then(|a| self.params.entry_subsidy(p.county, year, a));
        match self.params.get(p.county, year) {
            Err((code, msg)) => at.err(out, YEAR, row.year_raw, code, msg),
            Ok(sp) => {
                if let Some(a) = row.amount.filter(|a| *a > 0) {
                    subsidy = cached;
                    if subsidy.is_none() {
                        at.err(
                            out,
                            AMOUNT,
                            row.amount_raw,
                            "E-CONTRIB-NOT-A-TIER",
                            format!(
                                "缴费金额 {} 元不是 {year} 年的缴费档次（{} 元）",
                                format_yuan(a),
                                tiers_text(sp)
                            ),
                        );
                    }
                }
                if let Some(id) = &row.id {
                    if age_on(id.birth_date(), jan1(year)) >= sp.benefit_age as i32 {
                        at.err(
                            out,
                            YEAR,
                            row.year_raw,
                            "E-CONTRIB-OVER-AGE",
                            format!(
                                "此人在 {year} 年初已达到待遇领取年龄 {} 岁，不再缴费",
                                sp.benefit_age
                            ),
                        );
                    }
                }
            }
        }
        subsidy
    }

    /// Checks a well-formed row against the earlier rows of the file (a receipt, a person's year
    /// once) and the contributions already in the books.
    fn check_against_file_and_books(
        &mut self,
        out: &mut ImportOutcome,
        at: RowAt<'t>,
        row: &RowCells<'t>,
        c: &ValidContribution<'_>,
    ) -> Verdict {
        let receipt = row.receipt;
        let (year, amount_fen, paid_date) = (c.year, c.amount_fen, c.paid_date);
        if let Some(first) = self.seen_receipt.insert((c.county, receipt), at.row_no) {
            at.err(
                out,
                RECEIPT,
                receipt,
                "E-CONTRIB-DUPLICATE-RECEIPT",
                format!("票据号在文件中重复（首次在第 {first} 行）"),
            );
            return Verdict::Refused;
        }
        if let Some(first) = self.seen_person_year.insert((c.person_id, year), at.row_no) {
            at.err(
                out,
                ID,
                row.id_text(),
                "E-CONTRIB-DUPLICATE-PERSON",
                format!("同一人同一年度在文件中出现两次（首次在第 {first} 行）"),
            );
            return Verdict::Refused;
        }
        let existing = &self.books.existing;
        let known = if existing.by_receipt.is_empty() {
            None
        } else {
            existing.by_receipt.get(&(c.county, receipt.to_string()))
        };
        match known {
            Some(&(pid, y, a, d))
                if (pid, y, a, d) == (c.person_id, year, amount_fen, paid_date) =>
            {
                return Verdict::AlreadyImported;
            }
            Some(_) => {
                at.err(
                    out,
                    RECEIPT,
                    receipt,
                    "E-CONTRIB-RECEIPT-CONFLICT",
                    "此票据号已导入，但内容（人员、年度、金额或日期）与本行不同".into(),
                );
                return Verdict::Refused;
            }
            None => {}
        }
        if existing.self_paid_years.contains_key(&(c.person_id, year)) {
            at.err(
                out,
                YEAR,
                row.year_raw,
                "E-CONTRIB-YEAR-ALREADY-PAID",
                format!("此人 {year} 年度已有另一张票据的缴费记录"),
            );
            return Verdict::Refused;
        }
        Verdict::New
    }

    /// Checks that concern only rows new to the books (a row imported before stays valid): the
    /// date within the year's reach, before any interest credited, before any termination.
    /// False if the row is refused.
    fn check_new_row(
        &self,
        out: &mut ImportOutcome,
        at: RowAt<'t>,
        row: &RowCells<'t>,
        c: &ValidContribution<'_>,
    ) -> bool {
        let (year, d) = (c.year, c.paid_date);
        let before = out.errors.len();
        let last_credited = &self.books.last_credited;
        if d < jan1(year) {
            at.err(
                out,
                DATE,
                row.date_raw,
                "E-CONTRIB-DATE-BEFORE-YEAR",
                format!("缴费日期 {d} 早于缴费年度 {year} 年（可以补缴往年，不能预缴来年）"),
            );
        } else if crate::register::interest::changes_credited_interest(
            last_credited.get(&c.county).copied(),
            d,
        ) {
            let last = last_credited[&c.county];
            at.err(
                out,
                DATE,
                row.date_raw,
                "E-CONTRIB-AFTER-INTEREST",
                format!("该县区已为 {last} 年计息，缴费日期 {d} 的记录会改变已记账的利息，不能在计息后补录；请核实实际到账日期"),
            );
        }
        if let Some(t) = self.books.terminated.get(&c.person_id).filter(|t| d >= **t) {
            at.err(
                out,
                ID,
                row.id_text(),
                "E-CONTRIB-TERMINATED",
                format!("此人已于 {t} 终止参保，不能再缴费"),
            );
        }
        out.errors.len() == before
    }
}

/// A receipt number must be given and at most 64 characters.
fn check_receipt(out: &mut ImportOutcome, at: RowAt<'_>, receipt: &str) {
    if receipt.is_empty() {
        at.err(
            out,
            RECEIPT,
            "",
            "E-CONTRIB-RECEIPT-EMPTY",
            "票据号为空".into(),
        );
    } else if receipt.chars().count() > 64 {
        at.err(
            out,
            RECEIPT,
            receipt,
            "E-CONTRIB-RECEIPT-LENGTH",
            "票据号超过 64 个字符".into(),
        );
    }
}

/// Records the import, posts its contributions and audits it.
fn write_import(
    tx: &mut Tx<'_>,
    table: &Table,
    actor: &str,
    valid: &[ValidContribution<'_>],
    out: &mut ImportOutcome,
    t0: std::time::Instant,
) -> Result<()> {
    let import_id = record_import(tx, "contributions", table, actor, valid.len(), out.skipped)?;
    out.import_id = Some(import_id);
    post_contributions(
        tx,
        valid,
        "self",
        Some(import_id),
        actor,
        &format!("导入缴费文件 {}", table.file_name),
    )?;
    out.posted = valid.len();
    tracing::info!("记账 {:?}", t0.elapsed());
    audit(
        tx,
        actor,
        "import.contributions",
        &serde_json::json!({
            "import_id": import_id, "file": table.file_name, "sha256": table.sha256,
            "posted": out.posted, "skipped": out.skipped,
        }),
    )?;
    Ok(())
}

/// Posts validated contributions of one kind (`self` or `gov_paid`): one journal entry per county,
/// the contribution records and the sub-ledger movements, in bulk.
pub fn post_contributions(
    tx: &mut Tx<'_>,
    rows: &[ValidContribution<'_>],
    kind: &'static str,
    import_id: Option<i64>,
    actor: &str,
    description: &str,
) -> Result<BTreeMap<String, i64>> {
    let mut by_county: BTreeMap<String, Vec<&ValidContribution<'_>>> = BTreeMap::new();
    for r in rows {
        by_county
            .entry(format!("{:06}", r.county))
            .or_default()
            .push(r);
    }
    let mut entries = BTreeMap::new();
    for (county, list) in &by_county {
        let county = county.as_str();
        let date = list.iter().map(|r| r.paid_date).max().expect("non-empty");
        let mut draft = EntryDraft {
            county,
            date,
            kind: if kind == "self" {
                "contribution"
            } else {
                "gov_paid"
            },
            description: description.to_string(),
            import_id,
            lines: Vec::new(),
        };
        let (main_asset, main_claim) = if kind == "self" {
            (ledger::BANK.to_string(), ledger::IND_PERSONAL.to_string())
        } else {
            (
                ledger::subsidy_receivable("gov_paid", "county"),
                ledger::ind_gov_paid("county"),
            )
        };
        let total: i64 = list.iter().map(|r| r.amount_fen).sum();
        draft.add(&main_asset, total);
        draft.add(&main_claim, -total);
        for (i, level) in ledger::LEVELS.iter().enumerate() {
            let s: i64 = list.iter().map(|r| level_part(&r.subsidy, i)).sum();
            draft.add(&ledger::subsidy_receivable("entry", level), s);
            draft.add(&ledger::ind_entry_subsidy(level), -s);
        }
        let entry_id = ledger::post(tx, &draft, actor)?;
        entries.insert(county.to_string(), entry_id);
        let n = list.len() as i64;
        let first_m = tx.allocate_ids("movement", n)?;
        let items: Vec<(i64, &ValidContribution<'_>)> = (0..n).zip(list.iter().copied()).collect();
        let (personal, gov) = if kind == "self" { (1, 0) } else { (0, 1) };
        tx.insert_many(
            "account_movements",
            &ledger::MOVEMENT_COLUMNS,
            &items,
            |(i, r), b| {
                b.extend([
                    Param::Int(first_m + i),
                    Param::Text(county),
                    Param::Int(r.person_id),
                    Param::Int(entry_id),
                    Param::Date(r.paid_date),
                    Param::Text(kind),
                    Param::Int(r.year.into()),
                    Param::Int(r.amount_fen * personal),
                    Param::Int(r.subsidy.province_fen),
                    Param::Int(r.subsidy.city_fen),
                    Param::Int(r.subsidy.county_fen),
                    Param::Int(r.amount_fen * gov),
                    Param::Int(0),
                    Param::Text(&r.receipt_no),
                ])
            },
        )?;
    }
    Ok(entries)
}

fn level_part(a: &LevelAmounts, i: usize) -> i64 {
    match i {
        0 => a.province_fen,
        1 => a.city_fen,
        _ => a.county_fen,
    }
}
