//! The help screens in Chinese. The texts of the commands and arguments are their doc comments
//! (`cli.rs`, `sim_cli.rs`); this module puts clap's own words in Chinese: the layout (用法, 命令,
//! 参数, 选项) through a help template and help headings, the help and version flags
//! replaced by Chinese ones, and the fixed words clap writes without a setting (its `help`
//! command, `[OPTIONS]`, `[default: …]`, …) translated in the rendered text.

use clap::{Arg, ArgAction, Command};

/// Every help screen: the command's description, its usage and its sections.
const TEMPLATE: &str = "{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

const COMMANDS: &str = "命令";
const ARGUMENTS: &str = "参数";
const OPTIONS: &str = "选项";

/// Where the options every command shares are listed: after each command's own.
const SHARED_ORDER: usize = 1000;

/// The command line of `yanglao`, every screen of its help in Chinese.
pub fn command() -> Command {
    localize(<crate::cli::Cli as clap::CommandFactory>::command(), true)
}

fn help_flag() -> Arg {
    Arg::new("help")
        .short('h')
        .long("help")
        .action(ArgAction::Help)
        .help("显示帮助")
        .help_heading(OPTIONS)
        .display_order(2 * SHARED_ORDER)
}

/// Before the build: the template, the headings of every argument and a Chinese help flag, on
/// this command and every command under it; the version flag on the top one.
fn localize(cmd: Command, top: bool) -> Command {
    let mut cmd = cmd
        .help_template(TEMPLATE)
        .subcommand_help_heading(COMMANDS)
        .subcommand_value_name(COMMANDS)
        .disable_help_flag(true)
        .arg(help_flag());
    if top {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本号")
                .help_heading(OPTIONS)
                .display_order(2 * SHARED_ORDER + 1),
        );
    }
    // Options under 选项; positional arguments keep clap's own section, which comes first and
    // whose heading no setting reaches (`translate`). The options shared by every command
    // (`--db`, `--by`, …) come after each command's own.
    let options: Vec<(clap::Id, bool)> = cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && a.get_help_heading().is_none())
        .map(|a| (a.get_id().clone(), a.is_global_set()))
        .collect();
    for (i, (id, global)) in options.into_iter().enumerate() {
        cmd = cmd.mut_arg(id, |a| {
            let a = a.help_heading(OPTIONS);
            if global || top {
                a.display_order(SHARED_ORDER + i)
            } else {
                a
            }
        });
    }
    cmd.mut_subcommands(|s| localize(s, false))
}

/// What clap writes whatever the settings — the `help` command it adds beside the others
/// (created while parsing, out of reach of any setting), `[OPTIONS]` in a usage, `[default: …]`
/// after an argument — in Chinese; and the headings with the Chinese colon.
pub fn translate(rendered: &str) -> String {
    const HEADINGS: &[(&str, &str)] = &[
        ("Commands:", COMMANDS),
        ("Arguments:", ARGUMENTS),
        ("Options:", OPTIONS),
        ("命令:", COMMANDS),
        ("参数:", ARGUMENTS),
        ("选项:", OPTIONS),
    ];
    const WORDS: &[(&str, &str)] = &[
        (
            "Print this message or the help of the given subcommand(s)",
            "显示本帮助，或所给命令的帮助",
        ),
        ("Print help for the subcommand(s)", "要查看帮助的命令"),
        ("[OPTIONS]", "[选项]"),
        ("[COMMAND]", "[命令]"),
        ("<COMMAND>", "<命令>"),
        ("[default: ", "[默认："),
        ("[possible values: ", "[可选值："),
        ("[env: ", "[环境变量："),
        ("[aliases: ", "[别名："),
        ("[alias: ", "[别名："),
    ];
    let mut out = String::with_capacity(rendered.len());
    for line in rendered.split_inclusive('\n') {
        let (text, end) = match line.strip_suffix('\n') {
            Some(t) => (t, "\n"),
            None => (line, ""),
        };
        if let Some((_, zh)) = HEADINGS.iter().find(|(h, _)| text.trim_end() == *h) {
            out.push_str(zh);
            out.push('：');
        } else {
            let mut text = match text.strip_prefix("Usage: ") {
                Some(usage) => format!("用法：{usage}"),
                None => text.to_string(),
            };
            for (en, zh) in WORDS {
                text = text.replace(en, zh);
            }
            out.push_str(&text);
        }
        out.push_str(end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definitions_are_consistent() {
        command().debug_assert();
    }

    #[test]
    fn clap_fixed_words_are_translated() {
        assert_eq!(
            translate("用法：yanglao [OPTIONS] <命令>\n\n选项:\n      --db <URL>  数据库 [env: YANGLAO_DB] [default: sqlite://yanglao.db]\n"),
            "用法：yanglao [选项] <命令>\n\n选项：\n      --db <URL>  数据库 [环境变量：YANGLAO_DB] [默认：sqlite://yanglao.db]\n"
        );
    }
}
