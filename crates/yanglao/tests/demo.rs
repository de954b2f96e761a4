//! The demo at a small scale, on SQLite and (when configured) PostgreSQL: three years of
//! operations through the system's own use cases, the 2023 report, and the published figures it
//! already reproduces.

mod common;

use common::*;

#[test]
fn the_demo_runs_three_years_and_reproduces_the_published_counts_rates_and_scores() {
    for db in backends("demo") {
        let l = &db.label;
        let out = db.dir.path().join("demo");
        let v = db.ok_json(&["demo", "--scale", "0.01", "--out", out.to_str().unwrap()]);
        let checks = v["checks"].as_array().unwrap();
        let check = |figure: &str| {
            checks
                .iter()
                .find(|c| c["figure"] == figure)
                .unwrap_or_else(|| panic!("[{l}] no check {figure}"))
        };
        for figure in [
            "2021 年参保缴费人数",
            "2022 年参保缴费人数",
            "2023 年参保缴费人数",
            "2023 年个人缴费人数",
            "2023 年政府代缴人数",
            "2023 年代缴又自行缴费人数",
            "2021 年待遇领取人数",
            "2022 年待遇领取人数",
            "2023 年待遇领取人数",
            "政策知晓率",
            "参保人员满意度",
            "待遇领取人员满意度",
            "2023 年多领冒领追回人次",
            "2023 年追回金额",
            "15 日后发放的县区",
            "同比降幅超过 5% 的县区",
            "2021–2023 年缴费人数减少的县区",
            "城区银行实际计息利率",
            "郊区银行实际计息利率",
            "决策类得分",
            "产出类得分",
            "效益类得分",
            "等级",
            "财政补助预算合计",
        ] {
            assert_eq!(check(figure)["ok"], true, "[{l}] {}", check(figure));
        }
        // The survey's rates are exact at any scale (the sample is not scaled).
        assert_eq!(check("政策知晓率")["ours"], "79.64%", "[{l}]");
        assert_eq!(v["grade"], "良", "[{l}]");
        // Every payroll of 36 months in 5 counties was run, approved, exported and paid.
        assert_eq!(v["counts"]["payrolls"], 180, "[{l}]");
        let files = v["files"].as_array().unwrap();
        assert_eq!(files.len(), 3, "[{l}]");
        assert!(
            files
                .iter()
                .all(|f| std::path::Path::new(f.as_str().unwrap()).exists()),
            "[{l}]"
        );
        // The books balance after three years.
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true, "[{l}]");
        // A second run on the same database is refused: the demo needs an empty one.
        let o = db.run(&["demo", "--scale", "0.01", "--out", out.to_str().unwrap()]);
        assert_ne!(o.code, 0, "[{l}]");
        assert!(o.stderr.contains("E-DEMO-NOT-EMPTY"), "[{l}] {}", o.stderr);
    }
}
