//! What a caller asks the simulator, as the text a person types (command line options, form
//! fields, JSON values): parsed and checked here, once, so that the command line and the web ask
//! the same questions and get the same answers and the same messages.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use yanglao_policy::Scenario;

use crate::compare::{self, Comparison, PRESETS};
use crate::mortality::{Mortality, Sex};
use crate::person::{self, Assumptions, Life, PersonCase, SchemeChoice, TierChoice};
use crate::{Policies, Result, SimError};

/// The region the shipped parameters are for (Yangquan).
pub const DEFAULT_REGION: &str = "140300";

/// A region code's check.
pub fn region(code: &str) -> Result<()> {
    if yanglao_policy::is_valid_region(code) {
        Ok(())
    } else {
        Err(SimError::new(
            "E-SIM-REGION",
            format!("地区代码“{code}”无效，应为 6 位行政区划代码"),
        ))
    }
}

/// A tier: yuan a year, `min` or `max`. `what` names the field in the message.
pub fn tier(s: &str, what: &str) -> Result<TierChoice> {
    TierChoice::parse(s).ok_or_else(|| {
        SimError::new(
            "E-SIM-TIER",
            format!("{what}“{s}”无效：应为以元计的金额（如 500）或 min、max"),
        )
    })
}

pub fn sex(s: &str) -> Result<Sex> {
    Sex::parse(s).ok_or_else(|| {
        SimError::new(
            "E-SIM-SEX",
            format!("性别“{s}”无效：应为 M（男）或 F（女）"),
        )
    })
}

pub fn scheme(s: &str) -> Result<SchemeChoice> {
    SchemeChoice::parse(s).ok_or_else(|| {
        SimError::new(
            "E-SIM-SCHEME",
            format!("险种“{s}”无效：应为 basic、supplementary、basic+supplementary 或 flexible"),
        )
    })
}

/// `min` / `max` or a decimal fraction, checked against the employee scheme's range in `year`.
pub fn base_ratio(s: Option<&str>, p: &Policies, year: i32) -> Result<Option<Decimal>> {
    let Some(s) = s else { return Ok(None) };
    let date = chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| SimError::new("E-SIM-YEAR", format!("年度 {year} 无效")))?;
    let e = p
        .employee
        .employee(&p.region, date)
        .map_err(|e| SimError::new("E-SIM-POLICY", e.to_string()))?;
    let r = match s {
        "min" => e.base_min_ratio,
        "max" => e.base_max_ratio,
        other => other.parse::<Decimal>().map_err(|_| {
            SimError::new(
                "E-SIM-BASE-RATIO",
                format!("缴费基数比例“{other}”无效：应为 0.6 到 3 之间的小数，或 min、max"),
            )
        })?,
    };
    if r < e.base_min_ratio || r > e.base_max_ratio {
        return Err(SimError::new(
            "E-SIM-BASE-RATIO",
            format!(
                "缴费基数比例 {r} 不在允许的 {}–{} 之间",
                e.base_min_ratio, e.base_max_ratio
            ),
        ));
    }
    Ok(Some(r))
}

/// The keys of a case, as the command line spells them (`start-age`); `start_age` is read too.
pub const CASE_KEYS: &[&str] = &[
    "scheme",
    "tier",
    "supplementary-tier",
    "base-ratio",
    "years",
    "start-age",
    "sex",
    "label",
];

/// One resident's case as given: every field text, checked when it becomes a [`PersonCase`].
#[derive(Debug, Clone, Default)]
pub struct CaseSpec {
    /// How the case is named in messages (the spec itself, or "第 2 个方案").
    pub what: String,
    fields: BTreeMap<String, String>,
}

impl CaseSpec {
    /// A case from `key=value` pairs separated by commas, as `--case` takes it.
    pub fn parse(spec: &str) -> Result<CaseSpec> {
        let mut pairs = Vec::new();
        for part in spec
            .split([',', '，'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let (k, v) = part.split_once('=').ok_or_else(|| {
                SimError::new(
                    "E-SIM-CASE",
                    format!("比较方案“{spec}”中的“{part}”应为 键=值"),
                )
            })?;
            pairs.push((k.to_string(), v.to_string()));
        }
        CaseSpec::from_pairs(format!("比较方案“{spec}”"), pairs)
    }

    /// A case from named fields (a form or a JSON object); `what` names it in messages.
    pub fn from_pairs(what: String, pairs: Vec<(String, String)>) -> Result<CaseSpec> {
        let mut fields = BTreeMap::new();
        for (k, v) in pairs {
            let k = k.trim().replace('_', "-");
            if !CASE_KEYS.contains(&k.as_str()) {
                return Err(SimError::new(
                    "E-SIM-CASE",
                    format!("{what}中有未知的键“{k}”（可用：{}）", CASE_KEYS.join("、")),
                ));
            }
            let v = v.trim().to_string();
            if !v.is_empty() {
                fields.insert(k, v);
            }
        }
        Ok(CaseSpec { what, fields })
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.fields.get(k).map(String::as_str)
    }

    fn num(&self, k: &str, default: u32) -> Result<u32> {
        self.get(k).map_or(Ok(default), |v| {
            v.parse().map_err(|_| {
                SimError::new("E-SIM-CASE", format!("{}中 {k}=“{v}”不是整数", self.what))
            })
        })
    }

    /// The case, checked: scheme required; 15 years from age 45, male, the lowest tiers unless
    /// given; labelled by its scheme and tiers unless named.
    pub fn case(&self, p: &Policies, start_year: i32) -> Result<PersonCase> {
        let sch = scheme(self.get("scheme").ok_or_else(|| {
            SimError::new("E-SIM-CASE", format!("{}缺少 scheme（险种）", self.what))
        })?)?;
        let mut c = PersonCase::new(
            sch,
            self.num("years", 15)?,
            self.num("start-age", 45)?,
            sex(self.get("sex").unwrap_or("M"))?,
            start_year,
        );
        c.tier = tier(self.get("tier").unwrap_or("min"), "缴费档次")?;
        c.supplementary_tier = tier(
            self.get("supplementary-tier").unwrap_or("min"),
            "补充险缴费档次",
        )?;
        c.base_ratio = base_ratio(self.get("base-ratio"), p, start_year)?;
        c.label = self.get("label").map(str::to_string).unwrap_or_else(|| {
            let mut l = sch.zh().to_string();
            if let Some(t) = self.get("tier") {
                l.push_str(&format!(" {t}"));
            }
            if let Some(t) = self.get("supplementary-tier") {
                l.push_str(&format!("+{t}"));
            }
            if let Some(t) = self.get("base-ratio") {
                l.push_str(&format!(" 基数{t}"));
            }
            l
        });
        Ok(c)
    }
}

/// The life and discounting assumptions: a life table when given, else a stated life expectancy
/// (30–120; 79 by default); a discount rate in [0, 1).
pub fn assumptions(
    discount_rate: f64,
    life_expectancy: Option<u32>,
    mortality: Option<Mortality>,
) -> Result<Assumptions> {
    if !(0.0..1.0).contains(&discount_rate) {
        return Err(SimError::new(
            "E-SIM-DISCOUNT",
            format!("贴现率 {discount_rate} 应在 0 到 1 之间（如 0.03 表示 3%）"),
        ));
    }
    let life = match (mortality, life_expectancy) {
        (Some(_), Some(_)) => {
            return Err(SimError::new(
                "E-SIM-LIFE",
                "生命表与预期寿命只能给出一个：给出生命表时按生命表计算期望值",
            ))
        }
        (Some(t), None) => Life::Table(t),
        (None, Some(l)) if !(30..=120).contains(&l) => {
            return Err(SimError::new(
                "E-SIM-LIFE",
                format!("预期寿命 {l} 岁应在 30 到 120 岁之间"),
            ));
        }
        (None, l) => Life::Expectancy(l.unwrap_or(person::DEFAULT_LIFE_EXPECTANCY)),
    };
    Ok(Assumptions {
        life,
        discount_rate,
        ..Assumptions::default()
    })
}

/// The fund forecast's own assumptions, when given: the yield on the fund's deposits and the
/// share of what is owed to heirs paid each year.
pub fn fund_assumptions(fund_yield: Option<f64>, heirs_claim_share: Option<f64>) -> Result<()> {
    if let Some(y) = fund_yield.filter(|y| !(-0.1..1.0).contains(y)) {
        return Err(SimError::new(
            "E-SIM-FUND-YIELD",
            format!("基金收益率 {y} 应在 -0.1 到 1 之间（如 0.012 表示 1.2%）"),
        ));
    }
    if let Some(x) = heirs_claim_share.filter(|x| !(0.0..=1.0).contains(x)) {
        return Err(SimError::new(
            "E-SIM-HEIRS-SHARE",
            format!("继承人每年领取的比例 {x} 应在 0 到 1 之间"),
        ));
    }
    Ok(())
}

/// The presets asked for: `all`, one key, or (none given) all of them unless cases are.
pub fn presets(preset: Option<&str>, with_cases: bool) -> Result<Vec<&'static str>> {
    let all = || PRESETS.iter().map(|(k, _)| *k).collect();
    Ok(match preset {
        Some("all") => all(),
        Some(k) => vec![PRESETS
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(key, _)| *key)
            .ok_or_else(|| {
                SimError::new(
                    "E-SIM-PRESET",
                    format!(
                        "未知的比较方案“{k}”，可选：all 或 {}",
                        PRESETS
                            .iter()
                            .map(|(k, zh)| format!("{k}（{zh}）"))
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                )
            })?],
        None if !with_cases => all(),
        None => Vec::new(),
    })
}

/// One resident under a scheme: the result alone, or before and after a scenario.
pub fn person(
    p: &Policies,
    c: &PersonCase,
    a: &Assumptions,
    scenario: Option<&Scenario>,
) -> Result<Comparison> {
    match scenario {
        Some(s) => compare::reform_effect(p, s, c, a),
        None => Ok(Comparison {
            key: "person".into(),
            title: c.label.clone(),
            results: vec![person::simulate(p, c, a)?],
            findings: Vec::new(),
        }),
    }
}

/// The comparisons asked for: the given cases side by side (each again under the scenario when
/// there is one), then each preset (and again under the scenario).
pub fn comparisons(
    p: &Policies,
    a: &Assumptions,
    start_year: i32,
    presets: &[&str],
    cases: &[PersonCase],
    scenario: Option<&Scenario>,
) -> Result<Vec<Comparison>> {
    let mut out = Vec::new();
    if !cases.is_empty() {
        out.push(compare::cases(p, cases, scenario, a)?);
    }
    for k in presets {
        out.push(compare::preset(k, p, a, start_year)?);
        if let Some(s) = scenario {
            let mut c = compare::preset(k, &p.with_scenario(s), a, start_year)?;
            c.title = format!("{}（{}）", c.title, s.name);
            for r in &mut c.results {
                r.label = format!("{}（情景）", r.label);
            }
            out.push(c);
        }
    }
    Ok(out)
}

/// The comparisons as one page: every result in its tables, every finding, and a chart per
/// comparison (so that each stays readable).
pub fn comparisons_page(
    title: &str,
    notes: Vec<String>,
    comparisons: &[Comparison],
) -> crate::output::Page {
    let all = Comparison {
        key: "all".into(),
        title: "政策比较".into(),
        results: comparisons.iter().flat_map(|c| c.results.clone()).collect(),
        findings: comparisons
            .iter()
            .flat_map(|c| c.findings.clone())
            .collect(),
    };
    let mut page = crate::output::results_page(title, notes, &all);
    page.charts = comparisons
        .iter()
        .map(|c| {
            let mut chart = crate::output::results_page(&c.title, Vec::new(), c)
                .charts
                .remove(0);
            chart.title = format!("{}：累计净收益", c.title);
            chart
        })
        .collect();
    page
}

/// The notes every output starts with: the parameters, whether they are illustrative, the
/// scenario.
pub fn policy_notes(p: &Policies, scenario: Option<&Scenario>) -> Vec<String> {
    let mut n = vec![format!(
        "参数：{}；{}；{}。",
        p.supplementary.name(),
        p.basic.name(),
        p.employee.name()
    )];
    if p.illustrative() {
        n.push("注意：所用政策参数含示意值（非官方），结论仅供测算示意；各县区导入正式参数后重新测算。".into());
    }
    if let Some(s) = scenario {
        n.push(format!(
            "情景：{}{}",
            s.name,
            s.note
                .as_deref()
                .map(|x| format!("（{x}）"))
                .unwrap_or_default()
        ));
    }
    n
}

/// The notes of a resident's view or a comparison: the policy notes, the life and discounting
/// assumptions and the model.
pub fn notes(p: &Policies, a: &Assumptions, scenario: Option<&Scenario>) -> Vec<String> {
    let mut n = policy_notes(p, scenario);
    n.push(match &a.life {
        Life::Expectancy(l) => format!(
            "寿命假设：预期寿命 {l} 岁；贴现率 {:.2}%。",
            a.discount_rate * 100.0
        ),
        Life::Table(t) => format!(
            "寿命假设：生命表“{}”；贴现率 {:.2}%。",
            t.title,
            a.discount_rate * 100.0
        ),
    });
    n.push("模型：每年 1 月 1 日缴费，年末按当年记账利率计息；领取后每月待遇固定；回本年龄按累计领取额达到个人累计缴费计；内部收益率与现值只计个人缴费与所领待遇（含丧葬补助金），不计可继承余额。详见 docs/SIMULATOR.md。".into());
    n
}

/// The fund projection's assumptions read from the register and books, in one line.
pub fn fund_assumptions_line(p: &crate::fund::Projection, mortality: &Mortality) -> String {
    let b = &p.behaviour;
    let behaviour = if b.measured {
        format!(
            "缴费行为取基期：上年缴费者续缴 {:.1}%，上年未缴者恢复缴费 {:.1}%",
            b.retention * 100.0,
            b.reentry * 100.0
        )
    } else {
        "基期之前没有缴费年度，假定基期缴费者全部续缴、未缴者不恢复".to_string()
    };
    format!(
        "假设：基金存款收益率 {:.3}%；继承人每年领取应付余额的 {:.1}%；{behaviour}；生命表：{}。",
        p.fund_yield * 100.0,
        p.heirs_claim_share * 100.0,
        mortality.title
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policies() -> Policies {
        Policies {
            supplementary: yanglao_policy::default_supplementary(),
            basic: yanglao_policy::default_basic(),
            employee: yanglao_policy::default_employee(),
            region: DEFAULT_REGION.into(),
        }
    }

    #[test]
    fn a_case_reads_both_spellings_and_names_what_is_wrong() {
        let p = policies();
        let c = CaseSpec::parse("scheme=basic,tier=700,years=15,start-age=45,sex=F")
            .unwrap()
            .case(&p, 2024)
            .unwrap();
        assert_eq!((c.years, c.start_age, c.sex), (15, 45, Sex::Female));
        assert_eq!(c.label, "城乡居民基本养老保险 700");
        let c = CaseSpec::from_pairs(
            "第 1 个方案".into(),
            vec![
                ("scheme".into(), "supplementary".into()),
                ("start_age".into(), "50".into()),
            ],
        )
        .unwrap()
        .case(&p, 2024)
        .unwrap();
        assert_eq!(c.start_age, 50);
        let e = CaseSpec::parse("scheme=basic,age=4").unwrap_err();
        assert_eq!(e.code, "E-SIM-CASE");
        assert!(e.message.contains("“age”"), "{}", e.message);
        let e = CaseSpec::parse("scheme=basic,years=x")
            .unwrap()
            .case(&p, 2024)
            .unwrap_err();
        assert!(e.message.contains("years=“x”不是整数"), "{}", e.message);
        let e = CaseSpec::parse("tier=min")
            .unwrap()
            .case(&p, 2024)
            .unwrap_err();
        assert!(e.message.contains("缺少 scheme"), "{}", e.message);
        assert_eq!(
            CaseSpec::parse("scheme=flexible,base-ratio=9")
                .unwrap()
                .case(&p, 2024)
                .unwrap_err()
                .code,
            "E-SIM-BASE-RATIO"
        );
    }

    #[test]
    fn presets_and_assumptions_are_checked() {
        assert_eq!(presets(None, false).unwrap().len(), PRESETS.len());
        assert!(presets(None, true).unwrap().is_empty());
        assert_eq!(presets(Some("tiers"), true).unwrap(), vec!["tiers"]);
        assert_eq!(presets(Some("x"), false).unwrap_err().code, "E-SIM-PRESET");
        assert_eq!(
            assumptions(1.5, None, None).unwrap_err().code,
            "E-SIM-DISCOUNT"
        );
        assert_eq!(
            assumptions(0.03, Some(200), None).unwrap_err().code,
            "E-SIM-LIFE"
        );
        assert_eq!(
            assumptions(0.03, Some(80), Some(Mortality::illustrative()))
                .unwrap_err()
                .code,
            "E-SIM-LIFE"
        );
        assert_eq!(
            fund_assumptions(Some(2.0), None).unwrap_err().code,
            "E-SIM-FUND-YIELD"
        );
        assert_eq!(
            fund_assumptions(None, Some(-1.0)).unwrap_err().code,
            "E-SIM-HEIRS-SHARE"
        );
        assert_eq!(region("14").unwrap_err().code, "E-SIM-REGION");
    }
}
