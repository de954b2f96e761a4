//! Death records from every source: reading and matching them to the register (exact ID, or a
//! scored candidate for review), applying a death (benefits stop, drafts lose the person) and the
//! overpayments a death finds already paid.

use crate::access::{county_label, Action};
use crate::imports::problems::{ImportOutcome, Problem};
use crate::imports::table::{read_table, Cell, Columns, Table, Upload};
use crate::ledger::{self, EntryDraft};
use crate::register::index::{name_hash, FastMap, RegisterIndex};
use crate::register::persons::{begin_import, finish, record_import};
use crate::{audit, Ctx, OpsError, Result};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use yanglao_domain::{CitizenId, Month};
use yanglao_store::{ColType, Param, Tx};

pub const COLUMNS: [&str; 4] = ["身份证号", "姓名", "死亡日期", "来源编号"];
/// The optional column of the date each record was reported (its business date).
pub const REPORT_DATE: &str = "报告日期";
pub(crate) const ID: usize = 0;
pub(crate) const NAME: usize = 1;
pub(crate) const DATE: usize = 2;
pub(crate) const REF: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Source {
    #[serde(rename = "police")]
    Police,
    #[serde(rename = "civil-affairs")]
    CivilAffairs,
    #[serde(rename = "health")]
    Health,
    #[serde(rename = "village")]
    Village,
}

impl Source {
    pub fn parse(s: &str) -> Option<Source> {
        match s.trim() {
            "police" | "公安" | "户籍注销" => Some(Source::Police),
            "civil-affairs" | "民政" | "火化" | "殡葬" => Some(Source::CivilAffairs),
            "health" | "卫健" | "卫生健康" | "死亡医学证明" => Some(Source::Health),
            "village" | "村" | "村报" | "去世人员月报" => Some(Source::Village),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Source::Police => "police",
            Source::CivilAffairs => "civil-affairs",
            Source::Health => "health",
            Source::Village => "village",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Source::Police => "公安户籍注销",
            Source::CivilAffairs => "民政火化殡葬",
            Source::Health => "卫健死亡医学证明",
            Source::Village => "村去世人员月报",
        }
    }
    pub fn official(self) -> bool {
        self != Source::Village
    }
}

/// A stored source code (`police`, `village`…) as a person reads it; an unknown code as it is.
pub fn source_zh(code: &str) -> &str {
    match Source::parse(code) {
        Some(s) => s.label_zh(),
        None => code,
    }
}

/// A death record's matching state as a person reads it.
pub fn match_status_zh(status: &str) -> &str {
    match status {
        "matched" => "已匹配",
        "unmatched" => "未匹配",
        "review" => "待人工审核",
        "confirmed" => "审核确认",
        "rejected" => "审核驳回",
        other => other,
    }
}

pub(crate) struct NewRecord {
    pub(crate) record_id: i64,
    pub(crate) source_ref: String,
    pub(crate) citizen_id_raw: String,
    pub(crate) name: String,
    pub(crate) birth_date: Option<NaiveDate>,
    pub(crate) county_raw: Option<String>,
    pub(crate) death_date: NaiveDate,
    /// The record's business date: its report date, or the file's processing date.
    pub(crate) reported: NaiveDate,
    pub(crate) person: Option<(i64, String)>,
    pub(crate) status: &'static str,
    pub(crate) score: Option<i64>,
}

/// Scores a fuzzy candidate: the name must match (50); the birth date (30) and county (20) add.
pub(crate) fn score(name_matches: bool, birth_matches: bool, county_matches: bool) -> i64 {
    if !name_matches {
        return 0;
    }
    50 + if birth_matches { 30 } else { 0 } + if county_matches { 20 } else { 0 }
}

/// Imports a file of death records from one source. Each record's business date — the date its
/// effects (suspension, overpayments, recovery case) are posted on — is its 报告日期 (report
/// date) column when the file has one, else `processed_on`, the date the file was processed
/// (`--date`); one of the two is required.
pub fn import(
    ctx: &mut Ctx,
    upload: &Upload,
    source: Source,
    dry_run: bool,
    processed_on: Option<NaiveDate>,
) -> Result<ImportOutcome> {
    ctx.actor.require(Action::Deaths)?;
    let scope = ctx.actor.clone();
    ctx.policy.require()?;
    let table = read_table(upload)?;
    let file = DeathFile::columns(&table)?;
    let today = crate::register::persons::today();
    check_business_dates(&table, &file, processed_on, today)?;
    let mut out = ImportOutcome::new("deaths", &table.file_name, dry_run);
    out.rows = table.rows.len();
    let actor = ctx.who();
    ctx.db.transaction(|tx| -> Result<()> {
        let kind = format!("deaths-{}", source.code());
        if !begin_import(tx, &mut out, &table, &kind, &[file.cols.index[ID]])? {
            return Ok(());
        }
        let mut rows = RowReader {
            table: &table,
            file: &file,
            source,
            scope: &scope,
            today,
            processed_on,
            register: RegisterIndex::load(tx)?,
            existing: existing_records(tx, source)?,
            seen_ref: FastMap::default(),
            seen_person: FastMap::default(),
        };
        let (mut new, fuzzy) = rows.read_all(&mut out);
        if !out.errors.is_empty() || dry_run {
            return Ok(());
        }
        propose_candidates(tx, &scope, &mut new, &fuzzy)?;
        let import_id = record_import(tx, &kind, &table, &actor, new.len(), out.skipped)?;
        out.import_id = Some(import_id);
        write_records(tx, source, import_id, &mut new)?;
        let applied = apply_matched(tx, &new, &actor)?;
        out.posted = new.len();
        out.details = Some(import_details(source, &new, &applied));
        audit(tx, &actor, "import.deaths", &serde_json::json!({"import_id": import_id, "file": table.file_name, "source": source, "records": new.len(), "details": out.details}))?;
        Ok(())
    })?;
    finish(&mut out);
    Ok(out)
}

/// The columns of a death file: the required ones and the optional ones it may have.
struct DeathFile {
    cols: Columns,
    birth_col: Option<usize>,
    county_col: Option<usize>,
    source_col: Option<usize>,
    report_col: Option<usize>,
    /// The 来源 column alone, for problems found in it.
    source_cols: Option<Columns>,
}

impl DeathFile {
    fn columns(table: &Table) -> Result<DeathFile> {
        let cols = table.columns(&COLUMNS)?;
        let optional = |h: &str| table.columns(&[h]).ok().map(|c| c.index[0]);
        Ok(DeathFile {
            cols,
            birth_col: optional("出生日期"),
            county_col: optional("县区代码"),
            source_col: optional("来源"),
            report_col: optional(REPORT_DATE),
            source_cols: table.columns(&["来源"]).ok(),
        })
    }
}

/// A business date is required (the report date column or `--date`), and `--date` not future.
fn check_business_dates(
    table: &Table,
    file: &DeathFile,
    processed_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<()> {
    if file.report_col.is_none() && processed_on.is_none() {
        return Err(OpsError::rule(
            "E-DEATH-DATE-REQUIRED",
            format!(
                "{}：文件没有“{REPORT_DATE}”列，请用 --date YYYY-MM-DD 指明这批死亡信息的处理日期（停发、多发转应收和追回案件都记在这一天，而不是电脑的当前日期）",
                table.file_name
            ),
        ));
    }
    if let Some(d) = processed_on.filter(|d| *d > today) {
        return Err(OpsError::rule(
            "E-DATE-FUTURE",
            format!("处理日期 {d} 晚于今天"),
        ));
    }
    Ok(())
}

/// The records of a source already imported: source reference → (citizen id as written, death date).
fn existing_records(
    tx: &mut Tx<'_>,
    source: Source,
) -> Result<FastMap<String, (String, NaiveDate)>> {
    let mut existing: FastMap<String, (String, NaiveDate)> = FastMap::default();
    tx.for_each_ref(
        "SELECT source_ref, citizen_id_raw, death_date FROM death_records WHERE source = $1",
        &[Param::Text(source.code())],
        |r| {
            existing.insert(r.str(0)?.to_string(), (r.str(1)?.to_string(), r.date(2)?));
            Ok(())
        },
    )?;
    Ok(existing)
}

/// Reads and checks the rows of a death file, remembering what earlier rows used.
struct RowReader<'t> {
    table: &'t Table,
    file: &'t DeathFile,
    source: Source,
    scope: &'t crate::access::Actor,
    today: NaiveDate,
    processed_on: Option<NaiveDate>,
    register: RegisterIndex,
    existing: FastMap<String, (String, NaiveDate)>,
    seen_ref: FastMap<String, usize>,
    seen_person: FastMap<i64, usize>,
}

impl RowReader<'_> {
    /// The new records of the file, and the indexes of those whose citizen id is no valid id
    /// (to be matched by name). Problems go to `out`; records imported before are skipped.
    fn read_all(&mut self, out: &mut ImportOutcome) -> (Vec<NewRecord>, Vec<usize>) {
        let mut new = Vec::new();
        let mut fuzzy = Vec::new();
        for (row_no, cells) in &self.table.rows {
            if let Some((record, by_name)) = self.read_row(out, *row_no, cells) {
                if by_name {
                    fuzzy.push(new.len());
                }
                new.push(record);
            }
        }
        (new, fuzzy)
    }

    fn err(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        k: usize,
        v: &str,
        code: &'static str,
        msg: String,
    ) {
        out.errors.push(Problem::at(
            row_no,
            &self.file.cols,
            self.table,
            k,
            v,
            code,
            msg,
        ));
    }

    /// One row as a new record (and whether it is to be matched by name), or None if it has a
    /// problem or was imported before.
    fn read_row(
        &mut self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
    ) -> Option<(NewRecord, bool)> {
        let cols = &self.file.cols;
        let before = out.errors.len();
        self.check_source_cell(out, row_no, cells);
        let raw_id = cols.cell(cells, ID).to_string();
        let name = cols.cell(cells, NAME).to_string();
        if name.is_empty() {
            self.err(
                out,
                row_no,
                NAME,
                "",
                "E-PERSON-NAME-EMPTY",
                "姓名为空".into(),
            );
        }
        let reference = cols.cell(cells, REF).to_string();
        if reference.is_empty() {
            self.err(
                out,
                row_no,
                REF,
                "",
                "E-DEATH-REF-EMPTY",
                "来源编号为空".into(),
            );
        }
        let date_raw = cols.cell(cells, DATE);
        let death_date = self.read_death_date(out, row_no, cells);
        let reported = self.read_reported(out, row_no, cells, death_date);
        let birth_date = self.read_birth_date(out, row_no, cells);
        let county_raw = self
            .file
            .county_col
            .and_then(|c| cells.get(c))
            .map(|c| c.text.clone())
            .filter(|c| !c.is_empty());
        let (person, by_name) = self.match_id(out, row_no, &raw_id, date_raw, death_date);
        if let (Some(d), Some(b)) = (death_date, birth_date) {
            if d < b {
                self.err(
                    out,
                    row_no,
                    DATE,
                    date_raw,
                    "E-DEATH-BEFORE-BIRTH",
                    format!("死亡日期早于出生日期 {b}"),
                );
            }
        }
        if !reference.is_empty() {
            if let Some(first) = self.seen_ref.insert(reference.clone(), row_no) {
                self.err(
                    out,
                    row_no,
                    REF,
                    &reference,
                    "E-DEATH-DUPLICATE",
                    format!("来源编号在文件中重复（首次在第 {first} 行）"),
                );
            }
        }
        if out.errors.len() > before {
            return None;
        }
        let (Some(death_date), Some(reported)) = (death_date, reported) else {
            return None;
        };
        if !self.new_to_the_books(out, row_no, &reference, &raw_id, death_date) {
            return None;
        }
        let record = NewRecord {
            record_id: 0,
            source_ref: reference,
            citizen_id_raw: raw_id,
            name,
            birth_date,
            county_raw,
            death_date,
            reported,
            status: if person.is_some() {
                "matched"
            } else {
                "unmatched"
            },
            person,
            score: None,
        };
        Some((record, by_name))
    }

    /// The row's death date: a date, not in the future.
    fn read_death_date(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
    ) -> Option<NaiveDate> {
        let cols = &self.file.cols;
        let date_raw = cols.cell(cells, DATE);
        match cols.past_date(
            cells,
            DATE,
            self.today,
            ("E-DEATH-FUTURE", "死亡日期晚于今天"),
        ) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(out, row_no, DATE, date_raw, e.code, e.message);
                None
            }
        }
    }

    /// Whether a record is new to the books. One imported before with the same citizen id and
    /// death date is counted as skipped; with others it is refused.
    fn new_to_the_books(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        reference: &str,
        raw_id: &str,
        death_date: NaiveDate,
    ) -> bool {
        match self.existing.get(reference) {
            Some((raw, d)) if *raw == raw_id && *d == death_date => {
                out.skipped += 1;
                false
            }
            Some(_) => {
                self.err(
                    out,
                    row_no,
                    REF,
                    reference,
                    "E-DEATH-CONFLICT",
                    "此来源编号已导入，但身份证号或死亡日期不同".into(),
                );
                false
            }
            None => true,
        }
    }

    /// A row's 来源, when the file has the column, must be the source imported.
    fn check_source_cell(&self, out: &mut ImportOutcome, row_no: usize, cells: &[Cell]) {
        let source = self.source;
        if let (Some(c), Some(sc)) = (self.file.source_col, &self.file.source_cols) {
            let v = cells.get(c).map_or("", |c| c.text.as_str());
            if !v.is_empty() && Source::parse(v) != Some(source) {
                out.errors.push(Problem::at(
                    row_no,
                    sc,
                    self.table,
                    0,
                    v,
                    "E-DEATH-MIXED-SOURCE",
                    format!(
                        "此行来源“{v}”与导入指定的来源“{}”不同：一个文件只能有一个来源",
                        source.label_zh()
                    ),
                ));
            }
        }
    }

    /// The row's business date: its report date (not future, not before the death), or the
    /// date the file was processed.
    fn read_reported(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
        death_date: Option<NaiveDate>,
    ) -> Option<NaiveDate> {
        let reported_raw = self
            .file
            .report_col
            .and_then(|c| cells.get(c))
            .map_or("", |c| c.text.as_str());
        let reported = if reported_raw.is_empty() {
            if self.processed_on.is_none() {
                self.err(
                    out,
                    row_no,
                    DATE,
                    "",
                    "E-DEATH-DATE-REQUIRED",
                    format!("“{REPORT_DATE}”为空，且导入时没有用 --date 指明处理日期"),
                );
            }
            self.processed_on
        } else {
            match yanglao_domain::parse_date(reported_raw) {
                Ok(d) if d > self.today => {
                    self.err(
                        out,
                        row_no,
                        DATE,
                        reported_raw,
                        "E-DATE-FUTURE",
                        format!("{REPORT_DATE} {d} 晚于今天"),
                    );
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    self.err(
                        out,
                        row_no,
                        DATE,
                        reported_raw,
                        e.code,
                        format!("{REPORT_DATE}：{}", e.message),
                    );
                    None
                }
            }
        };
        if let (Some(r), Some(d)) = (reported, death_date) {
            if r < d {
                self.err(
                    out,
                    row_no,
                    DATE,
                    reported_raw,
                    "E-DEATH-REPORTED-BEFORE-DEATH",
                    format!("报告日期 {r} 早于死亡日期 {d}"),
                );
            }
        }
        reported
    }

    /// The row's optional birth date.
    fn read_birth_date(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
    ) -> Option<NaiveDate> {
        let birth_date = self
            .file
            .birth_col
            .and_then(|c| cells.get(c))
            .filter(|c| !c.text.is_empty())
            .map(|c| yanglao_domain::parse_date(&c.text));
        match birth_date {
            Some(Ok(d)) => Some(d),
            Some(Err(e)) => {
                self.err(
                    out,
                    row_no,
                    DATE,
                    "",
                    e.code,
                    format!("出生日期：{}", e.message),
                );
                None
            }
            None => None,
        }
    }

    /// The registered person a valid citizen id names (once per file, inside the importing
    /// account's counties), or — for an id that is no valid id — true: to be matched by name.
    fn match_id(
        &mut self,
        out: &mut ImportOutcome,
        row_no: usize,
        raw_id: &str,
        date_raw: &str,
        death_date: Option<NaiveDate>,
    ) -> (Option<(i64, String)>, bool) {
        let id = match CitizenId::parse(raw_id) {
            Ok((id, _)) => id,
            Err(_) => return (None, true),
        };
        let Some(p) = self.register.get(&id).copied() else {
            self.err(
                out,
                row_no,
                ID,
                raw_id,
                "E-DEATH-UNKNOWN-ID",
                "身份证号有效，但此人不在参保登记册中".into(),
            );
            return (None, false);
        };
        if let Some(d) = death_date {
            if d < id.birth_date() {
                self.err(
                    out,
                    row_no,
                    DATE,
                    date_raw,
                    "E-DEATH-BEFORE-BIRTH",
                    format!("死亡日期早于出生日期 {}", id.birth_date()),
                );
            }
        }
        if let Some(first) = self.seen_person.insert(p.person_id, row_no) {
            self.err(
                out,
                row_no,
                ID,
                raw_id,
                "E-DEATH-DUPLICATE",
                format!("同一人在文件中出现两次（首次在第 {first} 行）"),
            );
        }
        if !self.scope.covers(&p.county_code()) {
            self.err(
                out,
                row_no,
                ID,
                raw_id,
                "E-ACCESS-COUNTY",
                format!(
                    "此人登记在{}，{}不能登记其死亡信息",
                    county_label(&p.county_code()),
                    self.scope.describe()
                ),
            );
        }
        (Some((p.person_id, p.county_code())), false)
    }
}

/// Fuzzy candidates: one pass over the register, by name. A record whose best candidate scores
/// 50 or more proposes that person for review.
fn propose_candidates(
    tx: &mut Tx<'_>,
    scope: &crate::access::Actor,
    new: &mut [NewRecord],
    fuzzy: &[usize],
) -> Result<()> {
    if fuzzy.is_empty() {
        return Ok(());
    }
    let wanted: FastMap<u64, ()> = fuzzy
        .iter()
        .map(|&i| (name_hash(&new[i].name), ()))
        .collect();
    let mut by_name: FastMap<u64, Vec<(i64, String, NaiveDate, String)>> = FastMap::default();
    // Only people of the actor's counties are candidates: a county's account never puts
    // another county's person in the review queue.
    tx.for_each_ref(
        "SELECT person_id, county, birth_date, name FROM persons",
        &[],
        |r| {
            let h = name_hash(r.str(3)?);
            if wanted.contains_key(&h) && scope.covers(r.str(1)?) {
                by_name.entry(h).or_default().push((
                    r.i64(0)?,
                    r.str(1)?.to_string(),
                    r.date(2)?,
                    r.str(3)?.to_string(),
                ));
            }
            Ok(())
        },
    )?;
    for &i in fuzzy {
        let rec = &mut new[i];
        let best = by_name
            .get(&name_hash(&rec.name))
            .into_iter()
            .flatten()
            .map(|(pid, county, birth, name)| {
                let s = score(
                    *name == rec.name,
                    rec.birth_date == Some(*birth),
                    rec.county_raw.as_deref() == Some(county.as_str()),
                );
                (s, *pid, county.clone())
            })
            .max_by_key(|c| (c.0, -c.1));
        if let Some((s, pid, county)) = best.filter(|b| b.0 >= 50) {
            rec.person = Some((pid, county));
            rec.score = Some(s);
            rec.status = "review";
        }
    }
    Ok(())
}

/// Numbers the new records and writes them.
fn write_records(
    tx: &mut Tx<'_>,
    source: Source,
    import_id: i64,
    new: &mut [NewRecord],
) -> Result<()> {
    let first = tx.allocate_ids("death_record", new.len() as i64)?;
    for (i, r) in new.iter_mut().enumerate() {
        r.record_id = first + i as i64;
    }
    let now = yanglao_store::now();
    tx.insert_many(
        "death_records",
        &[
            ("record_id", ColType::Int),
            ("source", ColType::Text),
            ("source_ref", ColType::Text),
            ("citizen_id_raw", ColType::Text),
            ("name", ColType::Text),
            ("birth_date", ColType::Date),
            ("county_raw", ColType::Text),
            ("death_date", ColType::Date),
            ("person_id", ColType::Int),
            ("person_county", ColType::Text),
            ("match_status", ColType::Text),
            ("match_score", ColType::Int),
            ("import_id", ColType::Int),
            ("recorded_at", ColType::Timestamp),
            ("reported_on", ColType::Date),
        ],
        new,
        |r, b| {
            b.extend([
                Param::Int(r.record_id),
                Param::Text(source.code()),
                Param::Text(&r.source_ref),
                Param::Text(&r.citizen_id_raw),
                Param::Text(&r.name),
                Param::from(r.birth_date),
                Param::from(r.county_raw.as_ref()),
                Param::Date(r.death_date),
                Param::from(r.person.as_ref().map(|p| p.0)),
                Param::from(r.person.as_ref().map(|p| &p.1)),
                Param::Text(r.status),
                Param::from(r.score),
                Param::Int(import_id),
                Param::Timestamp(now),
                Param::Date(r.reported),
            ])
        },
    )?;
    Ok(())
}

/// Applies the death of every person matched exactly.
fn apply_matched(tx: &mut Tx<'_>, new: &[NewRecord], actor: &str) -> Result<Vec<Applied>> {
    let mut applied = Vec::new();
    // One record per person in a file (duplicates are refused): each applies on its own date.
    let mut persons: Vec<(i64, String, NaiveDate)> = new
        .iter()
        .filter(|r| r.status == "matched")
        .filter_map(|r| r.person.clone().map(|(p, c)| (p, c, r.reported)))
        .collect();
    persons.sort();
    persons.dedup();
    for (pid, county, on) in &persons {
        applied.push(apply_death(tx, county, *pid, actor, *on)?);
    }
    Ok(applied)
}

/// The counts an import reports: records by matching state, and what applying them did.
fn import_details(source: Source, new: &[NewRecord], applied: &[Applied]) -> serde_json::Value {
    let cases: usize = applied.iter().filter(|a| a.overpaid_fen > 0).count();
    serde_json::json!({
        "source": source,
        "matched": new.iter().filter(|r| r.status == "matched").count(),
        "review": new.iter().filter(|r| r.status == "review").count(),
        "unmatched": new.iter().filter(|r| r.status == "unmatched").count(),
        "deaths_confirmed": applied.iter().filter(|a| a.official).count(),
        "suspended_pending_confirmation": applied.iter().filter(|a| a.suspended).count(),
        "draft_lines_dropped": applied.iter().map(|a| a.draft_lines_dropped).sum::<usize>(),
        "recovery_cases": cases,
        "overpaid_fen": applied.iter().map(|a| a.overpaid_fen).sum::<i64>(),
    })
}

/// What applying a person's death did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Applied {
    pub person_id: i64,
    pub death_date: Option<NaiveDate>,
    pub official: bool,
    pub disagreement: bool,
    pub suspended: bool,
    pub draft_lines_dropped: usize,
    pub overpaid_fen: i64,
}

/// Recomputes a person's death from their matched records and applies its effects on the
/// business date `on` (the date the record was reported or confirmed). Idempotent: applying it
/// again changes nothing.
pub fn apply_death(
    tx: &mut Tx<'_>,
    county: &str,
    person_id: i64,
    actor: &str,
    on: NaiveDate,
) -> Result<Applied> {
    let records: Vec<(Source, NaiveDate)> = tx
        .query(
            "SELECT source, death_date FROM death_records WHERE person_id = $1 AND person_county = $2 AND match_status IN ('matched', 'confirmed')",
            &[Param::Int(person_id), Param::Text(county)],
        )?
        .iter()
        .map(|r| Ok((Source::parse(&r.str(0)?).unwrap_or(Source::Village), r.date(1)?)))
        .collect::<Result<_>>()?;
    let mut out = Applied {
        person_id,
        ..Default::default()
    };
    let official: Vec<&(Source, NaiveDate)> = records.iter().filter(|r| r.0.official()).collect();
    let chosen = if official.is_empty() {
        records.iter().min_by_key(|r| r.1)
    } else {
        official.iter().copied().min_by_key(|r| r.1)
    };
    let Some(&(source, death_date)) = chosen else {
        return Ok(out);
    };
    out.death_date = Some(death_date);
    out.official = source.official();
    let mut dates: Vec<NaiveDate> = records.iter().map(|r| r.1).collect();
    dates.sort();
    dates.dedup();
    out.disagreement = dates.len() > 1;
    tx.exec(
        "DELETE FROM deaths WHERE county = $1 AND person_id = $2",
        &[Param::Text(county), Param::Int(person_id)],
    )?;
    tx.exec(
        "INSERT INTO deaths (county, person_id, death_date, source, official, disagreement, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Param::Text(county), Param::Int(person_id), Param::Date(death_date), Param::Text(source.code()), Param::Bool(out.official),
            Param::Bool(out.disagreement), Param::Timestamp(yanglao_store::now()),
        ],
    )?;
    let last = tx.query_opt(
        "SELECT status FROM person_events WHERE county = $1 AND person_id = $2 ORDER BY effective_date DESC, event_id DESC LIMIT 1",
        &[Param::Text(county), Param::Int(person_id)],
    )?;
    let last = last.map(|r| r.str(0)).transpose()?;
    if !out.official {
        // A village report alone: stop payment until an official source confirms.
        if last.as_deref() == Some("receiving") || last.as_deref() == Some("resumed") {
            event(
                tx,
                county,
                person_id,
                "suspended",
                "村报去世，待官方确认",
                death_date.max(on.with_day(1).unwrap_or(on)),
                actor,
            )?;
            out.suspended = true;
        }
        return Ok(out);
    }
    // Record the termination, or correct its date when an official source gives an earlier one.
    let terminated_on = tx
        .query_one(
            "SELECT MIN(effective_date) FROM person_events WHERE county = $1 AND person_id = $2 AND status = 'terminated'",
            &[Param::Text(county), Param::Int(person_id)],
        )?
        .opt_date(0)?;
    if terminated_on.is_none_or(|d| death_date < d) {
        let reason = match terminated_on {
            None => format!("死亡（{}）", source.label_zh()),
            Some(d) => format!(
                "死亡日期更正为 {death_date}（原 {d}；{}）",
                source.label_zh()
            ),
        };
        event(
            tx,
            county,
            person_id,
            "terminated",
            &reason,
            death_date,
            actor,
        )?;
    }
    let death_month = Month::of(death_date);
    out.draft_lines_dropped = drop_from_drafts(tx, county, person_id, death_month)?;
    out.overpaid_fen = overpayments(tx, county, person_id, death_date, actor, on)?;
    Ok(out)
}

pub(crate) fn event(
    tx: &mut Tx<'_>,
    county: &str,
    person_id: i64,
    status: &str,
    reason: &str,
    date: NaiveDate,
    actor: &str,
) -> Result<()> {
    let id = tx.allocate_ids("person_event", 1)?;
    tx.exec(
        "INSERT INTO person_events (county, event_id, person_id, status, reason, effective_date, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            Param::Text(county), Param::Int(id), Param::Int(person_id), Param::Text(status), Param::Text(reason), Param::Date(date),
            Param::Text(actor), Param::Timestamp(yanglao_store::now()),
        ],
    )?;
    Ok(())
}

/// Cuts the person's draft lines (before approval) back to the month of the death: a line wholly
/// after it is dropped, a line that covers it (back pay) keeps the months up to it.
pub(crate) fn drop_from_drafts(
    tx: &mut Tx<'_>,
    county: &str,
    person_id: i64,
    death_month: Month,
) -> Result<usize> {
    let drafts = tx.query(
        "SELECT l.payroll_id, l.from_month, l.months, l.account_pension_fen, l.account_from_pool_fen,
                l.exit_province_fen, l.exit_city_fen, l.exit_county_fen, l.total_fen
         FROM payroll_lines l
         WHERE l.payroll_id IN (SELECT p.payroll_id FROM payrolls p WHERE p.county = $1 AND p.month > $3 AND p.status = 'draft')
           AND l.person_id = $2 AND l.county = $1 AND l.to_month > $3",
        &[Param::Text(county), Param::Int(person_id), Param::Date(death_month.first_day())],
    )?;
    let mut dropped = 0;
    for r in &drafts {
        let (payroll_id, from, months, total) =
            (r.i64(0)?, Month::of(r.date(1)?), r.i64(2)?, r.i64(8)?);
        let keep = i64::from(from.until(death_month) + 1).clamp(0, months);
        if keep == 0 {
            tx.exec(
                "DELETE FROM payroll_lines WHERE county = $1 AND payroll_id = $2 AND person_id = $3",
                &[
                    Param::Text(county),
                    Param::Int(payroll_id),
                    Param::Int(person_id),
                ],
            )?;
            tx.exec(
                "UPDATE payrolls SET line_count = line_count - 1, total_fen = total_fen - $3 WHERE county = $1 AND payroll_id = $2",
                &[Param::Text(county), Param::Int(payroll_id), Param::Int(total)],
            )?;
            tx.exec(
                "INSERT INTO payroll_exclusions (county, payroll_id, person_id, reason) VALUES ($1, $2, $3, 'deceased') ON CONFLICT DO NOTHING",
                &[Param::Text(county), Param::Int(payroll_id), Param::Int(person_id)],
            )?;
            dropped += 1;
            continue;
        }
        let part = |i: usize| -> Result<i64> { Ok(r.i64(i)? * keep / months) };
        let (pension, pool, exit) = (part(3)?, part(4)?, [part(5)?, part(6)?, part(7)?]);
        let new_total = pension + exit.iter().sum::<i64>();
        tx.exec(
            "UPDATE payroll_lines SET to_month = $4, months = $5, account_pension_fen = $6, account_from_pool_fen = $7,
                    exit_province_fen = $8, exit_city_fen = $9, exit_county_fen = $10, total_fen = $11
             WHERE county = $1 AND payroll_id = $2 AND person_id = $3",
            &[
                Param::Text(county), Param::Int(payroll_id), Param::Int(person_id), Param::Date(death_month.first_day()), Param::Int(keep),
                Param::Int(pension), Param::Int(pool), Param::Int(exit[0]), Param::Int(exit[1]), Param::Int(exit[2]), Param::Int(new_total),
            ],
        )?;
        tx.exec(
            "UPDATE payrolls SET total_fen = total_fen - $3 WHERE county = $1 AND payroll_id = $2",
            &[
                Param::Text(county),
                Param::Int(payroll_id),
                Param::Int(total - new_total),
            ],
        )?;
        dropped += 1;
    }
    Ok(dropped)
}

/// The overpaid part of a paid line: the months after the death, component by component. The
/// account is used before the pool, so the last months' account pension came from the pool first.
pub(crate) struct Overpaid {
    pub(crate) months: i64,
    pub(crate) pension: i64,
    pub(crate) from_pool: i64,
    pub(crate) exit: [i64; 3],
}

impl Overpaid {
    fn total(&self) -> i64 {
        self.pension + self.exit.iter().sum::<i64>()
    }
}

/// Paid lines covering months after the death become overpayments (the months after the death's
/// month, component by component); a recovery case opens or grows, and the amounts move from what
/// they were paid from to a receivable from the estate. Only what is new is posted, so applying a
/// death again — or an earlier date that an official source gives later — adds just the difference.
/// The entry, and a new case, are dated `on` (the day the overpayment became known: the death
/// was reported or confirmed, or the bank credited a payment after a recorded death), and never
/// before the payment that was overpaid. Returns the amount newly found.
pub(crate) fn overpayments(
    tx: &mut Tx<'_>,
    county: &str,
    person_id: i64,
    death_date: NaiveDate,
    actor: &str,
    on: NaiveDate,
) -> Result<i64> {
    let (work, on) = overpaid_lines(tx, county, person_id, Month::of(death_date), on)?;
    if work.is_empty() {
        return Ok(0);
    }
    let case_id = find_or_open_case(tx, county, person_id, death_date, on)?;
    let (entry_id, new_total) = post_overpayment(tx, county, person_id, case_id, on, &work, actor)?;
    record_overpayments(tx, county, person_id, case_id, entry_id, &work)?;
    tx.exec(
        "UPDATE recovery_cases SET overpaid_fen = overpaid_fen + $3, status = 'open', death_date = CASE WHEN death_date > $4 THEN $4 ELSE death_date END
         WHERE county = $1 AND case_id = $2",
        &[Param::Text(county), Param::Int(case_id), Param::Int(new_total), Param::Date(death_date)],
    )?;
    Ok(new_total)
}

/// A paid line with months after the death: what is overpaid now and what was recorded before.
struct OverpaidLine {
    payroll_id: i64,
    line_no: i64,
    wanted: Overpaid,
    had: Overpaid,
}

/// The person's paid lines whose overpaid months grew (none if nothing is new), and the date
/// of the entry: `on`, or the latest payment of those lines if later.
fn overpaid_lines(
    tx: &mut Tx<'_>,
    county: &str,
    person_id: i64,
    death_month: Month,
    on: NaiveDate,
) -> Result<(Vec<OverpaidLine>, NaiveDate)> {
    // The person's paid lines of the months after the death's (found through those months'
    // payrolls: lines are keyed by payroll and person).
    let lines = tx.query(
        "SELECT l.payroll_id, l.line_no, l.from_month, l.to_month, l.months, l.account_pension_fen, l.account_from_pool_fen,
                l.exit_province_fen, l.exit_city_fen, l.exit_county_fen,
                o.months, o.account_fen, o.from_pool_fen, o.exit_province_fen, o.exit_city_fen, o.exit_county_fen, l.paid_date
         FROM payroll_lines l
         LEFT JOIN overpayments o ON o.county = l.county AND o.payroll_id = l.payroll_id AND o.line_no = l.line_no
         WHERE l.payroll_id IN (SELECT p.payroll_id FROM payrolls p WHERE p.county = $1 AND p.month > $3)
           AND l.person_id = $2 AND l.county = $1 AND l.status = 'paid' AND l.to_month > $3
         ORDER BY l.payroll_id",
        &[Param::Text(county), Param::Int(person_id), Param::Date(death_month.first_day())],
    )?;
    let mut work = Vec::new();
    let mut on = on;
    for r in &lines {
        let (from, to, months) = (Month::of(r.date(2)?), Month::of(r.date(3)?), r.i64(4)?);
        let after = i64::from(death_month.max(from.prev()).until(to)).clamp(0, months);
        let before = r.opt_i64(10)?.unwrap_or(0);
        if after <= before {
            continue;
        }
        let pension = r.i64(5)? * after / months;
        let wanted = Overpaid {
            months: after,
            pension,
            from_pool: r.i64(6)?.min(pension),
            exit: [
                r.i64(7)? * after / months,
                r.i64(8)? * after / months,
                r.i64(9)? * after / months,
            ],
        };
        let had = Overpaid {
            months: before,
            pension: r.opt_i64(11)?.unwrap_or(0),
            from_pool: r.opt_i64(12)?.unwrap_or(0),
            exit: [
                r.opt_i64(13)?.unwrap_or(0),
                r.opt_i64(14)?.unwrap_or(0),
                r.opt_i64(15)?.unwrap_or(0),
            ],
        };
        if let Some(paid) = r.opt_date(16)? {
            on = on.max(paid);
        }
        work.push(OverpaidLine {
            payroll_id: r.i64(0)?,
            line_no: r.i64(1)?,
            wanted,
            had,
        });
    }
    Ok((work, on))
}

/// The person's recovery case, opened on `on` if there is none.
fn find_or_open_case(
    tx: &mut Tx<'_>,
    county: &str,
    person_id: i64,
    death_date: NaiveDate,
    on: NaiveDate,
) -> Result<i64> {
    Ok(
        match tx.query_opt(
            "SELECT case_id FROM recovery_cases WHERE county = $1 AND person_id = $2",
            &[Param::Text(county), Param::Int(person_id)],
        )? {
            Some(r) => r.i64(0)?,
            None => {
                let id = tx.allocate_ids("recovery_case", 1)?;
                tx.exec(
                "INSERT INTO recovery_cases (county, case_id, person_id, death_date, opened_on, overpaid_fen, recovered_fen, written_off_fen, status)
                 VALUES ($1, $2, $3, $4, $5, 0, 0, 0, 'open')",
                &[Param::Text(county), Param::Int(id), Param::Int(person_id), Param::Date(death_date), Param::Date(on)],
            )?;
                id
            }
        },
    )
}

/// Posts what is newly overpaid: the account's part goes back to the individual account
/// (itemised in the sub-ledger), the pool's and the exit subsidies' parts leave them, and the
/// whole becomes a receivable. Returns the entry and the amount newly overpaid.
fn post_overpayment(
    tx: &mut Tx<'_>,
    county: &str,
    person_id: i64,
    case_id: i64,
    on: NaiveDate,
    work: &[OverpaidLine],
    actor: &str,
) -> Result<(i64, i64)> {
    let mut draft = EntryDraft {
        county,
        date: on,
        kind: "overpayment",
        description: format!("死亡后多发待遇转为应收（追回案件 {case_id}）"),
        import_id: None,
        lines: Vec::new(),
    };
    let mut components = [0i64; 6];
    let mut new_total = 0;
    for line in work {
        let (wanted, had) = (&line.wanted, &line.had);
        let parts = account_parts_taken(tx, county, person_id, line)?;
        let taken: i64 = parts.iter().sum();
        let back_of = |o: &Overpaid| (o.pension - o.from_pool).clamp(0, taken);
        let back = back_of(wanted) - back_of(had);
        for (c, b) in components
            .iter_mut()
            .zip(ledger::split_proportional(back, &parts))
        {
            *c += b;
        }
        // The rest of the account pension was the pool's.
        draft.add(
            ledger::POOL_LONGEVITY,
            -((wanted.pension - had.pension) - back),
        );
        for (i, level) in ledger::LEVELS.iter().enumerate() {
            draft.add(
                &ledger::subsidy_receivable("exit", level),
                -(wanted.exit[i] - had.exit[i]),
            );
        }
        new_total += wanted.total() - had.total();
    }
    for (a, c) in ledger::ind_component_accounts().iter().zip(components) {
        draft.add(a, -c);
    }
    draft.add(ledger::RECEIVABLE_OVERPAYMENT, new_total);
    let entry_id = ledger::post(tx, &draft, actor)?;
    if components.iter().any(|c| *c != 0) {
        let row = ledger::AccountMovement {
            person_id,
            date: on,
            components,
            reference: format!("RECOVERY-{case_id}"),
        };
        ledger::write_account_movements(tx, county, entry_id, "overpayment_reversal", &[row])?;
    }
    Ok((entry_id, new_total))
}

/// What a line took out of the individual account, component by component (zeros if nothing).
fn account_parts_taken(
    tx: &mut Tx<'_>,
    county: &str,
    person_id: i64,
    line: &OverpaidLine,
) -> Result<Vec<i64>> {
    let (payroll_id, line_no) = (line.payroll_id, line.line_no);
    // What the line took out of the account, and how much of it goes back now.
    let original = tx.query_opt(
        "SELECT -personal_fen, -subsidy_province_fen, -subsidy_city_fen, -subsidy_county_fen, -gov_paid_fen, -interest_fen
         FROM account_movements WHERE county = $1 AND person_id = $2 AND kind = 'benefit' AND reference = $3",
        &[Param::Text(county), Param::Int(person_id), Param::Text(&format!("PAYROLL-{payroll_id}-{line_no}"))],
    )?;
    Ok(match &original {
        Some(o) => (0..6)
            .map(|i| o.i64(i))
            .collect::<std::result::Result<_, _>>()?,
        None => vec![0; 6],
    })
}

/// Replaces the overpayment record of each line with what is overpaid now.
fn record_overpayments(
    tx: &mut Tx<'_>,
    county: &str,
    person_id: i64,
    case_id: i64,
    entry_id: i64,
    work: &[OverpaidLine],
) -> Result<()> {
    for line in work {
        let (payroll_id, line_no, wanted) = (&line.payroll_id, &line.line_no, &line.wanted);
        tx.exec(
            "DELETE FROM overpayments WHERE county = $1 AND payroll_id = $2 AND line_no = $3",
            &[
                Param::Text(county),
                Param::Int(*payroll_id),
                Param::Int(*line_no),
            ],
        )?;
        tx.exec(
            "INSERT INTO overpayments (county, payroll_id, line_no, case_id, person_id, months, account_fen, from_pool_fen, exit_province_fen,
                exit_city_fen, exit_county_fen, total_fen, entry_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &[
                Param::Text(county), Param::Int(*payroll_id), Param::Int(*line_no), Param::Int(case_id), Param::Int(person_id), Param::Int(wanted.months),
                Param::Int(wanted.pension), Param::Int(wanted.from_pool), Param::Int(wanted.exit[0]), Param::Int(wanted.exit[1]), Param::Int(wanted.exit[2]),
                Param::Int(wanted.total()), Param::Int(entry_id),
            ],
        )?;
    }
    Ok(())
}
