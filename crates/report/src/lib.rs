//! The evaluation report: a document model built from the data ([`build`]), checked for
//! consistency ([`doc::Doc::inconsistencies`]) and written as Word, HTML and an xlsx annex.

pub mod build;
pub mod chart;
pub mod doc;
pub mod docx;
pub mod fonts;
pub mod html;
pub mod pdf;
pub mod xlsx;

use yanglao_ops::files::FileSink;

/// What [`generate`] made: the evaluation and the files (where the sink put them).
pub struct Generated {
    pub outcome: yanglao_ops::evaluation::Outcome,
    pub findings: Vec<yanglao_ops::evaluation::Finding>,
    pub files: Vec<String>,
    /// What the user should know of how the files were made (the PDF's fonts, or why there is
    /// no PDF).
    pub notes: Vec<String>,
}

/// Evaluates `year` and hands its report to `sink` (`<year>年城乡居民补充养老保险绩效评价报告`
/// .docx, .html and 附表.xlsx): every input the report needs is read from the books here. The
/// sink sees nothing unless the checks pass and all three files are made ([`render`]); a sink
/// that fails part way keeps the files it took before.
pub fn generate(
    ctx: &mut yanglao_ops::Ctx,
    year: i32,
    framework: yanglao_eval::Framework,
    worksheet: Worksheet<'_>,
    sink: &mut dyn FileSink,
) -> Result<Generated, GenerateError> {
    let place = yanglao_ops::evaluation::city_name(ctx)?;
    let outcome = match worksheet {
        Worksheet::File(w) => yanglao_ops::evaluation::evaluate(ctx, year, framework, Some(w))?,
        Worksheet::None => yanglao_ops::evaluation::evaluate(ctx, year, framework, None)?,
        Worksheet::Stored => {
            yanglao_ops::evaluation::judgements::evaluate_stored(ctx, year, framework)?
        }
    };
    // The books the evaluation read already.
    let statement = match &outcome.measured.statement {
        Some(s) => s.clone(),
        None => yanglao_ops::books::fund::statement(ctx, year, None)?,
    };
    let execution = match &outcome.measured.execution {
        Some(e) => e.clone(),
        None => yanglao_ops::books::budget::execution(ctx, year, 0.9)?,
    };
    let mut county_statements = std::collections::BTreeMap::new();
    for code in outcome.measured.counties.keys() {
        county_statements.insert(
            code.clone(),
            yanglao_ops::books::fund::statement(ctx, year, Some(code))?,
        );
    }
    let findings = yanglao_ops::evaluation::findings(ctx, &outcome.measured)?;
    let enrolment = yanglao_ops::evaluation::enrolment::analyse(ctx, year - 2, year)?;
    let surveys = outcome.measured.surveys.clone();
    let particulars = yanglao_ops::evaluation::particulars::current(ctx, year)?;
    // The policy comparisons run under the database's latest supplementary policy and the
    // shipped basic and employees' schemes, from the year after the one evaluated.
    let policies =
        yanglao_ops::policy::simulation_policies(ctx, yanglao_sim::request::DEFAULT_REGION.into());
    let assumptions = yanglao_sim::person::Assumptions::default();
    let comparisons = yanglao_sim::compare::PRESETS
        .iter()
        .map(|(k, _)| yanglao_sim::compare::preset(k, &policies, &assumptions, year + 1))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string());
    let accounts = yanglao_ops::books::bank::accounts(ctx, year)?;
    let shortfalls = yanglao_ops::books::bank::interest_check(ctx, year)?;
    let cases = yanglao_ops::deaths::recovery_list(ctx, None, None, Some(year))?;
    let prospects = yanglao_ops::evaluation::enrolment::prospects(
        ctx,
        year,
        &yanglao_ops::evaluation::enrolment::OutreachFilter::default(),
    )?;
    let doc = build::report(&build::Input {
        year,
        place: &place,
        framework: &outcome.framework,
        evaluation: &outcome.evaluation,
        measured: &outcome.measured,
        statement: &statement,
        county_statements: &county_statements,
        execution: &execution,
        findings: &findings,
        enrolment: &enrolment,
        surveys: &surveys,
        worksheet_entries: outcome.worksheet_entries,
        particulars: &particulars,
        comparisons: &comparisons,
        policies: &policies,
        accounts: &accounts,
        shortfalls: &shortfalls,
        cases: &cases,
        prospects: &prospects,
    });
    let rendered = render(&doc, &format!("{year}年城乡居民补充养老保险绩效评价报告"))?;
    let mut files = Vec::with_capacity(rendered.files.len());
    for (name, bytes) in &rendered.files {
        let put = sink.put(name, &mut |w| {
            w.write_all(bytes).map_err(yanglao_ops::files::write_error)
        });
        // The sink's failure is the report's: a report file could not be written.
        files.push(put.map_err(|e| {
            ReportError::Io(match e {
                yanglao_ops::OpsError::Rule { message, .. } => message,
                other => other.to_string(),
            })
        })?);
    }
    Ok(Generated {
        outcome,
        findings,
        files,
        notes: rendered.notes,
    })
}

/// Where the evaluator's judgements come from.
#[derive(Clone, Copy)]
pub enum Worksheet<'a> {
    /// None: the judgement indicators stay unscored.
    None,
    /// A worksheet file.
    File(&'a yanglao_ops::imports::table::Upload),
    /// The worksheet kept in the database (edited in the pages).
    Stored,
}

impl<'a> Worksheet<'a> {
    pub fn file(upload: Option<&'a yanglao_ops::imports::table::Upload>) -> Worksheet<'a> {
        upload.map_or(Worksheet::None, Worksheet::File)
    }
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

/// The files of a report (name and bytes), and what the user should know of them.
pub struct Rendered {
    pub files: Vec<(String, Vec<u8>)>,
    pub notes: Vec<String>,
}

/// Checks the document, then renders it as `<stem>.docx`, `<stem>.html`, `<stem>附表.xlsx` and,
/// when the system has a Chinese font, `<stem>.pdf`. Nothing is made when a check fails; all
/// are made before any is handed on, so a writer's failure leaves no file behind either.
pub fn render(doc: &doc::Doc, stem: &str) -> Result<Rendered, ReportError> {
    render_with(doc, stem, fonts::Fonts::find(&fonts::font_dirs()).as_ref())
}

/// [`render`] with the fonts given (`None`: no PDF).
pub fn render_with(
    doc: &doc::Doc,
    stem: &str,
    fonts: Option<&fonts::Fonts>,
) -> Result<Rendered, ReportError> {
    let problems = doc.inconsistencies();
    if !problems.is_empty() {
        return Err(ReportError::Inconsistent(problems));
    }
    let names = [
        format!("{stem}.docx"),
        format!("{stem}.html"),
        format!("{stem}附表.xlsx"),
    ];
    let io = |name: &str, e: String| ReportError::Io(format!("无法写入 {name}：{e}"));
    let docx = docx::to_bytes(doc).map_err(|e| io(&names[0], yanglao_domain::io_error_zh(&e)))?;
    let mut html = Vec::new();
    html::write(doc, &mut html).map_err(|e| io(&names[1], yanglao_domain::io_error_zh(&e)))?;
    let xlsx = xlsx::to_bytes(doc)
        .map_err(|e| io(&names[2], yanglao_ops::imports::problems::xlsx_error_zh(&e)))?;
    let [n0, n1, n2] = names;
    let mut files = vec![(n0, docx), (n1, html), (n2, xlsx)];
    let mut notes = Vec::new();
    match fonts {
        Some(f) => {
            let name = format!("{stem}.pdf");
            let bytes = pdf::to_bytes(doc, f).map_err(|e| io(&name, e.0))?;
            files.push((name, bytes));
            notes.push(font_note(f));
        }
        None => notes.push(format!(
            "未生成 PDF：系统中没有找到中文字体（已查找 {}；可安装 fonts-noto-cjk，或以 YANGLAO_FONT_DIR 指定字体文件夹）。",
            fonts::font_dirs()
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join("、")
        )),
    }
    Ok(Rendered { files, notes })
}

/// Which face the PDF set each part in, and which stand in for the faces official documents use.
fn font_note(f: &fonts::Fonts) -> String {
    let parts: Vec<String> = f
        .summary()
        .into_iter()
        .map(|(role, family)| {
            let part = match role {
                fonts::Role::Title => "标题",
                fonts::Role::Body => "正文",
                fonts::Role::BodyBold => "三级标题",
                fonts::Role::Hei => "一级标题、表头和图",
                fonts::Role::Kai => "二级标题",
            };
            format!("{part}用 {family}（规范字体 {}）", role.wanted())
        })
        .collect();
    format!("PDF 字体：{}。", parts.join("；"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_made_when_the_figures_disagree() {
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
            grouped: 0,
        });
        match render_with(&d, "r", None) {
            Err(ReportError::Inconsistent(p)) => {
                assert!(p[0].contains("85.76") && p[0].contains("85.67"), "{p:?}")
            }
            other => panic!("{:?}", other.map(|f| f.files.len())),
        }
        // Agreeing figures: three files, the docx a valid package.
        let mut d = doc::Doc::new("测试");
        let text = format!("总分 {} 分", d.fig("total", "85.76"));
        d.para(text);
        let files = render_with(&d, "r", None).unwrap().files;
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["r.docx", "r.html", "r附表.xlsx"]);
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&files[0].1)).unwrap();
        assert!(z.by_name("word/document.xml").is_ok());
        assert!(String::from_utf8_lossy(&files[1].1).contains("85.76"));
    }
}
