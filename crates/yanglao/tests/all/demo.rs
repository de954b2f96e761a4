//! The demo at a small scale, on SQLite and (when configured) PostgreSQL: three years of
//! operations through the system's own use cases, the 2023 report, and the published figures it
//! already reproduces.

use crate::common::*;

#[test]
fn the_demo_runs_three_years_and_reproduces_the_published_counts_rates_and_scores() {
    for db in empty_backends("demo") {
        let l = &db.label;
        let out = db.dir.path().join("demo");
        let v = db.ok_json(&["demo", "--scale", "0.01", "--out", out.to_str().unwrap()]);
        let checks = v["checks"].as_array().unwrap();
        let check = |figure: &str| {
            checks
                .iter()
                .find(|c| c["figure"] == figure)
                .unwrap_or_else(|| panic!("[{l}] no check {figure}"))
        };
        // At a hundredth of the city every published figure holds within the small-scale
        // tolerances (counts 2%, amounts 10%, rates 1 point, level scores 0.5).
        let failed: Vec<&serde_json::Value> = checks.iter().filter(|c| c["ok"] != true).collect();
        assert!(failed.is_empty(), "[{l}] {failed:?}");
        assert!(checks.len() >= 50, "[{l}] {}", checks.len());
        // The survey's rates are exact at any scale (the sample is not scaled).
        assert_eq!(check("政策知晓率")["ours"], "79.64%", "[{l}]");
        assert_eq!(v["grade"], "良", "[{l}]");
        assert_eq!(v["total"], 85.76, "[{l}]");
        // Every payroll of 36 months in 5 counties was run, approved, exported and paid.
        assert_eq!(v["counts"]["payrolls"], 180, "[{l}]");
        let files = v["files"].as_array().unwrap();
        // Word, HTML, the xlsx annex and the PDF (the machine has a Chinese font: .ci/run
        // installs one).
        assert_eq!(
            files.len(),
            4,
            "[{l}] {files:?} (no PDF: is fonts-noto-cjk installed?)"
        );
        assert!(
            files
                .iter()
                .all(|f| std::path::Path::new(f.as_str().unwrap()).exists()),
            "[{l}]"
        );
        if db.label == "sqlite" {
            let path = |ext: &str| {
                files
                    .iter()
                    .map(|f| std::path::PathBuf::from(f.as_str().unwrap()))
                    .find(|f| f.extension().is_some_and(|e| e == ext))
                    .unwrap()
            };
            report_documents(&path("docx"), &path("pdf"), checks);
        }
        // The books balance after three years.
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true, "[{l}]");
        // A second run on the same database is refused: the demo needs an empty one.
        let o = db.run(&["demo", "--scale", "0.01", "--out", out.to_str().unwrap()]);
        assert_ne!(o.code, 0, "[{l}]");
        assert!(o.stderr.contains("E-DEMO-NOT-EMPTY"), "[{l}] {}", o.stderr);
    }
}

/// The text of a docx: each paragraph (of the body and of the tables) on a line of its own,
/// whether it is in a table, and its style.
fn docx_paragraphs(path: &std::path::Path) -> Vec<(String, bool, String)> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    z.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut in_table = false;
    xml.split("</w:p>")
        .map(|p| {
            if let Some(last) = p.rfind("<w:tbl>") {
                in_table = p[last..].find("</w:tbl>").is_none();
            } else if p.contains("</w:tbl>") {
                in_table = false;
            }
            let mut text = String::new();
            for piece in p.split("<w:t").skip(1) {
                if !piece.starts_with(['>', ' ']) {
                    continue; // <w:tbl>, <w:tc>, <w:tr>…
                }
                let body = piece.split_once('>').map_or("", |x| x.1);
                let t = body.split("</w:t>").next().unwrap_or("");
                text.push_str(
                    &t.replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&quot;", "\"")
                        .replace("&amp;", "&"),
                );
            }
            let style = p
                .rsplit("<w:pStyle w:val=\"")
                .next()
                .filter(|_| p.contains("<w:pStyle"))
                .and_then(|x| x.split('"').next())
                .unwrap_or("")
                .to_string();
            (text, in_table && !p.contains("</w:tbl>"), style)
        })
        .filter(|(t, _, _)| !t.trim().is_empty())
        .collect()
}

/// Only the Chinese characters of a text (what survives any layout's line breaks and columns).
fn han(s: &str) -> String {
    s.chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .collect()
}

/// The report as an official reads it, in Word and in the PDF: the published figures it states,
/// no English identifier, no unrounded number, no placeholder, one count of payments throughout;
/// the PDF holds the Word file's every paragraph and cell; LibreOffice opens the Word file.
/// Page images of both go to the test artifacts.
fn report_documents(docx: &std::path::Path, pdf: &std::path::Path, checks: &[serde_json::Value]) {
    let paragraphs = docx_paragraphs(docx);
    // The document's outline (title, headings, captions) against its snapshot: a change of the
    // report's structure is a change of this file (YANGLAO_UPDATE_SNAPSHOTS=1 rewrites it).
    let outline: String = paragraphs
        .iter()
        .filter(|(_, _, s)| s.starts_with("Heading") || s == "Caption" || s == "Title")
        .map(|(t, _, s)| format!("{s}\t{t}\n"))
        .collect();
    let snapshot = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/all/snapshots/report-outline.txt");
    if std::env::var_os("YANGLAO_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(snapshot.parent().unwrap()).unwrap();
        std::fs::write(&snapshot, &outline).unwrap();
    }
    let want = std::fs::read_to_string(&snapshot).unwrap_or_default();
    if want != outline {
        let diff: Vec<String> = outline
            .lines()
            .zip(want.lines().chain(std::iter::repeat("")))
            .filter(|(a, b)| a != b)
            .take(5)
            .map(|(a, b)| format!("now: {a}\nwas: {b}"))
            .collect();
        panic!(
            "the report's outline differs from {} (YANGLAO_UPDATE_SNAPSHOTS=1 to accept):\n{}",
            snapshot.display(),
            diff.join("\n")
        );
    }
    let word = paragraphs
        .iter()
        .map(|(p, _, _)| p.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let Some(pdf_text) = tool_output("pdftotext", &[pdf.to_str().unwrap(), "-"]) else {
        println!("\n*** report PDF text check DID NOT RUN (pdftotext missing: apt install poppler-utils) ***\n");
        return;
    };
    for (name, text) in [("Word", &word), ("PDF", &pdf_text)] {
        let flat: String = text.split_whitespace().collect();
        // Figures that do not depend on the demo's scale: scores, grade, survey and interest
        // rates, the counties named.
        for c in checks {
            let figure = c["figure"].as_str().unwrap();
            let ours = c["ours"].as_str().unwrap_or_default();
            let scale_free = figure.ends_with("得分")
                || figure == "总分"
                || figure.ends_with("满意度")
                || figure == "政策知晓率"
                || figure.contains("计息利率")
                || figure.contains("县区");
            // Counts at the demo's scale: the report states the count itself ("1173 人").
            let counted = figure.contains("参保缴费人数")
                || figure.contains("个人缴费人数")
                || figure.contains("政府代缴人数")
                || figure.contains("代缴又自行缴费")
                || figure == "2023 年待遇领取人数"
                || figure == "2023 年待遇发放人次";
            if counted && !figure.contains("降幅") {
                let n = ours
                    .split_once('（')
                    .and_then(|(_, r)| r.strip_suffix('）'))
                    .unwrap_or_else(|| panic!("{figure}: {ours}"));
                assert!(
                    flat.contains(&format!("{n}人")),
                    "{name}: {figure} {n} 人 missing"
                );
            }
            if scale_free {
                for part in ours.split('、') {
                    let part: String = part.split_whitespace().collect();
                    // A rate may be set with two decimals (0.2% as 0.20%).
                    let two = match part.strip_suffix('%').and_then(|p| p.split_once('.')) {
                        Some((a, b)) if b.len() == 1 => format!("{a}.{b}0%"),
                        _ => part.clone(),
                    };
                    assert!(
                        flat.contains(&part) || flat.contains(&two),
                        "{name}: {figure} {part} missing"
                    );
                }
            }
        }
        assert!(flat.contains("85.76分，绩效评级为“良”"), "{name}: grade");
        // No identifier of the code, no long decimals, no marks left to fill, no debris.
        for w in text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
            assert!(
                !(w.contains('_') && w.chars().any(|c| c.is_ascii_lowercase())),
                "{name}: identifier {w}"
            );
            if w.len() >= 4 && w.chars().all(|c| c.is_ascii_lowercase()) {
                panic!("{name}: English word {w}");
            }
        }
        let mut digits = 0;
        let mut after_point = false;
        for ch in text.chars() {
            if ch == '.' {
                after_point = true;
                digits = 0;
            } else if ch.is_ascii_digit() {
                if after_point {
                    digits += 1;
                    assert!(digits <= 2, "{name}: a number with more than two decimals");
                }
            } else {
                after_point = false;
            }
        }
        for debris in [
            "【待评价人填写",
            "TODO",
            "NaN",
            "inf%",
            "{",
            "}",
            "None",
            "null",
        ] {
            assert!(!text.contains(debris), "{name}: {debris}");
        }
        // One count of payments (人次 of benefits paid) wherever the report states it.
        let counts: std::collections::BTreeSet<String> = flat
            .match_indices("人次")
            .filter_map(|(at, _)| {
                let number: String = flat[..at]
                    .chars()
                    .rev()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                let before = &flat[..at - number.len()];
                let paid = before.ends_with("发放待遇")
                    || flat[at..].starts_with("人次补充养老保险待遇发放");
                (paid && !number.is_empty()).then(|| number.chars().rev().collect())
            })
            .collect();
        assert_eq!(counts.len(), 1, "{name}: payments stated as {counts:?}");
    }
    // The PDF holds every paragraph of the Word file as it stands, and every character of its
    // tables (whose cells a text extraction reads across the columns); it adds only the charts'
    // labels.
    let pdf_han = han(&pdf_text);
    for (p, _, _) in paragraphs.iter().filter(|(_, table, _)| !table) {
        let h = han(p);
        assert!(pdf_han.contains(&h), "PDF lacks: {p}");
    }
    let mut counts: std::collections::BTreeMap<char, i64> = Default::default();
    for c in han(&word).chars() {
        *counts.entry(c).or_default() += 1;
    }
    for c in pdf_han.chars() {
        *counts.entry(c).or_default() -= 1;
    }
    let missing: Vec<(char, i64)> = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(c, n)| (*c, *n))
        .collect();
    assert!(
        missing.is_empty(),
        "PDF lacks characters of the Word file: {missing:?}"
    );
    let extra: i64 = -counts.values().filter(|n| **n < 0).sum::<i64>();
    assert!(
        (extra as usize) * 20 < pdf_han.chars().count(),
        "PDF has {extra} characters more than the Word file"
    );
    // LibreOffice opens the Word file and makes pages of it; the page images of both are kept.
    let artifacts = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-pages");
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).unwrap();
    let converted = artifacts.join("libreoffice");
    match tool_output(
        "soffice",
        &[
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            converted.to_str().unwrap(),
            docx.to_str().unwrap(),
        ],
    ) {
        None => println!("\n*** LibreOffice conversion of the report DID NOT RUN (soffice missing: apt install libreoffice-writer-nogui) ***\n"),
        Some(_) => {
            let out = converted.join(docx.with_extension("pdf").file_name().unwrap());
            let info = tool_output("pdfinfo", &[out.to_str().unwrap()]).unwrap_or_default();
            let pages: usize = info
                .lines()
                .find_map(|l| l.strip_prefix("Pages:"))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0);
            assert!(pages >= 10, "LibreOffice made {pages} pages of the report");
            let lo_text = tool_output("pdftotext", &[out.to_str().unwrap(), "-"]).unwrap();
            assert!(han(&lo_text).contains(&han("综合评价情况及评价结论")));
            tool_output(
                "pdftoppm",
                &["-r", "60", "-png", out.to_str().unwrap(), artifacts.join("word").to_str().unwrap()],
            );
        }
    }
    tool_output(
        "pdftoppm",
        &[
            "-r",
            "60",
            "-png",
            pdf.to_str().unwrap(),
            artifacts.join("pdf").to_str().unwrap(),
        ],
    );
}

/// A tool's standard output, or `None` when the tool is not installed; a tool that fails fails
/// the test.
fn tool_output(tool: &str, args: &[&str]) -> Option<String> {
    let out = match std::process::Command::new(tool).args(args).output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("{tool}: {e}"),
    };
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}
