//! The register and the books as the fund projection needs them (`yanglao simulate fund`): who is
//! insured and who receives benefits at the end of a year, with their accounts; what is owed to
//! the heirs of the dead; the pooled accounts and the fund's balance; and, for a back-test, what
//! the books record for the years after it (contributions, joiners, deaths).
//!
//! Everything is read as it stood at the end of the year: movements, entries, awards and
//! terminations dated on or before 31 December.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use yanglao_sim::fund::{Insured, ObservedYear, PoolAccounts, Recipient, Snapshot};
use yanglao_sim::mortality::Sex;
use yanglao_store::{Param, Tx};

use crate::{Ctx, OpsError, Result};

/// The last year with contributions in the register.
pub fn last_contribution_year(ctx: &mut Ctx) -> Result<Option<i32>> {
    ctx.db.transaction(|tx| -> Result<Option<i32>> {
        let r = tx.query_opt(
            "SELECT CAST(MAX(year) AS BIGINT) FROM account_movements WHERE kind IN ('self', 'gov_paid')",
            &[],
        )?;
        Ok(match r {
            Some(r) => r.opt_i64(0)?.map(|y| y as i32),
            None => None,
        })
    })
}

fn year_end(year: i32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| OpsError::rule("E-YEAR", format!("年度 {year} 无效")))
}

/// Everyone's birth date and sex.
fn persons(tx: &mut Tx<'_>) -> Result<HashMap<i64, (NaiveDate, Sex)>> {
    let mut out = HashMap::new();
    tx.for_each_ref("SELECT person_id, birth_date, sex FROM persons", &[], |r| {
        let sex = if r.str(2)? == "F" {
            Sex::Female
        } else {
            Sex::Male
        };
        out.insert(r.i64(0)?, (r.date(1)?, sex));
        Ok(())
    })?;
    Ok(out)
}

/// The people terminated (by death or otherwise) on or before `end`.
fn terminated(tx: &mut Tx<'_>, end: NaiveDate) -> Result<HashSet<i64>> {
    let mut out = HashSet::new();
    tx.for_each_ref(
        "SELECT person_id FROM person_events WHERE status = 'terminated' AND effective_date <= $1",
        &[Param::Date(end)],
        |r| {
            out.insert(r.i64(0)?);
            Ok(())
        },
    )?;
    Ok(out)
}

/// A person's account at the end of the base year.
struct Account {
    balance: i64,
    years: i64,
    paid: i64,
    gov: bool,
    before: bool,
    first_year: Option<i64>,
}

/// The register and books at the end of `base_year`: people alive and not terminated who have
/// contributed at least once and have no award (insured), people with an award (recipients),
/// the balances of the terminated (owed to heirs), the pooled accounts, and the fund statement's
/// figures of the year.
pub fn snapshot(ctx: &mut Ctx, base_year: i32) -> Result<Snapshot> {
    let end = year_end(base_year)?;
    let statement = crate::books::fund::statement(ctx, base_year, None)?;
    ctx.db.transaction(|tx| -> Result<Snapshot> {
        let terminated = terminated(tx, end)?;
        let accounts = accounts_at(tx, end, base_year)?;
        let awards = awards_at(tx, end)?;
        let pool = pool_accounts_at(tx, end)?;
        let people = persons(tx)?;
        let mut ids: Vec<i64> = people.keys().copied().collect();
        ids.sort_unstable();
        let mut insured = Vec::new();
        let mut recipients = Vec::new();
        let mut owed_fen = 0;
        for id in ids {
            let (birth, sex) = people[&id];
            let account = accounts.get(&id);
            if terminated.contains(&id) {
                // What the dead (or those who left) still have is owed to them or their heirs.
                owed_fen += account.map_or(0, |a| a.balance.max(0));
                continue;
            }
            if birth > end {
                continue;
            }
            if let Some((pension, subsidy)) = awards.get(&id) {
                recipients.push(Recipient {
                    id,
                    birth,
                    sex,
                    account_pension_fen: *pension,
                    subsidy_fen: *subsidy,
                    balance_fen: account.map_or(0, |a| a.balance.max(0)),
                });
            } else if let Some(a) = account.filter(|a| a.years > 0) {
                insured.push(Insured {
                    id,
                    birth,
                    sex,
                    balance_fen: a.balance,
                    years: a.years as u32,
                    paid_fen: a.paid,
                    government_paid: a.gov,
                    contributed_before: a
                        .first_year
                        .filter(|y| *y < i64::from(base_year))
                        .map(|_| a.before),
                });
            }
        }
        Ok(Snapshot {
            base_year,
            insured,
            recipients,
            fund_balance_fen: statement.closing_fen,
            opening_fen: statement.brought_forward_fen,
            bank_interest_fen: statement.income.interest_fen,
            owed_fen,
            heirs_paid_fen: statement.expenditure.paid_to_heirs_fen,
            pool,
        })
    })
}

/// Every person's account at `end` (the end of `base_year`).
fn accounts_at(tx: &mut Tx<'_>, end: NaiveDate, base_year: i32) -> Result<HashMap<i64, Account>> {
    let mut accounts: HashMap<i64, Account> = HashMap::new();
    tx.for_each_ref(
        "SELECT person_id,
                CAST(SUM(personal_fen + subsidy_province_fen + subsidy_city_fen + subsidy_county_fen + gov_paid_fen + interest_fen) AS BIGINT),
                CAST(COUNT(DISTINCT CASE WHEN kind IN ('self', 'gov_paid') THEN year END) AS BIGINT),
                CAST(SUM(CASE WHEN kind = 'self' AND year = $2 THEN personal_fen ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN kind = 'gov_paid' AND year = $2 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN kind IN ('self', 'gov_paid') AND year = $3 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(MIN(CASE WHEN kind IN ('self', 'gov_paid') THEN year END) AS BIGINT)
         FROM account_movements WHERE movement_date <= $1 GROUP BY person_id",
        &[Param::Date(end), Param::Int(i64::from(base_year)), Param::Int(i64::from(base_year) - 1)],
        |r| {
            accounts.insert(
                r.i64(0)?,
                Account {
                    balance: r.i64(1)?,
                    years: r.i64(2)?,
                    paid: r.i64(3)?,
                    gov: r.i64(4)? > 0,
                    before: r.i64(5)? > 0,
                    first_year: r.opt_i64(6)?,
                },
            );
            Ok(())
        },
    )?;
    Ok(accounts)
}

/// The awards started by `end`: person → (monthly account pension, monthly subsidies).
fn awards_at(tx: &mut Tx<'_>, end: NaiveDate) -> Result<HashMap<i64, (i64, i64)>> {
    let mut awards: HashMap<i64, (i64, i64)> = HashMap::new();
    tx.for_each_ref(
        "SELECT person_id, account_pension_fen,
                exit_province_fen + exit_city_fen + exit_county_fen + raised_province_fen + raised_city_fen + raised_county_fen
         FROM awards WHERE start_month <= $1",
        &[Param::Date(end)],
        |r| {
            awards.insert(r.i64(0)?, (r.i64(1)?, r.i64(2)?));
            Ok(())
        },
    )?;
    Ok(awards)
}

/// The pooled accounts' balances at `end`.
fn pool_accounts_at(tx: &mut Tx<'_>, end: NaiveDate) -> Result<PoolAccounts> {
    let mut pool = PoolAccounts::default();
    for r in tx.query(
        "SELECT l.account, CAST(SUM(l.amount_fen) AS BIGINT)
         FROM journal_lines l JOIN journal_entries e ON e.county = l.county AND e.entry_id = l.entry_id
         WHERE e.entry_date <= $1 AND l.account IN ('pool.interest', 'pool.longevity', 'pool.writeoff')
         GROUP BY l.account",
        &[Param::Date(end)],
    )? {
        // Claims are credits: the fund owes what is credited.
        let fen = -r.i64(1)?;
        match r.str(0)?.as_str() {
            "pool.interest" => pool.interest_fen = fen,
            "pool.longevity" => pool.longevity_fen = fen,
            _ => pool.writeoff_fen = fen,
        }
    }
    Ok(pool)
}

/// The books at the end of a year as the projection splits them: the fund statement, the
/// accounts of the living, the balances owed to heirs, the pooled part, and the interest
/// credited to accounts in the year.
#[derive(Debug, Clone)]
pub struct Books {
    pub statement: crate::books::fund::Statement,
    pub accounts_fen: i64,
    pub owed_fen: i64,
    pub pool_fen: i64,
    pub credited_fen: i64,
}

pub fn books(ctx: &mut Ctx, year: i32) -> Result<Books> {
    let s = snapshot(ctx, year)?;
    let statement = crate::books::fund::statement(ctx, year, None)?;
    let start = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid");
    let end = year_end(year)?;
    let credited = ctx.db.transaction(|tx| -> Result<i64> {
        Ok(tx
            .query_one(
                "SELECT CAST(COALESCE(SUM(l.amount_fen), 0) AS BIGINT)
                 FROM journal_lines l JOIN journal_entries e ON e.county = l.county AND e.entry_id = l.entry_id
                 WHERE e.kind = 'interest_credit' AND l.account = 'ind.interest' AND e.entry_date >= $1 AND e.entry_date <= $2",
                &[Param::Date(start), Param::Date(end)],
            )?
            .i64(0)?)
    })?;
    Ok(Books {
        accounts_fen: s.insured.iter().map(|i| i.balance_fen).sum::<i64>()
            + s.recipients.iter().map(|r| r.balance_fen).sum::<i64>(),
        owed_fen: s.owed_fen,
        pool_fen: s.pool.total_fen(),
        credited_fen: -credited,
        statement,
    })
}

/// What the books record for each year from `base_year + 1` to `last_year`: contributions by
/// person (dated in the year), the people who contributed for the first time (not insured at the
/// end of the year before), and deaths and terminations with their month.
pub fn observed(ctx: &mut Ctx, base_year: i32, last_year: i32) -> Result<Vec<ObservedYear>> {
    let base_end = year_end(base_year)?;
    year_end(last_year)?;
    ctx.db.transaction(|tx| -> Result<Vec<ObservedYear>> {
        let people = persons(tx)?;
        // Who the model knows already: anyone with a contribution or an award by the base year.
        let mut known: HashSet<i64> = HashSet::new();
        tx.for_each_ref(
            "SELECT DISTINCT person_id FROM account_movements WHERE movement_date <= $1 AND kind IN ('self', 'gov_paid')",
            &[Param::Date(base_end)],
            |r| {
                known.insert(r.i64(0)?);
                Ok(())
            },
        )?;
        tx.for_each_ref("SELECT person_id FROM awards WHERE start_month <= $1", &[Param::Date(base_end)], |r| {
            known.insert(r.i64(0)?);
            Ok(())
        })?;
        known.extend(terminated(tx, base_end)?);
        let mut out = Vec::new();
        for year in base_year + 1..=last_year {
            let start = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid");
            let end = year_end(year)?;
            let mut o = ObservedYear { year, ..ObservedYear::default() };
            let mut contributions: BTreeMap<i64, [i64; 3]> = BTreeMap::new();
            tx.for_each_ref(
                "SELECT person_id, CAST(SUM(personal_fen) AS BIGINT),
                        CAST(SUM(subsidy_province_fen + subsidy_city_fen + subsidy_county_fen) AS BIGINT),
                        CAST(SUM(gov_paid_fen) AS BIGINT)
                 FROM account_movements WHERE kind IN ('self', 'gov_paid') AND movement_date >= $1 AND movement_date <= $2
                 GROUP BY person_id",
                &[Param::Date(start), Param::Date(end)],
                |r| {
                    contributions.insert(r.i64(0)?, [r.i64(1)?, r.i64(2)?, r.i64(3)?]);
                    Ok(())
                },
            )?;
            for id in contributions.keys() {
                if known.insert(*id) {
                    if let Some((birth, sex)) = people.get(id) {
                        o.joiners.push(Insured {
                            id: *id,
                            birth: *birth,
                            sex: *sex,
                            balance_fen: 0,
                            years: 0,
                            paid_fen: 0,
                            government_paid: false,
                            contributed_before: None,
                        });
                    }
                }
            }
            o.contributions = contributions;
            tx.for_each_ref(
                "SELECT person_id, MIN(effective_date) FROM person_events
                 WHERE status = 'terminated' AND effective_date >= $1 AND effective_date <= $2 GROUP BY person_id",
                &[Param::Date(start), Param::Date(end)],
                |r| {
                    use chrono::Datelike;
                    o.exits.insert(r.i64(0)?, r.date(1)?.month());
                    Ok(())
                },
            )?;
            out.push(o);
        }
        Ok(out)
    })
}

/// What a fund forecast is asked: the years ahead, the base year (default: the last with
/// contributions), the fund's yield and the heirs' yearly share (default: the base year's), a
/// reform scenario to project beside the current policy, and whether to back-test against the
/// books of the years after the base.
pub struct ForecastRequest<'a> {
    pub years: u32,
    pub base_year: Option<i32>,
    pub fund_yield: Option<f64>,
    pub heirs_claim_share: Option<f64>,
    pub scenario: Option<&'a yanglao_policy::Scenario>,
    pub back_test: bool,
}

/// The forecast: the base year's register and books, a projection under the current policy
/// (and one under the scenario), and the back-test when asked.
#[derive(serde::Serialize)]
pub struct Forecast {
    pub base_year: i32,
    pub insured: usize,
    pub recipients: usize,
    pub fund_balance_fen: i64,
    pub mortality: String,
    pub projections: Vec<yanglao_sim::fund::Projection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub back_test: Option<BackTest>,
}

/// The back-test's stated tolerances (docs/SIMULATOR.md, "Back-test"), as relative differences
/// from the books: the replay, driven by the books' own contributions, joiners and deaths, on
/// income, expenditure and the closing balance; the forecast, which knows only the base year, on
/// income and expenditure, and on the closing balance.
#[derive(serde::Serialize)]
pub struct Tolerance {
    pub replay: f64,
    pub forecast_flows: f64,
    pub forecast_balance: f64,
}

pub const BACK_TEST_TOLERANCE: Tolerance = Tolerance {
    replay: 0.01,
    forecast_flows: 0.15,
    forecast_balance: 0.08,
};

#[derive(serde::Serialize)]
pub struct BackTest {
    pub tolerance: &'static Tolerance,
    pub replay: yanglao_sim::fund::Projection,
    pub years: Vec<BackTestYear>,
}

#[derive(serde::Serialize)]
pub struct BackTestItem {
    pub item: &'static str,
    pub books_fen: i64,
    pub forecast_fen: i64,
    pub replay_fen: i64,
}

#[derive(serde::Serialize)]
pub struct BackTestYear {
    pub year: i32,
    pub items: Vec<BackTestItem>,
}

fn sim(e: yanglao_sim::SimError) -> OpsError {
    OpsError::rule(e.code, e.message)
}

/// Forecasts the fund from the whole register (a city-wide reader only: the register of one
/// county is not a fund).
pub fn forecast(
    ctx: &mut Ctx,
    p: &yanglao_sim::Policies,
    mortality: &yanglao_sim::mortality::Mortality,
    r: &ForecastRequest<'_>,
) -> Result<Forecast> {
    ctx.actor.require(crate::Action::Read)?;
    if !ctx.actor.all_counties() {
        return Err(OpsError::rule(
            "E-ACCESS-COUNTY",
            format!(
                "{}只能查看所辖县区；基金预测按全市登记库与账簿测算，需全市范围的账号",
                ctx.actor.describe()
            ),
        ));
    }
    yanglao_sim::request::fund_assumptions(r.fund_yield, r.heirs_claim_share).map_err(sim)?;
    if !(1..=100).contains(&r.years) {
        return Err(OpsError::rule(
            "E-SIM-YEARS",
            format!("预测年数 {} 应在 1 到 100 之间", r.years),
        ));
    }
    let last = last_contribution_year(ctx)?;
    let base = match (r.base_year, last) {
        (Some(y), _) => y,
        (None, Some(y)) => y,
        (None, None) => {
            return Err(OpsError::rule(
                "E-SIM-NO-DATA",
                "登记库中没有缴费数据，无法预测基金；请先导入人员与缴费",
            ))
        }
    };
    let snapshot = snapshot(ctx, base)?;
    if snapshot.insured.is_empty() && snapshot.recipients.is_empty() {
        return Err(OpsError::rule(
            "E-SIM-NO-DATA",
            format!("{base} 年末登记库中没有参保或领取人员，无法预测基金"),
        ));
    }
    let options = |label: &str| yanglao_sim::fund::Options {
        years: r.years,
        label: label.to_string(),
        fund_yield: r.fund_yield,
        heirs_claim_share: r.heirs_claim_share,
    };
    let mut projections =
        vec![
            yanglao_sim::fund::project(p, &snapshot, mortality, &options("现行政策"))
                .map_err(sim)?,
        ];
    if let Some(s) = r.scenario {
        projections.push(
            yanglao_sim::fund::project(
                &p.with_scenario(s),
                &snapshot,
                mortality,
                &options(&s.name),
            )
            .map_err(sim)?,
        );
    }
    let back_test = if r.back_test {
        let last_books = last.unwrap_or(base).min(base + r.years as i32);
        if last_books <= base {
            return Err(OpsError::rule(
                "E-SIM-BACK-TEST-NO-BOOKS",
                format!("账簿中没有 {base} 年以后的缴费数据，无法回测；请指定更早的基期"),
            ));
        }
        let observed = observed(ctx, base, last_books)?;
        let replay =
            yanglao_sim::fund::replay(p, &snapshot, mortality, &options("按账簿重演"), &observed)
                .map_err(sim)?;
        let mut years = Vec::new();
        for year in base + 1..=last_books {
            let st = books(ctx, year)?;
            let row = |pr: &yanglao_sim::fund::Projection| {
                pr.rows.iter().find(|r| r.year == year).cloned()
            };
            if let (Some(f), Some(r)) = (row(&projections[0]), row(&replay)) {
                years.push(back_test_year(&st, &f, &r));
            }
        }
        Some(BackTest {
            tolerance: &BACK_TEST_TOLERANCE,
            replay,
            years,
        })
    } else {
        None
    };
    Ok(Forecast {
        base_year: base,
        insured: snapshot.insured.len(),
        recipients: snapshot.recipients.len(),
        fund_balance_fen: snapshot.fund_balance_fen,
        mortality: mortality.title.clone(),
        projections,
        back_test,
    })
}

fn back_test_year(
    books: &Books,
    f: &yanglao_sim::fund::YearRow,
    r: &yanglao_sim::fund::YearRow,
) -> BackTestYear {
    use yanglao_sim::fund::YearRow;
    let st = &books.statement;
    let i = &st.income;
    let e = &st.expenditure;
    let contributions = |x: &YearRow| {
        x.income_personal_fen
            + x.income_back_pay_fen
            + x.income_entry_subsidy_fen
            + x.income_government_paid_fen
    };
    let benefits =
        |x: &YearRow| x.spend_account_pension_fen + x.spend_exit_subsidy_fen + x.spend_funeral_fen;
    let item = |item, books_fen, g: &dyn Fn(&YearRow) -> i64| BackTestItem {
        item,
        books_fen,
        forecast_fen: g(f),
        replay_fen: g(r),
    };
    BackTestYear {
        year: st.year,
        items: vec![
            item(
                "缴费收入（个人缴费、缴费补贴、政府代缴）",
                i.personal_contributions_fen + i.entry_subsidy.total_fen() + i.government_paid_fen,
                &contributions,
            ),
            item("出口补贴收入", i.exit_subsidy.total_fen(), &|x| {
                x.income_exit_subsidy_fen + x.income_funeral_subsidy_fen
            }),
            item("利息收入", i.interest_fen, &|x| x.income_interest_fen),
            item("本年收入", st.income_fen, &|x| x.income_total_fen),
            item(
                "待遇支出（个人账户养老金与出口补贴，扣除多发转应收）",
                e.account_pension_fen + e.exit_subsidy_fen - e.overpayments_reclassified_fen,
                &benefits,
            ),
            item("支付继承人", e.paid_to_heirs_fen, &|x| {
                x.spend_inheritance_fen
            }),
            item("本年支出", st.expenditure_fen, &|x| x.spend_total_fen),
            item("年末滚存结余", st.closing_fen, &|x| x.balance_fen),
            item(
                "记账利息（统筹转入个人账户）",
                books.credited_fen,
                &|x| x.credited_interest_fen,
            ),
            item(
                "其中个人账户（在世人员）",
                books.accounts_fen,
                &|x| x.accounts_fen,
            ),
            item("其中应付继承人", books.owed_fen, &|x| x.owed_fen),
            item("其中统筹部分", books.pool_fen, &|x| x.pool_fen),
        ],
    }
}
