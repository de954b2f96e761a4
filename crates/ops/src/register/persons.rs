//! The register: `import persons` (every basic-scheme member of a county, joined or not).
//!
//! A row whose citizen ID is new registers the person; one identical to the register is skipped;
//! one that differs updates phone, bank, name or basic-scheme enrolment and is audited. Moving a
//! person to another county is a transfer, not an import, and is refused.

use crate::access::{county_label, Action};
use crate::imports::problems::{ImportOutcome, Problem};
use crate::imports::table::{read_table, Cell, CellKind, Columns, Table, Upload};
use crate::{audit, known_counties, Ctx, Result};
use std::collections::HashMap;
use yanglao_domain::{BankAccount, CitizenId};
use yanglao_store::{ColType, Param, Tx};

pub const COLUMNS: [&str; 7] = [
    "身份证号",
    "姓名",
    "县区代码",
    "联系电话",
    "开户银行",
    "银行账号",
    "基本养老保险参保",
];
const ID: usize = 0;
const NAME: usize = 1;
const COUNTY: usize = 2;
const PHONE: usize = 3;
const BANK: usize = 4;
const ACCOUNT: usize = 5;
const BASIC: usize = 6;

/// Optional columns: where in the county the person lives. A file without them leaves the
/// register's places as they are.
pub const PLACE_COLUMNS: [&str; 2] = ["乡镇(街道)", "村(社区)"];

/// The columns a person row is inserted with.
pub const PERSON_COLUMNS: [(&str, ColType); 14] = [
    ("person_id", ColType::Int),
    ("county", ColType::Text),
    ("citizen_id", ColType::Text),
    ("name", ColType::Text),
    ("birth_date", ColType::Date),
    ("sex", ColType::Text),
    ("phone", ColType::Text),
    ("bank_name", ColType::Text),
    ("bank_account", ColType::Text),
    ("basic_enrolled", ColType::Bool),
    ("import_id", ColType::Int),
    ("created_at", ColType::Timestamp),
    ("township", ColType::Text),
    ("village", ColType::Text),
];

/// A validated person row.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRow {
    pub citizen_id: String,
    pub name: String,
    pub county: String,
    pub phone: Option<String>,
    pub bank_name: Option<String>,
    pub bank_account: Option<String>,
    pub basic_enrolled: bool,
    /// The township (乡镇、街道) and village or community (村、社区), if known.
    pub township: Option<String>,
    pub village: Option<String>,
}

/// What the register holds for a citizen ID.
#[derive(Debug, Clone)]
pub struct Registered {
    pub person_id: i64,
    pub row: PersonRow,
}

/// Loads the register's key fields of the people with the citizen IDs `ids` (the whole
/// register for `None`: [`crate::register::index::file_ids`]), keyed by citizen ID.
pub fn load_register(
    tx: &mut Tx<'_>,
    ids: Option<&[String]>,
) -> Result<HashMap<String, Registered>> {
    let mut map = HashMap::new();
    crate::register::index::for_each_person(
        tx,
        "SELECT citizen_id, person_id, name, county, phone, bank_name, bank_account, basic_enrolled, township, village FROM persons",
        ids,
        |r| {
            map.insert(
                r.str(0)?.to_string(),
                Registered {
                    person_id: r.i64(1)?,
                    row: PersonRow {
                        citizen_id: r.str(0)?.to_string(),
                        name: r.str(2)?.to_string(),
                        county: r.str(3)?.to_string(),
                        phone: r.opt_str(4)?.map(str::to_string),
                        bank_name: r.opt_str(5)?.map(str::to_string),
                        bank_account: r.opt_str(6)?.map(str::to_string),
                        basic_enrolled: r.bool(7)?,
                        township: r.opt_str(8)?.map(str::to_string),
                        village: r.opt_str(9)?.map(str::to_string),
                    },
                },
            );
            Ok(())
        },
    )?;
    Ok(map)
}

/// Validates a citizen ID cell, adding a problem or warning; shared by every import.
/// Today's date, read once per process: a guard against dates that cannot have happened yet,
/// never the date of an entry.
pub fn today() -> chrono::NaiveDate {
    static TODAY: std::sync::OnceLock<chrono::NaiveDate> = std::sync::OnceLock::new();
    *TODAY.get_or_init(|| chrono::Local::now().date_naive())
}

pub fn check_id_cell(
    row_no: usize,
    table: &Table,
    cols: &crate::imports::table::Columns,
    cells: &[crate::imports::table::Cell],
    k: usize,
    errors: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Option<CitizenId> {
    let raw = cols.cell(cells, k);
    if cols.kind(cells, k) == CellKind::Number {
        errors.push(Problem::at(
            row_no,
            cols,
            table,
            k,
            raw,
            "E-ID-NUMERIC-CELL",
            "身份证号单元格为数字格式，Excel 已丢失末几位，请将该列设为文本后重新录入".into(),
        ));
        return None;
    }
    match CitizenId::parse(raw) {
        Ok((id, _)) if id.birth_date() > today() => {
            errors.push(Problem::at(
                row_no,
                cols,
                table,
                k,
                raw,
                "E-ID-BIRTH-FUTURE",
                format!(
                    "身份证号中的出生日期 {} 晚于今天，号码有误",
                    id.birth_date()
                ),
            ));
            None
        }
        Ok((id, w)) => {
            if let Some(w) = w {
                warnings.push(Problem::at(
                    row_no,
                    cols,
                    table,
                    k,
                    raw,
                    w.code(),
                    w.message(),
                ));
            }
            Some(id)
        }
        Err(e) => {
            errors.push(Problem::at(row_no, cols, table, k, raw, e.code, e.message));
            None
        }
    }
}

fn parse_yes_no(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "是" | "y" | "yes" | "1" | "true" | "已参保" => Some(true),
        "否" | "n" | "no" | "0" | "false" | "未参保" => Some(false),
        _ => None,
    }
}

/// Imports (or with `dry_run` only validates) a person file.
pub fn import(ctx: &mut Ctx, upload: &Upload, dry_run: bool) -> Result<ImportOutcome> {
    ctx.actor.require(Action::Register)?;
    let scope = ctx.actor.clone();
    let table = read_table(upload)?;
    let cols = table.columns(&COLUMNS)?;
    let mut out = ImportOutcome::new("persons", &table.file_name, dry_run);
    out.rows = table.rows.len();
    let actor = ctx.who();

    ctx.db.transaction(|tx| -> Result<()> {
        if !begin_import(tx, &mut out, &table, "persons", &[cols.index[ID]])? {
            return Ok(());
        }
        let rows = PersonRows {
            table: &table,
            cols: &cols,
            places: PLACE_COLUMNS.map(|c| table.optional_column(c)),
            counties: known_counties(tx)?,
            scope: &scope,
        };
        let ids = crate::register::index::file_ids(&table, &cols, cols.index[ID]);
        let register = load_register(tx, ids.as_deref())?;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut new_rows = Vec::new();
        let mut changed = Vec::new();
        for (row_no, cells) in &table.rows {
            let Some((id, mut row)) = rows.read_row(&mut out, *row_no, cells, &mut seen) else {
                continue;
            };
            let known = register.get(id.as_str());
            // A file without the place columns leaves the register's places as they are.
            if let Some(existing) = known {
                if rows.places[0].is_none() {
                    row.township = existing.row.township.clone();
                }
                if rows.places[1].is_none() {
                    row.village = existing.row.village.clone();
                }
            }
            match known {
                None => new_rows.push((id, row)),
                Some(existing) if existing.row == row => out.skipped += 1,
                Some(existing) if existing.row.county != row.county => {
                    out.errors.push(Problem::at(
                        *row_no,
                        &cols,
                        &table,
                        COUNTY,
                        cols.cell(cells, COUNTY),
                        "E-PERSON-COUNTY-CHANGE",
                        format!(
                            "此人已在县区 {} 登记；跨县区变更须办理转移，不能通过导入修改",
                            existing.row.county
                        ),
                    ));
                }
                Some(existing) => changed.push((existing.person_id, existing.row.clone(), row)),
            }
        }
        if !out.errors.is_empty() || dry_run {
            return Ok(());
        }
        if new_rows.is_empty() && changed.is_empty() && unchanged_register_file(&mut out) {
            return Ok(());
        }
        let import_id = record_import(tx, "persons", &table, &actor, new_rows.len(), out.skipped)?;
        out.import_id = Some(import_id);
        insert_persons(tx, &new_rows, import_id)?;
        update_persons(tx, &changed, import_id, &actor)?;
        out.posted = new_rows.len();
        out.updated = changed.len();
        audit(
            tx,
            &actor,
            "import.persons",
            &serde_json::json!({
                "import_id": import_id, "file": table.file_name, "sha256": table.sha256,
                "new": out.posted, "updated": out.updated, "skipped": out.skipped,
            }),
        )?;
        Ok(())
    })?;
    if out.posted + out.updated >= crate::LARGE_LOAD_ROWS {
        ctx.db.analyze(&["persons"])?;
    }
    finish(&mut out);
    Ok(out)
}

/// The rows of a person file and what they are checked with.
struct PersonRows<'t> {
    table: &'t Table,
    cols: &'t Columns,
    /// Where the optional place columns sit, if the file has them.
    places: [Option<usize>; 2],
    /// The counties known to the system: code → name.
    counties: std::collections::BTreeMap<String, String>,
    scope: &'t crate::access::Actor,
}

impl PersonRows<'_> {
    fn problem(
        &self,
        row_no: usize,
        k: usize,
        v: &str,
        code: &'static str,
        msg: String,
    ) -> Problem {
        Problem::at(row_no, self.cols, self.table, k, v, code, msg)
    }

    /// One row as a person, reporting each cell that is wrong (None if any); a citizen id
    /// must appear once in the file (`seen`: id → first row).
    fn read_row(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
        seen: &mut HashMap<String, usize>,
    ) -> Option<(CitizenId, PersonRow)> {
        let (table, cols) = (self.table, self.cols);
        let before = out.errors.len();
        let id = check_id_cell(
            row_no,
            table,
            cols,
            cells,
            ID,
            &mut out.errors,
            &mut out.warnings,
        );
        let name = cols.cell(cells, NAME).to_string();
        if name.is_empty() {
            out.errors.push(self.problem(
                row_no,
                NAME,
                "",
                "E-PERSON-NAME-EMPTY",
                "姓名为空".into(),
            ));
        } else if name.chars().count() > 50 {
            out.errors.push(self.problem(
                row_no,
                NAME,
                &name,
                "E-PERSON-NAME-LENGTH",
                "姓名超过 50 个字".into(),
            ));
        }
        let county = cols.cell(cells, COUNTY);
        self.check_county(out, row_no, county);
        let phone = cols.cell(cells, PHONE);
        let phone_ok = (7..=20).contains(&phone.len())
            && phone.bytes().all(|b| b.is_ascii_digit() || b == b'-');
        if !phone.is_empty() && !phone_ok {
            out.errors.push(self.problem(
                row_no,
                PHONE,
                phone,
                "E-PHONE-FORMAT",
                "联系电话应为 7 至 20 位数字（可含“-”）".into(),
            ));
        }
        let bank_name = cols.cell(cells, BANK);
        let account = self.read_account(out, row_no, cells);
        let basic_raw = cols.cell(cells, BASIC);
        let basic = parse_yes_no(basic_raw);
        if basic.is_none() {
            out.errors.push(self.problem(
                row_no,
                BASIC,
                basic_raw,
                "E-PERSON-BASIC-FLAG",
                "基本养老保险参保应填“是”或“否”".into(),
            ));
        }
        let id = id?;
        if let Some(first) = seen.insert(id.as_str().to_string(), row_no) {
            out.errors.push(self.problem(
                row_no,
                ID,
                id.as_str(),
                "E-PERSON-DUPLICATE",
                format!("同一人在文件中出现两次（首次在第 {first} 行）"),
            ));
            return None;
        }
        if out.errors.len() > before {
            return None;
        }
        let [township, village] = self.read_places(out, row_no, cells);
        if out.errors.len() > before {
            return None;
        }
        let row = PersonRow {
            citizen_id: id.as_str().to_string(),
            name,
            county: county.to_string(),
            phone: (!phone.is_empty()).then(|| phone.to_string()),
            bank_name: (!bank_name.is_empty()).then(|| bank_name.to_string()),
            bank_account: account,
            basic_enrolled: basic.unwrap_or(false),
            township,
            village,
        };
        Some((id, row))
    }

    /// The row's township and village, where the file has the columns: at most 50 characters
    /// each (an empty cell: not known).
    fn read_places(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
    ) -> [Option<String>; 2] {
        let mut read = |k: usize| -> Option<String> {
            let i = self.places[k]?;
            let v = cells.get(i).map_or("", |c| c.text.trim());
            if v.chars().count() > 50 {
                out.errors.push(Problem {
                    row: row_no,
                    column: format!(
                        "{} {}",
                        crate::imports::table::column_letter(i),
                        self.table.headers[i]
                    ),
                    value: v.to_string(),
                    code: "E-PERSON-PLACE-LONG",
                    message: format!("{}超过 50 个字", PLACE_COLUMNS[k].replace(['(', ')'], "")),
                });
                return None;
            }
            (!v.is_empty()).then(|| v.to_string())
        };
        [read(0), read(1)]
    }

    /// The county must be known to the system and within the importing account's counties.
    fn check_county(&self, out: &mut ImportOutcome, row_no: usize, county: &str) {
        let (counties, scope) = (&self.counties, self.scope);
        if !counties.contains_key(county) {
            let (code, msg) = match yanglao_domain::RegionCode::parse(county) {
                Err(e) => (e.code, e.message),
                Ok(_) => (
                    "E-REGION-UNKNOWN",
                    format!(
                        "县区代码“{county}”不是本系统登记的县区（可用：{}）",
                        counties.keys().cloned().collect::<Vec<_>>().join("、")
                    ),
                ),
            };
            out.errors
                .push(self.problem(row_no, COUNTY, county, code, msg));
        } else if !scope.covers(county) {
            out.errors.push(self.problem(
                row_no,
                COUNTY,
                county,
                "E-ACCESS-COUNTY",
                format!(
                    "{}只能登记本县区的人员，不能登记{}的人员",
                    scope.describe(),
                    county_label(county)
                ),
            ));
        }
    }

    /// The row's bank account, if given: valid (a doubtful one is warned of), with its bank.
    fn read_account(
        &self,
        out: &mut ImportOutcome,
        row_no: usize,
        cells: &[Cell],
    ) -> Option<String> {
        let cols = self.cols;
        let bank_name = cols.cell(cells, BANK);
        let account_raw = cols.cell(cells, ACCOUNT);
        let mut account = None;
        if !account_raw.is_empty() {
            match BankAccount::parse(account_raw) {
                Ok((a, w)) => {
                    if let Some(w) = w {
                        out.warnings.push(self.problem(
                            row_no,
                            ACCOUNT,
                            account_raw,
                            w.code(),
                            w.message(),
                        ));
                    }
                    account = Some(a.as_str().to_string());
                }
                Err(e) => {
                    out.errors
                        .push(self.problem(row_no, ACCOUNT, account_raw, e.code, e.message))
                }
            }
            if bank_name.is_empty() {
                out.errors.push(self.problem(
                    row_no,
                    BANK,
                    "",
                    "E-BANK-NAME-EMPTY",
                    "填写了银行账号但开户银行为空".into(),
                ));
            }
        }
        account
    }
}

/// Registers the new persons, numbered in file order.
fn insert_persons(
    tx: &mut Tx<'_>,
    new_rows: &[(CitizenId, PersonRow)],
    import_id: i64,
) -> Result<()> {
    let first_id = tx.allocate_ids("person", new_rows.len() as i64)?;
    let now = yanglao_store::now();
    let ids: Vec<i64> = (first_id..first_id + new_rows.len() as i64).collect();
    let items: Vec<(i64, &(CitizenId, PersonRow))> =
        ids.iter().copied().zip(new_rows.iter()).collect();
    tx.insert_many("persons", &PERSON_COLUMNS, &items, |(pid, (id, r)), b| {
        b.extend([
            Param::Int(*pid),
            Param::Text(&r.county),
            Param::Text(&r.citizen_id),
            Param::Text(&r.name),
            Param::Date(id.birth_date()),
            Param::Text(id.sex().code()),
            Param::from(r.phone.as_ref()),
            Param::from(r.bank_name.as_ref()),
            Param::from(r.bank_account.as_ref()),
            Param::Bool(r.basic_enrolled),
            Param::Int(import_id),
            Param::Timestamp(now),
            Param::from(r.township.as_ref()),
            Param::from(r.village.as_ref()),
        ])
    })?;
    Ok(())
}

/// Updates the persons whose details changed, auditing each change: (person, before, after).
fn update_persons(
    tx: &mut Tx<'_>,
    changed: &[(i64, PersonRow, PersonRow)],
    import_id: i64,
    actor: &str,
) -> Result<()> {
    for (pid, old, new) in changed {
        tx.exec(
            "UPDATE persons SET name = $2, phone = $3, bank_name = $4, bank_account = $5, basic_enrolled = $6, township = $8, village = $9 WHERE person_id = $1 AND county = $7",
            &[
                Param::Int(*pid), Param::Text(&new.name), Param::from(new.phone.as_ref()), Param::from(new.bank_name.as_ref()),
                Param::from(new.bank_account.as_ref()), Param::Bool(new.basic_enrolled), Param::Text(&new.county),
                Param::from(new.township.as_ref()), Param::from(new.village.as_ref()),
            ],
        )?;
        audit(
            tx,
            actor,
            "person.update",
            &serde_json::json!({
                "person_id": pid, "import_id": import_id,
                "before": person_json(old), "after": person_json(new),
            }),
        )?;
    }
    Ok(())
}

fn person_json(p: &PersonRow) -> serde_json::Value {
    serde_json::json!({
        "name": p.name, "phone": p.phone, "bank_name": p.bank_name,
        "bank_account": p.bank_account.as_deref().map(|a| BankAccount::parse(a).map(|(b, _)| b.masked()).unwrap_or_default()),
        "basic_enrolled": p.basic_enrolled, "township": p.township, "village": p.village,
    })
}

/// Starts an import inside its transaction: takes the write lock and, if a file with the same
/// content was imported before, marks `out` so and returns false — there is nothing more to do.
/// Otherwise it records the problems any cell can have (columns in `skip` are checked by the
/// import itself) and returns true.
pub fn begin_import(
    tx: &mut Tx<'_>,
    out: &mut ImportOutcome,
    table: &Table,
    kind: &str,
    skip: &[usize],
) -> Result<bool> {
    tx.lock_for_writing()?;
    if REGISTER_KINDS.contains(&kind) {
        // A register file is compared with the register row by row every time: importing an
        // earlier file again after the register changed applies what differs.
        out.seen_before = previous_import(tx, kind, &table.sha256)?;
    } else if let Some(id) = previous_import(tx, kind, &table.sha256)? {
        out.already_imported = true;
        out.import_id = Some(id);
        out.skipped = out.rows;
        return Ok(false);
    }
    out.errors.extend(table.cell_problems(skip));
    Ok(true)
}

/// The imports of register files (compared with the register row by row, never skipped whole).
pub const REGISTER_KINDS: [&str; 3] = ["persons", "hardship", "certifications"];

/// For a register file in which nothing differs from the register: if the same content was
/// imported before, says so (nothing is recorded) and returns true.
pub fn unchanged_register_file(out: &mut ImportOutcome) -> bool {
    match out.seen_before {
        Some(id) if out.errors.is_empty() => {
            out.already_imported = true;
            out.import_id = Some(id);
            out.skipped = out.rows;
            true
        }
        _ => false,
    }
}

/// The import that already took in a file with this content, if any (the latest).
fn previous_import(tx: &mut Tx<'_>, kind: &str, sha256: &str) -> Result<Option<i64>> {
    Ok(tx
        .query_opt(
            "SELECT MAX(import_id) FROM imports WHERE kind = $1 AND file_sha256 = $2",
            &[Param::Text(kind), Param::Text(sha256)],
        )?
        .map(|r| r.opt_i64(0))
        .transpose()?
        .flatten())
}

/// Records an import batch and returns its id.
pub fn record_import(
    tx: &mut Tx<'_>,
    kind: &str,
    table: &Table,
    actor: &str,
    posted: usize,
    skipped: usize,
) -> Result<i64> {
    let id = tx.allocate_ids("import", 1)?;
    tx.exec(
        "INSERT INTO imports (import_id, kind, file_name, file_sha256, row_count, posted, skipped, imported_by, imported_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            Param::Int(id), Param::Text(kind), Param::Text(&table.file_name), Param::Text(&table.sha256),
            Param::Int(table.rows.len() as i64), Param::Int(posted as i64), Param::Int(skipped as i64),
            Param::Text(actor), Param::Timestamp(yanglao_store::now()),
        ],
    )?;
    Ok(id)
}

/// Writes the row-level report beside the file when the import found errors.
/// Puts an import's problems in row order; with errors nothing was posted. Writing the error
/// report (`错误报告.xlsx`) is the interface's job (`imports::problems::error_report_xlsx`).
pub fn finish(out: &mut ImportOutcome) {
    out.errors.sort_by_key(|p| p.row);
    out.warnings.sort_by_key(|p| p.row);
    if !out.errors.is_empty() {
        out.posted = 0;
        out.updated = 0;
    }
}
