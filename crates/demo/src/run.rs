//! Three years of the scheme's operations on the demo population, through the same use cases an
//! operator runs: files are written and imported, awards and payrolls are run, approved by a second
//! user, exported, and paid through bank-return files; deaths arrive from the police, overpayments
//! are recovered, interest is credited, the banks' statements come in, budgets and money in place
//! are recorded, the survey is imported, and the 2023 evaluation report is written.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate};
use yanglao_domain::{format_yuan, Month};
use yanglao_ops::imports::table::Upload;
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
    pub recovered_2023_fen: i64,
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
    move |e| {
        OpsError::rule(
            "E-DEMO-IO",
            format!(
                "无法写入 {}：{}",
                path.display(),
                yanglao_domain::io_error_zh(&e)
            ),
        )
    }
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
    f: fn(&mut Ctx, &Upload, bool) -> Result<yanglao_ops::ImportOutcome>,
) -> Result<yanglao_ops::ImportOutcome> {
    let o = f(ctx, &Upload::read(path)?, false)?;
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

/// A police death file (the demo's deaths all come from the police).
/// Each record carries its report date (报告日期), the business date of its effects.
fn police_deaths(
    ctx: &mut Ctx,
    upload: &Upload,
    dry_run: bool,
) -> Result<yanglao_ops::ImportOutcome> {
    yanglao_ops::deaths::import(
        ctx,
        upload,
        yanglao_ops::deaths::Source::Police,
        dry_run,
        None,
    )
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
        // The demo's policy goes into its books, so that every later command reads it there.
        let actor = self.ctx.who();
        let loaded = self
            .ctx
            .db
            .transaction(|tx| yanglao_ops::policy::load(tx, POLICY, POLICY_FILE, None, &actor));
        match loaded {
            Ok(_) => {}
            Err(e) if e.code() == "E-POLICY-FROM-REQUIRED" => return Err(OpsError::rule(
                "E-DEMO-NOT-EMPTY",
                "数据库中已载入其他政策参数：示例需要一个空数据库，请删除数据库文件或用 --db 另建",
            )),
            Err(e) => return Err(e),
        }
        self.ctx.reload_policy()?;
        let data = self.dir.join("数据");
        std::fs::create_dir_all(&data).map_err(io(&data))?;
        (self.progress)("生成人员", 0, 1);
        let mut people = plan::population(self.scale, self.seed);
        counts.persons = people.len();
        let mut rng = Rng::new(self.seed ^ 0x5EED);
        counts.time("register", |c| self.register(&people, &data, c))?;
        let accounts = self.bank_agreements(&data, &mut counts)?;
        let mut total_months = 0u64;
        for (y, year) in YEARS.iter().copied().enumerate() {
            counts.time("budget", |c| self.budget(year, &data, c))?;
            if year == 2023 {
                counts.time("calibration", |_| self.cohort_2023(&mut people))?;
            }
            counts.time("contributions", |c| {
                self.contributions(&people, y, &data, &mut rng, c)
            })?;
            for month in 1..=12u32 {
                (self.progress)(&format!("{year} 年经办"), total_months, 36);
                total_months += 1;
                counts.time("deaths", |c| self.deaths(&people, year, month, &data, c))?;
                let m = Month::parse(&format!("{year}-{month:02}")).expect("valid");
                counts.time("awards", |_| {
                    yanglao_ops::payroll::awards::run(self.ctx, m, None)
                })?;
                self.payroll(m, &data, &mut counts)?;
                counts.time("recovery", |c| self.recoveries(&people, year, month, c))?;
                if month % 3 == 0 {
                    counts.time("bank statements", |c| {
                        self.bank_statements(&accounts, year, month, &data, c)
                    })?;
                }
            }
            counts.time("gov-pay", |_| {
                yanglao_ops::register::govpay::run(self.ctx, year, None, None)
            })?;
            match year {
                2022 => counts.time("calibration", |c| self.close_2022(&people, &data, c))?,
                2023 => counts.time("calibration", |c| self.close_2023(&people, &data, c))?,
                _ => {}
            }
            counts.time("interest", |_| {
                yanglao_ops::register::interest::credit(self.ctx, year, None)
            })?;
        }
        counts.time("survey", |c| self.survey(&data, c))?;
        Ok(counts)
    }

    fn register(&mut self, people: &[Person], data: &Path, counts: &mut Counts) -> Result<()> {
        (self.progress)("导入参保人员", 0, 1);
        let mut s = String::with_capacity(people.len() * 130);
        s.push_str(
            "身份证号,姓名,县区代码,联系电话,开户银行,银行账号,基本养老保险参保,乡镇（街道）,村（社区）\n",
        );
        for p in people {
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},是,{},{}",
                p.id, p.name, COUNTIES[p.county], p.phone, p.bank, p.account, p.township, p.village
            );
        }
        let f = data.join("参保人员.csv");
        write(&f, &s, counts)?;
        import(self.ctx, &f, yanglao_ops::register::persons::import)?;
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
        import(self.ctx, &f, yanglao_ops::register::hardship::import)?;
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
        import(self.ctx, &f, yanglao_ops::books::bank::import_agreements)?;
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
        import(self.ctx, &f, yanglao_ops::books::budget::import_budget)?;
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
        import(self.ctx, &f, yanglao_ops::books::budget::import_arrivals)?;
        Ok(())
    }

    /// January 2023: the tiers of the contributors reaching benefit age in 2023 (paid on 15
    /// January, before their awards), chosen so that the year's account pensions come out a little
    /// above the published 588.04 万元 (3,532.47 − 2,944.43): the deaths reported before the
    /// December payroll take off the rest.
    fn cohort_2023(&mut self, people: &mut [Person]) -> Result<()> {
        let jan1 = d(2023, 1, 1);
        let target = plan::scaled(PENSIONS_2023_FEN + PENSION_MARGIN_FEN, self.scale);
        // Pensions already awarded, paid all year.
        let awarded = self.ctx.db.transaction(|tx| -> Result<i64> {
            Ok(tx.scalar_i64(
                "SELECT CAST(COALESCE(SUM(account_pension_fen), 0) AS BIGINT) FROM awards WHERE start_month <= $1",
                &[Param::Date(jan1)],
            )? * 12)
        })?;
        let balances = self.ctx.db.transaction(|tx| -> Result<std::collections::HashMap<String, i64>> {
            let mut m = std::collections::HashMap::new();
            tx.for_each_ref(
                "SELECT p.citizen_id, CAST(SUM(a.personal_fen + a.subsidy_province_fen + a.subsidy_city_fen + a.subsidy_county_fen + a.gov_paid_fen + a.interest_fen) AS BIGINT)
                 FROM account_movements a JOIN persons p ON p.county = a.county AND p.person_id = a.person_id WHERE p.birth_date >= $1 AND p.birth_date < $2 GROUP BY p.citizen_id",
                &[Param::Date(d(1958, 1, 1)), Param::Date(d(1959, 1, 1))],
                |r| {
                    m.insert(r.str(0)?.to_string(), r.i64(1)?);
                    Ok(())
                },
            )?;
            Ok(m)
        })?;
        let cohort: Vec<usize> = (0..people.len())
            .filter(|i| people[*i].role == plan::Role::Cohort(2))
            .collect();
        // Each member's pension in 2023 at each tier.
        let mut options: Vec<[i64; 5]> = Vec::with_capacity(cohort.len());
        for i in &cohort {
            let p = &people[*i];
            let sp = self
                .ctx
                .policy
                .supplementary(COUNTIES[p.county], jan1)
                .map_err(|e| OpsError::rule(e.code(), e.to_string()))?;
            let start = Month::of(yanglao_policy::reaches_age_on(
                p.id.birth_date(),
                sp.benefit_age,
            ))
            .next();
            let months = i64::from(start.until(Month::parse("2023-12").expect("valid")) + 1).max(0);
            let before = balances.get(p.id.as_str()).copied().unwrap_or(0);
            let mut o = [0i64; 5];
            for (k, (amount, _)) in crate::calibrate::TIERS.iter().enumerate() {
                let subsidy =
                    yanglao_policy::entry_subsidy(&sp, amount * 100).map_or(0, |s| s.total_fen());
                o[k] =
                    yanglao_policy::monthly_benefit(&sp, before + amount * 100 + subsidy, 3, false)
                        .account_pension_fen
                        * months;
            }
            options.push(o);
        }
        // Everyone at the lowest tier, then raise one payer at a time until the target is met.
        let mut choice = vec![0usize; cohort.len()];
        let mut total: i64 = awarded + options.iter().map(|o| o[0]).sum::<i64>();
        'raise: for level in 1..5 {
            for j in 0..cohort.len() {
                let gain = options[j][level] - options[j][choice[j]];
                if total >= target {
                    break 'raise;
                }
                if gain > 0 && total + gain <= target + 2_000 {
                    total += gain;
                    choice[j] = level;
                }
            }
        }
        tracing::info!("示例校准 1 月：2023 年个人账户养老金预计 {total} 分（目标 {target} 分）");
        for (j, i) in cohort.iter().enumerate() {
            people[*i].tiers[2] = Some(crate::calibrate::TIERS[choice[j]].0 * 100);
        }
        Ok(())
    }

    /// The year's collection files, one a quarter by payment date (the calibration group's
    /// December payments come later, see `calibration_file`).
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
        let header = "身份证号,姓名,缴费年度,缴费金额(元),缴费日期,票据号\n";
        let mut files: Vec<String> = vec![header.to_string(); 4];
        let mut n = 0;
        for p in people {
            if let (Some(tier), false) = (p.tiers[y], p.calibration[y]) {
                n += 1;
                let date = plan::paid_on(p, y, rng);
                let q = (date.month0() / 3) as usize;
                let _ = writeln!(
                    files[q],
                    "{},{},{year},{},{date},PJ{}{year}{n:07}",
                    p.id,
                    p.name,
                    tier / 100,
                    COUNTIES[p.county]
                );
            }
        }
        counts.contributions[y] += n;
        for (q, text) in files.iter().enumerate() {
            if text.len() > header.len() {
                let f = data.join(format!("{year}年第{}季度缴费.csv", q + 1));
                write(&f, text, counts)?;
                import(self.ctx, &f, yanglao_ops::register::contributions::import)?;
            }
        }
        Ok(())
    }

    /// The calibration group's contributions, paid on 28 December at the given tiers.
    fn calibration_file(
        &mut self,
        paying: &[(&Person, i64)],
        y: usize,
        data: &Path,
        counts: &mut Counts,
    ) -> Result<()> {
        let year = YEARS[y];
        let mut s = String::from("身份证号,姓名,缴费年度,缴费金额(元),缴费日期,票据号\n");
        for (k, (p, tier)) in paying.iter().enumerate() {
            let _ = writeln!(
                s,
                "{},{},{year},{},{},PJ{}{year}Z{k:06}",
                p.id,
                p.name,
                tier / 100,
                d(year, 12, 28),
                COUNTIES[p.county]
            );
        }
        counts.contributions[y] += paying.len();
        let f = data.join(format!("{year}年12月缴费（年末）.csv"));
        write(&f, &s, counts)?;
        import(self.ctx, &f, yanglao_ops::register::contributions::import)?;
        Ok(())
    }

    /// 2022's last collection file: tiers such that the fund closes the year on the balance the
    /// report brings forward into 2023 (15,906.48 万元).
    fn close_2022(&mut self, people: &[Person], data: &Path, counts: &mut Counts) -> Result<()> {
        let group: Vec<&Person> = people.iter().filter(|p| p.calibration[1]).collect();
        let closing = yanglao_ops::books::fund::statement(self.ctx, 2022, None)?.closing_fen;
        let target = plan::scaled(15_906_480_000, self.scale);
        let gap_yuan = (target - closing) / 100;
        let tiers = match crate::calibrate::split_total(group.len() as i64, gap_yuan, 10) {
            Some(n) => n,
            None => {
                tracing::warn!("示例校准：2022 年末缴费无法使基金年末滚存结余达到 {target} 分（差 {gap_yuan} 元），按最低档缴费");
                [group.len() as i64, 0, 0, 0, 0]
            }
        };
        let paying = assign(&group, tiers);
        self.calibration_file(&paying, 1, data, counts)
    }

    /// 2023's last collection file: tiers such that the city's and the counties' entry subsidies,
    /// the year's income and the share at the lowest tier are the published ones.
    fn close_2023(&mut self, people: &[Person], data: &Path, counts: &mut Counts) -> Result<()> {
        let group_a: Vec<&Person> = people
            .iter()
            .filter(|p| p.calibration[2] && p.county == 1)
            .collect();
        let group_b: Vec<&Person> = people
            .iter()
            .filter(|p| p.calibration[2] && p.county == 0)
            .collect();
        let x = yanglao_ops::books::budget::execution(self.ctx, 2023, 0.9)?;
        let spent = |level: &str| {
            x.lines
                .iter()
                .filter(|l| l.level == level && l.kind == "entry")
                .map(|l| l.spent_fen)
                .sum::<i64>()
        };
        let income = yanglao_ops::books::fund::statement(self.ctx, 2023, None)?.income_fen;
        let payers = people.iter().filter(|p| p.tiers[2].is_some()).count() as i64;
        let lowest_now = people
            .iter()
            .filter(|p| !p.calibration[2] && p.tiers[2] == Some(20_000))
            .count() as i64;
        // Counts whose share prints as 82.71%.
        let lo = (0.827_05 * payers as f64).ceil() as i64;
        let hi = ((0.827_15 * payers as f64).ceil() as i64 - 1).max(lo);
        // The exit subsidies and government-paid contributions of the year are known by now: aim
        // the entry subsidies so that the whole spending (4,461.65 万元) prints too.
        let exit: i64 = x
            .lines
            .iter()
            .filter(|l| l.kind == "exit")
            .map(|l| l.spent_fen)
            .sum();
        let gov: i64 = x
            .lines
            .iter()
            .filter(|l| l.kind == "gov_paid")
            .map(|l| l.spent_fen)
            .sum();
        let entry_target = plan::scaled(4_461_650_000, self.scale) - exit - gov;
        let city_target = plan::scaled(266_950_000, self.scale);
        let problem = crate::calibrate::Income2023 {
            k_a: group_a.len() as i64,
            k_b: group_b.len() as i64,
            share_a: 20,
            share_b: 40,
            city: (city_target - spent("city")) / 100,
            county: (entry_target - city_target - spent("county")) / 100,
            income: (plan::scaled(9_333_010_000, self.scale) - income) / 100,
            lowest: (lo - lowest_now)..=(hi - lowest_now),
        };
        tracing::info!("示例校准 2023：尚差 市级入口补 {} 元、县级入口补 {} 元、本年收入 {} 元、最低档 {:?} 人；组 {} + {} 人", problem.city, problem.county, problem.income, problem.lowest, problem.k_a, problem.k_b);
        let (na, nb) = problem.solve().unwrap_or_else(|| {
            tracing::warn!("示例校准：2023 年末缴费无法同时达到入口补与本年收入（尚差 市级 {} 元、县级 {} 元、收入 {} 元）", problem.city, problem.county, problem.income);
            // Keep at least the share at the lowest tier: that many at it, the others at 2000 yuan.
            let want = ((problem.lowest.start() + problem.lowest.end()) / 2).clamp(0, problem.k_a + problem.k_b);
            let la = (want * problem.k_a / (problem.k_a + problem.k_b).max(1)).min(problem.k_a);
            let lb = (want - la).min(problem.k_b);
            ([la, 0, 0, problem.k_a - la, 0], [lb, 0, 0, problem.k_b - lb, 0])
        });
        let mut paying = assign(&group_a, na);
        paying.extend(assign(&group_b, nb));
        self.calibration_file(&paying, 2, data, counts)
    }

    /// Deaths of November 2023 reported before the December payroll is approved, chosen so that
    /// the year's exit subsidies, its benefit spending and its payments are the published ones
    /// (2,944.43 万元, 3,532.47 万元, 156.73万 人次).
    fn december_deaths(&mut self, month: Month, data: &Path, counts: &mut Counts) -> Result<()> {
        let x = yanglao_ops::books::budget::execution(self.ctx, 2023, 0.9)?;
        let exit_so_far: i64 = x
            .lines
            .iter()
            .filter(|l| l.kind == "exit")
            .map(|l| l.spent_fen)
            .sum();
        let spending_so_far =
            yanglao_ops::books::fund::statement(self.ctx, 2023, None)?.expenditure_fen;
        let (jan, dec) = (d(2023, 1, 1), month.first_day());
        let (payments_so_far, lines) = self.ctx.db.transaction(|tx| -> Result<_> {
            let so_far = tx.scalar_i64(
                "SELECT CAST(COALESCE(SUM(CASE WHEN account_pension_fen > 0 THEN 1 ELSE 0 END + CASE WHEN exit_province_fen + exit_city_fen + exit_county_fen > 0 THEN 1 ELSE 0 END), 0) AS BIGINT)
                 FROM payroll_lines WHERE status = 'paid' AND to_month >= $1 AND from_month <= $2",
                &[Param::Date(jan), Param::Date(dec)],
            )?;
            let mut lines = Vec::new();
            for r in tx.query(
                "SELECT l.person_id, p.citizen_id, p.name, l.exit_province_fen + l.exit_city_fen + l.exit_county_fen, l.account_pension_fen
                 FROM payroll_lines l JOIN payrolls y ON y.county = l.county AND y.payroll_id = l.payroll_id JOIN persons p ON p.county = l.county AND p.person_id = l.person_id
                 WHERE y.month = $1 AND y.status = 'draft' AND y.kind = 'regular'",
                &[Param::Date(dec)],
            )? {
                lines.push((r.str(1)?, r.str(2)?, r.i64(3)?, r.i64(4)?));
            }
            Ok((so_far, lines))
        })?;
        let exit_dec: i64 = lines.iter().map(|l| l.2).sum();
        let pension_dec: i64 = lines.iter().map(|l| l.3).sum();
        let payments_dec: i64 = lines.iter().map(|l| 1 + i64::from(l.3 > 0)).sum();
        let t = exit_so_far + exit_dec - plan::scaled(2_944_432_500, self.scale);
        let spend =
            spending_so_far + exit_dec + pension_dec - plan::scaled(3_532_470_000, self.scale);
        let z = payments_so_far + payments_dec - plan::scaled(1_567_300, self.scale);
        tracing::info!("示例校准 12 月：出口补超 {t} 分、待遇支出超 {spend} 分、发放人次超 {z}");
        let base = self
            .ctx
            .policy
            .supplementary(COUNTIES[0], dec)
            .map_or(2300, |p| p.exit_subsidy_monthly_fen);
        let with_pension: Vec<(usize, i64, i64)> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.3 > 0)
            .map(|(i, l)| (i, l.2, l.3))
            .collect();
        let Some((chosen, e)) =
            crate::calibrate::december_deaths(t, spend, z, base, &with_pension, (2_000, 1_500, 40))
        else {
            tracing::warn!("示例校准：12 月无法通过死亡报告使出口补、待遇支出与发放人次达到公布数（尚超 {t} 分、{spend} 分、{z} 人次）");
            return Ok(());
        };
        let mut victims: Vec<usize> = chosen;
        victims.extend(
            lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.3 == 0 && l.2 == base)
                .map(|(i, _)| i)
                .take(e as usize),
        );
        // Reported in early December, while the month's payroll is still a draft.
        let mut s = String::from("身份证号,姓名,死亡日期,来源编号,报告日期\n");
        for (k, i) in victims.iter().enumerate() {
            let _ = writeln!(
                s,
                "{},{},2023-11-20,GA202312X{k:05},2023-12-05",
                lines[*i].0, lines[*i].1
            );
        }
        counts.deaths += victims.len();
        let f = data.join("死亡信息-2023-12（补报）.csv");
        write(&f, &s, counts)?;
        import(self.ctx, &f, police_deaths)?;
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
        let mut s = String::from("身份证号,姓名,死亡日期,来源编号,报告日期\n");
        let mut n = 0;
        for p in people {
            if let Some(death) = &p.death {
                if death.reported.year() == year && death.reported.month() == month {
                    n += 1;
                    let _ = writeln!(
                        s,
                        "{},{},{},GA{year}{month:02}{n:05},{}",
                        p.id, p.name, death.date, death.reported
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
        import(self.ctx, &f, police_deaths)?;
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
        if month == Month::parse("2023-12").expect("valid") {
            counts.time("calibration", |c| self.december_deaths(month, data, c))?;
        }
        let out = data.join("发放").join(month.to_string());
        for p in &run.payrolls {
            counts.payrolls += 1;
            counts.payment_lines += p.lines as usize;
            // The payroll is approved by the demo's reviewer account, not its maker.
            let maker = self.ctx.actor.clone();
            let approved = counts.time("payroll approve", |_| {
                yanglao_ops::users::act_as_reviewer_of_all(self.ctx, "demo-checker")?;
                yanglao_ops::payroll::approve(self.ctx, p.id)
            });
            self.ctx.actor = maker;
            approved?;
            let e = counts.time("payroll export", |_| {
                yanglao_ops::payroll::export::export(
                    self.ctx,
                    p.id,
                    &mut yanglao_ops::files::FolderSink::new(&out),
                    &|_, _| {},
                )
            })?;
            counts.files_written += e.files.len();
            let county = COUNTIES.iter().position(|c| *c == p.county).unwrap_or(0);
            let day = paid_day(county, month.year(), month.first_day().month());
            let date = d(month.year(), month.first_day().month(), day);
            for f in e.files.iter().filter(|f| f.contains("银行代发")) {
                let bytes = std::fs::read(f).map_err(|e| {
                    OpsError::rule(
                        "E-DEMO-IO",
                        format!("无法读取 {f}：{}", yanglao_domain::io_error_zh(&e)),
                    )
                })?;
                let ret = bank_return(&bytes, date);
                let path = PathBuf::from(format!("{f}.回盘.csv"));
                write(&path, &ret, counts)?;
                counts.time("bank returns", |_| {
                    import(self.ctx, &path, yanglao_ops::payroll::bank_return::import)
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
                // 2023's refunds add up to the published 10,800 yuan: the last one is partial.
                let amount = if year == 2023 {
                    let cap = plan::scaled(RECOVERED_2023_FEN, self.scale);
                    case.outstanding_fen.min(cap - counts.recovered_2023_fen)
                } else {
                    case.outstanding_fen
                };
                if amount <= 0 {
                    continue;
                }
                let on = d(year, month, 25);
                yanglao_ops::deaths::recovery::record(
                    self.ctx,
                    case.case_id,
                    "family-refund",
                    amount,
                    on,
                    Some("家属退还"),
                )?;
                if year == 2023 {
                    counts.recovered_2023_fen += amount;
                }
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
        import(self.ctx, &f, yanglao_ops::books::bank::import_statement)?;
        Ok(())
    }

    /// The 2023 questionnaires, drawn county by county: each county's sample about in proportion
    /// to its size (contributors and recipients asked apart), its rates its own, and the city's
    /// rates (the counties' weighted by their size, as the evaluation weighs them) the published
    /// ones.
    fn survey(&mut self, data: &Path, counts: &mut Counts) -> Result<()> {
        let w = yanglao_ops::evaluation::survey::weights(self.ctx, 2023)?;
        let size = |m: &std::collections::BTreeMap<String, i64>, c: usize| {
            m.get(COUNTIES[c]).copied().unwrap_or(0).max(1) as f64
        };
        let contributors: [f64; 5] = std::array::from_fn(|c| size(&w.contributors, c));
        let recipients: [f64; 5] = std::array::from_fn(|c| size(&w.recipients, c));
        let both: [f64; 5] = std::array::from_fn(|c| contributors[c] + recipients[c]);
        // Samples roughly proportional to size: some counties drew a few more, some fewer.
        let jitter = [1.06, 0.93, 1.02, 0.96, 1.04];
        let skew = |x: &[f64; 5]| -> [f64; 5] { std::array::from_fn(|c| x[c] * jitter[c]) };
        let n_c = crate::plan::apportion(1_400, &skew(&contributors));
        let n_r = crate::plan::apportion(1_000, &skew(&recipients));
        let n_a: [i64; 5] = std::array::from_fn(|c| n_c[c] + n_r[c]);
        let yes_c =
            crate::money::survey_counts(83.57, &n_c, &contributors, &[2.4, -3.1, 1.3, -1.8, 0.7])?;
        let yes_r =
            crate::money::survey_counts(90.03, &n_r, &recipients, &[1.7, -2.3, 2.8, -1.2, -0.5])?;
        let yes_a = crate::money::survey_counts(79.64, &n_a, &both, &[3.2, -2.6, 1.5, -2.2, 0.9])?;
        let mut s = String::from("问卷编号,年度,县区代码,受访者类型,是否知晓政策,满意度\n");
        let mut q = 0;
        for c in 0..5 {
            let mut k = 0;
            for (who, n, yes) in [
                ("参保缴费人员", n_c[c], yes_c[c]),
                ("待遇领取人员", n_r[c], yes_r[c]),
            ] {
                for i in 0..n {
                    let aware = if k < yes_a[c] { "是" } else { "否" };
                    let sat = if i < yes {
                        if (i + c as i64) % 3 == 0 {
                            "非常满意"
                        } else {
                            "满意"
                        }
                    } else if (i + c as i64) % 2 == 0 {
                        "一般"
                    } else {
                        "不满意"
                    };
                    let _ = writeln!(s, "Q2023{q:05},2023,{},{who},{aware},{sat}", COUNTIES[c]);
                    q += 1;
                    k += 1;
                }
            }
        }
        let f = data.join("2023年满意度及政策知晓度调查.csv");
        write(&f, &s, counts)?;
        import(self.ctx, &f, yanglao_ops::evaluation::survey::import)?;
        Ok(())
    }
}

/// The account pensions of 2023 (3,532.47 − 2,944.43 万元), and the margin the January choice
/// leaves for the deaths reported in December to take off.
const PENSIONS_2023_FEN: i64 = 588_040_000;
/// Recovered in 2023 (the report: 10,800 yuan).
const RECOVERED_2023_FEN: i64 = 1_080_000;
const PENSION_MARGIN_FEN: i64 = 1_500_000;

/// The demo's policy: the illustrative parameters with Yangquan's choices (examples/demo/policy.toml).
pub const POLICY: &str = include_str!("../../../examples/demo/policy.toml");
/// The file name the demo's policy is stored under.
pub const POLICY_FILE: &str = "examples/demo/policy.toml";

/// The calibration group paired with its tier counts (lowest tier first).
fn assign<'p>(group: &[&'p Person], counts: [i64; 5]) -> Vec<(&'p Person, i64)> {
    let mut tiers = Vec::with_capacity(group.len());
    for (k, n) in counts.iter().enumerate() {
        tiers.extend(std::iter::repeat_n(
            crate::calibrate::TIERS[k].0 * 100,
            (*n).max(0) as usize,
        ));
    }
    group.iter().copied().zip(tiers).collect()
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
pub fn bank_return(bank_file: &[u8], date: NaiveDate) -> String {
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
