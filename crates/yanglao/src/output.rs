//! Printing results: Chinese text for people, JSON (`--json`) for programs.

use yanglao_domain::format_yuan;
use yanglao_ops::ImportOutcome;

/// At most this many problems are printed; the full list is in the xlsx report.
const PRINTED: usize = 30;

/// The exit status of a command whose reader went away (128 + SIGPIPE, as the shell reports a
/// command ended by a broken pipe).
pub const BROKEN_PIPE_EXIT: i32 = 141;

/// Writes one line to stdout. When the reader has closed the pipe, the command ends at once and
/// quietly with [`BROKEN_PIPE_EXIT`]; any other write failure ends it with a message on stderr.
pub fn line(args: std::fmt::Arguments) {
    use std::io::Write;
    let written = {
        let mut out = std::io::stdout().lock();
        out.write_fmt(args).and_then(|()| out.write_all(b"\n"))
    };
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(BROKEN_PIPE_EXIT);
        }
        eprintln!(
            "错误 [E-IO]：无法写出结果：{}",
            yanglao_domain::io_error_zh(&e)
        );
        std::process::exit(1);
    }
}

pub fn json<T: serde::Serialize>(v: &T) {
    println!("{}", serde_json::to_string_pretty(v).expect("serialisable"));
}

/// Who did something, as recorded: the name given with `--by` (or the login), or 系统 when the
/// program acted without one.
pub fn who(actor: &str) -> &str {
    match actor {
        "system" | "" => "系统",
        a => a,
    }
}

pub fn yuan(fen: i64) -> String {
    format!("{} 元", format_yuan(fen))
}

/// Writes an import's error report (`<stem>.错误报告.xlsx`) beside its file, or into the temporary
/// directory when that is not writable, and records where in the outcome.
pub fn write_error_report(input: &std::path::Path, o: &mut ImportOutcome) {
    if o.errors.is_empty() {
        return;
    }
    let bytes = match yanglao_ops::imports::problems::error_report_xlsx(&o.errors, &o.warnings) {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(
                "错误报告无法生成：{}",
                yanglao_ops::imports::problems::xlsx_error_zh(&e)
            );
            return;
        }
    };
    let Some(stem) = input.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
        return;
    };
    let name = format!("{stem}.错误报告.xlsx");
    let beside = input
        .parent()
        .map(|d| d.join(&name))
        .unwrap_or_else(|| std::path::PathBuf::from(&name));
    let written = match std::fs::write(&beside, &bytes) {
        Ok(()) => Some(beside),
        Err(e) => {
            tracing::warn!("无法在原文件旁写入错误报告 {}：{e}", beside.display());
            let alt = std::env::temp_dir().join(&name);
            std::fs::write(&alt, &bytes).ok().map(|_| alt)
        }
    };
    o.error_report = written.map(|p| p.display().to_string());
}

pub fn import(o: &ImportOutcome) {
    let kind = yanglao_ops::imports::problems::import_kind_zh(o.kind);
    println!("{kind}文件：{}", o.file);
    if o.already_imported {
        println!(
            "此文件（内容相同）已于导入批次 #{} 导入过，本次未重复记账。",
            o.import_id.unwrap_or_default()
        );
        return;
    }
    println!("数据行：{}", o.rows);
    if !o.errors.is_empty() {
        println!(
            "校验未通过：{} 处错误，整个文件未导入，数据库未作任何改动。",
            o.errors.len()
        );
        for p in o.errors.iter().take(PRINTED) {
            println!(
                "  第 {} 行 {} 值“{}” [{}] {}",
                p.row, p.column, p.value, p.code, p.message
            );
        }
        if o.errors.len() > PRINTED {
            println!("  ……另有 {} 处错误", o.errors.len() - PRINTED);
        }
        if let Some(r) = &o.error_report {
            println!("逐行错误报告：{r}");
        }
    } else if o.dry_run {
        println!(
            "试运行（--dry-run）：全部通过校验，可导入 {} 行，已导入过 {} 行；未写入数据库。",
            o.rows - o.skipped,
            o.skipped
        );
    } else {
        println!(
            "导入完成（批次 #{}）：新增 {} 行，更新 {} 行，已导入过而跳过 {} 行。",
            o.import_id.unwrap_or_default(),
            o.posted,
            o.updated,
            o.skipped
        );
    }
    if let Some(d) = &o.details {
        if o.ok() && !o.dry_run && o.kind == "deaths" {
            let n = |k: &str| d[k].as_i64().unwrap_or(0);
            println!(
                "精确匹配 {} 条，待人工审核 {} 条，未匹配 {} 条；确认死亡 {} 人，村报待官方确认而暂停发放 {} 人；从发放草稿中移除 {} 笔；新增多发待遇 {}（涉及 {} 人）",
                n("matched"),
                n("review"),
                n("unmatched"),
                n("deaths_confirmed"),
                n("suspended_pending_confirmation"),
                n("draft_lines_dropped"),
                yuan(n("overpaid_fen")),
                n("recovery_cases")
            );
        }
    }
    if !o.warnings.is_empty() {
        println!("警告 {} 条（已接受）：", o.warnings.len());
        for p in o.warnings.iter().take(PRINTED) {
            println!(
                "  第 {} 行 {} 值“{}” [{}] {}",
                p.row, p.column, p.value, p.code, p.message
            );
        }
    }
}
