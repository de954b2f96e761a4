//! The demo: Yangquan's supplementary pension scheme in 2021–2023, rebuilt from the evaluation
//! report as synthetic data and run through the system's own use cases, ending with the 2023
//! evaluation report. docs/demo.md explains the data.

pub mod calibrate;
pub mod money;
pub mod plan;
pub mod run;
pub mod verify;

use std::path::PathBuf;

use yanglao_ops::{Ctx, OpsError};

/// The bundled framework, with the contributors' target scaled with the data.
const FRAMEWORK: &str = include_str!("../../../frameworks/yangquan-2023.toml");

/// The evaluator's worksheet of the demo: every judgement of the 2023 evaluation, each with its
/// reason from the report's text.
pub const WORKSHEET: &str = include_str!("../../../examples/demo/评价工作底稿.csv");

/// The evaluation's particulars and the evaluator's texts of the demo (the cover, the opening,
/// the conclusion, each problem's causes and rectification), as `yanglao particulars --file`
/// takes them. The agency and the evaluators are placeholders.
pub const PARTICULARS: &str = include_str!("../../../examples/demo/评价信息.csv");

pub struct Options {
    pub dir: PathBuf,
    pub scale: f64,
    pub seed: u64,
}

#[derive(Debug)]
pub enum DemoError {
    Ops(OpsError),
    Report(yanglao_report::GenerateError),
}

impl From<OpsError> for DemoError {
    fn from(e: OpsError) -> Self {
        DemoError::Ops(e)
    }
}

impl From<yanglao_report::GenerateError> for DemoError {
    fn from(e: yanglao_report::GenerateError) -> Self {
        DemoError::Report(e)
    }
}

pub struct Summary {
    pub counts: run::Counts,
    pub statement: yanglao_ops::books::fund::Statement,
    pub generated: yanglao_report::Generated,
    pub checks: Vec<verify::Check>,
    pub seconds: f64,
}

/// The framework the demo scores with: the bundled one, its contributors' target scaled.
pub fn framework(scale: f64) -> Result<yanglao_eval::Framework, OpsError> {
    let target = plan::scaled(148_600, scale);
    let text = FRAMEWORK.replacen("target = 148600", &format!("target = {target}"), 1);
    yanglao_ops::evaluation::framework_from_text(&text, "示例指标体系")
}

/// Builds the data, runs 2021–2023 and writes the 2023 report into `dir`.
pub fn run(
    ctx: &mut Ctx,
    o: &Options,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<Summary, DemoError> {
    let t = std::time::Instant::now();
    if !(0.0001..=2.0).contains(&o.scale) {
        return Err(OpsError::rule(
            "E-DEMO-SCALE",
            format!(
                "--scale 应在 0.0001 到 2 之间（1 为全市实际规模），收到 {}",
                o.scale
            ),
        )
        .into());
    }
    let persons = ctx.db.transaction(|tx| -> Result<i64, OpsError> {
        Ok(tx.scalar_i64("SELECT COUNT(*) FROM persons", &[])?)
    })?;
    if persons > 0 {
        return Err(OpsError::rule(
            "E-DEMO-NOT-EMPTY",
            format!("数据库中已有 {persons} 名参保人员：示例须在空数据库上运行（删除 yanglao.db 或用 --db sqlite://demo.db 指定新库）"),
        )
        .into());
    }
    let counts = run::Demo {
        ctx,
        dir: o.dir.clone(),
        scale: o.scale,
        seed: o.seed,
        progress,
    }
    .run()?;
    progress("评价与报告", 0, 1);
    let sheet = o.dir.join("评价工作底稿.csv");
    std::fs::write(&sheet, WORKSHEET).map_err(|e| {
        OpsError::rule(
            "E-DEMO-IO",
            format!(
                "无法写入 {}：{}",
                sheet.display(),
                yanglao_domain::io_error_zh(&e)
            ),
        )
    })?;
    let particulars = o.dir.join("评价信息.csv");
    std::fs::write(&particulars, PARTICULARS).map_err(|e| {
        OpsError::rule(
            "E-DEMO-IO",
            format!(
                "无法写入 {}：{}",
                particulars.display(),
                yanglao_domain::io_error_zh(&e)
            ),
        )
    })?;
    let values = yanglao_ops::evaluation::particulars::read_file(
        &yanglao_ops::imports::table::Upload::read(&particulars).map_err(OpsError::from)?,
    )?;
    let pairs: Vec<(&str, &str)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    yanglao_ops::evaluation::particulars::save(ctx, 2023, &pairs)?;
    let generated = yanglao_report::generate(
        ctx,
        2023,
        framework(o.scale)?,
        yanglao_report::Worksheet::File(
            &yanglao_ops::imports::table::Upload::read(&sheet).map_err(OpsError::from)?,
        ),
        &mut yanglao_ops::files::FolderSink::new(&o.dir.join("报告")),
    )?;
    let statement = match &generated.outcome.measured.statement {
        Some(s) => s.clone(),
        None => yanglao_ops::books::fund::statement(ctx, 2023, None)?,
    };
    let checks = verify::checks(ctx, o.scale, &generated, &statement)?;
    Ok(Summary {
        counts,
        statement,
        generated,
        checks,
        seconds: t.elapsed().as_secs_f64(),
    })
}
