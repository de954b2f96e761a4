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
    if let Some(a) = action_of(kind) {
        ctx.actor.require(a)?;
    }
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

/// The action an import of `kind` takes (each import's use case checks it; the pages offer a
/// kind only to the roles that may take its action).
pub fn action_of(kind: &str) -> Option<crate::Action> {
    use crate::Action as A;
    Some(match kind {
        "persons" | "contributions" | "hardship" | "certifications" => A::Register,
        "bank-agreements" | "bank-statement" => A::BankBooks,
        "budget" | "fund-arrivals" => A::Budget,
        "survey" => A::Evaluation,
        "bank-return" => A::Payroll,
        "deaths" => A::Deaths,
        _ => return None,
    })
}

/// The import kinds `role` may take, with their names.
pub fn kinds_for(role: crate::Role) -> Vec<(&'static str, &'static str)> {
    problems::IMPORT_KINDS
        .iter()
        .filter(|(k, _)| action_of(k).is_some_and(|a| crate::access::allowed(role, a)))
        .copied()
        .collect()
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

#[cfg(test)]
mod tests {
    #[test]
    fn every_import_kind_names_the_action_it_takes() {
        for (k, _) in super::problems::IMPORT_KINDS {
            assert!(super::action_of(k).is_some(), "{k}");
        }
        let operator = super::kinds_for(crate::Role::Operator);
        assert!(operator.iter().any(|(k, _)| *k == "persons"));
        assert!(!operator.iter().any(|(k, _)| *k == "budget"));
        assert_eq!(super::kinds_for(crate::Role::Finance).len(), 5);
    }
}
