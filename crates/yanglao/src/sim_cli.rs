//! `yanglao simulate`: the policy simulator (政策测算), wiring and printing.

use std::path::{Path, PathBuf};

use chrono::Datelike;
use clap::{Args, Subcommand};
use rust_decimal::Decimal;
use yanglao_sim::compare::{self, Comparison};
use yanglao_sim::fund::Projection;
use yanglao_sim::mortality::{Mortality, Sex};
use yanglao_sim::output::{self as out, Page};
use yanglao_sim::person::{
    self, Assumptions, Life, PersonCase, PersonResult, SchemeChoice, TierChoice,
};
use yanglao_sim::{age_zh, yuan, Policies, SimError};

use crate::cli::{err, load_policy, open, Cli, CliError};
use crate::output;

impl From<SimError> for CliError {
    fn from(e: SimError) -> Self {
        CliError {
            code: e.code.to_string(),
            message: e.message,
        }
    }
}

#[derive(Args, Clone)]
pub struct Common {
    /// The residents' basic-scheme policy file (default: the bundled illustrative Shanxi file)
    #[arg(long)]
    basic_policy: Option<PathBuf>,
    /// The employee-scheme (flexible employment) policy file (default: the bundled illustrative file)
    #[arg(long)]
    employee_policy: Option<PathBuf>,
    /// Region whose parameters apply (default: 140300, the city)
    #[arg(long, default_value = "140300")]
    region: String,
    /// Reform scenario (TOML; docs/formats/scenario.md)
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// First contribution year (default: this year)
    #[arg(long, value_parser = crate::args::year)]
    start_year: Option<i32>,
    /// Stated life expectancy in years (default 79, unless --mortality is given)
    #[arg(long, conflicts_with = "mortality")]
    life_expectancy: Option<u32>,
    /// Life table (CSV; docs/formats/mortality.md): expected values instead of a fixed age at death
    #[arg(long)]
    mortality: Option<PathBuf>,
    /// Yearly discount rate for present values
    #[arg(long, default_value = "0.03")]
    discount_rate: f64,
    /// Also write the xlsx workbook and the HTML page (with its SVG charts) into this directory
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum SimulateCmd {
    /// What one resident pays and receives under a scheme
    Person {
        /// basic | supplementary | basic+supplementary | flexible
        #[arg(long)]
        scheme: String,
        /// Tier in yuan a year, or min / max (with basic+supplementary: the basic scheme's tier)
        #[arg(long, default_value = "min")]
        tier: String,
        /// The supplementary tier with basic+supplementary (yuan, min or max)
        #[arg(long, default_value = "min")]
        supplementary_tier: String,
        /// Flexible employment: the contribution base as a fraction of the average wage (0.6 to 3), or min / max
        #[arg(long)]
        base_ratio: Option<String>,
        #[arg(long)]
        years: u32,
        #[arg(long)]
        start_age: u32,
        /// M or F
        #[arg(long)]
        sex: String,
        #[command(flatten)]
        common: Common,
    },
    /// Cases side by side: the report's comparisons (presets) or cases of your own
    Compare {
        /// same-money | tiers | flexible | all (default: all, unless --case is given)
        #[arg(long)]
        preset: Option<String>,
        /// A case: comma-separated key=value (scheme, tier, supplementary-tier, base-ratio, years,
        /// start-age, sex, label), e.g. "scheme=basic,tier=700,years=15,start-age=45,sex=M"
        #[arg(long = "case")]
        cases: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// The fund's future: a projection of the register's people year by year, with and without a reform
    Fund {
        #[arg(long, default_value_t = 30)]
        years: u32,
        /// The last year of data (default: the last year with contributions)
        #[arg(long, value_parser = crate::args::year)]
        base_year: Option<i32>,
        #[command(flatten)]
        common: Common,
    },
}

fn policies(cli: &Cli, c: &Common) -> Result<Policies, CliError> {
    if !yanglao_policy::is_valid_region(&c.region) {
        return Err(err(
            "E-SIM-REGION",
            format!("地区代码“{}”无效，应为 6 位行政区划代码", c.region),
        ));
    }
    let basic = match &c.basic_policy {
        Some(p) => yanglao_policy::load_file(p)?,
        None => yanglao_policy::default_basic(),
    };
    let employee = match &c.employee_policy {
        Some(p) => yanglao_policy::load_file(p)?,
        None => yanglao_policy::default_employee(),
    };
    Ok(Policies {
        supplementary: load_policy(cli)?,
        basic,
        employee,
        region: c.region.clone(),
    })
}

fn assumptions(c: &Common) -> Result<Assumptions, CliError> {
    if !(0.0..1.0).contains(&c.discount_rate) {
        return Err(err(
            "E-SIM-DISCOUNT",
            format!(
                "贴现率 {} 应在 0 到 1 之间（如 0.03 表示 3%）",
                c.discount_rate
            ),
        ));
    }
    let life = match (&c.mortality, c.life_expectancy) {
        (Some(p), _) => Life::Table(Mortality::load(p)?),
        (None, Some(l)) if !(30..=120).contains(&l) => {
            return Err(err(
                "E-SIM-LIFE",
                format!("预期寿命 {l} 岁应在 30 到 120 岁之间"),
            ));
        }
        (None, l) => Life::Expectancy(l.unwrap_or(person::DEFAULT_LIFE_EXPECTANCY)),
    };
    Ok(Assumptions {
        life,
        discount_rate: c.discount_rate,
        ..Assumptions::default()
    })
}

fn scenario(c: &Common) -> Result<Option<yanglao_policy::Scenario>, CliError> {
    Ok(match &c.scenario {
        Some(p) => Some(yanglao_policy::load_scenario(p)?),
        None => None,
    })
}

fn start_year(c: &Common) -> i32 {
    c.start_year
        .unwrap_or_else(|| chrono::Local::now().date_naive().year())
}

fn tier(s: &str, what: &str) -> Result<TierChoice, CliError> {
    TierChoice::parse(s).ok_or_else(|| {
        err(
            "E-SIM-TIER",
            format!("{what}“{s}”无效：应为以元计的金额（如 500）或 min、max"),
        )
    })
}

fn sex(s: &str) -> Result<Sex, CliError> {
    Sex::parse(s).ok_or_else(|| {
        err(
            "E-SIM-SEX",
            format!("性别“{s}”无效：应为 M（男）或 F（女）"),
        )
    })
}

fn scheme(s: &str) -> Result<SchemeChoice, CliError> {
    SchemeChoice::parse(s).ok_or_else(|| {
        err(
            "E-SIM-SCHEME",
            format!("险种“{s}”无效：应为 basic、supplementary、basic+supplementary 或 flexible"),
        )
    })
}

/// `min` / `max` or a decimal fraction, checked against the employee scheme's range at the start.
fn base_ratio(s: Option<&str>, p: &Policies, year: i32) -> Result<Option<Decimal>, CliError> {
    let Some(s) = s else { return Ok(None) };
    let date = chrono::NaiveDate::from_ymd_opt(year, 1, 1).expect("year");
    let e = p
        .employee
        .employee(&p.region, date)
        .map_err(|e| err("E-SIM-POLICY", e.to_string()))?;
    let r = match s {
        "min" => e.base_min_ratio,
        "max" => e.base_max_ratio,
        other => other.parse::<Decimal>().map_err(|_| {
            err(
                "E-SIM-BASE-RATIO",
                format!("缴费基数比例“{other}”无效：应为 0.6 到 3 之间的小数，或 min、max"),
            )
        })?,
    };
    if r < e.base_min_ratio || r > e.base_max_ratio {
        return Err(err(
            "E-SIM-BASE-RATIO",
            format!(
                "缴费基数比例 {r} 不在允许的 {}–{} 之间",
                e.base_min_ratio, e.base_max_ratio
            ),
        ));
    }
    Ok(Some(r))
}

/// The notes every output starts with: the parameters, whether they are illustrative, the scenario.
fn policy_notes(p: &Policies, scenario: Option<&yanglao_policy::Scenario>) -> Vec<String> {
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
fn notes(
    p: &Policies,
    a: &Assumptions,
    scenario: Option<&yanglao_policy::Scenario>,
) -> Vec<String> {
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

fn write_outputs(dir: &Path, stem: &str, page: &Page) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        err(
            "E-SIM-WRITE",
            format!(
                "无法创建目录 {}：{}",
                dir.display(),
                yanglao_domain::io_error_zh(&e)
            ),
        )
    })?;
    let html = dir.join(format!("{stem}.html"));
    std::fs::write(&html, out::html(page)).map_err(|e| {
        err(
            "E-SIM-WRITE",
            format!(
                "无法写出 {}：{}",
                html.display(),
                yanglao_domain::io_error_zh(&e)
            ),
        )
    })?;
    for (i, c) in page.charts.iter().enumerate() {
        let svg = dir.join(format!("{stem}-图{}.svg", i + 1));
        std::fs::write(&svg, out::svg(c)).map_err(|e| {
            err(
                "E-SIM-WRITE",
                format!(
                    "无法写出 {}：{}",
                    svg.display(),
                    yanglao_domain::io_error_zh(&e)
                ),
            )
        })?;
    }
    let xlsx = dir.join(format!("{stem}.xlsx"));
    out::xlsx(page, &xlsx)?;
    println!(
        "已写出：{}、{} 及 {} 张 SVG 图",
        xlsx.display(),
        html.display(),
        page.charts.len()
    );
    Ok(())
}

fn pct(x: Option<f64>) -> String {
    x.map_or("—".into(), |r| format!("{:.2}%", r * 100.0))
}

fn print_result(r: &PersonResult) {
    println!(
        "【{}】{}，{} 岁起缴费 {} 年（{} 年起）",
        r.label,
        r.sex.zh(),
        r.start_age,
        r.years,
        r.start_year
    );
    println!(
        "  个人缴费合计 {} 元，政府缴费补贴 {} 元，领取时账户余额 {} 元",
        yuan(r.total_contribution_fen),
        yuan(r.total_subsidy_fen),
        yuan(r.account_balance_at_benefit_age_fen)
    );
    for p in &r.parts {
        let parts: Vec<String> = p
            .components
            .iter()
            .map(|c| format!("{} {} 元", c.name, yuan(c.monthly_fen)))
            .collect();
        println!(
            "  {}（{}）：{} 岁起每月 {} 元（{}；计发月数 {}）",
            p.scheme_zh,
            p.tier_label,
            p.benefit_age,
            yuan(p.monthly_benefit_fen),
            parts.join("，"),
            p.divisor
        );
        if p.funeral_subsidy_fen > 0 {
            println!("    丧葬补助金 {} 元", yuan(p.funeral_subsidy_fen));
        }
    }
    println!(
        "  回本年龄 {}；内部收益率 {}；净现值 {} 元（贴现率 {:.2}%）；{}",
        r.break_even_months.map_or("不回本".into(), age_zh),
        pct(r.irr),
        yuan(r.net_present_value_fen),
        r.discount_rate * 100.0,
        r.life
    );
}

fn print_comparison(c: &Comparison) {
    println!("== {} ==", c.title);
    println!(
        "{:<36} {:>12} {:>8} {:>12} {:>12} {:>10}",
        "方案", "个人缴费", "领取年龄", "月领取额", "回本年龄", "内部收益率"
    );
    for r in &c.results {
        let ages: Vec<String> = r.parts.iter().map(|p| p.benefit_age.to_string()).collect();
        println!(
            "{:<36} {:>12} {:>8} {:>12} {:>12} {:>10}",
            r.label,
            yuan(r.total_contribution_fen),
            ages.join("/"),
            yuan(r.monthly_benefit_fen),
            r.break_even_months.map_or("不回本".into(), age_zh),
            pct(r.irr)
        );
    }
    for (i, f) in c.findings.iter().enumerate() {
        println!(
            "结论 {}：{}{}",
            i + 1,
            f.text,
            if f.holds {
                ""
            } else {
                "（测算结果不支持此结论）"
            }
        );
    }
    println!();
}

/// A `--case` specification.
fn parse_case(spec: &str, p: &Policies, default_year: i32) -> Result<PersonCase, CliError> {
    let mut kv = std::collections::BTreeMap::new();
    for part in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| {
            err(
                "E-SIM-CASE",
                format!("比较方案“{spec}”中的“{part}”应为 键=值"),
            )
        })?;
        kv.insert(k.trim().to_string(), v.trim().to_string());
    }
    let known = [
        "scheme",
        "tier",
        "supplementary-tier",
        "base-ratio",
        "years",
        "start-age",
        "sex",
        "label",
    ];
    if let Some(k) = kv.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(err(
            "E-SIM-CASE",
            format!(
                "比较方案“{spec}”中有未知的键“{k}”（可用：{}）",
                known.join("、")
            ),
        ));
    }
    let get = |k: &str| kv.get(k).map(String::as_str);
    let num = |k: &str, d: u32| -> Result<u32, CliError> {
        get(k).map_or(Ok(d), |v| {
            v.parse().map_err(|_| {
                err(
                    "E-SIM-CASE",
                    format!("比较方案“{spec}”中 {k}=“{v}”不是整数"),
                )
            })
        })
    };
    let sch = scheme(
        get("scheme").ok_or_else(|| err("E-SIM-CASE", format!("比较方案“{spec}”缺少 scheme")))?,
    )?;
    let mut c = PersonCase::new(
        sch,
        num("years", 15)?,
        num("start-age", 45)?,
        sex(get("sex").unwrap_or("M"))?,
        default_year,
    );
    c.tier = tier(get("tier").unwrap_or("min"), "缴费档次")?;
    c.supplementary_tier = tier(get("supplementary-tier").unwrap_or("min"), "补充险缴费档次")?;
    c.base_ratio = base_ratio(get("base-ratio"), p, default_year)?;
    c.label = get("label").map(str::to_string).unwrap_or_else(|| {
        let mut l = sch.zh().to_string();
        if let Some(t) = get("tier") {
            l.push_str(&format!(" {t}"));
        }
        if let Some(t) = get("supplementary-tier") {
            l.push_str(&format!("+{t}"));
        }
        if let Some(t) = get("base-ratio") {
            l.push_str(&format!(" 基数{t}"));
        }
        l
    });
    Ok(c)
}

pub fn run(cli: &Cli, cmd: &SimulateCmd) -> Result<i32, CliError> {
    match cmd {
        SimulateCmd::Person {
            scheme: s,
            tier: t,
            supplementary_tier,
            base_ratio: br,
            years,
            start_age,
            sex: sx,
            common,
        } => {
            let p = policies(cli, common)?;
            let a = assumptions(common)?;
            let year = start_year(common);
            let mut c = PersonCase::new(scheme(s)?, *years, *start_age, sex(sx)?, year);
            c.tier = tier(t, "缴费档次")?;
            c.supplementary_tier = tier(supplementary_tier, "补充险缴费档次")?;
            c.base_ratio = base_ratio(br.as_deref(), &p, year)?;
            let sc = scenario(common)?;
            let comparison = match &sc {
                Some(s) => compare::reform_effect(&p, s, &c, &a)?,
                None => Comparison {
                    key: "person".into(),
                    title: c.label.clone(),
                    results: vec![person::simulate(&p, &c, &a)?],
                    findings: Vec::new(),
                },
            };
            let main = comparison.results.last().expect("one result");
            if cli.json {
                let mut v = serde_json::to_value(main).expect("serialisable");
                if sc.is_some() {
                    v["without_scenario"] =
                        serde_json::to_value(&comparison.results[0]).expect("serialisable");
                }
                output::json(&v);
            } else {
                for r in &comparison.results {
                    print_result(r);
                }
                for f in &comparison.findings {
                    println!("{}", f.text);
                }
            }
            if let Some(dir) = &common.out {
                write_outputs(
                    dir,
                    "居民测算",
                    &out::results_page(
                        &format!("居民测算：{}", c.label),
                        notes(&p, &a, sc.as_ref()),
                        &comparison,
                    ),
                )?;
            }
            Ok(0)
        }
        SimulateCmd::Compare {
            preset,
            cases,
            common,
        } => {
            let p = policies(cli, common)?;
            let a = assumptions(common)?;
            let year = start_year(common);
            let sc = scenario(common)?;
            let mut comparisons = Vec::new();
            if !cases.is_empty() {
                let parsed = cases
                    .iter()
                    .map(|c| parse_case(c, &p, year))
                    .collect::<Result<Vec<_>, _>>()?;
                comparisons.push(compare::cases(&p, &parsed, sc.as_ref(), &a)?);
            }
            let presets: Vec<&str> = match preset.as_deref() {
                Some("all") => compare::PRESETS.iter().map(|(k, _)| *k).collect(),
                Some(k) => vec![k],
                None if cases.is_empty() => compare::PRESETS.iter().map(|(k, _)| *k).collect(),
                None => Vec::new(),
            };
            for k in presets {
                comparisons.push(compare::preset(k, &p, &a, year)?);
                if let Some(s) = &sc {
                    // The same comparison under the scenario.
                    let mut c = compare::preset(k, &p.with_scenario(s), &a, year)?;
                    c.title = format!("{}（{}）", c.title, s.name);
                    for r in &mut c.results {
                        r.label = format!("{}（情景）", r.label);
                    }
                    comparisons.push(c);
                }
            }
            if cli.json {
                output::json(&serde_json::json!({ "comparisons": comparisons }));
            } else {
                for c in &comparisons {
                    print_comparison(c);
                }
            }
            if let Some(dir) = &common.out {
                let all = Comparison {
                    key: "all".into(),
                    title: "政策比较".into(),
                    results: comparisons.iter().flat_map(|c| c.results.clone()).collect(),
                    findings: comparisons
                        .iter()
                        .flat_map(|c| c.findings.clone())
                        .collect(),
                };
                let mut page = out::results_page("政策比较测算", notes(&p, &a, sc.as_ref()), &all);
                // One chart per comparison, so that each stays readable.
                page.charts = comparisons
                    .iter()
                    .map(|c| {
                        let mut chart = out::results_page(&c.title, Vec::new(), c).charts.remove(0);
                        chart.title = format!("{}：累计净收益", c.title);
                        chart
                    })
                    .collect();
                write_outputs(dir, "政策比较", &page)?;
            }
            let failed = comparisons
                .iter()
                .flat_map(|c| &c.findings)
                .filter(|f| !f.holds)
                .count();
            if failed > 0 && !cli.json {
                println!("注意：有 {failed} 项结论未得到本次测算结果支持（参数或假设不同于评价报告时可能出现）。");
            }
            Ok(0)
        }
        SimulateCmd::Fund {
            years,
            base_year,
            common,
        } => {
            let p = policies(cli, common)?;
            let mortality = match &common.mortality {
                Some(path) => Mortality::load(path)?,
                None => Mortality::illustrative(),
            };
            let sc = scenario(common)?;
            let mut ctx = open(cli)?;
            let base = match base_year {
                Some(y) => *y,
                None => yanglao_ops::projection::last_contribution_year(&mut ctx)?
                    .ok_or_else(|| err("E-SIM-NO-DATA", "登记库中没有缴费数据，无法预测基金；请先导入人员与缴费（或运行 yanglao demo）"))?,
            };
            let snapshot = yanglao_ops::projection::snapshot(&mut ctx, base)?;
            if snapshot.insured.is_empty() && snapshot.recipients.is_empty() {
                return Err(err(
                    "E-SIM-NO-DATA",
                    format!("{base} 年末登记库中没有参保或领取人员，无法预测基金"),
                ));
            }
            let mut projections = vec![yanglao_sim::fund::project(
                &p,
                &snapshot,
                &mortality,
                *years,
                "现行政策",
            )?];
            if let Some(s) = &sc {
                projections.push(yanglao_sim::fund::project(
                    &p.with_scenario(s),
                    &snapshot,
                    &mortality,
                    *years,
                    &s.name,
                )?);
            }
            if cli.json {
                output::json(&serde_json::json!({
                    "base_year": base,
                    "insured": snapshot.insured.len(),
                    "recipients": snapshot.recipients.len(),
                    "fund_balance_fen": snapshot.fund_balance_fen,
                    "mortality": mortality.title,
                    "projections": projections,
                }));
            } else {
                println!(
                    "基期 {base} 年末：参保未领取 {} 人，领取待遇 {} 人，基金滚存结余 {} 元；生命表：{}",
                    snapshot.insured.len(),
                    snapshot.recipients.len(),
                    yuan(snapshot.fund_balance_fen),
                    mortality.title
                );
                for pr in &projections {
                    print_projection(pr);
                }
            }
            if let Some(dir) = &common.out {
                let mut n = policy_notes(&p, sc.as_ref());
                n.push(format!("生命表：{}。", mortality.title));
                n.push(format!("基期：{base} 年末登记库（参保未领取 {} 人，领取 {} 人）；封闭人群预测，不含新参保。模型见 docs/SIMULATOR.md。", snapshot.insured.len(), snapshot.recipients.len()));
                write_outputs(
                    dir,
                    "基金预测",
                    &out::fund_page("基金中长期预测", n, &projections),
                )?;
            }
            Ok(0)
        }
    }
}

fn print_projection(p: &Projection) {
    println!("== {} ==", p.label);
    println!(
        "{:>6} {:>6} {:>10} {:>10} {:>16} {:>16} {:>18} {:>18}",
        "年度",
        "领取龄",
        "缴费人数",
        "领取人数",
        "收入（元）",
        "支出（元）",
        "滚存结余（元）",
        "统筹部分（元）"
    );
    for r in &p.rows {
        println!(
            "{:>6} {:>6} {:>10} {:>10} {:>16} {:>16} {:>18} {:>18}",
            r.year,
            r.benefit_age,
            r.contributors,
            r.recipients,
            yuan(r.income_total_fen),
            yuan(r.spend_total_fen),
            yuan(r.balance_fen),
            yuan(r.pool_fen)
        );
    }
    if let Some(first) = p.rows.iter().find(|r| r.pool_fen < 0) {
        println!("统筹部分在 {} 年转为负数：个人账户用尽后继续发放的账户养老金开始动用其他参保人的账户资金。", first.year);
    }
    println!();
}
