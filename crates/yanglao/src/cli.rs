//! Command-line interface: the commands and the dispatch to the area files (`register_cli.rs`,
//! `payroll_cli.rs`, …), which share `context.rs`; none of them imports from this file.

use crate::bench_cli::BenchCmd;
use crate::books_cli::{BudgetCmd, FundCmd, LedgerCmd};
use crate::context::{Global, Res};
use crate::deaths_cli::{DeathsCmd, InheritanceCmd, RecoveryCmd};
use crate::eval_cli::OutreachCmd;
use crate::payroll_cli::{AwardsCmd, PayrollCmd};
use crate::policy_cli::PolicyCmd;
use crate::register_cli::{AccountCmd, ContributionsCmd, ImportCmd, InterestCmd, PersonCmd};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

// What these definitions say is what `--help` shows: the doc comments are in Chinese because
// people read them; clap's own words are put in Chinese by help.rs. Each doc comment is one
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
        /// 要求数据库是 Citus 集群的协调节点，并按县区分布参保人相关表、其余为参考表（在协调节点上建库时本就如此；用于先在单机 PostgreSQL 上运行、后加入 Citus 的数据库）
        #[arg(long)]
        distributed: bool,
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
    /// 评价信息：封面所列单位、依据文件与日期，以及评价人撰写的总体评价、问题原因与整改情况（报告照录）
    Particulars {
        /// 评价年度
        #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
        year: i32,
        /// 评价信息文件（xlsx 或 CSV：项目、内容两列，每行一项）
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// 设置一项：项目=内容（项目可写名称或代码，如 评价机构=某评估公司；内容为空即清除）
        #[arg(long = "set", value_name = "项目=内容")]
        set: Vec<String>,
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
    /// 启动网页服务：各县区经办员、审核员、市级管理员、财政局和评价机构在浏览器中登录办理
    Serve(crate::serve_cli::ServeArgs),
    /// 小型示例：导入系统自带的参保人、困难群体和 2021–2023 年缴费，完成政府代缴、记账利息并核对账簿
    Quickstart {
        /// 示例文件写入的目录
        #[arg(long, value_name = "DIR", default_value = "yanglao-example")]
        out: PathBuf,
    },
}

pub fn run(cli: Cli) -> Res {
    let g = &cli.global;
    match &cli.command {
        Command::Init {
            illustrative_policy,
            distributed,
        } => crate::policy_cli::init(g, *illustrative_policy, *distributed),
        Command::Policy(cmd) => crate::policy_cli::policy(g, cmd),
        Command::Import(cmd) => crate::register_cli::import(g, cmd),
        Command::Contributions(cmd) => crate::register_cli::contributions(g, cmd),
        Command::Interest(cmd) => crate::register_cli::interest(g, cmd),
        Command::Person(cmd) => crate::register_cli::person(g, cmd),
        Command::Account(cmd) => crate::register_cli::account(g, cmd),
        Command::Ledger(cmd) => crate::books_cli::ledger(g, cmd),
        Command::Awards(cmd) => crate::payroll_cli::awards(g, cmd),
        Command::Payroll(cmd) => crate::payroll_cli::run(g, cmd),
        Command::Simulate(cmd) => crate::sim_cli::run(g, cmd),
        Command::Deaths(cmd) => crate::deaths_cli::deaths(g, cmd),
        Command::Recovery(cmd) => crate::deaths_cli::recovery(g, cmd),
        Command::Users(cmd) => crate::users_cli::users(g, cmd),
        Command::Audit(cmd) => crate::lists_cli::audit(g, cmd),
        Command::Inheritance(cmd) => crate::deaths_cli::inheritance(g, cmd),
        Command::Budget(cmd) => crate::books_cli::budget(g, cmd),
        Command::Fund(cmd) => crate::books_cli::fund(g, cmd),
        Command::Report {
            year,
            out,
            framework,
            worksheet,
        } => crate::eval_cli::report(g, *year, out, framework.as_deref(), worksheet.as_deref()),
        Command::Demo {
            out,
            scale,
            seed,
            verify,
        } => crate::eval_cli::demo(g, out, *scale, *seed, *verify),
        Command::Enrolment { from, to } => crate::eval_cli::enrolment(g, *from, *to),
        Command::Outreach(OutreachCmd::List {
            year,
            county,
            age_from,
            age_to,
            place,
            out,
        }) => {
            let filter = yanglao_ops::evaluation::enrolment::OutreachFilter {
                county: county.clone(),
                age_from: *age_from,
                age_to: *age_to,
                place: place.clone(),
            };
            crate::eval_cli::outreach(g, *year, &filter, out)
        }
        Command::Evaluate {
            year,
            framework,
            worksheet,
            worksheet_template,
        } => crate::eval_cli::evaluate(
            g,
            crate::eval_cli::EvaluateArgs {
                year: *year,
                framework: framework.as_deref(),
                worksheet: worksheet.as_deref(),
                worksheet_template: worksheet_template.as_ref(),
            },
        ),
        Command::Particulars { year, file, set } => {
            crate::eval_cli::particulars(g, *year, file.as_deref(), set)
        }
        Command::Bench(cmd) => crate::bench_cli::bench(g, cmd),
        Command::Serve(a) => crate::serve_cli::serve(g, a),
        Command::Quickstart { out } => crate::quickstart::run(g, out),
    }
}
