//! Random operation sequences over the whole book-keeping.
//!
//! A sequence registers people, imports contributions (valid and invalid files, re-imports),
//! hardship groups and government-paid contributions, runs awards and the monthly payroll (made by
//! one user, approved by another, exported, and closed by bank returns with some lines failed and
//! some paid, then re-issued by supplementary payrolls), reports deaths (police, civil affairs and
//! health with a 报告日期 or a processing date, village reports, records without a citizen ID that
//! go to review, and deaths found after the months they overpaid), changes people's status between
//! a draft and its approval, records recoveries, pays heirs and credits interest at year end. A
//! business calendar moves forward month by month; every date a command is given is one a clerk
//! could give on that day, and some are on purpose ones the command must refuse.
//!
//! Every operation goes through the `yanglao_ops` use case the command line calls, on files written
//! to a temporary directory. After every step: `ledger verify` finds nothing, and the test's own
//! model and checks agree with the books (see [`Seq::check`]). An operation refused leaves the
//! database exactly as it was (a fingerprint of every table); an import is all or nothing.
//!
//! The suite runs a few hundred sequences on SQLite and some on PostgreSQL when
//! `YANGLAO_TEST_PG_URL` is set; `YANGLAO_SEQUENCES=N cargo test --release -p yanglao-ops --test
//! all sequences:: -- --ignored` runs N more for the record (docs/RELIABILITY.md).

use crate::fingerprint::{Fingerprint, Layout};
use chrono::{Datelike, Duration, NaiveDate};
use proptest::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use yanglao_domain::{CitizenId, Month};
use yanglao_ops::{
    deaths, deaths::inheritance, deaths::recovery, ledger, payroll, payroll::awards,
    payroll::bank_return, payroll::export, register::contributions, register::govpay,
    register::hardship, register::interest, register::persons, register::status, Ctx,
    ImportOutcome,
};
use yanglao_store::{Db, Param, Row, ScratchPg};

const A: &str = "140302";
const B: &str = "140311";

/// (county, birth yyyymmdd, name, in the basic scheme)
const PEOPLE: [(&str, &str, &str, bool); 12] = [
    // 65 before the scheme's launch: transitional awards without contributions.
    (A, "19500310", "韩桂兰", true),
    (B, "19520715", "乔秀英", true),
    (A, "19541102", "武玉兰", true),
    (B, "19551220", "梁建国", true),
    // 65 during the first years: they contribute, then draw an account pension.
    (A, "19560315", "贾志刚", true),
    (B, "19560901", "郭淑珍", true),
    (A, "19570520", "周海燕", true),
    (B, "19580210", "吴晓东", true),
    // Younger contributors (hardship groups, government-paid contributions, interest).
    (A, "19750606", "赵红梅", true),
    (B, "19800130", "黄国强", true),
    (A, "19880808", "陈俊", true),
    // Outside the basic scheme: every contribution of theirs is refused.
    (B, "19600404", "杨文", false),
];
const TIERS: [i64; 5] = [200, 500, 1000, 2000, 5000];
/// The last day the business calendar reaches (yearly certification, which these sequences do
/// not draw, would leave recipients out after it).
const LAST_DAY: (i32, u32, u32) = (2025, 4, 30);

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}
fn cid(i: usize) -> String {
    let (county, birth, _, _) = PEOPLE[i];
    CitizenId::from_body(&format!("{county}{birth}{:03}", 100 + i))
        .unwrap()
        .as_str()
        .to_string()
}
fn birth(i: usize) -> NaiveDate {
    NaiveDate::parse_from_str(PEOPLE[i].1, "%Y%m%d").unwrap()
}
fn age_on(i: usize, d: NaiveDate) -> i32 {
    yanglao_domain::age_on(birth(i), d)
}
fn account(i: usize) -> String {
    yanglao_domain::bank::with_luhn_digit(&format!("6228480000000{:05}", 1000 + i))
}

#[derive(Debug, Clone, Copy)]
enum BadReturn {
    AmountOff,
    Duplicate,
    Conflict,
}

#[derive(Debug, Clone, Copy)]
enum BadDeath {
    ReportedBeforeDeath,
    Future,
    Conflict,
}

#[derive(Debug, Clone)]
enum Op {
    /// The calendar moves forward by this many days; when it enters a new year, with
    /// `year_end` the books of the year just ended are closed (government payments, interest).
    Advance {
        days: i64,
        year_end: bool,
    },
    /// Register the next people (a bad row refuses the whole file).
    Register {
        n: usize,
        bad: bool,
    },
    /// (person, tier, year offset from the calendar's year); `bad` adds a row that is no tier.
    Contribute {
        rows: Vec<(usize, usize, i32)>,
        bad: bool,
    },
    /// Import an accepted file again (the same bytes), or a prefix of a contribution file.
    Reimport {
        k: usize,
        prefix: Option<usize>,
    },
    Hardship(usize),
    /// Government-paid contributions: last year (31 December), or this year up to today.
    GovPay {
        this_year: bool,
    },
    /// Interest of last year (or, refused while it is not over, of the real year now).
    Interest {
        this_year: bool,
    },
    Awards,
    PayrollRun,
    Supplementary(usize),
    Approve {
        pick: usize,
        same_user: bool,
    },
    /// Suspend or terminate someone in a draft, then approve: refused, refreshed, approved.
    Stale {
        pick: usize,
        line: usize,
        terminate: bool,
    },
    Refresh(usize),
    Export(usize),
    Return {
        pick: usize,
        failed: u8,
        include: u8,
        backdated: bool,
        bad: Option<BadReturn>,
    },
    Death {
        person: usize,
        source: usize,
        back_days: i64,
        report_column: bool,
        bad: Option<BadDeath>,
    },
    /// A record without a citizen ID: matched by name, birth date and county, to review.
    UnidentifiedDeath {
        person: usize,
        back_days: i64,
    },
    Review {
        pick: usize,
        confirm: bool,
        early: bool,
    },
    Status {
        person: usize,
        decision: usize,
        early: bool,
    },
    Recovery {
        pick: usize,
        channel: usize,
        pct: i64,
        early: bool,
    },
    Inherit {
        person: usize,
        early: bool,
    },
    /// A month's payroll from end to end: run, approve (refreshing a draft gone stale), export and
    /// the bank's return of every payment waiting (the lines of `failed` failed), each one step.
    Cycle {
        failed: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let bad_return = prop_oneof![
        6 => Just(None),
        1 => Just(Some(BadReturn::AmountOff)),
        1 => Just(Some(BadReturn::Duplicate)),
        1 => Just(Some(BadReturn::Conflict)),
    ];
    let bad_death = prop_oneof![
        8 => Just(None),
        1 => Just(Some(BadDeath::ReportedBeforeDeath)),
        1 => Just(Some(BadDeath::Future)),
        1 => Just(Some(BadDeath::Conflict)),
    ];
    prop_oneof![
        16 => (30..120i64, prop::bool::weighted(0.85)).prop_map(|(days, year_end)| Op::Advance { days, year_end }),
        8 => any::<u8>().prop_map(|f| Op::Cycle { failed: f & f.rotate_left(1) & f.rotate_left(5) }),
        2 => (1..5usize, prop::bool::weighted(0.2)).prop_map(|(n, bad)| Op::Register { n, bad }),
        6 => (prop::collection::vec((0..PEOPLE.len(), 0..TIERS.len(), -1..=0i32), 1..4), prop::bool::weighted(0.15))
            .prop_map(|(rows, bad)| Op::Contribute { rows, bad }),
        1 => (0..16usize, prop::option::weighted(0.3, 1..3usize)).prop_map(|(k, prefix)| Op::Reimport { k, prefix }),
        1 => (8..PEOPLE.len()).prop_map(Op::Hardship),
        1 => any::<bool>().prop_map(|this_year| Op::GovPay { this_year }),
        2 => prop::bool::weighted(0.1).prop_map(|this_year| Op::Interest { this_year }),
        2 => Just(Op::Awards),
        4 => Just(Op::PayrollRun),
        2 => (0..4usize).prop_map(Op::Supplementary),
        4 => (0..4usize, prop::bool::weighted(0.1)).prop_map(|(pick, same_user)| Op::Approve { pick, same_user }),
        2 => (0..4usize, 0..8usize, any::<bool>()).prop_map(|(pick, line, terminate)| Op::Stale { pick, line, terminate }),
        1 => (0..4usize).prop_map(Op::Refresh),
        4 => (0..4usize).prop_map(Op::Export),
        5 => (0..4usize, any::<u8>(), any::<u8>(), prop::bool::weighted(0.3), bad_return)
            .prop_map(|(pick, failed, include, backdated, bad)| Op::Return { pick, failed: failed & failed.rotate_left(3), include: include | include.rotate_left(2), backdated, bad }),
        4 => (0..24usize, 0..4usize, 0..420i64, any::<bool>(), bad_death)
            .prop_map(|(person, source, back_days, report_column, bad)| Op::Death { person, source, back_days, report_column, bad }),
        1 => (0..8usize, 0..200i64).prop_map(|(person, back_days)| Op::UnidentifiedDeath { person, back_days }),
        1 => (0..4usize, prop::bool::weighted(0.8), prop::bool::weighted(0.2))
            .prop_map(|(pick, confirm, early)| Op::Review { pick, confirm, early }),
        2 => (0..8usize, 0..4usize, prop::bool::weighted(0.15)).prop_map(|(person, decision, early)| Op::Status { person, decision, early }),
        5 => (0..4usize, 0..5usize, 1..=130i64, prop::bool::weighted(0.15))
            .prop_map(|(pick, channel, pct, early)| Op::Recovery { pick, channel, pct, early }),
        3 => (0..8usize, prop::bool::weighted(0.15)).prop_map(|(person, early)| Op::Inherit { person, early }),
    ]
}

/// What the test knows without asking the system.
#[derive(Default)]
struct Model {
    registered: BTreeSet<usize>,
    /// Personal contribution plus entry subsidy, by person.
    contributed: BTreeMap<usize, i64>,
    self_paid: HashSet<(usize, i32)>,
    gov_paid: HashSet<(usize, i32)>,
    gov_paid_fen: BTreeMap<usize, i64>,
    hardship_years: HashSet<(usize, i32)>,
    /// The earliest death date an official source has given (imported or confirmed on review).
    official_death: BTreeMap<usize, NaiveDate>,
    /// The earliest termination recorded (a death or a decision).
    terminated: BTreeMap<usize, NaiveDate>,
    /// Interest credited, by county and year.
    credited: BTreeMap<&'static str, BTreeSet<i32>>,
}

impl Model {
    fn last_credited(&self, county: &str) -> Option<i32> {
        self.credited.get(county).and_then(|s| s.last().copied())
    }
    fn terminate(&mut self, p: usize, d: NaiveDate) {
        let e = self.terminated.entry(p).or_insert(d);
        *e = (*e).min(d);
    }
    fn died(&mut self, p: usize, d: NaiveDate) {
        let e = self.official_death.entry(p).or_insert(d);
        *e = (*e).min(d);
        self.terminate(p, d);
    }
}

/// How the operations of a run went, for the record.
static TALLY: Mutex<BTreeMap<&'static str, [u64; 2]>> = Mutex::new(BTreeMap::new());

static TIMES: Mutex<[u64; 3]> = Mutex::new([0; 3]);

/// The refusals of a run, by operation and the start of their message (the code).
static REFUSALS: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

fn tally(kind: &'static str, accepted: bool) {
    let mut t = TALLY.lock().unwrap_or_else(|e| e.into_inner());
    t.entry(kind).or_default()[usize::from(!accepted)] += 1;
}

struct Seq {
    ctx: Ctx,
    dir: PathBuf,
    files: usize,
    clock: NaiveDate,
    model: Model,
    /// Accepted files that can be imported again: (kind, path, rows of a contribution file).
    accepted: Vec<(&'static str, PathBuf, Vec<String>)>,
    receipt: usize,
    reference: usize,
    /// The bank files of each exported payroll.
    exports: BTreeMap<i64, Vec<PathBuf>>,
    steps: usize,
    /// (county, person id) of the people registered.
    known: BTreeMap<(String, i64), usize>,
    layout: Layout,
}

fn ok_import(o: &ImportOutcome) -> bool {
    o.ok()
}

impl Seq {
    fn new(url: &str, dir: &Path, start: NaiveDate) -> Seq {
        let mut db = Db::open(url).unwrap();
        db.migrate().unwrap();
        let layout = Layout::of(&mut db);
        let ctx = Ctx::with_policy_source(
            db,
            yanglao_policy::SHANXI_SUPPLEMENTARY,
            "shanxi-supplementary.toml",
        )
        .unwrap();
        let mut ctx = ctx;
        // The accounts the sequences act as: reviewers of every county (so that a maker that
        // approves its own payroll meets the maker-checker rule, not the role rule).
        let counties: Vec<String> = ctx
            .db
            .read_transaction(yanglao_ops::known_counties)
            .unwrap()
            .into_keys()
            .collect();
        for name in ["maker", "checker", "clerk", "reviewer"] {
            yanglao_ops::users::add(
                &mut ctx,
                &yanglao_ops::users::NewAccount {
                    name,
                    display_name: None,
                    role: yanglao_ops::Role::Reviewer,
                    counties: &counties,
                    password: None,
                },
            )
            .unwrap();
        }
        Seq {
            ctx,
            dir: dir.to_path_buf(),
            files: 0,
            clock: start,
            model: Model::default(),
            accepted: Vec::new(),
            receipt: 0,
            reference: 0,
            exports: BTreeMap::new(),
            steps: 0,
            known: BTreeMap::new(),
            layout,
        }
    }

    fn write(&mut self, text: &str) -> PathBuf {
        self.files += 1;
        let p = self.dir.join(format!("f{}.csv", self.files));
        std::fs::write(&p, text).unwrap();
        p
    }

    fn rows(&mut self, sql: &str, params: &[Param]) -> Vec<Row> {
        self.ctx
            .db
            .read_transaction(|tx| tx.query(sql, params))
            .unwrap()
    }

    fn int(&mut self, sql: &str, params: &[Param]) -> i64 {
        self.ctx
            .db
            .read_transaction(|tx| tx.scalar_i64(sql, params))
            .unwrap()
    }

    fn fingerprint(&mut self) -> Fingerprint {
        Fingerprint::with(&mut self.ctx.db, &self.layout)
    }

    fn unchanged(&mut self, before: &Fingerprint, what: &str) {
        let after = self.fingerprint();
        assert!(
            *before == after,
            "{what} was refused but changed {:?}",
            before.diff(&after)
        );
    }

    fn as_actor(&mut self, actor: &str) {
        self.ctx.act_as(actor).expect("a test account");
    }

    fn person_id(&mut self, p: usize) -> Option<i64> {
        if let Some(((_, pid), _)) = self.known.iter().find(|(_, q)| **q == p) {
            return Some(*pid);
        }
        let id = cid(p);
        self.rows(
            "SELECT person_id FROM persons WHERE citizen_id = $1",
            &[Param::Text(&id)],
        )
        .first()
        .map(|r| r.i64(0).unwrap())
    }

    fn person_of(&mut self, county: &str, person_id: i64) -> usize {
        if let Some(p) = self.known.get(&(county.to_string(), person_id)) {
            return *p;
        }
        let id = self.rows(
            "SELECT citizen_id FROM persons WHERE county = $1 AND person_id = $2",
            &[Param::Text(county), Param::Int(person_id)],
        )[0]
        .str(0)
        .unwrap();
        let p = (0..PEOPLE.len()).find(|&p| cid(p) == id).unwrap();
        self.known.insert((county.to_string(), person_id), p);
        p
    }

    /// Payroll ids with one of the statuses, in id order.
    fn payrolls(&mut self, statuses: &[&str]) -> Vec<(i64, String, Month, String)> {
        self.rows(
            "SELECT payroll_id, status, month, run_by FROM payrolls ORDER BY payroll_id",
            &[],
        )
        .iter()
        .map(|r| {
            (
                r.i64(0).unwrap(),
                r.str(1).unwrap(),
                Month::of(r.date(2).unwrap()),
                r.str(3).unwrap(),
            )
        })
        .filter(|p| statuses.contains(&p.1.as_str()))
        .collect()
    }

    /// Where a payroll is in the list of those with one of the statuses.
    fn position(&mut self, statuses: &[&str], id: i64) -> usize {
        self.payrolls(statuses)
            .iter()
            .position(|p| p.0 == id)
            .unwrap_or(0)
    }

    fn unpayable(&mut self, id: i64) -> Vec<payroll::Anomaly> {
        payroll::check(&mut self.ctx, id, payroll::DEFAULT_THRESHOLD_PCT)
            .unwrap()
            .into_iter()
            .filter(|a| payroll::UNPAYABLE.contains(&a.code))
            .collect()
    }

    fn step(&mut self, op: &Op) {
        // Moving the calendar touches nothing; a cycle is steps of its own; the operations that
        // are never refused need no fingerprint.
        let (touches, refusable) = match op {
            Op::Advance { .. } | Op::Cycle { .. } => (false, false),
            Op::Awards
            | Op::PayrollRun
            | Op::Supplementary(_)
            | Op::Hardship(_)
            | Op::Refresh(_) => (true, false),
            _ => (true, true),
        };
        self.steps += usize::from(touches);
        let t0 = std::time::Instant::now();
        let before = refusable.then(|| self.fingerprint());
        let t1 = t0.elapsed();
        let (kind, refused): (&'static str, Option<String>) = self.apply(op);
        tally(kind, refused.is_none());
        if std::env::var_os("YANGLAO_SEQ_TRACE").is_some() {
            eprintln!(
                "{} {op:?}: {}",
                self.clock,
                refused.as_deref().unwrap_or("ok")
            );
        }
        if let Some(what) = refused {
            let code: String = what
                .split(']')
                .next()
                .unwrap_or("")
                .trim_start_matches('[')
                .to_string();
            *REFUSALS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(format!("{kind}: {code}"))
                .or_default() += 1;
            let before = before.expect("a refusable operation");
            self.unchanged(&before, &format!("{kind} ({what})"));
        }
        let t2 = t0.elapsed();
        if touches {
            self.check();
        }
        if std::env::var_os("YANGLAO_SEQ_PROFILE").is_some() {
            let mut t = TIMES.lock().unwrap();
            t[0] += t1.as_micros() as u64;
            t[1] += (t2 - t1).as_micros() as u64;
            t[2] += (t0.elapsed() - t2).as_micros() as u64;
        }
    }

    /// Applies one operation; returns its kind and, when it was refused, what was refused.
    fn apply(&mut self, op: &Op) -> (&'static str, Option<String>) {
        match *op {
            Op::Advance { days, year_end } => {
                let last = ymd(LAST_DAY.0, LAST_DAY.1, LAST_DAY.2);
                let year = self.clock.year();
                self.clock = (self.clock + Duration::days(days)).min(last);
                if year_end && self.clock.year() > year {
                    self.step(&Op::GovPay { this_year: false });
                    self.step(&Op::Interest { this_year: false });
                }
                ("advance", None)
            }
            Op::Register { n, bad } => self.register(n, bad),
            Op::Contribute { ref rows, bad } => self.contribute(rows, bad),
            Op::Reimport { k, prefix } => self.reimport(k, prefix),
            Op::Hardship(p) => self.hardship(p),
            Op::GovPay { this_year } => self.govpay(this_year),
            Op::Interest { this_year } => self.interest(this_year),
            Op::Awards => {
                let month = Month::of(self.clock);
                awards::run(&mut self.ctx, month, None).unwrap();
                ("awards", None)
            }
            Op::PayrollRun => {
                self.as_actor("maker");
                let month = Month::of(self.clock);
                payroll::run(
                    &mut self.ctx,
                    month,
                    None,
                    payroll::Kind::Regular,
                    &|_, _, _| {},
                )
                .unwrap();
                ("payroll run", None)
            }
            Op::Supplementary(pick) => self.supplementary(pick),
            Op::Approve { pick, same_user } => self.approve(pick, same_user),
            Op::Stale {
                pick,
                line,
                terminate,
            } => self.stale(pick, line, terminate),
            Op::Refresh(pick) => {
                let list = self.payrolls(&["draft", "approved"]);
                if list.is_empty() {
                    return ("refresh", None);
                }
                let id = list[pick % list.len()].0;
                self.as_actor("maker");
                payroll::refresh(&mut self.ctx, id).unwrap();
                assert!(
                    self.unpayable(id).is_empty(),
                    "refresh left unpayable lines"
                );
                ("refresh", None)
            }
            Op::Export(pick) => self.export(pick),
            Op::Return {
                pick,
                failed,
                include,
                backdated,
                bad,
            } => self.bank_return(pick, failed, include, backdated, bad),
            Op::Death {
                person,
                source,
                back_days,
                report_column,
                bad,
            } => self.death(person, source, back_days, report_column, bad),
            Op::UnidentifiedDeath { person, back_days } => {
                self.unidentified_death(person, back_days)
            }
            Op::Review {
                pick,
                confirm,
                early,
            } => self.review(pick, confirm, early),
            Op::Status {
                person,
                decision,
                early,
            } => self.status(person, decision, early),
            Op::Recovery {
                pick,
                channel,
                pct,
                early,
            } => self.recovery(pick, channel, pct, early),
            Op::Inherit { person, early } => self.inherit(person, early),
            Op::Cycle { failed } => {
                self.step(&Op::Awards);
                self.step(&Op::Supplementary(0));
                self.step(&Op::PayrollRun);
                for (id, ..) in self.payrolls(&["draft"]) {
                    if !self.unpayable(id).is_empty() {
                        let pick = self.position(&["draft", "approved"], id);
                        self.step(&Op::Refresh(pick));
                    }
                    let pick = self.position(&["draft"], id);
                    self.step(&Op::Approve {
                        pick,
                        same_user: false,
                    });
                }
                for (id, ..) in self.payrolls(&["approved"]) {
                    let pick = self.position(&["draft", "approved", "exported"], id);
                    self.step(&Op::Export(pick));
                }
                let exported: Vec<i64> = self
                    .payrolls(&["exported"])
                    .into_iter()
                    .map(|p| p.0)
                    .collect();
                for id in exported {
                    let pick = self.position(&["exported", "paid"], id);
                    self.step(&Op::Return {
                        pick,
                        failed,
                        include: 0xff,
                        backdated: false,
                        bad: None,
                    });
                }
                ("payroll cycle", None)
            }
        }
    }

    fn register(&mut self, n: usize, bad: bool) -> (&'static str, Option<String>) {
        let next: Vec<usize> = (0..PEOPLE.len())
            .filter(|p| !self.model.registered.contains(p))
            .take(n)
            .collect();
        let mut text = persons::COLUMNS.join(",") + "\n";
        for &p in &next {
            let (county, _, name, basic) = PEOPLE[p];
            text.push_str(&format!(
                "{},{name},{county},13903530000,中国农业银行,{},{}\n",
                cid(p),
                account(p),
                if basic { "是" } else { "否" }
            ));
        }
        if bad {
            // A citizen ID with a wrong check character.
            let mut id = cid(0);
            let last = if id.ends_with('1') { '2' } else { '1' };
            id.pop();
            id.push(last);
            text.push_str(&format!(
                "{id},某人,{A},13903530000,中国农业银行,{},是\n",
                account(99)
            ));
        }
        if next.is_empty() && !bad {
            return ("register", None);
        }
        let path = self.write(&text);
        let o = persons::import(
            &mut self.ctx,
            &yanglao_ops::imports::table::Upload::read(&path).unwrap(),
            false,
        )
        .unwrap();
        assert_eq!(ok_import(&o), !bad, "{:?}", o.errors);
        if bad {
            return ("register", Some("a bad citizen ID".into()));
        }
        self.model.registered.extend(next);
        ("register", None)
    }

    fn contribute(
        &mut self,
        rows: &[(usize, usize, i32)],
        bad: bool,
    ) -> (&'static str, Option<String>) {
        let date = self.clock;
        let mut in_file = HashSet::new();
        let mut lines = Vec::new();
        let mut adds = Vec::new();
        for &(p, t, off) in rows {
            let year = date.year() + off;
            let (county, _, name, basic) = PEOPLE[p];
            // Only the rows the model says are valid: the file must then be taken whole.
            let valid = self.model.registered.contains(&p)
                && basic
                && year >= 2021
                && age_on(p, ymd(year, 1, 1)) < 65
                && self.model.terminated.get(&p).is_none_or(|t| date < *t)
                && !self.model.self_paid.contains(&(p, year))
                && in_file.insert((p, year))
                && self
                    .model
                    .last_credited(county)
                    .is_none_or(|last| date.year() >= last);
            if !valid {
                continue;
            }
            self.receipt += 1;
            lines.push(format!(
                "{},{name},{year},{},{date},R{}",
                cid(p),
                TIERS[t],
                self.receipt
            ));
            let fen = TIERS[t] * 100;
            let subsidy = yanglao_policy::default_supplementary()
                .supplementary(county, ymd(year, 1, 1))
                .unwrap()
                .tiers
                .iter()
                .find(|x| x.contribution_fen == fen)
                .unwrap()
                .entry_subsidy_fen;
            adds.push((p, year, fen + subsidy));
        }
        if bad {
            // 300 yuan is no tier: the file is refused with its valid rows.
            let p = rows[0].0;
            self.receipt += 1;
            lines.push(format!(
                "{},{},{},300,{date},R{}",
                cid(p),
                PEOPLE[p].2,
                date.year(),
                self.receipt
            ));
        }
        if lines.is_empty() {
            return ("contributions", None);
        }
        let path = self.write(&format!(
            "{}\n{}\n",
            contributions::COLUMNS.join(","),
            lines.join("\n")
        ));
        let o = contributions::import(
            &mut self.ctx,
            &yanglao_ops::imports::table::Upload::read(&path).unwrap(),
            false,
        )
        .unwrap();
        assert_eq!(ok_import(&o), !bad, "{lines:?}: {:?}", o.errors);
        if bad {
            return ("contributions", Some("a row that is no tier".into()));
        }
        assert_eq!((o.posted, o.skipped), (lines.len(), 0));
        for (p, year, fen) in adds {
            self.model.self_paid.insert((p, year));
            *self.model.contributed.entry(p).or_default() += fen;
        }
        self.accepted.push(("contributions", path, lines));
        ("contributions", None)
    }

    fn reimport(&mut self, k: usize, prefix: Option<usize>) -> (&'static str, Option<String>) {
        if self.accepted.is_empty() {
            return ("re-import", None);
        }
        let (kind, path, lines) = self.accepted[k % self.accepted.len()].clone();
        let before = self.fingerprint();
        let o = match (kind, prefix) {
            ("contributions", Some(n)) => {
                // The first rows again in a file of other bytes: each row is skipped, none posted.
                let take = n.min(lines.len());
                let p = self.write(&format!(
                    "{}\n{}\n\n",
                    contributions::COLUMNS.join(","),
                    lines[..take].join("\n")
                ));
                let o = contributions::import(
                    &mut self.ctx,
                    &yanglao_ops::imports::table::Upload::read(&p).unwrap(),
                    false,
                )
                .unwrap();
                assert_eq!((o.posted, o.skipped), (0, take), "{:?}", o.errors);
                o
            }
            ("contributions", None) => contributions::import(
                &mut self.ctx,
                &yanglao_ops::imports::table::Upload::read(&path).unwrap(),
                false,
            )
            .unwrap(),
            ("bank-return", _) => bank_return::import(
                &mut self.ctx,
                &yanglao_ops::imports::table::Upload::read(&path).unwrap(),
                false,
            )
            .unwrap(),
            ("deaths", _) => deaths::import(
                &mut self.ctx,
                &yanglao_ops::imports::table::Upload::read(&path).unwrap(),
                deaths::Source::Police,
                false,
                Some(self.clock),
            )
            .unwrap(),
            _ => unreachable!(),
        };
        assert!(o.ok(), "{kind} again: {:?}", o.errors);
        assert_eq!(o.posted, 0, "{kind} again posts nothing");
        if prefix.is_none() || kind != "contributions" {
            assert!(o.already_imported, "{kind} again is known");
        }
        // Nothing posted, nothing in the books changes (a prefix is recorded as an import).
        let after = self.fingerprint();
        for t in [
            "journal_entries",
            "journal_lines",
            "account_movements",
            "payroll_lines",
            "overpayments",
            "recovery_cases",
        ] {
            assert_eq!(before.0.get(t), after.0.get(t), "{kind} again changed {t}");
        }
        if o.already_imported {
            assert!(
                before == after,
                "{kind} again changed {:?}",
                before.diff(&after)
            );
        }
        ("re-import", None)
    }

    fn hardship(&mut self, p: usize) -> (&'static str, Option<String>) {
        if !self.model.registered.contains(&p) {
            return ("hardship", None);
        }
        let y = self.clock.year();
        let path = self.write(&format!(
            "身份证号,姓名,困难类别,认定日期,终止日期\n{},{},低保对象,{},{}\n",
            cid(p),
            PEOPLE[p].2,
            ymd(y, 1, 1),
            ymd(y, 12, 31)
        ));
        let o = hardship::import(
            &mut self.ctx,
            &yanglao_ops::imports::table::Upload::read(&path).unwrap(),
            false,
        )
        .unwrap();
        assert!(o.ok(), "{:?}", o.errors);
        self.model.hardship_years.insert((p, y));
        ("hardship", None)
    }

    fn govpay(&mut self, this_year: bool) -> (&'static str, Option<String>) {
        let (year, on) = if this_year {
            (self.clock.year(), Some(self.clock))
        } else {
            (self.clock.year() - 1, None)
        };
        let paid_date = on.unwrap_or(ymd(year, 12, 31));
        let eligible: Vec<usize> = self
            .model
            .registered
            .iter()
            .copied()
            .filter(|&p| {
                PEOPLE[p].3
                    && self.model.hardship_years.contains(&(p, year))
                    && age_on(p, ymd(year, 1, 1)) < 65
                    && !self.model.gov_paid.contains(&(p, year))
                    && self
                        .model
                        .terminated
                        .get(&p)
                        .is_none_or(|t| *t > ymd(year, 1, 1))
            })
            .collect();
        let refused = eligible.iter().any(|&p| {
            self.model
                .last_credited(PEOPLE[p].0)
                .is_some_and(|last| paid_date.year() < last)
        });
        match govpay::run(&mut self.ctx, year, None, on) {
            Ok(o) => {
                assert!(!refused, "gov-pay {year} should have been refused");
                assert_eq!(o.persons, eligible.len(), "gov-pay {year}");
                assert_eq!(o.amount_fen, 20_000 * eligible.len() as i64);
                for p in eligible {
                    self.model.gov_paid.insert((p, year));
                    *self.model.gov_paid_fen.entry(p).or_default() += 20_000;
                }
                ("gov-pay", None)
            }
            Err(e) if year < 2021 => {
                // A year before the scheme: refused once anyone belongs to a hardship group.
                assert!(
                    !self.model.hardship_years.is_empty(),
                    "unexpected refusal: {e}"
                );
                assert_eq!(e.code(), "E-CONTRIB-YEAR-OUT-OF-POLICY");
                ("gov-pay", Some(e.to_string()))
            }
            Err(e) => {
                assert!(refused, "unexpected refusal: {e}");
                assert_eq!(e.code(), "E-GOVPAY-AFTER-INTEREST");
                ("gov-pay", Some(e.to_string()))
            }
        }
    }

    fn interest(&mut self, this_year: bool) -> (&'static str, Option<String>) {
        // This year (the real one): not over, so refused.
        let year = if this_year {
            persons::today().year()
        } else {
            self.clock.year() - 1
        };
        match interest::credit(&mut self.ctx, year, None) {
            Ok(_) => {
                for r in self.rows("SELECT county, year FROM interest_credits", &[]) {
                    let c = r.str(0).unwrap();
                    let county = [A, B].into_iter().find(|x| *x == c);
                    if let Some(county) = county {
                        self.model
                            .credited
                            .entry(county)
                            .or_default()
                            .insert(r.i64(1).unwrap() as i32);
                    }
                }
                ("interest", None)
            }
            Err(e) => {
                assert!(
                    ["E-INTEREST-EARLIER-YEAR", "E-INTEREST-YEAR-NOT-ENDED"].contains(&e.code()),
                    "{e}"
                );
                ("interest", Some(e.to_string()))
            }
        }
    }

    fn supplementary(&mut self, pick: usize) -> (&'static str, Option<String>) {
        let months: Vec<NaiveDate> = self
            .rows(
                "SELECT DISTINCT l.month FROM payroll_lines l WHERE l.status = 'failed' AND NOT EXISTS (
                   SELECT 1 FROM payroll_lines r WHERE r.county = l.county AND r.reissue_of_payroll = l.payroll_id AND r.reissue_of_line = l.line_no)
                 ORDER BY 1",
                &[],
            )
            .iter()
            .map(|r| r.date(0).unwrap())
            .collect();
        let month = if months.is_empty() {
            Month::of(self.clock)
        } else {
            Month::of(months[pick % months.len()])
        };
        self.as_actor("maker");
        payroll::run(
            &mut self.ctx,
            month,
            None,
            payroll::Kind::Supplementary,
            &|_, _, _| {},
        )
        .unwrap();
        ("supplementary payroll", None)
    }

    fn approve(&mut self, pick: usize, same_user: bool) -> (&'static str, Option<String>) {
        let drafts = self.payrolls(&["draft"]);
        if drafts.is_empty() {
            return ("approve", None);
        }
        let (id, _, _, run_by) = drafts[pick % drafts.len()].clone();
        let unpayable = self.unpayable(id);
        self.as_actor(if same_user { &run_by } else { "checker" });
        match payroll::approve(&mut self.ctx, id) {
            Ok(_) => {
                assert!(
                    !same_user && unpayable.is_empty(),
                    "approval of {id} should have been refused: {unpayable:?}"
                );
                ("approve", None)
            }
            Err(e) => {
                let want = if same_user {
                    "E-PAYROLL-SAME-USER"
                } else {
                    "E-PAYROLL-UNPAYABLE"
                };
                assert_eq!(e.code(), want, "{e}");
                assert!(same_user || !unpayable.is_empty());
                ("approve", Some(e.to_string()))
            }
        }
    }

    /// A status decision between a payroll's draft and its approval.
    fn stale(
        &mut self,
        pick: usize,
        line: usize,
        terminate: bool,
    ) -> (&'static str, Option<String>) {
        let drafts = self.payrolls(&["draft"]);
        if drafts.is_empty() {
            return ("stale draft", None);
        }
        let (id, _, month, _) = drafts[pick % drafts.len()].clone();
        let lines = self.rows(
            "SELECT l.county, l.person_id, l.line_no FROM payroll_lines l WHERE l.payroll_id = $1 ORDER BY l.line_no",
            &[Param::Int(id)],
        );
        if lines.is_empty() {
            return ("stale draft", None);
        }
        let r = &lines[line % lines.len()];
        let (county, person_id, line_no) =
            (r.str(0).unwrap(), r.i64(1).unwrap(), r.i64(2).unwrap());
        let p = self.person_of(&county, person_id);
        let before = self.fingerprint();
        let decision = if terminate {
            status::Decision::Terminated
        } else {
            status::Decision::Suspended
        };
        self.as_actor("clerk");
        // A termination takes effect from the month after its date: dated in the month before the
        // payroll's when the person's last decision allows, it stops the line.
        let last = self.rows(
            "SELECT MAX(effective_date) FROM person_events WHERE person_id = $1 AND county = $2",
            &[Param::Int(person_id), Param::Text(&county)],
        )[0]
        .opt_date(0)
        .unwrap();
        let before_month = month.first_day() - Duration::days(1);
        let on = if terminate && last.is_none_or(|l| l <= before_month) {
            before_month
        } else {
            self.clock
        };
        match status::record(
            &mut self.ctx,
            &cid(p),
            decision,
            Some(if terminate { "迁出本县" } else { "核查" }),
            on,
        ) {
            Ok(_) => {}
            Err(e) => {
                assert!(
                    ["E-STATUS-TRANSITION", "E-STATUS-DATE-ORDER"].contains(&e.code()),
                    "{e}"
                );
                self.unchanged(&before, "a status decision");
                return ("stale draft", Some(e.to_string()));
            }
        }
        if terminate {
            self.model.terminate(p, on);
        }
        // A termination makes the line unpayable when it takes effect before the payroll's month; a
        // suspension, when it is in force for the payroll's month.
        let stale = if terminate {
            on < month.first_day()
        } else {
            on <= month.last_day()
        };
        let unpayable = self.unpayable(id);
        if stale {
            assert!(
                unpayable.iter().any(|a| a.line_no == Some(line_no)),
                "line {line_no} of {id} after {decision:?} on {on}: {unpayable:?}"
            );
        }
        let before = self.fingerprint();
        self.as_actor("checker");
        match payroll::approve(&mut self.ctx, id) {
            Ok(_) => {
                assert!(
                    unpayable.is_empty(),
                    "approval after {decision:?}: {unpayable:?}"
                );
                return ("stale draft", None);
            }
            Err(e) => {
                assert_eq!(e.code(), "E-PAYROLL-UNPAYABLE", "{e}");
                assert!(!unpayable.is_empty());
                self.unchanged(&before, "the approval of a stale draft");
            }
        }
        self.as_actor("maker");
        let r = payroll::refresh(&mut self.ctx, id).unwrap();
        assert!(!r.removed.is_empty() && !r.back_to_draft);
        if stale {
            assert!(r.removed.iter().any(|a| a.line_no == Some(line_no)));
        }
        let left = self.int(
            "SELECT COUNT(*) FROM payroll_lines WHERE payroll_id = $1 AND person_id = $2",
            &[Param::Int(id), Param::Int(person_id)],
        );
        let flagged = unpayable.iter().any(|a| a.line_no == Some(line_no));
        assert_eq!(
            left,
            i64::from(!flagged),
            "the refreshed draft keeps the line only if payable"
        );
        self.as_actor("checker");
        payroll::approve(&mut self.ctx, id).unwrap();
        ("stale draft", None)
    }

    fn export(&mut self, pick: usize) -> (&'static str, Option<String>) {
        let list = self.payrolls(&["draft", "approved", "exported"]);
        if list.is_empty() {
            return ("export", None);
        }
        let (id, st, _, _) = list[pick % list.len()].clone();
        let unpayable = if st == "approved" {
            self.unpayable(id)
        } else {
            Vec::new()
        };
        let out = self.dir.join(format!("export-{id}"));
        self.as_actor("clerk");
        match export::export(
            &mut self.ctx,
            id,
            &mut yanglao_ops::files::FolderSink::new(&out),
            &|_, _| {},
        ) {
            Ok(o) => {
                assert!(
                    st != "draft" && unpayable.is_empty(),
                    "export of {id} ({st}) should be refused"
                );
                let banks: Vec<PathBuf> = o
                    .files
                    .iter()
                    .filter(|f| f.contains("银行代发"))
                    .map(PathBuf::from)
                    .collect();
                assert!(!banks.is_empty() || o.lines == 0);
                self.exports.insert(id, banks);
                let now = self.rows(
                    "SELECT status FROM payrolls WHERE payroll_id = $1",
                    &[Param::Int(id)],
                )[0]
                .str(0)
                .unwrap();
                assert_ne!(now, "approved");
                ("export", None)
            }
            Err(e) => {
                let want = if st == "draft" {
                    "E-PAYROLL-NOT-APPROVED"
                } else {
                    "E-PAYROLL-UNPAYABLE"
                };
                assert_eq!(e.code(), want, "{e}");
                ("export", Some(e.to_string()))
            }
        }
    }

    fn bank_return(
        &mut self,
        pick: usize,
        failed: u8,
        include: u8,
        backdated: bool,
        bad: Option<BadReturn>,
    ) -> (&'static str, Option<String>) {
        let list = self.payrolls(&["exported", "paid"]);
        let list: Vec<_> = list
            .into_iter()
            .filter(|p| self.exports.contains_key(&p.0))
            .collect();
        if list.is_empty() {
            return ("bank return", None);
        }
        let (id, _, month, _) = list[pick % list.len()].clone();
        let mut lines: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for f in self.exports[&id].clone() {
            let bytes = std::fs::read(&f).unwrap();
            let (text, _, _) = encoding_rs::GB18030.decode(&bytes);
            for l in text.lines().skip(1).filter(|l| !l.starts_with("合计")) {
                let f: Vec<String> = l.split(',').map(str::to_string).collect();
                lines.insert(f[1].parse().unwrap(), f);
            }
        }
        let states: BTreeMap<i64, String> = self
            .rows(
                "SELECT line_no, status FROM payroll_lines WHERE payroll_id = $1",
                &[Param::Int(id)],
            )
            .iter()
            .map(|r| (r.i64(0).unwrap(), r.str(1).unwrap()))
            .collect();
        let pending: Vec<i64> = states
            .iter()
            .filter(|s| s.1 == "pending")
            .map(|s| *s.0)
            .collect();
        let mut chosen: Vec<i64> = pending
            .iter()
            .enumerate()
            .filter(|(i, _)| include >> (i % 8) & 1 == 1)
            .map(|(_, l)| *l)
            .collect();
        if chosen.is_empty() {
            chosen.extend(pending.first());
        }
        let date = if backdated {
            (month.first_day() + Duration::days(9)).min(self.clock)
        } else {
            self.clock
        };
        let row = |f: &[String], fail: bool, amount: &str| {
            if fail {
                format!(
                    "{},{},{},{},{amount},失败,账户已冻结,\n",
                    f[0], f[1], f[2], f[4]
                )
            } else {
                format!(
                    "{},{},{},{},{amount},成功,,{date}\n",
                    f[0], f[1], f[2], f[4]
                )
            }
        };
        let mut text = bank_return::COLUMNS.join(",") + "\n";
        let mut outcome = BTreeMap::new();
        for (i, l) in chosen.iter().enumerate() {
            let fail = failed >> (i % 8) & 1 == 1;
            let mut amount = lines[l][5].clone();
            if i == 0 && matches!(bad, Some(BadReturn::AmountOff)) {
                let fen = yanglao_domain::parse_yuan_to_fen(&amount).unwrap() + 1;
                amount = yanglao_domain::format_yuan(fen);
            }
            text.push_str(&row(&lines[l], fail, &amount));
            outcome.insert(*l, fail);
        }
        let refused = match bad {
            None => None,
            Some(_) if chosen.is_empty() => return ("bank return", None),
            Some(BadReturn::AmountOff) => Some("an amount one fen off"),
            Some(BadReturn::Duplicate) => {
                let l = chosen[0];
                text.push_str(&row(&lines[&l], outcome[&l], &lines[&l][5]));
                Some("a payment twice")
            }
            Some(BadReturn::Conflict) => {
                let Some((l, _)) = states.iter().find(|s| s.1 == "paid") else {
                    return ("bank return", None);
                };
                text.push_str(&row(&lines[l], true, &lines[l][5]));
                Some("a failure for a payment recorded as paid")
            }
        };
        if chosen.is_empty() && refused.is_none() {
            return ("bank return", None);
        }
        let path = self.write(&text);
        self.as_actor("clerk");
        let o = bank_return::import(
            &mut self.ctx,
            &yanglao_ops::imports::table::Upload::read(&path).unwrap(),
            false,
        )
        .unwrap();
        if let Some(what) = refused {
            assert!(!o.ok(), "{what} accepted");
            return ("bank return", Some(what.into()));
        }
        assert!(o.ok(), "{:?}\n{text}", o.errors);
        assert_eq!(o.posted, chosen.len());
        for r in self.rows(
            "SELECT line_no, status, paid_date FROM payroll_lines WHERE payroll_id = $1",
            &[Param::Int(id)],
        ) {
            let l = r.i64(0).unwrap();
            if let Some(fail) = outcome.get(&l) {
                assert_eq!(r.str(1).unwrap(), if *fail { "failed" } else { "paid" });
                if !fail {
                    assert_eq!(r.date(2).unwrap(), date);
                }
            }
        }
        self.accepted.push(("bank-return", path, Vec::new()));
        ("bank return", None)
    }

    fn recipients(&mut self) -> Vec<usize> {
        let ids: BTreeSet<String> = self
            .rows("SELECT p.citizen_id FROM awards a JOIN persons p ON p.county = a.county AND p.person_id = a.person_id", &[])
            .iter()
            .map(|r| r.str(0).unwrap())
            .collect();
        (0..PEOPLE.len())
            .filter(|p| ids.contains(&cid(*p)))
            .collect()
    }

    /// Someone to report or decide about: mostly a recipient, sometimes anyone registered.
    fn someone(&mut self, pick: usize) -> Option<usize> {
        let rec = self.recipients();
        if !rec.is_empty() && pick % 4 != 3 {
            return Some(rec[pick % rec.len()]);
        }
        self.anyone(pick)
    }

    /// Someone whose account holds something, if anyone's does.
    fn with_balance(&mut self, pick: usize) -> Option<usize> {
        let ids: BTreeSet<String> = self
            .rows(
                "SELECT p.citizen_id FROM persons p JOIN account_movements m ON m.county = p.county AND m.person_id = p.person_id
                 GROUP BY p.citizen_id HAVING SUM(m.personal_fen + m.subsidy_province_fen + m.subsidy_city_fen + m.subsidy_county_fen
                                                   + m.gov_paid_fen + m.interest_fen) > 0",
                &[],
            )
            .iter()
            .map(|r| r.str(0).unwrap())
            .collect();
        let with: Vec<usize> = (0..PEOPLE.len())
            .filter(|p| ids.contains(&cid(*p)))
            .collect();
        if with.is_empty() {
            return self.anyone(pick);
        }
        Some(with[pick % with.len()])
    }

    fn anyone(&mut self, pick: usize) -> Option<usize> {
        let all: Vec<usize> = self.model.registered.iter().copied().collect();
        (!all.is_empty()).then(|| all[pick % all.len()])
    }

    fn death(
        &mut self,
        person: usize,
        source: usize,
        back_days: i64,
        report_column: bool,
        bad: Option<BadDeath>,
    ) -> (&'static str, Option<String>) {
        // Mostly a recipient; a third of the time someone whose account holds something.
        let who = if person % 3 == 2 {
            self.with_balance(person / 3)
        } else {
            self.someone(person)
        };
        let Some(p) = who else {
            return ("deaths", None);
        };
        let src = [
            deaths::Source::Police,
            deaths::Source::CivilAffairs,
            deaths::Source::Health,
            deaths::Source::Village,
        ][source];
        let mut died = (self.clock - Duration::days(back_days)).max(birth(p));
        let mut reported = self.clock;
        self.reference += 1;
        let mut reference = format!("SW-{}", self.reference);
        let refused = match bad {
            None => None,
            Some(BadDeath::ReportedBeforeDeath) => {
                reported = died - Duration::days(1);
                Some("a report before the death")
            }
            Some(BadDeath::Future) => {
                died = ymd(2099, 1, 1);
                Some("a death in the future")
            }
            Some(BadDeath::Conflict) => {
                let earlier = self.rows(
                    "SELECT source_ref, death_date FROM death_records WHERE source = $1 ORDER BY record_id",
                    &[Param::Text(src.code())],
                );
                let Some(r) = earlier.first() else {
                    return ("deaths", None);
                };
                reference = r.str(0).unwrap();
                died = (r.date(1).unwrap() - Duration::days(1)).max(birth(p));
                Some("a known reference with another date")
            }
        };
        let (county, _, name, _) = PEOPLE[p];
        let text = if report_column {
            format!("身份证号,姓名,死亡日期,来源编号,县区代码,报告日期\n{},{name},{died},{reference},{county},{reported}\n", cid(p))
        } else {
            format!(
                "身份证号,姓名,死亡日期,来源编号\n{},{name},{died},{reference}\n",
                cid(p)
            )
        };
        let path = self.write(&text);
        self.as_actor("clerk");
        let processed = (!report_column).then_some(reported);
        let o = deaths::import(
            &mut self.ctx,
            &yanglao_ops::imports::table::Upload::read(&path).unwrap(),
            src,
            false,
            processed,
        )
        .unwrap();
        if let Some(what) = refused {
            assert!(!o.ok(), "{what} accepted: {text}");
            return ("deaths", Some(what.into()));
        }
        assert!(o.ok(), "{:?}\n{text}", o.errors);
        assert_eq!(o.posted, 1);
        if src.official() {
            self.model.died(p, died);
        }
        if src == deaths::Source::Police && !report_column {
            self.accepted.push(("deaths", path, Vec::new()));
        }
        ("deaths", None)
    }

    fn unidentified_death(
        &mut self,
        person: usize,
        back_days: i64,
    ) -> (&'static str, Option<String>) {
        let Some(p) = self.someone(person) else {
            return ("deaths to review", None);
        };
        let died = (self.clock - Duration::days(back_days)).max(birth(p));
        self.reference += 1;
        let (county, _, name, _) = PEOPLE[p];
        let path = self.write(&format!(
            "身份证号,姓名,死亡日期,来源编号,出生日期,县区代码,报告日期\n,{name},{died},WJ-{},{},{county},{}\n",
            self.reference,
            birth(p),
            self.clock
        ));
        self.as_actor("clerk");
        let o = deaths::import(
            &mut self.ctx,
            &yanglao_ops::imports::table::Upload::read(&path).unwrap(),
            deaths::Source::Health,
            false,
            None,
        )
        .unwrap();
        assert!(o.ok(), "{:?}", o.errors);
        let d = o.details.unwrap();
        assert_eq!(
            (d["review"].as_i64(), d["deaths_confirmed"].as_i64()),
            (Some(1), Some(0)),
            "{d}"
        );
        ("deaths to review", None)
    }

    fn review(
        &mut self,
        pick: usize,
        confirm: bool,
        early: bool,
    ) -> (&'static str, Option<String>) {
        let items = deaths::review_list(&mut self.ctx).unwrap();
        if items.is_empty() {
            return ("review", None);
        }
        let item = items[pick % items.len()].clone();
        let on = if early {
            item.death_date - Duration::days(1)
        } else {
            self.clock
        };
        self.as_actor("reviewer");
        match deaths::review_decide(
            &mut self.ctx,
            item.record_id,
            confirm,
            Some(on),
            Some("核对户籍信息"),
        ) {
            Ok(_) => {
                assert!(
                    !(early && confirm),
                    "a confirmation dated before the death was taken"
                );
                if confirm {
                    let p = (0..PEOPLE.len())
                        .find(|p| cid(*p) == item.candidate_citizen_id)
                        .unwrap();
                    self.model.died(p, item.death_date);
                }
                ("review", None)
            }
            Err(e) => {
                assert!(early && confirm, "{e}");
                assert_eq!(e.code(), "E-DATE-BEFORE-DEATH");
                ("review", Some(e.to_string()))
            }
        }
    }

    fn status(
        &mut self,
        person: usize,
        decision: usize,
        early: bool,
    ) -> (&'static str, Option<String>) {
        let Some(p) = self.someone(person) else {
            return ("status", None);
        };
        let d = [
            status::Decision::Suspended,
            status::Decision::Resumed,
            status::Decision::Terminated,
            status::Decision::Receiving,
        ][decision];
        let pid = self.person_id(p).unwrap();
        let last = self.rows(
            "SELECT MAX(effective_date) FROM person_events WHERE person_id = $1 AND county = $2",
            &[Param::Int(pid), Param::Text(PEOPLE[p].0)],
        )[0]
        .opt_date(0)
        .unwrap();
        let on = match (early, last) {
            (true, Some(l)) => l - Duration::days(1),
            _ => self.clock,
        };
        self.as_actor("clerk");
        match status::record(&mut self.ctx, &cid(p), d, Some("核查"), on) {
            Ok(_) => {
                assert!(
                    !(early && last.is_some()),
                    "a decision dated before the last one was taken"
                );
                if d == status::Decision::Terminated {
                    self.model.terminate(p, on);
                }
                ("status", None)
            }
            Err(e) => {
                assert!(
                    ["E-STATUS-TRANSITION", "E-STATUS-DATE-ORDER"].contains(&e.code()),
                    "{e}"
                );
                ("status", Some(e.to_string()))
            }
        }
    }

    fn recovery(
        &mut self,
        pick: usize,
        channel: usize,
        pct: i64,
        early: bool,
    ) -> (&'static str, Option<String>) {
        let cases = self.rows(
            "SELECT case_id, county, person_id, overpaid_fen - recovered_fen - written_off_fen, death_date, opened_on FROM recovery_cases ORDER BY case_id",
            &[],
        );
        if cases.is_empty() {
            return ("recovery", None);
        }
        let c = &cases[pick % cases.len()];
        let (case_id, county, person_id, outstanding) = (
            c.i64(0).unwrap(),
            c.str(1).unwrap(),
            c.i64(2).unwrap(),
            c.i64(3).unwrap(),
        );
        let (death, opened) = (c.date(4).unwrap(), c.date(5).unwrap());
        let channel = recovery::CHANNELS[channel];
        let amount = (outstanding * pct / 100).max(1);
        let on = if early {
            opened.min(death) - Duration::days(1)
        } else {
            self.clock
        };
        let balance = self.balance(&county, person_id);
        let allowed = amount <= outstanding
            && on >= opened
            && on >= death
            && (channel != "offset" || amount <= balance);
        self.as_actor("clerk");
        match recovery::record(&mut self.ctx, case_id, channel, amount, on, None) {
            Ok(s) => {
                assert!(allowed, "{channel} of {amount} on {on} (outstanding {outstanding}, balance {balance}) taken");
                assert_eq!(s.outstanding_fen, outstanding - amount);
                ("recovery", None)
            }
            Err(e) => {
                assert!(!allowed, "{channel} of {amount} on {on}: {e}");
                assert!(
                    [
                        "E-RECOVERY-EXCEEDS",
                        "E-RECOVERY-OFFSET-EXCEEDS",
                        "E-RECOVERY-BEFORE-OPENED",
                        "E-DATE-BEFORE-DEATH",
                        "E-DATE-BEFORE-SCHEME"
                    ]
                    .contains(&e.code()),
                    "{e}"
                );
                ("recovery", Some(e.to_string()))
            }
        }
    }

    /// A person's individual-account balance: the sum of the positive components (what an offset
    /// or the heirs can take).
    fn balance(&mut self, county: &str, person_id: i64) -> i64 {
        let r = self.rows(
            "SELECT CAST(COALESCE(SUM(personal_fen), 0) AS BIGINT), CAST(COALESCE(SUM(subsidy_province_fen), 0) AS BIGINT),
                    CAST(COALESCE(SUM(subsidy_city_fen), 0) AS BIGINT), CAST(COALESCE(SUM(subsidy_county_fen), 0) AS BIGINT),
                    CAST(COALESCE(SUM(gov_paid_fen), 0) AS BIGINT), CAST(COALESCE(SUM(interest_fen), 0) AS BIGINT)
             FROM account_movements WHERE county = $1 AND person_id = $2",
            &[Param::Text(county), Param::Int(person_id)],
        );
        (0..6).map(|i| r[0].i64(i).unwrap().max(0)).sum()
    }

    fn inherit(&mut self, person: usize, early: bool) -> (&'static str, Option<String>) {
        let mut dead: Vec<usize> = self.model.official_death.keys().copied().collect();
        // Mostly someone who leaves a balance.
        if person % 3 != 2 {
            let with_balance: Vec<usize> = dead
                .iter()
                .copied()
                .filter(|&p| {
                    let pid = self.person_id(p).unwrap();
                    self.balance(PEOPLE[p].0, pid) > 0
                })
                .collect();
            if !with_balance.is_empty() {
                dead = with_balance;
            }
        }
        let p = if !dead.is_empty() && person % 5 != 4 {
            dead[person % dead.len()]
        } else {
            match self.someone(person) {
                Some(p) => p,
                None => return ("inheritance", None),
            }
        };
        let county = PEOPLE[p].0;
        let pid = self.person_id(p).unwrap();
        let death = self.model.official_death.get(&p).copied();
        let on = match (early, death) {
            (true, Some(d)) => d - Duration::days(1),
            _ => self.clock,
        };
        let done = self.int(
            "SELECT COUNT(*) FROM inheritance_payments WHERE county = $1 AND person_id = $2",
            &[Param::Text(county), Param::Int(pid)],
        ) > 0;
        let waiting = self.int(
            "SELECT COUNT(*) FROM payroll_lines l WHERE l.county = $1 AND l.person_id = $2
               AND (l.status = 'pending' OR (l.status = 'failed' AND NOT EXISTS (
                    SELECT 1 FROM payroll_lines r WHERE r.county = l.county AND r.reissue_of_payroll = l.payroll_id AND r.reissue_of_line = l.line_no)))",
            &[Param::Text(county), Param::Int(pid)],
        );
        let outstanding = self.int(
            "SELECT CAST(COALESCE(SUM(overpaid_fen - recovered_fen - written_off_fen), 0) AS BIGINT) FROM recovery_cases WHERE county = $1 AND person_id = $2",
            &[Param::Text(county), Param::Int(pid)],
        );
        let balance = self.balance(county, pid);
        // The heirs are owed the interest of every year that ended before the payment: a year
        // the county has not credited yet holds the payment back.
        let first_year = self.int(
            "SELECT CAST(COALESCE(MIN(CAST(SUBSTR(CAST(movement_date AS TEXT), 1, 4) AS INTEGER)), 0) AS BIGINT) FROM account_movements WHERE county = $1 AND person_id = $2",
            &[Param::Text(county), Param::Int(pid)],
        );
        let credited: Vec<i64> = self
            .rows(
                "SELECT CAST(year AS BIGINT) FROM interest_credits WHERE county = $1",
                &[Param::Text(county)],
            )
            .iter()
            .map(|r| r.i64(0).unwrap())
            .collect();
        let interest_pending = first_year > 0
            && (first_year + 1..i64::from(on.year())).any(|y| !credited.contains(&y));
        // Months owed at death (left out while alive): their exit subsidy goes to the heirs too.
        let owed_fen = match death {
            Some(d) => self
                .ctx
                .db
                .read_transaction(|tx| inheritance::months_owed_at_death(tx, county, pid, d))
                .unwrap()
                .map_or(0, |o| o.exit.iter().sum::<i64>()),
            None => 0,
        };
        // An account of nothing, with no months owed, has nothing to offset or pay.
        let allowed = death.is_some_and(|d| on >= d)
            && !done
            && waiting == 0
            && on >= ymd(2021, 1, 1)
            && !interest_pending
            && (balance > 0 || owed_fen > 0);
        self.as_actor("clerk");
        let heir = CitizenId::from_body(&format!("{county}19800101{:03}", 500 + p)).unwrap();
        match inheritance::pay_inheritance(
            &mut self.ctx,
            &cid(p),
            "继承人",
            heir.as_str(),
            "中国农业银行",
            &account(50 + p),
            on,
        ) {
            Ok(i) => {
                assert!(allowed, "inheritance of {p} on {on} taken (death {death:?}, done {done}, waiting {waiting})");
                assert_eq!(i.offset_fen, outstanding.min(balance));
                assert_eq!(i.offset_fen + i.paid_fen, balance);
                assert_eq!(i.arrears_fen, owed_fen);
                assert_eq!(self.balance(county, pid), 0, "the account is emptied");
                ("inheritance", None)
            }
            Err(e) => {
                assert!(!allowed, "inheritance of {p} on {on}: {e}");
                assert!(
                    [
                        "E-INHERIT-NOT-DECEASED",
                        "E-DATE-BEFORE-DEATH",
                        "E-INHERIT-DONE",
                        "E-INHERIT-PENDING",
                        "E-INHERIT-NOTHING",
                        "E-INHERIT-INTEREST-PENDING",
                        "E-DATE-BEFORE-SCHEME"
                    ]
                    .contains(&e.code()),
                    "{e}"
                );
                ("inheritance", Some(e.to_string()))
            }
        }
    }

    /// Everything that must hold after every step.
    fn check(&mut self) {
        let r = self.ctx.db.read_transaction(ledger::verify).unwrap();
        assert!(
            r.ok,
            "ledger breaches after step {}: {:?}",
            self.steps, r.breaches
        );

        // No month of a person is paid twice, nor drawn up twice while its payment waits: the
        // months of the lines that are not failed never overlap.
        let lines = self.rows(
            "SELECT county, person_id, from_month, to_month, payroll_id, line_no FROM payroll_lines WHERE status <> 'failed'
             ORDER BY county, person_id, from_month",
            &[],
        );
        let mut last: Option<(String, i64, NaiveDate, i64)> = None;
        for l in &lines {
            let (c, p, from, to) = (
                l.str(0).unwrap(),
                l.i64(1).unwrap(),
                l.date(2).unwrap(),
                l.date(3).unwrap(),
            );
            if let Some((lc, lp, lto, lid)) = &last {
                assert!(
                    !(lc == &c && *lp == p && from <= *lto),
                    "person {p} of {c}: payroll {} line {} covers {from}, already in payroll {lid}",
                    l.i64(4).unwrap(),
                    l.i64(5).unwrap()
                );
            }
            last = Some((c, p, to, l.i64(4).unwrap()));
        }
        // A failed line is re-issued at most once at a time.
        let reissued = self.int(
            "SELECT COUNT(*) FROM (SELECT reissue_of_payroll, reissue_of_line FROM payroll_lines WHERE reissue_of_payroll IS NOT NULL
               AND status <> 'failed' GROUP BY county, reissue_of_payroll, reissue_of_line HAVING COUNT(*) > 1) x",
            &[],
        );
        assert_eq!(reissued, 0, "a failed line re-issued twice");

        // The bank paid out for benefits exactly what the paid lines say, county by county.
        for county in [A, B] {
            // Paid lines, and the exit subsidy of months owed at death paid to the heirs.
            let paid = self.int(
                "SELECT CAST(COALESCE(SUM(total_fen), 0) AS BIGINT) FROM payroll_lines WHERE county = $1 AND status = 'paid'",
                &[Param::Text(county)],
            ) + self.int(
                "SELECT CAST(COALESCE(SUM(arrears_fen), 0) AS BIGINT) FROM inheritance_payments WHERE county = $1",
                &[Param::Text(county)],
            );
            let bank = self.int(
                "SELECT CAST(COALESCE(SUM(-l.amount_fen), 0) AS BIGINT) FROM journal_lines l JOIN journal_entries e
                   ON e.county = l.county AND e.entry_id = l.entry_id WHERE l.county = $1 AND e.kind = 'benefit_payment' AND l.account = 'bank'",
                &[Param::Text(county)],
            );
            assert_eq!(
                bank, paid,
                "{county}: the bank's benefit payments and the paid lines"
            );

            // The overpayment receivable is the outstanding of the recovery cases, none negative.
            let receivable = self.int(
                "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM journal_lines WHERE county = $1 AND account = 'receivable.overpayment'",
                &[Param::Text(county)],
            );
            let cases = self.rows(
                "SELECT case_id, overpaid_fen, recovered_fen, written_off_fen FROM recovery_cases WHERE county = $1",
                &[Param::Text(county)],
            );
            let mut outstanding = 0;
            for c in &cases {
                let o = c.i64(1).unwrap() - c.i64(2).unwrap() - c.i64(3).unwrap();
                assert!(
                    o >= 0 && c.i64(2).unwrap() >= 0 && c.i64(3).unwrap() >= 0,
                    "case {} outstanding {o}",
                    c.i64(0).unwrap()
                );
                let booked = self.int(
                    "SELECT CAST(COALESCE(SUM(total_fen), 0) AS BIGINT) FROM overpayments WHERE county = $1 AND case_id = $2",
                    &[Param::Text(county), Param::Int(c.i64(0).unwrap())],
                );
                assert_eq!(
                    booked,
                    c.i64(1).unwrap(),
                    "case {}: overpaid and the overpaid lines",
                    c.i64(0).unwrap()
                );
                outstanding += o;
            }
            assert!(
                receivable >= 0,
                "{county}: overpayment receivable {receivable}"
            );
            assert_eq!(
                receivable, outstanding,
                "{county}: the receivable and the cases"
            );
        }

        // Every person paid for months after an official death has those months booked as an
        // overpayment; the death in force is the earliest date an official source gave.
        let deaths_in_force: BTreeMap<usize, NaiveDate> = self
            .rows(
                "SELECT county, person_id, death_date FROM deaths WHERE official",
                &[],
            )
            .iter()
            .map(|r| (r.str(0).unwrap(), r.i64(1).unwrap(), r.date(2).unwrap()))
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(c, pid, d)| (self.person_of(&c, pid), d))
            .collect();
        assert_eq!(
            deaths_in_force, self.model.official_death,
            "deaths in force"
        );
        for (&p, &died) in &self.model.official_death.clone() {
            let pid = self.person_id(p).unwrap();
            let death_month = Month::of(died);
            for l in self.rows(
                "SELECT l.payroll_id, l.line_no, l.from_month, l.to_month, l.months, o.months FROM payroll_lines l
                 LEFT JOIN overpayments o ON o.county = l.county AND o.payroll_id = l.payroll_id AND o.line_no = l.line_no
                 WHERE l.county = $1 AND l.person_id = $2 AND l.status = 'paid'",
                &[Param::Text(PEOPLE[p].0), Param::Int(pid)],
            ) {
                let (from, to, months) = (Month::of(l.date(2).unwrap()), Month::of(l.date(3).unwrap()), l.i64(4).unwrap());
                let after = i64::from(death_month.max(from.prev()).until(to)).clamp(0, months);
                assert_eq!(
                    l.opt_i64(5).unwrap().unwrap_or(0),
                    after,
                    "person {p} died {died}: payroll {} line {} paid {from}..{to}",
                    l.i64(0).unwrap(),
                    l.i64(1).unwrap()
                );
            }
        }

        // Individual accounts: none below zero; contributions and government payments as the
        // model has them.
        for r in self.rows(
            "SELECT p.citizen_id,
                    CAST(COALESCE(SUM(m.personal_fen + m.subsidy_province_fen + m.subsidy_city_fen + m.subsidy_county_fen + m.gov_paid_fen + m.interest_fen), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN m.kind = 'self' THEN m.personal_fen + m.subsidy_province_fen + m.subsidy_city_fen + m.subsidy_county_fen ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN m.kind = 'gov_paid' THEN m.gov_paid_fen + m.subsidy_province_fen + m.subsidy_city_fen + m.subsidy_county_fen ELSE 0 END), 0) AS BIGINT)
             FROM persons p LEFT JOIN account_movements m ON m.county = p.county AND m.person_id = p.person_id GROUP BY p.citizen_id",
            &[],
        ) {
            let id = r.str(0).unwrap();
            let p = (0..PEOPLE.len()).find(|p| cid(*p) == id).unwrap();
            assert!(r.i64(1).unwrap() >= 0, "person {p}'s account is {}", r.i64(1).unwrap());
            assert_eq!(r.i64(2).unwrap(), self.model.contributed.get(&p).copied().unwrap_or(0), "person {p}'s contributions");
            assert_eq!(r.i64(3).unwrap(), self.model.gov_paid_fen.get(&p).copied().unwrap_or(0), "person {p}'s government payments");
        }

        // Interest of year Y: the balance at the end of Y-1 times the year's rate, to the fen.
        let policy = yanglao_policy::default_supplementary();
        for (county, years) in self.model.credited.clone() {
            for y in years {
                let rate = policy
                    .supplementary(county, ymd(y, 12, 31))
                    .unwrap()
                    .credit_interest_rate;
                // The interest entry of the year: an account paid to the heirs before it was
                // posted is closed and earns nothing.
                let credit_entry = self
                    .rows(
                        "SELECT entry_id FROM interest_credits WHERE county = $1 AND year = $2",
                        &[Param::Text(county), Param::Int(y.into())],
                    )
                    .first()
                    .and_then(|r| r.opt_i64(0).unwrap());
                for r in self.rows(
                    "SELECT p.person_id,
                            CAST(COALESCE(SUM(CASE WHEN m.movement_date <= $2 THEN m.personal_fen + m.subsidy_province_fen + m.subsidy_city_fen
                                 + m.subsidy_county_fen + m.gov_paid_fen + m.interest_fen ELSE 0 END), 0) AS BIGINT),
                            CAST(COALESCE(SUM(CASE WHEN m.kind = 'interest' AND m.year = $3 THEN m.interest_fen ELSE 0 END), 0) AS BIGINT),
                            (SELECT i.entry_id FROM inheritance_payments i WHERE i.county = p.county AND i.person_id = p.person_id)
                     FROM persons p LEFT JOIN account_movements m ON m.county = p.county AND m.person_id = p.person_id
                     WHERE p.county = $1 GROUP BY p.county, p.person_id",
                    &[Param::Text(county), Param::Date(ymd(y - 1, 12, 31)), Param::Int(y.into())],
                ) {
                    let closed = r
                        .opt_i64(3)
                        .unwrap()
                        .is_some_and(|heirs| credit_entry.is_none_or(|c| heirs < c));
                    let want = if closed {
                        0
                    } else {
                        (Decimal::from(r.i64(1).unwrap()) * rate)
                            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                            .to_i64()
                            .unwrap()
                            .max(0)
                    };
                    assert_eq!(r.i64(2).unwrap(), want, "{county} {y}: interest of person {}", r.i64(0).unwrap());
                }
            }
        }

        // Awards: once a person, only from the month after the 65th birthday, only in the scheme.
        for r in self.rows("SELECT county, person_id, start_month FROM awards", &[]) {
            let p = self.person_of(&r.str(0).unwrap(), r.i64(1).unwrap());
            assert!(PEOPLE[p].3, "person {p} outside the basic scheme awarded");
            let start = Month::of(r.date(2).unwrap());
            assert!(
                start > Month::of(yanglao_policy::reaches_age_on(birth(p), 65)),
                "person {p} awarded from {start}"
            );
        }
    }
}

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(tag: &str) -> Dir {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "yanglao-seq-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Dir(d)
}

/// What the sequences of a run reached, summed: rows of the tables that show it.
static REACHED: Mutex<BTreeMap<&'static str, u64>> = Mutex::new(BTreeMap::new());

const REACHED_SQL: [(&str, &str); 12] = [
    ("awards", "SELECT COUNT(*) FROM awards"),
    ("payrolls", "SELECT COUNT(*) FROM payrolls"),
    (
        "supplementary payrolls",
        "SELECT COUNT(*) FROM payrolls WHERE kind = 'supplementary'",
    ),
    (
        "lines paid",
        "SELECT COUNT(*) FROM payroll_lines WHERE status = 'paid'",
    ),
    (
        "lines failed",
        "SELECT COUNT(*) FROM payroll_lines WHERE status = 'failed'",
    ),
    (
        "lines left out at refresh",
        "SELECT COUNT(*) FROM audit_log WHERE action = 'payroll.refresh'",
    ),
    (
        "official deaths",
        "SELECT COUNT(*) FROM deaths WHERE official",
    ),
    ("overpaid lines", "SELECT COUNT(*) FROM overpayments"),
    ("recovery steps", "SELECT COUNT(*) FROM recovery_movements"),
    ("inheritances", "SELECT COUNT(*) FROM inheritance_payments"),
    (
        "review decisions",
        "SELECT COUNT(*) FROM death_records WHERE match_status IN ('confirmed', 'rejected')",
    ),
    ("interest credits", "SELECT COUNT(*) FROM interest_credits"),
];

/// Runs one sequence from a start date (days after 4 January 2021) and returns its steps.
fn run_sequence(url: &str, dir: &Path, start_days: i64, ops: &[Op]) -> usize {
    let mut s = Seq::new(url, dir, ymd(2021, 1, 4) + Duration::days(start_days));
    // Everyone who could draw a pension is registered first; the rest come with the operations.
    s.step(&Op::Register { n: 8, bad: false });
    s.step(&Op::Register { n: 4, bad: false });
    for op in ops {
        s.step(op);
    }
    let mut reached = REACHED.lock().unwrap_or_else(|e| e.into_inner());
    for (what, sql) in REACHED_SQL {
        *reached.entry(what).or_default() += s.int(sql, &[]) as u64;
    }
    *reached.entry("sequences").or_default() += 1;
    *reached.entry("steps").or_default() += s.steps as u64;
    s.steps
}

/// A start date (days after 4 January 2021) and up to `max_ops` operations.
fn sequence(max_ops: usize) -> impl Strategy<Value = (i64, Vec<Op>)> {
    (0..240i64, prop::collection::vec(op(), 5..max_ops))
}

fn pg_admin() -> Option<String> {
    let url = std::env::var("YANGLAO_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        assert!(
            std::env::var("YANGLAO_REQUIRE_PG").map_or(true, |v| v != "1"),
            "YANGLAO_REQUIRE_PG=1 but YANGLAO_TEST_PG_URL is unset: the PostgreSQL sequences cannot run"
        );
        use std::io::Write;
        let _ = std::io::stderr().write_all(
            b"\n*** PostgreSQL operation sequences DID NOT RUN (YANGLAO_TEST_PG_URL unset) ***\n",
        );
    }
    url
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_operation_sequences_keep_the_books_on_sqlite((start, ops) in sequence(40)) {
        let dir = temp_dir("sqlite");
        run_sequence(&format!("sqlite://{}", dir.0.join("s.db").display()), &dir.0, start, &ops);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn random_operation_sequences_keep_the_books_on_postgres((start, ops) in sequence(30)) {
        let Some(admin) = pg_admin() else { return Ok(()) };
        let pg = ScratchPg::create(&admin, "yanglao_seq").unwrap();
        let dir = temp_dir("pg");
        run_sequence(&pg.url, &dir.0, start, &ops);
    }
}

proptest! {
    // Fewer cases on the cluster: each makes a database on three nodes.
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn random_operation_sequences_keep_the_books_on_citus((start, ops) in sequence(30)) {
        let Some((coordinator, workers)) = yanglao_store::test_citus() else { return Ok(()) };
        let c = yanglao_store::ScratchCitus::create(&coordinator, &workers, "yanglao_seq_c").unwrap();
        let dir = temp_dir("citus");
        run_sequence(&c.url, &dir.0, start, &ops);
    }
}

/// A recipient who contributed nothing dies; the heirs are refused (there is nothing to pay)
/// instead of an entry of no amount breaking `ledger verify`.
#[test]
fn heirs_of_an_account_of_nothing_leave_the_books_whole() {
    let dir = temp_dir("nothing");
    let ops = [
        Op::Death {
            person: 0,
            source: 0,
            back_days: 0,
            report_column: false,
            bad: None,
        },
        Op::Advance {
            days: 20,
            year_end: false,
        },
        Op::Inherit {
            person: 0,
            early: false,
        },
    ];
    run_sequence(
        &format!("sqlite://{}", dir.0.join("s.db").display()),
        &dir.0,
        0,
        &ops,
    );
    let refusals = REFUSALS.lock().unwrap_or_else(|e| e.into_inner());
    assert!(
        refusals.contains_key("inheritance: E-INHERIT-NOTHING"),
        "{refusals:?}"
    );
}

/// A death in the month of a payroll still in draft: the month is paid (a termination takes effect
/// from the month after its date), so the draft is approved and paid and nothing is overpaid; the
/// next month's payroll leaves the person out.
#[test]
fn the_month_of_a_death_is_approved_and_paid() {
    let dir = temp_dir("death-month");
    // 4 March 2021.
    let mut s = Seq::new(
        &format!("sqlite://{}", dir.0.join("s.db").display()),
        &dir.0,
        ymd(2021, 3, 4),
    );
    s.step(&Op::Register { n: 8, bad: false });
    s.step(&Op::Awards);
    s.step(&Op::PayrollRun);
    let pid = s.person_id(0).unwrap();
    s.step(&Op::Death {
        person: 0,
        source: 0,
        back_days: 2,
        report_column: true,
        bad: None,
    });
    assert_eq!(s.model.official_death.get(&0), Some(&ymd(2021, 3, 2)));
    let drafts = s.payrolls(&["draft"]);
    let id = drafts
        .iter()
        .find(|p| {
            s.rows(
                "SELECT 1 FROM payroll_lines WHERE payroll_id = $1 AND person_id = $2",
                &[Param::Int(p.0), Param::Int(pid)],
            )
            .len()
                == 1
        })
        .unwrap()
        .0;
    assert!(s.unpayable(id).is_empty(), "{:?}", s.unpayable(id));
    s.as_actor("checker");
    payroll::approve(&mut s.ctx, id).unwrap();
    s.step(&Op::Cycle { failed: 0 });
    let paid = s.rows(
        "SELECT from_month, to_month FROM payroll_lines WHERE payroll_id = $1 AND person_id = $2 AND status = 'paid'",
        &[Param::Int(id), Param::Int(pid)],
    );
    assert_eq!(
        (paid[0].date(0).unwrap(), paid[0].date(1).unwrap()),
        (ymd(2021, 1, 1), ymd(2021, 3, 1))
    );
    assert_eq!(s.int("SELECT COUNT(*) FROM overpayments", &[]), 0);
    s.step(&Op::Advance {
        days: 30,
        year_end: false,
    });
    s.step(&Op::Cycle { failed: 0 });
    assert_eq!(
        s.int(
            "SELECT COUNT(*) FROM payroll_exclusions WHERE person_id = $1 AND reason = 'deceased'",
            &[Param::Int(pid)]
        ),
        1
    );
}

/// For the record: `YANGLAO_SEQUENCES=10000 cargo test --release -p yanglao-ops --test all
/// sequences:: -- --ignored --nocapture` (and `YANGLAO_SEQUENCES_PG=N` for sequences on PostgreSQL).
#[test]
#[ignore]
fn many_random_operation_sequences() {
    let n: u32 = std::env::var("YANGLAO_SEQUENCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let max_ops: usize = std::env::var("YANGLAO_SEQUENCE_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(80);
    let n_pg: u32 = std::env::var("YANGLAO_SEQUENCES_PG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let steps = std::sync::atomic::AtomicUsize::new(0);
    let sequences = std::sync::atomic::AtomicUsize::new(0);
    let t0 = std::time::Instant::now();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&sequence(max_ops), |(start, ops)| {
            let dir = temp_dir("many");
            let k = run_sequence(
                &format!("sqlite://{}", dir.0.join("s.db").display()),
                &dir.0,
                start,
                &ops,
            );
            let total = steps.fetch_add(k, std::sync::atomic::Ordering::Relaxed) + k;
            let done = sequences.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if done.is_multiple_of(500) {
                eprintln!(
                    "{done} sequences, {total} steps, {:.0} s",
                    t0.elapsed().as_secs_f64()
                );
            }
            Ok(())
        })
        .unwrap();
    let sqlite_time = t0.elapsed();
    let sqlite_steps = steps.swap(0, std::sync::atomic::Ordering::Relaxed);
    let t1 = std::time::Instant::now();
    if n_pg > 0 {
        let admin = pg_admin().expect("YANGLAO_SEQUENCES_PG needs YANGLAO_TEST_PG_URL");
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: n_pg,
            failure_persistence: None,
            ..ProptestConfig::default()
        });
        runner
            .run(&sequence(max_ops), |(start, ops)| {
                let pg = ScratchPg::create(&admin, "yanglao_seq").unwrap();
                let dir = temp_dir("many-pg");
                let k = run_sequence(&pg.url, &dir.0, start, &ops);
                steps.fetch_add(k, std::sync::atomic::Ordering::Relaxed);
                Ok(())
            })
            .unwrap();
    }
    let pg_steps = steps.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "SQLite: {n} sequences, {sqlite_steps} steps, {:.0} s",
        sqlite_time.as_secs_f64()
    );
    if n_pg > 0 {
        println!(
            "PostgreSQL: {n_pg} sequences, {pg_steps} steps, {:.0} s",
            t1.elapsed().as_secs_f64()
        );
    }
    print_tally();
}

fn print_tally() {
    println!("operation: accepted / refused");
    for (k, [a, r]) in TALLY.lock().unwrap().iter() {
        println!("  {k}: {a} / {r}");
    }
    println!(
        "fingerprint / operation / checks µs: {:?}",
        TIMES.lock().unwrap()
    );
    println!("refusals:");
    for (k, n) in REFUSALS.lock().unwrap().iter() {
        println!("  {k}: {n}");
    }
    println!("reached (summed over the sequences):");
    for (k, n) in REACHED.lock().unwrap().iter() {
        println!("  {k}: {n}");
    }
}
