//! Command-line interface: parsing and wiring of the use cases.

use crate::books_cli::{BudgetCmd, FundCmd};
use crate::context::{
    err, open, parse_date_or_today, parse_month, parse_opt_date, upload, Global, Res,
    BUNDLED_POLICY,
};
use crate::deaths_cli::{DeathsCmd, InheritanceCmd, RecoveryCmd};
use crate::eval_cli::OutreachCmd;
use crate::output;
use crate::payroll_cli::PayrollCmd;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use yanglao_domain::county_name;
use yanglao_ops::OpsError;
use yanglao_store::Db;

// What these definitions say is what `--help` shows: the doc comments are in Chinese because
// people read them; clap's own words are put in Chinese by `crate::help`. Each doc comment is one
// line: clap joins the lines of a paragraph with a space, which Chinese does not use.
#[derive(Parser)]
#[command(
    name = "yanglao",
    version,
    about = "养老：城乡居民补充养老保险经办与绩效评价系统"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// The area files take the global options (`&cli` coerces).
impl std::ops::Deref for Cli {
    type Target = Global;
    fn deref(&self) -> &Global {
        &self.global
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// 创建数据库结构或升级到最新版本
    Init {
        /// 数据库中还没有政策参数时，同时载入系统自带的山西示意政策参数作为第 1 版
        #[arg(long)]
        illustrative_policy: bool,
    },
    /// 政策参数：检查、载入、查看与历史版本
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// 导入文件（先整体校验，全部通过才写入；同一文件重复导入不会重复记账）
    #[command(subcommand)]
    Import(ImportCmd),
    /// 缴费：困难群体的政府代缴
    #[command(subcommand)]
    Contributions(ContributionsCmd),
    /// 个人账户记账利息
    #[command(subcommand)]
    Interest(InterestCmd),
    /// 参保人：登记信息、状态历史与经办决定
    #[command(subcommand)]
    Person(PersonCmd),
    /// 个人账户
    #[command(subcommand)]
    Account(AccountCmd),
    /// 基金账簿
    #[command(subcommand)]
    Ledger(LedgerCmd),
    /// 待遇核定
    #[command(subcommand)]
    Awards(AwardsCmd),
    /// 每月待遇发放：生成发放批次、审核前检查、审核、导出银行代发文件
    #[command(subcommand)]
    Payroll(PayrollCmd),
    /// 死亡信息：待人工审核的记录与各来源日期不一致
    #[command(subcommand)]
    Deaths(DeathsCmd),
    /// 审计日志与导入记录（分页查看）
    #[command(subcommand)]
    Audit(crate::lists_cli::AuditCmd),
    /// 账号：新建、列出、停用与登录密码（角色与县区决定可办理的业务）
    #[command(subcommand)]
    Users(crate::users_cli::UsersCmd),
    /// 多领冒领追回
    #[command(subcommand)]
    Recovery(RecoveryCmd),
    /// 继承：去世人员个人账户余额支付继承人
    #[command(subcommand)]
    Inheritance(InheritanceCmd),
    /// 基金收支表与银行利息核对
    #[command(subcommand)]
    Fund(FundCmd),
    /// 补贴预算及其执行
    #[command(subcommand)]
    Budget(BudgetCmd),
    /// 绩效评价：由数据、问卷和评价工作底稿为每项指标评分
    Evaluate {
        /// 评价年度
        #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
        year: i32,
        /// 指标体系文件（TOML；默认：系统自带的 2023 年阳泉市指标体系）
        #[arg(long, value_name = "FILE")]
        framework: Option<PathBuf>,
        /// 评价工作底稿（xlsx 或 CSV：指标代码、类型、分值、理由、证据）
        #[arg(long, value_name = "FILE")]
        worksheet: Option<PathBuf>,
        /// 不评分，只把该年度的评价工作底稿模板写到此 xlsx 文件
        #[arg(long, value_name = "FILE")]
        worksheet_template: Option<PathBuf>,
    },
    /// 绩效评价报告：由数据生成 Word（docx）、HTML 和 xlsx 附表，写出前先核对各处数字一致
    Report {
        /// 评价年度
        #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
        year: i32,
        /// 报告写入的目录
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// 指标体系文件（TOML；默认：系统自带的 2023 年阳泉市指标体系）
        #[arg(long, value_name = "FILE")]
        framework: Option<PathBuf>,
        /// 评价工作底稿（xlsx 或 CSV）
        #[arg(long, value_name = "FILE")]
        worksheet: Option<PathBuf>,
    },
    /// 参保分析：按县区、年龄段和缴费档次逐年统计缴费人员、新参保、恢复缴费与断缴
    Enrolment {
        /// 起始年度
        #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
        from: i32,
        /// 截止年度
        #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
        to: i32,
    },
    /// 动员名单：参加基本养老保险而未缴纳补充养老保险的人员
    #[command(subcommand)]
    Outreach(OutreachCmd),
    /// 政策测算：各方案给参保人的待遇与回报、方案比较、改革情景与基金未来收支
    #[command(subcommand)]
    Simulate(crate::sim_cli::SimulateCmd),
    /// 性能基准测试
    #[command(subcommand)]
    Bench(BenchCmd),
    /// 示例：按评价报告重建阳泉市 2021–2023 年（模拟数据经系统自身流程运行三年），并生成 2023 年绩效评价报告
    Demo {
        /// 生成的文件与报告写入的目录
        #[arg(long, value_name = "DIR", default_value = "yanglao-demo")]
        out: PathBuf,
        /// 规模：1 为全市实际规模，0.01 为其百分之一
        #[arg(long, value_name = "S", default_value_t = 1.0)]
        scale: f64,
        /// 随机数种子
        #[arg(long, value_name = "N", default_value_t = 2023)]
        seed: u64,
        /// 未能重现评价报告公布的每个数字时以错误退出
        #[arg(long)]
        verify: bool,
    },
    /// 小型示例：导入系统自带的参保人、困难群体和 2021–2023 年缴费，完成政府代缴、记账利息并核对账簿
    Quickstart {
        /// 示例文件写入的目录
        #[arg(long, value_name = "DIR", default_value = "yanglao-example")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum PolicyCmd {
    /// 检查政策参数文件，列出每个问题及其行号（不载入）
    Check {
        /// 政策参数文件（TOML）
        file: PathBuf,
    },
    /// 把政策参数文件作为一个新版本存入数据库，自某日起适用
    Load {
        /// 政策参数文件（TOML）
        file: PathBuf,
        /// 适用起始日期。第 1 版默认取文件中最早的完整日期，并适用于此前的一切业务；此后的新版本必须给出，且须晚于每笔已入账的业务
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
    },
    /// 显示某地区在某日适用的政策参数（取自数据库）
    Show {
        /// 地区代码（6 位行政区划代码）
        #[arg(long, value_name = "CODE")]
        region: String,
        /// 日期
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
    },
    /// 数据库中的每一版政策参数：适用日期、内容摘要、载入人与载入时间
    History,
}

#[derive(Subcommand)]
pub enum ImportCmd {
    /// 基本养老保险参保人员登记册（身份证号、姓名、县区代码、联系电话、开户银行、银行账号、基本养老保险参保）
    Persons(ImportArgs),
    /// 缴费（身份证号、姓名、缴费年度、缴费金额(元)、缴费日期、票据号）
    Contributions(ImportArgs),
    /// 困难群体认定（身份证号、姓名、困难类别、认定日期、终止日期）
    Hardship(ImportArgs),
    /// 资格认证（身份证号、姓名、认证日期、认证方式：数据比对、人脸识别或上门核查）
    Certifications(ImportArgs),
    /// 基金专户及其存款协议（县区代码、开户银行、账号、约定利率(%)、计息基础、结息频率、生效日期、终止日期）
    BankAgreements(ImportArgs),
    /// 银行对账单：日终余额与结息（账号、日期、类型、金额(元)；计息起始日、计息终止日可选）
    BankStatement(ImportArgs),
    /// 补贴预算（年度、级次、类别、金额(元)；县区代码可选）
    Budget(ImportArgs),
    /// 各级补贴资金到位（年度、级次、类别、县区代码、到位日期、金额(元)、凭证号）
    FundArrivals(ImportArgs),
    /// 问卷调查（问卷编号、年度、县区代码、受访者类型、是否知晓政策、满意度）
    Survey(ImportArgs),
    /// 银行回盘：发放批次的代发结果（批次号、序号、身份证号、银行账号、金额(元)、结果、失败原因、入账日期）
    BankReturn(ImportArgs),
    /// 一个来源的死亡信息（身份证号、姓名、死亡日期、来源编号；出生日期和县区代码用于匹配没有有效身份证号的记录）
    Deaths {
        /// 要导入的文件（xlsx、xls、ods 或 CSV）
        file: PathBuf,
        /// 来源：police（公安）、civil-affairs（民政）、health（卫健）或 village（村报）
        #[arg(long)]
        source: String,
        /// 文件的处理日期：没有“报告日期”的记录以此为业务日期（文件没有该列时必填）
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        /// 只校验，不写入
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
pub enum AwardsCmd {
    /// 为截至该月新符合领取条件的每个人核定待遇
    Run {
        /// 月份
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
        /// 县区代码（默认：全部县区）
        #[arg(long, value_name = "CODE")]
        county: Option<String>,
    },
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// 要导入的文件（xlsx、xls、ods 或 CSV；CSV 为 UTF-8 或 GBK 编码）
    pub file: PathBuf,
    /// 只校验，不写入
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Subcommand)]
pub enum ContributionsCmd {
    /// 为该年度的困难群体记入政府代缴
    GovPay {
        /// 年度
        #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
        year: i32,
        /// 县区代码（默认：全部县区）
        #[arg(long, value_name = "CODE")]
        county: Option<String>,
        /// 代缴日期（默认为该年 12 月 31 日；该年未结束时必填）
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum InterestCmd {
    /// 为每个个人账户记入该年度的记账利息
    Credit {
        /// 年度
        #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
        year: i32,
        /// 县区代码（默认：全部县区）
        #[arg(long, value_name = "CODE")]
        county: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum PersonCmd {
    /// 参保人列表（分页；可按县区、状态、姓名或身份证号筛选）
    List {
        /// 县区代码
        #[arg(long, value_name = "CODE")]
        county: Option<String>,
        /// 最近的状态决定（receiving、suspended、resumed、terminated）
        #[arg(long, value_name = "STATUS")]
        status: Option<String>,
        /// 姓名或身份证号中含有的文字
        #[arg(long, value_name = "TEXT")]
        text: Option<String>,
        #[command(flatten)]
        page: crate::lists_cli::PageArgs,
    },
    /// 参保人的登记信息、逐年状态（缴费或断缴）与经办决定
    Show {
        /// 身份证号
        citizen_id: String,
    },
    /// 记录一项经办决定：receiving（领取待遇）、suspended（暂停发放）、resumed（恢复发放）或 terminated（终止，须给出 --reason）
    Status {
        /// 身份证号
        citizen_id: String,
        /// 决定（见上）
        #[arg(long = "set", value_name = "STATUS")]
        status: String,
        /// 原因
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// 生效日期（默认：今天）
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum AccountCmd {
    /// 个人账户对账单：每笔明细与各组成部分的余额
    Show {
        /// 身份证号
        citizen_id: String,
    },
}

#[derive(Subcommand)]
pub enum LedgerCmd {
    /// 核对账簿的每条规则（借贷平衡、个人账户与基金相符等）；有违反时以非零状态退出
    Verify,
}

#[derive(Subcommand)]
pub enum BenchCmd {
    /// 生成 N 行缴费及其参保人，测量导入耗时
    Import {
        /// 缴费行数
        #[arg(long, value_name = "N", default_value_t = 100_000)]
        rows: usize,
        /// 同时测量的 PostgreSQL 服务器（临时建库，测完删除）
        #[arg(
            long,
            value_name = "URL",
            env = "YANGLAO_BENCH_PG",
            hide_env_values = true
        )]
        pg: Option<String>,
        /// 保留生成的文件与 SQLite 数据库的目录
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// 测量一个月的待遇发放（含检查与导出）的耗时，并与单纯批量写入对比
    Payroll {
        /// 待遇领取人数
        #[arg(long, value_name = "N", default_value_t = 100_000)]
        recipients: usize,
        /// 同时测量的 PostgreSQL 服务器（临时建库，测完删除）
        #[arg(
            long,
            value_name = "URL",
            env = "YANGLAO_BENCH_PG",
            hide_env_values = true
        )]
        pg: Option<String>,
        /// 保留 SQLite 数据库与导出文件的目录
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Measure one backend in this process (the command runs each backend in its own process)
        #[arg(long, hide = true)]
        backend: Option<String>,
    },
    /// 测量死亡记录与登记册匹配的耗时（SQLite）
    Deaths {
        /// 登记册人数
        #[arg(long, value_name = "N", default_value_t = 1_000_000)]
        people: usize,
        /// 死亡记录数
        #[arg(long, value_name = "N", default_value_t = 100_000)]
        records: usize,
        /// 工作目录（默认：临时目录）
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// 构建有 N 名参保人的城市（2021–2023 年），测量绩效评价与生成报告的耗时
    Evaluate {
        /// 参保人数
        #[arg(long, value_name = "N", default_value_t = 100_000)]
        people: usize,
        /// 同时测量的 PostgreSQL 服务器（临时建库，测完删除）
        #[arg(
            long,
            value_name = "URL",
            env = "YANGLAO_BENCH_PG",
            hide_env_values = true
        )]
        pg: Option<String>,
        /// 工作目录（默认：临时目录）
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// 向数据库（--db）写入 N 名模拟的待遇领取人员及其待遇核定，供试运行与崩溃测试
    Recipients {
        /// 人数
        #[arg(long, value_name = "N")]
        count: usize,
    },
}

pub fn run(cli: Cli) -> Res {
    match &cli.command {
        Command::Init {
            illustrative_policy,
        } => {
            let mut db = Db::open(&cli.db)?;
            let applied = db.migrate()?;
            let mut loaded = None;
            if *illustrative_policy {
                let actor = "system";
                loaded = db.transaction(|tx| {
                    if yanglao_ops::policy::PolicyBook::read(tx)?.is_empty() {
                        let (source, file) = BUNDLED_POLICY;
                        Ok::<_, OpsError>(Some(yanglao_ops::policy::load(
                            tx, source, file, None, actor,
                        )?))
                    } else {
                        Ok(None)
                    }
                })?;
            }
            if cli.json {
                output::json(
                    &serde_json::json!({"ok": true, "db": db.display_url(), "applied_migrations": applied, "policy_loaded": loaded}),
                );
            } else {
                if applied.is_empty() {
                    println!("数据库 {} 已是最新结构，无需迁移。", db.display_url());
                } else {
                    println!(
                        "数据库 {} 已创建或升级（迁移 {}）。",
                        db.display_url(),
                        applied
                            .iter()
                            .map(|v| v.to_string())
                            .collect::<Vec<_>>()
                            .join("、")
                    );
                }
                match &loaded {
                    Some(l) => println!(
                        "已载入系统自带的示意政策参数“{}”为第 {} 版，自 {} 起适用。",
                        l.name, l.version, l.applies_from
                    ),
                    None if *illustrative_policy => {
                        println!("数据库中已有政策参数，未载入示意参数（用 yanglao policy history 查看）。")
                    }
                    None => {}
                }
            }
            Ok(0)
        }
        Command::Policy(PolicyCmd::Check { file }) => policy_check(&cli, file),
        Command::Policy(PolicyCmd::Load { file, from }) => policy_load(&cli, file, from.as_deref()),
        Command::Policy(PolicyCmd::History) => policy_history(&cli),
        Command::Policy(PolicyCmd::Show { region, date }) => {
            let ctx = open(&cli)?;
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|_| err("E-DATE-FORMAT", format!("日期“{date}”应为 YYYY-MM-DD")))?;
            let version = ctx
                .policy
                .version_on(date)
                .map_err(|e| err(e.code(), e.to_string()))?;
            let params = version
                .set
                .supplementary(region, date)
                .map_err(|e| err(e.code(), e.to_string()))?;
            let v = serde_json::to_value(&params).map_err(|e| err("E-INTERNAL", e.to_string()))?;
            if cli.json {
                output::json(&serde_json::json!({"version": version.info(), "params": v}));
            } else {
                println!(
                    "第 {} 版政策参数“{}”（{}，自 {} 起适用，{} 于 {} 载入）{} 在 {date} 的参数：",
                    version.version,
                    version.name,
                    if version.illustrative {
                        "示意参数"
                    } else {
                        "正式参数"
                    },
                    version.applies_from,
                    version.loaded_by,
                    version.loaded_at,
                    region
                );
                if let serde_json::Value::Object(m) = &v {
                    for (k, val) in m {
                        println!("  {k} = {val}");
                    }
                }
            }
            Ok(0)
        }
        Command::Import(cmd) => {
            let mut ctx = open(&cli)?;
            let mut o = match cmd {
                ImportCmd::Persons(a) => {
                    yanglao_ops::register::persons::import(&mut ctx, &upload(&a.file)?, a.dry_run)?
                }
                ImportCmd::Contributions(a) => yanglao_ops::register::contributions::import(
                    &mut ctx,
                    &upload(&a.file)?,
                    a.dry_run,
                )?,
                ImportCmd::Hardship(a) => {
                    yanglao_ops::register::hardship::import(&mut ctx, &upload(&a.file)?, a.dry_run)?
                }
                ImportCmd::Certifications(a) => yanglao_ops::deaths::certification::import(
                    &mut ctx,
                    &upload(&a.file)?,
                    a.dry_run,
                )?,
                ImportCmd::BankAgreements(a) => yanglao_ops::books::bank::import_agreements(
                    &mut ctx,
                    &upload(&a.file)?,
                    a.dry_run,
                )?,
                ImportCmd::BankStatement(a) => yanglao_ops::books::bank::import_statement(
                    &mut ctx,
                    &upload(&a.file)?,
                    a.dry_run,
                )?,
                ImportCmd::Budget(a) => yanglao_ops::books::budget::import_budget(
                    &mut ctx,
                    &upload(&a.file)?,
                    a.dry_run,
                )?,
                ImportCmd::FundArrivals(a) => yanglao_ops::books::budget::import_arrivals(
                    &mut ctx,
                    &upload(&a.file)?,
                    a.dry_run,
                )?,
                ImportCmd::Survey(a) => {
                    yanglao_ops::evaluation::survey::import(&mut ctx, &upload(&a.file)?, a.dry_run)?
                }
                ImportCmd::BankReturn(a) => yanglao_ops::payroll::bank_return::import(
                    &mut ctx,
                    &upload(&a.file)?,
                    a.dry_run,
                )?,
                ImportCmd::Deaths {
                    file,
                    source,
                    date,
                    dry_run,
                } => {
                    let date = parse_opt_date(date.as_deref(), "--date")?;
                    let source = yanglao_ops::deaths::Source::parse(source).ok_or_else(|| {
                        err(
                            "E-DEATH-SOURCE",
                            format!(
                                "来源“{source}”无效：应为 police、civil-affairs、health 或 village"
                            ),
                        )
                    })?;
                    yanglao_ops::deaths::import(&mut ctx, &upload(file)?, source, *dry_run, date)?
                }
            };
            // The interface writes the error report beside the file.
            let file = match cmd {
                ImportCmd::Deaths { file, .. } => file,
                ImportCmd::Persons(a)
                | ImportCmd::Contributions(a)
                | ImportCmd::Hardship(a)
                | ImportCmd::Certifications(a)
                | ImportCmd::BankAgreements(a)
                | ImportCmd::BankStatement(a)
                | ImportCmd::Budget(a)
                | ImportCmd::FundArrivals(a)
                | ImportCmd::Survey(a)
                | ImportCmd::BankReturn(a) => &a.file,
            };
            output::write_error_report(file, &mut o);
            if cli.json {
                output::json(&o);
            } else {
                output::import(&o);
            }
            Ok(if o.ok() { 0 } else { 1 })
        }
        Command::Contributions(ContributionsCmd::GovPay { year, county, date }) => {
            let date = parse_opt_date(date.as_deref(), "--date")?;
            let mut ctx = open(&cli)?;
            let o = yanglao_ops::register::govpay::run(&mut ctx, *year, county.as_deref(), date)?;
            if cli.json {
                output::json(&o);
            } else {
                println!(
                    "{year} 年政府代缴：本次新增 {} 人，合计 {}。",
                    o.persons,
                    output::yuan(o.amount_fen)
                );
                for c in &o.counties {
                    println!(
                        "  {} {}：新增 {} 人 {}（含缴费补贴 {}），此前已代缴 {} 人",
                        c.county,
                        county_name(&c.county).unwrap_or(""),
                        c.persons,
                        output::yuan(c.amount_fen),
                        output::yuan(c.entry_subsidy_fen),
                        c.already_paid
                    );
                }
            }
            Ok(0)
        }
        Command::Interest(InterestCmd::Credit { year, county }) => {
            let mut ctx = open(&cli)?;
            let o = yanglao_ops::register::interest::credit(&mut ctx, *year, county.as_deref())?;
            if cli.json {
                output::json(&o);
            } else {
                println!("{year} 年个人账户记账利息：");
                if o.counties.is_empty() {
                    println!("  没有需要计息的个人账户。");
                }
                for c in &o.counties {
                    println!(
                        "  {} {}：利率 {}，{} 个账户，合计 {}{}",
                        c.county,
                        county_name(&c.county).unwrap_or(""),
                        c.rate,
                        c.persons,
                        output::yuan(c.total_fen),
                        if c.already_credited {
                            "（此前已记账，本次未重复记账）"
                        } else {
                            ""
                        }
                    );
                }
            }
            Ok(0)
        }
        Command::Person(PersonCmd::Show { citizen_id }) => {
            let mut ctx = open(&cli)?;
            let v = yanglao_ops::register::status::show(
                &mut ctx,
                citizen_id,
                chrono::Local::now().date_naive(),
            )?;
            if cli.json {
                output::json(&v);
            } else {
                // 享年 only for a death an official source confirms; a village report alone is
                // shown as pending, with the age today.
                let confirmed = v.death.as_ref().is_some_and(|d| d["official"] == true);
                println!(
                    "{} {}（{}，{} 生，{}{} 岁，{}）",
                    v.citizen_id,
                    v.name,
                    county_name(&v.county).unwrap_or(&v.county),
                    v.birth_date,
                    if confirmed { "享年 " } else { "" },
                    v.age,
                    if v.sex == "M" { "男" } else { "女" }
                );
                println!(
                    "基本养老保险：{}",
                    if v.basic_enrolled {
                        "已参保"
                    } else {
                        "未参保"
                    }
                );
                println!(
                    "联系电话：{}；开户银行：{} {}",
                    v.phone.as_deref().unwrap_or("—"),
                    v.bank_name.as_deref().unwrap_or("—"),
                    v.bank_account.as_deref().unwrap_or("")
                );
                println!(
                    "当前状态：{}{}",
                    status_zh(&v.current_status),
                    if v.uncertified {
                        "（逾期未资格认证：暂不列入每月发放，认证后补发停发的月份）"
                    } else {
                        ""
                    }
                );
                for y in &v.years {
                    let how = match (y.self_paid, y.government_paid) {
                        (true, true) => "（个人缴费＋政府代缴）",
                        (true, false) => "（个人缴费）",
                        (false, true) => "（政府代缴）",
                        _ => "",
                    };
                    println!("  {} 年：{}{how}", y.year, status_zh(y.status));
                }
                if let Some(d) = &v.death {
                    println!(
                        "{}：{}（{}）{}",
                        if confirmed {
                            "死亡（官方确认）"
                        } else {
                            "村报去世（待官方确认）"
                        },
                        d["date"].as_str().unwrap_or(""),
                        yanglao_ops::deaths::source_zh(d["source"].as_str().unwrap_or("")),
                        if d["disagreement"] == true {
                            "；各来源死亡日期不一致："
                        } else {
                            ""
                        }
                    );
                    if d["disagreement"] == true {
                        for r in &v.death_records {
                            println!(
                                "    {} {} {}（{}）",
                                yanglao_ops::deaths::source_zh(r["source"].as_str().unwrap_or("")),
                                r["source_ref"].as_str().unwrap_or(""),
                                r["date"].as_str().unwrap_or(""),
                                yanglao_ops::deaths::match_status_zh(
                                    r["status"].as_str().unwrap_or("")
                                )
                            );
                        }
                    }
                }
                for e in &v.events {
                    println!(
                        "  {}：{}{}（{}）",
                        e.effective_date,
                        e.status.label_zh(),
                        e.reason
                            .as_deref()
                            .map(|r| format!("，原因：{r}"))
                            .unwrap_or_default(),
                        output::who(&e.recorded_by)
                    );
                }
            }
            Ok(0)
        }
        Command::Person(PersonCmd::Status {
            citizen_id,
            status,
            reason,
            date,
        }) => {
            let decision =
                yanglao_ops::register::status::Decision::parse(status).ok_or_else(|| {
                    err(
                        "E-STATUS-UNKNOWN",
                        format!(
                            "状态“{status}”无效：应为 receiving、suspended、resumed 或 terminated"
                        ),
                    )
                })?;
            let date = parse_date_or_today(date.as_deref())?;
            let mut ctx = open(&cli)?;
            let e = yanglao_ops::register::status::record(
                &mut ctx,
                citizen_id,
                decision,
                reason.as_deref(),
                date,
            )?;
            if cli.json {
                output::json(&e);
            } else {
                println!(
                    "已记录：{} 起{}{}",
                    e.effective_date,
                    e.status.label_zh(),
                    e.reason
                        .as_deref()
                        .map(|r| format!("，原因：{r}"))
                        .unwrap_or_default()
                );
            }
            Ok(0)
        }
        Command::Account(AccountCmd::Show { citizen_id }) => {
            let mut ctx = open(&cli)?;
            let s = yanglao_ops::register::accounts::show(&mut ctx, citizen_id)?;
            if cli.json {
                output::json(&s);
            } else {
                println!(
                    "{} {}（{}，{} 生，{}）",
                    s.citizen_id,
                    s.name,
                    county_name(&s.county).unwrap_or(&s.county),
                    s.birth_date,
                    if s.sex == "M" { "男" } else { "女" }
                );
                println!("个人账户余额：{}", output::yuan(s.balance_fen));
                println!(
                    "  个人缴费 {}；缴费补贴 {}；政府代缴 {}；利息 {}",
                    output::yuan(s.personal_fen),
                    output::yuan(s.subsidy_fen),
                    output::yuan(s.government_paid_fen),
                    output::yuan(s.interest_fen)
                );
                println!(
                    "缴费年度：{}",
                    yanglao_ops::register::accounts::years_zh(&s.contribution_years)
                );
                println!(
                    "{:<12}{:<10}{:>6}{:>14}  凭证/票据",
                    "日期", "类别", "年度", "金额"
                );
                for m in &s.movements {
                    let kind = yanglao_ops::register::accounts::movement_kind_zh(&m.kind);
                    println!(
                        "{:<12}{:<10}{:>6}{:>14}  #{} {}",
                        m.date.to_string(),
                        kind,
                        m.year,
                        yanglao_domain::format_yuan(m.amount_fen),
                        m.entry_id,
                        m.reference
                    );
                }
            }
            Ok(0)
        }
        Command::Ledger(LedgerCmd::Verify) => {
            let mut ctx = open(&cli)?;
            let r = ctx.db.read_transaction(yanglao_ops::ledger::verify)?;
            if cli.json {
                output::json(&r);
            } else {
                println!(
                    "账务核对：{} 张凭证，{} 条分录，{} 条个人账户明细。",
                    r.entries, r.lines, r.movements
                );
                for c in &r.checks {
                    println!("  检查：{c}");
                }
                for (county, fen) in &r.fund_by_county {
                    println!(
                        "  {county} {}：基金资产 {}",
                        county_name(county).unwrap_or(""),
                        output::yuan(*fen)
                    );
                }
                if r.ok {
                    println!("全部通过。");
                } else {
                    for b in &r.breaches {
                        println!("  违反 [{}] {}：{}", b.code, b.county, b.message);
                    }
                    println!("发现 {} 处问题。", r.breaches.len());
                }
            }
            Ok(if r.ok { 0 } else { 1 })
        }
        Command::Awards(AwardsCmd::Run { month, county }) => {
            let month = parse_month(month)?;
            let mut ctx = open(&cli)?;
            let o = yanglao_ops::payroll::awards::run(&mut ctx, month, county.as_deref())?;
            if cli.json {
                output::json(&o);
            } else {
                println!("{month} 待遇核定：新增 {} 人。", o.awarded);
                for c in &o.counties {
                    println!(
                        "  {} {}：核定 {} 人，月待遇合计 {}；已到领取年龄但缴费年限不足 {} 人",
                        c.county,
                        county_name(&c.county).unwrap_or(""),
                        c.awarded,
                        output::yuan(c.monthly_fen),
                        c.insufficient_years
                    );
                }
            }
            Ok(0)
        }
        Command::Payroll(cmd) => crate::payroll_cli::run(&cli, cmd),
        Command::Simulate(cmd) => crate::sim_cli::run(&cli, cmd),
        Command::Deaths(cmd) => crate::deaths_cli::deaths(&cli, cmd),
        Command::Recovery(cmd) => crate::deaths_cli::recovery(&cli, cmd),
        Command::Users(cmd) => crate::users_cli::users(&cli, cmd),
        Command::Audit(cmd) => crate::lists_cli::audit(&cli, cmd),
        Command::Person(PersonCmd::List {
            county,
            status,
            text,
            page,
        }) => crate::lists_cli::people(
            &cli,
            county.as_deref(),
            status.as_deref(),
            text.as_deref(),
            page,
        ),
        Command::Inheritance(cmd) => crate::deaths_cli::inheritance(&cli, cmd),
        Command::Budget(cmd) => crate::books_cli::budget(&cli, cmd),
        Command::Fund(cmd) => crate::books_cli::fund(&cli, cmd),
        Command::Report {
            year,
            out,
            framework,
            worksheet,
        } => crate::eval_cli::report(&cli, *year, out, framework.as_deref(), worksheet.as_deref()),
        Command::Demo {
            out,
            scale,
            seed,
            verify,
        } => crate::eval_cli::demo(&cli, out, *scale, *seed, *verify),
        Command::Enrolment { from, to } => crate::eval_cli::enrolment(&cli, *from, *to),
        Command::Outreach(OutreachCmd::List { year, county, out }) => {
            crate::eval_cli::outreach(&cli, *year, county.as_deref(), out)
        }
        Command::Evaluate {
            year,
            framework,
            worksheet,
            worksheet_template,
        } => crate::eval_cli::evaluate(
            &cli,
            crate::eval_cli::EvaluateArgs {
                year: *year,
                framework: framework.as_deref(),
                worksheet: worksheet.as_deref(),
                worksheet_template: worksheet_template.as_ref(),
            },
        ),
        Command::Bench(BenchCmd::Payroll {
            recipients,
            pg,
            dir,
            backend,
        }) => crate::quickstart::bench_payroll(
            &cli,
            *recipients,
            pg.as_deref(),
            dir.as_deref(),
            backend.as_deref(),
        ),
        Command::Bench(BenchCmd::Deaths {
            people,
            records,
            dir,
        }) => {
            let policy = BUNDLED_POLICY.0;
            let dir = dir.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("yanglao-bench-deaths-{}", std::process::id()))
            });
            std::fs::create_dir_all(&dir)
                .map_err(|e| err("E-IO", yanglao_domain::io_error_zh(&e)))?;
            let db_path = dir.join("bench-deaths.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
            }
            let bar = crate::payroll_cli::progress_bar(&cli, "基准测试");
            let f = crate::bench_run::run_deaths_bench(
                &format!("sqlite://{}", db_path.display()),
                policy,
                *people,
                *records,
                &dir,
                &|label, i, n| {
                    bar.update(Some(label), i, n);
                },
            )?;
            bar.finish_and_clear();
            if cli.json {
                output::json(&f);
            } else {
                println!(
                    "{} 条死亡记录对 {} 人：匹配（校验与匹配，不写入）{:.2} 秒；完整导入（含死亡生效）{:.2} 秒；匹配 {} 条；峰值内存 {:.0} MiB",
                    f.records, f.people, f.matching_s, f.import_s, f.matched, f.peak_rss_mib
                );
            }
            Ok(0)
        }
        Command::Bench(BenchCmd::Evaluate { people, pg, dir }) => {
            crate::eval_cli::bench(&cli, *people, pg.as_deref(), dir.as_deref())
        }
        Command::Bench(BenchCmd::Recipients { count }) => {
            let mut ctx = open(&cli)?;
            ctx.policy.require()?;
            let book = ctx.policy.clone();
            let bar = crate::payroll_cli::progress_bar(&cli, "生成领取人员");
            yanglao_testdata::setup_recipients(&mut ctx.db, &book, *count, &|i, n| {
                bar.update(None, i, n);
            })?;
            bar.finish_and_clear();
            if cli.json {
                output::json(&serde_json::json!({"recipients": count}));
            } else {
                println!("已生成 {count} 名待遇领取人员及其待遇核定。");
            }
            Ok(0)
        }
        Command::Bench(BenchCmd::Import { rows, pg, dir }) => {
            crate::quickstart::bench(&cli, *rows, pg.as_deref(), dir.as_deref())
        }
        Command::Quickstart { out } => crate::quickstart::run(&cli, out),
    }
}

fn status_zh(s: &str) -> &str {
    match s {
        "registered" => "已登记，未缴费",
        "contributing" => "缴费",
        "lapsed" => "断缴",
        "receiving" => "领取待遇",
        "suspended" => "暂停发放",
        "terminated" => "终止",
        other => other,
    }
}

fn policy_check(cli: &Cli, file: &PathBuf) -> Res {
    let source = std::fs::read_to_string(file).map_err(|e| {
        err(
            "E-POLICY-IO",
            format!(
                "无法读取 {}：{}",
                file.display(),
                yanglao_domain::io_error_zh(&e)
            ),
        )
    })?;
    let problems = yanglao_policy::check_str(&source);
    let errors = problems
        .iter()
        .filter(|p| p.severity == yanglao_policy::Severity::Error)
        .count();
    if cli.json {
        output::json(
            &serde_json::json!({"file": file.display().to_string(), "ok": errors == 0, "problems": problems}),
        );
    } else {
        for p in &problems {
            println!("{}:{}", file.display(), p);
        }
        if errors == 0 {
            println!(
                "{}：检查通过（{} 条警告）。",
                file.display(),
                problems.len()
            );
        } else {
            println!(
                "{}：{} 处错误，{} 条警告。",
                file.display(),
                errors,
                problems.len() - errors
            );
        }
    }
    Ok(if errors == 0 { 0 } else { 1 })
}

fn policy_load(cli: &Cli, file: &PathBuf, from: Option<&str>) -> Res {
    let source = std::fs::read_to_string(file).map_err(|e| {
        err(
            "E-POLICY-IO",
            format!("无法读取政策参数文件 {}：{}", file.display(), io_zh(&e)),
        )
    })?;
    let from = from
        .map(|d| {
            yanglao_domain::parse_date(d).map_err(|e| err(e.code, format!("--from：{}", e.message)))
        })
        .transpose()?;
    let mut ctx = open(cli)?;
    let name = file.display().to_string();
    let o = yanglao_ops::policy::load_version(&mut ctx, &source, &name, from)?;
    if cli.json {
        output::json(&o);
    } else {
        for w in &o.warnings {
            println!("{w}");
        }
        if o.already_loaded {
            println!(
                "{name} 与现行第 {} 版政策参数内容相同，未重复载入。",
                o.version
            );
        } else {
            println!(
                "已载入 {name} 为第 {} 版政策参数“{}”（{}），自 {} 起适用；此后的记账与核定都按它执行。",
                o.version,
                o.name,
                if o.illustrative { "示意参数" } else { "正式参数" },
                o.applies_from
            );
        }
    }
    Ok(0)
}

fn policy_history(cli: &Cli) -> Res {
    let ctx = open(cli)?;
    let versions: Vec<yanglao_ops::policy::VersionInfo> =
        ctx.policy.versions().iter().map(|v| v.info()).collect();
    if cli.json {
        output::json(&versions);
    } else if versions.is_empty() {
        println!("数据库中没有政策参数：请用 yanglao policy load 文件 载入。");
    } else {
        println!("版本  适用日期     名称  类别  内容摘要(SHA-256)  载入人  载入时间  文件");
        for v in &versions {
            println!(
                "{:>4}  {}  {}  {}  {}…  {}  {}  {}",
                v.version,
                v.applies_from,
                v.name,
                if v.illustrative {
                    "示意参数"
                } else {
                    "正式参数"
                },
                &v.sha256[..16],
                v.loaded_by,
                v.loaded_at,
                v.file_name
            );
        }
    }
    Ok(0)
}

/// A file error as a user reads it.
fn io_zh(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".into(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
        std::io::ErrorKind::InvalidData => "不是 UTF-8 编码的文本".into(),
        _ => format!(
            "读取失败（系统错误 {}）",
            e.raw_os_error().unwrap_or_default()
        ),
    }
}
