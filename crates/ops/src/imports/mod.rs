//! What every import shares: reading tables from csv / xlsx / xls / ods, and the problems an
//! import reports.

pub mod problems;
pub mod table;

use crate::{Ctx, OpsError, Result};
use chrono::NaiveDate;
use problems::ImportOutcome;
use table::Upload;

/// What an import needs beyond its file: death records name their source, and the date the file
/// was processed when it has no report-date column.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub source: Option<crate::deaths::Source>,
    pub date: Option<NaiveDate>,
}

/// Runs the import of `kind` (a code of [`problems::IMPORT_KINDS`]) on `upload`: checked only
/// when `dry_run`, else checked and posted in one transaction (all or nothing). The command line,
/// the pages and the API all come here.
pub fn import(
    ctx: &mut Ctx,
    kind: &str,
    upload: &Upload,
    options: &ImportOptions,
    dry_run: bool,
) -> Result<ImportOutcome> {
    use crate::{books, deaths, evaluation, payroll, register};
    match kind {
        "persons" => register::persons::import(ctx, upload, dry_run),
        "contributions" => register::contributions::import(ctx, upload, dry_run),
        "hardship" => register::hardship::import(ctx, upload, dry_run),
        "certifications" => deaths::certification::import(ctx, upload, dry_run),
        "bank-agreements" => books::bank::import_agreements(ctx, upload, dry_run),
        "bank-statement" => books::bank::import_statement(ctx, upload, dry_run),
        "budget" => books::budget::import_budget(ctx, upload, dry_run),
        "fund-arrivals" => books::budget::import_arrivals(ctx, upload, dry_run),
        "survey" => evaluation::survey::import(ctx, upload, dry_run),
        "bank-return" => payroll::bank_return::import(ctx, upload, dry_run),
        "deaths" => {
            let source = options.source.ok_or_else(|| {
                OpsError::rule(
                    "E-DEATH-SOURCE",
                    "死亡信息须指明来源：police（公安）、civil-affairs（民政）、health（卫健）或 village（村居）",
                )
            })?;
            deaths::import(ctx, upload, source, dry_run, options.date)
        }
        other => Err(unknown_kind(other)),
    }
}

/// The code of an import kind (one of [`problems::IMPORT_KINDS`]), or the refusal that lists them.
pub fn kind_of(kind: &str) -> Result<&'static str> {
    problems::IMPORT_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(k, _)| *k)
        .ok_or_else(|| unknown_kind(kind))
}

fn unknown_kind(kind: &str) -> OpsError {
    OpsError::rule(
        "E-IMPORT-KIND",
        format!(
            "没有“{kind}”这种导入：应为 {}",
            problems::IMPORT_KINDS
                .iter()
                .map(|(k, zh)| format!("{k}（{zh}）"))
                .collect::<Vec<_>>()
                .join("、")
        ),
    )
}
