//! `import hardship`: hardship-group memberships (低保对象, 特困人员, 重度残疾人, or another group the
//! policy names) with their validity periods. They decide who gets a government-paid contribution.

use crate::access::{county_label, Action};
use crate::imports::problems::{ImportOutcome, Problem};
use crate::imports::table::{read_table, Upload};
use crate::register::persons::{begin_import, check_id_cell, finish, load_register, record_import};
use crate::{audit, Ctx, Result};
use chrono::NaiveDate;
use std::collections::HashMap;
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
        let register = load_register(tx)?;
        let existing = load_memberships(tx)?;
        let mut in_file: HashMap<i64, Vec<(usize, Membership)>> = HashMap::new();
        let mut new_rows = Vec::new();
        let mut end_changes = Vec::new();
        for (row_no, cells) in &table.rows {
            let row_no = *row_no;
            let before = out.errors.len();
            let mut err = |k: usize, v: &str, code: &'static str, msg: String| out.errors.push(Problem::at(row_no, &cols, &table, k, v, code, msg));
            let mut errs = Vec::new();
            let mut warns = Vec::new();
            let id = check_id_cell(row_no, &table, &cols, cells, ID, &mut errs, &mut warns);
            for e in errs {
                err(ID, &e.value, e.code, e.message);
            }
            let person = id.as_ref().and_then(|id| {
                let p = register.get(id.as_str());
                match p {
                    None => err(ID, id.as_str(), "E-HARDSHIP-PERSON-UNKNOWN", "此人不在参保登记册中，请先导入人员信息".into()),
                    Some(p) if !scope.covers(&p.row.county) => {
                        err(ID, id.as_str(), "E-ACCESS-COUNTY", format!("此人登记在{}，{}不能登记其困难群体身份", county_label(&p.row.county), scope.describe()));
                        return None;
                    }
                    Some(_) => {}
                }
                p
            });
            let name = cols.cell(cells, NAME);
            if let Some(p) = person {
                if p.row.name != name {
                    err(NAME, name, "E-HARDSHIP-NAME-MISMATCH", format!("姓名与登记册不符（登记为“{}”）", p.row.name));
                }
            }
            let start_raw = cols.cell(cells, START);
            let start = cols
                .date(cells, START).map_err(|e| err(START, start_raw, e.code, e.message)).ok();
            let end_raw = cols.cell(cells, END);
            let end = if end_raw.is_empty() {
                Some(None)
            } else {
                cols.date(cells, END).map(Some).map_err(|e| err(END, end_raw, e.code, e.message)).ok()
            };
            if let (Some(s), Some(Some(e))) = (start, end) {
                if e < s {
                    err(END, end_raw, "E-HARDSHIP-END-BEFORE-START", "终止日期早于认定日期".into());
                }
            }
            let category = cols.cell(cells, CATEGORY);
            if let (Some(p), Some(s)) = (person, start) {
                match policy.supplementary(&p.row.county, s.max(earliest)) {
                    Ok(sp) => {
                        let known: Vec<&String> = sp.government_paid_groups.iter().chain(sp.raised_subsidy_groups.iter()).collect();
                        if !known.iter().any(|g| *g == category) {
                            err(CATEGORY, category, "E-HARDSHIP-CATEGORY",
                                format!("困难类别“{category}”不是政策规定的类别（{}）", known.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("、")));
                        }
                    }
                    Err(e) => err(START, start_raw, e.code(), e.to_string()),
                }
            }
            out.warnings.extend(warns);
            if out.errors.len() > before {
                continue;
            }
            let (Some(p), Some(start), Some(end)) = (person, start, end) else { continue };
            let m = Membership { person_id: p.person_id, county: p.row.county.clone(), category: category.to_string(), start, end };
            let file_list = in_file.entry(p.person_id).or_default();
            if let Some((first, _)) = file_list.iter().find(|(_, o)| o.category == m.category && overlaps((o.start, o.end), (m.start, m.end))) {
                out.errors.push(Problem::at(row_no, &cols, &table, START, start_raw, "E-HARDSHIP-OVERLAP", format!("同一人同一类别的认定期间与文件第 {first} 行重叠")));
                continue;
            }
            file_list.push((row_no, m.clone()));
            let same_category: Vec<&Membership> = existing.get(&p.person_id).map(|v| v.iter().filter(|o| o.category == m.category).collect()).unwrap_or_default();
            if let Some(o) = same_category.iter().find(|o| o.start == m.start) {
                if o.end == m.end {
                    out.skipped += 1;
                } else if same_category
                    .iter()
                    .any(|x| x.start != m.start && overlaps((x.start, x.end), (m.start, m.end)))
                {
                    out.errors.push(Problem::at(row_no, &cols, &table, END, end_raw, "E-HARDSHIP-OVERLAP",
                        "改动终止日期后，与此人同一类别的另一认定期间重叠".into()));
                } else {
                    end_changes.push(m);
                }
                continue;
            }
            if same_category.iter().any(|o| overlaps((o.start, o.end), (m.start, m.end))) {
                out.errors.push(Problem::at(row_no, &cols, &table, START, start_raw, "E-HARDSHIP-OVERLAP", "同一人同一类别的认定期间与已登记的期间重叠".into()));
                continue;
            }
            new_rows.push(m);
        }
        if !out.errors.is_empty() || dry_run {
            return Ok(());
        }
        if new_rows.is_empty() && end_changes.is_empty() && crate::register::persons::unchanged_register_file(&mut out) {
            return Ok(());
        }
        let import_id = record_import(tx, "hardship", &table, &actor, new_rows.len(), out.skipped)?;
        out.import_id = Some(import_id);
        tx.insert_many(
            "hardship_memberships",
            &[("county", ColType::Text), ("person_id", ColType::Int), ("category", ColType::Text),
              ("start_date", ColType::Date), ("end_date", ColType::Date), ("import_id", ColType::Int)],
            &new_rows,
            |m, b| b.extend([Param::Text(&m.county), Param::Int(m.person_id), Param::Text(&m.category),
                             Param::Date(m.start), Param::from(m.end), Param::Int(import_id)]),
        )?;
        for m in &end_changes {
            tx.exec(
                "UPDATE hardship_memberships SET end_date = $4 WHERE county = $5 AND person_id = $1 AND category = $2 AND start_date = $3",
                &[Param::Int(m.person_id), Param::Text(&m.category), Param::Date(m.start), Param::from(m.end), Param::Text(&m.county)],
            )?;
            audit(tx, &actor, "hardship.update", &serde_json::json!({
                "person_id": m.person_id, "category": m.category, "start": m.start, "end": m.end, "import_id": import_id,
            }))?;
        }
        out.posted = new_rows.len();
        out.updated = end_changes.len();
        audit(tx, &actor, "import.hardship", &serde_json::json!({
            "import_id": import_id, "file": table.file_name, "sha256": table.sha256,
            "new": out.posted, "updated": out.updated, "skipped": out.skipped,
        }))?;
        Ok(())
    })?;
    finish(&mut out);
    Ok(out)
}
