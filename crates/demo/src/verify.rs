//! The fidelity check: every figure the report publishes (DOMAIN.md, seed/published-figures.toml)
//! against what the system computes from the demo's data.

use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use yanglao_eval::Evaluation;
use yanglao_ops::books::fund::Statement;
use yanglao_ops::evaluation::{Contributors, Measured};
use yanglao_ops::{Ctx, OpsError};

use crate::plan::COUNTIES;

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub figure: String,
    pub published: String,
    pub ours: String,
    pub ok: bool,
    /// A known slip of the printed report, or how the figure is read.
    pub note: String,
}

struct Checks {
    scale: f64,
    out: Vec<Check>,
}

impl Checks {
    fn push(&mut self, figure: &str, published: String, ours: String, ok: bool, note: &str) {
        self.out.push(Check {
            figure: figure.into(),
            published,
            ours,
            ok,
            note: note.into(),
        });
    }
    /// A count printed in 万 with `decimals` decimals.
    fn wan(&mut self, figure: &str, published: f64, decimals: usize, ours: i64) {
        let printed = format!("{published:.decimals$}万");
        let expected = published * 10_000.0 * self.scale;
        let ours_text = format!("{:.decimals$}万", ours as f64 / 10_000.0 / self.scale);
        let ok = if self.full() {
            ours_text == printed
        } else {
            (ours as f64 - expected).abs() <= (expected * 0.02).max(3.0)
        };
        self.push(figure, printed, format!("{ours_text}（{ours}）"), ok, "");
    }
    /// An amount printed in 万元 with two decimals.
    fn wan_yuan(&mut self, figure: &str, published: f64, ours_fen: i64) {
        let printed = format!("{published:.2}");
        let ours = ours_fen as f64 / 1_000_000.0 / self.scale;
        let ok = if self.full() {
            format!("{ours:.2}") == printed
        } else {
            (ours - published).abs() <= published.abs() * 0.10 + 1.0
        };
        self.push(
            figure,
            format!("{printed} 万元"),
            format!("{ours:.2} 万元"),
            ok,
            "",
        );
    }
    /// A percentage printed with `decimals` decimals.
    fn pct(&mut self, figure: &str, published: f64, decimals: usize, ours: f64, note: &str) {
        let printed = format!("{published:.decimals$}%");
        let ours_text = format!("{ours:.decimals$}%");
        let ok = if self.full() {
            ours_text == printed
        } else {
            (ours - published).abs() <= 1.0
        };
        self.push(figure, printed, ours_text, ok, note);
    }
    fn exact(&mut self, figure: &str, published: &str, ours: String, note: &str) {
        let ok = ours == published;
        self.push(figure, published.into(), ours, ok, note);
    }
    fn slip(&mut self, figure: &str, published: &str, ours: String, note: &str) {
        self.push(figure, published.into(), ours, true, note);
    }
    fn full(&self) -> bool {
        (self.scale - 1.0).abs() < 1e-9
    }
}

fn dec(d: rust_decimal::Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// Every published figure against ours.
pub fn checks(
    ctx: &mut Ctx,
    scale: f64,
    g: &yanglao_report::Generated,
    s: &Statement,
) -> Result<Vec<Check>, OpsError> {
    let m = &g.outcome.measured;
    let mut c = Checks {
        scale,
        out: Vec::new(),
    };
    contributors(ctx, &mut c, m)?;
    recipients(ctx, &mut c, m)?;
    fund(&mut c, s);
    budget(ctx, &mut c)?;
    surveys(&mut c, m);
    recovery(ctx, &mut c)?;
    counties(&mut c, m);
    banks(ctx, &mut c)?;
    evaluation(&mut c, &g.outcome.evaluation);
    Ok(c.out)
}

/// The city's contributors of year `y`.
fn city_contributors(m: &Measured, y: i32) -> Contributors {
    m.contributors
        .get(&y)
        .and_then(|x| x.get(""))
        .copied()
        .unwrap_or_default()
}

/// Contributors: by year and kind, their change, the target and the lowest tier's share.
fn contributors(ctx: &mut Ctx, c: &mut Checks, m: &Measured) -> Result<(), OpsError> {
    let scale = c.scale;
    for (y, v) in [(2021, 15.17), (2022, 12.23), (2023, 11.73)] {
        c.wan(
            &format!("{y} 年参保缴费人数"),
            v,
            2,
            city_contributors(m, y).total,
        );
    }
    let c23 = city_contributors(m, 2023);
    c.wan("2023 年个人缴费人数", 8.9, 1, c23.self_paid);
    c.wan("2023 年政府代缴人数", 3.19, 2, c23.government_paid);
    c.wan("2023 年代缴又自行缴费人数", 0.36, 2, c23.both);
    let c21 = city_contributors(m, 2021).total as f64;
    let c22 = city_contributors(m, 2022).total as f64;
    let c23t = c23.total as f64;
    c.slip(
        "2021–2023 年缴费人数降幅",
        "22.75%",
        format!("{:.2}%", (c21 - c23t) / c21 * 100.0),
        "原报告数字与其自身的缴费人数不符：15.17万 → 11.73万 的降幅为 22.68%（按四舍五入前的人数也不可能为 22.75%）",
    );
    c.pct(
        "2023 年缴费人数同比",
        -4.12,
        2,
        (c23t - c22) / c22 * 100.0,
        "",
    );
    let target = crate::plan::scaled(148_600, scale) as f64;
    c.pct(
        "缴费人数目标完成率",
        78.92,
        2,
        c23t / target * 100.0,
        "按 117,275 人计；按报告印出的 11.73万 ÷ 14.86万 为 78.94%",
    );
    c.pct(
        "自行缴费人员最低档次占比",
        82.71,
        2,
        lowest_tier_share(ctx)?,
        "以自行缴费人员为基数",
    );
    Ok(())
}

/// Recipients and payments.
fn recipients(ctx: &mut Ctx, c: &mut Checks, m: &Measured) -> Result<(), OpsError> {
    let (r21, r22, r23) = (
        yanglao_ops::evaluation::measure_recipients(ctx, 2021)?,
        yanglao_ops::evaluation::measure_recipients(ctx, 2022)?,
        yanglao_ops::evaluation::measure_recipients(ctx, 2023)?,
    );
    c.wan("2021 年待遇领取人数", 10.37, 2, r21);
    c.wan("2022 年待遇领取人数", 10.8, 1, r22);
    c.wan("2023 年待遇领取人数", 11.02, 2, r23);
    c.pct(
        "2021–2023 年领取人数增幅",
        6.27,
        2,
        (r23 - r21) as f64 / r21 as f64 * 100.0,
        "",
    );
    c.pct(
        "2023 年领取人数同比",
        2.03,
        2,
        (r23 - r22) as f64 / r22 as f64 * 100.0,
        "",
    );
    c.wan(
        "2023 年待遇发放人次",
        156.73,
        2,
        m.payments.get("").copied().unwrap_or(0),
    );
    c.slip(
        "补充险缴费人数占基本险缴费人数比例较上年提高",
        "3.2 个百分点",
        "—".into(),
        "基本养老保险的缴费数据不在本系统中，不予复现",
    );
    Ok(())
}

/// The fund statement.
fn fund(c: &mut Checks, s: &Statement) {
    c.wan_yuan("上年结余", 15_906.48, s.brought_forward_fen);
    c.wan_yuan("本年收入", 9_333.01, s.income_fen);
    c.wan_yuan("本年支出", 3_532.47, s.expenditure_fen);
    c.wan_yuan("年末结余（本年结余）", 5_800.54, s.surplus_fen);
    c.wan_yuan("年末滚存结余", 21_707.02, s.closing_fen);
}

/// The budget and what was spent, by level and kind.
fn budget(ctx: &mut Ctx, c: &mut Checks) -> Result<(), OpsError> {
    let x = yanglao_ops::books::budget::execution(ctx, 2023, 0.9)?;
    c.wan_yuan("财政补助预算合计", 4_534.36, x.total.budget_fen);
    c.wan_yuan("财政补助实际支出合计", 4_461.65, x.total.spent_fen);
    let line = |level: &str, kind: &str| {
        x.lines
            .iter()
            .find(|l| l.level == level && l.kind == kind)
            .cloned()
            .unwrap_or_default()
    };
    for (level, kind, label, budget, spent) in [
        ("province", "exit", "省级出口补", 1_422.2, 1_472.22),
        ("city", "entry", "市级入口补", 216.84, 266.95),
        ("city", "exit", "市级出口补", 416.72, 294.44),
        ("county", "gov_paid", "县级政府代缴", 633.0, 638.32),
        ("county", "entry", "县级入口补", 641.32, 611.95),
        ("county", "exit", "县级出口补", 1_204.28, 1_177.77),
    ] {
        let l = line(level, kind);
        c.wan_yuan(&format!("{label}预算"), budget, l.budget_fen);
        c.wan_yuan(&format!("{label}支出"), spent, l.spent_fen);
    }
    c.pct(
        "预算执行率",
        98.4,
        1,
        x.total.execution_rate.unwrap_or(0.0) * 100.0,
        "",
    );
    Ok(())
}

/// The surveys.
fn surveys(c: &mut Checks, m: &Measured) {
    let metric = |k: &str| m.city.get(k).and_then(|v| v.value).map_or(0.0, dec);
    c.pct("政策知晓率", 79.64, 2, metric("policy_awareness_pct"), "");
    c.pct(
        "参保人员满意度",
        83.57,
        2,
        metric("contributor_satisfaction_pct"),
        "",
    );
    c.pct(
        "待遇领取人员满意度",
        90.03,
        2,
        metric("recipient_satisfaction_pct"),
        "",
    );
}

/// Overpayments after death and what was recovered.
fn recovery(ctx: &mut Ctx, c: &mut Checks) -> Result<(), OpsError> {
    let scale = c.scale;
    let f = yanglao_ops::deaths::figures(ctx, Some(2023))?;
    let cases: i64 = f.iter().map(|x| x.cases_opened).sum();
    let recovered: i64 = f.iter().map(|x| x.recovered_fen).sum();
    let expected_cases = crate::plan::scaled(1_319, scale);
    c.push(
        "2023 年多领冒领追回人次",
        "1319".into(),
        cases.to_string(),
        cases == expected_cases,
        "读作：2023 年死亡后仍被发放待遇的人数（均已立案追回）",
    );
    let expected_fen = crate::plan::scaled(1_080_000, scale);
    c.push(
        "2023 年追回金额",
        "10800 元".into(),
        format!("{} 元", yanglao_domain::format_yuan(recovered)),
        recovered == expected_fen,
        "截至评价时已追回",
    );
    Ok(())
}

/// The counties named: late payrolls and falling contributors.
fn counties(c: &mut Checks, m: &Measured) {
    let late: Vec<&str> = COUNTIES
        .iter()
        .copied()
        .filter(|k| m.late_months.contains_key(*k))
        .collect();
    c.exact(
        "15 日后发放的县区",
        "矿区、郊区、平定县、盂县",
        late.iter()
            .map(|k| yanglao_domain::county_name(k).unwrap_or(k))
            .collect::<Vec<_>>()
            .join("、"),
        "",
    );
    let items = |k: &str| {
        m.city
            .get(k)
            .map(|v| {
                v.items
                    .iter()
                    .map(|i| i.split(' ').next().unwrap_or("").to_string())
                    .collect::<Vec<_>>()
                    .join("、")
            })
            .unwrap_or_default()
    };
    c.exact(
        "同比降幅超过 5% 的县区",
        "平定县",
        items("counties_fell_over_5pct"),
        "",
    );
    c.exact(
        "2021–2023 年缴费人数减少的县区",
        "平定县、盂县",
        items("counties_fell_over_2y"),
        "原报告误印为“孟县”",
    );
    c.slip(
        "参保人员变动率（全市）",
        "4.10%",
        m.city
            .get("contributors_change_pct")
            .map(|v| v.display.clone())
            .unwrap_or_default(),
        "原报告印为 4.10%（无负号），与同比 −4.12% 不符",
    );
}

/// The interest rates the banks actually applied.
fn banks(ctx: &mut Ctx, c: &mut Checks) -> Result<(), OpsError> {
    let shortfalls = yanglao_ops::books::bank::interest_check(ctx, 2023)?;
    let applied = |county: &str| {
        shortfalls
            .iter()
            .filter(|s| s.county == county)
            .map(|s| s.applied_rate)
            .fold(f64::NAN, f64::min)
    };
    c.pct("城区银行实际计息利率", 0.2, 1, applied(COUNTIES[0]), "");
    c.pct("郊区银行实际计息利率", 0.35, 2, applied(COUNTIES[2]), "");
    Ok(())
}

/// The evaluation: the scores by level, the total and the grade.
fn evaluation(c: &mut Checks, e: &Evaluation) {
    for (k, label, v) in [
        ("A", "决策", 8.94),
        ("B", "过程", 20.95),
        ("C", "产出", 25.94),
        ("D", "效益", 29.93),
    ] {
        let ours = e.levels.get(k).map_or(0.0, |l| dec(l.score));
        c.push(
            &format!("{label}类得分"),
            format!("{v:.2}"),
            format!("{ours:.2}"),
            (ours - v).abs() < 0.005 || (!c.full() && (ours - v).abs() <= 0.5),
            "",
        );
    }
    let total = dec(e.total);
    c.push(
        "总分",
        "85.76".into(),
        format!("{total:.2}"),
        (total - 85.76).abs() < 0.005 || (!c.full() && (total - 85.76).abs() <= 1.0),
        "",
    );
    c.exact("等级", "良", e.grade.to_string(), "");
}

/// The share of 2023's self-payers at the lowest tier, percent.
fn lowest_tier_share(ctx: &mut Ctx) -> Result<f64, OpsError> {
    let a = yanglao_ops::evaluation::enrolment::analyse(ctx, 2023, 2023)?;
    Ok(a.first()
        .and_then(|x| x.lowest_tier_share_pct)
        .unwrap_or(0.0))
}
