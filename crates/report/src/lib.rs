//! The evaluation report: a document model built from the data ([`build`]), checked for
//! consistency ([`doc::Doc::inconsistencies`]) and written as Word, HTML and an xlsx annex.

pub mod build;
pub mod doc;
pub mod docx;
pub mod html;
pub mod xlsx;

use std::path::{Path, PathBuf};

/// What [`generate`] made: the evaluation and the files.
pub struct Generated {
    pub outcome: yanglao_ops::evaluation::Outcome,
    pub findings: Vec<yanglao_ops::evaluation::Finding>,
    pub files: Vec<PathBuf>,
}

/// Evaluates `year` and writes its report into `out` (`<year>年城乡居民补充养老保险绩效评价报告`
/// .docx, .html and 附表.xlsx): every input the report needs is read from the books here.
pub fn generate(
    ctx: &mut yanglao_ops::Ctx,
    year: i32,
    framework: yanglao_eval::Framework,
    worksheet: Option<&yanglao_ops::imports::table::Upload>,
    out: &Path,
) -> Result<Generated, GenerateError> {
    let place = yanglao_ops::evaluation::city_name(ctx)?;
    let outcome = yanglao_ops::evaluation::evaluate(ctx, year, framework, worksheet)?;
    // The books the evaluation read already.
    let statement = match &outcome.measured.statement {
        Some(s) => s.clone(),
        None => yanglao_ops::books::fund::statement(ctx, year, None)?,
    };
    let execution = match &outcome.measured.execution {
        Some(e) => e.clone(),
        None => yanglao_ops::books::budget::execution(ctx, year, 0.9)?,
    };
    let findings = yanglao_ops::evaluation::findings(ctx, &outcome.measured)?;
    let enrolment = yanglao_ops::evaluation::enrolment::analyse(ctx, year - 2, year)?;
    let surveys = yanglao_ops::evaluation::survey::rates(ctx, year)?;
    let doc = build::report(&build::Input {
        year,
        place: &place,
        framework: &outcome.framework,
        evaluation: &outcome.evaluation,
        measured: &outcome.measured,
        statement: &statement,
        execution: &execution,
        findings: &findings,
        enrolment: &enrolment,
        surveys: &surveys,
        worksheet_entries: outcome.worksheet_entries,
    });
    let files = write_all(
        &doc,
        out,
        &format!("{year}年城乡居民补充养老保险绩效评价报告"),
    )?;
    Ok(Generated {
        outcome,
        findings,
        files,
    })
}

/// A failure of [`generate`]: of the evaluation, or of the report.
#[derive(Debug)]
pub enum GenerateError {
    Ops(yanglao_ops::OpsError),
    Report(ReportError),
}

impl From<yanglao_ops::OpsError> for GenerateError {
    fn from(e: yanglao_ops::OpsError) -> Self {
        GenerateError::Ops(e)
    }
}

impl From<ReportError> for GenerateError {
    fn from(e: ReportError) -> Self {
        GenerateError::Report(e)
    }
}

/// Why a report was not written.
#[derive(Debug)]
pub enum ReportError {
    /// The checks found figures that disagree; nothing was written.
    Inconsistent(Vec<String>),
    Io(String),
}

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReportError::Inconsistent(list) => write!(
                f,
                "报告一致性检查未通过，未写出任何文件：\n{}",
                list.join("\n")
            ),
            ReportError::Io(m) => write!(f, "{m}"),
        }
    }
}

/// Checks the document, then writes `<stem>.docx`, `<stem>.html` and `<stem>附表.xlsx` into
/// `dir`. Nothing is written when a check fails; the files appear together or not at all (each
/// is written beside its final name and renamed).
pub fn write_all(doc: &doc::Doc, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, ReportError> {
    let problems = doc.inconsistencies();
    if !problems.is_empty() {
        return Err(ReportError::Inconsistent(problems));
    }
    let io = |p: &Path, e: String| ReportError::Io(format!("无法写入 {}：{e}", p.display()));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, yanglao_domain::io_error_zh(&e)))?;
    let finals = [
        dir.join(format!("{stem}.docx")),
        dir.join(format!("{stem}.html")),
        dir.join(format!("{stem}附表.xlsx")),
    ];
    let temps: Vec<PathBuf> = finals
        .iter()
        .map(|p| {
            p.with_extension(format!(
                "{}.part",
                p.extension().and_then(|e| e.to_str()).unwrap_or("")
            ))
        })
        .collect();
    let result = (|| {
        docx::write(doc, &temps[0]).map_err(|e| io(&finals[0], yanglao_domain::io_error_zh(&e)))?;
        html::write(doc, &temps[1]).map_err(|e| io(&finals[1], yanglao_domain::io_error_zh(&e)))?;
        xlsx::write(doc, &temps[2]).map_err(|e| {
            io(
                &finals[2],
                yanglao_ops::imports::problems::xlsx_error_zh(&e),
            )
        })?;
        Ok(())
    })();
    if let Err(e) = result {
        for t in &temps {
            let _ = std::fs::remove_file(t);
        }
        return Err(e);
    }
    for (t, f) in temps.iter().zip(&finals) {
        std::fs::rename(t, f).map_err(|e| io(f, yanglao_domain::io_error_zh(&e)))?;
    }
    Ok(finals.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_written_when_the_figures_disagree() {
        let dir = std::env::temp_dir().join(format!("yanglao-report-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut d = doc::Doc::new("测试");
        let text = format!("总分 {} 分", d.fig("total", "85.76"));
        d.para(text);
        let cell = d.cell("total", "85.67");
        d.table(doc::Table {
            id: "表 1".into(),
            title: "得分".into(),
            header: vec!["合计".into()],
            rows: vec![vec![cell]],
            widths: vec![1],
        });
        match write_all(&d, &dir, "r") {
            Err(ReportError::Inconsistent(p)) => {
                assert!(p[0].contains("85.76") && p[0].contains("85.67"), "{p:?}")
            }
            other => panic!("{other:?}"),
        }
        assert!(!dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none());
        // Agreeing figures: three files, the docx a valid package.
        let mut d = doc::Doc::new("测试");
        let text = format!("总分 {} 分", d.fig("total", "85.76"));
        d.para(text);
        let files = write_all(&d, &dir, "r").unwrap();
        assert_eq!(files.len(), 3);
        assert!(files.iter().all(|f| f.exists()));
        let mut z = zip::ZipArchive::new(std::fs::File::open(&files[0]).unwrap()).unwrap();
        assert!(z.by_name("word/document.xml").is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
