//! Command-line arguments as people read about them: values checked with a Chinese message and a
//! code, and the parser's own errors said in Chinese (help screens through `crate::help`).

use crate::values::ArgError;
use clap::error::{ContextKind, ContextValue, ErrorKind};

/// An argument as the parser names it (`--year <YEAR>`, `<ID>`), as a person reads it: an option by
/// its name (`--year`), a positional argument by what it holds (`编号`).
fn arg_name(a: &str) -> String {
    let a = a.trim();
    if a.starts_with('-') {
        return a.split_whitespace().next().unwrap_or(a).to_string();
    }
    let bare = a.trim_start_matches('<').trim_end_matches('>');
    let bare = bare.trim_end_matches("...");
    match bare {
        "ID" => "编号".to_string(),
        "CASE_ID" => "案件编号".to_string(),
        "CITIZEN_ID" => "身份证号".to_string(),
        "FILE" => "文件".to_string(),
        other => other.to_string(),
    }
}

fn text(v: &ContextValue) -> String {
    match v {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(list) => list.join("、"),
        ContextValue::StyledStr(s) => s.to_string(),
        ContextValue::StyledStrs(list) => list
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("、"),
        ContextValue::Number(n) => n.to_string(),
        ContextValue::Bool(b) => b.to_string(),
        ContextValue::None => String::new(),
        _ => String::new(),
    }
}

/// The code and Chinese message of a parser error; `None` for help and version, which clap prints.
pub fn describe(e: &clap::Error) -> Option<(&'static str, String)> {
    let get = |k: ContextKind| e.get(k).map(text).unwrap_or_default();
    let names = |k: ContextKind| match e.get(k) {
        Some(ContextValue::Strings(list)) => list
            .iter()
            .map(|a| arg_name(a))
            .collect::<Vec<_>>()
            .join("、"),
        Some(v) => arg_name(&text(v)),
        None => String::new(),
    };
    let arg = names(ContextKind::InvalidArg);
    let value = get(ContextKind::InvalidValue);
    let suggestion = |k: ContextKind| {
        let s = get(k);
        if s.is_empty() {
            String::new()
        } else {
            format!("；是否要用“{s}”？")
        }
    };
    let out = match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => return None,
        ErrorKind::InvalidValue => {
            let valid = get(ContextKind::ValidValue);
            (
                "E-ARG-VALUE",
                if value.is_empty() {
                    format!("参数 {arg} 缺少取值")
                } else if valid.is_empty() {
                    format!("参数 {arg} 的值“{value}”无效")
                } else {
                    format!("参数 {arg} 的值“{value}”无效，可选的值：{valid}")
                },
            )
        }
        ErrorKind::ValueValidation => {
            let source = std::error::Error::source(e);
            if let Some(a) = source.and_then(|s| s.downcast_ref::<ArgError>()) {
                (a.code, format!("参数 {arg}：{}", a.message))
            } else {
                let what = match source {
                    Some(s) if s.is::<std::num::ParseIntError>() => "：应为整数",
                    Some(s) if s.is::<std::num::ParseFloatError>() => "：应为数字",
                    _ => "",
                };
                ("E-ARG-VALUE", format!("参数 {arg} 的值“{value}”无效{what}"))
            }
        }
        ErrorKind::UnknownArgument => (
            "E-ARG-UNKNOWN",
            format!(
                "无法识别的参数“{arg}”{}",
                suggestion(ContextKind::SuggestedArg)
            ),
        ),
        ErrorKind::InvalidSubcommand => (
            "E-ARG-UNKNOWN",
            format!(
                "无法识别的命令“{}”{}",
                get(ContextKind::InvalidSubcommand),
                suggestion(ContextKind::SuggestedSubcommand)
            ),
        ),
        ErrorKind::MissingRequiredArgument => ("E-ARG-MISSING", format!("缺少必填的参数：{arg}")),
        ErrorKind::MissingSubcommand => ("E-ARG-MISSING", "缺少要执行的命令".to_string()),
        ErrorKind::ArgumentConflict => (
            "E-ARG-CONFLICT",
            format!(
                "参数 {arg} 不能与 {} 同时使用",
                names(ContextKind::PriorArg)
            ),
        ),
        ErrorKind::InvalidUtf8 => ("E-ARG", "参数中含有无效的 UTF-8 字符".to_string()),
        ErrorKind::TooManyValues
        | ErrorKind::TooFewValues
        | ErrorKind::WrongNumberOfValues
        | ErrorKind::NoEquals => (
            "E-ARG",
            format!(
                "参数 {} 的取值个数或写法有误",
                if arg.is_empty() { value } else { arg }
            ),
        ),
        _ => ("E-ARG", "命令行参数有误".to_string()),
    };
    Some(out)
}

/// Prints a parser error in Chinese (as JSON with `--json`) and ends the command with status 2;
/// a help screen is printed in Chinese (`crate::help`), the version by clap.
pub fn fail(e: clap::Error) -> ! {
    let Some((code, message)) = describe(&e) else {
        if e.kind() == ErrorKind::DisplayVersion {
            e.exit()
        }
        // A help screen, with the words clap fixes in Chinese (plain text: no colours).
        let text = crate::help::translate(&e.render().to_string());
        if e.use_stderr() {
            eprint!("{text}");
        } else {
            // Through the binary's `println!`: a reader that stops reading ends it quietly.
            println!("{}", text.trim_end_matches('\n'));
        }
        std::process::exit(e.exit_code())
    };
    if std::env::args_os().any(|a| a == "--json") {
        println!(
            "{}",
            serde_json::json!({"ok": false, "code": code, "message": message})
        );
    } else {
        eprintln!("错误 [{code}]：{message}");
        eprintln!("运行 yanglao --help（或 yanglao 命令 --help）查看命令与参数。");
    }
    std::process::exit(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_named_as_people_read_them() {
        assert_eq!(arg_name("--year <YEAR>"), "--year");
        assert_eq!(arg_name("<ID>"), "编号");
        assert_eq!(arg_name("<CITIZEN_ID>"), "身份证号");
        assert_eq!(arg_name("--dry-run"), "--dry-run");
    }
}
