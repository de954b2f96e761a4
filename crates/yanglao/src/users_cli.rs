//! `yanglao users …`: the accounts that act, wiring and printing.

use crate::context::{err, open, CliError, Global};
use crate::output;
use clap::Subcommand;
use std::io::Read;
use yanglao_ops::users::{self, Account, NewAccount};
use yanglao_ops::Role;

#[derive(Subcommand)]
pub enum UsersCmd {
    /// 新建账号（由市级管理员或服务器上的系统账号办理）
    Add {
        /// 账号名（登录名，用于 --by）
        name: String,
        /// 角色：经办员、审核员、市级管理员、财政局、评价机构
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// 所在县区（代码或名称；经办员、审核员必填，可重复或用逗号分隔多个）
        #[arg(long, value_name = "COUNTY", value_delimiter = ',')]
        county: Vec<String>,
        /// 显示的姓名（默认同账号名）
        #[arg(long = "display-name", value_name = "NAME")]
        display_name: Option<String>,
        /// 从标准输入读取登录网页所用的密码（不设密码的账号只能在命令行上使用）
        #[arg(long = "password-stdin")]
        password_stdin: bool,
    },
    /// 列出全部账号
    List,
    /// 停用账号（账号不删除：审计日志和账簿仍记其名）
    Disable {
        /// 账号名
        name: String,
    },
    /// 重新启用已停用的账号
    Enable {
        /// 账号名
        name: String,
    },
    /// 设置或重设账号的登录密码（从标准输入读取）
    Password {
        /// 账号名
        name: String,
    },
}

fn read_password() -> Result<String, CliError> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| err("E-USER-PASSWORD", format!("无法从标准输入读取密码：{e}")))?;
    Ok(text.lines().next().unwrap_or("").to_string())
}

fn print_account(a: &Account) {
    let counties = if a.counties.is_empty() {
        "全市".to_string()
    } else {
        a.counties
            .iter()
            .map(|c| yanglao_ops::access::county_label(c))
            .collect::<Vec<_>>()
            .join("、")
    };
    println!(
        "  {}（{}）  {}  {}  {}{}",
        a.name,
        a.display_name,
        a.role_zh,
        counties,
        if a.enabled { "启用" } else { "已停用" },
        if a.can_sign_in {
            "，已设登录密码"
        } else {
            ""
        }
    );
}

pub fn users(cli: &Global, cmd: &UsersCmd) -> Result<i32, CliError> {
    let mut ctx = open(cli)?;
    let account = match cmd {
        UsersCmd::Add {
            name,
            role,
            county,
            display_name,
            password_stdin,
        } => {
            let role = Role::parse(role).ok_or_else(|| {
                err(
                    "E-USER-ROLE",
                    format!("角色“{role}”无法识别（可用：经办员、审核员、市级管理员、财政局、评价机构）"),
                )
            })?;
            let password = password_stdin.then(read_password).transpose()?;
            let a = users::add(
                &mut ctx,
                &NewAccount {
                    name,
                    display_name: display_name.as_deref(),
                    role,
                    counties: county,
                    password: password.as_deref(),
                },
            )?;
            if !cli.json {
                println!("已新建账号：");
            }
            a
        }
        UsersCmd::List => {
            let list = users::list(&mut ctx)?;
            if cli.json {
                output::json(&list);
            } else {
                println!("共 {} 个账号：", list.len());
                for a in &list {
                    print_account(a);
                }
            }
            return Ok(0);
        }
        UsersCmd::Disable { name } => {
            let a = users::set_enabled(&mut ctx, name, false)?;
            if !cli.json {
                println!("已停用账号：");
            }
            a
        }
        UsersCmd::Enable { name } => {
            let a = users::set_enabled(&mut ctx, name, true)?;
            if !cli.json {
                println!("已启用账号：");
            }
            a
        }
        UsersCmd::Password { name } => {
            let password = read_password()?;
            let a = users::set_password(&mut ctx, name, &password)?;
            if !cli.json {
                println!("已设置登录密码：");
            }
            a
        }
    };
    if cli.json {
        output::json(&account);
    } else {
        print_account(&account);
    }
    Ok(0)
}
