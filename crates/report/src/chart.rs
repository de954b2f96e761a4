//! The report's charts: a chart's data ([`Chart`]), its layout as marks on a canvas ([`layout`]),
//! which the HTML (as SVG) and the PDF draw alike, and the Word file's native chart of the same
//! data (in the Word writer), so that every format shows the same chart.

use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Clustered columns: one group per category, one column per series.
    Bars,
    /// One line per series across the categories.
    Lines,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// "图 5-1".
    pub id: String,
    pub title: String,
    pub kind: Kind,
    /// What the values count: "人", "万元", "个".
    pub unit: String,
    pub categories: Vec<String>,
    /// Each series: its name and one value per category.
    pub series: Vec<(String, Vec<f64>)>,
}

impl Chart {
    /// Whether there is anything to draw (some category, some value not zero).
    pub fn drawable(&self) -> bool {
        !self.categories.is_empty()
            && self
                .series
                .iter()
                .any(|(_, v)| v.iter().any(|x| x.is_finite() && *x != 0.0))
    }
}

/// The series' colours, dark enough to print in grey.
pub const COLOURS: [(u8, u8, u8); 6] = [
    (0x1f, 0x4e, 0x79),
    (0xc5, 0x5a, 0x11),
    (0x54, 0x82, 0x35),
    (0x7f, 0x60, 0x00),
    (0x70, 0x30, 0xa0),
    (0x59, 0x59, 0x59),
];

pub fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("{r:02X}{g:02X}{b:02X}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// What a chart is drawn with, on a canvas with its origin at the top left.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: (u8, u8, u8),
    },
    Line {
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        stroke: (u8, u8, u8),
        width: f64,
    },
    Polyline {
        points: Vec<(f64, f64)>,
        stroke: (u8, u8, u8),
        width: f64,
    },
    /// Text whose baseline is at `y`.
    Text {
        x: f64,
        y: f64,
        size: f64,
        anchor: Anchor,
        text: String,
    },
}

/// The canvas every chart is laid out on (the PDF scales it to the text width).
pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 320.0;

use yanglao_domain::scale::nice_step;

/// An axis value: whole numbers with thousands separators, or with as many decimals as the
/// step needs.
fn axis_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    group(&format!("{v:.decimals$}"))
}

/// A value above its column: at most two decimals, trailing zeros dropped.
pub fn value_label(v: f64) -> String {
    let s = if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    group(&s)
}

/// Thousands separators in the integer part.
fn group(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("\u{2212}", r));
    let (int, frac) = rest.split_once('.').map_or((rest, ""), |(a, b)| (a, b));
    let mut out = String::new();
    for (k, ch) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    format!("{sign}{out}")
}

/// The chart laid out on the [`WIDTH`] × [`HEIGHT`] canvas: the legend on top, the value axis
/// with its unit on the left, grid lines, the columns or lines, the categories underneath.
pub fn layout(c: &Chart) -> Vec<Mark> {
    let mut m = Vec::new();
    // Category labels wider than their band run over two or three lines.
    let n = c.categories.len().max(1) as f64;
    // A line holds about this many ems (Latin letters and digits are half an em).
    let per_line = ((WIDTH - 86.0) / n / 12.5).max(2.0);
    let label_lines: Vec<Vec<String>> = c
        .categories
        .iter()
        .map(|cat| {
            let mut lines = vec![String::new()];
            let mut width = 0.0;
            for ch in cat.chars() {
                let w = if ch.is_ascii() { 0.55 } else { 1.0 };
                if width + w > per_line && !lines.last().is_some_and(|l| l.trim().is_empty()) {
                    lines.push(String::new());
                    width = 0.0;
                }
                if let Some(l) = lines.last_mut() {
                    l.push(ch);
                }
                width += w;
            }
            lines
                .into_iter()
                .map(|l| l.trim().to_string())
                .take(3)
                .collect()
        })
        .collect();
    let deepest = label_lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let (left, right, top) = (70.0, 16.0, 44.0);
    let bottom = 26.0 + 14.0 * deepest as f64;
    let (pw, ph) = (WIDTH - left - right, HEIGHT - top - bottom);
    let values = c
        .series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite());
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi == lo {
        hi = lo + 1.0;
    }
    // Counts are stepped by whole numbers.
    let whole = c
        .series
        .iter()
        .all(|(_, v)| v.iter().all(|x| !x.is_finite() || x.fract() == 0.0));
    let step = nice_step(hi - lo, 5.0);
    let step = if whole { step.max(1.0) } else { step };
    let (y0, y1) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let sy = |v: f64| top + (y1 - v) / (y1 - y0) * ph;
    let grey = (0xd9, 0xd9, 0xd9);
    let black = (0, 0, 0);
    // Legend: a swatch and the name of each series, centred on one line.
    let entry = |name: &str| 22.0 + name.chars().count() as f64 * 12.0 + 18.0;
    let total: f64 = c.series.iter().map(|(n, _)| entry(n)).sum();
    let mut x = ((WIDTH - total) / 2.0).max(4.0);
    for (k, (name, _)) in c.series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        match c.kind {
            Kind::Bars => m.push(Mark::Rect {
                x,
                y: 10.0,
                w: 16.0,
                h: 10.0,
                fill: colour,
            }),
            Kind::Lines => m.push(Mark::Line {
                x1: x,
                y1: 15.0,
                x2: x + 16.0,
                y2: 15.0,
                stroke: colour,
                width: 2.5,
            }),
        }
        m.push(Mark::Text {
            x: x + 22.0,
            y: 19.5,
            size: 12.0,
            anchor: Anchor::Start,
            text: name.clone(),
        });
        x += entry(name);
    }
    // Unit above the value axis.
    m.push(Mark::Text {
        x: left - 8.0,
        y: top - 10.0,
        size: 11.0,
        anchor: Anchor::End,
        text: format!("（{}）", c.unit),
    });
    let mut v = y0;
    while v <= y1 + step / 2.0 {
        let y = sy(v);
        m.push(Mark::Line {
            x1: left,
            y1: y,
            x2: left + pw,
            y2: y,
            stroke: if v.abs() < step / 2.0 { black } else { grey },
            width: if v.abs() < step / 2.0 { 1.0 } else { 0.6 },
        });
        m.push(Mark::Text {
            x: left - 6.0,
            y: y + 4.0,
            size: 11.0,
            anchor: Anchor::End,
            text: axis_label(v, step),
        });
        v += step;
    }
    m.push(Mark::Line {
        x1: left,
        y1: top,
        x2: left,
        y2: top + ph,
        stroke: black,
        width: 1.0,
    });
    let band = pw / n;
    for (k, lines) in label_lines.iter().enumerate() {
        for (j, text) in lines.iter().enumerate() {
            m.push(Mark::Text {
                x: left + band * (k as f64 + 0.5),
                y: top + ph + 18.0 + 14.0 * j as f64,
                size: 12.0,
                anchor: Anchor::Middle,
                text: text.clone(),
            });
        }
    }
    let ns = c.series.len().max(1) as f64;
    let labels = c.categories.len() * c.series.len() <= 24;
    match c.kind {
        Kind::Bars => {
            let bar = band * 0.72 / ns;
            for (s, (_, vals)) in c.series.iter().enumerate() {
                let colour = COLOURS[s % COLOURS.len()];
                for (k, v) in vals.iter().enumerate().take(c.categories.len()) {
                    if !v.is_finite() {
                        continue;
                    }
                    let x = left + band * k as f64 + band * 0.14 + bar * s as f64;
                    let (ya, yb) = (sy(v.max(0.0)), sy(v.min(0.0)));
                    m.push(Mark::Rect {
                        x,
                        y: ya,
                        w: bar * 0.92,
                        h: (yb - ya).max(0.5),
                        fill: colour,
                    });
                    if labels {
                        m.push(Mark::Text {
                            x: x + bar * 0.46,
                            y: if *v >= 0.0 { ya - 3.0 } else { yb + 10.0 },
                            size: 9.0,
                            anchor: Anchor::Middle,
                            text: value_label(*v),
                        });
                    }
                }
            }
        }
        Kind::Lines => {
            for (s, (_, vals)) in c.series.iter().enumerate() {
                let colour = COLOURS[s % COLOURS.len()];
                let points: Vec<(f64, f64)> = vals
                    .iter()
                    .enumerate()
                    .take(c.categories.len())
                    .filter(|(_, v)| v.is_finite())
                    .map(|(k, v)| (left + band * (k as f64 + 0.5), sy(*v)))
                    .collect();
                for &(x, y) in &points {
                    m.push(Mark::Rect {
                        x: x - 2.5,
                        y: y - 2.5,
                        w: 5.0,
                        h: 5.0,
                        fill: colour,
                    });
                }
                m.push(Mark::Polyline {
                    points,
                    stroke: colour,
                    width: 2.0,
                });
            }
        }
    }
    m
}

fn esc(s: &str) -> String {
    yanglao_domain::text::escape_html(s)
}

/// The chart as an SVG element (for the HTML report).
pub fn svg(c: &Chart) -> String {
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" style="max-width:{WIDTH}px" font-family="SimHei,'黑体','Noto Sans CJK SC',sans-serif" role="img" aria-label="{} {}">"#,
        esc(&c.id),
        esc(&c.title)
    );
    for mark in layout(c) {
        match mark {
            Mark::Rect { x, y, w, h, fill } => {
                let _ = write!(
                    s,
                    r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="#{}"/>"##,
                    hex(fill)
                );
            }
            Mark::Line {
                x1,
                y1,
                x2,
                y2,
                stroke,
                width,
            } => {
                let _ = write!(
                    s,
                    r##"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="#{}" stroke-width="{width}"/>"##,
                    hex(stroke)
                );
            }
            Mark::Polyline {
                points,
                stroke,
                width,
            } => {
                let p: Vec<String> = points
                    .iter()
                    .map(|(x, y)| format!("{x:.1},{y:.1}"))
                    .collect();
                let _ = write!(
                    s,
                    r##"<polyline fill="none" points="{}" stroke="#{}" stroke-width="{width}"/>"##,
                    p.join(" "),
                    hex(stroke)
                );
            }
            Mark::Text {
                x,
                y,
                size,
                anchor,
                text,
            } => {
                let a = match anchor {
                    Anchor::Start => "start",
                    Anchor::Middle => "middle",
                    Anchor::End => "end",
                };
                let _ = write!(
                    s,
                    r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{a}">{}</text>"#,
                    esc(&text)
                );
            }
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(kind: Kind) -> Chart {
        Chart {
            id: "图 1".into(),
            title: "测试".into(),
            kind,
            unit: "人".into(),
            categories: vec!["城区".into(), "矿区".into(), "郊区".into()],
            series: vec![
                ("2022 年".into(), vec![1200.0, 800.0, 15000.0]),
                ("2023 年".into(), vec![1100.0, 750.0, 14000.0]),
            ],
        }
    }

    #[test]
    fn columns_stand_on_the_axis_in_proportion_to_their_values() {
        let marks = layout(&chart(Kind::Bars));
        let bars: Vec<(f64, f64)> = marks
            .iter()
            .filter_map(|m| match m {
                Mark::Rect { y, h, .. } if *h > 10.5 || *y > 30.0 => Some((*y, *h)),
                _ => None,
            })
            .collect();
        assert_eq!(bars.len(), 6, "{bars:?}");
        // All end on the same baseline; 15000 is 15000/1200 times as tall as 1200.
        let base = bars[0].0 + bars[0].1;
        assert!(bars.iter().all(|(y, h)| (y + h - base).abs() < 1e-6));
        assert!((bars[2].1 / bars[0].1 - 12.5).abs() < 1e-6, "{bars:?}");
        let texts: Vec<&str> = marks
            .iter()
            .filter_map(|m| match m {
                Mark::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        for want in ["城区", "2023 年", "（人）", "15,000", "1,100"] {
            assert!(texts.contains(&want), "{want} in {texts:?}");
        }
    }

    #[test]
    fn lines_and_the_svg_are_well_formed() {
        let c = chart(Kind::Lines);
        let marks = layout(&c);
        let lines: Vec<usize> = marks
            .iter()
            .filter_map(|m| match m {
                Mark::Polyline { points, .. } => Some(points.len()),
                _ => None,
            })
            .collect();
        assert_eq!(lines, vec![3, 3]);
        let s = svg(&c);
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert_eq!(s.matches("<polyline").count(), 2);
        assert!(!chart(Kind::Bars).series.is_empty() && c.drawable());
        let empty = Chart {
            series: vec![("x".into(), vec![0.0, 0.0, 0.0])],
            ..c
        };
        assert!(!empty.drawable());
    }

    #[test]
    fn labels_group_thousands_and_drop_trailing_zeros() {
        assert_eq!(value_label(1234567.0), "1,234,567");
        assert_eq!(value_label(4534.36), "4,534.36");
        assert_eq!(value_label(12.50), "12.5");
        assert_eq!(value_label(-1200.0), "\u{2212}1,200");
        assert_eq!(axis_label(0.5, 0.5), "0.5");
        assert_eq!(axis_label(20000.0, 5000.0), "20,000");
    }
}
