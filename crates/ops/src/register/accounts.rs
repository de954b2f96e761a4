//! `account show`: a person's individual-account statement, every movement and the balance by
//! component.

use crate::access::Action;
use crate::{Ctx, OpsError, Result};
use chrono::NaiveDate;
use serde::Serialize;
use yanglao_domain::CitizenId;
use yanglao_store::Param;

#[derive(Debug, Clone, Serialize)]
pub struct Movement {
    pub date: NaiveDate,
    pub kind: String,
    pub year: i64,
    pub personal_fen: i64,
    pub subsidy_fen: i64,
    pub subsidy_province_fen: i64,
    pub subsidy_city_fen: i64,
    pub subsidy_county_fen: i64,
    pub government_paid_fen: i64,
    pub interest_fen: i64,
    pub amount_fen: i64,
    pub entry_id: i64,
    pub reference: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub citizen_id: String,
    pub name: String,
    pub county: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub basic_enrolled: bool,
    pub personal_fen: i64,
    pub subsidy_fen: i64,
    pub government_paid_fen: i64,
    pub interest_fen: i64,
    pub balance_fen: i64,
    /// Years with a contribution of their own or a government-paid one.
    pub contribution_years: Vec<i64>,
    pub hardship: Vec<serde_json::Value>,
    pub movements: Vec<Movement>,
}

/// A movement's kind as a person reads it.
pub fn movement_kind_zh(kind: &str) -> &str {
    match kind {
        "self" => "个人缴费",
        "gov_paid" => "政府代缴",
        "interest" => "记账利息",
        "benefit" => "支付养老金",
        "overpayment_reversal" => "多发冲回",
        "recovery_offset" => "抵扣多发",
        "inheritance" => "支付继承人",
        other => other,
    }
}

/// Years as a person reads them: `2021、2022、2023 年`, runs of three or more shortened
/// (`2015—2019、2021 年`); `无` for none.
pub fn years_zh(years: &[i64]) -> String {
    if years.is_empty() {
        return "无".to_string();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < years.len() {
        let mut j = i;
        while j + 1 < years.len() && years[j + 1] == years[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            parts.push(format!("{}—{}", years[i], years[j]));
        } else {
            parts.extend(years[i..=j].iter().map(|y| y.to_string()));
        }
        i = j + 1;
    }
    format!("{} 年", parts.join("、"))
}

pub fn show(ctx: &mut Ctx, citizen_id: &str) -> Result<Statement> {
    let (id, _) = CitizenId::parse(citizen_id).map_err(|e| OpsError::rule(e.code, e.message))?;
    let actor = ctx.actor.clone();
    ctx.db.transaction(|tx| -> Result<_> {
        let p = tx
            .query_opt(
                "SELECT person_id, name, county, birth_date, sex, basic_enrolled FROM persons WHERE citizen_id = $1",
                &[Param::Text(id.as_str())],
            )?
            .ok_or_else(|| OpsError::rule("E-PERSON-NOT-FOUND", format!("登记册中没有身份证号为 {} 的人员", id.masked())))?;
        let (pid, county) = (p.i64(0)?, p.str(2)?);
        actor.require_county(Action::Read, &county)?;
        let mut movements = Vec::new();
        for r in tx.query(
            "SELECT movement_date, kind, year, personal_fen, subsidy_province_fen, subsidy_city_fen, subsidy_county_fen,
                    gov_paid_fen, interest_fen, entry_id, reference
             FROM account_movements WHERE county = $1 AND person_id = $2 ORDER BY movement_date, movement_id",
            &[Param::Text(&county), Param::Int(pid)],
        )? {
            let (sp, sc, sk) = (r.i64(4)?, r.i64(5)?, r.i64(6)?);
            let (personal, gov, interest) = (r.i64(3)?, r.i64(7)?, r.i64(8)?);
            movements.push(Movement {
                date: r.date(0)?,
                kind: r.str(1)?,
                year: r.i64(2)?,
                personal_fen: personal,
                subsidy_fen: sp + sc + sk,
                subsidy_province_fen: sp,
                subsidy_city_fen: sc,
                subsidy_county_fen: sk,
                government_paid_fen: gov,
                interest_fen: interest,
                amount_fen: personal + sp + sc + sk + gov + interest,
                entry_id: r.i64(9)?,
                reference: r.str(10)?,
            });
        }
        let mut years: Vec<i64> = tx
            .query(
                "SELECT DISTINCT year FROM account_movements WHERE county = $1 AND person_id = $2 AND kind IN ('self', 'gov_paid') ORDER BY year",
                &[Param::Text(&county), Param::Int(pid)],
            )?
            .iter()
            .map(|r| r.i64(0))
            .collect::<std::result::Result<_, _>>()?;
        years.dedup();
        let hardship = tx
            .query(
                "SELECT category, start_date, end_date FROM hardship_memberships WHERE county = $1 AND person_id = $2 ORDER BY start_date",
                &[Param::Text(&county), Param::Int(pid)],
            )?
            .iter()
            .map(|r| Ok(serde_json::json!({"category": r.str(0)?, "start": r.date(1)?, "end": r.opt_date(2)?})))
            .collect::<std::result::Result<Vec<_>, yanglao_store::StoreError>>()?;
        let sum = |f: fn(&Movement) -> i64| movements.iter().map(f).sum::<i64>();
        Ok(Statement {
            citizen_id: id.as_str().to_string(),
            name: p.str(1)?,
            county,
            birth_date: p.date(3)?,
            sex: p.str(4)?,
            basic_enrolled: p.bool(5)?,
            personal_fen: sum(|m| m.personal_fen),
            subsidy_fen: sum(|m| m.subsidy_fen),
            government_paid_fen: sum(|m| m.government_paid_fen),
            interest_fen: sum(|m| m.interest_fen),
            balance_fen: sum(|m| m.amount_fen),
            contribution_years: years,
            hardship,
            movements,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_read_as_a_list_in_chinese() {
        assert_eq!(years_zh(&[]), "无");
        assert_eq!(years_zh(&[2021]), "2021 年");
        assert_eq!(years_zh(&[2021, 2022]), "2021、2022 年");
        assert_eq!(years_zh(&[2021, 2022, 2023]), "2021—2023 年");
        assert_eq!(
            years_zh(&[2015, 2016, 2017, 2019, 2021, 2022]),
            "2015—2017、2019、2021、2022 年"
        );
    }

    #[test]
    fn every_movement_kind_has_a_chinese_label() {
        for k in [
            "self",
            "gov_paid",
            "interest",
            "benefit",
            "overpayment_reversal",
            "recovery_offset",
            "inheritance",
        ] {
            assert!(
                !movement_kind_zh(k).chars().any(|c| c.is_ascii_alphabetic()),
                "{k}"
            );
        }
    }
}
