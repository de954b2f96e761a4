//! The fund projection back-tested against the books (docs/SIMULATOR.md, "Back-test"): the demo
//! at a hundredth of the city, projected from the register and books as they stood at the end of
//! 2021, against its own fund statements of 2022 and 2023 (SQLite and, when configured,
//! PostgreSQL).

use crate::common::*;
use serde_json::Value;

/// The stated tolerances (docs/SIMULATOR.md): the replay, driven by the books' own contributions,
/// joiners and deaths, within 1% of the books' income, expenditure and closing balance; the
/// forecast, which knows only 2021, within 15% of income and expenditure and 8% of the balance.
const REPLAY: f64 = 0.01;
const FORECAST_FLOWS: f64 = 0.15;
const FORECAST_BALANCE: f64 = 0.08;

fn item<'a>(year: &'a Value, name: &str) -> &'a Value {
    year["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item"] == name)
        .unwrap_or_else(|| panic!("no item {name} in {year}"))
}

fn off(i: &Value, which: &str) -> f64 {
    let books = i["books_fen"].as_i64().unwrap() as f64;
    let model = i[which].as_i64().unwrap() as f64;
    (model - books).abs() / books
}

#[test]
fn the_projection_from_2021_comes_within_its_tolerance_of_the_books_of_2022_and_2023() {
    for db in empty_backends("fund-backtest") {
        let l = db.label;
        let out = db.dir.path().join("demo");
        db.ok_json(&["demo", "--scale", "0.01", "--out", out.to_str().unwrap()]);
        let v = db.ok_json(&[
            "simulate",
            "fund",
            "--base-year",
            "2021",
            "--years",
            "2",
            "--back-test",
        ]);
        let bt = &v["back_test"];
        let years = bt["years"].as_array().unwrap();
        assert_eq!(years.len(), 2, "[{l}]");
        let mut interest_gap = 0;
        for (y, year) in years.iter().enumerate() {
            assert_eq!(year["year"], 2022 + y as i64, "[{l}]");
            // Each figure against the fund statement itself.
            let st = db.ok_json(&["fund", "statement", "--year", &(2022 + y).to_string()]);
            assert_eq!(
                item(year, "本年收入")["books_fen"],
                st["income_fen"],
                "[{l}]"
            );
            assert_eq!(
                item(year, "本年支出")["books_fen"],
                st["expenditure_fen"],
                "[{l}]"
            );
            assert_eq!(
                item(year, "年末滚存结余")["books_fen"],
                st["closing_fen"],
                "[{l}]"
            );
            for name in ["本年收入", "本年支出", "年末滚存结余"] {
                let i = item(year, name);
                assert!(off(i, "replay_fen") <= REPLAY, "[{l}] replay {name}: {i}");
                let bound = if name == "年末滚存结余" {
                    FORECAST_BALANCE
                } else {
                    FORECAST_FLOWS
                };
                assert!(
                    off(i, "forecast_fen") <= bound,
                    "[{l}] forecast {name}: {i}"
                );
            }
            // The replay takes the books' contributions as they are.
            let c = item(year, "缴费收入（个人缴费、缴费补贴、政府代缴）");
            assert_eq!(c["replay_fen"], c["books_fen"], "[{l}]");
            // Interest is credited as the ledger credits it: on the balances at the end of the
            // year before (a year's contributions earn from the next year), and the accounts of
            // the living come out as the books' own.
            for name in ["记账利息（统筹转入个人账户）", "其中个人账户（在世人员）"]
            {
                let i = item(year, name);
                assert!(off(i, "replay_fen") <= REPLAY, "[{l}] replay {name}: {i}");
            }
            // The pooled part differs from the books' only by the banks' interest the replay
            // assumed (the base year's yield) against what the banks paid.
            let fen = |name: &str, which: &str| item(year, name)[which].as_i64().unwrap();
            interest_gap += fen("利息收入", "replay_fen") - fen("利息收入", "books_fen");
            let pool_gap = fen("其中统筹部分", "replay_fen") - fen("其中统筹部分", "books_fen");
            let closing = fen("年末滚存结余", "books_fen");
            assert!(
                (pool_gap - interest_gap).abs() * 2_000 <= closing,
                "[{l}] pool {pool_gap} against interest {interest_gap}"
            );
            assert_eq!(
                fen("其中应付继承人", "books_fen")
                    + fen("其中统筹部分", "books_fen")
                    + fen("其中个人账户（在世人员）", "books_fen"),
                closing,
                "[{l}]"
            );
        }
        // The tolerance the command states is the one asserted here.
        assert_eq!(bt["tolerance"]["replay"], REPLAY, "[{l}]");
        assert_eq!(bt["tolerance"]["forecast_flows"], FORECAST_FLOWS, "[{l}]");
        assert_eq!(
            bt["tolerance"]["forecast_balance"], FORECAST_BALANCE,
            "[{l}]"
        );

        // The projection starts from the books: its pooled part is the ledger's pool accounts,
        // and the balances of the dead are owed to heirs, not pooled.
        let pr = &v["projections"][0];
        let pool = -db.count(
            "SELECT CAST(COALESCE(SUM(l.amount_fen), 0) AS BIGINT) FROM journal_lines l
             JOIN journal_entries e ON e.county = l.county AND e.entry_id = l.entry_id
             WHERE e.entry_date <= '2021-12-31' AND l.account LIKE 'pool.%'",
        );
        assert_eq!(pr["opening"]["pool_fen"], pool, "[{l}]");
        let owed = db.count(
            "SELECT CAST(COALESCE(SUM(m.personal_fen + m.subsidy_province_fen + m.subsidy_city_fen + m.subsidy_county_fen + m.gov_paid_fen + m.interest_fen), 0) AS BIGINT)
             FROM account_movements m WHERE m.movement_date <= '2021-12-31' AND m.person_id IN
               (SELECT person_id FROM person_events WHERE status = 'terminated' AND effective_date <= '2021-12-31')",
        );
        assert_eq!(pr["opening"]["owed_fen"], owed, "[{l}]");
        assert_eq!(
            pr["opening"]["balance_fen"].as_i64().unwrap(),
            pr["opening"]["accounts_fen"].as_i64().unwrap() + owed + pool,
            "[{l}]"
        );

        // From the end of 2023: the first year's contributors are the people who contributed in
        // 2023 less those who lapse, die or start benefits — never fewer than the self-payers or
        // the government-paid alone, and at least nine in ten of everyone who contributed.
        let v = db.ok_json(&["simulate", "fund", "--years", "5"]);
        let contributed = db.count(
            "SELECT COUNT(DISTINCT m.person_id) FROM account_movements m
             WHERE m.year = 2023 AND m.kind IN ('self', 'gov_paid')
               AND NOT EXISTS (SELECT 1 FROM awards a WHERE a.county = m.county AND a.person_id = m.person_id)
               AND NOT EXISTS (SELECT 1 FROM person_events e WHERE e.county = m.county AND e.person_id = m.person_id AND e.status = 'terminated')",
        );
        let first = &v["projections"][0]["rows"][0];
        let n = first["contributors"].as_i64().unwrap();
        assert!(
            n as f64 >= 0.9 * contributed as f64 && n <= contributed,
            "[{l}] {n} of {contributed}"
        );
        // Every reason printed is about what the model did: no exhausted account is named
        // before one is.
        let pr = &v["projections"][0];
        let beyond: i64 = pr["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["spend_beyond_account_fen"].as_i64().unwrap())
            .sum();
        let text = pr["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(
            text.contains("个人账户用尽后继续发放的账户养老金由统筹部分支付"),
            beyond > 0,
            "[{l}] {text}"
        );
    }
}
