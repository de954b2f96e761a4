//! `quickstart` (the bundled small example, run end to end) and `bench import`.

use crate::cli::{load_policy, open, Cli, CliError};
use crate::output;
use std::path::Path;
use yanglao_ops::bench;

const EXAMPLES: &[(&str, &str)] = &[
    ("persons.csv", include_str!("../../../examples/persons.csv")),
    (
        "hardship.csv",
        include_str!("../../../examples/hardship.csv"),
    ),
    (
        "contributions-2021.csv",
        include_str!("../../../examples/contributions-2021.csv"),
    ),
    (
        "contributions-2022.csv",
        include_str!("../../../examples/contributions-2022.csv"),
    ),
    (
        "contributions-2023.csv",
        include_str!("../../../examples/contributions-2023.csv"),
    ),
];

type ImportFn =
    fn(&mut yanglao_ops::Ctx, &Path, bool) -> yanglao_ops::Result<yanglao_ops::ImportOutcome>;

fn io(e: std::io::Error) -> CliError {
    CliError {
        code: "E-IO".into(),
        message: format!("文件读写失败：{e}"),
    }
}

pub fn run(cli: &Cli, out: &Path) -> Result<i32, CliError> {
    std::fs::create_dir_all(out).map_err(io)?;
    for (name, text) in EXAMPLES {
        std::fs::write(out.join(name), text).map_err(io)?;
    }
    let mut ctx = open(cli)?;
    let mut imports = Vec::new();
    let say = |s: String| {
        if !cli.json {
            println!("{s}");
        }
    };
    say(format!(
        "示例文件已写入 {}；数据库：{}",
        out.display(),
        ctx.db.display_url()
    ));
    let steps: [(&str, ImportFn); 5] = [
        ("persons.csv", yanglao_ops::persons::import),
        ("hardship.csv", yanglao_ops::hardship::import),
        ("contributions-2021.csv", yanglao_ops::contributions::import),
        ("contributions-2022.csv", yanglao_ops::contributions::import),
        ("contributions-2023.csv", yanglao_ops::contributions::import),
    ];
    for (name, f) in steps {
        let o = f(&mut ctx, &out.join(name), false)?;
        say(format!(
            "导入 {name}：{}",
            if o.already_imported {
                "此前已导入，跳过".to_string()
            } else {
                format!(
                    "新增 {} 行，跳过 {} 行，错误 {} 处",
                    o.posted,
                    o.skipped,
                    o.errors.len()
                )
            }
        ));
        if !o.ok() {
            if !cli.json {
                output::import(&o);
            }
            return Ok(1);
        }
        imports.push(o);
    }
    let mut gov = Vec::new();
    let mut interest = Vec::new();
    for year in 2021..=2023 {
        let g = yanglao_ops::govpay::run(&mut ctx, year, None)?;
        say(format!(
            "{year} 年政府代缴：新增 {} 人，{}",
            g.persons,
            output::yuan(g.amount_fen)
        ));
        gov.push(g);
        let i = yanglao_ops::interest::credit(&mut ctx, year, None)?;
        let total: i64 = i.counties.iter().map(|c| c.total_fen).sum();
        say(format!("{year} 年记账利息：{}", output::yuan(total)));
        interest.push(i);
    }
    let verify = ctx.db.transaction(yanglao_ops::ledger::verify)?;
    say(format!(
        "账务核对：{}（{} 张凭证，{} 条个人账户明细）",
        if verify.ok {
            "全部通过"
        } else {
            "发现问题"
        },
        verify.entries,
        verify.movements
    ));
    say("下一步可试：yanglao account show 140322196908081190".to_string());
    if cli.json {
        output::json(
            &serde_json::json!({"imports": imports, "gov_pay": gov, "interest": interest, "verify": verify}),
        );
    }
    Ok(if verify.ok { 0 } else { 1 })
}

pub fn bench(
    cli: &Cli,
    rows: usize,
    pg: Option<&str>,
    dir: Option<&Path>,
) -> Result<i32, CliError> {
    let policy = load_policy(cli)?;
    let tmp;
    let dir = match dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(io)?;
            d.to_path_buf()
        }
        None => {
            tmp = std::env::temp_dir().join(format!("yanglao-bench-{}", std::process::id()));
            std::fs::create_dir_all(&tmp).map_err(io)?;
            tmp
        }
    };
    let persons = dir.join("bench-persons.csv");
    let contributions = dir.join("bench-contributions.csv");
    let t = std::time::Instant::now();
    bench::write_persons_csv(&persons, rows).map_err(io)?;
    bench::write_contributions_csv(&contributions, rows, 2023, 42).map_err(io)?;
    let gen_s = t.elapsed().as_secs_f64();
    if !cli.json {
        println!(
            "已生成 {rows} 行缴费及对应人员（{gen_s:.2} 秒）：{}",
            dir.display()
        );
    }
    let db_path = dir.join("bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
    }
    let sqlite = bench::run_backend(
        "sqlite",
        &format!("sqlite://{}", db_path.display()),
        &policy,
        &persons,
        &contributions,
        rows,
    )?;
    let postgres = match pg {
        Some(url) => {
            let scratch = yanglao_store::ScratchPg::create(url, "yanglao_bench")?;
            Some(bench::run_backend(
                "postgres",
                &scratch.url,
                &policy,
                &persons,
                &contributions,
                rows,
            )?)
        }
        None => None,
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let details: Vec<&bench::BackendFigures> = [Some(&sqlite), postgres.as_ref()]
        .into_iter()
        .flatten()
        .collect();
    if cli.json {
        output::json(&serde_json::json!({
            "rows": rows,
            "sqlite_rows_per_s": sqlite.contributions_rows_per_s.round(),
            "postgres_rows_per_s": postgres.as_ref().map(|p| p.contributions_rows_per_s.round()),
            "cores": cores,
            "details": details,
        }));
    } else {
        for f in &details {
            println!(
                "{:<9} 缴费导入 {} 行 {:.2} 秒 = {:.0} 行/秒（含读取、校验、补贴计算与记账）；人员导入 {:.2} 秒 = {:.0} 行/秒",
                f.backend, f.rows, f.contributions_seconds, f.contributions_rows_per_s, f.persons_seconds, f.persons_rows_per_s
            );
        }
        if postgres.is_none() {
            println!(
                "未测 PostgreSQL：用 --pg postgres://… 或环境变量 YANGLAO_BENCH_PG 指定服务器。"
            );
        }
    }
    Ok(0)
}
