//! The register's commands: the imports, government-paid contributions, interest, people and
//! their accounts.

use crate::context::{err, open, parse_date_or_today, parse_opt_date, upload, Global, Res};
use crate::output;
use clap::Subcommand;
use std::path::PathBuf;
use yanglao_domain::county_name;
use yanglao_ops::imports::ImportOptions;

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
        #[command(flatten)]
        file: ImportArgs,
        /// 来源：police（公安）、civil-affairs（民政）、health（卫健）或 village（村报）
        #[arg(long)]
        source: String,
        /// 文件的处理日期：没有“报告日期”的记录以此为业务日期（文件没有该列时必填）
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
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

pub fn import(cli: &Global, cmd: &ImportCmd) -> Res {
    let mut ctx = open(cli)?;
    let (kind, a, options) = match cmd {
        ImportCmd::Persons(a) => ("persons", a, ImportOptions::default()),
        ImportCmd::Contributions(a) => ("contributions", a, ImportOptions::default()),
        ImportCmd::Hardship(a) => ("hardship", a, ImportOptions::default()),
        ImportCmd::Certifications(a) => ("certifications", a, ImportOptions::default()),
        ImportCmd::BankAgreements(a) => ("bank-agreements", a, ImportOptions::default()),
        ImportCmd::BankStatement(a) => ("bank-statement", a, ImportOptions::default()),
        ImportCmd::Budget(a) => ("budget", a, ImportOptions::default()),
        ImportCmd::FundArrivals(a) => ("fund-arrivals", a, ImportOptions::default()),
        ImportCmd::Survey(a) => ("survey", a, ImportOptions::default()),
        ImportCmd::BankReturn(a) => ("bank-return", a, ImportOptions::default()),
        ImportCmd::Deaths { file, source, date } => {
            let date = parse_opt_date(date.as_deref(), "--date")?;
            let source = yanglao_ops::deaths::Source::parse(source).ok_or_else(|| {
                err(
                    "E-DEATH-SOURCE",
                    format!("来源“{source}”无效：应为 police、civil-affairs、health 或 village"),
                )
            })?;
            (
                "deaths",
                file,
                ImportOptions {
                    source: Some(source),
                    date,
                },
            )
        }
    };
    let mut o =
        yanglao_ops::imports::import(&mut ctx, kind, &upload(&a.file)?, &options, a.dry_run)?;
    // The interface writes the error report beside the file.
    let file = &a.file;
    output::write_error_report(file, &mut o);
    if cli.json {
        output::json(&o);
    } else {
        output::import(&o);
    }
    Ok(if o.ok() { 0 } else { 1 })
}

pub fn contributions(cli: &Global, cmd: &ContributionsCmd) -> Res {
    match cmd {
        ContributionsCmd::GovPay { year, county, date } => {
            govpay(cli, *year, county.as_deref(), date.as_deref())
        }
    }
}

pub fn interest(cli: &Global, cmd: &InterestCmd) -> Res {
    match cmd {
        InterestCmd::Credit { year, county } => interest_credit(cli, *year, county.as_deref()),
    }
}

pub fn person(cli: &Global, cmd: &PersonCmd) -> Res {
    match cmd {
        PersonCmd::List {
            county,
            status,
            text,
            page,
        } => crate::lists_cli::people(
            cli,
            county.as_deref(),
            status.as_deref(),
            text.as_deref(),
            page,
        ),
        PersonCmd::Show { citizen_id } => person_show(cli, citizen_id),
        PersonCmd::Status {
            citizen_id,
            status,
            reason,
            date,
        } => person_status(cli, citizen_id, status, reason.as_deref(), date.as_deref()),
    }
}

pub fn account(cli: &Global, cmd: &AccountCmd) -> Res {
    match cmd {
        AccountCmd::Show { citizen_id } => account_show(cli, citizen_id),
    }
}

fn govpay(cli: &Global, year: i32, county: Option<&str>, date: Option<&str>) -> Res {
    let date = parse_opt_date(date, "--date")?;
    let mut ctx = open(cli)?;
    let o = yanglao_ops::register::govpay::run(&mut ctx, year, county, date)?;
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

fn interest_credit(cli: &Global, year: i32, county: Option<&str>) -> Res {
    let mut ctx = open(cli)?;
    let o = yanglao_ops::register::interest::credit(&mut ctx, year, county)?;
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

fn person_show(cli: &Global, citizen_id: &str) -> Res {
    let mut ctx = open(cli)?;
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
            yanglao_ops::register::status::status_zh(&v.current_status),
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
            println!(
                "  {} 年：{}{how}",
                y.year,
                yanglao_ops::register::status::status_zh(y.status)
            );
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
                        yanglao_ops::deaths::match_status_zh(r["status"].as_str().unwrap_or(""))
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

fn person_status(
    cli: &Global,
    citizen_id: &str,
    status: &str,
    reason: Option<&str>,
    date: Option<&str>,
) -> Res {
    let decision = yanglao_ops::register::status::Decision::parse(status).ok_or_else(|| {
        err(
            "E-STATUS-UNKNOWN",
            format!("状态“{status}”无效：应为 receiving、suspended、resumed 或 terminated"),
        )
    })?;
    let date = parse_date_or_today(date)?;
    let mut ctx = open(cli)?;
    let e = yanglao_ops::register::status::record(&mut ctx, citizen_id, decision, reason, date)?;
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

fn account_show(cli: &Global, citizen_id: &str) -> Res {
    let mut ctx = open(cli)?;
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
