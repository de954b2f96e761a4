//! The evaluation report's content, built from the data: the structure of the source report
//! (basic situation; objectives and table 1-1; funds; approach and table 2-1; conclusion; analysis
//! by level; outputs and effects; problems; recommendations) with every figure taken from the
//! measurements, the books or the worksheet.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use yanglao_domain::format_wan_yuan as wy;
use yanglao_eval::{fmt2, Evaluation, Framework, LevelScore};
use yanglao_ops::books::budget::Execution;
use yanglao_ops::books::fund::Statement;
use yanglao_ops::evaluation::enrolment::{YearAnalysis, LAPSE_REASONS};
use yanglao_ops::evaluation::survey::SurveyRates;
use yanglao_ops::evaluation::{metric_zh, persons_text, Contributors, Finding, Measured};

use crate::chart::{Chart, Kind};
use crate::doc::{Block, Doc, Table};

/// Everything the report is made of.
pub struct Input<'a> {
    pub year: i32,
    /// Who the report is for, e.g. "阳泉市"; the city's name.
    pub place: &'a str,
    pub framework: &'a Framework,
    pub evaluation: &'a Evaluation,
    pub measured: &'a Measured,
    pub statement: &'a Statement,
    /// County → the county's statement (the fund chart by county).
    pub county_statements: &'a BTreeMap<String, Statement>,
    pub execution: &'a Execution,
    pub findings: &'a [Finding],
    /// The year and the two before it.
    pub enrolment: &'a [YearAnalysis],
    pub surveys: &'a BTreeMap<String, SurveyRates>,
    /// Worksheet lines used.
    pub worksheet_entries: usize,
    /// The evaluation's particulars and the evaluator's texts (field → value).
    pub particulars: &'a yanglao_ops::evaluation::particulars::Particulars,
    /// The simulator's three comparisons (七（二）政策建议), or why they could not be made.
    pub comparisons: &'a Result<Vec<yanglao_sim::compare::Comparison>, String>,
    /// The policies they ran under.
    pub policies: &'a yanglao_sim::Policies,
    /// The fund's accounts with the year's interest credits, and the credits short of the
    /// agreements (the annex's interest list).
    pub accounts: &'a [yanglao_ops::books::bank::AccountItem],
    pub shortfalls: &'a [yanglao_ops::books::bank::Shortfall],
    /// Recovery cases of the year's deaths (the annex's list of deaths paid after).
    pub cases: &'a [yanglao_ops::deaths::Case],
    /// Basic-scheme members not in the supplementary scheme (the annex's outreach list).
    pub prospects: &'a [yanglao_ops::evaluation::enrolment::Prospect],
}

/// A particular the evaluator gave, or the mark that it is still to be written (never a
/// sentence of the system's own).
fn given(i: &Input<'_>, key: &str) -> Option<String> {
    i.particulars
        .get(key)
        .cloned()
        .filter(|v| !v.trim().is_empty())
}

/// The mark of a part the evaluator has not written yet, naming it.
fn to_write(key: &str) -> String {
    let label = yanglao_ops::evaluation::particulars::field(key).map_or(key, |f| f.label);
    format!("【待评价人填写：{label}】")
}

/// A particular's text, or its mark.
fn evaluator_text(i: &Input<'_>, key: &str) -> String {
    given(i, key).unwrap_or_else(|| to_write(key))
}

fn pct(d: Decimal) -> String {
    format!("{}%", fmt2(d))
}

fn pct_of(part: i64, whole: i64) -> Option<String> {
    (whole != 0).then(|| pct(Decimal::from(part) * Decimal::from(100) / Decimal::from(whole)))
}

fn t(id: &str, title: &str, header: &[&str], widths: &[u32]) -> Table {
    Table {
        id: id.into(),
        title: title.into(),
        header: header.iter().map(|s| s.to_string()).collect(),
        rows: Vec::new(),
        widths: widths.to_vec(),
        grouped: 0,
    }
}

const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn numeral(i: usize) -> &'static str {
    NUMERALS.get(i).copied().unwrap_or("十")
}

/// What every chapter reads: the input, and the figures several chapters share.
struct Chapter<'i, 'a> {
    i: &'i Input<'a>,
    y: i32,
    /// The city's contributors in the report's year.
    c_now: Contributors,
    /// The city's payments in the report's year (人次).
    payments: i64,
}

impl<'i, 'a> Chapter<'i, 'a> {
    fn new(i: &'i Input<'a>) -> Self {
        let mut c = Chapter {
            i,
            y: i.year,
            c_now: Contributors::default(),
            payments: i.measured.payments.get("").copied().unwrap_or(0),
        };
        c.c_now = c.contributors(i.year, "");
        c
    }

    /// Contributors of county `c` (`""`: the city) in year `y`; all zero when the data has none.
    fn contributors(&self, y: i32, c: &str) -> Contributors {
        self.i
            .measured
            .contributors
            .get(&y)
            .and_then(|x| x.get(c))
            .copied()
            .unwrap_or_default()
    }

    /// Indicators left unscored under the first-level indicator `code`: (count, points).
    fn unscored(&self, code: &str) -> (usize, Decimal) {
        let left: Vec<_> = self
            .i
            .evaluation
            .indicators
            .iter()
            .filter(|s| s.code.starts_with(code) && s.score.is_none())
            .collect();
        (left.len(), left.iter().map(|s| s.points).sum::<Decimal>())
    }
}

/// Builds the report. The checks of [`Doc::inconsistencies`] are the caller's to run.
pub fn report(i: &Input<'_>) -> Doc {
    let y = i.year;
    let title = format!("{y} 年城乡居民补充养老保险绩效评价报告");
    let mut d = Doc::new(&title);
    check_scores(&mut d, i.framework, i.evaluation);
    let c = Chapter::new(i);
    cover(&mut d, &c, title);
    opening(&mut d, &c);
    basic_situation(&mut d, &c);
    evaluation_work(&mut d, &c);
    conclusion(&mut d, &c);
    indicator_analysis(&mut d, &c);
    outputs_and_effects(&mut d, &c);
    problems(&mut d, &c);
    recommendations(&mut d, &c);
    annex(&mut d, &c);
    d
}

/// The cover (its own page, without a page number): the title, who is responsible for the
/// programme, who commissioned and who made the evaluation, and the date, as the evaluation's
/// particulars give them; then the title again on the first body page.
fn cover(d: &mut Doc, c: &Chapter<'_, '_>, title: String) {
    let i = c.i;
    d.blocks.push(Block::Title(title.clone()));
    let lines: Vec<(String, String)> = [
        ("department", "主管部门"),
        ("implementer", "实施单位"),
        ("commissioner", "委托单位"),
        ("agency", "评价机构"),
        ("lead_evaluators", "主 评 人"),
    ]
    .iter()
    .map(|(k, label)| (label.to_string(), evaluator_text(i, k)))
    .collect();
    d.blocks.push(Block::CoverLines(lines));
    d.blocks
        .push(Block::CoverDate(evaluator_text(i, "report_date")));
    d.blocks.push(Block::EndOfCover);
    d.blocks.push(Block::Title(title));
}

/// The opening paragraph: the documents the evaluation rests on, who made it for whom, when.
fn opening(d: &mut Doc, c: &Chapter<'_, '_>) {
    let (i, y) = (c.i, c.y);
    let documents: Vec<String> = given(i, "documents")
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default();
    let agency = evaluator_text(i, "agency");
    let commissioner = evaluator_text(i, "commissioner");
    let period = evaluator_text(i, "period");
    let mut text = String::new();
    match documents.as_slice() {
        [] => text.push_str(&format!(
            "为加强预算绩效管理，提高财政资金配置效率和使用效益，{}",
            to_write("documents")
        )),
        [only] => text.push_str(&format!(
            "为加强预算绩效管理，提高财政资金配置效率和使用效益，根据{only}要求，"
        )),
        [first, rest @ ..] => text.push_str(&format!(
            "为贯彻落实{first}精神，加强预算绩效管理，提高财政资金配置效率和使用效益，根据{}要求，",
            rest.join("、")
        )),
    }
    text.push_str(&format!(
        "{agency}受{commissioner}委托，于{period}对“{y}年城乡居民补充养老保险”项目开展了绩效评价，现将有关情况报告如下。"
    ));
    d.para(text);
}

/// 一、基本情况: background, content, objectives (table 1-1), funds (tables 1-2 and 1-3).
fn basic_situation(d: &mut Doc, c: &Chapter<'_, '_>) {
    d.heading(1, "一、基本情况");
    background(d, c);
    project_content(d, c);
    objectives(d, c);
    funds(d, c);
}

/// （一）立项背景: contributors over three years, recipients and the fund.
fn background(d: &mut Doc, c: &Chapter<'_, '_>) {
    let (i, y, m) = (c.i, c.y, c.i.measured);
    d.heading(2, "（一）立项背景");
    let years: Vec<i32> = (y - 2..=y).collect();
    let series: Vec<String> = years
        .iter()
        .map(|yy| persons_text(c.contributors(*yy, "").total))
        .collect();
    let first = c.contributors(y - 2, "").total;
    let mut text = format!(
        "{}城乡居民补充养老保险是在城乡居民基本养老保险基础上并行建立的补充养老保险制度。{}–{y} 年参保缴费人数依次为 {}",
        i.place,
        y - 2,
        series.join("、")
    );
    for (k, yy) in years.iter().enumerate() {
        d.fig(&format!("contributors.{yy}"), series[k].clone());
    }
    if first > 0 {
        let diff = c.c_now.total - first;
        let change = d.fig(
            "contributors.change2",
            pct_of(diff, first).unwrap_or_default(),
        );
        text.push_str(&format!(
            "，{y} 年较 {} 年{} {} 人（{}）",
            y - 2,
            if diff < 0 { "减少" } else { "增加" },
            diff.abs(),
            change.trim_start_matches('-')
        ));
    }
    text.push('。');
    let recipients = m.recipients.get("").copied().unwrap_or(0);
    text.push_str(&format!(
        "{y} 年领取待遇（已到账）{}。",
        d.fig("recipients", persons_text(recipients))
    ));
    let s = i.statement;
    text.push_str(&format!(
        "{y} 年基金上年结余 {} 万元，本年收入 {} 万元，本年支出 {} 万元，本年结余 {} 万元，年末滚存结余 {} 万元。",
        d.fig("fund.brought_forward", wy(s.brought_forward_fen)),
        d.fig("fund.income", wy(s.income_fen)),
        d.fig("fund.expenditure", wy(s.expenditure_fen)),
        d.fig("fund.surplus", wy(s.surplus_fen)),
        d.fig("fund.closing", wy(s.closing_fen)),
    ));
    d.para(text);
}

/// （二）项目内容: the year's contributors by kind and the payments.
fn project_content(d: &mut Doc, c: &Chapter<'_, '_>) {
    let (y, c_now) = (c.y, c.c_now);
    d.heading(2, "（二）项目内容");
    let lines = c.i.measured.payment_lines.get("").copied().unwrap_or(0);
    let mut text = format!(
        "{y} 年个人缴纳补充养老保险 {}，政府代缴 {}，其中政府代缴人员中又自行缴费 {}，合计缴费 {}；发放待遇 {} 人次（个人账户养老金与出口补贴分项计人次，合 {} 笔银行到账发放）。",
        persons_text(c_now.self_paid),
        persons_text(c_now.government_paid),
        persons_text(c_now.both),
        d.fig(&format!("contributors.{y}"), persons_text(c_now.total)),
        d.fig("payments", c.payments.to_string()),
        d.fig("payment_lines", lines.to_string()),
    );
    let prev = c.contributors(y - 1, "").total;
    if let Some(p) = pct_of(c_now.total - prev, prev) {
        text.push_str(&format!(
            "缴费人数同比变动 {}。",
            d.fig("contributors.yoy", p)
        ));
    }
    d.para(text);
}

/// （三）绩效目标 and table 1-1: the indicators with a target, and what was achieved.
fn objectives(d: &mut Doc, c: &Chapter<'_, '_>) {
    let (i, y) = (c.i, c.y);
    d.heading(2, "（三）绩效目标");
    d.heading(3, "1.项目总体目标");
    for line in evaluator_text(i, "overall_goal").lines() {
        d.para(line.to_string());
    }
    d.heading(3, "2.项目阶段性目标");
    d.para(format!("依据评价指标体系，项目阶段性目标及{y} 年完成值见表 1-1（完成值依据业务数据计算，问卷类指标依据问卷统计）。"));
    let mut t11 = t(
        "表 1-1",
        "项目阶段性目标表",
        &["一级指标", "二级指标", "三级指标", "目标值", "完成值"],
        &[6, 8, 14, 9, 16],
    );
    t11.grouped = 2;
    // A programme's goals are its outputs and effects (产出、效益), as the goal tables of budget
    // performance management have them; decision and process indicators are not goals.
    for s in i
        .evaluation
        .indicators
        .iter()
        .filter(|s| !s.target.is_empty())
    {
        let group = s.parent.as_deref().and_then(|p| i.framework.get(p));
        let top = group
            .and_then(|g| g.parent.as_deref())
            .and_then(|p| i.framework.get(p));
        if !top.is_some_and(|x| x.name.contains("产出") || x.name.contains("效益")) {
            continue;
        }
        let actual = d.cell(&format!("actual.{}", s.code), s.actual.clone());
        t11.rows.push(vec![
            top.map_or(String::new(), |x| x.name.clone()),
            group.map_or(String::new(), |x| x.name.clone()),
            s.name.clone(),
            s.target.clone(),
            actual,
        ]);
    }
    d.table(t11);
}

/// （四）资金投入及使用情况: the budget's execution (table 1-2) and the fund (table 1-3).
fn funds(d: &mut Doc, c: &Chapter<'_, '_>) {
    let (y, x) = (c.y, c.i.execution);
    d.heading(2, "（四）资金投入及使用情况");
    if x.total.budget_fen > 0 {
        let rate = pct_of(x.total.spent_fen, x.total.budget_fen).unwrap_or_default();
        let text = format!(
            "{y} 年各级财政补助预算安排资金 {} 万元，实际支出 {} 万元，到位资金 {} 万元，预算执行率 {}。各级次、各类别明细见表 1-2。",
            d.fig("budget.total", wy(x.total.budget_fen)),
            d.fig("budget.spent", wy(x.total.spent_fen)),
            d.fig("budget.arrived", wy(x.total.arrived_fen)),
            d.fig("budget.rate", rate),
        );
        d.para(text);
        budget_table(d, x);
        budget_chart(d, x);
    } else {
        d.para(format!(
            "系统中没有 {y} 年的财政补助预算，资金投入及使用情况无法列示。"
        ));
    }
    fund_table(d, c.i.statement);
    fund_chart(d, c);
}

/// 万元 as a number for a chart.
fn wan(fen: i64) -> f64 {
    fen as f64 / 1_000_000.0
}

/// Figure 1-1: the budget, what arrived and what was spent, by level.
fn budget_chart(d: &mut Doc, x: &Execution) {
    let mut levels: Vec<(String, [i64; 3])> = Vec::new();
    for l in &x.lines {
        let name = yanglao_ops::books::budget::level_zh(&l.level).to_string();
        let at = match levels.iter().position(|(n, _)| *n == name) {
            Some(k) => k,
            None => {
                levels.push((name, [0; 3]));
                levels.len() - 1
            }
        };
        let v = &mut levels[at].1;
        v[0] += l.budget_fen;
        v[1] += l.arrived_fen;
        v[2] += l.spent_fen;
    }
    let rank = |n: &str| {
        ["省级", "市级", "县级"]
            .iter()
            .position(|x| *x == n)
            .unwrap_or(3)
    };
    levels.sort_by_key(|(n, _)| rank(n));
    d.chart(Chart {
        id: "图 1-1".into(),
        title: "各级次财政补助资金预算、到位与支出".into(),
        kind: Kind::Bars,
        unit: "万元".into(),
        categories: levels.iter().map(|(n, _)| n.clone()).collect(),
        series: ["预算", "到位", "支出"]
            .iter()
            .enumerate()
            .map(|(k, n)| {
                (
                    n.to_string(),
                    levels.iter().map(|(_, v)| wan(v[k])).collect(),
                )
            })
            .collect(),
    });
}

/// Figure 1-2: the fund's income, spending and closing balance, county by county.
fn fund_chart(d: &mut Doc, c: &Chapter<'_, '_>) {
    let m = c.i.measured;
    let counties: Vec<(&String, &Statement)> = m
        .counties
        .iter()
        .filter_map(|(code, name)| c.i.county_statements.get(code).map(|s| (name, s)))
        .collect();
    let series = |name: &str, f: fn(&Statement) -> i64| {
        (
            name.to_string(),
            counties
                .iter()
                .map(|(_, s)| wan(f(s)))
                .collect::<Vec<f64>>(),
        )
    };
    d.chart(Chart {
        id: "图 1-2".into(),
        title: format!("{} 年各县区基金收入、支出与年末滚存结余", c.y),
        kind: Kind::Bars,
        unit: "万元".into(),
        categories: counties.iter().map(|(n, _)| (*n).clone()).collect(),
        series: vec![
            series("本年收入", |s| s.income_fen),
            series("本年支出", |s| s.expenditure_fen),
            series("年末滚存结余", |s| s.closing_fen),
        ],
    });
}

/// Table 1-2: the budget by level and kind, and its total.
fn budget_table(d: &mut Doc, x: &Execution) {
    let mut tb = t(
        "表 1-2",
        "财政补助资金预算及执行情况（万元）",
        &["级次及类别", "预算", "到位", "支出", "执行率", "提示"],
        &[12, 8, 8, 8, 8, 8],
    );
    for l in &x.lines {
        tb.rows.push(vec![
            yanglao_ops::books::budget::label(&l.level, &l.kind),
            wy(l.budget_fen),
            wy(l.arrived_fen),
            wy(l.spent_fen),
            pct_of(l.spent_fen, l.budget_fen).unwrap_or_else(|| "—".into()),
            match l.flag.as_str() {
                "over" => "超出预算".into(),
                "under" => "执行偏低".into(),
                _ => String::new(),
            },
        ]);
    }
    tb.rows.push(vec![
        "合计".into(),
        d.cell("budget.total", wy(x.total.budget_fen)),
        d.cell("budget.arrived", wy(x.total.arrived_fen)),
        d.cell("budget.spent", wy(x.total.spent_fen)),
        d.cell(
            "budget.rate",
            pct_of(x.total.spent_fen, x.total.budget_fen).unwrap_or_default(),
        ),
        String::new(),
    ]);
    let sum: i64 = x.lines.iter().map(|l| l.budget_fen).sum();
    if sum != x.total.budget_fen {
        d.problem(format!(
            "表 1-2 各行预算之和 {} 万元与合计 {} 万元不符",
            wy(sum),
            wy(x.total.budget_fen)
        ));
    }
    d.table(tb);
}

/// Table 1-3: the fund statement, checked to balance.
fn fund_table(d: &mut Doc, s: &Statement) {
    let mut tf = t(
        "表 1-3",
        "基金收支情况（万元）",
        &["项目", "金额"],
        &[20, 10],
    );
    for (k, label, fen) in [
        ("fund.brought_forward", "上年结余", s.brought_forward_fen),
        ("fund.income", "本年收入", s.income_fen),
        ("fund.expenditure", "本年支出", s.expenditure_fen),
        ("fund.surplus", "本年结余", s.surplus_fen),
        ("fund.closing", "年末滚存结余", s.closing_fen),
    ] {
        let v = d.cell(k, wy(fen));
        tf.rows.push(vec![label.into(), v]);
    }
    if s.brought_forward_fen + s.income_fen - s.expenditure_fen != s.closing_fen
        || s.income_fen - s.expenditure_fen != s.surplus_fen
    {
        d.problem("基金收支表不平：上年结余 + 本年收入 − 本年支出 ≠ 年末滚存结余".into());
    }
    d.table(tf);
}

/// 二、绩效评价工作开展情况: purpose and scope, the framework (table 2-1), the method.
fn evaluation_work(d: &mut Doc, c: &Chapter<'_, '_>) {
    let (i, y, e) = (c.i, c.y, c.i.evaluation);
    d.heading(1, "二、绩效评价工作开展情况");
    d.heading(2, "（一）绩效评价目的、对象和范围");
    d.heading(3, "1.评价目的");
    for line in evaluator_text(i, "purpose").lines() {
        d.para(line.to_string());
    }
    d.heading(3, "2.评价对象和范围");
    let funds = if i.execution.total.budget_fen > 0 {
        format!(
            "，涉及财政资金 {} 万元",
            d.fig("budget.total", wy(i.execution.total.budget_fen))
        )
    } else {
        String::new()
    };
    d.para(format!(
        "本次绩效评价对象是{}{y} 年城乡居民补充养老保险项目{funds}。评价范围覆盖全市 {} 个县（区）。",
        i.place,
        i.measured.counties.len()
    ));
    d.heading(2, "（二）评价指标体系");
    d.heading(3, "1.指标体系设计的总体思路");
    let weights: Vec<String> = e
        .levels
        .values()
        .map(|l| format!("{}类指标 {} 分", l.name, fmt2(l.points)))
        .collect();
    for line in evaluator_text(i, "framework_approach").lines() {
        d.para(line.to_string());
    }
    d.heading(3, "2.指标体系");
    d.para(format!(
        "评价指标体系分三级，{}，合计 {} 分，见表 2-1。",
        weights.join("，"),
        fmt2(i.framework.total)
    ));
    framework_table(d, i.framework);
    d.heading(2, "（三）评价方法及评价实施");
    for line in evaluator_text(i, "methods").lines() {
        d.para(line.to_string());
    }
    let survey = i.surveys.get("").map_or(0, |s| s.questionnaires);
    d.para(format!(
        "数据类指标依据参保登记、缴费、个人账户、基金账务、待遇发放及银行回盘等业务数据逐项计算，计算方法见附表 1；问卷类指标依据 {survey} 份有效问卷统计，并给出 95% 置信区间；判断类指标由评价人逐项评分并写明扣分理由和依据（{}）。本报告的总体评价、问题原因与整改情况由评价人撰写。",
        if i.worksheet_entries == 0 {
            "本次未提供评价工作底稿，判断类指标均未评分".to_string()
        } else {
            format!("共 {} 项评价记录", i.worksheet_entries)
        }
    ));
    let weighted = i
        .surveys
        .get("")
        .and_then(|s| {
            s.contributor_satisfaction
                .as_ref()
                .or(s.policy_awareness.as_ref())
        })
        .is_some_and(|r| r.weighted);
    let how = if weighted {
        "全市比率为各县（区）比率按其规模加权所得（参保人员满意度按参保缴费人数、待遇领取人员满意度按待遇领取人数、政策知晓率按两者之和加权），置信区间按分层抽样计算。"
    } else {
        ""
    };
    match given(i, "sampling") {
        Some(s) => d.para(format!("问卷抽样：{s}{how}")),
        None if !how.is_empty() => d.para(format!("问卷抽样：{how}")),
        None => {}
    }
}

/// Table 2-1: every leaf of the framework under its groups, with its points and rule.
fn framework_table(d: &mut Doc, fw: &Framework) {
    let mut t21 = t(
        "表 2-1",
        "项目绩效评价指标体系",
        &[
            "一级指标（权重）",
            "二级指标（权重）",
            "三级指标",
            "分值",
            "计分规则",
        ],
        &[9, 11, 14, 5, 24],
    );
    t21.grouped = 2;
    for leaf in fw.leaves() {
        let group = leaf.parent.as_deref().and_then(|p| fw.get(p));
        let top = group
            .and_then(|g| g.parent.as_deref())
            .and_then(|p| fw.get(p));
        t21.rows.push(vec![
            top.map_or(String::new(), |x| {
                format!("{} {}（{}）", x.code, x.name, x.points.normalize())
            }),
            group.map_or(String::new(), |x| {
                format!("{} {}（{}）", x.code, x.name, x.points.normalize())
            }),
            format!("{} {}", leaf.code, leaf.name),
            leaf.points.normalize().to_string(),
            leaf.criterion.clone(),
        ]);
    }
    t21.rows.push(vec![
        "合计".into(),
        String::new(),
        String::new(),
        fw.total.normalize().to_string(),
        String::new(),
    ]);
    d.table(t21);
}

/// 三、综合评价情况及评价结论: the total and grade (none while indicators are unscored), the
/// main problems, and table 3-1.
fn conclusion(d: &mut Doc, c: &Chapter<'_, '_>) {
    let (i, y, e) = (c.i, c.y, c.i.evaluation);
    d.heading(1, "三、综合评价情况及评价结论");
    let text = if e.unscored.is_empty() {
        format!(
            "经评价，{} {y} 年度城乡居民补充养老保险绩效评价得分为 {} 分，绩效评级为“{}”。",
            i.place,
            d.fig("total", fmt2(e.total)),
            d.fig("grade", e.grade)
        )
    } else {
        // An evaluation with indicators left unscored has no grade.
        format!(
            "{} {y} 年度城乡居民补充养老保险绩效评价已评分指标合计 {} 分；其中 {} 项指标因缺少数据或评价人判断未评分（{}），评价{}，不评定绩效等级。",
            i.place,
            d.fig("total", fmt2(e.total)),
            e.unscored.len(),
            e.unscored.join("、"),
            d.fig("grade", "未完成")
        )
    };
    d.para(text);
    let mut overall = evaluator_text(i, "overall");
    if given(i, "overall").is_none() && !i.findings.is_empty() {
        let titles: Vec<&str> = i.findings.iter().map(|f| f.title.as_str()).collect();
        overall.push_str(&format!("评价发现的主要问题：{}。", titles.join("；")));
    }
    for line in overall.lines() {
        d.para(line.to_string());
    }
    let mut ts = t(
        "表 3-1",
        "评价得分汇总",
        &["一级指标", "分值", "得分", "得分率"],
        &[12, 8, 8, 8],
    );
    for l in e.levels.values() {
        ts.rows.push(vec![
            format!("{} {}", l.code, l.name),
            fmt2(l.points),
            d.cell(&format!("level.{}", l.code), fmt2(l.score)),
            // A rate over indicators not all scored would read as a judgement: none until then.
            d.cell(
                &format!("level.{}.rate", l.code),
                if c.unscored(&l.code).0 > 0 {
                    "未完成".to_string()
                } else {
                    pct(l.rate_pct)
                },
            ),
        ]);
    }
    ts.rows.push(vec![
        "合计".into(),
        fmt2(i.framework.total),
        d.cell("total", fmt2(e.total)),
        if e.unscored.is_empty() && i.framework.total > Decimal::ZERO {
            pct(e.total * Decimal::from(100) / i.framework.total)
        } else {
            "未完成".to_string()
        },
    ]);
    d.table(ts);
}

/// 四、绩效评价指标分析: one section and table (4-1, 4-2, …) per first-level indicator.
fn indicator_analysis(d: &mut Doc, c: &Chapter<'_, '_>) {
    let e = c.i.evaluation;
    d.heading(1, "四、绩效评价指标分析");
    for (k, l) in e.levels.values().enumerate() {
        d.heading(2, format!("（{}）{}指标分析", numeral(k), l.name));
        let groups: Vec<String> = e
            .groups
            .values()
            .filter(|g| g.code.starts_with(&l.code))
            .map(|g| g.name.clone())
            .collect();
        let (left, left_points) = c.unscored(&l.code);
        let text = if left == 0 {
            format!(
                "{}类指标主要从{}等方面进行评价。{}类指标权重分 {} 分，实际得分 {} 分，得分率为 {}。",
                l.name,
                groups.join("、"),
                l.name,
                fmt2(l.points),
                d.fig(&format!("level.{}", l.code), fmt2(l.score)),
                d.fig(&format!("level.{}.rate", l.code), pct(l.rate_pct)),
            )
        } else {
            format!(
                "{}类指标主要从{}等方面进行评价。{}类指标权重分 {} 分，已评分指标得分 {} 分；{} 项指标（{} 分）未评分，得分率待评价完成后计算。",
                l.name,
                groups.join("、"),
                l.name,
                fmt2(l.points),
                d.fig(&format!("level.{}", l.code), fmt2(l.score)),
                left,
                fmt2(left_points),
            )
        };
        d.para(text);
        level_table(d, e, k, l);
    }
}

/// Table 4-(k+1): the indicators of one first-level indicator with their scores and basis.
fn level_table(d: &mut Doc, e: &Evaluation, k: usize, l: &LevelScore) {
    let id = format!("表 4-{}", k + 1);
    let mut ti = t(
        &id,
        &format!("{}类指标得分", l.name),
        &["指标", "分值", "目标值", "完成值", "得分", "评分依据"],
        &[12, 5, 8, 10, 5, 30],
    );
    for s in e.indicators.iter().filter(|s| s.code.starts_with(&l.code)) {
        ti.rows.push(vec![
            format!("{} {}", s.code, s.name),
            fmt2(s.points),
            s.target.clone(),
            d.cell(&format!("actual.{}", s.code), s.actual.clone()),
            d.cell(
                &format!("score.{}", s.code),
                s.score.map_or("未评分".into(), fmt2),
            ),
            s.basis.clone(),
        ]);
    }
    d.table(ti);
}

/// 五、项目产出及效益实现情况: the year's outputs, then tables 5-1 to 5-4 by county.
fn outputs_and_effects(d: &mut Doc, c: &Chapter<'_, '_>) {
    let (i, y, m) = (c.i, c.y, c.i.measured);
    d.heading(1, "五、项目产出及效益实现情况");
    let mut text = format!(
        "{y} 年，全市完成 {} 缴纳补充养老保险，完成 {} 人次补充养老保险待遇发放工作。",
        d.fig(&format!("contributors.{y}"), persons_text(c.c_now.total)),
        d.fig("payments", c.payments.to_string()),
    );
    if let Some(a) = i.enrolment.iter().find(|a| a.year == y) {
        if let Some(city) = a.by_county.get("") {
            text.push_str(&format!(
                "当年新参保 {} 人，恢复缴费 {} 人，断缴 {} 人。",
                d.fig("enrolment.new", city.new.to_string()),
                city.returning,
                d.fig("enrolment.lapsed", city.lapsed.to_string())
            ));
        }
        if let Some(share) = a.lowest_tier_share_pct {
            text.push_str(&format!("自行缴费人员中选择最低档次的占 {share:.2}%。"));
        }
    }
    d.para(text);
    let this = i.enrolment.iter().find(|a| a.year == y);
    // The counties, then the city.
    let mut keys: Vec<(String, String)> = m
        .counties
        .iter()
        .map(|(c, n)| (c.clone(), n.clone()))
        .collect();
    keys.push((String::new(), "全市".into()));
    enrolment_table(d, c, this, &keys);
    people_charts(d, c);
    if let Some(a) = this {
        lapse_table(d, a, &keys);
    }
    county_metrics_table(d, m, &keys);
    late_chart(d, c);
    if !i.surveys.is_empty() {
        survey_table(d, i.surveys, &keys);
    }
}

/// Table 5-1: contributors by county over three years, with the year's joiners and lapses.
fn enrolment_table(
    d: &mut Doc,
    ch: &Chapter<'_, '_>,
    this: Option<&YearAnalysis>,
    keys: &[(String, String)],
) {
    let y = ch.y;
    let mut te = t(
        "表 5-1",
        "各县区参保缴费人数变化",
        &[
            "县区",
            &format!("{} 年", y - 2),
            &format!("{} 年", y - 1),
            &format!("{y} 年"),
            "同比变动",
            "三年变动",
            "新参保",
            "断缴",
        ],
        &[8, 7, 7, 7, 7, 7, 6, 6],
    );
    for (c, name) in keys {
        let (a, b, z) = (
            ch.contributors(y, c).total,
            ch.contributors(y - 1, c).total,
            ch.contributors(y - 2, c).total,
        );
        let cell = this
            .and_then(|x| x.by_county.get(c))
            .cloned()
            .unwrap_or_default();
        let mut row = vec![name.clone(), z.to_string(), b.to_string(), a.to_string()];
        row.push(pct_of(a - b, b).unwrap_or_else(|| "—".into()));
        row.push(pct_of(a - z, z).unwrap_or_else(|| "—".into()));
        if c.is_empty() {
            row.push(d.cell("enrolment.new", cell.new.to_string()));
            row.push(d.cell("enrolment.lapsed", cell.lapsed.to_string()));
        } else {
            row.push(cell.new.to_string());
            row.push(cell.lapsed.to_string());
        }
        if c.is_empty() {
            let yoy = row[4].clone();
            if yoy != "—" {
                d.cell("contributors.yoy", yoy);
            }
            let two = row[5].clone();
            if two != "—" {
                d.cell("contributors.change2", two);
            }
        }
        te.rows.push(row);
    }
    d.table(te);
}

/// Figures 5-1 and 5-2: contributors by county over three years; the year's contributors and
/// recipients by county.
fn people_charts(d: &mut Doc, c: &Chapter<'_, '_>) {
    let (y, m) = (c.y, c.i.measured);
    let names: Vec<String> = m.counties.values().cloned().collect();
    d.chart(Chart {
        id: "图 5-1".into(),
        title: format!("各县区参保缴费人数（{}—{y} 年）", y - 2),
        kind: Kind::Bars,
        unit: "人".into(),
        categories: names.clone(),
        series: (y - 2..=y)
            .map(|yy| {
                (
                    format!("{yy} 年"),
                    m.counties
                        .keys()
                        .map(|code| c.contributors(yy, code).total as f64)
                        .collect(),
                )
            })
            .collect(),
    });
    let count = |map: &BTreeMap<String, i64>| -> Vec<f64> {
        m.counties
            .keys()
            .map(|code| map.get(code).copied().unwrap_or(0) as f64)
            .collect()
    };
    d.chart(Chart {
        id: "图 5-2".into(),
        title: format!("{y} 年各县区缴费人数与待遇领取人数"),
        kind: Kind::Bars,
        unit: "人".into(),
        categories: names,
        series: vec![
            (
                "缴费人数".into(),
                m.counties
                    .keys()
                    .map(|code| c.contributors(y, code).total as f64)
                    .collect(),
            ),
            ("待遇领取人数".into(), count(&m.recipients)),
        ],
    });
}

/// Figure 5-3: each month, how many counties paid after the 15th (or had not paid).
fn late_chart(d: &mut Doc, c: &Chapter<'_, '_>) {
    let m = c.i.measured;
    let mut per_month = [0f64; 12];
    for months in m.late_months.values() {
        for mo in months {
            if let Some(k) = mo
                .rsplit('-')
                .next()
                .and_then(|x| x.parse::<usize>().ok())
                .filter(|k| (1..=12).contains(k))
            {
                per_month[k - 1] += 1.0;
            }
        }
    }
    d.chart(Chart {
        id: "图 5-3".into(),
        title: format!("{} 年各月晚于 15 日发放待遇的县区数", c.y),
        kind: Kind::Bars,
        unit: "个".into(),
        categories: (1..=12).map(|k| format!("{k} 月")).collect(),
        series: vec![("晚于 15 日发放的县区".into(), per_month.to_vec())],
    });
}

/// Table 5-2: the year's lapses by county and the reason the system can tell.
fn lapse_table(d: &mut Doc, a: &YearAnalysis, keys: &[(String, String)]) {
    let mut tr = t(
        "表 5-2",
        "断缴原因（系统可识别部分）",
        &[
            "县区",
            "已达待遇领取年龄",
            "死亡或终止参保",
            "已不在基本养老保险",
            "未续缴（原因不详）",
        ],
        &[8, 8, 8, 8, 8],
    );
    for (c, name) in keys {
        let r = a.lapse_reasons.get(c);
        let mut row = vec![name.clone()];
        let mut sum = 0;
        for (k, _) in LAPSE_REASONS {
            let n = r.and_then(|r| r.get(k)).copied().unwrap_or(0);
            sum += n;
            row.push(n.to_string());
        }
        // Every lapse has one reason: the reasons add up to the county's lapses of table 5-1.
        let lapsed = a.by_county.get(c).map_or(0, |x| x.lapsed);
        if sum != lapsed {
            d.problem(format!(
                "表 5-2 {name}断缴原因合计 {sum} 人与表 5-1 断缴 {lapsed} 人不符"
            ));
        }
        tr.rows.push(row);
    }
    d.table(tr);
}

/// Table 5-3: the main metrics by county.
fn county_metrics_table(d: &mut Doc, m: &Measured, keys: &[(String, String)]) {
    let cols: [(&str, &str); 10] = [
        ("contributors", "缴费人数"),
        ("contributors_change_pct", "同比变动"),
        ("benefit_coverage_pct", "应补尽补率"),
        ("hardship_coverage_pct", "困难群体应补尽补率"),
        ("late_payroll_months", "晚于 15 日发放"),
        ("payment_accuracy_pct", "支付准确率"),
        ("subsidy_mismatches", "补贴合规"),
        ("recovery_rate_pct", "追回率"),
        ("fund_months_of_expenditure", "基金可支付"),
        ("policy_awareness_pct", "政策知晓率"),
    ];
    let mut header = vec!["县区"];
    header.extend(cols.iter().map(|c| c.1));
    let mut tc = t(
        "表 5-3",
        "各县区主要指标",
        &header,
        &[7, 7, 7, 7, 7, 7, 7, 6, 6, 7, 7],
    );
    for (c, name) in keys {
        let ms = if c.is_empty() {
            Some(&m.city)
        } else {
            m.by_county.get(c)
        };
        let mut row = vec![name.clone()];
        for (k, _) in cols {
            let v = ms
                .and_then(|x| x.get(k))
                .map_or("—".into(), |v| v.display.clone());
            // The city's figures are the appendix's: one figure, one value.
            row.push(if c.is_empty() {
                d.cell(&format!("metric.{k}"), v)
            } else {
                v
            });
        }
        tc.rows.push(row);
    }
    d.table(tc);
}

/// Table 5-4: the surveys by county, each rate with its 95% confidence interval.
fn survey_table(d: &mut Doc, surveys: &BTreeMap<String, SurveyRates>, keys: &[(String, String)]) {
    let mut tq = t(
        "表 5-4",
        "问卷调查结果（95% 置信区间）",
        &[
            "县区",
            "问卷数",
            "政策知晓率",
            "参保人员满意度",
            "待遇领取人员满意度",
        ],
        &[8, 6, 14, 14, 14],
    );
    let rate = |r: &Option<yanglao_ops::evaluation::survey::SurveyRate>| {
        r.as_ref().map_or("—".into(), |r| {
            format!(
                "{:.2}%（{:.2}%–{:.2}%，n={}）",
                r.rate_pct, r.ci_low_pct, r.ci_high_pct, r.answers
            )
        })
    };
    for (c, name) in keys {
        if let Some(s) = surveys.get(c) {
            tq.rows.push(vec![
                name.clone(),
                s.questionnaires.to_string(),
                rate(&s.policy_awareness),
                rate(&s.contributor_satisfaction),
                rate(&s.recipient_satisfaction),
            ]);
        }
    }
    d.table(tq);
}

/// 六、存在的问题: each finding with its details.
fn problems(d: &mut Doc, c: &Chapter<'_, '_>) {
    let findings = c.i.findings;
    d.heading(1, "六、存在的问题");
    if findings.is_empty() {
        d.para("业务数据未显示利息少计、死亡后多发、缴费人数减少、发放延误或预算执行偏离等问题。");
    }
    for (k, f) in findings.iter().enumerate() {
        d.heading(2, format!("（{}）{}", numeral(k), f.title));
        for (key, value) in &f.figures {
            d.fig(key, value.clone());
        }
        for line in &f.detail {
            d.para(line.clone());
        }
        // The evaluator's paragraphs run on after the label.
        let causes = evaluator_text(c.i, &format!("causes.{}", f.kind)).replace('\n', "");
        d.para(format!("出现此类问题的主要原因：{causes}"));
        if let Some(r) = given(c.i, &format!("rectification.{}", f.kind)) {
            d.para(format!("整改情况：{}", r.replace('\n', "")));
        }
    }
}

/// 七、有关建议: （一）a recommendation for each finding; （二）the policy recommendations, from the
/// simulator's three comparisons, each with its table and chart, and the evaluator's advice.
fn recommendations(d: &mut Doc, c: &Chapter<'_, '_>) {
    let findings = c.i.findings;
    d.heading(1, "七、有关建议");
    d.heading(2, "（一）有关建议");
    for (k, f) in findings.iter().enumerate() {
        d.heading(3, format!("{}.针对“{}”", k + 1, f.title));
        d.para(f.recommendation.clone());
    }
    if findings.is_empty() {
        d.para("保持现有做法，继续按月比对死亡信息、按时发放待遇、按协议利率核对利息。");
    }
    policy_advice(d, c);
}

/// Money in yuan for a table: two decimals.
fn yuan_cell(fen: i64) -> String {
    yanglao_domain::format_yuan_grouped(fen)
}

/// A case's label short enough for a chart's axis.
fn short_label(label: &str) -> String {
    label
        .replace(".00 元/年", " 元")
        .replace("补充险 ", "")
        .replace("（细化档次）", "（细化）")
}

/// 七（二）政策建议.
fn policy_advice(d: &mut Doc, c: &Chapter<'_, '_>) {
    d.heading(2, "（二）政策建议");
    let comparisons = match c.i.comparisons {
        Ok(list) => list,
        Err(why) => {
            d.para(format!("政策测算未能完成：{why}"));
            return;
        }
    };
    d.para(format!(
        "{}以下测算由养老政策测算功能按现行政策参数计算（各方案缴费 15 年，预期寿命 {} 岁，贴现率 3%），结论随参数自动得出。",
        evaluator_text(c.i, "advice.intro"),
        yanglao_sim::person::DEFAULT_LIFE_EXPECTANCY
    ));
    for (k, cmp) in comparisons.iter().enumerate() {
        let n = k + 1;
        let heading = match cmp.key.as_str() {
            "same-money" => "比对基本险及“基本险+补充险”",
            "tiers" => "比对补充险不同缴费档次",
            "flexible" => "比对“基本险+补充险”及灵活就业养老保险",
            _ => cmp.title.as_str(),
        };
        d.heading(3, format!("{n}.{heading}"));
        let mut conclusion: Vec<String> = cmp
            .findings
            .iter()
            .map(|f| {
                if f.holds {
                    f.text.clone()
                } else {
                    format!("{}（按现行参数测算，此结论不成立）", f.text)
                }
            })
            .collect();
        if cmp.key == "flexible" {
            conclusion.push(divisor_sentence(c));
        }
        d.para(format!(
            "结论：{}。",
            conclusion.join("；").trim_end_matches('。')
        ));
        let mut tb = t(
            &format!("表 7-{n}"),
            &cmp.title,
            &[
                "测算方案",
                "缴费合计（元）",
                "领取年龄",
                "月领养老金（元）",
                "回本年龄",
                "内部收益率",
            ],
            &[16, 8, 6, 8, 7, 7],
        );
        for r in &cmp.results {
            tb.rows.push(vec![
                r.label.clone(),
                yuan_cell(r.total_contribution_fen),
                format!("{} 岁", r.benefit_age),
                yuan_cell(r.monthly_benefit_fen),
                r.break_even_months
                    .map_or("不回本".into(), yanglao_sim::age_zh),
                r.irr.map_or("—".into(), |x| format!("{:.2}%", x * 100.0)),
            ]);
        }
        d.table(tb);
        if cmp.key == "same-money" {
            let ages: Vec<u32> = (60..=90).step_by(5).collect();
            d.chart(Chart {
                id: format!("图 7-{n}"),
                title: "累计领取养老金随年龄的变化".into(),
                kind: Kind::Lines,
                unit: "元".into(),
                categories: ages.iter().map(|a| format!("{a} 岁")).collect(),
                series: cmp
                    .results
                    .iter()
                    .map(|r| {
                        (
                            r.label.clone(),
                            ages.iter()
                                .map(|a| {
                                    r.cumulative
                                        .iter()
                                        .find(|x| x.age == *a)
                                        .map_or(f64::NAN, |x| x.benefits_fen as f64 / 100.0)
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            });
        } else {
            d.chart(Chart {
                id: format!("图 7-{n}"),
                title: format!("{}：月领养老金", cmp.title),
                kind: Kind::Bars,
                unit: "元".into(),
                categories: cmp.results.iter().map(|r| short_label(&r.label)).collect(),
                series: vec![(
                    "月领养老金".into(),
                    cmp.results
                        .iter()
                        .map(|r| r.monthly_benefit_fen as f64 / 100.0)
                        .collect(),
                )],
            });
        }
        d.para(format!(
            "建议：{}",
            evaluator_text(c.i, &format!("advice.{}", cmp.key)).replace('\n', "")
        ));
    }
}

/// The annuity divisors of the supplementary scheme and of the employees' scheme, as the
/// policies hold them.
fn divisor_sentence(c: &Chapter<'_, '_>) -> String {
    let p = c.i.policies;
    let date = chrono::NaiveDate::from_ymd_opt(c.y + 1, 1, 1).unwrap_or_default();
    let supp = p.supplementary.supplementary(&p.region, date).ok();
    let emp = p.employee.employee(&p.region, date).ok();
    match (supp, emp) {
        (Some(s), Some(e)) => format!(
            "补充险 {} 周岁起领取，个人账户养老金按 {} 个月计发；职工养老保险 60 周岁计发月数为 {} 个月、65 周岁为 {} 个月",
            s.benefit_age,
            s.divisor_at(s.benefit_age),
            e.annuity_divisor(60).unwrap_or_default(),
            e.annuity_divisor(65).unwrap_or_default()
        ),
        _ => "计发月数无法从政策参数取得".into(),
    }
}

/// 附表: how each data metric was computed, with its figures.
fn annex(d: &mut Doc, c: &Chapter<'_, '_>) {
    d.heading(1, "附表");
    let mut tm = t(
        "附表 1",
        "数据指标的计算方法与数据",
        &["数据指标", "完成值", "计算方法与数据"],
        &[12, 8, 36],
    );
    // In the framework's order of metrics (then any other), each by its Chinese name.
    let city = &c.i.measured.city;
    let ordered = yanglao_ops::evaluation::METRICS
        .iter()
        .copied()
        .filter(|k| city.contains_key(*k))
        .chain(
            city.keys()
                .map(String::as_str)
                .filter(|k| !yanglao_ops::evaluation::METRICS.contains(k)),
        );
    for k in ordered {
        let v = &city[k];
        tm.rows.push(vec![
            metric_zh(k).to_string(),
            // The appendix states each metric; table 5-3 must show the same city figures.
            d.fig(&format!("metric.{k}"), v.display.clone()),
            v.note.clone(),
        ]);
    }
    d.table(tm);
    details(d, c);
    if let Some(notes) = given(c.i, "notes") {
        d.heading(1, "说明");
        for line in notes.lines() {
            d.para(line.to_string());
        }
    }
}

/// The annex's detail lists (xlsx only): every interest credit of the year against its
/// agreement, every month paid late, every death paid after, the outreach list.
fn details(d: &mut Doc, c: &Chapter<'_, '_>) {
    let names = &c.i.measured.counties;
    let county = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_string());
    let mask = yanglao_ops::ledger::masked_id;
    let mut ti = t(
        "明细 1",
        &format!("{} 年基金专户结息明细", c.y),
        &[
            "县区",
            "开户银行",
            "账号",
            "计息起日",
            "计息止日",
            "入账日期",
            "实计利息（元）",
            "协议年利率",
            "实际年利率",
            "应计利息（元）",
            "少计利息（元）",
        ],
        &[6, 12, 10, 8, 8, 8, 8, 6, 6, 8, 8],
    );
    for a in c.i.accounts {
        for cr in &a.credits {
            let short = c.i.shortfalls.iter().find(|s| {
                s.account == a.account_no
                    && s.period_start == cr.period_start
                    && s.period_end == cr.period_end
            });
            ti.rows.push(vec![
                county(&a.county),
                a.bank_name.clone(),
                yanglao_ops::ledger::masked_account(&a.account_no),
                cr.period_start.to_string(),
                cr.period_end.to_string(),
                cr.credited_on.to_string(),
                yuan_cell(cr.amount_fen),
                short.map_or(String::new(), |s| format!("{:.2}%", s.agreed_rate)),
                short.map_or(String::new(), |s| format!("{:.2}%", s.applied_rate)),
                short.map_or(String::new(), |s| yuan_cell(s.expected_fen)),
                short.map_or("0.00".into(), |s| yuan_cell(s.shortfall_fen)),
            ]);
        }
    }
    d.details.push(ti);
    let mut tl = t(
        "明细 2",
        &format!("{} 年晚于 15 日发放待遇的月份", c.y),
        &["县区", "月份", "发放情况"],
        &[8, 8, 24],
    );
    for (code, m) in &c.i.measured.by_county {
        if let Some(late) = m.get("late_payroll_months") {
            for item in &late.items {
                let mut parts = item.splitn(3, ' ');
                let (_, month, how) = (parts.next(), parts.next(), parts.next());
                tl.rows.push(vec![
                    county(code),
                    month.unwrap_or_default().to_string(),
                    how.unwrap_or_default().to_string(),
                ]);
            }
        }
    }
    d.details.push(tl);
    let mut td = t(
        "明细 3",
        &format!("{} 年死亡后仍发放待遇人员及追回情况", c.y),
        &[
            "县区",
            "身份证号",
            "死亡日期",
            "立案日期",
            "多发金额（元）",
            "已追回（元）",
            "核销（元）",
            "未追回（元）",
            "状态",
        ],
        &[6, 12, 8, 8, 8, 8, 7, 8, 5],
    );
    for k in c.i.cases {
        td.rows.push(vec![
            county(&k.county),
            mask(&k.citizen_id),
            k.death_date.to_string(),
            k.opened_on.to_string(),
            yuan_cell(k.overpaid_fen),
            yuan_cell(k.recovered_fen),
            yuan_cell(k.written_off_fen),
            yuan_cell(k.outstanding_fen),
            if k.status == "closed" {
                "已结"
            } else {
                "在办"
            }
            .into(),
        ]);
    }
    d.details.push(td);
    let mut to = t(
        "明细 4",
        &format!(
            "基本养老保险参保而未参加补充养老保险人员（{} 年，扩面名单）",
            c.y
        ),
        &[
            "县区",
            "乡镇（街道）",
            "村（社区）",
            "姓名",
            "身份证号",
            "年龄",
            "最近缴费年度",
        ],
        &[6, 10, 10, 6, 12, 5, 7],
    );
    for p in c.i.prospects {
        to.rows.push(vec![
            county(&p.county),
            p.township.clone(),
            p.village.clone(),
            p.name.clone(),
            mask(&p.citizen_id),
            p.age.to_string(),
            p.last_contribution_year
                .map_or("从未缴费".into(), |y| y.to_string()),
        ]);
    }
    d.details.push(to);
}

/// Scores add up: leaves to their groups, groups to their levels, levels to the total; codes are
/// unique.
fn check_scores(d: &mut Doc, fw: &Framework, e: &Evaluation) {
    let mut seen = std::collections::BTreeSet::new();
    for s in &e.indicators {
        if !seen.insert(s.code.clone()) {
            d.problem(format!("指标代码 {} 重复", s.code));
        }
    }
    for g in e.groups.values() {
        let sum: Decimal = e
            .indicators
            .iter()
            .filter(|s| s.parent.as_deref() == Some(g.code.as_str()))
            .filter_map(|s| s.score)
            .sum();
        if sum != g.score {
            d.problem(format!(
                "{} 得分 {} 与其三级指标得分之和 {} 不符",
                g.code,
                fmt2(g.score),
                fmt2(sum)
            ));
        }
    }
    for l in e.levels.values() {
        let children: Vec<&str> = fw.children(&l.code).map(|c| c.code.as_str()).collect();
        let sum: Decimal = children
            .iter()
            .map(|c| {
                e.groups
                    .get(*c)
                    .map(|g| g.score)
                    .or_else(|| {
                        e.indicators
                            .iter()
                            .find(|s| s.code == *c)
                            .and_then(|s| s.score)
                    })
                    .unwrap_or_default()
            })
            .sum();
        if sum != l.score {
            d.problem(format!(
                "{} 得分 {} 与其二级指标得分之和 {} 不符",
                l.code,
                fmt2(l.score),
                fmt2(sum)
            ));
        }
    }
    let sum: Decimal = e.levels.values().map(|l| l.score).sum();
    if sum != e.total {
        d.problem(format!(
            "总分 {} 与一级指标得分之和 {} 不符",
            fmt2(e.total),
            fmt2(sum)
        ));
    }
}
