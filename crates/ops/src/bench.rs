//! `bench import`: generates N valid contribution rows with their persons, imports both into a
//! fresh database and measures rows per second. The generators are also used by the tests.

use crate::{contributions, persons, Ctx, OpsError, Result};
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use yanglao_domain::bank::with_luhn_digit;
use yanglao_domain::CitizenId;
use yanglao_store::Db;

pub const COUNTIES: [&str; 5] = ["140302", "140303", "140311", "140321", "140322"];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "郭", "贾", "梁", "韩", "武", "乔",
];
const GIVEN: &[&str] = &[
    "秀英", "桂兰", "建国", "国强", "丽", "伟", "芳", "军", "红梅", "志刚", "淑珍", "海燕", "俊",
    "玉兰", "文", "晓东",
];
const BANKS: &[&str] = &[
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
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
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

#[derive(Debug, Clone, Serialize)]
pub struct BackendFigures {
    pub backend: &'static str,
    pub rows: usize,
    pub persons_seconds: f64,
    pub persons_rows_per_s: f64,
    pub contributions_seconds: f64,
    pub contributions_rows_per_s: f64,
}

/// Imports the generated files into a freshly created database and times both imports.
pub fn run_backend(
    backend: &'static str,
    url: &str,
    policy: &yanglao_policy::PolicySet,
    persons_file: &Path,
    contributions_file: &Path,
    rows: usize,
) -> Result<BackendFigures> {
    let mut db = Db::open(url)?;
    db.migrate()?;
    let mut ctx = Ctx::new(db, policy.clone(), "bench");
    let t = Instant::now();
    let p = persons::import(&mut ctx, persons_file, false)?;
    let persons_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let c = contributions::import(&mut ctx, contributions_file, false)?;
    let contributions_seconds = t.elapsed().as_secs_f64();
    if !p.ok() || !c.ok() || c.posted != rows {
        return Err(OpsError::rule(
            "E-BENCH-IMPORT",
            format!(
                "基准测试数据导入失败：人员错误 {} 条，缴费错误 {} 条，入账 {} 行",
                p.errors.len(),
                c.errors.len(),
                c.posted
            ),
        ));
    }
    Ok(BackendFigures {
        backend,
        rows,
        persons_seconds,
        persons_rows_per_s: rows as f64 / persons_seconds,
        contributions_seconds,
        contributions_rows_per_s: rows as f64 / contributions_seconds,
    })
}
