//! `import hardship`: hardship-group memberships (低保对象, 特困人员, 重度残疾人, or another group the
//! policy names) with their validity periods. They decide who gets a government-paid contribution.

use crate::access::{county_label, Action};
use crate::imports::problems::{ImportOutcome, Problem};
use crate::imports::table::{read_table, Cell, Columns, Table, Upload};
use crate::register::persons::{
    begin_import, check_id_cell, finish, load_register, record_import, Registered,
};
use crate::{audit, Ctx, Result};
use chrono::NaiveDate;
use std::collections::HashMap;
use yanglao_domain::CitizenId;
use yanglao_store::{ColType, Param, Tx};

pub const COLUMNS: [&str; 5] = ["身份证号", "姓名", "困难类别", "认定日期", "终止日期"];
const ID: usize = 0;
const NAME: usize = 1;
const CATEGORY: usize = 2;
const START: usize = 3;
const END: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub person_id: i64,
    pub county: String,
    pub category: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

fn overlaps(a: (NaiveDate, Option<NaiveDate>), b: (NaiveDate, Option<NaiveDate>)) -> bool {
    let a_end = a.1.unwrap_or(NaiveDate::MAX);
    let b_end = b.1.unwrap_or(NaiveDate::MAX);
    a.0 <= b_end && b.0 <= a_end
}

/// Every membership, keyed by person.
pub fn load_memberships(tx: &mut Tx<'_>) -> Result<HashMap<i64, Vec<Membership>>> {
    let mut map: HashMap<i64, Vec<Membership>> = HashMap::new();
    tx.for_each(
        "SELECT person_id, county, category, start_date, end_date FROM hardship_memberships",
        &[],
        |r| {
            map.entry(r.i64(0)?).or_default().push(Membership {
                person_id: r.i64(0)?,
                county: r.str(1)?,
                category: r.str(2)?,
                start: r.date(3)?,
                end: r.opt_date(4)?,
            });
            Ok(())
        },
    )?;
    Ok(map)
}

/// Imports (or with `dry_run` only validates) a file of hardship-group memberships.
pub fn import(ctx: &mut Ctx, upload: &Upload, dry_run: bool) -> Result<ImportOutcome> {
    ctx.actor.require(Action::Register)?;
    let scope = ctx.actor.clone();
    ctx.policy.require()?;
    let table = read_table(upload)?;
    let cols = table.columns(&COLUMNS)?;
    let mut out = ImportOutcome::new("hardship", &table.file_name, dry_run);
    out.rows = table.rows.len();
    let actor = ctx.who();
    let policy = &ctx.policy;
    let earliest = policy.earliest_date().unwrap_or(NaiveDate::MIN);

    ctx.db.transaction(|tx| -> Result<()> {
        if !begin_import(tx, &mut out, &table, "hardship", &[cols.index[ID]])? {
            return Ok(());
        }
        let rows = HardshipRows {
            table: &table,
            cols: &cols,
            register: load_register(
                tx,
                crate::register::index::file_ids(&table, &cols, cols.index[ID]).as_deref(),
            )?,
            scope: &scope,
            policy,
            earliest,
        };
        let mut plan = Plan {
            existing: load_memberships(tx)?,
            in_file: HashMap::new(),
            new_rows: Vec::new(),
            end_changes: Vec::new(),
        };
        for (row_no, cells) in &table.rows {
            if let Some(m) = rows.read_row(&mut out, *row_no, cells) {
                plan.add(&mut out, &rows, *row_no, cells, m);
            }
        }
        if !out.errors.is_empty() || dry_run {
            return Ok(());
        }
        let Plan {
            new_rows,
            end_changes,
            ..
        } = plan;
        if new_rows.is_empty()
            && end_changes.is_empty()
            && crate::register::persons::unchanged_register_file(&mut out)
        {
            return Ok(());
        }
        let import_id = record_import(tx, "hardship", &table, &actor, new_rows.len(), out.skipped)?;
        out.import_id = Some(import_id);
        write_memberships(tx, &new_rows, &end_changes, import_id, &actor)?;
        out.posted = new_rows.len();
        out.updated = end_changes.len();
        audit(
            tx,
            &actor,
            "import.hardship",
            &serde_json::json!({
                "import_id": import_id, "file": table.file_name, "sha256": table.sha256,
                "new": out.posted, "updated": out.updated, "skipped": out.skipped,
            }),
        )?;
        Ok(())
    })?;
    finish(&mut out);
    Ok(out)
}

/// The rows of a hardship file and what they are checked with.
struct HardshipRows<'t> {
    table: &'t Table,
    cols: &'t Columns,
    register: HashMap<String, Registered>,
    scope: &'t crate::access::Actor,
    policy: &'t crate::policy::PolicyBook,
    /// The earliest date of the policy (categories of earlier dates are checked against it).
    earliest: NaiveDate,
}

impl HardshipRows<'_> {
    fn err(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        k: usize,
        v: &str,
        code: &'static str,
        msg: String,
    ) {
        out.errors
            .push(Problem::at(row_no, self.cols, self.table, k, v, code, msg));
    }

    /// One row as a membership, reporting each cell that is wrong (None if any).
    fn read_row(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
    ) -> Option<Membership> {
        let cols = self.cols;
        let before = out.errors.len();
        let mut errs = Vec::new();
        let mut warns = Vec::new();
        let id = check_id_cell(row_no, self.table, cols, cells, ID, &mut errs, &mut warns);
        for e in errs {
            self.err(out, row_no, ID, &e.value, e.code, e.message);
        }
        let person = id.as_ref().and_then(|id| self.find_person(out, row_no, id));
        let name = cols.cell(cells, NAME);
        if let Some(p) = person {
            if p.row.name != name {
                self.err(
                    out,
                    row_no,
                    NAME,
                    name,
                    "E-HARDSHIP-NAME-MISMATCH",
                    format!("姓名与登记册不符（登记为“{}”）", p.row.name),
                );
            }
        }
        let (start, end) = self.read_period(out, row_no, cells);
        let category = cols.cell(cells, CATEGORY);
        if let (Some(p), Some(s)) = (person, start) {
            self.check_category(out, row_no, cells, p, s);
        }
        out.warnings.extend(warns);
        if out.errors.len() > before {
            return None;
        }
        let (Some(p), Some(start), Some(end)) = (person, start, end) else {
            return None;
        };
        Some(Membership {
            person_id: p.person_id,
            county: p.row.county.clone(),
            category: category.to_string(),
            start,
            end,
        })
    }

    /// The registered person of a citizen id, within the importing account's counties.
    fn find_person(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        id: &CitizenId,
    ) -> Option<&Registered> {
        let scope = self.scope;
        let p = self.register.get(id.as_str());
        match p {
            None => self.err(
                out,
                row_no,
                ID,
                id.as_str(),
                "E-HARDSHIP-PERSON-UNKNOWN",
                "此人不在参保登记册中，请先导入人员信息".into(),
            ),
            Some(p) if !scope.covers(&p.row.county) => {
                self.err(
                    out,
                    row_no,
                    ID,
                    id.as_str(),
                    "E-ACCESS-COUNTY",
                    format!(
                        "此人登记在{}，{}不能登记其困难群体身份",
                        county_label(&p.row.county),
                        scope.describe()
                    ),
                );
                return None;
            }
            Some(_) => {}
        }
        p
    }

    /// The membership's start and its end (`Some(None)`: open-ended), not before it.
    fn read_period(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
    ) -> (Option<NaiveDate>, Option<Option<NaiveDate>>) {
        let cols = self.cols;
        let start_raw = cols.cell(cells, START);
        let start = cols
            .date(cells, START)
            .map_err(|e| self.err(out, row_no, START, start_raw, e.code, e.message))
            .ok();
        let end_raw = cols.cell(cells, END);
        let end = if end_raw.is_empty() {
            Some(None)
        } else {
            cols.date(cells, END)
                .map(Some)
                .map_err(|e| self.err(out, row_no, END, end_raw, e.code, e.message))
                .ok()
        };
        if let (Some(s), Some(Some(e))) = (start, end) {
            if e < s {
                self.err(
                    out,
                    row_no,
                    END,
                    end_raw,
                    "E-HARDSHIP-END-BEFORE-START",
                    "终止日期早于认定日期".into(),
                );
            }
        }
        (start, end)
    }

    /// The category must be a group the policy in force at the start names.
    fn check_category(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
        p: &Registered,
        s: NaiveDate,
    ) {
        let category = self.cols.cell(cells, CATEGORY);
        match self
            .policy
            .supplementary(&p.row.county, s.max(self.earliest))
        {
            Ok(sp) => {
                let known: Vec<&String> = sp
                    .government_paid_groups
                    .iter()
                    .chain(sp.raised_subsidy_groups.iter())
                    .collect();
                if !known.iter().any(|g| *g == category) {
                    self.err(
                        out,
                        row_no,
                        CATEGORY,
                        category,
                        "E-HARDSHIP-CATEGORY",
                        format!(
                            "困难类别“{category}”不是政策规定的类别（{}）",
                            known
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join("、")
                        ),
                    );
                }
            }
            Err(e) => self.err(
                out,
                row_no,
                START,
                self.cols.cell(cells, START),
                e.code(),
                e.to_string(),
            ),
        }
    }
}

/// What an import will write: new memberships, and changed end dates of registered ones.
struct Plan {
    existing: HashMap<i64, Vec<Membership>>,
    /// The file's memberships so far by person, with their rows.
    in_file: HashMap<i64, Vec<(usize, Membership)>>,
    new_rows: Vec<Membership>,
    end_changes: Vec<Membership>,
}

impl Plan {
    /// Adds a row's membership: a person's periods of one category must not overlap, in the
    /// file or with those registered; one registered with the same start changes its end date
    /// (or, the same, is skipped).
    fn add(
        &mut self,
        out: &mut ImportOutcome,
        rows: &HardshipRows<'_>,
        row_no: usize,
        cells: &[Cell],
        m: Membership,
    ) {
        let cols = rows.cols;
        let (start_raw, end_raw) = (cols.cell(cells, START), cols.cell(cells, END));
        let file_list = self.in_file.entry(m.person_id).or_default();
        if let Some((first, _)) = file_list
            .iter()
            .find(|(_, o)| o.category == m.category && overlaps((o.start, o.end), (m.start, m.end)))
        {
            rows.err(
                out,
                row_no,
                START,
                start_raw,
                "E-HARDSHIP-OVERLAP",
                format!("同一人同一类别的认定期间与文件第 {first} 行重叠"),
            );
            return;
        }
        file_list.push((row_no, m.clone()));
        let same_category: Vec<&Membership> = self
            .existing
            .get(&m.person_id)
            .map(|v| v.iter().filter(|o| o.category == m.category).collect())
            .unwrap_or_default();
        if let Some(o) = same_category.iter().find(|o| o.start == m.start) {
            if o.end == m.end {
                out.skipped += 1;
            } else if same_category
                .iter()
                .any(|x| x.start != m.start && overlaps((x.start, x.end), (m.start, m.end)))
            {
                rows.err(
                    out,
                    row_no,
                    END,
                    end_raw,
                    "E-HARDSHIP-OVERLAP",
                    "改动终止日期后，与此人同一类别的另一认定期间重叠".into(),
                );
            } else {
                self.end_changes.push(m);
            }
            return;
        }
        if same_category
            .iter()
            .any(|o| overlaps((o.start, o.end), (m.start, m.end)))
        {
            rows.err(
                out,
                row_no,
                START,
                start_raw,
                "E-HARDSHIP-OVERLAP",
                "同一人同一类别的认定期间与已登记的期间重叠".into(),
            );
            return;
        }
        self.new_rows.push(m);
    }
}

/// Writes the new memberships and the changed end dates (each change audited).
fn write_memberships(
    tx: &mut Tx<'_>,
    new_rows: &[Membership],
    end_changes: &[Membership],
    import_id: i64,
    actor: &str,
) -> Result<()> {
    tx.insert_many(
        "hardship_memberships",
        &[
            ("county", ColType::Text),
            ("person_id", ColType::Int),
            ("category", ColType::Text),
            ("start_date", ColType::Date),
            ("end_date", ColType::Date),
            ("import_id", ColType::Int),
        ],
        new_rows,
        |m, b| {
            b.extend([
                Param::Text(&m.county),
                Param::Int(m.person_id),
                Param::Text(&m.category),
                Param::Date(m.start),
                Param::from(m.end),
                Param::Int(import_id),
            ])
        },
    )?;
    for m in end_changes {
        tx.exec(
            "UPDATE hardship_memberships SET end_date = $4 WHERE county = $5 AND person_id = $1 AND category = $2 AND start_date = $3",
            &[Param::Int(m.person_id), Param::Text(&m.category), Param::Date(m.start), Param::from(m.end), Param::Text(&m.county)],
        )?;
        audit(
            tx,
            actor,
            "hardship.update",
            &serde_json::json!({
                "person_id": m.person_id, "category": m.category, "start": m.start, "end": m.end, "import_id": import_id,
            }),
        )?;
    }
    Ok(())
}
