//! Outputs: tables shared by the xlsx workbook and the HTML page, and SVG line charts. The page
//! is one self-contained file (no scripts, fonts or stylesheets from elsewhere).

use std::fmt::Write as _;
use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatBorder, Workbook};

use crate::compare::Comparison;
use crate::fund::{Projection, YearRow};
use crate::person::PersonResult;
use crate::{age_zh, yuan, Result, SimError};

/// A cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// An amount in fen, shown in yuan.
    Yuan(i64),
    Int(i64),
    /// A fraction shown as a percentage.
    Pct(Option<f64>),
    Num(f64, usize),
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Yuan(f) => yuan(*f),
            Cell::Int(i) => i.to_string(),
            Cell::Pct(Some(x)) => format!("{:.2}%", x * 100.0),
            Cell::Pct(None) => "—".into(),
            Cell::Num(x, d) => format!("{x:.d$}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A line chart: named series of (x, y) points.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<(String, Vec<(f64, f64)>)>,
}

/// Everything one output holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub title: String,
    pub notes: Vec<String>,
    pub findings: Vec<(bool, String)>,
    pub tables: Vec<Table>,
    pub charts: Vec<Chart>,
}

const COLOURS: [&str; 8] = [
    "#1f4e79", "#c00000", "#548235", "#bf8f00", "#7030a0", "#2e75b6", "#ff7f50", "#595959",
];

use yanglao_domain::text::escape_html as esc;

use yanglao_domain::scale::nice_step;

/// Where a chart's values land on the canvas: the plot area and the ranges it shows.
struct Frame {
    left: f64,
    top: f64,
    /// The plot area's width and height.
    pw: f64,
    ph: f64,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    /// The step between the horizontal grid lines.
    ystep: f64,
}

impl Frame {
    /// The frame of chart `c` on a `w` × `h` canvas: the series' extent, the y range rounded out
    /// to whole steps.
    fn of(c: &Chart, w: f64, h: f64) -> Frame {
        let (left, right, top, bottom) = (90.0, 220.0, 40.0, 50.0);
        let pts = c.series.iter().flat_map(|(_, p)| p.iter());
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, 0.0f64, 0.0f64);
        for (x, y) in pts {
            x0 = x0.min(*x);
            x1 = x1.max(*x);
            y0 = y0.min(*y);
            y1 = y1.max(*y);
        }
        if x0 > x1 {
            (x0, x1) = (0.0, 1.0);
        }
        if x1 == x0 {
            x1 = x0 + 1.0;
        }
        if y1 == y0 {
            y1 = y0 + 1.0;
        }
        let ystep = nice_step(y1 - y0, 6.0);
        let (y0, y1) = ((y0 / ystep).floor() * ystep, (y1 / ystep).ceil() * ystep);
        Frame {
            left,
            top,
            pw: w - left - right,
            ph: h - top - bottom,
            x0,
            x1,
            y0,
            y1,
            ystep,
        }
    }

    fn sx(&self, x: f64) -> f64 {
        self.left + (x - self.x0) / (self.x1 - self.x0) * self.pw
    }

    fn sy(&self, y: f64) -> f64 {
        self.top + (self.y1 - y) / (self.y1 - self.y0) * self.ph
    }
}

/// The chart as an SVG element.
pub fn svg(c: &Chart) -> String {
    let (w, h) = (860.0, 420.0);
    let f = Frame::of(c, w, h);
    let (left, top, pw, ph) = (f.left, f.top, f.pw, f.ph);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="sans-serif" font-size="12" role="img" aria-label="{}">"#,
        esc(&c.title)
    );
    let _ = write!(
        s,
        r#"<text x="{}" y="22" font-size="15" font-weight="bold">{}</text>"#,
        left,
        esc(&c.title)
    );
    y_grid(&mut s, &f);
    x_ticks(&mut s, &f);
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        left + pw / 2.0,
        h - 10.0,
        esc(&c.x_label)
    );
    let _ = write!(
        s,
        r#"<text x="16" y="{:.1}" transform="rotate(-90 16 {:.1})" text-anchor="middle">{}</text>"#,
        top + ph / 2.0,
        top + ph / 2.0,
        esc(&c.y_label)
    );
    series_lines(&mut s, c, &f);
    s.push_str("</svg>");
    s
}

/// The horizontal grid lines with their values (the zero line black).
fn y_grid(s: &mut String, f: &Frame) {
    let (left, pw, ystep) = (f.left, f.pw, f.ystep);
    let mut y = f.y0;
    while y <= f.y1 + ystep / 2.0 {
        let py = f.sy(y);
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="{}" stroke-width="1"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            left + pw,
            if y.abs() < ystep / 2.0 {
                "#000"
            } else {
                "#ddd"
            },
            left - 6.0,
            py + 4.0,
            esc(&format_axis(y))
        );
        y += ystep;
    }
}

/// The ticks along the x axis with their values.
fn x_ticks(s: &mut String, f: &Frame) {
    let (top, ph) = (f.top, f.ph);
    let xstep = nice_step(f.x1 - f.x0, 10.0).max(1.0);
    let mut x = (f.x0 / xstep).ceil() * xstep;
    while x <= f.x1 + 1e-9 {
        let px = f.sx(x);
        let _ = write!(
            s,
            r##"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="#000"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            top + ph,
            top + ph + 5.0,
            top + ph + 18.0,
            x
        );
        x += xstep;
    }
}

/// Each series as a line, and its entry in the legend on the right.
fn series_lines(s: &mut String, c: &Chart, f: &Frame) {
    let (left, top, pw) = (f.left, f.top, f.pw);
    for (i, (name, points)) in c.series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", f.sx(*x), f.sy(*y)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
            path.join(" ")
        );
        let ly = top + 10.0 + i as f64 * 18.0;
        let _ = write!(
            s,
            r#"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="3"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            left + pw + 10.0,
            left + pw + 30.0,
            left + pw + 36.0,
            ly + 4.0,
            esc(name)
        );
    }
}

fn format_axis(y: f64) -> String {
    if y.abs() >= 1e8 {
        format!("{:.1}亿", y / 1e8)
    } else if y.abs() >= 1e4 {
        format!("{:.1}万", y / 1e4)
    } else {
        format!("{y:.0}")
    }
}

/// The page as one self-contained HTML file.
pub fn html(p: &Page) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}</title><style>body{{font-family:sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse;margin:1em 0}}th,td{{border:1px solid #999;padding:4px 8px;font-size:13px}}td.n{{text-align:right}}th{{background:#eef}}.no{{color:#c00000}}</style></head><body>\n<h1>{}</h1>\n",
        esc(&p.title),
        esc(&p.title)
    );
    for n in &p.notes {
        let _ = writeln!(s, "<p>{}</p>", esc(n));
    }
    if !p.findings.is_empty() {
        s.push_str("<h2>结论</h2><ol>\n");
        for (holds, f) in &p.findings {
            let _ = writeln!(
                s,
                "<li{}>{}{}</li>",
                if *holds { "" } else { " class=\"no\"" },
                esc(f),
                if *holds {
                    ""
                } else {
                    "（测算结果不支持此结论）"
                }
            );
        }
        s.push_str("</ol>\n");
    }
    for c in &p.charts {
        let _ = writeln!(s, "<figure>{}</figure>", svg(c));
    }
    for t in &p.tables {
        let _ = write!(s, "<h2>{}</h2><table><tr>", esc(&t.title));
        for h in &t.header {
            let _ = write!(s, "<th>{}</th>", esc(h));
        }
        s.push_str("</tr>\n");
        for r in &t.rows {
            s.push_str("<tr>");
            for c in r {
                let class = if matches!(c, Cell::Text(_)) {
                    ""
                } else {
                    " class=\"n\""
                };
                let _ = write!(s, "<td{class}>{}</td>", esc(&c.text()));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table>\n");
    }
    s.push_str("</body></html>\n");
    s
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> SimError {
    SimError::new("E-SIM-WRITE", format!("写出 xlsx 失败：{e}"))
}

/// The page as an xlsx workbook: the notes and findings on the first sheet, a sheet per table.
/// The same page gives the same bytes.
pub fn xlsx(p: &Page, path: &Path) -> Result<()> {
    let mut wb = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2021, 1, 1).map_err(xlsx_err)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(&p.title)
            .set_creation_datetime(&fixed),
    );
    let bold = Format::new().set_bold();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_text_wrap();
    let cell = Format::new().set_border(FormatBorder::Thin);
    let money = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0.00");
    let pct = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.00%");
    let int = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0");
    let ws = wb.add_worksheet();
    ws.set_name("说明").map_err(xlsx_err)?;
    ws.set_column_width(0, 120).map_err(xlsx_err)?;
    ws.write_string_with_format(0, 0, &p.title, &bold)
        .map_err(xlsx_err)?;
    let mut row = 2;
    for n in &p.notes {
        ws.write_string(row, 0, n).map_err(xlsx_err)?;
        row += 1;
    }
    if !p.findings.is_empty() {
        row += 1;
        ws.write_string_with_format(row, 0, "结论", &bold)
            .map_err(xlsx_err)?;
        row += 1;
        for (i, (holds, f)) in p.findings.iter().enumerate() {
            let text = format!(
                "{}. {f}{}",
                i + 1,
                if *holds {
                    ""
                } else {
                    "（测算结果不支持此结论）"
                }
            );
            ws.write_string(row, 0, text).map_err(xlsx_err)?;
            row += 1;
        }
    }
    for (i, t) in p.tables.iter().enumerate() {
        let ws = wb.add_worksheet();
        let name: String = format!("{} {}", i + 1, t.title)
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        ws.set_name(name.trim()).map_err(xlsx_err)?;
        ws.write_string_with_format(0, 0, &t.title, &bold)
            .map_err(xlsx_err)?;
        for (c, h) in t.header.iter().enumerate() {
            ws.write_string_with_format(1, c as u16, h, &head)
                .map_err(xlsx_err)?;
            ws.set_column_width(c as u16, if c == 0 { 36 } else { 16 })
                .map_err(xlsx_err)?;
        }
        for (r, cells) in t.rows.iter().enumerate() {
            let r = r as u32 + 2;
            for (c, v) in cells.iter().enumerate() {
                let c = c as u16;
                match v {
                    Cell::Text(s) => ws.write_string_with_format(r, c, s, &cell),
                    Cell::Yuan(f) => ws.write_number_with_format(r, c, *f as f64 / 100.0, &money),
                    Cell::Int(i) => ws.write_number_with_format(r, c, *i as f64, &int),
                    Cell::Pct(Some(x)) => ws.write_number_with_format(r, c, *x, &pct),
                    Cell::Pct(None) => ws.write_string_with_format(r, c, "—", &cell),
                    Cell::Num(x, _) => ws.write_number_with_format(r, c, *x, &cell),
                }
                .map_err(xlsx_err)?;
            }
        }
        ws.set_freeze_panes(2, 1).map_err(xlsx_err)?;
    }
    wb.save(path).map_err(xlsx_err)
}

/// The summary table of results side by side.
pub fn results_table(results: &[PersonResult]) -> Table {
    let header = [
        "方案",
        "缴费档次",
        "开始缴费年龄",
        "缴费年限",
        "个人缴费合计（元）",
        "政府缴费补贴合计（元）",
        "领取时账户余额（元）",
        "领取年龄",
        "月领取额（元）",
        "回本年龄",
        "内部收益率",
        "待遇现值（元）",
        "缴费现值（元）",
        "净现值（元）",
        "预期领取总额（元）",
        "身故时可继承余额（元）",
    ];
    Table {
        title: "测算结果".into(),
        header: header.iter().map(|s| s.to_string()).collect(),
        rows: results
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.label.clone()),
                    Cell::Text(
                        r.parts
                            .iter()
                            .map(|p| p.tier_label.clone())
                            .collect::<Vec<_>>()
                            .join(" + "),
                    ),
                    Cell::Int(i64::from(r.start_age)),
                    Cell::Int(i64::from(r.years)),
                    Cell::Yuan(r.total_contribution_fen),
                    Cell::Yuan(r.total_subsidy_fen),
                    Cell::Yuan(r.account_balance_at_benefit_age_fen),
                    Cell::Text(
                        r.parts
                            .iter()
                            .map(|p| p.benefit_age.to_string())
                            .collect::<Vec<_>>()
                            .join(" / "),
                    ),
                    Cell::Yuan(r.monthly_benefit_fen),
                    Cell::Text(r.break_even_months.map_or("不回本".into(), age_zh)),
                    Cell::Pct(r.irr),
                    Cell::Yuan(r.present_value_benefits_fen),
                    Cell::Yuan(r.present_value_contributions_fen),
                    Cell::Yuan(r.net_present_value_fen),
                    Cell::Yuan(r.lifetime_benefits_fen),
                    Cell::Yuan(r.inheritable_at_death_fen),
                ]
            })
            .collect(),
    }
}

fn components_table(results: &[PersonResult]) -> Table {
    let mut rows = Vec::new();
    for r in results {
        for p in &r.parts {
            for c in &p.components {
                rows.push(vec![
                    Cell::Text(r.label.clone()),
                    Cell::Text(p.scheme_zh.into()),
                    Cell::Int(i64::from(p.benefit_age)),
                    Cell::Int(i64::from(p.divisor)),
                    Cell::Text(c.name.clone()),
                    Cell::Yuan(c.monthly_fen),
                ]);
            }
        }
    }
    Table {
        title: "月待遇构成".into(),
        header: ["方案", "险种", "领取年龄", "计发月数", "项目", "每月（元）"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
    }
}

fn cumulative_table(results: &[PersonResult]) -> Table {
    let mut header = vec!["年龄".to_string()];
    for r in results {
        header.push(format!("{}：累计缴费", r.label));
        header.push(format!("{}：累计领取", r.label));
        header.push(format!("{}：累计净收益", r.label));
    }
    let ages: Vec<u32> = results
        .first()
        .map(|r| r.cumulative.iter().map(|x| x.age).collect())
        .unwrap_or_default();
    let rows = ages
        .iter()
        .map(|age| {
            let mut row = vec![Cell::Int(i64::from(*age))];
            for r in results {
                match r.cumulative.iter().find(|x| x.age == *age) {
                    Some(x) => row.extend([
                        Cell::Yuan(x.contributions_fen),
                        Cell::Yuan(x.benefits_fen),
                        Cell::Yuan(x.net_fen),
                    ]),
                    None => row.extend([
                        Cell::Text(String::new()),
                        Cell::Text(String::new()),
                        Cell::Text(String::new()),
                    ]),
                }
            }
            row
        })
        .collect();
    Table {
        title: "按年龄累计".into(),
        header,
        rows,
    }
}

fn net_chart(results: &[PersonResult]) -> Chart {
    Chart {
        title: "累计净收益（累计领取 − 累计缴费）".into(),
        x_label: "年龄（岁，年末）".into(),
        y_label: "元".into(),
        series: results
            .iter()
            .map(|r| {
                (
                    r.label.clone(),
                    r.cumulative
                        .iter()
                        .map(|x| (f64::from(x.age), x.net_fen as f64 / 100.0))
                        .collect(),
                )
            })
            .collect(),
    }
}

/// A page for results side by side (one person, or a comparison).
pub fn results_page(title: &str, notes: Vec<String>, c: &Comparison) -> Page {
    Page {
        title: title.to_string(),
        notes,
        findings: c
            .findings
            .iter()
            .map(|f| (f.holds, f.text.clone()))
            .collect(),
        tables: vec![
            results_table(&c.results),
            components_table(&c.results),
            cumulative_table(&c.results),
        ],
        charts: vec![net_chart(&c.results)],
    }
}

fn fund_table(p: &Projection) -> Table {
    let header = [
        "年度",
        "领取年龄",
        "参保人数",
        "缴费人数",
        "领取人数",
        "新增领取",
        "死亡",
        "个人缴费",
        "政府代缴",
        "缴费补贴",
        "待遇补贴（收入）",
        "丧葬补助（收入）",
        "银行利息",
        "补缴",
        "收入合计",
        "个人账户养老金",
        "其中账户用尽后支付",
        "待遇补贴",
        "丧葬补助金",
        "继承支付",
        "支出合计",
        "省级补贴",
        "市级补贴",
        "县级补贴",
        "记账利息（统筹转入个人账户）",
        "年末滚存结余",
        "其中个人账户",
        "其中应付继承人",
        "统筹部分",
    ];
    let row = |r: &YearRow| {
        vec![
            Cell::Int(i64::from(r.year)),
            Cell::Int(i64::from(r.benefit_age)),
            Cell::Int(r.insured),
            Cell::Int(r.contributors),
            Cell::Int(r.recipients),
            Cell::Int(r.new_recipients),
            Cell::Int(r.deaths),
            Cell::Yuan(r.income_personal_fen),
            Cell::Yuan(r.income_government_paid_fen),
            Cell::Yuan(r.income_entry_subsidy_fen),
            Cell::Yuan(r.income_exit_subsidy_fen),
            Cell::Yuan(r.income_funeral_subsidy_fen),
            Cell::Yuan(r.income_interest_fen),
            Cell::Yuan(r.income_back_pay_fen),
            Cell::Yuan(r.income_total_fen),
            Cell::Yuan(r.spend_account_pension_fen),
            Cell::Yuan(r.spend_beyond_account_fen),
            Cell::Yuan(r.spend_exit_subsidy_fen),
            Cell::Yuan(r.spend_funeral_fen),
            Cell::Yuan(r.spend_inheritance_fen),
            Cell::Yuan(r.spend_total_fen),
            Cell::Yuan(r.subsidies.province_fen),
            Cell::Yuan(r.subsidies.city_fen),
            Cell::Yuan(r.subsidies.county_fen),
            Cell::Yuan(r.credited_interest_fen),
            Cell::Yuan(r.balance_fen),
            Cell::Yuan(r.accounts_fen),
            Cell::Yuan(r.owed_fen),
            Cell::Yuan(r.pool_fen),
        ]
    };
    Table {
        title: format!("基金预测：{}", p.label),
        header: header.iter().map(|s| s.to_string()).collect(),
        rows: p.rows.iter().map(row).collect(),
    }
}

/// A page for the fund's projection, with and without a reform.
pub fn fund_page(title: &str, notes: Vec<String>, projections: &[Projection]) -> Page {
    let series = |f: fn(&YearRow) -> i64, what: &str| -> Vec<(String, Vec<(f64, f64)>)> {
        projections
            .iter()
            .map(|p| {
                (
                    format!("{}：{what}", p.label),
                    p.rows
                        .iter()
                        .map(|r| (f64::from(r.year), f(r) as f64 / 100.0))
                        .collect(),
                )
            })
            .collect()
    };
    let mut balance = series(|r| r.balance_fen, "滚存结余");
    balance.extend(series(|r| r.pool_fen, "统筹部分"));
    let mut flows = series(|r| r.income_total_fen, "收入");
    flows.extend(series(|r| r.spend_total_fen, "支出"));
    let people: Vec<(String, Vec<(f64, f64)>)> = projections
        .iter()
        .flat_map(|p| {
            [
                (
                    format!("{}：缴费人数", p.label),
                    p.rows
                        .iter()
                        .map(|r| (f64::from(r.year), r.contributors as f64))
                        .collect(),
                ),
                (
                    format!("{}：领取人数", p.label),
                    p.rows
                        .iter()
                        .map(|r| (f64::from(r.year), r.recipients as f64))
                        .collect(),
                ),
            ]
        })
        .collect();
    Page {
        title: title.to_string(),
        notes,
        findings: projections
            .iter()
            .flat_map(|p| {
                p.findings
                    .iter()
                    .map(|f| (true, format!("{}：{f}", p.label)))
            })
            .collect(),
        tables: projections.iter().map(fund_table).collect(),
        charts: vec![
            Chart {
                title: "基金滚存结余与统筹部分".into(),
                x_label: "年度".into(),
                y_label: "元".into(),
                series: balance,
            },
            Chart {
                title: "基金收入与支出".into(),
                x_label: "年度".into(),
                y_label: "元".into(),
                series: flows,
            },
            Chart {
                title: "缴费人数与领取人数".into(),
                x_label: "年度".into(),
                y_label: "人".into(),
                series: people,
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mortality::Mortality;
    use crate::Policies;

    #[test]
    fn every_row_has_a_cell_per_column_and_the_chart_is_well_formed() {
        let p = Policies::shipped("140300");
        let a = crate::person::Assumptions::default();
        let c = crate::compare::same_money(&p, &a, 2026).unwrap();
        let page = results_page("t", vec![], &c);
        for t in &page.tables {
            assert!(
                t.rows.iter().all(|r| r.len() == t.header.len()),
                "{}",
                t.title
            );
        }
        let s = crate::fund::Snapshot {
            base_year: 2023,
            insured: vec![crate::fund::Insured {
                id: 1,
                birth: chrono::NaiveDate::from_ymd_opt(1973, 5, 1).unwrap(),
                sex: crate::mortality::Sex::Male,
                balance_fen: 10_000,
                years: 3,
                paid_fen: 20_000,
                government_paid: false,
                contributed_before: Some(true),
            }],
            recipients: vec![],
            fund_balance_fen: 10_000,
            opening_fen: 5_000,
            bank_interest_fen: 100,
            owed_fen: 0,
            heirs_paid_fen: 0,
            pool: crate::fund::PoolAccounts::default(),
        };
        let pr = crate::fund::project(
            &p,
            &s,
            &Mortality::illustrative(),
            &crate::fund::Options::new(3, "x"),
        )
        .unwrap();
        let t = fund_table(&pr);
        assert!(t.rows.iter().all(|r| r.len() == t.header.len()));
        let svg = svg(&page.charts[0]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches('<').count(), svg.matches('>').count());
        // Names are escaped.
        let odd = Chart {
            title: "a<b&c".into(),
            x_label: String::new(),
            y_label: String::new(),
            series: vec![],
        };
        assert!(svg_contains_escaped(&super::svg(&odd)));
    }

    fn svg_contains_escaped(s: &str) -> bool {
        s.contains("a&lt;b&amp;c") && !s.contains("a<b")
    }
}
