//! Enrolment analysis (参保缴费变动分析): contributors, new joiners, returners and lapses by
//! county, age group and tier, year by year, with the reasons for lapsing the data can show; and
//! the outreach list of basic-scheme members who do not contribute (the report's recommendation 3).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use yanglao_domain::age_on;
use yanglao_store::Param;

use crate::access::Action;
use crate::register::index::FastMap;
use crate::{Ctx, OpsError, Result};

/// Age groups on 1 January of the year.
pub const AGE_GROUPS: [&str; 6] = [
    "16–29 岁",
    "30–39 岁",
    "40–49 岁",
    "50–59 岁",
    "60–64 岁",
    "65 岁及以上",
];

fn age_group(age: i32) -> &'static str {
    match age {
        ..=29 => AGE_GROUPS[0],
        30..=39 => AGE_GROUPS[1],
        40..=49 => AGE_GROUPS[2],
        50..=59 => AGE_GROUPS[3],
        60..=64 => AGE_GROUPS[4],
        _ => AGE_GROUPS[5],
    }
}

/// Why someone who contributed last year did not this year, as far as the register knows.
pub const LAPSE_REASONS: [(&str, &str); 4] = [
    ("benefit_age", "已达待遇领取年龄"),
    ("terminated", "死亡或终止参保"),
    ("left_basic", "已不在城乡居民基本养老保险"),
    ("unknown", "未续缴（原因不详）"),
];

#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct Cell {
    pub contributors: i64,
    /// First contribution ever this year.
    pub new: i64,
    /// Contributed before, not last year, again this year.
    pub returning: i64,
    /// Contributed last year, not this year (counted in last year's group and tier).
    pub lapsed: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct YearAnalysis {
    pub year: i32,
    /// County → totals.
    pub by_county: BTreeMap<String, Cell>,
    /// County → age group → counts.
    pub by_age: BTreeMap<String, BTreeMap<String, Cell>>,
    /// County → tier (yuan, "政府代缴" for government-paid only) → counts.
    pub by_tier: BTreeMap<String, BTreeMap<String, Cell>>,
    /// County → lapse reason code → people.
    pub lapse_reasons: BTreeMap<String, BTreeMap<String, i64>>,
    /// Share of the lowest tier among self-paying contributors, percent (city).
    pub lowest_tier_share_pct: Option<f64>,
}

#[derive(Clone, Copy)]
struct Paid {
    county: u32,
    /// Self-paid tier in fen (0: government-paid only).
    tier_fen: i64,
}

/// The analysis of `from..=to`.
pub fn analyse(ctx: &mut Ctx, from: i32, to: i32) -> Result<Vec<YearAnalysis>> {
    ctx.actor.require(Action::Read)?;
    if from > to {
        return Err(OpsError::rule(
            "E-YEAR",
            format!("起始年度 {from} 晚于终止年度 {to}"),
        ));
    }
    let policy = ctx.policy.clone();
    ctx.db.transaction(|tx| -> Result<Vec<YearAnalysis>> {
        // Every person-year of contribution, up to `to`.
        let mut years: BTreeMap<i32, FastMap<i64, Paid>> = BTreeMap::new();
        let mut first_year: FastMap<i64, i32> = FastMap::default();
        tx.for_each_ref(
            "SELECT person_id, year, county, kind, personal_fen FROM account_movements WHERE kind IN ('self', 'gov_paid') AND year <= $1",
            &[Param::Int(to.into())],
            |r| {
                let (p, y) = (r.i64(0)?, r.i64(1)? as i32);
                let tier = if r.str(3)? == "self" { r.i64(4)? } else { 0 };
                let e = years.entry(y).or_default().entry(p).or_insert(Paid { county: crate::register::index::county_key(r.str(2)?), tier_fen: 0 });
                e.tier_fen = e.tier_fen.max(tier);
                let f = first_year.entry(p).or_insert(y);
                *f = (*f).min(y);
                Ok(())
            },
        )?;
        let mut birth: FastMap<i64, (NaiveDate, bool)> = FastMap::default();
        tx.for_each_ref("SELECT person_id, birth_date, basic_enrolled FROM persons", &[], |r| {
            birth.insert(r.i64(0)?, (r.date(1)?, r.bool(2)?));
            Ok(())
        })?;
        let mut ended: FastMap<i64, NaiveDate> = FastMap::default();
        tx.for_each_ref("SELECT person_id, MIN(effective_date) FROM person_events WHERE status = 'terminated' GROUP BY person_id", &[], |r| {
            ended.insert(r.i64(0)?, r.date(1)?);
            Ok(())
        })?;
        let empty = FastMap::default();
        let mut out = Vec::new();
        for year in from..=to {
            let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid");
            let benefit_age = |county: u32| policy.supplementary(&format!("{county:06}"), jan1).map_or(65, |p| p.benefit_age as i32);
            let this = years.get(&year).unwrap_or(&empty);
            let last = years.get(&(year - 1)).unwrap_or(&empty);
            let mut a = YearAnalysis {
                year,
                by_county: BTreeMap::new(),
                by_age: BTreeMap::new(),
                by_tier: BTreeMap::new(),
                lapse_reasons: BTreeMap::new(),
                lowest_tier_share_pct: None,
            };
            let tier_label = |fen: i64| if fen == 0 { "政府代缴".to_string() } else { format!("{} 元", fen / 100) };
            let add = |a: &mut YearAnalysis, county: u32, p: i64, tier: i64, on: NaiveDate, f: &dyn Fn(&mut Cell)| {
                let c = format!("{county:06}");
                let age = birth.get(&p).map_or(0, |b| age_on(b.0, on));
                for key in [c.clone(), String::new()] {
                    f(a.by_county.entry(key.clone()).or_default());
                    f(a.by_age.entry(key.clone()).or_default().entry(age_group(age).to_string()).or_default());
                    f(a.by_tier.entry(key).or_default().entry(tier_label(tier)).or_default());
                }
            };
            let (mut lowest, mut self_paid) = (0i64, 0i64);
            for (p, paid) in this {
                let is_new = first_year.get(p) == Some(&year);
                let returning = !is_new && !last.contains_key(p);
                add(&mut a, paid.county, *p, paid.tier_fen, jan1, &|c: &mut Cell| {
                    c.contributors += 1;
                    c.new += i64::from(is_new);
                    c.returning += i64::from(returning);
                });
                if paid.tier_fen > 0 {
                    self_paid += 1;
                    let lowest_tier = policy
                        .supplementary(&format!("{:06}", paid.county), jan1)
                        .ok()
                        .and_then(|sp| sp.tiers.iter().map(|t| t.contribution_fen).min());
                    lowest += i64::from(lowest_tier == Some(paid.tier_fen));
                }
            }
            a.lowest_tier_share_pct = (self_paid > 0).then(|| lowest as f64 * 100.0 / self_paid as f64);
            for (p, paid) in last.iter().filter(|(p, _)| !this.contains_key(p)) {
                let prev_jan1 = NaiveDate::from_ymd_opt(year - 1, 1, 1).expect("valid");
                add(&mut a, paid.county, *p, paid.tier_fen, prev_jan1, &|c: &mut Cell| c.lapsed += 1);
                let (b, basic) = birth.get(p).copied().unwrap_or((jan1, true));
                let reason = if age_on(b, jan1) >= benefit_age(paid.county) {
                    "benefit_age"
                } else if ended.get(p).is_some_and(|d| *d < jan1.with_year_end()) {
                    "terminated"
                } else if !basic {
                    "left_basic"
                } else {
                    "unknown"
                };
                for key in [format!("{:06}", paid.county), String::new()] {
                    *a.lapse_reasons.entry(key).or_default().entry(reason.to_string()).or_default() += 1;
                }
            }
            out.push(a);
        }
        Ok(out)
    })
}

trait YearEnd {
    fn with_year_end(self) -> NaiveDate;
}

impl YearEnd for NaiveDate {
    /// 31 December of the date's year.
    fn with_year_end(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(chrono::Datelike::year(&self), 12, 31).expect("valid")
    }
}

/// One basic-scheme member not contributing to the supplementary scheme in the year.
#[derive(Debug, Clone, Serialize)]
pub struct Prospect {
    pub county: String,
    pub citizen_id: String,
    pub name: String,
    /// The township and village the register gives (empty if it does not).
    pub township: String,
    pub village: String,
    pub phone: String,
    pub age: i32,
    pub last_contribution_year: Option<i32>,
    pub last_tier_fen: Option<i64>,
}

/// What [`outreach`] wrote: where the sink put the list, and how many people it lists, by county.
#[derive(Debug, Clone, Serialize)]
pub struct OutreachOutcome {
    pub file: String,
    pub by_county: BTreeMap<String, i64>,
}

/// Who the outreach list holds beyond the year: one county, an age range on 1 January, a
/// township or village (part of its name).
#[derive(Debug, Clone, Default)]
pub struct OutreachFilter {
    pub county: Option<String>,
    pub age_from: Option<i32>,
    pub age_to: Option<i32>,
    pub place: Option<String>,
}

/// Writes the outreach list of `year` with `filter` as the xlsx file `name` of `sink`; the list
/// is in the audit log.
pub fn outreach_filtered(
    ctx: &mut Ctx,
    year: i32,
    filter: &OutreachFilter,
    sink: &mut dyn crate::files::FileSink,
    name: &str,
) -> Result<OutreachOutcome> {
    let list = prospects(ctx, year, filter)?;
    let full = crate::access::may_reveal(ctx.actor.role);
    let county = filter.county.as_deref();
    let bytes = outreach_xlsx(&list, name)?;
    let file = sink.put(name, &mut |w| {
        w.write_all(&bytes).map_err(crate::files::write_error)
    })?;
    let actor = ctx.who();
    let rows = list.len();
    ctx.db.transaction(|tx| {
        crate::audit(
            tx,
            &actor,
            "outreach.export",
            &serde_json::json!({"year": year, "county": county, "age_from": filter.age_from, "age_to": filter.age_to, "place": filter.place, "rows": rows, "masked": !full}),
        )
    })?;
    let mut by_county: BTreeMap<String, i64> = BTreeMap::new();
    for p in &list {
        *by_county.entry(p.county.clone()).or_default() += 1;
    }
    Ok(OutreachOutcome { file, by_county })
}

/// The outreach list of `year`: members of the basic scheme, alive, of contribution age, who
/// did not contribute to the supplementary scheme in the year, in the actor's counties, with the
/// IDs and phones masked for a role that may not see them in full.
pub fn prospects(ctx: &mut Ctx, year: i32, filter: &OutreachFilter) -> Result<Vec<Prospect>> {
    let county = ctx
        .actor
        .county_for_read(filter.county.as_deref())?
        .map(str::to_string);
    let county = county.as_deref();
    let jan1 = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| OpsError::rule("E-YEAR", format!("年度 {year} 无效")))?;
    let policy = ctx.policy.clone();
    let list = ctx.db.transaction(|tx| -> Result<Vec<Prospect>> {
        let counties = crate::known_counties(tx)?;
        if let Some(c) = county.filter(|c| !counties.contains_key(*c)) {
            return Err(OpsError::rule("E-REGION-UNKNOWN", format!("县区代码“{c}”不是本系统登记的县区")));
        }
        let mut last: FastMap<i64, (i32, i64)> = FastMap::default();
        let mut this_year: FastMap<i64, ()> = FastMap::default();
        tx.for_each_ref(
            "SELECT person_id, year, kind, personal_fen FROM account_movements WHERE kind IN ('self', 'gov_paid') AND year <= $1",
            &[Param::Int(year.into())],
            |r| {
                let (p, y) = (r.i64(0)?, r.i64(1)? as i32);
                if y == year {
                    this_year.insert(p, ());
                } else {
                    let tier = if r.str(2)? == "self" { r.i64(3)? } else { 0 };
                    let e = last.entry(p).or_insert((y, tier));
                    if y > e.0 || (y == e.0 && tier > e.1) {
                        *e = (y, tier);
                    }
                }
                Ok(())
            },
        )?;
        let mut ended: FastMap<i64, ()> = FastMap::default();
        tx.for_each_ref("SELECT DISTINCT person_id FROM person_events WHERE status = 'terminated' AND effective_date <= $1", &[Param::Date(jan1.with_year_end())], |r| {
            ended.insert(r.i64(0)?, ());
            Ok(())
        })?;
        let mut out = Vec::new();
        tx.for_each_ref(
            "SELECT person_id, county, citizen_id, name, phone, birth_date, township, village FROM persons WHERE basic_enrolled = $1 ORDER BY county, COALESCE(township, ''), COALESCE(village, ''), citizen_id",
            &[Param::Bool(true)],
            |r| {
                let p = r.i64(0)?;
                let c = r.str(1)?;
                if county.is_some_and(|x| x != c) || this_year.contains_key(&p) || ended.contains_key(&p) {
                    return Ok(());
                }
                let age = age_on(r.date(5)?, jan1);
                let benefit_age = policy.supplementary(c, jan1).map_or(65, |sp| sp.benefit_age as i32);
                if !(16..benefit_age).contains(&age) {
                    return Ok(());
                }
                let l = last.get(&p).copied();
                out.push(Prospect {
                    county: c.to_string(),
                    citizen_id: r.str(2)?.to_string(),
                    name: r.str(3)?.to_string(),
                    township: r.opt_str(6)?.unwrap_or("").to_string(),
                    village: r.opt_str(7)?.unwrap_or("").to_string(),
                    // A phone is optional in the register: the list shows an empty cell.
                    phone: r.opt_str(4)?.unwrap_or("").to_string(),
                    age,
                    last_contribution_year: l.map(|x| x.0),
                    last_tier_fen: l.map(|x| x.1),
                });
                Ok(())
            },
        )?;
        Ok(out)
    })?;
    // The list is personal data: a role that may not see full IDs gets them (and the phones)
    // masked.
    let mut list = list;
    let place = filter
        .place
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    list.retain(|p| {
        filter.age_from.is_none_or(|a| p.age >= a)
            && filter.age_to.is_none_or(|a| p.age <= a)
            && place.is_none_or(|t| p.township.contains(t) || p.village.contains(t))
    });
    if !crate::access::may_reveal(ctx.actor.role) {
        for p in &mut list {
            p.citizen_id = crate::ledger::masked_id(&p.citizen_id);
            p.phone = masked_phone(&p.phone);
        }
    }
    Ok(list)
}

/// A phone number with its middle hidden (`138****5678`).
pub fn masked_phone(phone: &str) -> String {
    let c: Vec<char> = phone.chars().collect();
    if c.len() < 7 {
        return "*".repeat(c.len());
    }
    let n = c.len();
    format!(
        "{}{}{}",
        c[..3].iter().collect::<String>(),
        "*".repeat(n - 7),
        c[n - 4..].iter().collect::<String>()
    )
}

/// The outreach list as the bytes of an xlsx workbook (`name` is for messages).
fn outreach_xlsx(list: &[Prospect], name: &str) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let x = |e: rust_xlsxwriter::XlsxError| {
        OpsError::rule(
            "E-EXPORT-WRITE",
            format!(
                "无法写入 {name}：{}",
                crate::imports::problems::xlsx_error_zh(&e)
            ),
        )
    };
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(1);
    let bold = Format::new().set_bold();
    let headers = [
        "县区代码",
        "县区",
        "乡镇（街道）",
        "村（社区）",
        "身份证号",
        "姓名",
        "联系电话",
        "年龄",
        "最近缴费年度",
        "最近缴费档次",
    ];
    // One sheet holds at most 1,048,575 data rows.
    const PER_SHEET: usize = 1_000_000;
    let chunks: Vec<&[Prospect]> = if list.is_empty() {
        vec![&[]]
    } else {
        list.chunks(PER_SHEET).collect()
    };
    for (k, chunk) in chunks.iter().enumerate() {
        let ws = wb.add_worksheet_with_constant_memory().map_err(x)?;
        ws.set_name(if k == 0 {
            "待动员人员".to_string()
        } else {
            format!("待动员人员{}", k + 1)
        })
        .map_err(x)?;
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)
                .map_err(x)?;
        }
        for (i, p) in chunk.iter().enumerate() {
            let r = (i + 1) as u32;
            ws.write_string(r, 0, &p.county).map_err(x)?;
            ws.write_string(r, 1, yanglao_domain::county_name(&p.county).unwrap_or(""))
                .map_err(x)?;
            ws.write_string(r, 2, &p.township).map_err(x)?;
            ws.write_string(r, 3, &p.village).map_err(x)?;
            ws.write_string(r, 4, &p.citizen_id).map_err(x)?;
            ws.write_string(r, 5, &p.name).map_err(x)?;
            ws.write_string(r, 6, &p.phone).map_err(x)?;
            ws.write_number(r, 7, f64::from(p.age)).map_err(x)?;
            match p.last_contribution_year {
                Some(y) => ws.write_number(r, 8, f64::from(y)).map_err(x)?,
                None => ws.write_string(r, 8, "从未缴费").map_err(x)?,
            };
            match p.last_tier_fen {
                Some(0) => ws.write_string(r, 9, "政府代缴").map_err(x)?,
                Some(f) => ws
                    .write_string(r, 9, format!("{} 元", f / 100))
                    .map_err(x)?,
                None => ws.write_string(r, 9, "").map_err(x)?,
            };
        }
    }
    wb.save_to_buffer().map_err(x)
}
