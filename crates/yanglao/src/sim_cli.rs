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

use crate::context::{err, open, stored_or_bundled_policy, CliError, Global};
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
    /// 要测算的补充养老保险政策参数文件（默认：数据库中最新一版政策参数；数据库中没有时用系统自带的山西示意参数）
    #[arg(long, value_name = "FILE")]
    supplementary_policy: Option<PathBuf>,
    /// 城乡居民基本养老保险政策参数文件（默认：系统自带的山西示意参数）
    #[arg(long, value_name = "FILE")]
    basic_policy: Option<PathBuf>,
    /// 职工养老保险（灵活就业人员）政策参数文件（默认：系统自带的示意参数）
    #[arg(long, value_name = "FILE")]
    employee_policy: Option<PathBuf>,
    /// 适用哪个地区的参数（地区代码）
    #[arg(long, value_name = "CODE", default_value = "140300")]
    region: String,
    /// 改革情景（TOML；见 docs/formats/scenario.md）
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// 首次缴费年度（默认：今年）
    #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
    start_year: Option<i32>,
    /// 假定的预期寿命（岁；默认 79，给出 --mortality 时不用）
    #[arg(long, value_name = "AGE", conflicts_with = "mortality")]
    life_expectancy: Option<u32>,
    /// 生命表（CSV；见 docs/formats/mortality.md）：按生命表计算期望值，而不假定固定的死亡年龄
    #[arg(long, value_name = "FILE")]
    mortality: Option<PathBuf>,
    /// 计算现值所用的年贴现率
    #[arg(long, value_name = "RATE", default_value = "0.03")]
    discount_rate: f64,
    /// 同时把 xlsx 工作簿和 HTML 页面（含 SVG 图表）写入此目录
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum SimulateCmd {
    /// 居民测算：一名参保人在某一险种下的缴费与待遇
    Person(PersonArgs),
    /// 方案比较：评价报告中的比较（预设），或自己给出的方案并列比较
    Compare(CompareArgs),
    /// 基金未来收支：按登记册人员逐年预测，有无改革情景两种
    Fund(FundArgs),
}

#[derive(clap::Args)]
pub struct PersonArgs {
    /// 险种：basic（城乡居民基本养老保险）、supplementary（补充养老保险）、basic+supplementary（两者都参加）或 flexible（灵活就业人员职工养老保险）
    #[arg(long)]
    pub scheme: String,
    /// 缴费档次：每年缴费元数，或 min（最低档）、max（最高档）；basic+supplementary 时为基本养老保险的档次
    #[arg(long, value_name = "TIER", default_value = "min")]
    pub tier: String,
    /// basic+supplementary 时补充养老保险的缴费档次（元、min 或 max）
    #[arg(long, value_name = "TIER", default_value = "min")]
    pub supplementary_tier: String,
    /// 灵活就业：缴费基数占社会平均工资的比例（0.6 至 3），或 min、max
    #[arg(long, value_name = "RATIO")]
    pub base_ratio: Option<String>,
    /// 缴费年限
    #[arg(long, value_name = "N")]
    pub years: u32,
    /// 开始缴费的年龄
    #[arg(long, value_name = "AGE")]
    pub start_age: u32,
    /// 性别：M（男）或 F（女）
    #[arg(long)]
    pub sex: String,
    #[command(flatten)]
    pub common: Common,
}

#[derive(clap::Args)]
pub struct CompareArgs {
    /// 预设比较：same-money（基本险与“基本险+补充险”同等缴费）、tiers（补充险各缴费档次）、flexible（“基本险+补充险”最高档与灵活就业最低档）或 all（全部；未给出 --case 时默认）
    #[arg(long)]
    pub preset: Option<String>,
    /// 一个方案：以逗号分隔的 键=值（scheme、tier、supplementary-tier、base-ratio、years、start-age、sex、label），如 "scheme=basic,tier=700,years=15,start-age=45,sex=M"
    #[arg(long = "case", value_name = "CASE")]
    pub cases: Vec<String>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(clap::Args)]
pub struct FundArgs {
    /// 预测年数
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub years: u32,
    /// 基期（数据的最后一年）：从该年末的登记册与账簿出发预测（默认：有缴费的最后一年）
    #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
    pub base_year: Option<i32>,
    /// 基金存款的年收益率，如 0.012（默认：取自账簿的基期数）
    #[arg(long, value_name = "RATE")]
    pub fund_yield: Option<f64>,
    /// 应付继承人余额中每年支付的比例，0 至 1（默认：取自账簿的基期数）
    #[arg(long, value_name = "SHARE")]
    pub heirs_claim_share: Option<f64>,
    /// 回测：把账簿中已有的预测年度与其基金收支表比较
    #[arg(long)]
    pub back_test: bool,
    #[command(flatten)]
    pub common: Common,
}

fn policies(cli: &Global, c: &Common) -> Result<Policies, CliError> {
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
        supplementary: match &c.supplementary_policy {
            Some(p) => yanglao_policy::load_file(p)?,
            None => stored_or_bundled_policy(cli)?,
        },
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

pub fn run(cli: &Global, cmd: &SimulateCmd) -> Result<i32, CliError> {
    match cmd {
        SimulateCmd::Person(a) => simulate_person(cli, a),
        SimulateCmd::Compare(a) => simulate_compare(cli, a),
        SimulateCmd::Fund(a) => simulate_fund(cli, a),
    }
}

fn simulate_person(cli: &Global, a: &PersonArgs) -> Result<i32, CliError> {
    let PersonArgs {
        scheme: s,
        tier: t,
        supplementary_tier,
        base_ratio: br,
        years,
        start_age,
        sex: sx,
        common,
    } = a;
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

fn simulate_compare(cli: &Global, a: &CompareArgs) -> Result<i32, CliError> {
    let CompareArgs {
        preset,
        cases,
        common,
    } = a;
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

fn simulate_fund(cli: &Global, a: &FundArgs) -> Result<i32, CliError> {
    let FundArgs {
        years,
        base_year,
        fund_yield,
        heirs_claim_share,
        back_test,
        common,
    } = a;
    let mut p = policies(cli, common)?;
    let mortality = match &common.mortality {
        Some(path) => Mortality::load(path)?,
        None => Mortality::illustrative(),
    };
    if let Some(y) = fund_yield.filter(|y| !(-0.1..1.0).contains(y)) {
        return Err(err(
            "E-SIM-FUND-YIELD",
            format!("基金收益率 {y} 应在 -0.1 到 1 之间（如 0.012 表示 1.2%）"),
        ));
    }
    if let Some(x) = heirs_claim_share.filter(|x| !(0.0..=1.0).contains(x)) {
        return Err(err(
            "E-SIM-HEIRS-SHARE",
            format!("继承人每年领取的比例 {x} 应在 0 到 1 之间"),
        ));
    }
    let sc = scenario(common)?;
    let mut ctx = open(cli)?;
    // The books were posted under the database's policy: project under it too.
    if common.supplementary_policy.is_none() {
        if let Some(v) = ctx.policy.latest() {
            p.supplementary = v.set.clone();
        }
    }
    let last = yanglao_ops::books::projection::last_contribution_year(&mut ctx)?;
    let base = match (base_year, last) {
        (Some(y), _) => *y,
        (None, Some(y)) => y,
        (None, None) => {
            return Err(err(
                "E-SIM-NO-DATA",
                "登记库中没有缴费数据，无法预测基金；请先导入人员与缴费（或运行 yanglao demo）",
            ))
        }
    };
    let snapshot = yanglao_ops::books::projection::snapshot(&mut ctx, base)?;
    if snapshot.insured.is_empty() && snapshot.recipients.is_empty() {
        return Err(err(
            "E-SIM-NO-DATA",
            format!("{base} 年末登记库中没有参保或领取人员，无法预测基金"),
        ));
    }
    let options = |label: &str| yanglao_sim::fund::Options {
        years: *years,
        label: label.to_string(),
        fund_yield: *fund_yield,
        heirs_claim_share: *heirs_claim_share,
    };
    let mut projections = vec![yanglao_sim::fund::project(
        &p,
        &snapshot,
        &mortality,
        &options("现行政策"),
    )?];
    if let Some(s) = &sc {
        projections.push(yanglao_sim::fund::project(
            &p.with_scenario(s),
            &snapshot,
            &mortality,
            &options(&s.name),
        )?);
    }
    let back = if *back_test {
        back_test_run(
            &mut ctx,
            &p,
            &snapshot,
            &mortality,
            &options,
            &projections[0],
            base,
            (last, *years),
        )?
    } else {
        None
    };
    print_fund(
        cli,
        FundOutput {
            base,
            snapshot: &snapshot,
            mortality: &mortality,
            projections: &projections,
            back: back.as_ref(),
            policies: &p,
            scenario: sc.as_ref(),
        },
        common,
    )?;
    Ok(0)
}

/// The back-test: the books of each year after the base year, beside the forecast and a replay
/// driven by the books' own contributions, joiners and deaths.
#[allow(clippy::too_many_arguments)]
fn back_test_run(
    ctx: &mut yanglao_ops::Ctx,
    p: &Policies,
    snapshot: &yanglao_sim::fund::Snapshot,
    mortality: &Mortality,
    options: &dyn Fn(&str) -> yanglao_sim::fund::Options,
    forecast: &Projection,
    base: i32,
    (last, years): (Option<i32>, u32),
) -> Result<Option<(Projection, Vec<BackTestYear>)>, CliError> {
    let last_books = last.unwrap_or(base).min(base + years as i32);
    if last_books <= base {
        return Err(err(
            "E-SIM-BACK-TEST-NO-BOOKS",
            format!(
                "账簿中没有 {base} 年以后的缴费数据，无法回测；请用 --base-year 指定更早的基期"
            ),
        ));
    }
    let observed = yanglao_ops::books::projection::observed(ctx, base, last_books)?;
    let replay =
        yanglao_sim::fund::replay(p, snapshot, mortality, &options("按账簿重演"), &observed)?;
    let mut out = Vec::new();
    for year in base + 1..=last_books {
        let st = yanglao_ops::books::projection::books(ctx, year)?;
        let row = |pr: &Projection| pr.rows.iter().find(|r| r.year == year).cloned();
        if let (Some(f), Some(r)) = (row(forecast), row(&replay)) {
            out.push(back_test_year(&st, &f, &r));
        }
    }
    Ok(Some((replay, out)))
}

/// What `simulate fund` prints and writes.
struct FundOutput<'a> {
    base: i32,
    snapshot: &'a yanglao_sim::fund::Snapshot,
    mortality: &'a Mortality,
    projections: &'a [Projection],
    back: Option<&'a (Projection, Vec<BackTestYear>)>,
    policies: &'a Policies,
    scenario: Option<&'a yanglao_policy::Scenario>,
}

fn print_fund(cli: &Global, o: FundOutput, common: &Common) -> Result<(), CliError> {
    let FundOutput {
        base,
        snapshot,
        mortality,
        projections,
        back,
        policies: p,
        scenario: sc,
    } = o;
    if cli.json {
        let mut v = serde_json::json!({
            "base_year": base,
            "insured": snapshot.insured.len(),
            "recipients": snapshot.recipients.len(),
            "fund_balance_fen": snapshot.fund_balance_fen,
            "mortality": mortality.title,
            "projections": projections,
        });
        if let Some((replay, years)) = back {
            v["back_test"] = serde_json::json!({
                "tolerance": BACK_TEST_TOLERANCE,
                "replay": replay,
                "years": years,
            });
        }
        output::json(&v);
    } else {
        let pr = &projections[0];
        println!(
            "基期 {base} 年末：参保未领取 {} 人（当年缴费 {} 人），领取待遇 {} 人；基金滚存结余 {} 元 = 个人账户 {} 元 + 应付继承人 {} 元 + 统筹部分 {} 元",
            snapshot.insured.len(),
            pr.behaviour.contributors,
            snapshot.recipients.len(),
            yuan(snapshot.fund_balance_fen),
            yuan(pr.opening.accounts_fen),
            yuan(pr.opening.owed_fen),
            yuan(pr.opening.pool_fen),
        );
        println!("{}", assumptions_line(pr, mortality));
        for pr in projections {
            print_projection(pr);
        }
        if let Some((_, years)) = back {
            print_back_test(base, years);
        }
    }
    if let Some(dir) = &common.out {
        let mut n = policy_notes(p, sc);
        n.push(assumptions_line(&projections[0], mortality));
        n.push(format!("基期：{base} 年末登记库与账簿（参保未领取 {} 人，领取 {} 人）；封闭人群预测，不含新参保。模型见 docs/SIMULATOR.md。", snapshot.insured.len(), snapshot.recipients.len()));
        write_outputs(
            dir,
            "基金预测",
            &out::fund_page("基金中长期预测", n, projections),
        )?;
    }
    Ok(())
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
struct BackTestItem {
    item: &'static str,
    books_fen: i64,
    forecast_fen: i64,
    replay_fen: i64,
}

#[derive(serde::Serialize)]
struct BackTestYear {
    year: i32,
    items: Vec<BackTestItem>,
}

fn back_test_year(
    books: &yanglao_ops::books::projection::Books,
    f: &yanglao_sim::fund::YearRow,
    r: &yanglao_sim::fund::YearRow,
) -> BackTestYear {
    let st = &books.statement;
    let i = &st.income;
    let e = &st.expenditure;
    let contributions = |x: &yanglao_sim::fund::YearRow| {
        x.income_personal_fen
            + x.income_back_pay_fen
            + x.income_entry_subsidy_fen
            + x.income_government_paid_fen
    };
    let benefits = |x: &yanglao_sim::fund::YearRow| {
        x.spend_account_pension_fen + x.spend_exit_subsidy_fen + x.spend_funeral_fen
    };
    let item = |item, books_fen, g: &dyn Fn(&yanglao_sim::fund::YearRow) -> i64| BackTestItem {
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

fn diff(model: i64, books: i64) -> String {
    if books == 0 {
        if model == 0 {
            "0".to_string()
        } else {
            "—".to_string()
        }
    } else {
        format!("{:+.1}%", (model - books) as f64 / books as f64 * 100.0)
    }
}

fn print_back_test(base: i32, years: &[BackTestYear]) {
    println!("== 回测：以 {base} 年末的登记库与账簿为起点，与账簿的基金收支表比较 ==");
    println!("预测：只用基期的数据；重演：按账簿记录的当年缴费、新参保与死亡，其余按模型规则。");
    println!(
        "{:>6}  {:<28} {:>16} {:>16} {:>8} {:>16} {:>8}",
        "年度", "项目", "账簿（元）", "预测（元）", "差异", "重演（元）", "差异"
    );
    for y in years {
        for it in &y.items {
            println!(
                "{:>6}  {:<28} {:>16} {:>16} {:>8} {:>16} {:>8}",
                y.year,
                it.item,
                yuan(it.books_fen),
                yuan(it.forecast_fen),
                diff(it.forecast_fen, it.books_fen),
                yuan(it.replay_fen),
                diff(it.replay_fen, it.books_fen)
            );
        }
    }
    let t = &BACK_TEST_TOLERANCE;
    println!(
        "容差（docs/SIMULATOR.md）：重演的本年收入、本年支出与年末滚存结余在账簿的 ±{:.0}% 以内；预测的本年收入与本年支出在 ±{:.0}% 以内，年末滚存结余在 ±{:.0}% 以内。",
        t.replay * 100.0,
        t.forecast_flows * 100.0,
        t.forecast_balance * 100.0
    );
    println!();
}

/// The projection's assumptions read from the register and books, in one line.
fn assumptions_line(p: &Projection, mortality: &Mortality) -> String {
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
    for f in &p.findings {
        println!("{f}");
    }
    println!();
}
