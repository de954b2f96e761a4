//! `yanglao bench …`: the benchmarks whose figures docs/BENCHMARKS.md keeps. The timing itself
//! is in `bench_run.rs`; the data comes from `yanglao_testdata`.

use crate::context::{err, open, Global, Res, BUNDLED_POLICY};
use crate::output;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum BenchCmd {
    /// 生成 N 行缴费及其参保人，测量导入耗时
    Import {
        /// 缴费行数
        #[arg(long, value_name = "N", default_value_t = 100_000)]
        rows: usize,
        /// 同时测量的 PostgreSQL 服务器（临时建库，测完删除）
        #[arg(
            long,
            value_name = "URL",
            env = "YANGLAO_BENCH_PG",
            hide_env_values = true
        )]
        pg: Option<String>,
        /// 保留生成的文件与 SQLite 数据库的目录
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// 测量一个月的待遇发放（含检查与导出）的耗时，并与单纯批量写入对比
    Payroll {
        /// 待遇领取人数
        #[arg(long, value_name = "N", default_value_t = 100_000)]
        recipients: usize,
        /// 同时测量的 PostgreSQL 服务器（临时建库，测完删除）
        #[arg(
            long,
            value_name = "URL",
            env = "YANGLAO_BENCH_PG",
            hide_env_values = true
        )]
        pg: Option<String>,
        /// 保留 SQLite 数据库与导出文件的目录
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Measure one backend in this process (the command runs each backend in its own process)
        #[arg(long, hide = true)]
        backend: Option<String>,
    },
    /// 测量死亡记录与登记册匹配的耗时（SQLite）
    Deaths {
        /// 登记册人数
        #[arg(long, value_name = "N", default_value_t = 1_000_000)]
        people: usize,
        /// 死亡记录数
        #[arg(long, value_name = "N", default_value_t = 100_000)]
        records: usize,
        /// 工作目录（默认：临时目录）
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// 构建有 N 名参保人的城市（2021–2023 年），测量绩效评价与生成报告的耗时
    Evaluate {
        /// 参保人数
        #[arg(long, value_name = "N", default_value_t = 100_000)]
        people: usize,
        /// 同时测量的 PostgreSQL 服务器（临时建库，测完删除）
        #[arg(
            long,
            value_name = "URL",
            env = "YANGLAO_BENCH_PG",
            hide_env_values = true
        )]
        pg: Option<String>,
        /// 工作目录（默认：临时目录）
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// 全省规模：各县导入参保人员与一年缴费、待遇核定、当月发放（含检查）、导出与银行回盘、评价测算，逐步测量耗时与峰值内存
    Province {
        /// 待遇领取人数（全省）
        #[arg(long, value_name = "N", default_value_t = 10_000_000)]
        recipients: usize,
        /// 当年缴费人数（全省）
        #[arg(long, value_name = "N", default_value_t = 1_000_000)]
        contributors: usize,
        /// 县区数
        #[arg(long, value_name = "N", default_value_t = 100)]
        counties: usize,
        /// 测量的 PostgreSQL 服务器（临时建库，测完删除）
        #[arg(
            long,
            value_name = "URL",
            env = "YANGLAO_BENCH_PG",
            hide_env_values = true
        )]
        pg: Option<String>,
        /// 测量的 Citus 集群协调节点（管理库地址；临时建库，测完删除）
        #[arg(long, value_name = "URL")]
        citus: Option<String>,
        /// Citus 集群的工作节点，如 127.0.0.1:5441,127.0.0.1:5442
        #[arg(long, value_name = "HOST:PORT,…", value_delimiter = ',')]
        citus_workers: Vec<String>,
        /// 保留生成文件与导出文件的目录
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Measure one backend in this process (the command runs each backend in its own process)
        #[arg(long, hide = true)]
        backend: Option<String>,
    },
    /// 向数据库（--db）写入 N 名模拟的待遇领取人员及其待遇核定，供试运行与崩溃测试
    Recipients {
        /// 人数
        #[arg(long, value_name = "N")]
        count: usize,
    },
}

pub fn bench(cli: &Global, cmd: &BenchCmd) -> Res {
    match cmd {
        BenchCmd::Payroll {
            recipients,
            pg,
            dir,
            backend,
        } => crate::quickstart::bench_payroll(
            cli,
            *recipients,
            pg.as_deref(),
            dir.as_deref(),
            backend.as_deref(),
        ),
        BenchCmd::Deaths {
            people,
            records,
            dir,
        } => bench_deaths(cli, *people, *records, dir.as_deref()),
        BenchCmd::Evaluate { people, pg, dir } => {
            crate::eval_cli::bench(cli, *people, pg.as_deref(), dir.as_deref())
        }
        BenchCmd::Recipients { count } => bench_recipients(cli, *count),
        BenchCmd::Province {
            recipients,
            contributors,
            counties,
            pg,
            citus,
            citus_workers,
            dir,
            backend,
        } => crate::bench_province::bench(
            cli,
            &crate::bench_province::Args {
                recipients: *recipients,
                contributors: *contributors,
                counties: (*counties).clamp(1, 790),
                pg: pg.as_deref(),
                citus: citus.as_deref(),
                citus_workers,
                dir: dir.as_deref(),
                backend: backend.as_deref(),
            },
        ),
        BenchCmd::Import { rows, pg, dir } => {
            crate::quickstart::bench(cli, *rows, pg.as_deref(), dir.as_deref())
        }
    }
}

fn bench_deaths(cli: &Global, people: usize, records: usize, dir: Option<&Path>) -> Res {
    let policy = BUNDLED_POLICY.0;
    let dir = dir.map(Path::to_path_buf).unwrap_or_else(|| {
        std::env::temp_dir().join(format!("yanglao-bench-deaths-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).map_err(|e| err("E-IO", yanglao_domain::io_error_zh(&e)))?;
    let db_path = dir.join("bench-deaths.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
    }
    let bar = crate::payroll_cli::progress_bar(cli, "基准测试");
    let f = crate::bench_run::run_deaths_bench(
        &format!("sqlite://{}", db_path.display()),
        policy,
        people,
        records,
        &dir,
        &|label, i, n| {
            bar.update(Some(label), i, n);
        },
    )?;
    bar.finish_and_clear();
    if cli.json {
        output::json(&f);
    } else {
        println!(
                "{} 条死亡记录对 {} 人：匹配（校验与匹配，不写入）{:.2} 秒；完整导入（含死亡生效）{:.2} 秒；匹配 {} 条；峰值内存 {:.0} MiB",
                f.records, f.people, f.matching_s, f.import_s, f.matched, f.peak_rss_mib
            );
    }
    Ok(0)
}

fn bench_recipients(cli: &Global, count: usize) -> Res {
    let mut ctx = open(cli)?;
    ctx.policy.require()?;
    let book = ctx.policy.clone();
    let bar = crate::payroll_cli::progress_bar(cli, "生成领取人员");
    yanglao_testdata::setup_recipients(&mut ctx.db, &book, count, &|i, n| {
        bar.update(None, i, n);
    })?;
    bar.finish_and_clear();
    if cli.json {
        output::json(&serde_json::json!({"recipients": count}));
    } else {
        println!("已生成 {count} 名待遇领取人员及其待遇核定。");
    }
    Ok(0)
}
