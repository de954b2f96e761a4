//! The dashboard (工作台), the first page after sign-in, for every role: this month's payroll in
//! each of the account's counties with the days left to the 15th and what blocks it (no payroll
//! yet, a draft waiting for its reviewer, anomalies, records awaiting review, lines the bank
//! returned), open recovery cases; contributors and recipients by county and year, payroll
//! timeliness by month and the fund's balance by year, each as a chart drawn by the server with
//! its numbers in a table beside it. For the city-wide roles, also the interest shortfalls and
//! budget execution. Every alert links to the page that resolves it.

use crate::auth::Signed;
use crate::errors::WebError;
use crate::pages::{render, Chrome};
use crate::state::State;
use askama::Template;
use axum::extract::State as AxState;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use yanglao_domain::{format_yuan_grouped, Month};
use yanglao_ops::access::{allowed, county_label, Action, Role};
use yanglao_ops::reads::{self, TrendYear};
use yanglao_sim::output::{self as out, Chart};

type Shared = AxState<Arc<State>>;

use crate::state::Trends;

fn read_trends(ctx: &mut yanglao_ops::Ctx, year: i32, month: Month) -> Result<Trends, WebError> {
    let years: Vec<i32> = (year - 2..=year).collect();
    let rows = reads::trend(ctx, year - 2, year)?;
    let mut balances = Vec::new();
    for y in &years {
        // An account of several counties has no one statement; it sees none.
        if let Ok(s) = yanglao_ops::books::fund::statement(ctx, *y, None) {
            balances.push((*y, s.closing_fen));
        }
    }
    let shortfalls = yanglao_ops::books::bank::interest_check(ctx, year).unwrap_or_default();
    let budget = if ctx.actor.all_counties() {
        yanglao_ops::books::budget::execution(ctx, year, 0.9)
            .ok()
            .filter(|e| !e.lines.is_empty())
            .map(|e| {
                (
                    e.total.budget_fen,
                    e.total.spent_fen,
                    e.total.execution_rate,
                )
            })
    } else {
        None
    };
    let certifications = yanglao_ops::deaths::certification::due(ctx, month, 2)?;
    Ok(Trends {
        month,
        certifications,
        years,
        rows,
        balances,
        shortfall_fen: shortfalls.iter().map(|s| s.shortfall_fen).sum(),
        shortfalls: shortfalls.iter().filter(|s| s.shortfall_fen > 0).count(),
        budget,
    })
}

/// An alert: what needs doing, where to do it, how urgent.
pub struct Alert {
    pub text: String,
    pub href: String,
    pub urgency: &'static str,
}

pub struct MonthRow {
    pub county: String,
    pub state: String,
    pub deadline: String,
    pub when: String,
    pub urgency: &'static str,
    pub href: String,
}

/// A chart with the numbers it draws.
pub struct Figure {
    pub svg: String,
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    month: String,
    alerts: Vec<Alert>,
    payrolls: Vec<MonthRow>,
    figures: Vec<Figure>,
    facts: Vec<(String, String)>,
}

/// A chart of one value by county over `xs`, with its table (one row per county).
fn by_county_figure(
    title: &str,
    x_label: &str,
    y_label: &str,
    xs: &[(f64, String)],
    series: Vec<(String, Vec<Option<f64>>)>,
    fmt: &dyn Fn(f64) -> String,
) -> Figure {
    let chart = Chart {
        title: title.to_string(),
        x_label: x_label.to_string(),
        y_label: y_label.to_string(),
        series: series
            .iter()
            .map(|(name, ys)| {
                (
                    name.clone(),
                    xs.iter()
                        .zip(ys)
                        .filter_map(|((x, _), y)| y.map(|y| (*x, y)))
                        .collect(),
                )
            })
            .collect(),
    };
    let mut header = vec!["县区".to_string()];
    header.extend(xs.iter().map(|(_, l)| l.clone()));
    // A line needs two points: with fewer, the table alone says it.
    let drawable = chart.series.iter().any(|(_, p)| p.len() >= 2);
    Figure {
        svg: if drawable {
            out::svg(&chart)
        } else {
            String::new()
        },
        title: title.to_string(),
        header,
        rows: series
            .iter()
            .map(|(name, ys)| {
                let mut r = vec![name.clone()];
                r.extend(ys.iter().map(|y| y.map_or("—".into(), fmt)));
                r
            })
            .collect(),
    }
}

/// What needs the account this month, each with the page that resolves it.
fn alerts(
    actor: &yanglao_ops::Actor,
    month: Month,
    statuses: &[yanglao_ops::payroll::CountyStatus],
    anomalies: &[(String, i64, usize)],
    waiting: &reads::Waiting,
    trends: &Trends,
) -> Vec<Alert> {
    let year = trends.years.last().copied().unwrap_or_default();
    let role = actor.role;
    let works = allowed(role, Action::Payroll);
    let approves = allowed(role, Action::ApprovePayroll);
    let mut alerts = Vec::new();
    let month_href = format!("/payroll?month={month}");
    for s in statuses {
        let county = county_label(&s.county);
        let urgency = if s.days_left < 0 {
            "urgent"
        } else if s.days_left <= 3 {
            "soon"
        } else {
            ""
        };
        let text = match s.state.as_str() {
            "not_started" if works => Some(format!(
                "{county}：本月发放批次尚未生成，距 {} 的发放期限还有 {} 天",
                s.deadline, s.days_left
            )),
            "draft" if approves => Some(format!(
                "{county}：发放批次 {} 待审核",
                s.payroll_id.unwrap_or_default()
            )),
            "draft" if works => Some(format!(
                "{county}：发放批次 {} 待审核员审核",
                s.payroll_id.unwrap_or_default()
            )),
            "approved" if works => Some(format!(
                "{county}：发放批次 {} 已审核，待导出银行代发文件",
                s.payroll_id.unwrap_or_default()
            )),
            "exported" if works => Some(format!(
                "{county}：发放批次 {} 已导出，待导入银行回盘",
                s.payroll_id.unwrap_or_default()
            )),
            _ => None,
        };
        if let Some(text) = text {
            alerts.push(Alert {
                text,
                href: match s.payroll_id {
                    Some(id) => format!("/payroll/{id}"),
                    None => month_href.clone(),
                },
                urgency: if s.state == "not_started" || s.days_left < 0 {
                    urgency
                } else {
                    ""
                },
            });
        }
    }
    for (county, id, n) in anomalies {
        alerts.push(Alert {
            text: format!(
                "{}：发放批次 {id} 有 {n} 项异常待处理",
                county_label(county)
            ),
            href: format!("/payroll/{id}"),
            urgency: "soon",
        });
    }
    if waiting.death_reviews > 0 && (works || approves) {
        alerts.push(Alert {
            text: format!("{} 条死亡信息待人工核对", waiting.death_reviews),
            href: "/deaths".into(),
            urgency: "soon",
        });
    }
    if waiting.failed_lines > 0 && works {
        alerts.push(Alert {
            text: format!("{} 笔待遇被银行退回，待生成补发批次", waiting.failed_lines),
            href: month_href.clone(),
            urgency: "soon",
        });
    }
    for d in &trends.certifications {
        let county = county_label(&d.county);
        if d.left_out > 0 && (works || approves) {
            alerts.push(Alert {
                text: format!(
                    "{county}：{} 名领取人员超过期限未资格认证，本月暂不发放；导入认证后下次发放补发",
                    d.left_out
                ),
                href: "/imports?kind=certifications".into(),
                urgency: "soon",
            });
        }
        if d.falling_due > 0 && (works || approves) {
            alerts.push(Alert {
                text: format!(
                    "{county}：{} 名领取人员的资格认证将在两个月内到期",
                    d.falling_due
                ),
                href: "/imports?kind=certifications".into(),
                urgency: "",
            });
        }
    }
    if waiting.open_cases > 0 && role != Role::Evaluator {
        alerts.push(Alert {
            text: format!("{} 件多领冒领追回案件在办", waiting.open_cases),
            href: "/recovery".into(),
            urgency: "",
        });
    }
    let data_year = trends.years.last().copied().unwrap_or(year);
    if trends.shortfalls > 0 && actor.all_counties() {
        alerts.push(Alert {
            text: format!(
                "{data_year} 年有 {} 笔存款结息低于协议利率，少计利息 {} 元",
                trends.shortfalls,
                format_yuan_grouped(trends.shortfall_fen)
            ),
            href: format!("/fund?year={data_year}"),
            urgency: "soon",
        });
    }
    alerts
}

/// The charts, each with the numbers it draws.
fn figures(
    actor: &yanglao_ops::Actor,
    statuses: &[yanglao_ops::payroll::CountyStatus],
    paid: &[(String, Month, Option<chrono::NaiveDate>)],
    trends: &Trends,
) -> Vec<Figure> {
    use chrono::Datelike;
    // The charts.
    let counties: Vec<String> = {
        let mut c: Vec<String> = trends.rows.iter().map(|r| r.county.clone()).collect();
        c.extend(statuses.iter().map(|s| s.county.clone()));
        c.sort();
        c.dedup();
        c
    };
    let xs: Vec<(f64, String)> = trends
        .years
        .iter()
        .map(|y| (f64::from(*y), format!("{y}年")))
        .collect();
    let value = |c: &str, y: i32, f: &dyn Fn(&TrendYear) -> i64| {
        trends
            .rows
            .iter()
            .find(|r| r.county == c && r.year == y)
            .map(|r| f(r) as f64)
    };
    let count = |x: f64| format!("{}", x as i64);
    let mut figures = Vec::new();
    for (title, f) in [
        (
            "缴费人数（按县区、年度）",
            (&|r: &TrendYear| r.contributors) as &dyn Fn(&TrendYear) -> i64,
        ),
        ("领取待遇人数（年末）", &|r: &TrendYear| {
            r.recipients
        }),
    ] {
        figures.push(by_county_figure(
            title,
            "年度",
            "人数",
            &xs,
            counties
                .iter()
                .map(|c| {
                    (
                        county_label(c),
                        trends.years.iter().map(|y| value(c, *y, f)).collect(),
                    )
                })
                .collect(),
            &count,
        ));
    }
    // Payroll timeliness: the day of the month each regular payroll was paid.
    let months: Vec<Month> = {
        let mut m: Vec<Month> = paid.iter().map(|p| p.1).collect();
        m.sort();
        m.dedup();
        m
    };
    if !months.is_empty() {
        let xs: Vec<(f64, String)> = months
            .iter()
            .enumerate()
            .map(|(i, m)| (i as f64 + 1.0, crate::payroll::month_zh(*m)))
            .collect();
        let series = counties
            .iter()
            .map(|c| {
                (
                    county_label(c),
                    months
                        .iter()
                        .map(|m| {
                            paid.iter()
                                .find(|p| &p.0 == c && p.1 == *m)
                                .and_then(|p| p.2)
                                .map(|d| f64::from(d.day()))
                        })
                        .collect(),
                )
            })
            .collect();
        let mut f = by_county_figure(
            "每月待遇到账日（15 日为期限）",
            "月份（自左至右为近 12 个月）",
            "到账日",
            &xs,
            series,
            &|d| format!("{} 日", d as i64),
        );
        f.title = "每月待遇到账日（15 日为期限；空白为尚未发放）".into();
        figures.push(f);
    }
    if !trends.balances.is_empty() {
        let xs: Vec<(f64, String)> = trends
            .balances
            .iter()
            .map(|(y, _)| (f64::from(*y), format!("{y}年")))
            .collect();
        let scope = if actor.all_counties() {
            "全市".to_string()
        } else {
            actor
                .counties
                .first()
                .map(|c| county_label(c))
                .unwrap_or_default()
        };
        figures.push(by_county_figure(
            "基金年末滚存结余（万元）",
            "年度",
            "万元",
            &xs,
            vec![(
                scope,
                trends
                    .balances
                    .iter()
                    .map(|(_, b)| Some(*b as f64 / 1_000_000.0))
                    .collect(),
            )],
            &|v| format!("{v:.2}"),
        ));
    }
    figures
}

/// The year's totals beside the month's table.
fn facts(trends: &Trends) -> Vec<(String, String)> {
    let data_year = trends.years.last().copied().unwrap_or_default();
    let mut facts = Vec::new();
    if let Some((_, b)) = trends.balances.last() {
        facts.push((
            format!("{} 年末基金滚存结余", data_year),
            format!("{} 元", format_yuan_grouped(*b)),
        ));
    }
    if let Some((budget, spent, rate)) = trends.budget {
        facts.push((
            format!("{data_year} 年补贴预算执行"),
            format!(
                "预算 {} 元，支出 {} 元，执行率 {}",
                format_yuan_grouped(budget),
                format_yuan_grouped(spent),
                rate.map_or("—".into(), |r| format!("{:.2}%", r * 100.0))
            ),
        ));
    }
    facts
}

pub async fn home(AxState(state): Shared, signed: Signed) -> Result<Response, WebError> {
    use chrono::Datelike;
    let actor = signed.actor();
    let today = chrono::Local::now().date_naive();
    let month = Month::of(today);
    let year = today.year();
    let key = actor.counties.join(",");
    let cached = state.trends.lock().ok().and_then(|m| m.get(&key).cloned());
    let (statuses, waiting, anomalies, paid, trends) = state
        .with_ctx(actor.clone(), signed.from.address.to_string(), move |ctx| {
            let statuses = yanglao_ops::payroll::status(ctx, month, today)?;
            let waiting = reads::waiting(ctx)?;
            let mut anomalies = Vec::new();
            for s in &statuses {
                if let (Some(id), "draft" | "approved") = (s.payroll_id, s.state.as_str()) {
                    let n = yanglao_ops::payroll::check(
                        ctx,
                        id,
                        yanglao_ops::payroll::DEFAULT_THRESHOLD_PCT,
                    )?
                    .len();
                    if n > 0 {
                        anomalies.push((s.county.clone(), id, n));
                    }
                }
            }
            // The charts end at the latest data (this year's, on a live system): the last twelve
            // regular payrolls, and the last three years with contributions or payrolls.
            let since = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).expect("valid");
            let mut paid = reads::paid_dates(ctx, Month::of(since))?;
            let latest = paid.iter().map(|p| p.1).max();
            if let Some(l) = latest {
                let first = l.first_day() - chrono::Months::new(11);
                paid.retain(|p| p.1.first_day() >= first);
            }
            let data_year = yanglao_ops::books::projection::last_contribution_year(ctx)?
                .max(latest.map(|m| m.first_day().year()))
                .unwrap_or(year)
                .min(year);
            let version = ctx.db.read_transaction(|tx| tx.version())?;
            let trends = match cached {
                Some((v, t))
                    if v == version && t.years.last() == Some(&data_year) && t.month == month =>
                {
                    t
                }
                _ => Arc::new(read_trends(ctx, data_year, month)?),
            };
            Ok((statuses, waiting, anomalies, paid, (version, trends)))
        })
        .await?;
    let (version, trends) = trends;
    if let Ok(mut m) = state.trends.lock() {
        m.insert(key, (version, trends.clone()));
    }
    let month_href = format!("/payroll?month={month}");
    let alerts = alerts(&actor, month, &statuses, &anomalies, &waiting, &trends);
    let payrolls = statuses
        .iter()
        .map(|s| MonthRow {
            county: county_label(&s.county),
            state: yanglao_ops::payroll::status_zh(&s.state).to_string(),
            deadline: s.deadline.to_string(),
            when: crate::payroll::progress(s).0,
            urgency: crate::payroll::progress(s).1,
            href: match s.payroll_id {
                Some(id) => format!("/payroll/{id}"),
                None => month_href.clone(),
            },
        })
        .collect();
    let figures = figures(&actor, &statuses, &paid, &trends);
    let facts = facts(&trends);
    let page = HomePage {
        chrome: Chrome::of(&signed),
        month: crate::payroll::month_zh(month),
        alerts,
        payrolls,
        figures,
        facts,
    };
    Ok(render(&page)?.into_response())
}
