//! `yanglao simulate`: the policy simulator (政策测算), wiring and printing.

use std::path::{Path, PathBuf};

use chrono::Datelike;
use clap::{Args, Subcommand};
use yanglao_ops::books::projection::{
    forecast, BackTestYear, Forecast, ForecastRequest, BACK_TEST_TOLERANCE,
};
use yanglao_sim::compare::Comparison;
use yanglao_sim::fund::Projection;
use yanglao_sim::mortality::Mortality;
use yanglao_sim::output::{self as out, Page};
use yanglao_sim::person::{Assumptions, PersonCase, PersonResult};
use yanglao_sim::request;
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
    request::region(&c.region)?;
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
    let table = c.mortality.as_deref().map(Mortality::load).transpose()?;
    Ok(request::assumptions(
        c.discount_rate,
        c.life_expectancy,
        table,
    )?)
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
    let mut c = PersonCase::new(
        request::scheme(s)?,
        *years,
        *start_age,
        request::sex(sx)?,
        year,
    );
    c.tier = request::tier(t, "缴费档次")?;
    c.supplementary_tier = request::tier(supplementary_tier, "补充险缴费档次")?;
    c.base_ratio = request::base_ratio(br.as_deref(), &p, year)?;
    let sc = scenario(common)?;
    let comparison = request::person(&p, &c, &a, sc.as_ref())?;
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
                request::notes(&p, &a, sc.as_ref()),
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
    let parsed = cases
        .iter()
        .map(|c| request::CaseSpec::parse(c)?.case(&p, year))
        .collect::<Result<Vec<_>, _>>()?;
    let presets = request::presets(preset.as_deref(), !parsed.is_empty())?;
    let comparisons = request::comparisons(&p, &a, year, &presets, &parsed, sc.as_ref())?;
    if cli.json {
        output::json(&serde_json::json!({ "comparisons": comparisons }));
    } else {
        for c in &comparisons {
            print_comparison(c);
        }
    }
    if let Some(dir) = &common.out {
        let page = request::comparisons_page(
            "政策比较测算",
            request::notes(&p, &a, sc.as_ref()),
            &comparisons,
        );
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
    request::fund_assumptions(*fund_yield, *heirs_claim_share)?;
    let sc = scenario(common)?;
    let mut ctx = open(cli)?;
    // The books were posted under the database's policy: project under it too.
    if common.supplementary_policy.is_none() {
        if let Some(v) = ctx.policy.latest() {
            p.supplementary = v.set.clone();
        }
    }
    let f = forecast(
        &mut ctx,
        &p,
        &mortality,
        &ForecastRequest {
            years: *years,
            base_year: *base_year,
            fund_yield: *fund_yield,
            heirs_claim_share: *heirs_claim_share,
            scenario: sc.as_ref(),
            back_test: *back_test,
        },
    )?;
    print_fund(cli, &f, &mortality, &p, sc.as_ref(), common)?;
    Ok(0)
}

fn print_fund(
    cli: &Global,
    f: &Forecast,
    mortality: &Mortality,
    p: &Policies,
    sc: Option<&yanglao_policy::Scenario>,
    common: &Common,
) -> Result<(), CliError> {
    let base = f.base_year;
    if cli.json {
        output::json(&serde_json::to_value(f).expect("serialisable"));
    } else {
        let pr = &f.projections[0];
        println!(
            "基期 {base} 年末：参保未领取 {} 人（当年缴费 {} 人），领取待遇 {} 人；基金滚存结余 {} 元 = 个人账户 {} 元 + 应付继承人 {} 元 + 统筹部分 {} 元",
            f.insured,
            pr.behaviour.contributors,
            f.recipients,
            yuan(f.fund_balance_fen),
            yuan(pr.opening.accounts_fen),
            yuan(pr.opening.owed_fen),
            yuan(pr.opening.pool_fen),
        );
        println!("{}", request::fund_assumptions_line(pr, mortality));
        for pr in &f.projections {
            print_projection(pr);
        }
        if let Some(b) = &f.back_test {
            print_back_test(base, &b.years);
        }
    }
    if let Some(dir) = &common.out {
        let mut n = request::policy_notes(p, sc);
        n.push(request::fund_assumptions_line(&f.projections[0], mortality));
        n.push(format!("基期：{base} 年末登记库与账簿（参保未领取 {} 人，领取 {} 人）；封闭人群预测，不含新参保。模型见 docs/SIMULATOR.md。", f.insured, f.recipients));
        write_outputs(
            dir,
            "基金预测",
            &out::fund_page("基金中长期预测", n, &f.projections),
        )?;
    }
    Ok(())
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
