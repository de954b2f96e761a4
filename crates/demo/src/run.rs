//! Three years of the scheme's operations on the demo population, through the same use cases an
//! operator runs: files are written and imported, awards and payrolls are run, approved by a second
//! user, exported, and paid through bank-return files; deaths arrive from the police, overpayments
//! are recovered, interest is credited, the banks' statements come in, budgets and money in place
//! are recorded, the survey is imported, and the 2023 evaluation report is written.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate};
use yanglao_domain::{format_yuan, Month};
use yanglao_ops::{Ctx, OpsError, Result};
use yanglao_store::Param;

use crate::plan::{self, paid_day, Person, Rng, COUNTIES, YEARS};

/// What the demo did, for the summary.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Counts {
    pub persons: usize,
    pub contributions: [usize; 3],
    pub payrolls: usize,
    pub payment_lines: usize,
    pub deaths: usize,
    pub recovery_steps: usize,
    pub interest_credits: usize,
    pub files_written: usize,
    /// Seconds spent in each step, summed over the three years.
    pub seconds: std::collections::BTreeMap<&'static str, f64>,
}

impl Counts {
    fn time<T>(&mut self, step: &'static str, f: impl FnOnce(&mut Self) -> T) -> T {
        let t = std::time::Instant::now();
        let out = f(self);
        *self.seconds.entry(step).or_default() += t.elapsed().as_secs_f64();
        out
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> OpsError + '_ {
    move |e| OpsError::rule("E-DEMO-IO", format!("无法写入 {}：{e}", path.display()))
}

fn write(path: &Path, text: &str, counts: &mut Counts) -> Result<()> {
    std::fs::write(path, text).map_err(io(path))?;
    counts.files_written += 1;
    Ok(())
}

/// Imports a file through `f` and fails loudly when the import found problems: the demo's data
/// must be valid.
fn import(
    ctx: &mut Ctx,
    path: &Path,
    f: fn(&mut Ctx, &Path, bool) -> Result<yanglao_ops::ImportOutcome>,
) -> Result<yanglao_ops::ImportOutcome> {
    let o = f(ctx, path, false)?;
    if !o.ok() {
        let first = o
            .errors
            .first()
            .map(|p| format!("第 {} 行 {} [{}] {}", p.row, p.column, p.code, p.message))
            .unwrap_or_default();
        return Err(OpsError::rule(
            "E-DEMO-DATA",
            format!(
                "示例数据 {} 导入失败（{} 处错误），首个：{first}",
                path.display(),
                o.errors.len()
            ),
        ));
    }
    Ok(o)
}

pub struct Demo<'a> {
    pub ctx: &'a mut Ctx,
    pub dir: PathBuf,
    pub scale: f64,
    pub seed: u64,
    pub progress: &'a dyn Fn(&str, u64, u64),
}

impl Demo<'_> {
    /// Runs 2021–2023 and returns what it did.
    pub fn run(&mut self) -> Result<Counts> {
        let mut counts = Counts::default();
        let data = self.dir.join("数据");
        std::fs::create_dir_all(&data).map_err(io(&data))?;
        (self.progress)("生成人员", 0, 1);
        let people = plan::population(self.scale, self.seed);
        counts.persons = people.len();
        let mut rng = Rng::new(self.seed ^ 0x5EED);
        counts.time("register", |c| self.register(&people, &data, c))?;
        let accounts = self.bank_agreements(&data, &mut counts)?;
        let mut total_months = 0u64;
        for (y, year) in YEARS.iter().copied().enumerate() {
            counts.time("budget", |c| self.budget(year, &data, c))?;
            counts.time("contributions", |c| {
                self.contributions(&people, y, &data, &mut rng, c)
            })?;
            for month in 1..=12u32 {
                (self.progress)(&format!("{year} 年经办"), total_months, 36);
                total_months += 1;
                counts.time("deaths", |c| self.deaths(&people, year, month, &data, c))?;
                let m = Month::parse(&format!("{year}-{month:02}")).expect("valid");
                counts.time("awards", |_| yanglao_ops::awards::run(self.ctx, m, None))?;
                self.payroll(m, &data, &mut counts)?;
                counts.time("recovery", |c| self.recoveries(&people, year, month, c))?;
                if month % 3 == 0 {
                    counts.time("bank statements", |c| {
                        self.bank_statements(&accounts, year, month, &data, c)
                    })?;
                }
            }
            counts.time("gov-pay", |_| {
                yanglao_ops::govpay::run(self.ctx, year, None)
            })?;
            counts.time("interest", |_| {
                yanglao_ops::interest::credit(self.ctx, year, None)
            })?;
        }
        counts.time("survey", |c| self.survey(&data, c))?;
        Ok(counts)
    }

    fn register(&mut self, people: &[Person], data: &Path, counts: &mut Counts) -> Result<()> {
        (self.progress)("导入参保人员", 0, 1);
        let mut s = String::with_capacity(people.len() * 90);
        s.push_str("身份证号,姓名,县区代码,联系电话,开户银行,银行账号,基本养老保险参保\n");
        for p in people {
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},是",
                p.id, p.name, COUNTIES[p.county], p.phone, p.bank, p.account
            );
        }
        let f = data.join("参保人员.csv");
        write(&f, &s, counts)?;
        import(self.ctx, &f, yanglao_ops::persons::import)?;
        let mut h = String::from("身份证号,姓名,困难类别,认定日期,终止日期\n");
        let groups = ["低保对象", "特困人员", "重度残疾人"];
        for (k, p) in people
            .iter()
            .filter(|p| p.hardship_from.is_some())
            .enumerate()
        {
            let _ = writeln!(
                h,
                "{},{},{},{},",
                p.id,
                p.name,
                groups[k % 3],
                p.hardship_from.expect("filtered")
            );
        }
        let f = data.join("困难群体.csv");
        write(&f, &h, counts)?;
        import(self.ctx, &f, yanglao_ops::hardship::import)?;
        Ok(())
    }

    /// The fund's special accounts. 城区: a preferential rate from July 2021 that its bank never
    /// applied (it credits 0.2%); 郊区: its bank switched to 0.35% from July 2022.
    fn bank_agreements(&mut self, data: &Path, counts: &mut Counts) -> Result<Vec<Account>> {
        let accounts = vec![
            Account {
                county: 0,
                bank: "中国建设银行阳泉分行",
                number: "14050166360800000001".into(),
            },
            Account {
                county: 1,
                bank: "中国工商银行阳泉分行",
                number: "0505000109200000002".into(),
            },
            Account {
                county: 2,
                bank: "山西阳泉农村商业银行",
                number: "05010120000000000003".into(),
            },
            Account {
                county: 3,
                bank: "中国农业银行平定县支行",
                number: "04450001040000000004".into(),
            },
            Account {
                county: 4,
                bank: "中国邮政储蓄银行盂县支行",
                number: "914004010000000000005".into(),
            },
        ];
        let mut s = String::from(
            "县区代码,开户银行,账号,约定利率(%),计息基础,结息频率,生效日期,终止日期\n",
        );
        for a in &accounts {
            let agreed = AGREED[a.county];
            if a.county == 0 {
                let _ = writeln!(
                    s,
                    "{},{},{},0.35,actual/360,季,2021-01-01,2021-06-30",
                    COUNTIES[0], a.bank, a.number
                );
            }
            let from = if a.county == 0 {
                "2021-07-01"
            } else {
                "2021-01-01"
            };
            let _ = writeln!(
                s,
                "{},{},{},{agreed},actual/360,季,{from},",
                COUNTIES[a.county], a.bank, a.number
            );
        }
        let f = data.join("基金专户协议.csv");
        write(&f, &s, counts)?;
        import(self.ctx, &f, yanglao_ops::bank::import_agreements)?;
        Ok(accounts)
    }

    fn budget(&mut self, year: i32, data: &Path, counts: &mut Counts) -> Result<()> {
        let (budget, arrived) = crate::money::budget(year, self.scale);
        let mut s = String::from("年度,级次,类别,金额(元)\n");
        for (level, kind, fen) in &budget {
            let _ = writeln!(s, "{year},{level},{kind},{}", format_yuan(*fen));
        }
        let f = data.join(format!("{year}年财政补助预算.csv"));
        write(&f, &s, counts)?;
        import(self.ctx, &f, yanglao_ops::budget::import_budget)?;
        let mut a = String::from("年度,级次,类别,县区代码,到位日期,金额(元),凭证号\n");
        let mut n = 0;
        for (level, kind, fen) in &arrived {
            // Four instalments a year, spread over the counties by their share of recipients.
            let per_county = plan::apportion(*fen, &plan::ELDERLY_WEIGHTS);
            for (c, county_fen) in per_county.iter().enumerate() {
                let quarters = plan::apportion(*county_fen, &[1.0, 1.0, 1.0, 1.0, 0.0]);
                for (q, part) in quarters.iter().take(4).enumerate() {
                    if *part > 0 {
                        n += 1;
                        let _ = writeln!(
                            a,
                            "{year},{level},{kind},{},{},{},CZ{year}{n:05}",
                            COUNTIES[c],
                            d(year, 3 * q as u32 + 1, 5),
                            format_yuan(*part)
                        );
                    }
                }
            }
        }
        let f = data.join(format!("{year}年补助资金到位.csv"));
        write(&f, &a, counts)?;
        import(self.ctx, &f, yanglao_ops::budget::import_arrivals)?;
        Ok(())
    }

    fn contributions(
        &mut self,
        people: &[Person],
        y: usize,
        data: &Path,
        rng: &mut Rng,
        counts: &mut Counts,
    ) -> Result<()> {
        let year = YEARS[y];
        (self.progress)(&format!("导入 {year} 年缴费"), 0, 1);
        let mut s = String::from("身份证号,姓名,缴费年度,缴费金额(元),缴费日期,票据号\n");
        let mut n = 0;
        for p in people {
            if let Some(tier) = p.tiers[y] {
                n += 1;
                let _ = writeln!(
                    s,
                    "{},{},{year},{},{},PJ{}{year}{n:07}",
                    p.id,
                    p.name,
                    tier / 100,
                    plan::paid_on(p, y, rng),
                    COUNTIES[p.county]
                );
            }
        }
        counts.contributions[y] = n;
        let f = data.join(format!("{year}年缴费.csv"));
        write(&f, &s, counts)?;
        import(self.ctx, &f, yanglao_ops::contributions::import)?;
        Ok(())
    }

    fn deaths(
        &mut self,
        people: &[Person],
        year: i32,
        month: u32,
        data: &Path,
        counts: &mut Counts,
    ) -> Result<()> {
        let mut s = String::from("身份证号,姓名,死亡日期,来源编号\n");
        let mut n = 0;
        for p in people {
            if let Some(death) = &p.death {
                if death.reported.year() == year && death.reported.month() == month {
                    n += 1;
                    let _ = writeln!(
                        s,
                        "{},{},{},GA{year}{month:02}{n:05}",
                        p.id, p.name, death.date
                    );
                }
            }
        }
        if n == 0 {
            return Ok(());
        }
        counts.deaths += n;
        let f = data.join(format!("死亡信息-{year}-{month:02}.csv"));
        write(&f, &s, counts)?;
        let o =
            yanglao_ops::deaths::import(self.ctx, &f, yanglao_ops::deaths::Source::Police, false)?;
        if !o.ok() {
            return Err(OpsError::rule(
                "E-DEMO-DATA",
                format!(
                    "示例死亡信息 {} 导入失败（{} 处错误）",
                    f.display(),
                    o.errors.len()
                ),
            ));
        }
        Ok(())
    }

    /// Runs, approves (another user), exports and pays the month's regular payrolls.
    fn payroll(&mut self, month: Month, data: &Path, counts: &mut Counts) -> Result<()> {
        let run = counts.time("payroll run", |_| {
            yanglao_ops::payroll::run(
                self.ctx,
                month,
                None,
                yanglao_ops::payroll::Kind::Regular,
                &|_, _, _| {},
            )
        })?;
        let out = data.join("发放").join(month.to_string());
        for p in &run.payrolls {
            counts.payrolls += 1;
            counts.payment_lines += p.lines as usize;
            let maker = std::mem::replace(&mut self.ctx.actor, "demo-checker".into());
            let approved = counts.time("payroll approve", |_| {
                yanglao_ops::payroll::approve(self.ctx, p.id)
            });
            self.ctx.actor = maker;
            approved?;
            let e = counts.time("payroll export", |_| {
                yanglao_ops::export::export(self.ctx, p.id, &out, &|_, _| {})
            })?;
            counts.files_written += e.files.len();
            let county = COUNTIES.iter().position(|c| *c == p.county).unwrap_or(0);
            let day = paid_day(county, month.year(), month.first_day().month());
            let date = d(month.year(), month.first_day().month(), day);
            for f in e.files.iter().filter(|f| f.contains("银行代发")) {
                let bytes = std::fs::read(f)
                    .map_err(|e| OpsError::rule("E-DEMO-IO", format!("无法读取 {f}：{e}")))?;
                let ret = bank_return(&bytes, date);
                let path = PathBuf::from(format!("{f}.回盘.csv"));
                write(&path, &ret, counts)?;
                counts.time("bank returns", |_| {
                    import(self.ctx, &path, yanglao_ops::bank_return::import)
                })?;
            }
        }
        Ok(())
    }

    /// Families of some of the people paid after their death refund it the month it is found.
    fn recoveries(
        &mut self,
        people: &[Person],
        year: i32,
        month: u32,
        counts: &mut Counts,
    ) -> Result<()> {
        let due: Vec<&Person> = people
            .iter()
            .filter(|p| {
                p.death.as_ref().is_some_and(|d| {
                    d.recovered && d.reported.year() == year && d.reported.month() == month
                })
            })
            .collect();
        if due.is_empty() {
            return Ok(());
        }
        let open = yanglao_ops::deaths::recovery_list(self.ctx, Some("open"), None, None)?;
        for p in due {
            let id = p.id.as_str().to_string();
            let person_id = self.ctx.db.transaction(|tx| -> Result<i64> {
                Ok(tx.scalar_i64(
                    "SELECT person_id FROM persons WHERE citizen_id = $1",
                    &[Param::Text(&id)],
                )?)
            })?;
            if let Some(case) = open.iter().find(|c| c.person_id == person_id) {
                let on = d(year, month, 25);
                yanglao_ops::recovery::record(
                    self.ctx,
                    case.case_id,
                    "family-refund",
                    case.outstanding_fen,
                    on,
                    Some("家属退还"),
                )?;
                counts.recovery_steps += 1;
            }
        }
        Ok(())
    }

    /// The quarter's statement of each fund account: every end-of-day balance of the quarter (the
    /// fund's bank balance in the books) and the interest credited on the 20th of its last month
    /// at the rate the bank actually applied.
    fn bank_statements(
        &mut self,
        accounts: &[Account],
        year: i32,
        month: u32,
        data: &Path,
        counts: &mut Counts,
    ) -> Result<()> {
        // Interest runs from the 21st of the quarter's first month before to the 20th of its last
        // month, and is credited on the 21st (the first period starts at the launch).
        let period_end = d(year, month, 20);
        let credit_day = d(year, month, 21);
        let period_start = if year == YEARS[0] && month == 3 {
            d(year, 1, 1)
        } else if month == 3 {
            d(year - 1, 12, 21)
        } else {
            d(year, month - 3, 21)
        };
        let mut s = String::from("账号,日期,类型,金额(元),计息起始日,计息终止日\n");
        for a in accounts {
            let changes = self
                .ctx
                .db
                .transaction(|tx| -> Result<Vec<(NaiveDate, i64)>> {
                    let mut out = Vec::new();
                    for r in tx.query(
                    "SELECT e.entry_date, CAST(SUM(l.amount_fen) AS BIGINT) FROM journal_lines l
                     JOIN journal_entries e ON e.county = l.county AND e.entry_id = l.entry_id
                     WHERE l.county = $1 AND l.account = 'bank' AND e.entry_date <= $2
                     GROUP BY e.entry_date ORDER BY e.entry_date",
                    &[Param::Text(COUNTIES[a.county]), Param::Date(period_end)],
                )? {
                    out.push((r.date(0)?, r.i64(1)?));
                }
                    Ok(out)
                })?;
            // End-of-day balances: the opening day's, then each day the balance moves.
            let mut balance: i64 = changes
                .iter()
                .filter(|(dt, _)| *dt <= period_start)
                .map(|x| x.1)
                .sum();
            let _ = writeln!(
                s,
                "{},{},余额,{},,",
                a.number,
                period_start,
                format_yuan(balance)
            );
            let mut moves = changes
                .iter()
                .filter(|(dt, _)| *dt > period_start)
                .peekable();
            let mut interest = rust_decimal::Decimal::ZERO;
            let mut day = period_start;
            while day <= period_end {
                if day > period_start {
                    let mut moved = false;
                    while let Some((dt, amount)) = moves.peek() {
                        if *dt != day {
                            break;
                        }
                        balance += amount;
                        moved = true;
                        moves.next();
                    }
                    if moved {
                        let _ = writeln!(s, "{},{},余额,{},,", a.number, day, format_yuan(balance));
                    }
                }
                interest += rust_decimal::Decimal::from(balance) * applied_rate(a.county, day)
                    / rust_decimal::Decimal::from(36_000);
                day += Duration::days(1);
            }
            let fen: i64 = interest
                .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                .try_into()
                .unwrap_or(0);
            let _ = writeln!(
                s,
                "{},{},结息,{},{},{}",
                a.number,
                credit_day,
                format_yuan(fen.max(0)),
                period_start,
                period_end
            );
            counts.interest_credits += 1;
        }
        let f = data.join(format!("银行对账单-{year}-Q{}.csv", month / 3));
        write(&f, &s, counts)?;
        import(self.ctx, &f, yanglao_ops::bank::import_statement)?;
        Ok(())
    }

    /// The 2023 questionnaires: sample sizes and answers that give the published rates.
    fn survey(&mut self, data: &Path, counts: &mut Counts) -> Result<()> {
        let mut s = String::from("问卷编号,年度,县区代码,受访者类型,是否知晓政策,满意度\n");
        let (contributors, c_yes) = crate::money::sample(83.57, 1_400);
        let (recipients, r_yes) = crate::money::sample(90.03, 1_000);
        let total = contributors + recipients;
        let (aware_n, aware_yes) = crate::money::sample_at_most(79.64, total);
        for i in 0..total {
            let (who, satisfied) = if i < contributors {
                ("参保缴费人员", i < c_yes)
            } else {
                ("待遇领取人员", i - contributors < r_yes)
            };
            let aware = if i >= aware_n {
                ""
            } else if i < aware_yes {
                "是"
            } else {
                "否"
            };
            let sat = if satisfied {
                if i % 3 == 0 {
                    "非常满意"
                } else {
                    "满意"
                }
            } else if i % 2 == 0 {
                "一般"
            } else {
                "不满意"
            };
            let _ = writeln!(
                s,
                "Q2023{i:05},2023,{},{who},{aware},{sat}",
                COUNTIES[i as usize % 5]
            );
        }
        let f = data.join("2023年满意度及政策知晓度调查.csv");
        write(&f, &s, counts)?;
        import(self.ctx, &f, yanglao_ops::survey::import)?;
        Ok(())
    }
}

pub struct Account {
    pub county: usize,
    pub bank: &'static str,
    pub number: String,
}

/// Agreed preferential rates (percent), by county.
const AGREED: [&str; 5] = ["1.35", "1.50", "1.50", "1.50", "1.35"];

/// The rate each bank applies (percent a year) on a day: 城区's credits 0.35% (its first, ordinary
/// agreement) and then 0.2% from July 2021, when the preferential agreement began; 郊区's switches
/// to 0.35% in July 2022; the others apply their agreements.
fn applied_rate(county: usize, day: NaiveDate) -> rust_decimal::Decimal {
    use std::str::FromStr;
    let r = |s: &str| rust_decimal::Decimal::from_str(s).expect("valid rate");
    match county {
        0 if day < d(2021, 7, 1) => r("0.35"),
        0 => r("0.20"),
        2 if day >= d(2022, 7, 1) => r("0.35"),
        c => r(AGREED[c]),
    }
}

/// A bank's return for an exported payment file: every payment made on `date`.
fn bank_return(bank_file: &[u8], date: NaiveDate) -> String {
    let (text, _, _) = encoding_rs::GB18030.decode(bank_file);
    let mut out = String::from("批次号,序号,身份证号,银行账号,金额(元),结果,失败原因,入账日期\n");
    for line in text.lines().skip(1).filter(|l| !l.starts_with("合计")) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() >= 6 {
            let _ = writeln!(
                out,
                "{},{},{},{},{},成功,,{date}",
                f[0], f[1], f[2], f[4], f[5]
            );
        }
    }
    out
}
