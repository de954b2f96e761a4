//! Test data: the synthetic people, contribution files, recipients and the evaluation's city that
//! the demo, the benchmarks, the kill campaign and the tests share. Deterministic: a seed always
//! gives the same data. Everything here goes through the use cases (`yanglao-ops`) or, for the
//! largest set-ups, straight into their tables as the use cases would write them.

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use yanglao_domain::bank::with_luhn_digit;
use yanglao_domain::CitizenId;
use yanglao_ops::imports::table::Upload;
use yanglao_ops::register::{contributions, persons};
use yanglao_ops::{Ctx, OpsError, Result};
use yanglao_store::Db;

/// The name the benchmarks store their policy under (the bundled illustrative file's).
pub const POLICY_FILE: &str = "shanxi-supplementary.toml";

pub const COUNTIES: [&str; 5] = ["140302", "140303", "140311", "140321", "140322"];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "郭", "贾", "梁", "韩", "武", "乔",
];
const GIVEN: &[&str] = &[
    "秀英", "桂兰", "建国", "国强", "丽", "伟", "芳", "军", "红梅", "志刚", "淑珍", "海燕", "俊",
    "玉兰", "文", "晓东",
];
pub const BANKS: &[&str] = &[
    "中国农业银行",
    "中国邮政储蓄银行",
    "山西农村信用社",
    "中国工商银行",
    "中国建设银行",
];

/// A small deterministic generator (xorshift64*), so a seed always gives the same data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// A day from `from` to `to`, both included.
    pub fn date(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let days = (to - from).num_days().max(0) as u64;
        from + Duration::days(self.below(days + 1) as i64)
    }
    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

/// The i-th synthetic person's citizen ID (unique for i below 73 million): born 1963–2002.
pub fn citizen_id(i: usize) -> CitizenId {
    let county = COUNTIES[i % COUNTIES.len()];
    let base = NaiveDate::from_ymd_opt(1963, 1, 1).expect("valid");
    let date = base + Duration::days(((i / 5) % 14_600) as i64);
    let seq = (i / 5 / 14_600) % 1000;
    CitizenId::from_body(&format!("{county}{}{seq:03}", date.format("%Y%m%d")))
        .expect("generated ids are valid")
}

pub fn person_name(i: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[i % SURNAMES.len()],
        GIVEN[(i / SURNAMES.len()) % GIVEN.len()]
    )
}

/// Writes a person file of `n` basic-scheme members (CSV, UTF-8).
pub fn write_persons_csv(path: &Path, n: usize) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(
        w,
        "身份证号,姓名,县区代码,联系电话,开户银行,银行账号,基本养老保险参保"
    )?;
    for i in 0..n {
        let id = citizen_id(i);
        let account = with_luhn_digit(&format!("622848{:012}", i));
        writeln!(
            w,
            "{},{},{},139{:08},{},{},是",
            id,
            person_name(i),
            &COUNTIES[i % COUNTIES.len()],
            i % 100_000_000,
            BANKS[i % BANKS.len()],
            account
        )?;
    }
    w.flush()
}

/// Writes `n` contributions of `year` for persons 0..n, 82.71% at the lowest tier (CSV, UTF-8).
pub fn write_contributions_csv(path: &Path, n: usize, year: i32, seed: u64) -> std::io::Result<()> {
    let mut rng = Rng::new(seed);
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(w, "身份证号,姓名,缴费年度,缴费金额(元),缴费日期,票据号")?;
    let start = NaiveDate::from_ymd_opt(year, 3, 1).expect("valid");
    for i in 0..n {
        let r = rng.below(10_000);
        let tier = match r {
            0..=8270 => 200,
            8271..=9300 => 500,
            9301..=9800 => 1000,
            9801..=9950 => 2000,
            _ => 5000,
        };
        let date = start + Duration::days((i % 200) as i64);
        writeln!(
            w,
            "{},{},{year},{tier},{},PJ{year}{:09}",
            citizen_id(i),
            person_name(i),
            date,
            i
        )?;
    }
    w.flush()
}

/// The i-th synthetic recipient's citizen ID (unique for i below 36 million): born 1935–1954, so
/// over benefit age when the scheme began.
pub fn recipient_id(i: usize) -> CitizenId {
    let county = COUNTIES[i % COUNTIES.len()];
    let base = NaiveDate::from_ymd_opt(1935, 1, 1).expect("valid");
    let date = base + Duration::days(((i / 5) % 7_300) as i64);
    let seq = (i / 5 / 7_300) % 1000;
    CitizenId::from_body(&format!("{county}{}{seq:03}", date.format("%Y%m%d")))
        .expect("generated ids are valid")
}

/// Puts `n` recipients straight into the register and the awards (bulk, in chunks, to keep memory
/// flat at any N): persons over benefit age at launch, with bank accounts, awarded from the launch
/// month under the transitional rule. For benchmarks and crash tests only — real awards go through
/// `awards run`.
pub fn setup_recipients(
    db: &mut Db,
    policy: &yanglao_ops::policy::PolicyBook,
    n: usize,
    progress: &dyn Fn(u64, u64),
) -> Result<()> {
    use yanglao_store::Param;
    const CHUNK: usize = 200_000;
    let launch = policy.earliest_date().unwrap_or(NaiveDate::MIN);
    let version = policy.require()?.version;
    let now = yanglao_store::now();
    let mut done = 0;
    while done < n {
        let end = (done + CHUNK).min(n);
        let rows: Vec<(i64, CitizenId, String, String)> = (done..end)
            .map(|i| {
                (
                    i as i64 + 1,
                    recipient_id(i),
                    person_name(i),
                    with_luhn_digit(&format!("622848{:012}", i)),
                )
            })
            .collect();
        db.transaction(|tx| -> Result<()> {
            let first_person = tx.allocate_ids("person", rows.len() as i64)?;
            let first_award = tx.allocate_ids("award", rows.len() as i64)?;
            let mut params = std::collections::BTreeMap::new();
            for c in COUNTIES {
                let sp = policy
                    .supplementary(c, launch)
                    .map_err(|e| OpsError::rule(e.code(), e.to_string()))?;
                params.insert(c, yanglao_policy::monthly_benefit(&sp, 0, 0, false));
            }
            tx.insert_many(
                "persons",
                &yanglao_ops::register::persons::PERSON_COLUMNS,
                &rows,
                |(i, id, name, account), b| {
                    let k = (*i - 1) as usize;
                    b.extend([
                        Param::Int(first_person + k as i64 - done as i64),
                        Param::Text(COUNTIES[k % 5]),
                        Param::Text(id.as_str()),
                        Param::Text(name),
                        Param::Date(id.birth_date()),
                        Param::Text(id.sex().code()),
                        Param::Null,
                        Param::Text(BANKS[k % BANKS.len()]),
                        Param::Text(account),
                        Param::Bool(true),
                        Param::Null,
                        Param::Timestamp(now),
                        Param::Null,
                        Param::Null,
                    ])
                },
            )?;
            let start = yanglao_domain::Month::of(launch).first_day();
            tx.insert_many(
                "awards",
                &yanglao_ops::payroll::awards::AWARD_COLUMNS,
                &rows,
                |(i, _, _, _), b| {
                    let k = (*i - 1) as usize;
                    let m = &params[COUNTIES[k % 5]];
                    b.extend([
                        Param::Int(first_award + k as i64 - done as i64),
                        Param::Text(COUNTIES[k % 5]),
                        Param::Int(first_person + k as i64 - done as i64),
                        Param::Date(start),
                        Param::Text("transitional_elderly"),
                        Param::Int(0),
                        Param::Int(0),
                        Param::Int(0),
                        Param::Int(m.exit_subsidy.province_fen),
                        Param::Int(m.exit_subsidy.city_fen),
                        Param::Int(m.exit_subsidy.county_fen),
                        Param::Int(0),
                        Param::Int(0),
                        Param::Int(0),
                        Param::Int(m.total_fen),
                        Param::Date(start),
                        Param::Text("bench"),
                        Param::Timestamp(now),
                        Param::Int(version),
                    ])
                },
            )?;
            Ok(())
        })?;
        done = end;
        progress(done as u64, n as u64);
    }
    // As the imports and awards it stands for do after a large load.
    db.analyze(&["persons", "awards", "person_events", "account_movements"])?;
    Ok(())
}

/// The synthetic city of the evaluation benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationCity {
    pub insured: usize,
    pub members: usize,
    pub recipients: usize,
    /// Contributors in each of 2021, 2022, 2023.
    pub contributors: [usize; 3],
    pub payroll_lines: i64,
    pub setup_s: f64,
}

/// Builds a city of `insured` people in a fresh database at `url`, shaped like the report's
/// (2021–2023 contributors 15.17%, 12.23% and 11.73% of the insured, recipients 11.02%, 82.71% of
/// contributors at the lowest tier): the register and contributions through the real imports,
/// recipients with awards, the twelve regular payrolls of 2023 through the real payroll run, then
/// marked paid by the bank on the 10th (one county late in two months), a budget and 1,000 survey
/// questionnaires.
pub fn setup_evaluation_city(
    url: &str,
    policy_source: &str,
    insured: usize,
    dir: &Path,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<(Ctx, EvaluationCity)> {
    let t = Instant::now();
    let recipients = insured * 1102 / 10_000;
    let members = insured - recipients;
    let contributors = [
        insured * 1517 / 10_000,
        insured * 1223 / 10_000,
        insured * 1173 / 10_000,
    ]
    .map(|c| c.min(members));
    let io = |e: std::io::Error| {
        OpsError::rule(
            "E-BENCH-IO",
            format!("无法写入基准测试文件：{}", yanglao_domain::io_error_zh(&e)),
        )
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut db = Db::open(url)?;
    db.migrate()?;
    let mut ctx = Ctx::with_policy_source(db, policy_source, POLICY_FILE)?;
    let book = ctx.policy.clone();
    progress("生成领取人员", 0, 1);
    setup_recipients(&mut ctx.db, &book, recipients, &|i, n| {
        progress("生成领取人员", i, n)
    })?;
    progress("导入参保人员", 0, 1);
    let persons_file = dir.join("persons.csv");
    write_persons_csv(&persons_file, members).map_err(io)?;
    let p = persons::import(&mut ctx, &Upload::read(&persons_file)?, false)?;
    if !p.ok() {
        return Err(OpsError::rule(
            "E-BENCH-IMPORT",
            format!("基准测试人员导入失败：{} 条错误", p.errors.len()),
        ));
    }
    for (k, year) in (2021..=2023).enumerate() {
        progress("导入缴费", k as u64, 3);
        let f = dir.join(format!("contributions-{year}.csv"));
        write_contributions_csv(&f, contributors[k], year, 7 + k as u64).map_err(io)?;
        let c = contributions::import(&mut ctx, &Upload::read(&f)?, false)?;
        if !c.ok() {
            return Err(OpsError::rule(
                "E-BENCH-IMPORT",
                format!("基准测试 {year} 年缴费导入失败：{} 条错误", c.errors.len()),
            ));
        }
    }
    paid_payrolls_2023(&mut ctx, progress)?;
    progress("预算与问卷", 0, 1);
    budget_and_survey(&mut ctx, dir)?;
    let payroll_lines = ctx.db.transaction(|tx| -> Result<i64> {
        Ok(tx.scalar_i64("SELECT COUNT(*) FROM payroll_lines", &[])?)
    })?;
    Ok((
        ctx,
        EvaluationCity {
            insured,
            members,
            recipients,
            contributors,
            payroll_lines,
            setup_s: t.elapsed().as_secs_f64(),
        },
    ))
}

/// The twelve regular payrolls of 2023, run and marked paid by the bank.
fn paid_payrolls_2023(ctx: &mut Ctx, progress: &dyn Fn(&str, u64, u64)) -> Result<()> {
    use yanglao_domain::Month;
    use yanglao_store::Param;
    for m in 1..=12u32 {
        progress("生成 2023 年各月发放", u64::from(m) - 1, 12);
        let month = Month::parse(&format!("2023-{m:02}")).expect("valid");
        yanglao_ops::payroll::run(
            ctx,
            month,
            None,
            yanglao_ops::payroll::Kind::Regular,
            &|_, _, _| {},
        )?;
        // The bank pays on the 10th; 矿区 is late in March and July.
        ctx.db.transaction(|tx| -> Result<()> {
            for c in COUNTIES {
                let late = c == "140303" && (m == 3 || m == 7);
                let paid = NaiveDate::from_ymd_opt(2023, m, if late { 18 } else { 10 }).expect("valid");
                tx.exec(
                    "UPDATE payroll_lines SET status = 'paid', paid_date = $1 WHERE county = $2 AND payroll_id IN (SELECT payroll_id FROM payrolls WHERE county = $2 AND month = $3)",
                    &[Param::Date(paid), Param::Text(c), Param::Date(month.first_day())],
                )?;
                tx.exec(
                    "UPDATE payrolls SET status = 'paid', approved_by = 'bench-checker', paid_date = $1 WHERE county = $2 AND month = $3",
                    &[Param::Date(paid), Param::Text(c), Param::Date(month.first_day())],
                )?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// The 2023 budget and 1,000 questionnaires, through their imports.
fn budget_and_survey(ctx: &mut Ctx, dir: &Path) -> Result<()> {
    let io = |e: std::io::Error| {
        OpsError::rule(
            "E-BENCH-IO",
            format!("无法写入基准测试文件：{}", yanglao_domain::io_error_zh(&e)),
        )
    };
    let budget = dir.join("budget.csv");
    std::fs::write(
        &budget,
        "年度,级次,类别,金额(元)\n2023,省级,出口补,14222000\n2023,市级,入口补,2168400\n2023,市级,出口补,4167200\n2023,县级,政府代缴,6330000\n2023,县级,入口补,6413200\n2023,县级,出口补,12042800\n",
    )
    .map_err(io)?;
    yanglao_ops::books::budget::import_budget(ctx, &Upload::read(&budget)?, false)?;
    let mut rng = Rng::new(11);
    let mut s = String::from("问卷编号,年度,县区代码,受访者类型,是否知晓政策,满意度\n");
    for i in 0..1000 {
        let who = if i % 2 == 0 {
            "参保缴费人员"
        } else {
            "待遇领取人员"
        };
        let aware = if rng.below(10_000) < 7964 {
            "是"
        } else {
            "否"
        };
        let sat = if rng.below(10_000) < 8700 {
            "满意"
        } else {
            "一般"
        };
        s.push_str(&format!(
            "Q{i:05},2023,{},{who},{aware},{sat}\n",
            COUNTIES[i % 5]
        ));
    }
    let survey = dir.join("survey.csv");
    std::fs::write(&survey, s).map_err(io)?;
    yanglao_ops::evaluation::survey::import(ctx, &Upload::read(&survey)?, false)?;
    Ok(())
}
