//! Tests of checking (codes and locations) and of resolving dated regional values.

use chrono::NaiveDate;

use crate::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// (line, code) of every problem.
fn found(source: &str) -> Vec<(usize, &'static str)> {
    check_str(source)
        .into_iter()
        .map(|p| (p.line, p.code))
        .collect()
}

/// A valid supplementary file; its [[values]] section runs from line 6 to line 25.
const BASE: &str = r#"[policy]
scheme = "supplementary"
name = "测试"
region = "140000"

[[values]]
from = 2021-01-01
launch_date = 2021-01-01
benefit_age = 65
min_contribution_years = 15
annuity_divisor = 139
tiers = [{ contribution_fen = 20000, entry_subsidy_fen = 7000 }, { contribution_fen = 50000, entry_subsidy_fen = 12000 }]
entry_subsidy_shares = { province = 0, city = 30, county = 70 }
exit_subsidy_shares = { province = 50, city = 10, county = 40 }
exit_subsidy_monthly_fen = 2000
exit_subsidy_per_contribution_year_monthly_fen = 100
government_paid_tier_fen = 20000
government_paid_groups = ["低保对象"]
credit_interest_rate = 0.0175
transitional_elderly = true
transitional_reduced_years = true
raised_exit_subsidy_monthly_fen = 1000
raised_subsidy_groups = ["低收入老人"]
account_exhausted = "continue"
certification_grace_months = 3
"#;

fn with(extra: &str) -> String {
    format!("{BASE}{extra}")
}

fn parsed(source: &str) -> PolicySet {
    parse_str(source).unwrap_or_else(|p| panic!("{p:#?}"))
}

// ---------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------

#[test]
fn base_fixture_is_clean() {
    assert_eq!(found(BASE), []);
    let set = parsed(BASE);
    assert_eq!(set.region(), "140000");
    assert!(!set.illustrative());
    assert_eq!(set.earliest_date(), Some(d("2021-01-01")));
    let p = set.supplementary("140000", d("2021-01-01")).unwrap();
    assert_eq!(p.credit_interest_rate.to_string(), "0.0175");
    assert_eq!(p.raised_subsidy_groups, ["低收入老人"]);
}

#[test]
fn county_override_beats_province() {
    let set = parsed(&with(
        "\n[[values]]\nregion = \"140302\"\nfrom = 2022-01-01\nbenefit_age = 60\n",
    ));
    let age = |region: &str, date: &str| set.supplementary(region, d(date)).unwrap().benefit_age;
    assert_eq!(age("140302", "2021-12-31"), 65);
    assert_eq!(age("140302", "2022-01-01"), 60);
    assert_eq!(age("140303", "2022-06-01"), 65); // a sibling county
    assert_eq!(age("140300", "2022-06-01"), 65); // the city itself
    assert_eq!(age("140000", "2022-06-01"), 65);
}

#[test]
fn city_override_reaches_its_counties() {
    let set = parsed(&with(
        "\n[[values]]\nregion = \"140300\"\nfrom = 2021-01-01\nexit_subsidy_monthly_fen = 3000\n\
         \n[[values]]\nregion = \"140302\"\nfrom = 2021-01-01\nexit_subsidy_monthly_fen = 3500\n",
    ));
    let exit = |region: &str| {
        set.supplementary(region, d("2021-06-01"))
            .unwrap()
            .exit_subsidy_monthly_fen
    };
    assert_eq!(exit("140302"), 3500);
    assert_eq!(exit("140311"), 3000);
    assert_eq!(exit("140300"), 3000);
    assert_eq!(exit("140121"), 2000);
}

#[test]
fn later_dated_value_replaces_earlier() {
    let set = parsed(&with(
        "\n[[values]]\nfrom = 2023-01-01\nannuity_divisor = 101\nexit_subsidy_monthly_fen = 2500\n",
    ));
    let p = set.supplementary("140321", d("2022-12-31")).unwrap();
    assert_eq!((p.annuity_divisor, p.exit_subsidy_monthly_fen), (139, 2000));
    let p = set.supplementary("140321", d("2023-01-01")).unwrap();
    assert_eq!((p.annuity_divisor, p.exit_subsidy_monthly_fen), (101, 2500));
    // Keys the later section does not set stay in force.
    assert_eq!(p.benefit_age, 65);
}

#[test]
fn until_ends_an_override() {
    let set = parsed(&with(
        "\n[[values]]\nregion = \"140302\"\nfrom = 2022-01-01\nuntil = 2023-01-01\nbenefit_age = 60\n",
    ));
    let age = |date: &str| set.supplementary("140302", d(date)).unwrap().benefit_age;
    assert_eq!(age("2022-12-31"), 60);
    assert_eq!(age("2023-01-01"), 65);
}

#[test]
fn until_without_fallback_is_out_of_range() {
    let source = BASE.replace("credit_interest_rate = 0.0175\n", "")
        + "\n[[values]]\nfrom = 2021-01-01\nuntil = 2022-01-01\ncredit_interest_rate = \"0.0175\"\n";
    let set = parsed(&source);
    assert!(set.supplementary("140302", d("2021-12-31")).is_ok());
    let err = set.supplementary("140302", d("2022-01-01")).unwrap_err();
    assert_eq!(err.code(), "E-POLICY-DATE-OUT-OF-RANGE");
    assert_eq!(
        err,
        PolicyError::DateOutOfRange {
            region: "140302".into(),
            date: d("2022-01-01"),
            key: "credit_interest_rate".into()
        }
    );
}

#[test]
fn date_before_any_section_is_out_of_range() {
    let set = parsed(BASE);
    let err = set.supplementary("140000", d("2020-12-31")).unwrap_err();
    assert_eq!(err.code(), "E-POLICY-DATE-OUT-OF-RANGE");
    assert!(err
        .to_string()
        .contains("日期 2020-12-31 不在政策参数的有效期内"));
}

#[test]
fn earliest_date_needs_every_required_key() {
    let source = BASE.replace("credit_interest_rate = 0.0175\n", "")
        + "\n[[values]]\nfrom = 2021-07-01\ncredit_interest_rate = 0.0175\n";
    assert_eq!(parsed(&source).earliest_date(), Some(d("2021-07-01")));
}

#[test]
fn bad_and_uncovered_regions() {
    let set = parsed(BASE);
    assert_eq!(
        set.supplementary("1403", d("2022-01-01"))
            .unwrap_err()
            .code(),
        "E-POLICY-BAD-REGION"
    );
    let err = set.supplementary("150102", d("2022-01-01")).unwrap_err();
    assert_eq!(err.code(), "E-POLICY-REGION-NOT-COVERED");
    assert_eq!(
        set.basic("140000", d("2022-01-01")).unwrap_err().code(),
        "E-POLICY-WRONG-SCHEME"
    );
    assert_eq!(
        set.employee("140000", d("2022-01-01")).unwrap_err().code(),
        "E-POLICY-WRONG-SCHEME"
    );
}

#[test]
fn string_dates_and_decimal_strings_are_accepted() {
    let source = BASE
        .replace("from = 2021-01-01", "from = \"2021-01-01\"")
        .replace(
            "credit_interest_rate = 0.0175",
            "credit_interest_rate = \"0.0175\"",
        )
        .replace(
            "entry_subsidy_shares = { province = 0, city = 30, county = 70 }",
            "entry_subsidy_shares = { province = 33.33, city = \"33.33\", county = 33.34 }",
        );
    let p = parsed(&source)
        .supplementary("140000", d("2021-01-01"))
        .unwrap();
    assert_eq!(p.entry_subsidy_shares.county.to_string(), "33.34");
    assert_eq!(p.credit_interest_rate.to_string(), "0.0175");
}

// ---------------------------------------------------------------------------------------------
// Checking
// ---------------------------------------------------------------------------------------------

const MANY: &str = r#"[policy]
scheme = "supplementary"
name = "多问题"
region = "140000"
colour = "red"

[[values]]
from = 2021-01-01
launch_date = "2021-13-01"
benefit_age = -65
min_contribution_years = "15"
annuity_divisor = 139
tiers = [
  { contribution_fen = 20000, entry_subsidy_fen = 7000 },
  { contribution_fen = 20000, entry_subsidy_fen = 8000 },
  { contribution_fen = 50000, entry_subsidy_fen = 6000, extra = 1 },
]
entry_subsidy_shares = { province = 0, city = 30, county = 60 }
exit_subsidy_shares = { province = 50, city = 10, county = 40, town = 0 }
exit_subsidy_monthly_fen = 2000
exit_subsidy_per_contribution_year_monthly_fen = 100
government_paid_groups = ["低保对象", 3]
credit_interest_rate = "1.75"
transitional_elderly = "yes"
transitional_reduced_years = true
raised_exit_subsidy_monthly_fen = 0
raised_subsidy_groups = []
account_exhausted = "pause"
certification_grace_months = 3

[[values]]
region = "1403"
from = 2022-01-01
benefit_age = 60

[[values]]
from = 2020-01-01
until = 2019-01-01
annuity_divisor = 120

[[values]]
from = 2021-01-01
annuity_divisor = 101
government_paid_tier_fen = 20000
"#;

#[test]
fn every_problem_is_reported_with_its_line() {
    assert_eq!(
        found(MANY),
        [
            (5, "E-POLICY-UNKNOWN-KEY"),
            (9, "E-POLICY-BAD-DATE"),
            (10, "E-POLICY-NEGATIVE"),
            (11, "E-POLICY-WRONG-TYPE"),
            (15, "E-POLICY-TIERS-NOT-ASCENDING"),
            (16, "E-POLICY-UNKNOWN-KEY"),
            (18, "E-POLICY-SHARES-SUM"),
            (19, "E-POLICY-UNKNOWN-KEY"),
            (22, "E-POLICY-WRONG-TYPE"),
            (23, "E-POLICY-BAD-VALUE"),
            (24, "E-POLICY-WRONG-TYPE"),
            (28, "E-POLICY-BAD-VALUE"),
            (32, "E-POLICY-BAD-REGION"),
            (37, "E-POLICY-UNORDERED"),
            (38, "E-POLICY-UNTIL-NOT-AFTER-FROM"),
            (43, "E-POLICY-OVERLAP"),
        ]
    );
    let err = parse_str(MANY).unwrap_err();
    assert_eq!(err.len(), 16);
    assert!(err.iter().all(|p| p.severity == Severity::Error));
}

#[test]
fn columns_count_characters() {
    let problems = check_str(MANY);
    let at = |line: usize| problems.iter().find(|p| p.line == line).unwrap();
    assert_eq!(at(5).column, 1);
    assert_eq!(at(9).column, 15);
    // `government_paid_groups = ["低保对象", 3]`: the 3 is the 35th character.
    assert_eq!(at(22).column, 35);
    assert_eq!(at(16).column, 57);
    assert!(at(22).message.contains("应为字符串"));
    assert!(at(5).message.contains("colour"));
}

#[test]
fn syntax_error_has_its_line() {
    let problems = check_str("[policy]\nscheme = \"supplementary\"\nname = \n");
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code, "E-POLICY-SYNTAX");
    assert_eq!(problems[0].line, 3);
    assert!(problems[0].message.starts_with("TOML 语法错误"));
    assert_eq!(
        found(&with("benefit_age = 66\n")),
        [(26, "E-POLICY-SYNTAX")] // a duplicate key
    );
}

#[test]
fn unknown_scheme_still_checks_keys() {
    let source =
        BASE.replace("scheme = \"supplementary\"", "scheme = \"pension\"") + "colour = 1\n";
    assert_eq!(
        found(&source),
        [(2, "E-POLICY-UNKNOWN-SCHEME"), (26, "E-POLICY-UNKNOWN-KEY")]
    );
}

#[test]
fn key_of_another_scheme_is_unknown() {
    let problems = check_str(&with("basic_pension_monthly_fen = 12300\n"));
    assert_eq!(problems.len(), 1);
    assert_eq!(
        (problems[0].line, problems[0].code),
        (26, "E-POLICY-UNKNOWN-KEY")
    );
    assert!(problems[0].message.contains("basic 方案"));
}

#[test]
fn missing_required_key_points_at_policy_header() {
    let source = BASE.replace("certification_grace_months = 3\n", "");
    let problems = check_str(&source);
    assert_eq!(problems.len(), 1);
    assert_eq!(
        (problems[0].line, problems[0].code),
        (1, "E-POLICY-MISSING-KEY")
    );
    assert!(problems[0].message.contains("certification_grace_months"));
}

#[test]
fn missing_policy_from_and_sections() {
    assert_eq!(
        found("[[values]]\nbenefit_age = 65\n"),
        [(1, "E-POLICY-MISSING-KEY"), (1, "E-POLICY-MISSING-KEY")]
    );
    assert_eq!(
        found("[policy]\nscheme = \"basic\"\nname = \"x\"\nregion = \"140000\"\n"),
        [(1, "E-POLICY-MISSING-KEY")]
    );
    assert_eq!(
        found(&with("\n[[values]]\nbenefit_age = 66\n")),
        [(27, "E-POLICY-MISSING-KEY")]
    );
}

#[test]
fn government_paid_tier_must_be_a_tier() {
    let source = BASE.replace(
        "government_paid_tier_fen = 20000",
        "government_paid_tier_fen = 30000",
    );
    assert_eq!(found(&source), [(17, "E-POLICY-GOV-TIER-NOT-A-TIER")]);
    // A county changes its tiers later, dropping the 200-yuan tier the province pays.
    let source = with(
        "\n[[values]]\nregion = \"140302\"\nfrom = 2023-01-01\n\
         tiers = [{ contribution_fen = 30000, entry_subsidy_fen = 9000 }]\n",
    );
    let problems = check_str(&source);
    assert_eq!(problems.len(), 1);
    assert_eq!(
        (problems[0].line, problems[0].code),
        (17, "E-POLICY-GOV-TIER-NOT-A-TIER")
    );
    assert!(problems[0].message.contains("140302"));
    assert!(problems[0].message.contains("2023-01-01"));
}

#[test]
fn decreasing_entry_subsidy_is_a_warning() {
    let source = BASE.replace("entry_subsidy_fen = 12000", "entry_subsidy_fen = 5000");
    let problems = check_str(&source);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code, "W-POLICY-ENTRY-SUBSIDY-DECREASING");
    assert_eq!(problems[0].severity, Severity::Warning);
    assert_eq!(problems[0].line, 12);
    assert!(parse_str(&source).is_ok());
}

#[test]
fn until_overlapping_the_next_section() {
    let source = with(
        "\n[[values]]\nfrom = 2022-01-01\nuntil = 2024-01-01\nannuity_divisor = 120\n\
         \n[[values]]\nfrom = 2023-01-01\nannuity_divisor = 101\n",
    );
    assert_eq!(found(&source), [(29, "E-POLICY-OVERLAP")]);
    // Ending exactly when the next one starts is fine.
    let source = source.replace("until = 2024-01-01", "until = 2023-01-01");
    assert_eq!(found(&source), []);
}

#[test]
fn same_from_with_disjoint_keys_is_fine() {
    let source = with("\n[[values]]\nfrom = 2021-01-01\nnote = \"另一段\"\n");
    assert_eq!(found(&source), []);
}

#[test]
fn region_outside_the_file() {
    let source = BASE.replace("region = \"140000\"", "region = \"140300\"")
        + "\n[[values]]\nregion = \"140000\"\nfrom = 2022-01-01\nbenefit_age = 60\n\
           \n[[values]]\nregion = 140302\nfrom = 2022-01-01\nbenefit_age = 60\n";
    assert_eq!(
        found(&source),
        [(28, "E-POLICY-REGION-OUTSIDE"), (33, "E-POLICY-WRONG-TYPE")]
    );
}

#[test]
fn bad_dates_and_values() {
    let source = with(
        "\n[[values]]\nfrom = 2022-01-01T08:00:00\nannuity_divisor = 0\n\
         \n[[values]]\nfrom = 2023-01-01\nentry_subsidy_shares = { province = -10, city = 40, county = 70 }\n\
         exit_subsidy_shares = { province = 50, city = 50 }\n\
         credit_interest_rate = \"abc\"\nbenefit_age = 1.5\n\
         tiers = []\n",
    );
    assert_eq!(
        found(&source),
        [
            (28, "E-POLICY-BAD-DATE"),
            (29, "E-POLICY-BAD-VALUE"),
            (33, "E-POLICY-NEGATIVE"),
            (34, "E-POLICY-MISSING-KEY"),
            (35, "E-POLICY-BAD-VALUE"),
            (36, "E-POLICY-WRONG-TYPE"),
            (37, "E-POLICY-BAD-VALUE"),
        ]
    );
}

#[test]
fn policy_header_problems() {
    let source =
        "[policy]\nscheme = \"basic\"\nname = 3\nregion = \"14000\"\nillustrative = \"yes\"\n\
                  [extra]\n";
    assert_eq!(
        found(source),
        [
            (1, "E-POLICY-MISSING-KEY"),
            (3, "E-POLICY-WRONG-TYPE"),
            (4, "E-POLICY-BAD-REGION"),
            (5, "E-POLICY-WRONG-TYPE"),
            (6, "E-POLICY-UNKNOWN-KEY"),
        ]
    );
}

const EMPLOYEE: &str = r#"[policy]
scheme = "employee"
name = "职工"
region = "140000"

[[values]]
from = 2020-01-01
contribution_rate = 0.20
personal_account_rate = 0.28
base_min_ratio = 3.0
base_max_ratio = 0.6
average_wage_monthly_fen = 560000
retirement_age_male = 60
retirement_age_female = 55
min_contribution_years = 15
credit_interest_rate = 0.0604
funeral_subsidy_fen = 200000
annuity_divisors = { 60 = 139, sixty = 139, 65 = 0 }
"#;

#[test]
fn employee_checks() {
    assert_eq!(
        found(EMPLOYEE),
        [
            (9, "E-POLICY-BAD-VALUE"),
            (11, "E-POLICY-BAD-VALUE"),
            (18, "E-POLICY-BAD-VALUE"),
            (18, "E-POLICY-BAD-VALUE"),
        ]
    );
    let fixed = EMPLOYEE
        .replace("0.28", "0.08")
        .replace("base_min_ratio = 3.0", "base_min_ratio = 0.6")
        .replace("base_max_ratio = 0.6", "base_max_ratio = 3.0")
        .replace(", sixty = 139, 65 = 0", ", 65 = 101");
    let p = parsed(&fixed).employee("140302", d("2024-01-01")).unwrap();
    assert_eq!(p.funeral_subsidy_fen, Some(200000));
    assert_eq!(p.annuity_divisor(65), Some(101));
    assert_eq!(p.base_max_ratio.to_string(), "3.0");
    let without_funeral = fixed.replace("funeral_subsidy_fen = 200000\n", "");
    assert_eq!(found(&without_funeral), []);
}

#[test]
fn problems_serialize_for_the_cli() {
    let problems = check_str("[policy]\nscheme = \"x\"\n");
    let json = serde_json::to_value(&problems[0]).unwrap();
    assert_eq!(json["severity"], serde_json::json!("error"));
    assert!(json["code"].as_str().unwrap().starts_with("E-POLICY-"));
    assert!(problems[0].to_string().contains("第 1 行"));
}

// ---------------------------------------------------------------------------------------------
// Scenarios and the reform keys
// ---------------------------------------------------------------------------------------------

#[test]
fn scenario_changes_apply_from_their_date_and_only_to_their_scheme() {
    let base = parsed(BASE);
    let scenario = parse_scenario_str(
        r#"[scenario]
name = "改革"

[[supplementary]]
from = 2027-01-01
benefit_age = 60
annuity_divisors = { 60 = 139, 65 = 101 }
funeral_subsidy_fen = 217200

[[basic]]
from = 2027-01-01
basic_pension_monthly_fen = 15000
"#,
    )
    .unwrap();
    assert_eq!(scenario.earliest_change(), Some(d("2027-01-01")));
    assert_eq!(
        scenario.schemes(),
        vec![Scheme::Supplementary, Scheme::Basic]
    );
    let reformed = base.with_scenario(&scenario);
    let before = reformed.supplementary("140302", d("2026-12-31")).unwrap();
    assert_eq!(
        (
            before.benefit_age,
            before.divisor_at(65),
            before.funeral_subsidy_fen
        ),
        (65, 139, 0)
    );
    let after = reformed.supplementary("140302", d("2027-01-01")).unwrap();
    assert_eq!(
        (
            after.benefit_age,
            after.divisor_at(60),
            after.divisor_at(65),
            after.funeral_subsidy_fen
        ),
        (60, 139, 101, 217200)
    );
    // An age the table does not list falls back to the single divisor.
    assert_eq!(after.divisor_at(70), 139);
    // The file itself is unchanged.
    assert_eq!(
        base.supplementary("140302", d("2027-01-01"))
            .unwrap()
            .benefit_age,
        65
    );
    // Awards use the divisor of the benefit age: 101 at 65 gives a larger pension than 139.
    let mut p = after.clone();
    p.benefit_age = 65;
    assert_eq!(
        monthly_benefit(&p, 101_000, 15, false).account_pension_fen,
        1000
    );
}

#[test]
fn scenario_errors_have_their_lines() {
    let problems = parse_scenario_str(
        "[scenario]\nname = \"x\"\n\n[[supplementary]]\nfrom = 2027-01-01\nbenefit_age = -1\nretirement_age_male = 60\n\n[[pension]]\nfrom = 2027-01-01\n",
    )
    .unwrap_err();
    let got: Vec<(usize, &str)> = problems.iter().map(|p| (p.line, p.code)).collect();
    assert!(
        got.contains(&(6, codes::WRONG_TYPE)) || got.contains(&(6, codes::NEGATIVE)),
        "{got:?}"
    );
    assert!(got.contains(&(7, codes::UNKNOWN_KEY)), "{got:?}");
    assert!(got.contains(&(9, codes::UNKNOWN_KEY)), "{got:?}");
    let missing = parse_scenario_str("[scenario]\nname = \"x\"\n").unwrap_err();
    assert!(
        missing.iter().any(|p| p.code == codes::MISSING_KEY),
        "{missing:?}"
    );
    let no_name =
        parse_scenario_str("[scenario]\n\n[[basic]]\nfrom = 2027-01-01\nbenefit_age = 60\n")
            .unwrap_err();
    assert!(
        no_name
            .iter()
            .any(|p| p.code == codes::MISSING_KEY && p.message.contains("name")),
        "{no_name:?}"
    );
}

#[test]
fn shipped_scenarios_parse() {
    for (name, text) in [
        (
            "reform-2027",
            include_str!("../../../scenarios/reform-2027.toml"),
        ),
        (
            "finer-tiers",
            include_str!("../../../scenarios/finer-tiers.toml"),
        ),
    ] {
        let s = parse_scenario_str(text).unwrap_or_else(|p| panic!("{name}: {p:#?}"));
        assert!(s.illustrative, "{name}");
        let reformed = default_supplementary().with_scenario(&s);
        assert!(
            reformed.supplementary("140302", d("2027-06-01")).is_ok(),
            "{name}"
        );
    }
}
