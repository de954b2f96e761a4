//! An indicator framework (指标体系) as data, read from TOML and checked.
//!
//! ```toml
//! [framework]
//! name = "…"
//! total = 100
//!
//! [[indicator]]
//! code = "C"            # first level: no parent
//! name = "产出"
//! points = 30
//!
//! [[indicator]]
//! code = "C11"
//! parent = "C1"
//! name = "参保缴费人数目标"
//! points = 4
//! rule = "ratio"        # ratio | bands | pass_fail | deductions | survey | judgement
//! metric = "contributors"
//! target = 148600
//! target_text = "14.86万人"
//! ```
//!
//! Every problem is reported with its line; nothing is scored from a framework with errors.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use toml_edit::{Document, Item, Table, Value};

use crate::Problem;

/// How a leaf indicator is scored.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// Full marks when the target is met, else actual ÷ target × points (never below zero).
    Ratio { target: Decimal },
    /// The first band whose bounds hold the actual value gives the score; none: zero.
    Bands(Vec<Band>),
    /// Full marks when `actual cmp target` holds, else zero.
    PassFail { cmp: Cmp, target: Decimal },
    /// Full marks less `per_item` for each item the data finds (and any deduction the evaluator
    /// enters with its reason), never below zero.
    Deductions { per_item: Decimal },
    /// A survey rate against its threshold: full marks at or above it, else rate ÷ threshold ×
    /// points.
    Survey { threshold: Decimal },
    /// The evaluator's judgement, entered with a reason and evidence in the worksheet.
    Judgement,
}

impl Rule {
    pub fn name_zh(&self) -> &'static str {
        match self {
            Rule::Ratio { .. } => "完成率计分",
            Rule::Bands(_) => "分档计分",
            Rule::PassFail { .. } => "达标计分",
            Rule::Deductions { .. } => "扣分制",
            Rule::Survey { .. } => "问卷比率计分",
            Rule::Judgement => "评价人判断",
        }
    }
    /// Whether the rule reads a measurement from the data.
    pub fn needs_metric(&self) -> bool {
        !matches!(self, Rule::Judgement)
    }
}

/// A band: `min ≤ actual ≤ max` (either bound may be absent) scores `score`.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub min: Option<Decimal>,
    pub max: Option<Decimal>,
    pub score: Decimal,
}

impl Band {
    pub fn holds(&self, v: Decimal) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    AtLeast,
    AtMost,
    Equal,
}

impl Cmp {
    pub fn holds(self, actual: Decimal, target: Decimal) -> bool {
        match self {
            Cmp::AtLeast => actual >= target,
            Cmp::AtMost => actual <= target,
            Cmp::Equal => actual == target,
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::AtLeast => "≥",
            Cmp::AtMost => "≤",
            Cmp::Equal => "=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    /// 1 for A, 2 for A1, 3 for A11.
    pub level: u8,
    pub points: Decimal,
    /// What the table of objectives prints as the target (目标值), e.g. "14.86万人" or "合规".
    pub target_text: String,
    pub unit: String,
    /// The measurement the rule reads (see the metric catalogue in docs/EVALUATION.md).
    pub metric: Option<String>,
    /// Leaves only.
    pub rule: Option<Rule>,
    /// The scoring criterion in words (评分标准), for the report.
    pub criterion: String,
    /// Line of the indicator in the file.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Framework {
    pub name: String,
    pub source: String,
    pub total: Decimal,
    /// In file order.
    pub indicators: Vec<Indicator>,
}

impl Framework {
    pub fn get(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }
    pub fn children<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Indicator> + 'a {
        self.indicators
            .iter()
            .filter(move |i| i.parent.as_deref() == Some(code))
    }
    pub fn is_leaf(&self, code: &str) -> bool {
        self.children(code).next().is_none()
    }
    pub fn leaves(&self) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter().filter(|i| self.is_leaf(&i.code))
    }
    pub fn top(&self) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter().filter(|i| i.parent.is_none())
    }

    /// Reads and checks a framework. `known_metrics`: the measurements the data can give; a
    /// leaf naming any other is an error.
    pub fn parse(source: &str, known_metrics: &[&str]) -> Result<Framework, Vec<Problem>> {
        let mut p = Parser {
            source,
            line_starts: std::iter::once(0)
                .chain(source.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
            problems: Vec::new(),
        };
        let fw = p.document(known_metrics);
        let mut problems = p.problems;
        problems.sort_by_key(|x| x.line);
        match fw {
            Some(fw) if problems.is_empty() => Ok(fw),
            _ => Err(problems),
        }
    }
}

struct Parser<'s> {
    source: &'s str,
    line_starts: Vec<usize>,
    problems: Vec<Problem>,
}

fn dec_of(v: &Value, source: &str) -> Option<Decimal> {
    match v {
        Value::Integer(i) => Some(Decimal::from(*i.value())),
        // The float's own digits as written, not its binary approximation.
        Value::Float(f) => v
            .span()
            .and_then(|s| source.get(s))
            .and_then(|r| r.trim().replace('_', "").parse().ok())
            .or_else(|| Decimal::try_from(*f.value()).ok()),
        _ => None,
    }
}

impl Parser<'_> {
    fn line(&self, span: Option<std::ops::Range<usize>>) -> usize {
        span.map_or(1, |s| self.line_starts.partition_point(|&x| x <= s.start))
    }
    fn err(&mut self, line: usize, code: &'static str, message: String) {
        self.problems.push(Problem {
            line,
            code,
            message,
        });
    }

    fn str_key(&mut self, t: &Table, key: &str, line: usize, required: bool) -> Option<String> {
        match t.get(key) {
            None if required => {
                self.err(line, "E-FRAMEWORK-MISSING-KEY", format!("缺少必填项 {key}"));
                None
            }
            None => None,
            Some(Item::Value(Value::String(s))) => Some(s.value().trim().to_string()),
            Some(other) => {
                let l = self.line(other.span());
                self.err(l, "E-FRAMEWORK-TYPE", format!("{key} 应为字符串"));
                None
            }
        }
    }

    fn dec_key(&mut self, t: &Table, key: &str, line: usize) -> Option<Decimal> {
        let item = t.get(key)?;
        match item.as_value().and_then(|v| dec_of(v, self.source)) {
            Some(d) => Some(d),
            None => {
                let l = self.line(item.span()).max(line);
                self.err(l, "E-FRAMEWORK-TYPE", format!("{key} 应为数值"));
                None
            }
        }
    }

    fn document(&mut self, known_metrics: &[&str]) -> Option<Framework> {
        let doc = match Document::parse(self.source) {
            Ok(d) => d,
            Err(e) => {
                let line = self.line(e.span());
                self.err(
                    line,
                    "E-FRAMEWORK-SYNTAX",
                    format!("TOML 语法错误：{}", e.message()),
                );
                return None;
            }
        };
        let root = doc.as_table();
        for (key, item) in root.iter() {
            if key != "framework" && key != "indicator" {
                let l = self.line(root.key(key).and_then(|k| k.span()).or(item.span()));
                self.err(l, "E-FRAMEWORK-UNKNOWN-KEY", format!("未知的配置项 {key}"));
            }
        }
        let (name, fsource, total) = match root.get("framework").and_then(Item::as_table) {
            Some(h) => {
                let line = self.line(h.span());
                let name = self.str_key(h, "name", line, true).unwrap_or_default();
                let src = self.str_key(h, "source", line, false).unwrap_or_default();
                let total = self.dec_key(h, "total", line).unwrap_or(Decimal::from(100));
                (name, src, total)
            }
            None => {
                self.err(1, "E-FRAMEWORK-MISSING-KEY", "缺少 [framework] 表".into());
                return None;
            }
        };
        let Some(list) = root.get("indicator").and_then(Item::as_array_of_tables) else {
            self.err(
                1,
                "E-FRAMEWORK-MISSING-KEY",
                "没有任何 [[indicator]] 指标".into(),
            );
            return None;
        };
        let mut indicators = Vec::new();
        let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
        for t in list.iter() {
            let line = self.line(t.span());
            if let Some(ind) = self.indicator(t, line, known_metrics) {
                if let Some(first) = first_line.get(&ind.code) {
                    self.err(
                        line,
                        "E-FRAMEWORK-DUPLICATE-CODE",
                        format!("指标代码 {} 重复（首次在第 {first} 行）", ind.code),
                    );
                    continue;
                }
                first_line.insert(ind.code.clone(), line);
                indicators.push(ind);
            }
        }
        let mut fw = Framework {
            name,
            source: fsource,
            total,
            indicators,
        };
        self.structure(&mut fw);
        Some(fw)
    }

    fn indicator(&mut self, t: &Table, line: usize, known_metrics: &[&str]) -> Option<Indicator> {
        self.unknown_keys(t);
        let code = self.str_key(t, "code", line, true)?;
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            self.err(
                line,
                "E-FRAMEWORK-CODE",
                format!("指标代码“{code}”应由字母和数字组成，如 C11"),
            );
            return None;
        }
        let name = self.str_key(t, "name", line, true).unwrap_or_default();
        let parent = self.str_key(t, "parent", line, false);
        let points = self.points(t, &code, line);
        let target = self.dec_key(t, "target", line);
        let target_text = self.str_key(t, "target_text", line, false);
        let unit = self.str_key(t, "unit", line, false).unwrap_or_default();
        let metric = self.str_key(t, "metric", line, false);
        let criterion = self
            .str_key(t, "criterion", line, false)
            .unwrap_or_default();
        let rule_name = self.str_key(t, "rule", line, false);
        let rule = match rule_name.as_deref() {
            None => None,
            Some(r) => self.rule(t, &code, r, target, points, line),
        };
        if let Some(rule) = &rule {
            self.check_metric(line, &code, rule, metric.as_deref(), known_metrics);
        }
        let target_text = target_text.unwrap_or_else(|| {
            target
                .map(|t| format!("{}{unit}", t.normalize()))
                .unwrap_or_default()
        });
        Some(Indicator {
            level: 0,
            code,
            name,
            parent,
            points,
            target_text,
            unit,
            metric,
            rule,
            criterion,
            line,
        })
    }

    /// Every key of an indicator is one the framework knows.
    fn unknown_keys(&mut self, t: &Table) {
        const KEYS: [&str; 13] = [
            "code",
            "name",
            "parent",
            "points",
            "rule",
            "metric",
            "target",
            "target_text",
            "unit",
            "bands",
            "comparison",
            "per_item",
            "criterion",
        ];
        for (key, item) in t.iter() {
            if !KEYS.contains(&key) {
                let l = self.line(t.key(key).and_then(|k| k.span()).or(item.span()));
                self.err(
                    l,
                    "E-FRAMEWORK-UNKNOWN-KEY",
                    format!("未知的指标配置项 {key}"),
                );
            }
        }
    }

    /// An indicator's points: required, and not negative (zero when wrong).
    fn points(&mut self, t: &Table, code: &str, line: usize) -> Decimal {
        match self.dec_key(t, "points", line) {
            Some(p) if p >= Decimal::ZERO => p,
            Some(_) => {
                self.err(line, "E-FRAMEWORK-POINTS", format!("{code} 的分值不能为负"));
                Decimal::ZERO
            }
            None => {
                if t.get("points").is_none() {
                    self.err(
                        line,
                        "E-FRAMEWORK-MISSING-KEY",
                        format!("{code} 缺少分值 points"),
                    );
                }
                Decimal::ZERO
            }
        }
    }

    /// A rule reading the data names a metric the system computes; a judgement names none.
    fn check_metric(
        &mut self,
        line: usize,
        code: &str,
        rule: &Rule,
        metric: Option<&str>,
        known_metrics: &[&str],
    ) {
        match metric {
            Some(m) => {
                if !rule.needs_metric() {
                    self.err(
                        line,
                        "E-FRAMEWORK-METRIC",
                        format!("{code} 为评价人判断指标，不应指定数据指标 metric"),
                    );
                } else if !known_metrics.contains(&m) {
                    self.err(
                        line,
                        "E-FRAMEWORK-METRIC-UNKNOWN",
                        format!("{code} 的数据指标“{m}”不在本系统可计算的指标目录中"),
                    );
                }
            }
            None => {
                if rule.needs_metric() {
                    self.err(
                        line,
                        "E-FRAMEWORK-METRIC",
                        format!("{code} 按“{}”计分，须指定数据指标 metric", rule.name_zh()),
                    );
                }
            }
        }
    }

    fn rule(
        &mut self,
        t: &Table,
        code: &str,
        rule: &str,
        target: Option<Decimal>,
        points: Decimal,
        line: usize,
    ) -> Option<Rule> {
        let need_target = |p: &mut Parser<'_>| {
            if target.is_none() {
                p.err(
                    line,
                    "E-FRAMEWORK-TARGET",
                    format!("{code} 按“{rule}”计分，须给出数值目标 target"),
                );
            }
            target
        };
        match rule {
            "ratio" => {
                let target = need_target(self)?;
                if target <= Decimal::ZERO {
                    self.err(
                        line,
                        "E-FRAMEWORK-TARGET",
                        format!("{code} 的目标值须大于 0"),
                    );
                    return None;
                }
                Some(Rule::Ratio { target })
            }
            "survey" => {
                let threshold = need_target(self)?;
                if threshold <= Decimal::ZERO || threshold > Decimal::from(100) {
                    self.err(
                        line,
                        "E-FRAMEWORK-TARGET",
                        format!("{code} 的问卷比率阈值应在 0 到 100 之间"),
                    );
                    return None;
                }
                Some(Rule::Survey { threshold })
            }
            "pass_fail" => {
                let target = need_target(self)?;
                let cmp = self.comparison(t, code, line)?;
                Some(Rule::PassFail { cmp, target })
            }
            "deductions" => {
                let per_item = self.dec_key(t, "per_item", line).unwrap_or(Decimal::ZERO);
                if per_item < Decimal::ZERO {
                    self.err(
                        line,
                        "E-FRAMEWORK-RULE",
                        format!("{code} 的每项扣分 per_item 不能为负"),
                    );
                }
                Some(Rule::Deductions { per_item })
            }
            "judgement" => Some(Rule::Judgement),
            "bands" => self.bands(t, code, points, line),
            other => {
                self.err(
                    line,
                    "E-FRAMEWORK-RULE",
                    format!("{code} 的计分规则“{other}”无效（可用 ratio、bands、pass_fail、deductions、survey、judgement）"),
                );
                None
            }
        }
    }

    /// The comparison of a pass/fail rule (`>=` unless given).
    fn comparison(&mut self, t: &Table, code: &str, line: usize) -> Option<Cmp> {
        match self.str_key(t, "comparison", line, false).as_deref() {
            None | Some(">=") => Some(Cmp::AtLeast),
            Some("<=") => Some(Cmp::AtMost),
            Some("==") => Some(Cmp::Equal),
            Some(other) => {
                self.err(
                    line,
                    "E-FRAMEWORK-RULE",
                    format!("{code} 的比较方式“{other}”无效（可用 >=、<=、==）"),
                );
                None
            }
        }
    }

    /// The bands of a banded rule; none valid: an error.
    fn bands(&mut self, t: &Table, code: &str, points: Decimal, line: usize) -> Option<Rule> {
        let Some(arr) = t.get("bands").and_then(Item::as_array) else {
            self.err(
                line,
                "E-FRAMEWORK-RULE",
                format!("{code} 按分档计分，须给出 bands = [{{ min = …, max = …, score = … }}, …]"),
            );
            return None;
        };
        let mut bands = Vec::new();
        for v in arr.iter() {
            if let Some(b) = self.band(v, code, points, line) {
                bands.push(b);
            }
        }
        if bands.is_empty() {
            self.err(line, "E-FRAMEWORK-RULE", format!("{code} 没有有效的分档"));
            return None;
        }
        Some(Rule::Bands(bands))
    }

    /// One band, `{ min = …, max = …, score = … }`; `None` when it cannot be used.
    fn band(&mut self, v: &Value, code: &str, points: Decimal, line: usize) -> Option<Band> {
        let l = self.line(v.span()).max(line);
        let Some(b) = v.as_inline_table() else {
            self.err(
                l,
                "E-FRAMEWORK-RULE",
                format!("{code} 的每一档应为 {{ min = …, max = …, score = … }}"),
            );
            return None;
        };
        let source = self.source;
        let get = |k: &str| b.get(k).and_then(|v| dec_of(v, source));
        for (k, _) in b.iter() {
            if !["min", "max", "score"].contains(&k) {
                self.err(
                    l,
                    "E-FRAMEWORK-UNKNOWN-KEY",
                    format!("{code} 分档中的未知项 {k}"),
                );
            }
        }
        let Some(score) = get("score") else {
            self.err(
                l,
                "E-FRAMEWORK-RULE",
                format!("{code} 的分档缺少得分 score"),
            );
            return None;
        };
        if score < Decimal::ZERO || score > points {
            self.err(
                l,
                "E-FRAMEWORK-RULE",
                format!("{code} 的分档得分 {score} 超出 0 到 {points} 分"),
            );
        }
        let (min, max) = (get("min"), get("max"));
        if let (Some(a), Some(b)) = (min, max) {
            if a > b {
                self.err(
                    l,
                    "E-FRAMEWORK-RULE",
                    format!("{code} 的分档下限 {a} 大于上限 {b}"),
                );
            }
        }
        Some(Band { min, max, score })
    }

    /// Parents exist, codes extend their parent's, levels go three deep, leaves carry a rule and
    /// branches none, and points add up to each parent and to the total.
    fn structure(&mut self, fw: &mut Framework) {
        self.levels(fw);
        let mut problems = branch_problems(fw);
        let top: Vec<&Indicator> = fw.top().collect();
        let sum: Decimal = top.iter().map(|i| i.points).sum();
        if !top.is_empty() && sum != fw.total {
            let listed: Vec<String> = top
                .iter()
                .map(|c| format!("{} {}", c.code, c.points.normalize()))
                .collect();
            problems.push((
                top[0].line,
                "E-FRAMEWORK-TOTAL",
                format!(
                    "一级指标分值合计 {}（{}），应为总分 {}",
                    sum.normalize(),
                    listed.join("、"),
                    fw.total.normalize()
                ),
            ));
        }
        for (line, code, message) in problems {
            self.err(line, code, message);
        }
    }

    /// Sets each indicator's level from its parents: parents exist, codes extend their parent's,
    /// levels go three deep.
    fn levels(&mut self, fw: &mut Framework) {
        let codes: BTreeSet<String> = fw.indicators.iter().map(|i| i.code.clone()).collect();
        let parent_of: BTreeMap<String, Option<String>> = fw
            .indicators
            .iter()
            .map(|i| (i.code.clone(), i.parent.clone()))
            .collect();
        for ind in &mut fw.indicators {
            let mut level = 1u8;
            let mut cur = ind.parent.clone();
            let mut ok = true;
            while let Some(p) = cur {
                if !codes.contains(&p) {
                    ok = false;
                    break;
                }
                level += 1;
                if level > 3 {
                    break;
                }
                cur = parent_of.get(&p).cloned().flatten();
            }
            ind.level = level;
            if !ok {
                let p = ind.parent.clone().unwrap_or_default();
                self.err(
                    ind.line,
                    "E-FRAMEWORK-PARENT-UNKNOWN",
                    format!("{} 的上级指标 {p} 不存在", ind.code),
                );
            } else if level > 3 {
                self.err(
                    ind.line,
                    "E-FRAMEWORK-DEPTH",
                    format!("{} 超过三级指标", ind.code),
                );
            } else if let Some(p) = &ind.parent {
                if !ind.code.starts_with(p.as_str()) || ind.code.len() <= p.len() {
                    self.err(
                        ind.line,
                        "E-FRAMEWORK-CODE-PARENT",
                        format!("指标代码 {} 应以其上级指标代码 {p} 开头", ind.code),
                    );
                }
            }
        }
    }
}

/// Leaves carry a rule and branches none, and a branch's points are its children's sum.
fn branch_problems(fw: &Framework) -> Vec<(usize, &'static str, String)> {
    let mut problems = Vec::new();
    for ind in &fw.indicators {
        let children: Vec<&Indicator> = fw.children(&ind.code).collect();
        if children.is_empty() {
            if ind.rule.is_none() {
                problems.push((
                    ind.line,
                    "E-FRAMEWORK-RULE-MISSING",
                    format!("末级指标 {} 缺少计分规则 rule", ind.code),
                ));
            }
            if ind.level != 3 && ind.parent.is_some() {
                // A second-level leaf is allowed (some frameworks have two levels).
            }
        } else {
            if ind.rule.is_some() {
                problems.push((
                    ind.line,
                    "E-FRAMEWORK-RULE",
                    format!(
                        "{} 有下级指标，其得分为下级之和，不应指定计分规则",
                        ind.code
                    ),
                ));
            }
            let sum: Decimal = children.iter().map(|c| c.points).sum();
            if sum != ind.points {
                let listed: Vec<String> = children
                    .iter()
                    .map(|c| format!("{} {}", c.code, c.points.normalize()))
                    .collect();
                problems.push((
                    ind.line,
                    "E-FRAMEWORK-POINTS-SUM",
                    format!(
                        "{} 分值 {}，其下级指标合计 {}（{}）",
                        ind.code,
                        ind.points.normalize(),
                        sum.normalize(),
                        listed.join("、")
                    ),
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const METRICS: [&str; 2] = ["contributors", "late_months"];

    fn base() -> String {
        r#"[framework]
name = "测试"

[[indicator]]
code = "A"
name = "决策"
points = 40

[[indicator]]
code = "A1"
parent = "A"
name = "目标"
points = 40

[[indicator]]
code = "A11"
parent = "A1"
name = "缴费人数"
points = 30
rule = "ratio"
metric = "contributors"
target = 100

[[indicator]]
code = "A12"
parent = "A1"
name = "判断"
points = 10
rule = "judgement"

[[indicator]]
code = "B"
name = "效益"
points = 60

[[indicator]]
code = "B1"
parent = "B"
name = "及时"
points = 60
rule = "bands"
metric = "late_months"
bands = [{ max = 0, score = 60 }, { min = 1, max = 3, score = 30.5 }]
"#
        .to_string()
    }

    #[test]
    fn a_sound_framework_reads() {
        let fw = Framework::parse(&base(), &METRICS).expect("valid");
        assert_eq!(fw.indicators.len(), 6);
        assert_eq!(fw.get("A11").unwrap().level, 3);
        assert_eq!(fw.get("B1").unwrap().level, 2);
        assert_eq!(fw.leaves().count(), 3);
        match &fw.get("B1").unwrap().rule {
            Some(Rule::Bands(b)) => assert_eq!(b[1].score, "30.5".parse::<Decimal>().unwrap()),
            other => panic!("{other:?}"),
        }
    }

    fn problems(src: &str) -> Vec<Problem> {
        Framework::parse(src, &METRICS).expect_err("should fail")
    }

    #[test]
    fn points_that_do_not_add_up_name_the_parent_line() {
        let src = base().replace("points = 30\n", "points = 31\n");
        let p = problems(&src);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].code, "E-FRAMEWORK-POINTS-SUM");
        assert_eq!(p[0].line, 9, "the line of A1");
        assert!(p[0].message.contains("A11 31"), "{}", p[0].message);
    }

    #[test]
    fn a_total_other_than_100_is_refused() {
        let src = base().replace(
            "points = 60\n\n[[indicator]]\ncode = \"B1\"",
            "points = 59\n\n[[indicator]]\ncode = \"B1\"",
        );
        let codes: Vec<&str> = problems(&src).iter().map(|p| p.code).collect();
        assert!(codes.contains(&"E-FRAMEWORK-TOTAL"), "{codes:?}");
    }

    #[test]
    fn a_duplicated_code_is_refused_with_both_lines() {
        let src = base().replace("code = \"A12\"", "code = \"A11\"");
        let p = problems(&src);
        let dup = p
            .iter()
            .find(|p| p.code == "E-FRAMEWORK-DUPLICATE-CODE")
            .expect("duplicate");
        assert_eq!(dup.line, 24);
        assert!(dup.message.contains("第 15 行"), "{}", dup.message);
    }

    #[test]
    fn unknown_metrics_parents_rules_and_keys_are_refused() {
        for (from, to, code) in [
            (
                "metric = \"contributors\"",
                "metric = \"nonsense\"",
                "E-FRAMEWORK-METRIC-UNKNOWN",
            ),
            (
                "parent = \"A1\"\nname = \"判断\"",
                "parent = \"A9\"\nname = \"判断\"",
                "E-FRAMEWORK-PARENT-UNKNOWN",
            ),
            (
                "rule = \"judgement\"",
                "rule = \"guess\"",
                "E-FRAMEWORK-RULE",
            ),
            ("rule = \"judgement\"", "", "E-FRAMEWORK-RULE-MISSING"),
            (
                "target = 100",
                "target = 100\ntargett = 1",
                "E-FRAMEWORK-UNKNOWN-KEY",
            ),
            ("target = 100", "", "E-FRAMEWORK-TARGET"),
            (
                "code = \"A12\"",
                "code = \"B12\"",
                "E-FRAMEWORK-CODE-PARENT",
            ),
            ("score = 30.5", "score = 61", "E-FRAMEWORK-RULE"),
            ("name = \"测试\"", "name = \"测试", "E-FRAMEWORK-SYNTAX"),
        ] {
            let src = base().replacen(from, to, 1);
            let codes: Vec<&str> = problems(&src).iter().map(|p| p.code).collect();
            assert!(codes.contains(&code), "{from} → {to}: {codes:?}");
        }
    }
}
