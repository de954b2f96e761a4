//! Eligibility certification (资格认证): every recipient proves each year that they are alive —
//! by data comparison (数据比对), face recognition in the app (人脸识别) or a home visit (上门核查).
//! From the policy's `certification_required_from`, a recipient not certified within twelve
//! months plus `certification_grace_months` is left out of the payroll as `uncertified`; a later
//! certification brings them back, and the next payroll pays the months they missed.

use crate::access::{county_label, Action};
use crate::imports::problems::{ImportOutcome, Problem};
use crate::imports::table::{read_table, Cell, Columns, Table, Upload};
use crate::register::index::{name_hash, registered_name, FastMap, PersonKey, RegisterIndex};
use crate::register::persons::{begin_import, check_id_cell, finish, record_import};
use crate::{audit, Ctx, Result};
use chrono::NaiveDate;
use yanglao_domain::{CitizenId, Month};
use yanglao_store::{ColType, Param, Tx};

pub const COLUMNS: [&str; 4] = ["身份证号", "姓名", "认证日期", "认证方式"];
const ID: usize = 0;
const NAME: usize = 1;
const DATE: usize = 2;
const METHOD: usize = 3;

fn method(s: &str) -> Option<&'static str> {
    match s.trim() {
        "数据比对" | "data" => Some("data"),
        "人脸识别" | "APP" | "app" | "手机认证" | "face" => Some("face"),
        "上门核查" | "上门认证" | "visit" => Some("visit"),
        _ => None,
    }
}

/// The last certification of each person of a county on or before `until`.
pub fn last_certified(
    tx: &mut Tx<'_>,
    county: &str,
    until: NaiveDate,
) -> Result<FastMap<i64, NaiveDate>> {
    let mut map = FastMap::default();
    tx.for_each_ref(
        "SELECT person_id, MAX(certified_on) FROM certifications WHERE county = $1 AND certified_on <= $2 GROUP BY person_id",
        &[Param::Text(county), Param::Date(until)],
        |r| {
            map.insert(r.i64(0)?, r.date(1)?);
            Ok(())
        },
    )?;
    Ok(map)
}

/// Whether a recipient is uncertified for a payroll month: certification is required and neither
/// a certification, nor the start of the award, nor the start of the requirement lies within the
/// last twelve months plus the grace months.
pub fn uncertified(
    p: &yanglao_policy::SupplementaryParams,
    month: Month,
    award_start: Month,
    last: Option<NaiveDate>,
) -> bool {
    let Some(from) = p.certification_required_from else {
        return false;
    };
    let anchor = [
        Some(Month::of(from)),
        Some(award_start),
        last.map(Month::of),
    ]
    .into_iter()
    .flatten()
    .max()
    .expect("non-empty");
    month > anchor.plus(12 + p.certification_grace_months as i32)
}

/// Imports (or with `dry_run` only validates) a file of certifications.
pub fn import(ctx: &mut Ctx, upload: &Upload, dry_run: bool) -> Result<ImportOutcome> {
    ctx.actor.require(Action::Register)?;
    let scope = ctx.actor.clone();
    let table = read_table(upload)?;
    let cols = table.columns(&COLUMNS)?;
    let mut out = ImportOutcome::new("certifications", &table.file_name, dry_run);
    out.rows = table.rows.len();
    let actor = ctx.who();
    let today = chrono::Local::now().date_naive();
    ctx.db.transaction(|tx| -> Result<()> {
        if !begin_import(tx, &mut out, &table, "certifications", &[cols.index[ID]])? {
            return Ok(());
        }
        let rows = CertRows {
            table: &table,
            cols: &cols,
            scope: &scope,
            today,
            books: CertBooks::load(tx)?,
        };
        let mut seen: FastMap<(i64, NaiveDate), usize> = FastMap::default();
        let mut new: Vec<(String, i64, NaiveDate, &'static str)> = Vec::new();
        for (row_no, cells) in &table.rows {
            let row_no = *row_no;
            let Some((p, date, m)) = rows.read_row(tx, &mut out, row_no, cells)? else { continue };
            if let Some(first) = seen.insert((p.person_id, date), row_no) {
                out.errors.push(Problem::at(row_no, &cols, &table, DATE, cols.cell(cells, DATE), "E-CERT-DUPLICATE", format!("同一人同一日期的认证在文件中出现两次（首次在第 {first} 行）")));
                continue;
            }
            if rows.books.existing.contains_key(&(p.person_id, date)) {
                out.skipped += 1;
                continue;
            }
            new.push((p.county_code(), p.person_id, date, m));
        }
        if !out.errors.is_empty() || dry_run {
            return Ok(());
        }
        if new.is_empty() && crate::register::persons::unchanged_register_file(&mut out) {
            return Ok(());
        }
        let import_id = record_import(tx, "certifications", &table, &actor, new.len(), out.skipped)?;
        out.import_id = Some(import_id);
        tx.insert_many(
            "certifications",
            &[("county", ColType::Text), ("person_id", ColType::Int), ("certified_on", ColType::Date), ("method", ColType::Text), ("import_id", ColType::Int)],
            &new,
            |(c, p, d, m), b| b.extend([Param::Text(c), Param::Int(*p), Param::Date(*d), Param::Text(m), Param::Int(import_id)]),
        )?;
        out.posted = new.len();
        audit(tx, &actor, "import.certifications", &serde_json::json!({"import_id": import_id, "file": table.file_name, "new": out.posted, "skipped": out.skipped}))?;
        Ok(())
    })?;
    finish(&mut out);
    Ok(out)
}

/// What the books hold that certifications are checked against.
struct CertBooks {
    register: RegisterIndex,
    /// The persons with an award.
    recipients: FastMap<i64, ()>,
    /// The certifications recorded: (person, date).
    existing: FastMap<(i64, NaiveDate), ()>,
    /// Official death dates.
    died: FastMap<i64, NaiveDate>,
}

impl CertBooks {
    fn load(tx: &mut Tx<'_>) -> Result<CertBooks> {
        let register = RegisterIndex::load(tx)?;
        let mut recipients: FastMap<i64, ()> = FastMap::default();
        tx.for_each_ref("SELECT person_id FROM awards", &[], |r| {
            recipients.insert(r.i64(0)?, ());
            Ok(())
        })?;
        let mut existing: FastMap<(i64, NaiveDate), ()> = FastMap::default();
        tx.for_each_ref(
            "SELECT person_id, certified_on FROM certifications",
            &[],
            |r| {
                existing.insert((r.i64(0)?, r.date(1)?), ());
                Ok(())
            },
        )?;
        let mut died: FastMap<i64, NaiveDate> = FastMap::default();
        tx.for_each_ref(
            "SELECT person_id, death_date FROM deaths WHERE official",
            &[],
            |r| {
                died.insert(r.i64(0)?, r.date(1)?);
                Ok(())
            },
        )?;
        Ok(CertBooks {
            register,
            recipients,
            existing,
            died,
        })
    }
}

/// The rows of a certification file and what they are checked with.
struct CertRows<'t> {
    table: &'t Table,
    cols: &'t Columns,
    scope: &'t crate::access::Actor,
    today: NaiveDate,
    books: CertBooks,
}

impl CertRows<'_> {
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

    /// One row as (person, date, method), reporting each cell that is wrong (None if any): a
    /// registered recipient of the importing account's counties, by name, certified by a known
    /// method, on a date not in the future nor after their death.
    fn read_row(
        &self,
        tx: &mut Tx<'_>,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
    ) -> Result<Option<(PersonKey, NaiveDate, &'static str)>> {
        let cols = self.cols;
        let before = out.errors.len();
        let id = check_id_cell(
            row_no,
            self.table,
            cols,
            cells,
            ID,
            &mut out.errors,
            &mut out.warnings,
        );
        let person = id.as_ref().and_then(|id| self.find_person(out, row_no, id));
        let name = cols.cell(cells, NAME);
        let date_raw = cols.cell(cells, DATE);
        let date = match cols.past_date(
            cells,
            DATE,
            self.today,
            ("E-DATE-FUTURE", "认证日期晚于今天"),
        ) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(out, row_no, DATE, date_raw, e.code, e.message);
                None
            }
        };
        let method_raw = cols.cell(cells, METHOD);
        let m = method(method_raw);
        if m.is_none() {
            self.err(
                out,
                row_no,
                METHOD,
                method_raw,
                "E-CERT-METHOD",
                "认证方式应为“数据比对”“人脸识别”或“上门核查”".into(),
            );
        }
        let Some(p) = person else { return Ok(None) };
        if p.name_hash != name_hash(name) {
            let registered = registered_name(tx, p.person_id)?;
            self.err(
                out,
                row_no,
                NAME,
                name,
                "E-CERT-NAME-MISMATCH",
                format!("姓名与登记册不符（登记为“{registered}”）"),
            );
        }
        if !self.books.recipients.contains_key(&p.person_id) {
            self.err(
                out,
                row_no,
                ID,
                id.as_ref().map_or("", |i| i.as_str()),
                "E-CERT-NOT-RECIPIENT",
                "此人不是待遇领取人员，无需资格认证".into(),
            );
        }
        if let (Some(d), Some(death)) = (date, self.books.died.get(&p.person_id)) {
            if d > *death {
                self.err(
                    out,
                    row_no,
                    DATE,
                    date_raw,
                    "E-CERT-AFTER-DEATH",
                    format!(
                        "认证日期晚于此人已确认的死亡日期 {death}：死亡后不能认证，请核实认证记录"
                    ),
                );
            }
        }
        if out.errors.len() > before {
            return Ok(None);
        }
        let (Some(date), Some(m)) = (date, m) else {
            return Ok(None);
        };
        Ok(Some((p, date, m)))
    }

    /// The registered person of a citizen id, within the importing account's counties.
    fn find_person(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        id: &CitizenId,
    ) -> Option<PersonKey> {
        let scope = self.scope;
        let p = self.books.register.get(id);
        match p {
            None => self.err(
                out,
                row_no,
                ID,
                id.as_str(),
                "E-CERT-PERSON-UNKNOWN",
                "此人不在参保登记册中".into(),
            ),
            Some(p) if !scope.covers(&p.county_code()) => {
                self.err(
                    out,
                    row_no,
                    ID,
                    id.as_str(),
                    "E-ACCESS-COUNTY",
                    format!(
                        "此人登记在{}，{}不能为其登记资格认证",
                        county_label(&p.county_code()),
                        scope.describe()
                    ),
                );
                return None;
            }
            Some(_) => {}
        }
        p.copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grace_period_runs_from_the_latest_anchor() {
        let mut p = yanglao_policy::default_supplementary()
            .supplementary("140302", NaiveDate::from_ymd_opt(2024, 1, 1).unwrap())
            .unwrap();
        p.certification_required_from = NaiveDate::from_ymd_opt(2024, 1, 1);
        p.certification_grace_months = 3;
        let m = |s: &str| Month::parse(s).unwrap();
        let start = m("2021-01");
        // Required from 2024-01: due by 2025-04 (12 + 3 months), late from 2025-05.
        assert!(!uncertified(&p, m("2025-04"), start, None));
        assert!(uncertified(&p, m("2025-05"), start, None));
        // A certification in 2025-03 carries to 2026-06.
        assert!(!uncertified(
            &p,
            m("2026-06"),
            start,
            NaiveDate::from_ymd_opt(2025, 3, 20)
        ));
        assert!(uncertified(
            &p,
            m("2026-07"),
            start,
            NaiveDate::from_ymd_opt(2025, 3, 20)
        ));
        p.certification_required_from = None;
        assert!(!uncertified(&p, m("2030-01"), start, None));
    }
}

/// A county's certifications as the dashboard counts them for a payroll month: recipients left
/// out of it for want of a certification, and those whose certification falls due within the
/// next `ahead` months.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Due {
    pub county: String,
    pub left_out: i64,
    pub falling_due: i64,
}

/// [`Due`] for each of the actor's counties (recipients alive and not terminated).
pub fn due(ctx: &mut Ctx, month: Month, ahead: i32) -> Result<Vec<Due>> {
    ctx.actor.require(Action::Read)?;
    let actor = ctx.actor.clone();
    let book = ctx.policy.clone();
    ctx.db.read_transaction(|tx| {
        let counties = crate::known_counties(tx)?;
        let mut out = Vec::new();
        for c in actor.counties_of(counties.keys()) {
            let Ok(p) = book.supplementary(c, month.first_day()) else {
                continue;
            };
            let last = last_certified(tx, c, month.first_day())?;
            let (mut left_out, mut falling_due) = (0, 0);
            tx.for_each_ref(
                "SELECT a.person_id, a.start_month FROM awards a WHERE a.county = $1 AND NOT EXISTS (
                   SELECT 1 FROM person_events e WHERE e.county = a.county AND e.person_id = a.person_id AND e.status = 'terminated')",
                &[Param::Text(c)],
                |r| {
                    let (id, start) = (r.i64(0)?, Month::of(r.date(1)?));
                    if start > month {
                        return Ok(());
                    }
                    let l = last.get(&id).copied();
                    if uncertified(&p, month, start, l) {
                        left_out += 1;
                    } else if uncertified(&p, month.plus(ahead), start, l) {
                        falling_due += 1;
                    }
                    Ok(())
                },
            )?;
            out.push(Due {
                county: c.to_string(),
                left_out,
                falling_due,
            });
        }
        Ok(out)
    })
}
