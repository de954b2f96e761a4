//! The demo at a small scale, on SQLite and (when configured) PostgreSQL: three years of
//! operations through the system's own use cases, the 2023 report, and the published figures it
//! already reproduces.

use crate::common::*;

#[test]
fn the_demo_runs_three_years_and_reproduces_the_published_counts_rates_and_scores() {
    for db in empty_backends("demo") {
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
        // At a hundredth of the city every published figure holds within the small-scale
        // tolerances (counts 2%, amounts 10%, rates 1 point, level scores 0.5).
        let failed: Vec<&serde_json::Value> = checks.iter().filter(|c| c["ok"] != true).collect();
        assert!(failed.is_empty(), "[{l}] {failed:?}");
        assert!(checks.len() >= 50, "[{l}] {}", checks.len());
        // The survey's rates are exact at any scale (the sample is not scaled).
        assert_eq!(check("政策知晓率")["ours"], "79.64%", "[{l}]");
        assert_eq!(v["grade"], "良", "[{l}]");
        assert_eq!(v["total"], 85.76, "[{l}]");
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
