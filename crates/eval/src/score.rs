//! Scoring: measurements from the data and the evaluator's worksheet in, a score for every
//! indicator out, each with the way it was reached. An indicator the data cannot answer and the
//! worksheet does not judge stays unscored, and says so.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::framework::{Band, Cmp, Framework, Indicator, Rule};
use crate::{fmt2, grade, round2};

/// What the data says for one metric.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Measurement {
    /// `None`: the data cannot answer (the reason is in `note`).
    pub value: Option<Decimal>,
    /// The value as the report prints it ("11.73万人", "98.40%").
    pub display: String,
    /// For deduction rules: each item found (a late county-month, a bank account short of
    /// interest…), described.
    pub items: Vec<String>,
    /// How it was measured (formula with its figures), or why there is no data.
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorksheetKind {
    /// The evaluator's score for a judgement indicator (or a data indicator without data).
    Score,
    /// Points taken off, with a reason.
    Deduction,
}

/// One line of the evaluator's worksheet (评价工作底稿).
#[derive(Debug, Clone, PartialEq)]
pub struct WorksheetEntry {
    pub code: String,
    pub kind: WorksheetKind,
    pub points: Decimal,
    pub reason: String,
    pub evidence: String,
    /// Row in the worksheet file, for messages.
    pub row: usize,
}

/// A worksheet line that cannot be used: its row, code and message.
#[derive(Debug, Clone, PartialEq)]
pub struct WorksheetProblem {
    pub row: usize,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    pub points: Decimal,
    pub target: String,
    pub actual: String,
    /// `None`: not scored (no data and no judgement).
    pub score: Option<Decimal>,
    /// How the score was reached, in words with the figures.
    pub basis: String,
    pub rule: &'static str,
    /// Where the actual value came from: 数据, 问卷, 工作底稿, or 无.
    pub source: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LevelScore {
    pub code: String,
    pub name: String,
    pub points: Decimal,
    pub score: Decimal,
    /// score ÷ points, in percent (two decimals).
    pub rate_pct: Decimal,
    /// Leaves under it left unscored.
    pub unscored: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub framework: String,
    pub total: Decimal,
    pub grade: &'static str,
    /// Codes of the leaves left unscored (no data and no judgement). The total counts them as
    /// zero; a report says so.
    pub unscored: Vec<String>,
    /// First-level subtotals (A, B, C, D).
    pub levels: BTreeMap<String, LevelScore>,
    /// Second-level subtotals (A1, A2, …).
    pub groups: BTreeMap<String, LevelScore>,
    /// Every leaf, in framework order.
    pub indicators: Vec<Scored>,
}

/// Checks the worksheet against the framework and the measurements: every line names a leaf,
/// carries a reason and evidence, stays within the indicator's points, and judges only what the
/// data does not answer.
pub fn check_worksheet(
    fw: &Framework,
    sheet: &[WorksheetEntry],
    measured: &BTreeMap<String, Measurement>,
) -> Vec<WorksheetProblem> {
    let mut out = Vec::new();
    let mut scored: BTreeMap<&str, usize> = BTreeMap::new();
    let mut deducted: BTreeMap<&str, Decimal> = BTreeMap::new();
    // The evaluator's own score of each judged indicator, which its deductions come off.
    let judged: BTreeMap<&str, Decimal> = sheet
        .iter()
        .rev()
        .filter(|e| e.kind == WorksheetKind::Score)
        .map(|e| (e.code.as_str(), e.points))
        .collect();
    for e in sheet {
        let mut bad = |code, message| {
            out.push(WorksheetProblem {
                row: e.row,
                code,
                message,
            })
        };
        let Some(ind) = fw.get(&e.code).filter(|i| fw.is_leaf(&i.code)) else {
            bad(
                "E-WORKSHEET-CODE",
                format!("指标代码“{}”不是本指标体系的末级指标", e.code),
            );
            continue;
        };
        check_line(e, ind, &mut bad);
        let rule = ind.rule.as_ref().expect("leaves have rules");
        match e.kind {
            WorksheetKind::Score => check_score(e, ind, rule, measured, &mut scored, &mut bad),
            WorksheetKind::Deduction => {
                let d = deducted.entry(&e.code).or_default();
                *d += e.points;
                check_deduction(e, ind, rule, measured, &judged, *d, &mut bad);
            }
        }
    }
    out
}

/// What every line needs: a reason, evidence, and points within the indicator's.
fn check_line(e: &WorksheetEntry, ind: &Indicator, bad: &mut impl FnMut(&'static str, String)) {
    if e.reason.trim().is_empty() {
        bad(
            "E-WORKSHEET-NO-REASON",
            format!("{} 的评分没有理由：任何判断都须写明理由", e.code),
        );
    }
    if e.evidence.trim().is_empty() {
        bad(
            "E-WORKSHEET-NO-EVIDENCE",
            format!("{} 的评分没有证据索引（如底稿编号、文件名）", e.code),
        );
    }
    if e.points < Decimal::ZERO || e.points > ind.points {
        bad(
            "E-WORKSHEET-POINTS",
            format!(
                "{} 的分数 {} 超出 0 到 {} 分",
                e.code,
                e.points.normalize(),
                ind.points.normalize()
            ),
        );
    }
}

/// A score line: only for what the data does not answer, and once per indicator (`scored`: the
/// row each indicator was first scored on).
fn check_score<'s>(
    e: &'s WorksheetEntry,
    ind: &Indicator,
    rule: &Rule,
    measured: &BTreeMap<String, Measurement>,
    scored: &mut BTreeMap<&'s str, usize>,
    bad: &mut impl FnMut(&'static str, String),
) {
    let has_data = ind
        .metric
        .as_ref()
        .and_then(|m| measured.get(m))
        .is_some_and(|m| m.value.is_some());
    if rule.needs_metric() && has_data {
        bad(
            "E-WORKSHEET-DATA-INDICATOR",
            format!(
                "{} 由数据计分（{}），不能在底稿中直接打分；如有问题请录入扣分并写明理由",
                e.code,
                rule.name_zh()
            ),
        );
    }
    if let Some(first) = scored.insert(&e.code, e.row) {
        bad(
            "E-WORKSHEET-DUPLICATE",
            format!("{} 已在第 {first} 行打分", e.code),
        );
    }
}

/// A deduction line: only under a rule that takes deductions, and the indicator's deductions so
/// far (`deducted`, this line's included) within what is left to deduct from.
fn check_deduction(
    e: &WorksheetEntry,
    ind: &Indicator,
    rule: &Rule,
    measured: &BTreeMap<String, Measurement>,
    judged: &BTreeMap<&str, Decimal>,
    deducted: Decimal,
    bad: &mut impl FnMut(&'static str, String),
) {
    if !matches!(rule, Rule::Deductions { .. } | Rule::Judgement) {
        bad(
            "E-WORKSHEET-DEDUCTION-RULE",
            format!("{} 按“{}”计分，不接受扣分项", e.code, rule.name_zh()),
        );
    }
    let (left, from) = deductible(e, ind, rule, measured, judged);
    if deducted > ind.points {
        bad(
            "E-WORKSHEET-POINTS",
            format!(
                "{} 的扣分合计 {} 超过其分值 {}",
                e.code,
                deducted.normalize(),
                ind.points.normalize()
            ),
        );
    } else if deducted > left {
        bad(
            "E-WORKSHEET-DEDUCTION-EXCEEDS",
            format!(
                "{} 的扣分合计 {} 分（“分值”列）超过可扣的 {} 分（{from}）：扣分不能使得分低于 0，请核对扣分",
                e.code,
                deducted.normalize(),
                fmt2(left)
            ),
        );
    }
}

/// What is left to deduct from, and how that was reached: the points less what the data already
/// deducts, or the evaluator's own score of a judged indicator.
fn deductible(
    e: &WorksheetEntry,
    ind: &Indicator,
    rule: &Rule,
    measured: &BTreeMap<String, Measurement>,
    judged: &BTreeMap<&str, Decimal>,
) -> (Decimal, String) {
    match rule {
        Rule::Deductions { per_item } => {
            let items = ind
                .metric
                .as_ref()
                .and_then(|m| measured.get(m))
                .filter(|m| m.value.is_some())
                .map_or(0, |m| m.items.len());
            let by_data = Decimal::from(items as i64) * *per_item;
            (
                (ind.points - by_data).max(Decimal::ZERO),
                format!(
                    "分值 {} 分减去数据发现的 {items} 项扣分 {} 分",
                    ind.points.normalize(),
                    fmt2(by_data)
                ),
            )
        }
        Rule::Judgement => match judged.get(e.code.as_str()) {
            Some(j) => (*j, format!("评价人给的 {} 分", j.normalize())),
            None => (ind.points, format!("分值 {} 分", ind.points.normalize())),
        },
        _ => (ind.points, format!("分值 {} 分", ind.points.normalize())),
    }
}

fn clamp(score: Decimal, points: Decimal) -> Decimal {
    score.max(Decimal::ZERO).min(points)
}

fn listed(items: &[String]) -> String {
    const SHOWN: usize = 12;
    let mut s = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("；");
    if items.len() > SHOWN {
        s.push_str(&format!("；等共 {} 项", items.len()));
    }
    s
}

/// Scores every leaf and adds the subtotals. Call [`check_worksheet`] first: this function
/// assumes a clean worksheet.
pub fn score(
    fw: &Framework,
    measured: &BTreeMap<String, Measurement>,
    sheet: &[WorksheetEntry],
) -> Evaluation {
    let mut indicators = Vec::new();
    for ind in fw.leaves() {
        indicators.push(score_one(ind, measured, sheet));
    }
    let leaf_score: BTreeMap<&str, (Option<Decimal>, Option<&str>)> = indicators
        .iter()
        .map(|s| (s.code.as_str(), (s.score, s.parent.as_deref())))
        .collect();
    // Sum of the leaves under an indicator (and the count left unscored).
    let under = |code: &str| -> (Decimal, usize) {
        let mut sum = Decimal::ZERO;
        let mut missing = 0;
        for leaf in fw.leaves() {
            let mut cur = Some(leaf.code.as_str());
            while let Some(c) = cur {
                if c == code {
                    match leaf_score[leaf.code.as_str()].0 {
                        Some(s) => sum += s,
                        None => missing += 1,
                    }
                    break;
                }
                cur = fw.get(c).and_then(|i| i.parent.as_deref());
            }
        }
        (sum, missing)
    };
    let subtotal = |i: &Indicator| {
        let (score, unscored) = under(&i.code);
        LevelScore {
            code: i.code.clone(),
            name: i.name.clone(),
            points: i.points,
            score,
            rate_pct: if i.points.is_zero() {
                Decimal::ZERO
            } else {
                round2(score / i.points * Decimal::from(100))
            },
            unscored,
        }
    };
    let levels: BTreeMap<String, LevelScore> =
        fw.top().map(|i| (i.code.clone(), subtotal(i))).collect();
    let groups: BTreeMap<String, LevelScore> = fw
        .indicators
        .iter()
        .filter(|i| i.level == 2)
        .map(|i| (i.code.clone(), subtotal(i)))
        .collect();
    let total: Decimal = levels.values().map(|l| l.score).sum();
    Evaluation {
        framework: fw.name.clone(),
        total,
        grade: grade(total),
        unscored: indicators
            .iter()
            .filter(|s| s.score.is_none())
            .map(|s| s.code.clone())
            .collect(),
        levels,
        groups,
        indicators,
    }
}

fn pts(d: Decimal) -> String {
    format!("{} 分", fmt2(d))
}

/// A leaf's lines in the worksheet: the evaluator's score, if any, and the deductions.
struct Lines<'a> {
    judged: Option<&'a WorksheetEntry>,
    deductions: Vec<&'a WorksheetEntry>,
    /// The deductions' points, summed.
    deducted: Decimal,
}

impl<'a> Lines<'a> {
    fn of(sheet: &'a [WorksheetEntry], code: &str) -> Lines<'a> {
        let mine: Vec<&WorksheetEntry> = sheet.iter().filter(|e| e.code == code).collect();
        let judged = mine
            .iter()
            .copied()
            .find(|e| e.kind == WorksheetKind::Score);
        let deductions: Vec<&WorksheetEntry> = mine
            .iter()
            .copied()
            .filter(|e| e.kind == WorksheetKind::Deduction)
            .collect();
        let deducted: Decimal = deductions.iter().map(|e| e.points).sum();
        Lines {
            judged,
            deductions,
            deducted,
        }
    }

    /// The deductions in words, each with its reason and evidence.
    fn text(&self) -> String {
        self.deductions
            .iter()
            .map(|e| {
                format!(
                    "扣 {} 分：{}（证据：{}）",
                    e.points.normalize(),
                    e.reason,
                    e.evidence
                )
            })
            .collect::<Vec<_>>()
            .join("；")
    }
}

fn score_one(
    ind: &Indicator,
    measured: &BTreeMap<String, Measurement>,
    sheet: &[WorksheetEntry],
) -> Scored {
    let rule = ind.rule.as_ref().expect("leaves have rules");
    let p = ind.points;
    let lines = Lines::of(sheet, &ind.code);
    let m = ind.metric.as_ref().and_then(|k| measured.get(k));
    let mut out = Scored {
        code: ind.code.clone(),
        name: ind.name.clone(),
        parent: ind.parent.clone(),
        points: p,
        target: ind.target_text.clone(),
        actual: String::new(),
        score: None,
        basis: String::new(),
        rule: rule.name_zh(),
        source: "无",
    };
    let value = m.and_then(|m| m.value);
    if let (true, None) = (rule.needs_metric(), value) {
        without_data(&mut out, m, lines.judged);
        return out;
    }
    let m = m.cloned().unwrap_or_default();
    out.actual = m.display.clone();
    out.source = if matches!(rule, Rule::Survey { .. }) {
        "问卷"
    } else {
        "数据"
    };
    let v = value.unwrap_or_default();
    let (score, basis) = match rule {
        Rule::Ratio { target } | Rule::Survey { threshold: target } => {
            by_ratio(ind, &m, v, *target)
        }
        Rule::PassFail { cmp, target } => pass_fail(p, &m, v, *cmp, *target),
        Rule::Bands(bands) => by_bands(&m, v, bands),
        Rule::Deductions { per_item } => by_deductions(p, &m, *per_item, &lines),
        Rule::Judgement => match judgement(&mut out, p, &lines) {
            Some(scored) => scored,
            None => return out,
        },
    };
    // Deductions entered against a data rule are refused by check_worksheet.
    out.score = Some(round2(score));
    out.basis = basis;
    out
}

/// A data rule without data: the evaluator's score if the worksheet has one, else unscored.
fn without_data(out: &mut Scored, m: Option<&Measurement>, judged: Option<&WorksheetEntry>) {
    let why = m.map_or_else(|| "没有该项数据".to_string(), |m| m.note.clone());
    match judged {
        Some(j) => {
            out.score = Some(round2(j.points));
            out.actual = "见评价人判断".into();
            out.source = "工作底稿";
            out.basis = format!(
                "数据无法计算（{why}），由评价人判断：{}（证据：{}），得 {}",
                j.reason,
                j.evidence,
                pts(j.points)
            );
        }
        None => {
            out.actual = "无数据".into();
            out.basis = format!("未评分：{why}；工作底稿中也没有该指标的判断");
        }
    }
}

/// [`Rule::Ratio`] and [`Rule::Survey`]: full marks at the target, else in proportion.
fn by_ratio(ind: &Indicator, m: &Measurement, v: Decimal, t: Decimal) -> (Decimal, String) {
    let p = ind.points;
    if v >= t {
        (
            p,
            format!(
                "完成值 {} 达到目标值 {}，得满分 {}",
                m.display,
                ind.target_text,
                pts(p)
            ),
        )
    } else {
        let s = clamp(p * v / t, p);
        (
            s,
            format!(
                "完成值 {} 未达目标值 {}：{} ÷ {} × {} = {}",
                m.display,
                ind.target_text,
                round2(v).normalize(),
                t.normalize(),
                p.normalize(),
                pts(s)
            ),
        )
    }
}

/// The unit of a measurement's display ("6.35%" → "%", "73.80 个月" → " 个月"), empty when the
/// display is not a number with a unit.
fn unit_of(display: &str) -> &str {
    let number_end = display
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == '-' || *c == '−'))
        .map_or(display.len(), |(i, _)| i);
    if number_end == 0 {
        ""
    } else {
        &display[number_end..]
    }
}

/// A comparison as a requirement is worded.
fn required(cmp: Cmp) -> &'static str {
    match cmp {
        Cmp::AtLeast => "不低于",
        Cmp::AtMost => "不超过",
        Cmp::Equal => "等于",
    }
}

/// [`Rule::PassFail`]: full marks or none.
fn pass_fail(
    p: Decimal,
    m: &Measurement,
    v: Decimal,
    cmp: Cmp,
    target: Decimal,
) -> (Decimal, String) {
    let unit = unit_of(&m.display);
    // A display that is a number says the requirement in its unit; a word ("合规") gives the
    // count it stands for.
    let what = if unit.is_empty() && m.display.parse::<f64>().is_err() {
        format!(
            "完成值“{}”（计 {}，要求{} {}）",
            m.display,
            round2(v).normalize(),
            required(cmp),
            target.normalize()
        )
    } else {
        format!(
            "完成值 {}（要求{} {}{unit}）",
            m.display,
            required(cmp),
            target.normalize()
        )
    };
    if cmp.holds(v, target) {
        (p, format!("{what}，达标，得 {}", pts(p)))
    } else {
        (Decimal::ZERO, format!("{what}，不达标，得 0 分"))
    }
}

/// [`Rule::Bands`]: the score of the first band that holds the value.
fn by_bands(m: &Measurement, v: Decimal, bands: &[Band]) -> (Decimal, String) {
    match bands.iter().find(|b| b.holds(v)) {
        Some(b) => {
            let u = unit_of(&m.display);
            let range = match (b.min, b.max) {
                (Some(a), Some(z)) => {
                    format!("在 {}{u} 至 {}{u} 之间", a.normalize(), z.normalize())
                }
                (Some(a), None) => format!("不低于 {}{u}", a.normalize()),
                (None, Some(z)) => format!("不高于 {}{u}", z.normalize()),
                (None, None) => "在计分范围内".into(),
            };
            (
                b.score,
                format!("完成值 {} {range}，按此档得 {}", m.display, pts(b.score)),
            )
        }
        None => (
            Decimal::ZERO,
            format!("完成值 {} 不在任何计分档内，得 0 分", m.display),
        ),
    }
}

/// [`Rule::Deductions`]: full marks less each item the data finds and the evaluator's
/// deductions.
fn by_deductions(
    p: Decimal,
    m: &Measurement,
    per_item: Decimal,
    lines: &Lines<'_>,
) -> (Decimal, String) {
    let n = Decimal::from(m.items.len() as i64);
    let from_data = n * per_item;
    let s = clamp(p - from_data - lines.deducted, p);
    let mut parts = Vec::new();
    if m.items.is_empty() {
        parts.push("数据未发现扣分事项".to_string());
    } else {
        parts.push(format!(
            "数据发现 {} 项，每项扣 {} 分，共扣 {} 分：{}",
            m.items.len(),
            per_item.normalize(),
            fmt2(from_data),
            listed(&m.items)
        ));
    }
    if !lines.deductions.is_empty() {
        parts.push(format!("评价人{}", lines.text()));
    }
    (
        s,
        format!(
            "{}；满分 {} 扣减后得 {}",
            parts.join("；"),
            p.normalize(),
            pts(s)
        ),
    )
}

/// [`Rule::Judgement`]: the evaluator's score less deductions, or full marks less deductions;
/// `None` (and `out` says why) when the worksheet has neither.
fn judgement(out: &mut Scored, p: Decimal, lines: &Lines<'_>) -> Option<(Decimal, String)> {
    out.actual = String::new();
    out.source = "工作底稿";
    match (lines.judged, lines.deductions.is_empty()) {
        (Some(j), _) => {
            let s = clamp(j.points - lines.deducted, p);
            let mut b = format!(
                "评价人判断：{}（证据：{}），给 {}",
                j.reason,
                j.evidence,
                pts(j.points)
            );
            if !lines.deductions.is_empty() {
                b.push_str(&format!("；{}；得 {}", lines.text(), pts(s)));
            }
            out.actual = j.reason.clone();
            Some((s, b))
        }
        (None, false) => {
            let s = clamp(p - lines.deducted, p);
            out.actual = lines
                .deductions
                .iter()
                .map(|e| e.reason.clone())
                .collect::<Vec<_>>()
                .join("；");
            Some((
                s,
                format!("满分 {} 分，{}；得 {}", p.normalize(), lines.text(), pts(s)),
            ))
        }
        (None, true) => {
            out.source = "无";
            out.basis = "未评分：评价人判断类指标，工作底稿中没有该指标的评分及理由".into();
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Framework;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    const SRC: &str = r#"[framework]
name = "测试"
[[indicator]]
code = "C"
name = "产出"
points = 100
[[indicator]]
code = "C1"
parent = "C"
name = "数量"
points = 100
[[indicator]]
code = "C11"
parent = "C1"
name = "缴费人数"
points = 40
rule = "ratio"
metric = "contributors"
target = 148600
target_text = "14.86万人"
[[indicator]]
code = "C12"
parent = "C1"
name = "及时"
points = 30
rule = "deductions"
metric = "late"
per_item = 0.25
[[indicator]]
code = "C13"
parent = "C1"
name = "满意"
points = 20
rule = "survey"
metric = "satisfaction"
target = 90
[[indicator]]
code = "C14"
parent = "C1"
name = "判断"
points = 10
rule = "judgement"
"#;

    fn fw() -> Framework {
        Framework::parse(SRC, &["contributors", "late", "satisfaction"]).unwrap()
    }

    fn measured() -> BTreeMap<String, Measurement> {
        let mut m = BTreeMap::new();
        m.insert(
            "contributors".into(),
            Measurement {
                value: Some(d("117300")),
                display: "11.73万人".into(),
                ..Default::default()
            },
        );
        m.insert(
            "late".into(),
            Measurement {
                value: Some(d("3")),
                display: "3 个县区月".into(),
                items: vec!["a".into(), "b".into(), "c".into()],
                note: String::new(),
            },
        );
        m.insert(
            "satisfaction".into(),
            Measurement {
                value: Some(d("83.57")),
                display: "83.57%".into(),
                ..Default::default()
            },
        );
        m
    }

    fn entry(code: &str, kind: WorksheetKind, points: &str, row: usize) -> WorksheetEntry {
        WorksheetEntry {
            code: code.into(),
            kind,
            points: d(points),
            reason: "理由".into(),
            evidence: "底稿1".into(),
            row,
        }
    }

    #[test]
    fn every_rule_scores_with_its_basis() {
        let sheet = vec![
            entry("C14", WorksheetKind::Score, "9", 2),
            entry("C12", WorksheetKind::Deduction, "1", 3),
        ];
        assert!(check_worksheet(&fw(), &sheet, &measured()).is_empty());
        let e = score(&fw(), &measured(), &sheet);
        let s: BTreeMap<&str, Decimal> = e
            .indicators
            .iter()
            .map(|i| (i.code.as_str(), i.score.unwrap()))
            .collect();
        // 117300 / 148600 × 40 = 31.574…
        assert_eq!(s["C11"], d("31.57"));
        // 30 − 3 × 0.25 − 1
        assert_eq!(s["C12"], d("28.25"));
        // 83.57 / 90 × 20 = 18.571…
        assert_eq!(s["C13"], d("18.57"));
        assert_eq!(s["C14"], d("9"));
        assert_eq!(e.total, d("87.39"));
        assert_eq!(e.grade, "良");
        assert_eq!(e.levels["C"].score, e.total);
        assert!(e.unscored.is_empty());
        assert!(
            e.indicators[0].basis.contains("14.86万人"),
            "{}",
            e.indicators[0].basis
        );
        assert!(
            e.indicators[1]
                .basis
                .contains("扣 1 分：理由（证据：底稿1）"),
            "{}",
            e.indicators[1].basis
        );
    }

    #[test]
    fn no_data_and_no_judgement_leaves_an_indicator_unscored() {
        let mut m = measured();
        m.insert(
            "satisfaction".into(),
            Measurement {
                value: None,
                note: "没有导入问卷".into(),
                ..Default::default()
            },
        );
        let e = score(&fw(), &m, &[]);
        assert_eq!(e.unscored, vec!["C13".to_string(), "C14".to_string()]);
        let c13 = e.indicators.iter().find(|i| i.code == "C13").unwrap();
        assert_eq!(c13.score, None);
        assert!(c13.basis.contains("没有导入问卷"), "{}", c13.basis);
        assert_eq!(e.levels["C"].unscored, 2);
        // A judgement fills the gap only where the data is silent.
        let sheet = vec![entry("C13", WorksheetKind::Score, "15", 5)];
        assert!(check_worksheet(&fw(), &sheet, &m).is_empty());
        assert!(!check_worksheet(&fw(), &sheet, &measured()).is_empty());
        let e = score(&fw(), &m, &sheet);
        assert_eq!(e.indicators[2].score, Some(d("15")));
        assert_eq!(e.indicators[2].source, "工作底稿");
    }

    #[test]
    fn bad_worksheet_lines_are_named_by_row() {
        let mut no_reason = entry("C14", WorksheetKind::Score, "5", 7);
        no_reason.reason = " ".into();
        let sheet = vec![
            entry("C9", WorksheetKind::Score, "1", 2),
            entry("C14", WorksheetKind::Score, "11", 3),
            entry("C11", WorksheetKind::Deduction, "1", 4),
            no_reason,
            entry("C12", WorksheetKind::Deduction, "20", 8),
            entry("C12", WorksheetKind::Deduction, "20", 9),
        ];
        let p = check_worksheet(&fw(), &sheet, &measured());
        let got: Vec<(usize, &str)> = p.iter().map(|p| (p.row, p.code)).collect();
        assert!(got.contains(&(2, "E-WORKSHEET-CODE")), "{got:?}");
        assert!(got.contains(&(3, "E-WORKSHEET-POINTS")), "{got:?}");
        assert!(got.contains(&(4, "E-WORKSHEET-DEDUCTION-RULE")), "{got:?}");
        assert!(got.contains(&(7, "E-WORKSHEET-NO-REASON")), "{got:?}");
        assert!(got.contains(&(7, "E-WORKSHEET-DUPLICATE")), "{got:?}");
        assert!(got.contains(&(9, "E-WORKSHEET-POINTS")), "{got:?}");
        assert!(!got.iter().any(|(r, _)| *r == 8), "{got:?}");
    }

    #[test]
    fn a_deduction_larger_than_the_score_left_is_refused() {
        // C12: 30 points, the data deducts 3 × 0.25; 29.25 are left to deduct from.
        let ok = vec![entry("C12", WorksheetKind::Deduction, "29.25", 2)];
        assert!(check_worksheet(&fw(), &ok, &measured()).is_empty());
        let over = vec![entry("C12", WorksheetKind::Deduction, "29.5", 4)];
        let p = check_worksheet(&fw(), &over, &measured());
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!((p[0].row, p[0].code), (4, "E-WORKSHEET-DEDUCTION-EXCEEDS"));
        assert!(p[0].message.contains("29.25"), "{}", p[0].message);
        // C14: judged 6 of 10; deductions of 7 would go below zero, wherever the score line is.
        let judged = vec![
            entry("C14", WorksheetKind::Deduction, "4", 2),
            entry("C14", WorksheetKind::Deduction, "3", 3),
            entry("C14", WorksheetKind::Score, "6", 5),
        ];
        let p = check_worksheet(&fw(), &judged, &measured());
        let got: Vec<(usize, &str)> = p.iter().map(|p| (p.row, p.code)).collect();
        assert_eq!(got, vec![(3, "E-WORKSHEET-DEDUCTION-EXCEEDS")]);
        // Deductions from full marks (no score line) may take all of it, not more.
        let all = vec![entry("C14", WorksheetKind::Deduction, "10", 2)];
        assert!(check_worksheet(&fw(), &all, &measured()).is_empty());
    }

    #[test]
    fn a_basis_shows_values_as_rounded() {
        let mut m = measured();
        m.get_mut("satisfaction").unwrap().value = Some(d("83.5712345678901234567"));
        let e = score(&fw(), &m, &[]);
        let c13 = e.indicators.iter().find(|i| i.code == "C13").unwrap();
        assert!(
            c13.basis.contains("83.57 ÷ 90 × 20 = 18.57 分"),
            "{}",
            c13.basis
        );
    }

    proptest::proptest! {
        /// Scores stay within their points, and the subtotals add up to the total.
        #[test]
        fn scores_stay_in_bounds(contributors in 0i64..400_000, late in 0usize..200, sat in 0u32..=10000, ded in 0u32..=1000) {
            let mut m = measured();
            m.get_mut("contributors").unwrap().value = Some(Decimal::from(contributors));
            m.get_mut("late").unwrap().items = vec!["x".into(); late];
            m.get_mut("satisfaction").unwrap().value = Some(Decimal::new(sat.into(), 2));
            let sheet = vec![entry("C12", WorksheetKind::Deduction, &format!("{}", Decimal::new(ded.into(), 2).min(d("30"))), 2)];
            let e = score(&fw(), &m, &sheet);
            for i in &e.indicators {
                if let Some(s) = i.score {
                    proptest::prop_assert!(s >= Decimal::ZERO && s <= i.points, "{} {}", i.code, s);
                }
            }
            let sum: Decimal = e.levels.values().map(|l| l.score).sum();
            proptest::prop_assert_eq!(sum, e.total);
            let leaves: Decimal = e.indicators.iter().filter_map(|i| i.score).sum();
            proptest::prop_assert_eq!(leaves, e.total);
        }
    }
}
