//! The demo's population: Yangquan's five counties in 2021–2023, shaped so that the system's own
//! computations give the report's published figures (docs/demo.md explains every choice).
//! Everything here is a pure function of the scale and the seed.

use std::collections::HashMap;

use chrono::NaiveDate;
use yanglao_domain::bank::with_luhn_digit;
use yanglao_domain::CitizenId;

pub const COUNTIES: [&str; 5] = ["140302", "140303", "140311", "140321", "140322"];
pub const YEARS: [i32; 3] = [2021, 2022, 2023];

/// The townships (乡镇、街道) of each county, by [`COUNTIES`]: where the register says people
/// live, so that the outreach list goes to the village that canvasses.
const TOWNSHIPS: [&[&str]; 5] = [
    &[
        "上站街道",
        "下站街道",
        "北大街街道",
        "南山路街道",
        "义井街道",
    ],
    &["沙坪街道", "赛鱼街道", "平潭街街道", "桥头街道", "蔡洼街道"],
    &[
        "荫营镇",
        "河底镇",
        "平坦镇",
        "西南舁乡",
        "李家庄乡",
        "旧街乡",
    ],
    &[
        "冠山镇",
        "冶西镇",
        "锁簧镇",
        "张庄镇",
        "东回镇",
        "柏井镇",
        "娘子关镇",
    ],
    &[
        "秀水镇",
        "孙家庄镇",
        "路家村镇",
        "南娄镇",
        "牛村镇",
        "苌池镇",
        "上社镇",
    ],
];
const PLACE_HEADS: [&str; 20] = [
    "东", "西", "南", "北", "上", "下", "前", "后", "大", "小", "石", "柳", "杨", "李", "张", "王",
    "马", "白", "红", "新",
];
const VILLAGE_TAILS: [&str; 10] = ["庄", "坪", "沟", "峪", "岭", "头", "河", "家庄", "窑", "寨"];
const COMMUNITY_TAILS: [&str; 5] = ["苑", "园", "里", "街", "巷"];

/// A person's township and village (or community, in a 街道) from bits of their draw `n`: eight
/// places in each township, named from the heads and tails above.
fn place(county: usize, n: u64) -> (&'static str, String) {
    let towns = TOWNSHIPS[county];
    let t = ((n >> 32) % towns.len() as u64) as usize;
    let v = ((n >> 40) % 8) as usize;
    let head = PLACE_HEADS[(t * 7 + v * 3 + county) % PLACE_HEADS.len()];
    let village = if towns[t].ends_with("街道") {
        format!(
            "{head}{}社区",
            COMMUNITY_TAILS[(t + v) % COMMUNITY_TAILS.len()]
        )
    } else {
        format!(
            "{head}{}村",
            VILLAGE_TAILS[(t * 3 + v) % VILLAGE_TAILS.len()]
        )
    };
    (towns[t], village)
}

/// Contributors (self-paid or government-paid) by year and county, at full scale. 2023 totals
/// 117,275: 11.73万, and 78.92% of the 148,600 target; 2022 totals 122,314, so 2023 is −4.12%;
/// only 平定县 falls by more than 5% in 2023, and only 平定县 and 盂县 are below 2021.
pub const CONTRIBUTORS: [[i64; 5]; 3] = [
    [21_873, 15_987, 23_958, 48_206, 41_676],
    [22_287, 16_214, 24_391, 31_414, 28_008],
    [22_093, 16_071, 24_117, 28_325, 26_669],
];
/// Government-paid contributors (hardship groups) by year; 2023: 31,916 × 200 yuan = 638.32万.
pub const GOVERNMENT_PAID: [i64; 3] = [30_500, 31_200, 31_916];
/// Of them, also paying a tier themselves; 2023: 0.36万.
pub const BOTH: [i64; 3] = [3_000, 3_300, 3_600];
/// How the hardship groups spread over the counties.
pub const HARDSHIP_WEIGHTS: [f64; 5] = [0.12, 0.10, 0.15, 0.33, 0.30];
/// Recipients at launch (over benefit age on 1 January 2021) and their spread.
pub const ELDERLY: i64 = 91_854;
pub const ELDERLY_WEIGHTS: [f64; 5] = [0.19, 0.13, 0.20, 0.25, 0.23];
/// Contributors reaching 65 and awarded in each year (they then receive an account pension as
/// well as the exit subsidy). Recipients: 91,854 + 11,836 = 103,690 (10.37万); − 6,430 deaths +
/// 10,740 = 108,000 (10.8万); − 3,808 + 6,000 = 110,192 (11.02万, +2.03%; +6.27% on 2021).
pub const NEW_RECIPIENTS: [i64; 3] = [11_836, 10_740, 6_000];
/// Deaths among recipients each year; of them, reported only after the next payroll was paid.
pub const DEATHS: [i64; 3] = [6_430, 3_808, 3_138];
pub const LATE_DEATHS: [i64; 3] = [1_100, 1_250, 1_319];
/// Overpayment cases recovered in full during the year of the death (2023: 540 × 20 yuan =
/// 10,800 yuan: 471 of 22.90 or 23.00 yuan and one part-refund).
pub const RECOVERED_CASES: [i64; 3] = [450, 500, 472];
/// How the recovered cases spread over the counties (each recovers its own share of its late
/// reports: 城区 and 郊区 trace families best, 矿区 least).
pub const RECOVERY_WEIGHTS: [f64; 5] = [0.27, 0.07, 0.22, 0.24, 0.20];
/// How the deaths reported late spread over the counties (the mining district's and the
/// suburbs' residents more often die away from home).
pub const LATE_WEIGHTS: [f64; 5] = [0.17, 0.12, 0.22, 0.27, 0.22];
/// Of each year's regular self-payers, the share who had lapsed the year before and pay again
/// (恢复缴费).
pub const RETURNING_SHARE: f64 = 0.012;
/// Basic-scheme members of working age who never contribute (the outreach list).
pub const NON_CONTRIBUTORS: i64 = 60_000;
/// Share of self-paying contributors at the lowest tier.
pub const LOWEST_TIER_SHARE: f64 = 0.8271;
/// The other tiers (500, 1000, 2000, 5000 yuan) among the rest, by year.
pub const UPPER: [i64; 4] = [50_000, 100_000, 200_000, 500_000];
pub const UPPER_TIERS: [[f64; 4]; 3] = [
    [0.62, 0.25, 0.09, 0.04],
    [0.62, 0.25, 0.09, 0.04],
    [0.58, 0.0, 0.29, 0.13],
];
/// The tiers of the contributors about to reach benefit age (they pay more, and their account
/// pensions make the year's account-pension spending).
pub const COHORT_TIERS: [(i64, f64); 3] = [(100_000, 0.75), (200_000, 0.22), (500_000, 0.03)];
/// Self-payers of 城区 and 矿区 whose December contributions of 2022 and 2023 arrive in the year's
/// last collection file; their tiers are set when it is written, so that the books close on the
/// published figures (see `calibrate`).
pub const CALIBRATION_SHARE: f64 = 0.15;
/// The share of the calibration group the plan expects at the lowest tier.
pub const CALIBRATION_LOWEST: f64 = 0.62;
/// New joiners each year among the regular self-payers.
pub const NEW_JOINER_SHARE: f64 = 0.04;
/// Regular payrolls the banks paid after the 15th: (county, year, month, day paid). Every county
/// but 城区.
pub const LATE_PAYROLLS: [(usize, i32, u32, u32); 8] = [
    (1, 2023, 3, 17),
    (2, 2023, 5, 16),
    (2, 2023, 9, 18),
    (3, 2023, 2, 20),
    (3, 2023, 7, 17),
    (3, 2023, 11, 16),
    (4, 2023, 4, 19),
    (4, 2023, 10, 17),
];

const SURNAMES: [&str; 40] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕",
];
const GIVEN: [&str; 48] = [
    "建国", "秀英", "桂兰", "志强", "玉兰", "淑珍", "红梅", "文斌", "丽华", "国庆", "海燕", "春花",
    "建华", "秀兰", "明", "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
    "杰", "娟", "涛", "超", "霞", "平", "刚", "桂英", "凤英", "永刚", "晓东", "小红", "金凤",
    "玉梅", "翠兰", "保平", "福生", "二虎", "润莲", "改香", "海平",
];
const BANKS: [&str; 5] = [
    "中国农业银行",
    "中国邮政储蓄银行",
    "山西农村商业银行",
    "中国建设银行",
    "中国工商银行",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Over benefit age at launch: the exit subsidy from January 2021.
    Elderly,
    /// Reaches benefit age in 2021, 2022 or 2023 after contributing (index into YEARS).
    Cohort(usize),
    Hardship,
    Regular,
    NonContributor,
}

#[derive(Debug, Clone)]
pub struct Death {
    pub date: NaiveDate,
    /// When the police file carrying it arrives (imported before that month's payroll).
    pub reported: NaiveDate,
    /// Reported after the next month's payroll was paid: an overpayment.
    pub late: bool,
    /// The family refunded the overpayment within the year.
    pub recovered: bool,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub county: usize,
    pub id: CitizenId,
    pub name: String,
    pub township: &'static str,
    pub village: String,
    pub phone: String,
    pub bank: &'static str,
    pub account: String,
    pub role: Role,
    /// Self-paid tier (fen) per year of YEARS.
    pub tiers: [Option<i64>; 3],
    pub gov: [bool; 3],
    pub hardship_from: Option<NaiveDate>,
    pub death: Option<Death>,
    /// In the year's last collection file, tier set at the time (see CALIBRATION_SHARE).
    pub calibration: [bool; 3],
}

pub use yanglao_testdata::Rng;

/// Splits `total` by `weights` into whole numbers that add up to it (largest remainders).
pub fn apportion(total: i64, weights: &[f64; 5]) -> [i64; 5] {
    let sum: f64 = weights.iter().sum();
    let raw: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut out = [0i64; 5];
    for (o, r) in out.iter_mut().zip(&raw) {
        *o = r.floor() as i64;
    }
    let mut order: Vec<usize> = (0..5).collect();
    order.sort_by(|a, b| (raw[*b] - raw[*b].floor()).total_cmp(&(raw[*a] - raw[*a].floor())));
    let short = total - out.iter().sum::<i64>();
    for k in order.into_iter().take(short.max(0) as usize) {
        out[k] += 1;
    }
    out
}

pub fn scaled(x: i64, scale: f64) -> i64 {
    (x as f64 * scale).round() as i64
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

struct Maker {
    rng: Rng,
    seq: HashMap<(usize, NaiveDate), u32>,
    accounts: u64,
}

impl Maker {
    fn person(&mut self, county: usize, born: NaiveDate, role: Role) -> Person {
        // A free sequence number for the county and birth date (odd: men, even: women).
        let mut born = born;
        let seq = loop {
            let s = self.seq.entry((county, born)).or_insert(0);
            if *s < 999 {
                *s += 1;
                break *s;
            }
            born = born.succ_opt().expect("valid");
        };
        let id = CitizenId::from_body(&format!(
            "{}{}{seq:03}",
            COUNTIES[county],
            born.format("%Y%m%d")
        ))
        .expect("generated IDs are valid");
        let n = self.rng.next_u64();
        let name = format!(
            "{}{}",
            SURNAMES[(n % 40) as usize],
            GIVEN[((n >> 8) % 48) as usize]
        );
        self.accounts += 1;
        let (township, village) = place(county, n);
        Person {
            county,
            id,
            name,
            township,
            village,
            phone: format!("139{:08}", self.rng.below(100_000_000)),
            bank: BANKS[(county + (n >> 16) as usize % 2) % BANKS.len()],
            account: with_luhn_digit(&format!("62284{:013}", self.accounts)),
            role,
            tiers: [None; 3],
            gov: [false; 3],
            hardship_from: None,
            death: None,
            calibration: [false; 3],
        }
    }
}

/// The plan's counts at the chosen scale, each split over the five counties.
struct Counts {
    /// Government-paid contributors by year.
    gov: Vec<[i64; 5]>,
    /// Of them, also paying a tier themselves, by year.
    both: Vec<[i64; 5]>,
    elderly: [i64; 5],
    /// Contributors reaching benefit age, by the year they reach it.
    cohorts: Vec<[i64; 5]>,
    /// Deaths among recipients by year; of them reported late; of those recovered.
    deaths: Vec<[i64; 5]>,
    late: Vec<[i64; 5]>,
    recovered: Vec<[i64; 5]>,
    non: [i64; 5],
}

impl Counts {
    fn new(scale: f64) -> Counts {
        let by_year = |counts: &[i64; 3], weights: &[f64; 5]| -> Vec<[i64; 5]> {
            (0..3)
                .map(|y| apportion(scaled(counts[y], scale), weights))
                .collect()
        };
        let weights_of =
            |y: usize| -> [f64; 5] { std::array::from_fn(|c| CONTRIBUTORS[y][c] as f64) };
        Counts {
            gov: by_year(&GOVERNMENT_PAID, &HARDSHIP_WEIGHTS),
            both: by_year(&BOTH, &HARDSHIP_WEIGHTS),
            elderly: apportion(scaled(ELDERLY, scale), &ELDERLY_WEIGHTS),
            cohorts: by_year(&NEW_RECIPIENTS, &weights_of(0)),
            deaths: by_year(&DEATHS, &ELDERLY_WEIGHTS),
            late: by_year(&LATE_DEATHS, &LATE_WEIGHTS),
            recovered: by_year(&RECOVERED_CASES, &RECOVERY_WEIGHTS),
            non: apportion(scaled(NON_CONTRIBUTORS, scale), &ELDERLY_WEIGHTS),
        }
    }
}

/// The whole population, in a fixed order.
pub fn population(scale: f64, seed: u64) -> Vec<Person> {
    let mut mk = Maker {
        rng: Rng::new(seed),
        seq: HashMap::new(),
        accounts: 0,
    };
    let mut people: Vec<Person> = Vec::new();
    let n = Counts::new(scale);
    for c in 0..5 {
        elderly(&mut mk, &mut people, &n, c);
        cohorts(&mut mk, &mut people, &n, c);
        hardship(&mut mk, &mut people, &n, c);
        regular(&mut mk, &mut people, &n, c, scale);
        for _ in 0..n.non[c] {
            let born = mk.rng.date(d(1961, 1, 1), d(2000, 12, 31));
            people.push(mk.person(c, born, Role::NonContributor));
        }
    }
    calibration_groups(&mut mk, &mut people);
    for y in 0..3 {
        tiers(&mut mk, &mut people, y);
    }
    people
}

/// County `c`'s recipients at launch, some of whom die each year (the oldest first).
fn elderly(mk: &mut Maker, people: &mut Vec<Person>, n: &Counts, c: usize) {
    let start = people.len();
    for _ in 0..n.elderly[c] {
        let born = mk.rng.date(d(1926, 1, 1), d(1955, 12, 31));
        people.push(mk.person(c, born, Role::Elderly));
    }
    // The oldest die first.
    let mut idx: Vec<usize> = (start..people.len()).collect();
    idx.sort_by_key(|i| people[*i].id.birth_date());
    let mut next = idx.into_iter();
    for (y, &year) in YEARS.iter().enumerate() {
        for k in 0..n.deaths[y][c] {
            let Some(i) = next.next() else { break };
            let is_late = k < n.late[y][c];
            // A late report arrives two months after the death (the month after it is paid);
            // an on-time one the month after, before that month's payroll.
            let month = 1 + mk.rng.below(if is_late { 10 } else { 11 }) as u32;
            let date = mk.rng.date(d(year, month, 1), d(year, month, 28));
            let reported_month = month + if is_late { 2 } else { 1 };
            people[i].death = Some(Death {
                date,
                reported: d(year, reported_month, 5),
                late: is_late,
                recovered: is_late && k < n.recovered[y][c],
            });
        }
    }
}

/// County `c`'s contributors reaching benefit age in 2021, 2022, 2023: born February–November
/// 1956, 1957, 1958; they contribute every year until then.
fn cohorts(mk: &mut Maker, people: &mut Vec<Person>, n: &Counts, c: usize) {
    for (y, cohort) in n.cohorts.iter().enumerate() {
        for _ in 0..cohort[c] {
            let born = mk
                .rng
                .date(d(1956 + y as i32, 2, 1), d(1956 + y as i32, 11, 28));
            let mut p = mk.person(c, born, Role::Cohort(y));
            for t in p.tiers.iter_mut().take(y + 1) {
                *t = Some(0); // the tier is set below
            }
            people.push(p);
        }
    }
}

/// County `c`'s hardship groups: the county pays their lowest tier; some also pay themselves.
fn hardship(mk: &mut Maker, people: &mut Vec<Person>, n: &Counts, c: usize) {
    let gov = &n.gov;
    let h = gov.iter().map(|g| g[c]).max().unwrap_or(0);
    for k in 0..h {
        let born = mk.rng.date(d(1961, 1, 1), d(1995, 12, 31));
        let mut p = mk.person(c, born, Role::Hardship);
        for (y, g) in gov.iter().enumerate() {
            p.gov[y] = k < g[c];
            if k < n.both[y][c] {
                p.tiers[y] = Some(0);
            }
        }
        p.hardship_from = Some(if k < gov[0][c] {
            d(2020, 6, 1)
        } else if k < gov[1][c] {
            d(2022, 1, 1)
        } else {
            d(2023, 1, 1)
        });
        people.push(p);
    }
}

/// County `c`'s regular self-payers: consecutive windows over one list, so that some lapse and
/// some join each year.
fn regular(mk: &mut Maker, people: &mut Vec<Person>, n: &Counts, c: usize, scale: f64) {
    let cohort_in = |y: usize| -> i64 { (y..3).map(|k| n.cohorts[k][c]).sum() };
    let regular: Vec<i64> = (0..3)
        .map(|y| (scaled(CONTRIBUTORS[y][c], scale) - cohort_in(y) - n.gov[y][c]).max(0))
        .collect();
    let join: Vec<i64> = regular
        .iter()
        .map(|r| (*r as f64 * NEW_JOINER_SHARE).round() as i64)
        .collect();
    let s22 = (regular[0] + join[1] - regular[1]).max(0);
    let s23 = (s22 + regular[1] + join[2] - regular[2]).max(s22);
    // 2023's window gives up its last joiners to people who paid in 2021, lapsed in 2022 and
    // pay again (they are the first of the list, before 2022's window).
    let returning = ((regular[2] as f64 * RETURNING_SHARE).round() as i64)
        .min(join[2])
        .min(s22);
    let windows = [
        (0, regular[0]),
        (s22, s22 + regular[1]),
        (s23, s23 + regular[2] - returning),
    ];
    let total = windows.iter().map(|w| w.1).max().unwrap_or(0);
    for k in 0..total {
        let born = mk.rng.date(d(1959, 1, 1), d(2004, 12, 31));
        let mut p = mk.person(c, born, Role::Regular);
        for (y, (a, b)) in windows.iter().enumerate() {
            if (*a..*b).contains(&k) {
                p.tiers[y] = Some(0);
            }
        }
        if k < returning && p.tiers[1].is_none() {
            p.tiers[2] = Some(0);
        }
        people.push(p);
    }
}

/// The calibration groups: a share of 2022's and 2023's regular self-payers in 城区 and 矿区.
fn calibration_groups(mk: &mut Maker, people: &mut [Person]) {
    for y in 1..3 {
        for c in [0usize, 1] {
            let mut group: Vec<usize> = (0..people.len())
                .filter(|i| {
                    people[*i].county == c
                        && people[*i].role == Role::Regular
                        && people[*i].tiers[y].is_some()
                })
                .collect();
            mk.rng.shuffle(&mut group);
            let k = (group.len() as f64 * CALIBRATION_SHARE).round() as usize;
            for i in group.into_iter().take(k) {
                people[i].calibration[y] = true;
            }
        }
    }
}

/// Year `y`'s tiers. Those about to reach benefit age pay the cohort tiers; of the others, so
/// many pay the lowest tier that, with half of the calibration group at it, 82.71% of the year's
/// self-payers do.
fn tiers(mk: &mut Maker, people: &mut [Person], y: usize) {
    let payers: Vec<usize> = (0..people.len())
        .filter(|i| people[*i].tiers[y].is_some())
        .collect();
    cohort_tiers(mk, people, &payers, y);
    let total = payers.len();
    let calibration = payers.iter().filter(|i| people[**i].calibration[y]).count();
    let mut slots: Vec<usize> = payers
        .iter()
        .copied()
        .filter(|i| !matches!(people[*i].role, Role::Cohort(_)) && !people[*i].calibration[y])
        .collect();
    mk.rng.shuffle(&mut slots);
    // 2023's share is published (of all self-payers); earlier years' are not: there the share
    // applies to the regular payers alone.
    let lowest = if YEARS[y] == 2023 {
        ((total as f64 * LOWEST_TIER_SHARE).round() as usize)
            .saturating_sub((calibration as f64 * CALIBRATION_LOWEST).round() as usize)
    } else {
        (slots.len() as f64 * LOWEST_TIER_SHARE).round() as usize
    }
    .min(slots.len());
    let rest = slots.len() - lowest;
    let mut upper: Vec<i64> = Vec::with_capacity(rest);
    let w = UPPER_TIERS[y];
    let counts = apportion(rest as i64, &[w[0], w[1], w[2], w[3], 0.0]);
    for (k, n) in counts.iter().enumerate().take(4) {
        upper.extend(std::iter::repeat_n(UPPER[k], *n as usize));
    }
    for (j, i) in slots.into_iter().enumerate() {
        people[i].tiers[y] = Some(if j < lowest {
            20_000
        } else {
            upper[j - lowest]
        });
    }
    // The calibration group pays the lowest tier until its file is written.
    for i in payers {
        if people[i].calibration[y] {
            people[i].tiers[y] = Some(20_000);
        }
    }
}

/// Year `y`'s tiers of the payers about to reach benefit age, shuffled over the cohort tiers.
fn cohort_tiers(mk: &mut Maker, people: &mut [Person], payers: &[usize], y: usize) {
    let mut cohort: Vec<usize> = payers
        .iter()
        .copied()
        .filter(|i| matches!(people[*i].role, Role::Cohort(_)))
        .collect();
    mk.rng.shuffle(&mut cohort);
    let weights: [f64; 5] = [
        COHORT_TIERS[0].1,
        COHORT_TIERS[1].1,
        COHORT_TIERS[2].1,
        0.0,
        0.0,
    ];
    let counts = apportion(cohort.len() as i64, &weights);
    let mut tiers: Vec<i64> = Vec::new();
    for (k, n) in counts.iter().enumerate().take(3) {
        tiers.extend(std::iter::repeat_n(COHORT_TIERS[k].0, *n as usize));
    }
    for (i, t) in cohort.iter().zip(tiers) {
        people[*i].tiers[y] = Some(t);
    }
}

/// The date a contribution of `year` is paid: Jan 15 for someone reaching benefit age that year
/// (so that it is in the account when the award is made), else March to October.
pub fn paid_on(p: &Person, y: usize, rng: &mut Rng) -> NaiveDate {
    let year = YEARS[y];
    if p.role == Role::Cohort(y) {
        d(year, 1, 15)
    } else {
        rng.date(d(year, 3, 1), d(year, 10, 31))
    }
}

/// Day of the month the bank pays a county's regular payroll.
pub fn paid_day(county: usize, year: i32, month: u32) -> u32 {
    LATE_PAYROLLS
        .iter()
        .find(|(c, y, m, _)| *c == county && *y == year && *m == month)
        .map_or(10, |x| x.3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scale_counts_are_the_published_ones() {
        for y in 0..3 {
            let total: i64 = CONTRIBUTORS[y].iter().sum();
            assert_eq!(total, [151_700, 122_314, 117_275][y]);
        }
        assert_eq!(ELDERLY + NEW_RECIPIENTS[0], 103_690);
        assert_eq!(103_690 - DEATHS[0] + NEW_RECIPIENTS[1], 108_000);
        assert_eq!(108_000 - DEATHS[1] + NEW_RECIPIENTS[2], 110_192);
        assert_eq!(
            apportion(31_916, &HARDSHIP_WEIGHTS).iter().sum::<i64>(),
            31_916
        );
    }

    #[test]
    fn a_small_population_has_the_planned_shape() {
        let people = population(0.02, 7);
        let contributors = |y: usize| {
            people
                .iter()
                .filter(|p| p.tiers[y].is_some() || p.gov[y])
                .count() as i64
        };
        for (y, row) in CONTRIBUTORS.iter().enumerate() {
            let want: i64 = row.iter().map(|c| scaled(*c, 0.02)).sum();
            assert!(
                (contributors(y) - want).abs() <= 5,
                "{y}: {} vs {want}",
                contributors(y)
            );
        }
        let self_2023: Vec<i64> = people.iter().filter_map(|p| p.tiers[2]).collect();
        let lowest =
            self_2023.iter().filter(|t| **t == 20_000).count() as f64 / self_2023.len() as f64;
        assert!((lowest - LOWEST_TIER_SHARE).abs() < 0.02, "{lowest}");
        // IDs are unique and valid.
        let mut ids: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), people.len());
        // Nobody contributes at or beyond benefit age.
        for p in &people {
            for (y, year) in YEARS.iter().enumerate() {
                if p.tiers[y].is_some() || p.gov[y] {
                    assert!(
                        yanglao_domain::age_on(p.id.birth_date(), d(*year, 1, 1)) < 65,
                        "{:?}",
                        p.id
                    );
                }
            }
        }
    }
}
