//! Checking a policy file: every problem, located by line and column.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use toml_edit::{Datetime, Document, Item, Value};

use crate::codes::*;
use crate::params::{
    any_scheme_key, keys_of, KeySpec, Kind, PolicySet, Section, Shares, Tier, Val,
};
use crate::region::{is_valid_region, within};
use crate::{Problem, Scheme, Severity};

// ---------------------------------------------------------------------------------------------
// A small owned tree of the TOML document, every node with its byte offset.
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
enum Node {
    Str(String),
    Int(i64),
    /// The float's source text, so decimals keep their exact digits.
    Float(String),
    Bool(bool),
    Datetime(Datetime),
    Array(Vec<Spanned>),
    Table(Vec<Entry>),
}

#[derive(Debug)]
struct Spanned {
    node: Node,
    pos: usize,
}

#[derive(Debug)]
struct Entry {
    key: String,
    key_pos: usize,
    value: Spanned,
}

fn start(span: Option<std::ops::Range<usize>>, fallback: usize) -> usize {
    span.map_or(fallback, |s| s.start)
}

fn from_table(table: &toml_edit::Table, source: &str, parent: usize) -> Spanned {
    let pos = start(table.span(), parent);
    let mut entries = Vec::new();
    for (key, item) in table.iter() {
        let key_pos = start(table.key(key).and_then(|k| k.span()), pos);
        if let Some(value) = from_item(item, source, key_pos) {
            entries.push(Entry {
                key: key.to_string(),
                key_pos,
                value,
            });
        }
    }
    Spanned {
        node: Node::Table(entries),
        pos,
    }
}

fn from_item(item: &Item, source: &str, parent: usize) -> Option<Spanned> {
    match item {
        Item::None => None,
        Item::Value(v) => Some(from_value(v, source, parent)),
        Item::Table(t) => Some(from_table(t, source, parent)),
        Item::ArrayOfTables(a) => {
            let pos = start(a.span(), parent);
            let items = a.iter().map(|t| from_table(t, source, pos)).collect();
            Some(Spanned {
                node: Node::Array(items),
                pos,
            })
        }
    }
}

fn from_value(value: &Value, source: &str, parent: usize) -> Spanned {
    let span = value.span();
    let pos = start(span.clone(), parent);
    let node = match value {
        Value::String(s) => Node::Str(s.value().clone()),
        Value::Integer(i) => Node::Int(*i.value()),
        Value::Float(f) => Node::Float(
            span.and_then(|s| source.get(s))
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|| f.value().to_string()),
        ),
        Value::Boolean(b) => Node::Bool(*b.value()),
        Value::Datetime(d) => Node::Datetime(*d.value()),
        Value::Array(a) => Node::Array(a.iter().map(|v| from_value(v, source, pos)).collect()),
        Value::InlineTable(t) => {
            let mut entries = Vec::new();
            for (key, v) in t.iter() {
                let key_pos = start(t.key(key).and_then(|k| k.span()), pos);
                entries.push(Entry {
                    key: key.to_string(),
                    key_pos,
                    value: from_value(v, source, key_pos),
                });
            }
            Node::Table(entries)
        }
    };
    Spanned { node, pos }
}

fn type_zh(node: &Node) -> &'static str {
    match node {
        Node::Str(_) => "字符串",
        Node::Int(_) => "整数",
        Node::Float(_) => "小数",
        Node::Bool(_) => "布尔值",
        Node::Datetime(_) => "日期时间",
        Node::Array(_) => "数组",
        Node::Table(_) => "表",
    }
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    if abs.is_multiple_of(100) {
        format!("{sign}{}", abs / 100)
    } else {
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

// ---------------------------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------------------------

struct Checker<'a> {
    source: &'a str,
    line_starts: Vec<usize>,
    problems: Vec<Problem>,
}

/// What a `[[values]]` section yields before the cross-section checks.
struct Draft {
    section: Option<Section>,
    keys: BTreeSet<&'static str>,
}

/// Runs one checker over `source`: what `check` builds, and every problem sorted by position.
fn checked<'a, T>(
    source: &'a str,
    check: impl FnOnce(&mut Checker<'a>) -> Option<T>,
) -> (Vec<Problem>, Option<T>) {
    let mut c = Checker {
        source,
        line_starts: std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        problems: Vec::new(),
    };
    let built = check(&mut c);
    let mut problems = c.problems;
    problems.sort_by_key(|p| (p.line, p.column));
    (problems, built)
}

/// Checks a scenario file (`[scenario]` and `[[supplementary]]`, `[[basic]]`, `[[employee]]`
/// sections in the `[[values]]` syntax); returns all problems (sorted) and the scenario when the
/// header is usable.
pub(crate) fn analyse_scenario(source: &str) -> (Vec<Problem>, Option<crate::Scenario>) {
    checked(source, |c| c.scenario())
}

/// Checks `source`; returns all problems (sorted) and, when the header is usable, the set built
/// from the sections that checked clean (the caller decides whether errors forbid using it).
pub(crate) fn analyse(source: &str) -> (Vec<Problem>, Option<PolicySet>) {
    checked(source, |c| c.document())
}

impl Checker<'_> {
    fn line_col(&self, pos: usize) -> (usize, usize) {
        let pos = pos.min(self.source.len());
        let line = self.line_starts.partition_point(|&s| s <= pos);
        let line_start = self.line_starts[line - 1];
        let column = self
            .source
            .get(line_start..pos)
            .map_or(pos - line_start, |s| s.chars().count())
            + 1;
        (line, column)
    }

    fn report(&mut self, pos: usize, code: &'static str, message: String, severity: Severity) {
        let (line, column) = self.line_col(pos);
        self.problems.push(Problem {
            line,
            column,
            code,
            message,
            severity,
        });
    }

    fn error(&mut self, pos: usize, code: &'static str, message: String) {
        self.report(pos, code, message, Severity::Error);
    }

    fn wrong_type(&mut self, v: &Spanned, what: &str, expected: &str) {
        // No space between a Chinese label and the verb; keep one after an identifier.
        let gap = if what.ends_with(|c: char| c.is_ascii()) {
            " "
        } else {
            ""
        };
        self.error(
            v.pos,
            WRONG_TYPE,
            format!("{what}{gap}应为{expected}，实际为{}", type_zh(&v.node)),
        );
    }

    /// The document's top-level entries; `None` (with the syntax error reported) if it is not TOML.
    fn top_level(&mut self) -> Option<Vec<Entry>> {
        let doc = match Document::parse(self.source) {
            Ok(doc) => doc,
            Err(e) => {
                let pos = start(e.span(), 0);
                let detail = e.message().trim().to_string();
                self.error(pos, SYNTAX, format!("TOML 语法错误：{detail}"));
                return None;
            }
        };
        match from_table(doc.as_table(), self.source, 0).node {
            Node::Table(entries) => Some(entries),
            _ => None,
        }
    }

    fn document(&mut self) -> Option<PolicySet> {
        let entries = self.top_level()?;

        let mut policy = None;
        let mut values = None;
        for entry in &entries {
            match entry.key.as_str() {
                "policy" => policy = Some(entry),
                "values" => values = Some(entry),
                other => self.error(
                    entry.key_pos,
                    UNKNOWN_KEY,
                    format!("未知的顶层键 {other}（只允许 [policy] 和 [[values]]）"),
                ),
            }
        }

        let header = match policy {
            Some(entry) => self.policy_table(&entry.value),
            None => {
                self.error(
                    0,
                    MISSING_KEY,
                    "缺少 [policy] 表（scheme、name、region）".to_string(),
                );
                Header::default()
            }
        };

        let mut drafts = Vec::new();
        let mut sections_pos = header.pos;
        if let Some(entry) = values {
            sections_pos = entry.key_pos;
            match &entry.value.node {
                Node::Array(items) => {
                    for item in items {
                        drafts.push(self.section(item, &header));
                    }
                }
                _ => self.wrong_type(&entry.value, "values", "表数组 [[values]]"),
            }
        }

        self.required_keys(&header, &drafts, sections_pos);

        let mut sections: Vec<Section> = drafts.into_iter().filter_map(|d| d.section).collect();
        self.until_checks(&mut sections);
        self.ordering(&sections);
        self.overlaps(&sections);

        let set = PolicySet {
            scheme: header.scheme?,
            name: header.name.clone()?,
            illustrative: header.illustrative,
            region: header.region.clone()?,
            note: header.note.clone(),
            sections,
        };
        self.government_tier(&set);
        Some(set)
    }

    fn scenario(&mut self) -> Option<crate::Scenario> {
        let entries = self.top_level()?;
        let mut name = None;
        let mut note = None;
        let mut illustrative = false;
        let mut header_seen = false;
        let mut changes: BTreeMap<Scheme, Vec<Section>> = BTreeMap::new();
        let mut any_change = false;
        for entry in &entries {
            match (entry.key.as_str(), Scheme::parse(&entry.key)) {
                ("scenario", _) => {
                    header_seen = true;
                    let Node::Table(fields) = &entry.value.node else {
                        self.wrong_type(&entry.value, "scenario", "表 [scenario]");
                        continue;
                    };
                    for f in fields {
                        match (f.key.as_str(), &f.value.node) {
                            ("name", Node::Str(s)) => name = Some(s.clone()),
                            ("note", Node::Str(s)) => note = Some(s.clone()),
                            ("illustrative", Node::Bool(b)) => illustrative = *b,
                            ("name" | "note", _) => {
                                self.wrong_type(&f.value, &format!("scenario.{}", f.key), "字符串")
                            }
                            ("illustrative", _) => {
                                self.wrong_type(&f.value, "scenario.illustrative", "布尔值")
                            }
                            (other, _) => self.error(
                                f.key_pos,
                                UNKNOWN_KEY,
                                format!("[scenario] 中的未知键 {other}（允许 name、illustrative、note）"),
                            ),
                        }
                    }
                    if name.is_none() {
                        self.error(entry.value.pos, MISSING_KEY, "[scenario] 缺少必需的键 name".to_string());
                    }
                }
                (_, Some(scheme)) => {
                    let header = Header {
                        pos: entry.key_pos,
                        overlay: true,
                        array: match scheme {
                            Scheme::Supplementary => "[[supplementary]]",
                            Scheme::Basic => "[[basic]]",
                            Scheme::Employee => "[[employee]]",
                        },
                        scheme: Some(scheme),
                        ..Header::default()
                    };
                    let Node::Array(items) = &entry.value.node else {
                        self.wrong_type(&entry.value, &entry.key, &format!("表数组 [[{}]]", entry.key));
                        continue;
                    };
                    let mut sections = Vec::new();
                    for item in items {
                        any_change = true;
                        if let Some(s) = self.section(item, &header).section {
                            sections.push(s);
                        }
                    }
                    self.until_checks(&mut sections);
                    self.ordering(&sections);
                    self.overlaps(&sections);
                    changes.entry(scheme).or_default().extend(sections);
                }
                (other, None) => self.error(
                    entry.key_pos,
                    UNKNOWN_KEY,
                    format!("未知的顶层键 {other}（只允许 [scenario]、[[supplementary]]、[[basic]] 和 [[employee]]）"),
                ),
            }
        }
        if !header_seen {
            self.error(0, MISSING_KEY, "缺少 [scenario] 表（name）".to_string());
        }
        if !any_change {
            self.error(
                0,
                MISSING_KEY,
                "情景文件没有任何参数调整段落（[[supplementary]]、[[basic]] 或 [[employee]]）"
                    .to_string(),
            );
        }
        Some(crate::Scenario {
            name: name?,
            note,
            illustrative,
            changes,
        })
    }

    fn policy_table(&mut self, v: &Spanned) -> Header {
        let mut h = Header {
            pos: v.pos,
            ..Header::default()
        };
        let Node::Table(entries) = &v.node else {
            self.wrong_type(v, "policy", "表 [policy]");
            return h;
        };
        let mut seen = BTreeSet::new();
        for e in entries {
            seen.insert(e.key.as_str());
            let what = format!("policy.{}", e.key);
            match (e.key.as_str(), &e.value.node) {
                ("scheme", Node::Str(s)) => match Scheme::parse(s) {
                    Some(scheme) => h.scheme = Some(scheme),
                    None => {
                        self.error(
                            e.value.pos,
                            UNKNOWN_SCHEME,
                            format!("未知的方案 {s}（应为 supplementary、basic 或 employee）"),
                        )
                    }
                },
                ("name", Node::Str(s)) => h.name = Some(s.clone()),
                ("note", Node::Str(s)) => h.note = Some(s.clone()),
                ("illustrative", Node::Bool(b)) => h.illustrative = *b,
                ("region", Node::Str(s)) => {
                    if is_valid_region(s) {
                        h.region = Some(s.clone());
                    } else {
                        self.bad_region(e.value.pos, s);
                    }
                }
                ("scheme" | "name" | "note" | "region", _) => {
                    self.wrong_type(&e.value, &what, "字符串")
                }
                ("illustrative", _) => self.wrong_type(&e.value, &what, "布尔值"),
                (other, _) => self.error(
                    e.key_pos,
                    UNKNOWN_KEY,
                    format!("[policy] 中的未知键 {other}（允许 scheme、name、illustrative、region、note）"),
                ),
            }
        }
        for key in ["scheme", "name", "region"] {
            if !seen.contains(key) {
                self.error(v.pos, MISSING_KEY, format!("[policy] 缺少必需的键 {key}"));
            }
        }
        h
    }

    fn bad_region(&mut self, pos: usize, s: &str) {
        self.error(
            pos,
            BAD_REGION,
            format!("地区代码 {s} 无效，应为 6 位 GB/T 2260 行政区划代码（如 140302）"),
        );
    }

    fn section(&mut self, v: &Spanned, h: &Header) -> Draft {
        let mut draft = Draft {
            section: None,
            keys: BTreeSet::new(),
        };
        let Node::Table(entries) = &v.node else {
            self.wrong_type(v, &format!("{} 的元素", h.array_name()), "表");
            return draft;
        };
        let mut from = None;
        let mut from_pos = v.pos;
        let mut until = None;
        let mut until_pos = v.pos;
        let mut region = h.region.clone();
        let mut region_ok = true;
        let mut until_ok = true;
        let mut values = BTreeMap::new();
        for e in entries {
            match e.key.as_str() {
                "from" => {
                    from_pos = e.value.pos;
                    from = self.date(&e.value, "from");
                }
                "until" => {
                    until_pos = e.value.pos;
                    until = self.date(&e.value, "until");
                    until_ok = until.is_some();
                }
                "note" => {
                    if !matches!(e.value.node, Node::Str(_)) {
                        self.wrong_type(&e.value, "note", "字符串");
                    }
                }
                "region" => {
                    if !self.section_region(&e.value, h, &mut region) {
                        region_ok = false;
                    }
                }
                key => self.section_value(e, key, h, &mut draft, &mut values),
            }
        }
        self.section_consistency(&values);
        if from.is_none() && !entries.iter().any(|e| e.key == "from") {
            self.error(
                v.pos,
                MISSING_KEY,
                format!("{} 段落缺少必需的键 from（生效日期）", h.array_name()),
            );
        }
        let region = region.or_else(|| h.overlay.then(|| "*".to_string()));
        if let (Some(from), Some(region)) = (from, region) {
            if region_ok && until_ok {
                draft.section = Some(Section {
                    region,
                    from,
                    until,
                    from_pos,
                    until_pos,
                    values,
                });
            }
        }
        draft
    }

    /// A section's `region`, which replaces the file's (`region`); false when it is invalid or
    /// outside the file's region.
    fn section_region(&mut self, v: &Spanned, h: &Header, region: &mut Option<String>) -> bool {
        match &v.node {
            Node::Str(s) if !is_valid_region(s) => {
                self.bad_region(v.pos, s);
                false
            }
            Node::Str(s) => {
                let mut ok = true;
                if let Some(policy_region) = &h.region {
                    if !within(s, policy_region) {
                        self.error(
                            v.pos,
                            REGION_OUTSIDE,
                            format!(
                                "段落地区 {s} 不在文件的地区 {policy_region} 范围内（应为该地区或其下级）"
                            ),
                        );
                        ok = false;
                    }
                }
                *region = Some(s.clone());
                ok
            }
            _ => {
                self.wrong_type(v, "region", "字符串");
                false
            }
        }
    }

    /// A parameter of a section: a key of the file's scheme, its value checked into `values`.
    fn section_value(
        &mut self,
        e: &Entry,
        key: &str,
        h: &Header,
        draft: &mut Draft,
        values: &mut BTreeMap<&'static str, (Val, usize)>,
    ) {
        let spec = match h.scheme {
            Some(scheme) => keys_of(scheme).iter().find(|k| k.name == key).copied(),
            None => any_scheme_key(key).map(|(_, k)| k),
        };
        let Some(spec) = spec else {
            let hint = match (h.scheme, any_scheme_key(key)) {
                (Some(s), Some((other, _))) => {
                    format!("（该参数属于 {other} 方案，不属于 {s} 方案）")
                }
                _ => String::new(),
            };
            self.error(
                e.key_pos,
                UNKNOWN_KEY,
                format!("{} 中的未知参数 {key}{hint}", h.array_name()),
            );
            return;
        };
        draft.keys.insert(spec.name);
        // A bad value is reported and left out; the section still counts.
        if let Some(val) = self.value(spec, &e.value) {
            values.insert(spec.name, (val, e.key_pos));
        }
    }

    /// Rules between keys of one section (employee scheme).
    fn section_consistency(&mut self, values: &BTreeMap<&'static str, (Val, usize)>) {
        if let (Some((Val::Dec(lo), _)), Some((Val::Dec(hi), pos))) =
            (values.get("base_min_ratio"), values.get("base_max_ratio"))
        {
            if lo > hi {
                self.error(
                    *pos,
                    BAD_VALUE,
                    format!("base_max_ratio {hi} 小于 base_min_ratio {lo}"),
                );
            }
        }
        if let (Some((Val::Dec(total), _)), Some((Val::Dec(personal), pos))) = (
            values.get("contribution_rate"),
            values.get("personal_account_rate"),
        ) {
            if personal > total {
                self.error(
                    *pos,
                    BAD_VALUE,
                    format!("personal_account_rate {personal} 大于 contribution_rate {total}"),
                );
            }
        }
    }

    fn date(&mut self, v: &Spanned, what: &str) -> Option<NaiveDate> {
        let parsed = match &v.node {
            Node::Str(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
            Node::Datetime(d) if d.time.is_none() && d.offset.is_none() => d
                .date
                .and_then(|d| NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())),
            Node::Datetime(_) => None,
            _ => {
                self.wrong_type(v, what, "日期（YYYY-MM-DD）");
                return None;
            }
        };
        if parsed.is_none() {
            let text = match &v.node {
                Node::Str(s) => s.clone(),
                Node::Datetime(d) => d.to_string(),
                _ => String::new(),
            };
            self.error(
                v.pos,
                BAD_DATE,
                format!("{what} 的日期 {text} 无效，应为 YYYY-MM-DD 格式的日期（不带时间）"),
            );
        }
        parsed
    }

    fn decimal(&mut self, v: &Spanned, what: &str) -> Option<Decimal> {
        let text = match &v.node {
            Node::Int(i) => return Some(Decimal::from(*i)),
            Node::Float(raw) => raw.replace('_', ""),
            Node::Str(s) => s.trim().to_string(),
            _ => {
                self.wrong_type(v, what, "小数或小数字符串（如 0.0175 或 \"0.0175\"）");
                return None;
            }
        };
        let text = text.strip_prefix('+').unwrap_or(&text);
        let parsed = Decimal::from_str(text)
            .ok()
            .or_else(|| Decimal::from_scientific(text).ok());
        if parsed.is_none() {
            self.error(
                v.pos,
                BAD_VALUE,
                format!("{what} 的值 {text} 无法解析为小数"),
            );
        }
        parsed
    }

    fn integer(&mut self, v: &Spanned, what: &str, unit: &str) -> Option<i64> {
        match &v.node {
            Node::Int(i) if *i < 0 => {
                self.error(v.pos, NEGATIVE, format!("{what} 不能为负数（{i}）"));
                None
            }
            Node::Int(i) => Some(*i),
            _ => {
                self.wrong_type(v, what, unit);
                None
            }
        }
    }

    fn value(&mut self, spec: KeySpec, v: &Spanned) -> Option<Val> {
        let what = spec.name;
        match spec.kind {
            Kind::Fen => self.integer(v, what, "整数（以分为单位）").map(Val::Int),
            Kind::Count | Kind::Positive => {
                let i = self.integer(v, what, "非负整数")?;
                if i > i64::from(u32::MAX) {
                    self.error(v.pos, BAD_VALUE, format!("{what} 的值 {i} 过大"));
                    None
                } else if spec.kind == Kind::Positive && i == 0 {
                    self.error(v.pos, BAD_VALUE, format!("{what} 必须大于 0"));
                    None
                } else {
                    Some(Val::Int(i))
                }
            }
            Kind::Rate | Kind::Ratio => {
                let d = self.decimal(v, what)?;
                if d.is_sign_negative() && !d.is_zero() {
                    self.error(v.pos, NEGATIVE, format!("{what} 不能为负数（{d}）"));
                    None
                } else if spec.kind == Kind::Rate && d > Decimal::ONE {
                    self.error(
                        v.pos,
                        BAD_VALUE,
                        format!("{what} 的值 {d} 大于 1：比率应写成小数，例如 0.0175 表示 1.75%"),
                    );
                    None
                } else {
                    Some(Val::Dec(d))
                }
            }
            Kind::Bool => match v.node {
                Node::Bool(b) => Some(Val::Bool(b)),
                _ => {
                    self.wrong_type(v, what, "布尔值（true 或 false）");
                    None
                }
            },
            Kind::Date => self.date(v, what).map(Val::Date),
            Kind::Choice(options) => match &v.node {
                Node::Str(s) if options.contains(&s.as_str()) => Some(Val::Str(s.clone())),
                Node::Str(s) => {
                    self.error(
                        v.pos,
                        BAD_VALUE,
                        format!("{what} 的值 {s} 无效，应为 {} 之一", options.join("、")),
                    );
                    None
                }
                _ => {
                    self.wrong_type(v, what, "字符串");
                    None
                }
            },
            Kind::StrList => {
                let Node::Array(items) = &v.node else {
                    self.wrong_type(v, what, "字符串数组");
                    return None;
                };
                let mut out = Vec::new();
                let mut ok = true;
                for item in items {
                    match &item.node {
                        Node::Str(s) => out.push(s.clone()),
                        _ => {
                            self.wrong_type(item, &format!("{what} 的元素"), "字符串");
                            ok = false;
                        }
                    }
                }
                ok.then_some(Val::StrList(out))
            }
            Kind::Shares => self.shares(v, what).map(Val::Shares),
            Kind::Tiers => self.tiers(v, what).map(Val::Tiers),
            Kind::Divisors => self.divisors(v, what).map(Val::Divisors),
        }
    }

    fn shares(&mut self, v: &Spanned, what: &str) -> Option<Shares> {
        let Node::Table(entries) = &v.node else {
            self.wrong_type(
                v,
                what,
                "内联表（如 { province = 0, city = 30, county = 70 }）",
            );
            return None;
        };
        let (mut province, mut city, mut county) = (None, None, None);
        let mut ok = true;
        for e in entries {
            let slot = match e.key.as_str() {
                "province" => &mut province,
                "city" => &mut city,
                "county" => &mut county,
                other => {
                    self.error(
                        e.key_pos,
                        UNKNOWN_KEY,
                        format!("{what} 中的未知键 {other}（只允许 province、city、county）"),
                    );
                    ok = false;
                    continue;
                }
            };
            let label = format!("{what}.{}", e.key);
            match self.decimal(&e.value, &label) {
                Some(d) if d.is_sign_negative() && !d.is_zero() => {
                    self.error(e.value.pos, NEGATIVE, format!("{label} 不能为负数（{d}）"));
                    ok = false;
                }
                Some(d) => *slot = Some(d),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let mut missing = Vec::new();
        for (name, slot) in [("province", province), ("city", city), ("county", county)] {
            if slot.is_none() {
                missing.push(name);
            }
        }
        if !missing.is_empty() {
            self.error(
                v.pos,
                MISSING_KEY,
                format!("{what} 缺少键 {}", missing.join("、")),
            );
            return None;
        }
        let shares = Shares {
            province: province?,
            city: city?,
            county: county?,
        };
        let sum = shares.province + shares.city + shares.county;
        if sum != Decimal::ONE_HUNDRED {
            self.error(
                v.pos,
                SHARES_SUM,
                format!("{what} 的各级分担比例之和为 {}，应为 100", sum.normalize()),
            );
            return None;
        }
        Some(shares)
    }

    fn tiers(&mut self, v: &Spanned, what: &str) -> Option<Vec<Tier>> {
        let Node::Array(items) = &v.node else {
            self.wrong_type(
                v,
                what,
                "内联表数组（如 [{ contribution_fen = 20000, entry_subsidy_fen = 7000 }]）",
            );
            return None;
        };
        if items.is_empty() {
            self.error(v.pos, BAD_VALUE, format!("{what} 至少要有一个缴费档次"));
            return None;
        }
        let mut ok = true;
        let mut previous: Option<Tier> = None;
        let mut tiers = Vec::new();
        for item in items {
            let Some(tier) = self.tier(item, what) else {
                ok = false;
                continue;
            };
            if let Some(prev) = &previous {
                if tier.contribution_fen <= prev.contribution_fen {
                    self.error(
                        item.pos,
                        TIERS_NOT_ASCENDING,
                        format!(
                            "缴费档次应严格递增：{} 元不高于前一档 {} 元",
                            yuan(tier.contribution_fen),
                            yuan(prev.contribution_fen)
                        ),
                    );
                    ok = false;
                } else if tier.entry_subsidy_fen < prev.entry_subsidy_fen {
                    self.report(
                        item.pos,
                        SUBSIDY_DECREASING,
                        format!(
                            "{} 元档的缴费补贴 {} 元低于较低档 {} 元的补贴 {} 元",
                            yuan(tier.contribution_fen),
                            yuan(tier.entry_subsidy_fen),
                            yuan(prev.contribution_fen),
                            yuan(prev.entry_subsidy_fen)
                        ),
                        Severity::Warning,
                    );
                }
            }
            previous = Some(tier.clone());
            tiers.push(tier);
        }
        ok.then_some(tiers)
    }

    fn tier(&mut self, v: &Spanned, what: &str) -> Option<Tier> {
        let Node::Table(entries) = &v.node else {
            self.wrong_type(v, &format!("{what} 的元素"), "内联表");
            return None;
        };
        let (mut contribution, mut subsidy) = (None, None);
        let mut ok = true;
        for e in entries {
            let label = format!("{what}.{}", e.key);
            match e.key.as_str() {
                "contribution_fen" => {
                    contribution = self.integer(&e.value, &label, "整数（以分为单位）");
                    if contribution == Some(0) {
                        self.error(e.value.pos, BAD_VALUE, format!("{label} 必须大于 0"));
                        contribution = None;
                    }
                    ok &= contribution.is_some();
                }
                "entry_subsidy_fen" => {
                    subsidy = self.integer(&e.value, &label, "整数（以分为单位）");
                    ok &= subsidy.is_some();
                }
                other => {
                    self.error(
                        e.key_pos,
                        UNKNOWN_KEY,
                        format!(
                            "{what} 的档次中的未知键 {other}（只允许 contribution_fen、entry_subsidy_fen）"
                        ),
                    );
                    ok = false;
                }
            }
        }
        for (name, present) in [
            (
                "contribution_fen",
                entries.iter().any(|e| e.key == "contribution_fen"),
            ),
            (
                "entry_subsidy_fen",
                entries.iter().any(|e| e.key == "entry_subsidy_fen"),
            ),
        ] {
            if !present {
                self.error(v.pos, MISSING_KEY, format!("{what} 的档次缺少键 {name}"));
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        Some(Tier {
            contribution_fen: contribution?,
            entry_subsidy_fen: subsidy?,
        })
    }

    fn divisors(&mut self, v: &Spanned, what: &str) -> Option<BTreeMap<u32, u32>> {
        let Node::Table(entries) = &v.node else {
            self.wrong_type(v, what, "内联表（年龄 = 计发月数，如 { 60 = 139 }）");
            return None;
        };
        if entries.is_empty() {
            self.error(v.pos, BAD_VALUE, format!("{what} 不能为空"));
            return None;
        }
        let mut out = BTreeMap::new();
        let mut ok = true;
        for e in entries {
            let Ok(age) = e.key.parse::<u32>() else {
                self.error(
                    e.key_pos,
                    BAD_VALUE,
                    format!("{what} 的键 {} 不是年龄（应为整数，如 60）", e.key),
                );
                ok = false;
                continue;
            };
            let label = format!("{what}.{age}");
            match self.integer(&e.value, &label, "正整数（计发月数）") {
                Some(0) => {
                    self.error(e.value.pos, BAD_VALUE, format!("{label} 必须大于 0"));
                    ok = false;
                }
                Some(m) if m > i64::from(u32::MAX) => {
                    self.error(e.value.pos, BAD_VALUE, format!("{label} 的值 {m} 过大"));
                    ok = false;
                }
                Some(m) => {
                    out.insert(age, m as u32);
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// Required keys never set by any section.
    fn required_keys(&mut self, h: &Header, drafts: &[Draft], sections_pos: usize) {
        let Some(scheme) = h.scheme else {
            return;
        };
        if drafts.is_empty() {
            self.error(
                sections_pos,
                MISSING_KEY,
                "文件中没有任何 [[values]] 段落，必需参数都没有设置".to_string(),
            );
            return;
        }
        let set: BTreeSet<&str> = drafts.iter().flat_map(|d| d.keys.iter().copied()).collect();
        for spec in keys_of(scheme).iter().filter(|k| k.required) {
            if !set.contains(spec.name) {
                self.error(
                    h.pos,
                    MISSING_KEY,
                    format!(
                        "必需参数 {} 没有在任何 [[values]] 段落中设置（{} 方案）",
                        spec.name,
                        scheme.as_str()
                    ),
                );
            }
        }
    }

    /// `until` must be after `from`; a bad `until` is dropped so it causes nothing else.
    fn until_checks(&mut self, sections: &mut [Section]) {
        for s in sections.iter_mut() {
            if let Some(until) = s.until {
                if until <= s.from {
                    self.error(
                        s.until_pos,
                        UNTIL_NOT_AFTER_FROM,
                        format!("until {until} 应晚于 from {}", s.from),
                    );
                    s.until = None;
                }
            }
        }
    }

    /// Sections of one region must come in ascending `from` order.
    fn ordering(&mut self, sections: &[Section]) {
        let mut last: BTreeMap<&str, NaiveDate> = BTreeMap::new();
        for s in sections {
            if let Some(prev) = last.get(s.region.as_str()) {
                if s.from < *prev {
                    self.error(
                        s.from_pos,
                        UNORDERED,
                        format!(
                            "地区 {} 的 [[values]] 段落未按 from 升序排列：{} 早于前一段的 {prev}",
                            s.region, s.from
                        ),
                    );
                    continue;
                }
            }
            last.insert(&s.region, s.from);
        }
    }

    /// Within one region, one key may be set by only one section per `from`, and a section's
    /// `until` may not reach past the next section setting the same key.
    fn overlaps(&mut self, sections: &[Section]) {
        let mut by_key: BTreeMap<(&str, &str), Vec<&Section>> = BTreeMap::new();
        for s in sections {
            for key in s.values.keys() {
                by_key.entry((&s.region, key)).or_default().push(s);
            }
        }
        for ((region, key), mut list) in by_key {
            list.sort_by_key(|s| s.from);
            for pair in list.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                if a.from == b.from {
                    self.error(
                        b.values[key].1,
                        OVERLAP,
                        format!(
                            "地区 {region} 的参数 {key} 在 {} 被两个段落同时设置",
                            b.from
                        ),
                    );
                } else if let Some(until) = a.until.filter(|u| *u > b.from) {
                    self.error(
                        a.until_pos,
                        OVERLAP,
                        format!(
                            "地区 {region} 的参数 {key}：本段 until {until} 与 from {} 起的后一段重叠",
                            b.from
                        ),
                    );
                }
            }
        }
    }

    /// The government-paid tier must be one of the tiers in force, wherever and whenever both
    /// are in force.
    fn government_tier(&mut self, set: &PolicySet) {
        if set.scheme == Scheme::Employee {
            return;
        }
        let mut regions: BTreeSet<&str> = set.sections.iter().map(|s| s.region.as_str()).collect();
        regions.insert(&set.region);
        let mut reported = BTreeSet::new();
        for region in regions {
            let chain = set.chain(region);
            let mut dates: Vec<NaiveDate> = set
                .sections
                .iter()
                .filter(|s| chain.contains(&s.region))
                .flat_map(|s| std::iter::once(s.from).chain(s.until))
                .collect();
            dates.sort();
            dates.dedup();
            for date in dates {
                let gov = set.resolve(&chain, date, "government_paid_tier_fen");
                let tiers = set.resolve(&chain, date, "tiers");
                let (Some((Val::Int(gov), _, pos)), Some((Val::Tiers(tiers), _, _))) = (gov, tiers)
                else {
                    continue;
                };
                if tiers.iter().any(|t| t.contribution_fen == *gov) || !reported.insert(pos) {
                    continue;
                }
                let list: Vec<String> = tiers.iter().map(|t| yuan(t.contribution_fen)).collect();
                self.error(
                    pos,
                    GOVERNMENT_TIER,
                    format!(
                        "政府代缴档次 {} 元不是地区 {region} 在 {date} 生效的缴费档次之一（{} 元）",
                        yuan(*gov),
                        list.join("、")
                    ),
                );
            }
        }
    }
}

#[derive(Debug, Default)]
struct Header {
    pos: usize,
    /// A scenario's sections: without a `region`, a section applies to the region of whichever
    /// policy file it is laid over (written `*` until then).
    overlay: bool,
    /// The array the sections sit in, for messages (`[[values]]` when empty).
    array: &'static str,
    scheme: Option<Scheme>,
    name: Option<String>,
    illustrative: bool,
    region: Option<String>,
    note: Option<String>,
}

impl Header {
    fn array_name(&self) -> &'static str {
        if self.array.is_empty() {
            "[[values]]"
        } else {
            self.array
        }
    }
}
