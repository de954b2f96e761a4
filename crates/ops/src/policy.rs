//! The policy kept in the books: versions of the scheme's parameter file stored in the database,
//! each applying from its date, and the book of them every use case reads its parameters from.
//!
//! A version is the whole policy file (its content, hash, who loaded it, when, and from which date
//! it applies). The version in force on a date is the latest one whose date is on or before it; the
//! first version also covers everything before its date (there is nothing earlier to apply). A
//! newer version may apply only from a date after every entry already posted and every payroll
//! month already run, so a version never reaches back over the books: what was posted under a
//! version stays judged by it. Every journal entry records the version in force on its date, and
//! every import, award run and payroll records the newest version it applied.

use chrono::NaiveDate;
use serde::Serialize;
use yanglao_policy::{PolicyError, PolicySet, Scheme, SupplementaryParams};
use yanglao_store::{Param, Tx};

use crate::{audit, OpsError, Result};

/// One stored version of the policy.
#[derive(Debug, Clone)]
pub struct PolicyVersion {
    pub version: i64,
    pub name: String,
    pub illustrative: bool,
    pub applies_from: NaiveDate,
    pub sha256: String,
    pub file_name: String,
    pub loaded_by: String,
    /// When it was loaded (UTC, to the second).
    pub loaded_at: String,
    pub source: String,
    pub set: PolicySet,
}

/// A version as `policy history` and `policy show` print it (no source text).
#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    pub version: i64,
    pub name: String,
    pub illustrative: bool,
    pub applies_from: NaiveDate,
    pub sha256: String,
    pub file_name: String,
    pub loaded_by: String,
    pub loaded_at: String,
}

impl PolicyVersion {
    pub fn info(&self) -> VersionInfo {
        VersionInfo {
            version: self.version,
            name: self.name.clone(),
            illustrative: self.illustrative,
            applies_from: self.applies_from,
            sha256: self.sha256.clone(),
            file_name: self.file_name.clone(),
            loaded_by: self.loaded_by.clone(),
            loaded_at: self.loaded_at.clone(),
        }
    }
}

/// Every stored version, oldest first (their dates strictly increase).
#[derive(Debug, Clone, Default)]
pub struct PolicyBook {
    versions: Vec<PolicyVersion>,
}

impl PolicyBook {
    /// A book without versions: every parameter asked of it is `E-POLICY-NONE`.
    pub fn empty() -> PolicyBook {
        PolicyBook::default()
    }

    /// Reads the stored versions.
    pub fn read(tx: &mut Tx<'_>) -> Result<PolicyBook> {
        let rows = tx.query(
            "SELECT version_id, name, illustrative, applies_from, content_sha256, file_name, loaded_by, CAST(loaded_at AS TEXT), content
             FROM policy_versions ORDER BY applies_from",
            &[],
        )?;
        let mut versions = Vec::with_capacity(rows.len());
        for r in rows {
            let source = r.str(8)?;
            let set = yanglao_policy::parse_str(&source).map_err(|p| {
                OpsError::rule(
                    "E-POLICY-STORED-INVALID",
                    format!(
                        "数据库中第 {} 版政策参数无法解析（{} 个问题），数据库可能被改动过",
                        r.i64(0).unwrap_or_default(),
                        p.len()
                    ),
                )
            })?;
            versions.push(PolicyVersion {
                version: r.i64(0)?,
                name: r.str(1)?,
                illustrative: r.bool(2)?,
                applies_from: r.date(3)?,
                sha256: r.str(4)?,
                file_name: r.str(5)?,
                loaded_by: r.str(6)?,
                loaded_at: r.str(7)?.replace('T', " ").chars().take(19).collect(),
                source,
                set,
            });
        }
        Ok(PolicyBook { versions })
    }

    pub fn versions(&self) -> &[PolicyVersion] {
        &self.versions
    }

    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    pub fn latest(&self) -> Option<&PolicyVersion> {
        self.versions.last()
    }

    /// The version in force on `date`; `E-POLICY-NONE` when the book is empty.
    pub fn version_on(&self, date: NaiveDate) -> std::result::Result<&PolicyVersion, PolicyError> {
        let first = self.versions.first().ok_or(PolicyError::NotLoaded)?;
        Ok(self
            .versions
            .iter()
            .rev()
            .find(|v| v.applies_from <= date)
            .unwrap_or(first))
    }

    /// Refuses with `E-POLICY-NONE` when no version is stored: every posting use case calls it
    /// first.
    pub fn require(&self) -> Result<&PolicyVersion> {
        self.versions.last().ok_or_else(|| {
            OpsError::rule(
                PolicyError::NotLoaded.code(),
                PolicyError::NotLoaded.to_string(),
            )
        })
    }

    /// Supplementary-scheme parameters in force for `region` on `date`, from the version in
    /// force on that date.
    pub fn supplementary(
        &self,
        region: &str,
        date: NaiveDate,
    ) -> std::result::Result<SupplementaryParams, PolicyError> {
        self.version_on(date)?.set.supplementary(region, date)
    }

    /// The earliest date on which the first version's parameters are complete.
    pub fn earliest_date(&self) -> Option<NaiveDate> {
        self.versions.first().and_then(|v| v.set.earliest_date())
    }
}

/// The version in force on the date bound as `$N` (SQL, both backends): the latest applying on or
/// before it, or the first version for earlier dates; NULL when none is stored.
pub fn version_on_sql(n: usize) -> String {
    format!(
        "COALESCE((SELECT MAX(version_id) FROM policy_versions WHERE applies_from <= ${n}),
                  (SELECT MIN(version_id) FROM policy_versions))"
    )
}

/// What `policy load` did.
#[derive(Debug, Clone, Serialize)]
pub struct LoadOutcome {
    pub version: i64,
    pub applies_from: NaiveDate,
    pub name: String,
    pub illustrative: bool,
    pub sha256: String,
    /// True when the same content was already the latest version: nothing was stored.
    pub already_loaded: bool,
    /// Warnings of the policy checker, as text with their line.
    pub warnings: Vec<String>,
}

/// The last business date the books hold: the latest entry date, or the last day of the latest
/// payroll month run (a draft included).
fn last_business_date(tx: &mut Tx<'_>) -> Result<Option<NaiveDate>> {
    let entry = tx
        .query_one("SELECT MAX(entry_date) FROM journal_entries", &[])?
        .opt_date(0)?;
    let month = tx
        .query_one("SELECT MAX(month) FROM payrolls", &[])?
        .opt_str(0)?
        .and_then(|m| yanglao_domain::Month::parse(&m).ok())
        .map(|m| m.last_day());
    Ok(entry.max(month))
}

/// `policy load`: stores a version of the policy (the city administrator's), and rereads the
/// versions into the context.
pub fn load_version(
    ctx: &mut crate::Ctx,
    source: &str,
    file_name: &str,
    applies_from: Option<NaiveDate>,
) -> Result<LoadOutcome> {
    ctx.actor.require(crate::access::Action::Policy)?;
    let actor = ctx.who();
    let o = ctx
        .db
        .transaction(|tx| load(tx, source, file_name, applies_from, &actor))?;
    ctx.reload_policy()?;
    Ok(o)
}

/// Stores a version of the policy from a file's content. `applies_from`: the first version
/// defaults to the file's earliest complete date and covers everything before it too; a later
/// version must name its date, after every posted entry and payroll month.
pub fn load(
    tx: &mut Tx<'_>,
    source: &str,
    file_name: &str,
    applies_from: Option<NaiveDate>,
    actor: &str,
) -> Result<LoadOutcome> {
    tx.lock_for_writing()?;
    let (set, warnings) = parse_policy(source, file_name)?;
    let sha256 = crate::imports::table::sha256_hex(source.as_bytes());
    let book = PolicyBook::read(tx)?;
    if let Some(latest) = book.latest() {
        if latest.sha256 == sha256 && applies_from.is_none_or(|d| d == latest.applies_from) {
            return Ok(LoadOutcome {
                version: latest.version,
                applies_from: latest.applies_from,
                name: latest.name.clone(),
                illustrative: latest.illustrative,
                sha256,
                already_loaded: true,
                warnings,
            });
        }
    }
    let applies_from = version_date(tx, &book, &set, applies_from, file_name)?;
    let version = tx.allocate_ids("policy_version", 1)?;
    tx.exec(
        "INSERT INTO policy_versions (version_id, scheme, name, illustrative, applies_from, content, content_sha256, file_name, loaded_by, loaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            Param::Int(version),
            Param::Text(set.scheme().as_str()),
            Param::Text(set.name()),
            Param::Bool(set.illustrative()),
            Param::Date(applies_from),
            Param::Text(source),
            Param::Text(&sha256),
            Param::Text(file_name),
            Param::Text(actor),
            Param::Timestamp(yanglao_store::now()),
        ],
    )?;
    audit(
        tx,
        actor,
        "policy.load",
        &serde_json::json!({
            "version": version, "applies_from": applies_from.to_string(), "sha256": sha256,
            "file": file_name, "name": set.name(),
        }),
    )?;
    Ok(LoadOutcome {
        version,
        applies_from,
        name: set.name().to_string(),
        illustrative: set.illustrative(),
        sha256,
        already_loaded: false,
        warnings,
    })
}

/// The policy a file holds, which must be without errors and of the supplementary scheme, and
/// the checker's warnings as text with their line.
fn parse_policy(source: &str, file_name: &str) -> Result<(PolicySet, Vec<String>)> {
    let problems = yanglao_policy::check_str(source);
    let set = yanglao_policy::parse_str(source).map_err(|problems| {
        let errors: Vec<String> = problems
            .iter()
            .filter(|p| p.severity == yanglao_policy::Severity::Error)
            .map(|p| format!("{file_name}:{p}"))
            .collect();
        OpsError::rule(
            "E-POLICY-INVALID",
            format!(
                "政策参数文件 {file_name} 有 {} 个错误，未载入：\n  {}",
                errors.len(),
                errors.join("\n  ")
            ),
        )
    })?;
    if set.scheme() != Scheme::Supplementary {
        return Err(OpsError::rule(
            "E-POLICY-WRONG-SCHEME",
            format!(
                "政策参数文件 {file_name} 属于{}，经办只使用城乡居民补充养老保险的参数",
                set.scheme().label_zh()
            ),
        ));
    }
    let warnings = problems
        .iter()
        .filter(|p| p.severity == yanglao_policy::Severity::Warning)
        .map(|p| format!("{file_name}:{p}"))
        .collect();
    Ok((set, warnings))
}

/// The date a new version applies from (see [`load`]), with a year from 1900 to 2200.
fn version_date(
    tx: &mut Tx<'_>,
    book: &PolicyBook,
    set: &PolicySet,
    applies_from: Option<NaiveDate>,
    file_name: &str,
) -> Result<NaiveDate> {
    let applies_from = match (book.latest(), applies_from) {
        (None, Some(d)) => d,
        (None, None) => set.earliest_date().ok_or_else(|| {
            OpsError::rule(
                "E-POLICY-INCOMPLETE",
                format!("政策参数文件 {file_name} 在任何日期都没有完整的参数，未载入"),
            )
        })?,
        (Some(_), None) => {
            return Err(OpsError::rule(
                "E-POLICY-FROM-REQUIRED",
                "数据库中已有政策参数：载入新版本须用 --from YYYY-MM-DD 指明它从哪一天起适用",
            ))
        }
        (Some(latest), Some(d)) => {
            check_later_version(tx, latest, d)?;
            d
        }
    };
    if !(1900..=2200).contains(&chrono::Datelike::year(&applies_from)) {
        return Err(OpsError::rule(
            "E-YEAR-RANGE",
            format!("适用日期 {applies_from} 的年份应在 1900 至 2200 之间"),
        ));
    }
    Ok(applies_from)
}

/// A version after the first applies only after the latest version's date and the books' last
/// business date.
fn check_later_version(tx: &mut Tx<'_>, latest: &PolicyVersion, d: NaiveDate) -> Result<()> {
    if d <= latest.applies_from {
        return Err(OpsError::rule(
            "E-POLICY-BACKDATED",
            format!(
                "新版本的适用日期 {d} 不晚于现行第 {} 版的适用日期 {}：新版本只能向后适用",
                latest.version, latest.applies_from
            ),
        ));
    }
    if let Some(last) = last_business_date(tx)? {
        if d <= last {
            return Err(OpsError::rule(
                "E-POLICY-BACKDATED",
                format!(
                    "新版本的适用日期 {d} 不晚于账簿中已记账或已生成发放的最后业务日期 {last}：新版本不能追溯已入账的业务，请用 {} 之后的日期",
                    last
                ),
            ));
        }
    }
    Ok(())
}

/// The policies a simulation runs under: the database's latest supplementary policy (the shipped
/// one when it has none), the shipped basic and employees' policies, for `region`.
pub fn simulation_policies(ctx: &crate::Ctx, region: String) -> yanglao_sim::Policies {
    yanglao_sim::Policies {
        supplementary: ctx
            .policy
            .latest()
            .map(|v| v.set.clone())
            .unwrap_or_else(yanglao_policy::default_supplementary),
        basic: yanglao_policy::default_basic(),
        employee: yanglao_policy::default_employee(),
        region,
    }
}
