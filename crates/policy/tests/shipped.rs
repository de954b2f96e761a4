//! The shipped policy files check clean and resolve.

use chrono::NaiveDate;
use yanglao_policy::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn shipped_files_check_clean() {
    for (name, source) in [
        ("shanxi-supplementary.toml", SHANXI_SUPPLEMENTARY),
        ("shanxi-basic.toml", SHANXI_BASIC),
        ("employee-flexible.toml", EMPLOYEE_FLEXIBLE),
    ] {
        let problems = check_str(source);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
}

#[test]
fn shipped_files_load_from_disk() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    for (file, scheme) in [
        ("shanxi-supplementary.toml", Scheme::Supplementary),
        ("shanxi-basic.toml", Scheme::Basic),
        ("employee-flexible.toml", Scheme::Employee),
    ] {
        let set = load_file(&dir.join(file)).unwrap();
        assert_eq!(set.scheme(), scheme);
        assert!(set.illustrative());
    }
}

#[test]
fn default_supplementary_values() {
    let set = default_supplementary();
    assert_eq!(set.scheme(), Scheme::Supplementary);
    assert!(set.illustrative());
    assert_eq!(set.name(), "山西省城乡居民补充养老保险（示意参数）");
    assert_eq!(set.earliest_date(), Some(d("2021-01-01")));
    let p = set.supplementary("140302", d("2023-06-30")).unwrap();
    assert_eq!(p.benefit_age, 65);
    assert_eq!(p.min_contribution_years, 15);
    assert_eq!(p.annuity_divisor, 139);
    let tiers: Vec<(i64, i64)> = p
        .tiers
        .iter()
        .map(|t| (t.contribution_fen, t.entry_subsidy_fen))
        .collect();
    assert_eq!(
        tiers,
        [
            (20000, 7000),
            (50000, 12000),
            (100000, 20000),
            (200000, 36000),
            (500000, 60000)
        ]
    );
    assert_eq!(p.government_paid_tier_fen, 20000);
    assert_eq!(
        p.government_paid_groups,
        ["低保对象", "特困人员", "重度残疾人"]
    );
    assert_eq!(p.credit_interest_rate.to_string(), "0.0150");
    assert_eq!(p.launch_date, d("2021-01-01"));
    assert_eq!(p.account_exhausted, "continue");
    assert_eq!(p.certification_grace_months, 3);
    assert!(p.transitional_elderly && p.transitional_reduced_years);
    assert!(p.illustrative);
    // Entry subsidy of the 500-yuan tier: city 30 %, county 70 %.
    let e = entry_subsidy(&p, 50000).unwrap();
    assert_eq!((e.province_fen, e.city_fen, e.county_fen), (0, 3600, 8400));
    // Benefit with 15 years and 139 × 100 yuan in the account: 100 + 20 + 15 yuan.
    let b = monthly_benefit(&p, 1_390_000, 15, false);
    assert_eq!(b.account_pension_fen, 10000);
    assert_eq!(b.exit_subsidy.total_fen(), 3500);
    assert_eq!(b.total_fen, 13500);

    let err = set.supplementary("140302", d("2020-12-31")).unwrap_err();
    assert_eq!(err.code(), "E-POLICY-DATE-OUT-OF-RANGE");
    assert!(err
        .to_string()
        .starts_with("日期 2020-12-31 不在政策参数的有效期内"));
}

#[test]
fn credit_rates_by_year() {
    let set = default_supplementary();
    let rate = |date: &str| {
        set.supplementary("140000", d(date))
            .unwrap()
            .credit_interest_rate
            .to_string()
    };
    assert_eq!(rate("2021-07-01"), "0.0175");
    assert_eq!(rate("2022-01-01"), "0.0165");
    assert_eq!(rate("2023-12-31"), "0.0150");
    assert_eq!(rate("2030-01-01"), "0.0135");
}

#[test]
fn default_basic_values() {
    let set = default_basic();
    let p = set.basic("140322", d("2024-03-01")).unwrap();
    assert_eq!(p.benefit_age, 60);
    assert_eq!(p.basic_pension_monthly_fen, 12300);
    assert_eq!(p.tiers.len(), 15);
    assert_eq!(p.tiers[0].entry_subsidy_fen, 3000);
    assert!(p
        .tiers
        .iter()
        .filter(|t| t.contribution_fen >= 50000)
        .all(|t| t.entry_subsidy_fen >= 6000));
    assert_eq!(
        set.basic("140322", d("2023-12-31"))
            .unwrap()
            .basic_pension_monthly_fen,
        8800
    );
    assert_eq!(
        set.supplementary("140322", d("2024-03-01"))
            .unwrap_err()
            .code(),
        "E-POLICY-WRONG-SCHEME"
    );
}

#[test]
fn default_employee_values() {
    let set = default_employee();
    let p = set.employee("140300", d("2025-06-01")).unwrap();
    assert_eq!(p.contribution_rate.to_string(), "0.20");
    assert_eq!(p.personal_account_rate.to_string(), "0.08");
    assert_eq!(p.retirement_age_male, 60);
    assert_eq!(p.retirement_age_female, 55);
    assert_eq!(p.annuity_divisors.len(), 31);
    assert_eq!(p.annuity_divisor(60), Some(139));
    assert_eq!(p.annuity_divisor(65), Some(101));
    assert_eq!(p.annuity_divisor(70), Some(56));
    assert_eq!(p.funeral_subsidy_fen, None);
    assert_eq!(p.average_wage_monthly_fen, 670000);
    assert_eq!(
        set.employee("140300", d("2021-05-01"))
            .unwrap()
            .average_wage_monthly_fen,
        590000
    );
}

#[test]
fn params_serialize_decimals_as_numbers() {
    let p = default_supplementary()
        .supplementary("140302", d("2021-03-01"))
        .unwrap();
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(
        json["exit_subsidy_shares"]["province"],
        serde_json::json!(50)
    );
    assert_eq!(json["credit_interest_rate"], serde_json::json!(0.0175));
    assert_eq!(json["date"], serde_json::json!("2021-03-01"));
    assert_eq!(
        json["tiers"][0]["contribution_fen"],
        serde_json::json!(20000)
    );
    assert_eq!(
        serde_json::to_value(Scheme::Supplementary).unwrap(),
        serde_json::json!("supplementary")
    );
}

#[test]
fn load_file_errors() {
    let err = load_file(std::path::Path::new("/nonexistent/policy.toml")).unwrap_err();
    assert!(matches!(err, PolicyLoadError::Io(_)));
    assert!(err.to_string().starts_with("无法读取政策参数文件"));

    let dir = std::env::temp_dir().join(format!("yanglao-policy-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, "[policy]\nscheme = \"pension\"\n").unwrap();
    let err = load_file(&path).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    let PolicyLoadError::Invalid { problems, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(problems.iter().any(|p| p.code == "E-POLICY-UNKNOWN-SCHEME"));
    assert!(err.to_string().contains("E-POLICY-UNKNOWN-SCHEME"));
}

#[test]
fn documented_example_checks_clean() {
    let doc = include_str!("../../../docs/formats/policy.md");
    let start = doc.find("```toml\n").expect("example block") + "```toml\n".len();
    let example = &doc[start..start + doc[start..].find("```").unwrap()];
    assert_eq!(check_str(example), []);
    let set = parse_str(example).unwrap();
    let exit = |date: &str| {
        set.supplementary("140302", d(date))
            .unwrap()
            .exit_subsidy_monthly_fen
    };
    assert_eq!(exit("2022-06-01"), 3000);
    assert_eq!(exit("2023-01-01"), 2000);
}
