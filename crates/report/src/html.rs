//! HTML output: one self-contained file (no scripts, no fonts or styles fetched from anywhere),
//! readable on an offline intranet and printable.

use crate::doc::{Block, Doc};

/// Escaped, with minus signs set (see [`crate::doc::typeset`]).
fn esc(s: &str) -> String {
    yanglao_domain::text::escape_html(&crate::doc::typeset(s))
}

const STYLE: &str = "body{font-family:\"FangSong\",\"仿宋\",\"STFangsong\",serif;font-size:16pt;line-height:1.75;max-width:46em;margin:2em auto;padding:0 1em;color:#000}
h1.title{font-family:\"SimHei\",\"黑体\",\"Heiti SC\",sans-serif;font-size:22pt;text-align:center;font-weight:normal;margin:1.5em 0}
p.centered{text-align:center;text-indent:0}
h2,h3,h4{font-family:\"SimHei\",\"黑体\",\"Heiti SC\",sans-serif;font-size:16pt;font-weight:normal;text-indent:2em;margin:.6em 0}
p{text-indent:2em;margin:.3em 0;text-align:justify}
table{border-collapse:collapse;width:100%;font-size:10.5pt;line-height:1.4;margin:.3em 0 1em}
caption{font-family:\"SimHei\",\"黑体\",sans-serif;font-size:12pt;padding:.4em}
th,td{border:1px solid #000;padding:.2em .4em;vertical-align:middle}
tr{page-break-inside:avoid}
figure{margin:.6em 0 1em;text-align:center;page-break-inside:avoid}
figcaption{font-family:\"SimHei\",\"黑体\",sans-serif;font-size:12pt;padding:.3em}
thead{display:table-header-group}
th{font-weight:bold;text-align:center}
td.n{text-align:right;white-space:nowrap}
dl.cover{margin:3em auto;width:max-content;max-width:100%}
dl.cover div{display:flex;gap:.2em}
dl.cover dt{font-family:\"SimHei\",\"黑体\",sans-serif;white-space:nowrap}
dl.cover dd{margin:0}
p.cover-date{text-align:center;text-indent:0}
@media print{body{margin:0;max-width:none}.pb{page-break-after:always}}";

fn numeric(s: &str) -> bool {
    let t = s
        .trim_end_matches(['%', ' '])
        .trim_end_matches("万元")
        .trim_end_matches("分");
    !t.is_empty() && t.parse::<f64>().is_ok()
}

/// Writes the document as one HTML file into `out`.
pub fn write(doc: &Doc, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n",
        esc(&doc.title)
    );
    for b in &doc.blocks {
        match b {
            Block::Title(t) => h.push_str(&format!("<h1 class=\"title\">{}</h1>\n", esc(t))),
            Block::Centered(t) => h.push_str(&format!("<p class=\"centered\">{}</p>\n", esc(t))),
            Block::Heading { level, text } => {
                let n = level.clamp(&1, &3) + 1;
                h.push_str(&format!("<h{n}>{}</h{n}>\n", esc(text)));
            }
            Block::Para(t) => h.push_str(&format!("<p>{}</p>\n", esc(t))),
            Block::PageBreak => h.push_str("<div class=\"pb\"></div>\n"),
            Block::Chart(c) => h.push_str(&format!(
                "<figure>\n{}\n<figcaption>{} {}</figcaption>\n</figure>\n",
                crate::chart::svg(c),
                esc(&c.id),
                esc(&c.title)
            )),
            Block::CoverLines(lines) => {
                h.push_str("<dl class=\"cover\">\n");
                for (label, value) in lines {
                    h.push_str(&format!(
                        "<div><dt>{}：</dt><dd>{}</dd></div>\n",
                        esc(label),
                        esc(value)
                    ));
                }
                h.push_str("</dl>\n");
            }
            Block::CoverDate(t) => h.push_str(&format!("<p class=\"cover-date\">{}</p>\n", esc(t))),
            Block::EndOfCover => h.push_str("<div class=\"pb\"></div>\n"),
            Block::Table(t) => {
                h.push_str(&format!(
                    "<table>\n<caption>{} {}</caption>\n<thead><tr>",
                    esc(&t.id),
                    esc(&t.title)
                ));
                for c in &t.header {
                    h.push_str(&format!("<th>{}</th>", esc(c)));
                }
                h.push_str("</tr></thead>\n<tbody>\n");
                let spans = t.spans();
                for (k, r) in t.rows.iter().enumerate() {
                    h.push_str("<tr>");
                    for (j, c) in r.iter().enumerate() {
                        match spans[k].get(j).copied() {
                            Some(0) => continue,
                            Some(n) if n > 1 => {
                                h.push_str(&format!("<td rowspan=\"{n}\">{}</td>", esc(c)));
                                continue;
                            }
                            _ => {}
                        }
                        if numeric(c) {
                            h.push_str(&format!("<td class=\"n\">{}</td>", esc(c)));
                        } else {
                            h.push_str(&format!("<td>{}</td>", esc(c)));
                        }
                    }
                    h.push_str("</tr>\n");
                }
                h.push_str("</tbody>\n</table>\n");
            }
        }
    }
    h.push_str("</body>\n</html>\n");
    out.write_all(h.as_bytes())
}
