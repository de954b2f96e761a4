//! Command-line interface: parsing and wiring of the use cases.

use crate::output;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use yanglao_domain::county_name;
use yanglao_ops::{Ctx, OpsError};
use yanglao_policy::PolicySet;
use yanglao_store::Db;

#[derive(Parser)]
#[command(
    name = "yanglao",
    version,
    about = "养老：城乡居民补充养老保险经办与绩效评价系统"
)]
pub struct Cli {
    /// Database: sqlite://PATH (default) or postgres://USER@HOST:PORT/DB
    #[arg(
        long,
        global = true,
        env = "YANGLAO_DB",
        default_value = "sqlite://yanglao.db"
    )]
    pub db: String,
    /// Who is acting (recorded in the audit log)
    #[arg(long = "by", global = true, env = "YANGLAO_USER")]
    pub by: Option<String>,
    /// Machine-readable JSON output
    #[arg(long, global = true)]
    pub json: bool,
    /// More log output on stderr
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create or migrate the database schema
    Init {
        /// Also load the bundled illustrative Shanxi policy as the first policy version, if the
        /// database has none
        #[arg(long)]
        illustrative_policy: bool,
    },
    /// Policy parameter files
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// Import a file (validated whole first; all or nothing; idempotent)
    #[command(subcommand)]
    Import(ImportCmd),
    /// Contributions
    #[command(subcommand)]
    Contributions(ContributionsCmd),
    /// Individual-account interest
    #[command(subcommand)]
    Interest(InterestCmd),
    /// The register: a person's entry, status history and decisions
    #[command(subcommand)]
    Person(PersonCmd),
    /// Individual accounts
    #[command(subcommand)]
    Account(AccountCmd),
    /// The fund ledger
    #[command(subcommand)]
    Ledger(LedgerCmd),
    /// Benefit awards (待遇核定)
    #[command(subcommand)]
    Awards(AwardsCmd),
    /// The monthly benefit payroll (待遇发放)
    #[command(subcommand)]
    Payroll(PayrollCmd),
    /// Death records and their review queue
    #[command(subcommand)]
    Deaths(DeathsCmd),
    /// Overpayment recovery
    #[command(subcommand)]
    Recovery(RecoveryCmd),
    /// The individual-account balance paid to heirs
    #[command(subcommand)]
    Inheritance(InheritanceCmd),
    /// The fund's books
    #[command(subcommand)]
    Fund(FundCmd),
    /// Subsidy budgets and their execution
    #[command(subcommand)]
    Budget(BudgetCmd),
    /// The performance evaluation (绩效评价): every indicator scored from the data, the surveys and
    /// the evaluator's worksheet
    Evaluate {
        #[arg(long, value_parser = crate::args::year)]
        year: i32,
        /// Indicator framework (TOML; default: the bundled 2023 Yangquan framework)
        #[arg(long)]
        framework: Option<PathBuf>,
        /// The evaluator's worksheet (xlsx/csv: 指标代码, 类型, 分值, 理由, 证据)
        #[arg(long)]
        worksheet: Option<PathBuf>,
        /// Write a worksheet template for the year to this xlsx file instead of scoring
        #[arg(long)]
        worksheet_template: Option<PathBuf>,
    },
    /// The evaluation report: Word (.docx), HTML and an xlsx annex with every table, generated from
    /// the data after checking that its figures agree
    Report {
        #[arg(long, value_parser = crate::args::year)]
        year: i32,
        /// Directory to write into
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        framework: Option<PathBuf>,
        #[arg(long)]
        worksheet: Option<PathBuf>,
    },
    /// Enrolment analysis: contributors, new joiners, returners and lapses by county, age group and
    /// tier, year by year
    Enrolment {
        #[arg(long, value_parser = crate::args::year)]
        from: i32,
        #[arg(long, value_parser = crate::args::year)]
        to: i32,
    },
    /// Outreach: basic-scheme members not contributing to the supplementary scheme
    #[command(subcommand)]
    Outreach(OutreachCmd),
    /// The policy simulator (政策测算): what each scheme gives a resident, comparisons, reforms and
    /// the fund's future
    #[command(subcommand)]
    Simulate(crate::sim_cli::SimulateCmd),
    /// Benchmarks
    #[command(subcommand)]
    Bench(BenchCmd),
    /// Yangquan 2021–2023 rebuilt from the evaluation report: synthetic data, three years of
    /// operations through the system's own use cases, and the 2023 evaluation report
    Demo {
        /// Where to write the generated files and the report
        #[arg(long, default_value = "yanglao-demo")]
        out: PathBuf,
        /// 1 is the city's real size; 0.01 a hundredth of it
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        #[arg(long, default_value_t = 2023)]
        seed: u64,
        /// Exit with an error unless every published figure is reproduced
        #[arg(long)]
        verify: bool,
    },
    /// Import the bundled small example (persons, hardship groups, 2021–2023 contributions),
    /// pay the government-paid contributions, credit interest and verify the ledger
    Quickstart {
        /// Where to write the example files
        #[arg(long, default_value = "yanglao-example")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum OutreachCmd {
    /// Write the list of a year (xlsx), with age and last contribution year
    List {
        #[arg(long, value_parser = crate::args::year)]
        year: i32,
        #[arg(long)]
        county: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum PolicyCmd {
    /// Report every problem of a policy file, with its line (nothing is loaded)
    Check { file: PathBuf },
    /// Store a version of the policy in the database, applying from a date
    Load {
        file: PathBuf,
        /// The date from which this version applies (the first version: default its earliest
        /// complete date, and it covers everything before; a newer version: required, after
        /// every posted entry)
        #[arg(long)]
        from: Option<String>,
    },
    /// Print the stored parameters in force for a region on a date
    Show {
        #[arg(long)]
        region: String,
        #[arg(long)]
        date: String,
    },
    /// Every stored policy version: its date, content hash, who loaded it and when
    History,
}

#[derive(Subcommand)]
pub enum ImportCmd {
    /// The register of basic-scheme members (身份证号, 姓名, 县区代码, 联系电话, 开户银行, 银行账号, 基本养老保险参保)
    Persons(ImportArgs),
    /// Contributions (身份证号, 姓名, 缴费年度, 缴费金额(元), 缴费日期, 票据号)
    Contributions(ImportArgs),
    /// Hardship-group memberships (身份证号, 姓名, 困难类别, 认定日期, 终止日期)
    Hardship(ImportArgs),
    /// Eligibility certifications (身份证号, 姓名, 认证日期, 认证方式: 数据比对 / 人脸识别 / 上门核查)
    Certifications(ImportArgs),
    /// The fund's special accounts and their interest agreements (县区代码, 开户银行, 账号, 约定利率(%), 计息基础, 结息频率, 生效日期, 终止日期)
    BankAgreements(ImportArgs),
    /// Bank statements: end-of-day balances and interest credits (账号, 日期, 类型, 金额(元); 计息起始日, 计息终止日 optional)
    BankStatement(ImportArgs),
    /// Subsidy budgets (年度, 级次, 类别, 金额(元); 县区代码 optional)
    Budget(ImportArgs),
    /// Subsidy money arrived from each level (年度, 级次, 类别, 县区代码, 到位日期, 金额(元), 凭证号)
    FundArrivals(ImportArgs),
    /// Survey questionnaires (问卷编号, 年度, 县区代码, 受访者类型, 是否知晓政策, 满意度)
    Survey(ImportArgs),
    /// The banks' results of a payroll (批次号, 序号, 身份证号, 银行账号, 金额(元), 结果, 失败原因, 入账日期)
    BankReturn(ImportArgs),
    /// Death records of one source (身份证号, 姓名, 死亡日期, 来源编号; 出生日期 and 县区代码 help match records without a valid ID)
    Deaths {
        file: PathBuf,
        /// police | civil-affairs | health | village
        #[arg(long)]
        source: String,
        /// The date the file was processed: the business date of every record without a 报告日期
        /// (required when the file has no such column)
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
pub enum DeathsCmd {
    /// Deaths whose sources disagree on the date: the date in force and every record
    Disagreements,
    /// The review queue of records matched on name, birth date and county; confirm or reject one
    Review {
        #[arg(long, conflicts_with = "reject")]
        confirm: Option<i64>,
        #[arg(long)]
        reject: Option<i64>,
        /// The date of the decision (required to confirm): the death's effects are posted on it
        #[arg(long)]
        date: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum BudgetCmd {
    /// Budget, arrived and spent by level and kind, with execution and arrival rates
    Execution {
        #[arg(long, value_parser = crate::args::year)]
        year: i32,
        /// Lines executed below this fraction are flagged
        #[arg(long, default_value_t = 0.9)]
        threshold: f64,
    },
}

#[derive(Subcommand)]
pub enum FundCmd {
    /// Every interest credit of the year that falls short of its agreement
    InterestCheck {
        #[arg(long, value_parser = crate::args::year)]
        year: i32,
    },
    /// The year's fund statement from the ledger: brought forward, income and expenditure by
    /// category, surplus and closing balance
    Statement {
        #[arg(long, value_parser = crate::args::year)]
        year: i32,
        #[arg(long)]
        county: Option<String>,
        /// Also write it as an xlsx workbook
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum InheritanceCmd {
    /// Pay a deceased person's individual-account balance to the heir (after offsetting any overpayment)
    Pay {
        citizen_id: String,
        #[arg(long)]
        heir_name: String,
        #[arg(long)]
        heir_id: String,
        #[arg(long)]
        heir_bank: String,
        #[arg(long)]
        heir_account: String,
        /// Payment date (YYYY-MM-DD), required: the entry's date
        #[arg(long)]
        date: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum RecoveryCmd {
    /// One case: the overpaid lines and every recovery step with its date and note
    Show { case_id: i64 },
    /// Figures for the evaluation: cases, amounts overpaid, recovered and outstanding, and payments
    /// to deceased people stopped before they were made, by county and year
    Figures {
        #[arg(long, value_parser = crate::args::year)]
        year: Option<i32>,
    },
    /// Record a recovery step: bank-deduction, offset, family-refund, enforcement or write-off
    Record {
        case_id: i64,
        #[arg(long)]
        channel: String,
        /// Amount in yuan
        #[arg(long)]
        amount: String,
        /// Date the money came back (YYYY-MM-DD), required: the entry's date
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Overpayment recovery cases (多领冒领追回)
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        county: Option<String>,
        #[arg(long, value_parser = crate::args::year)]
        year: Option<i32>,
    },
}

#[derive(Subcommand)]
pub enum AwardsCmd {
    /// Award benefits to everyone newly qualifying by the month
    Run {
        #[arg(long)]
        month: String,
        #[arg(long)]
        county: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum PayrollCmd {
    /// Build the month's draft payroll per county (or report the one that exists)
    Run {
        #[arg(long)]
        month: String,
        #[arg(long)]
        county: Option<String>,
        /// Re-issue the payments the banks returned as failed
        #[arg(long)]
        supplementary: bool,
    },
    /// List payrolls
    List {
        #[arg(long)]
        month: Option<String>,
    },
    /// Anomalies to look at before approval
    Check {
        id: i64,
        /// Report monthly amounts that changed by more than this percentage
        #[arg(long, default_value_t = 20)]
        threshold_pct: i64,
    },
    /// Approve a draft (by someone other than its maker; --by USER); refused while a line is no
    /// longer payable
    Approve { id: i64 },
    /// Take the lines no longer payable (suspended, terminated, deceased, death record awaiting
    /// review, uncertified) out of a draft or approved payroll; an approved one goes back to draft
    Refresh { id: i64 },
    /// Write the payment plan (xlsx) and one payment file per bank
    Export {
        id: i64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Each county's state for the month and the days left until the 15th
    Status {
        #[arg(long)]
        month: String,
    },
}

#[derive(clap::Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// Validate only; write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Subcommand)]
pub enum ContributionsCmd {
    /// Post the government-paid contributions of the year's hardship groups
    GovPay {
        #[arg(long, value_parser = crate::args::year)]
        year: i32,
        #[arg(long)]
        county: Option<String>,
        /// The payment date (default 31 December of the year; needed while the year runs)
        #[arg(long)]
        date: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum InterestCmd {
    /// Credit the year's interest to every individual account
    Credit {
        #[arg(long, value_parser = crate::args::year)]
        year: i32,
        #[arg(long)]
        county: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum PersonCmd {
    /// Register entry, yearly status (contributing / lapsed) and recorded decisions
    Show { citizen_id: String },
    /// Record a decision: receiving, suspended, resumed, or terminated (with --reason)
    Status {
        citizen_id: String,
        #[arg(long = "set")]
        status: String,
        #[arg(long)]
        reason: Option<String>,
        /// Effective date (YYYY-MM-DD); default today
        #[arg(long)]
        date: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum AccountCmd {
    /// A person's statement: every movement and the balance by component
    Show { citizen_id: String },
}

#[derive(Subcommand)]
pub enum LedgerCmd {
    /// Check every invariant of the books; exits non-zero on any breach
    Verify,
}

#[derive(Subcommand)]
pub enum BenchCmd {
    /// Generate N contribution rows with their persons and time their import
    Import {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// PostgreSQL server to measure too (a scratch database is created and dropped)
        #[arg(long, env = "YANGLAO_BENCH_PG")]
        pg: Option<String>,
        /// Keep the generated files and SQLite database here
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Time a month's payroll run with its checks and its exports against a bare bulk insert
    Payroll {
        #[arg(long, default_value_t = 100_000)]
        recipients: usize,
        /// PostgreSQL server to measure too (a scratch database is created and dropped)
        #[arg(long, env = "YANGLAO_BENCH_PG")]
        pg: Option<String>,
        /// Keep the SQLite database and the exports here
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Measure one backend in this process (the command runs each backend in its own process)
        #[arg(long, hide = true)]
        backend: Option<String>,
    },
    /// Time matching death records against the register (SQLite)
    Deaths {
        #[arg(long, default_value_t = 1_000_000)]
        people: usize,
        #[arg(long, default_value_t = 100_000)]
        records: usize,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Build a city of N insured people (2021–2023) and time the evaluation and the report
    Evaluate {
        #[arg(long, default_value_t = 100_000)]
        people: usize,
        /// PostgreSQL server to measure too (a scratch database is created and dropped)
        #[arg(long, env = "YANGLAO_BENCH_PG")]
        pg: Option<String>,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Put N synthetic recipients with awards into the database (--db), for trials and crash tests
    Recipients {
        #[arg(long)]
        count: usize,
    },
}

/// A failure with its stable code.
pub struct CliError {
    pub code: String,
    pub message: String,
}

impl From<OpsError> for CliError {
    fn from(e: OpsError) -> Self {
        let code = e.code();
        let message = match &e {
            OpsError::Rule { message, .. } => message.clone(),
            OpsError::File(f) => format!("文件 {}：{}", f.file, f.message),
            // The store's messages begin with their code, which is printed beside them once.
            other => {
                let text = other.to_string();
                text.strip_prefix(&format!("[{code}] "))
                    .map(str::to_string)
                    .unwrap_or(text)
            }
        };
        CliError {
            code: code.to_string(),
            message,
        }
    }
}

impl From<yanglao_store::StoreError> for CliError {
    fn from(e: yanglao_store::StoreError) -> Self {
        OpsError::from(e).into()
    }
}

impl From<yanglao_policy::PolicyLoadError> for CliError {
    fn from(e: yanglao_policy::PolicyLoadError) -> Self {
        CliError {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}

pub(crate) fn err(code: &str, message: impl Into<String>) -> CliError {
    CliError {
        code: code.to_string(),
        message: message.into(),
    }
}

type Res = Result<i32, CliError>;

fn actor(cli: &Cli) -> String {
    cli.by
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "system".to_string())
}

/// The source of the bundled illustrative supplementary policy and its file name (benchmarks
/// and `init --illustrative-policy`).
pub(crate) const BUNDLED_POLICY: (&str, &str) = (
    yanglao_policy::SHANXI_SUPPLEMENTARY,
    "policies/shanxi-supplementary.toml",
);

/// The supplementary policy the simulator starts from: the database's latest version when the
/// database exists and holds one, else the bundled illustrative file.
pub(crate) fn stored_or_bundled_policy(cli: &Cli) -> Result<PolicySet, CliError> {
    let exists = match cli.db.strip_prefix("sqlite://") {
        Some(path) => std::path::Path::new(path).exists(),
        None => true,
    };
    if exists {
        let ctx = open(cli)?;
        if let Some(v) = ctx.policy.latest() {
            return Ok(v.set.clone());
        }
    }
    Ok(yanglao_policy::default_supplementary())
}

pub(crate) fn open(cli: &Cli) -> Result<Ctx, CliError> {
    let mut db = Db::open(&cli.db)?;
    let applied = db.migrate()?;
    if !applied.is_empty() {
        tracing::info!("数据库 {} 已升级到结构版本 {:?}", db.display_url(), applied);
    }
    Ok(Ctx::open(db, actor(cli))?)
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
                let actor = actor(&cli);
                loaded = db.transaction(|tx| {
                    if yanglao_ops::policy::PolicyBook::read(tx)?.is_empty() {
                        let (source, file) = BUNDLED_POLICY;
                        Ok::<_, OpsError>(Some(yanglao_ops::policy::load(
                            tx, source, file, None, &actor,
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
            let o = match cmd {
                ImportCmd::Persons(a) => {
                    yanglao_ops::persons::import(&mut ctx, &a.file, a.dry_run)?
                }
                ImportCmd::Contributions(a) => {
                    yanglao_ops::contributions::import(&mut ctx, &a.file, a.dry_run)?
                }
                ImportCmd::Hardship(a) => {
                    yanglao_ops::hardship::import(&mut ctx, &a.file, a.dry_run)?
                }
                ImportCmd::Certifications(a) => {
                    yanglao_ops::certification::import(&mut ctx, &a.file, a.dry_run)?
                }
                ImportCmd::BankAgreements(a) => {
                    yanglao_ops::bank::import_agreements(&mut ctx, &a.file, a.dry_run)?
                }
                ImportCmd::BankStatement(a) => {
                    yanglao_ops::bank::import_statement(&mut ctx, &a.file, a.dry_run)?
                }
                ImportCmd::Budget(a) => {
                    yanglao_ops::budget::import_budget(&mut ctx, &a.file, a.dry_run)?
                }
                ImportCmd::FundArrivals(a) => {
                    yanglao_ops::budget::import_arrivals(&mut ctx, &a.file, a.dry_run)?
                }
                ImportCmd::Survey(a) => yanglao_ops::survey::import(&mut ctx, &a.file, a.dry_run)?,
                ImportCmd::BankReturn(a) => {
                    yanglao_ops::bank_return::import(&mut ctx, &a.file, a.dry_run)?
                }
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
                    yanglao_ops::deaths::import(&mut ctx, file, source, *dry_run, date)?
                }
            };
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
            let o = yanglao_ops::govpay::run(&mut ctx, *year, county.as_deref(), date)?;
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
            let o = yanglao_ops::interest::credit(&mut ctx, *year, county.as_deref())?;
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
            let v =
                yanglao_ops::status::show(&mut ctx, citizen_id, chrono::Local::now().date_naive())?;
            if cli.json {
                output::json(&v);
            } else {
                println!(
                    "{} {}（{}，{} 生，{}{} 岁，{}）",
                    v.citizen_id,
                    v.name,
                    county_name(&v.county).unwrap_or(&v.county),
                    v.birth_date,
                    if v.death.is_some() { "享年 " } else { "" },
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
                        "死亡：{}（{}{}）{}",
                        d["date"].as_str().unwrap_or(""),
                        yanglao_ops::deaths::source_zh(d["source"].as_str().unwrap_or("")),
                        if d["official"] == true {
                            "，官方确认"
                        } else {
                            "，仅村报，待官方确认"
                        },
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
            let decision = yanglao_ops::status::Decision::parse(status).ok_or_else(|| {
                err(
                    "E-STATUS-UNKNOWN",
                    format!("状态“{status}”无效：应为 receiving、suspended、resumed 或 terminated"),
                )
            })?;
            let date = parse_date_or_today(date.as_deref())?;
            let mut ctx = open(&cli)?;
            let e = yanglao_ops::status::record(
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
            let s = yanglao_ops::accounts::show(&mut ctx, citizen_id)?;
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
                    yanglao_ops::accounts::years_zh(&s.contribution_years)
                );
                println!(
                    "{:<12}{:<10}{:>6}{:>14}  凭证/票据",
                    "日期", "类别", "年度", "金额"
                );
                for m in &s.movements {
                    let kind = yanglao_ops::accounts::movement_kind_zh(&m.kind);
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
            let o = yanglao_ops::awards::run(&mut ctx, month, county.as_deref())?;
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
            let f = yanglao_ops::bench::run_deaths_bench(
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
            yanglao_ops::bench::setup_recipients(&mut ctx.db, &book, *count, &|i, n| {
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

pub(crate) fn parse_date_or_today(d: Option<&str>) -> Result<NaiveDate, CliError> {
    match d {
        Some(d) => yanglao_domain::parse_date(d).map_err(|e| err(e.code, e.message)),
        None => Ok(chrono::Local::now().date_naive()),
    }
}

/// An optional date argument, as YYYY-MM-DD.
pub(crate) fn parse_opt_date(d: Option<&str>, arg: &str) -> Result<Option<NaiveDate>, CliError> {
    d.map(|d| {
        yanglao_domain::parse_date(d).map_err(|e| err(e.code, format!("{arg}：{}", e.message)))
    })
    .transpose()
}

pub(crate) fn parse_month(s: &str) -> Result<yanglao_domain::Month, CliError> {
    yanglao_domain::Month::parse(s).map_err(|e| err(e.code, e.message))
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
    let actor = ctx.actor.clone();
    let name = file.display().to_string();
    let o = ctx
        .db
        .transaction(|tx| yanglao_ops::policy::load(tx, &source, &name, from, &actor))?;
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
