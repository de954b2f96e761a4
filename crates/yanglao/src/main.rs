//! The `yanglao` command.

/// Every line the command prints goes through here (this macro shadows the standard one in every
/// module of the binary): a reader that stops reading (`yanglao payroll list | head -1`) ends the
/// command quietly instead of a panic.
macro_rules! println {
    () => {
        $crate::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}

mod args;
mod bench_cli;
mod bench_province;
mod bench_run;
mod books_cli;
mod cli;
mod context;
mod deaths_cli;
mod eval_cli;
mod help;
mod lists_cli;
mod output;
mod payroll_cli;
mod policy_cli;
mod progress;
mod quickstart;
mod register_cli;
mod serve_cli;
mod sim_cli;
mod users_cli;
mod values;

use clap::FromArgMatches;

fn main() {
    let matches = help::command()
        .try_get_matches()
        .unwrap_or_else(|e| args::fail(e));
    let args = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| args::fail(e));
    let filter = tracing_subscriber::EnvFilter::try_from_env("YANGLAO_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(if args.verbose { "info" } else { "warn" })
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let json = args.json;
    match cli::run(args) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"ok": false, "code": e.code, "message": e.message})
                );
            } else {
                eprintln!("错误 [{}]：{}", e.code, e.message);
            }
            std::process::exit(1);
        }
    }
}
