//! Accounts: who may act, in which role and counties (`yanglao users …`).
//!
//! Accounts live in the database. The command line acts as a named account (`--by NAME`) or,
//! without one, as the system account; the staff web application signs accounts in with their
//! password (argon2id, stored as a PHC string). An account is never deleted — the audit log and
//! the books name it — only disabled.

use crate::access::{Action, Actor, Role, SYSTEM_USER_ID};
use crate::{audit, known_counties, Ctx, OpsError, Result};
use argon2::password_hash::PasswordHasher;
use argon2::Argon2;
use serde::Serialize;
use yanglao_store::{Param, Tx};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest account name.
pub const MAX_NAME_CHARS: usize = 32;

/// An account as `users list` shows it (never its password hash).
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub user_id: i64,
    pub name: String,
    pub display_name: String,
    pub role: Role,
    pub role_zh: &'static str,
    pub counties: Vec<String>,
    pub enabled: bool,
    /// Whether a password is set (the account can sign in to the web).
    pub can_sign_in: bool,
    pub created_by: String,
    /// "YYYY-MM-DD HH:MM:SS" (UTC).
    pub created_at: String,
}

impl Account {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id,
            name: self.name.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            counties: self.counties.clone(),
        }
    }
}

/// What `users add` asks for.
pub struct NewAccount<'a> {
    pub name: &'a str,
    pub display_name: Option<&'a str>,
    pub role: Role,
    pub counties: &'a [String],
    pub password: Option<&'a str>,
}

const SELECT: &str = "SELECT user_id, name, display_name, role, enabled, password_hash IS NOT NULL, created_by, CAST(created_at AS TEXT) FROM users";

fn read_accounts(tx: &mut Tx<'_>, filter: &str, params: &[Param<'_>]) -> Result<Vec<Account>> {
    let rows = tx.query(&format!("{SELECT} {filter} ORDER BY user_id"), params)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let code = r.str(3)?;
        let role = Role::parse(&code)
            .ok_or_else(|| OpsError::rule("E-USER-ROLE", format!("账号角色“{code}”无法识别")))?;
        let user_id = r.i64(0)?;
        let counties = tx
            .query(
                "SELECT county FROM user_counties WHERE user_id = $1 ORDER BY county",
                &[Param::Int(user_id)],
            )?
            .iter()
            .map(|c| c.str(0))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        out.push(Account {
            user_id,
            name: r.str(1)?,
            display_name: r.str(2)?,
            role,
            role_zh: role.zh(),
            counties,
            enabled: r.bool(4)?,
            can_sign_in: r.bool(5)?,
            created_by: r.str(6)?,
            created_at: r.str(7)?.replace('T', " ").chars().take(19).collect(),
        });
    }
    Ok(out)
}

/// The account named `name`, enabled or not.
pub fn find(tx: &mut Tx<'_>, name: &str) -> Result<Option<Account>> {
    Ok(read_accounts(tx, "WHERE name = $1", &[Param::Text(name)])?
        .into_iter()
        .next())
}

/// The actor of the enabled account `name`: refuses a name no account has (E-USER-UNKNOWN) and
/// a disabled account (E-USER-DISABLED).
pub fn actor_named(tx: &mut Tx<'_>, name: &str) -> Result<Actor> {
    match find(tx, name)? {
        None => Err(OpsError::rule(
            "E-USER-UNKNOWN",
            format!("没有名为“{name}”的账号（由市级管理员用 yanglao users add 创建；yanglao users list 列出已有账号）"),
        )),
        Some(a) if !a.enabled => Err(OpsError::rule(
            "E-USER-DISABLED",
            format!("账号“{name}”已停用，不能再办理业务"),
        )),
        Some(a) => Ok(a.actor()),
    }
}

fn check_password(name: &str, password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(OpsError::rule(
            "E-USER-PASSWORD",
            format!("密码至少 {MIN_PASSWORD_CHARS} 个字符"),
        ));
    }
    if password.trim().eq_ignore_ascii_case(name.trim()) {
        return Err(OpsError::rule("E-USER-PASSWORD", "密码不能与账号名相同"));
    }
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| OpsError::rule("E-USER-PASSWORD", format!("密码无法加密保存：{e}")))?;
    Ok(hash.to_string())
}

fn check_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    if n == 0 || n > MAX_NAME_CHARS {
        return Err(OpsError::rule(
            "E-USER-NAME",
            format!("账号名须为 1 至 {MAX_NAME_CHARS} 个字符"),
        ));
    }
    if name
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || ",，/?#%\\&=+;\"'<>".contains(c))
    {
        return Err(OpsError::rule(
            "E-USER-NAME",
            format!("账号名“{name}”不能含空格、逗号或 / ? # % & = + ; 引号 < > \\ 等符号"),
        ));
    }
    Ok(())
}

fn check_counties(tx: &mut Tx<'_>, role: Role, counties: &[String]) -> Result<Vec<String>> {
    let known = known_counties(tx)?;
    let mut out: Vec<String> = Vec::new();
    for c in counties {
        let c = c.trim();
        // A county given by its name is taken too.
        let code = known
            .iter()
            .find(|(code, name)| code.as_str() == c || name.as_str() == c)
            .map(|(code, _)| code.clone())
            .ok_or_else(|| {
                OpsError::rule(
                    "E-USER-COUNTY",
                    format!(
                        "县区“{c}”不在本系统的县区中（{}）",
                        known
                            .iter()
                            .map(|(k, v)| format!("{k} {v}"))
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                )
            })?;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    out.sort();
    if role.county_bound() && out.is_empty() {
        return Err(OpsError::rule(
            "E-USER-COUNTY",
            format!("{}须指定所在县区（--county）", role.zh()),
        ));
    }
    if !role.county_bound() && !out.is_empty() {
        return Err(OpsError::rule(
            "E-USER-COUNTY",
            format!("{}在全市办理业务，不能限定县区", role.zh()),
        ));
    }
    Ok(out)
}

/// `users add`: a new account.
pub fn add(ctx: &mut Ctx, new: &NewAccount<'_>) -> Result<Account> {
    ctx.actor.require(Action::Users)?;
    check_name(new.name)?;
    if new.role == Role::System {
        return Err(OpsError::rule(
            "E-USER-ROLE",
            "系统账号只有一个，随数据库创建，不能再添加",
        ));
    }
    let hash = new
        .password
        .map(|p| check_password(new.name, p))
        .transpose()?;
    let by = ctx.actor.name.clone();
    ctx.db.transaction(|tx| -> Result<Account> {
        let counties = check_counties(tx, new.role, new.counties)?;
        if find(tx, new.name)?.is_some() {
            return Err(OpsError::rule(
                "E-USER-EXISTS",
                format!("已有名为“{}”的账号", new.name),
            ));
        }
        let id = tx.allocate_ids("users", 1)?;
        let display = new.display_name.unwrap_or(new.name);
        tx.exec(
            "INSERT INTO users (user_id, name, display_name, role, password_hash, enabled, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7)",
            &[
                Param::Int(id),
                Param::Text(new.name),
                Param::Text(display),
                Param::Text(new.role.code()),
                Param::from(hash.as_deref()),
                Param::Text(&by),
                Param::Timestamp(yanglao_store::now()),
            ],
        )?;
        for c in &counties {
            tx.exec(
                "INSERT INTO user_counties (user_id, county) VALUES ($1, $2)",
                &[Param::Int(id), Param::Text(c)],
            )?;
        }
        audit(
            tx,
            &by,
            "users.add",
            &serde_json::json!({"user_id": id, "name": new.name, "display_name": display,
                "role": new.role.code(), "counties": counties, "password_set": hash.is_some()}),
        )?;
        Ok(find(tx, new.name)?.expect("just added"))
    })
}

/// Ends every open web session of the account `user_id` (signing out everywhere; also when the
/// account is disabled or gets a new password). Returns how many were open.
pub fn end_sessions(tx: &mut Tx<'_>, user_id: i64, now_s: i64, reason: &str) -> Result<u64> {
    Ok(tx.exec(
        "UPDATE web_sessions SET ended_s = $1, end_reason = $3 WHERE user_id = $2 AND ended_s IS NULL",
        &[Param::Int(now_s), Param::Int(user_id), Param::Text(reason)],
    )?)
}

/// `users list`: every account, the system account first.
pub fn list(ctx: &mut Ctx) -> Result<Vec<Account>> {
    ctx.actor.require(Action::Read)?;
    ctx.db.read_transaction(|tx| read_accounts(tx, "", &[]))
}

/// `users change`: a new role, counties or display name for an account. The change holds from
/// the account's next request (a session reads its account at each request). The system account
/// and the acting account's own role are not changed here.
pub fn change(
    ctx: &mut Ctx,
    name: &str,
    role: Role,
    counties: &[String],
    display_name: Option<&str>,
) -> Result<Account> {
    ctx.actor.require(Action::Users)?;
    if role == Role::System {
        return Err(OpsError::rule(
            "E-USER-ROLE",
            "系统账号只有一个，随数据库创建，不能把其他账号改为系统账号",
        ));
    }
    let by = ctx.actor.name.clone();
    let by_id = ctx.actor.user_id;
    ctx.db.transaction(|tx| -> Result<Account> {
        let before = find(tx, name)?.ok_or_else(|| {
            OpsError::rule("E-USER-UNKNOWN", format!("没有名为“{name}”的账号"))
        })?;
        if before.user_id == SYSTEM_USER_ID {
            return Err(OpsError::rule("E-USER-SELF", "系统账号不能修改"));
        }
        if before.user_id == by_id && role != before.role {
            return Err(OpsError::rule(
                "E-USER-SELF",
                "不能修改自己正在使用的账号的角色（请由另一位市级管理员修改）",
            ));
        }
        let counties = check_counties(tx, role, counties)?;
        let display = display_name
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .unwrap_or(&before.display_name)
            .to_string();
        tx.exec(
            "UPDATE users SET role = $2, display_name = $3, changed_by = $4, changed_at = $5 WHERE user_id = $1",
            &[
                Param::Int(before.user_id),
                Param::Text(role.code()),
                Param::Text(&display),
                Param::Text(&by),
                Param::Timestamp(yanglao_store::now()),
            ],
        )?;
        tx.exec(
            "DELETE FROM user_counties WHERE user_id = $1",
            &[Param::Int(before.user_id)],
        )?;
        for c in &counties {
            tx.exec(
                "INSERT INTO user_counties (user_id, county) VALUES ($1, $2)",
                &[Param::Int(before.user_id), Param::Text(c)],
            )?;
        }
        audit(
            tx,
            &by,
            "users.change",
            &serde_json::json!({
                "user_id": before.user_id, "name": name,
                "before": {"role": before.role.code(), "counties": before.counties, "display_name": before.display_name},
                "after": {"role": role.code(), "counties": counties, "display_name": display},
            }),
        )?;
        Ok(find(tx, name)?.expect("exists"))
    })
}

/// `users disable` / `users enable`.
pub fn set_enabled(ctx: &mut Ctx, name: &str, enabled: bool) -> Result<Account> {
    ctx.actor.require(Action::Users)?;
    let by = ctx.actor.name.clone();
    let by_id = ctx.actor.user_id;
    ctx.db.transaction(|tx| -> Result<Account> {
        let a = find(tx, name)?.ok_or_else(|| {
            OpsError::rule("E-USER-UNKNOWN", format!("没有名为“{name}”的账号"))
        })?;
        if !enabled && (a.user_id == SYSTEM_USER_ID || a.user_id == by_id) {
            return Err(OpsError::rule(
                "E-USER-SELF",
                if a.user_id == SYSTEM_USER_ID {
                    "系统账号不能停用".to_string()
                } else {
                    "不能停用自己正在使用的账号".to_string()
                },
            ));
        }
        if a.enabled != enabled {
            tx.exec(
                "UPDATE users SET enabled = $2, changed_by = $3, changed_at = $4 WHERE user_id = $1",
                &[
                    Param::Int(a.user_id),
                    Param::Bool(enabled),
                    Param::Text(&by),
                    Param::Timestamp(yanglao_store::now()),
                ],
            )?;
            let ended = if enabled {
                0
            } else {
                end_sessions(tx, a.user_id, yanglao_store::now().timestamp(), "disabled")?
            };
            audit(
                tx,
                &by,
                if enabled { "users.enable" } else { "users.disable" },
                &serde_json::json!({"user_id": a.user_id, "name": name, "sessions_ended": ended}),
            )?;
        }
        Ok(find(tx, name)?.expect("exists"))
    })
}

/// `users password`: sets or replaces an account's password.
pub fn set_password(ctx: &mut Ctx, name: &str, password: &str) -> Result<Account> {
    ctx.actor.require(Action::Users)?;
    let hash = check_password(name, password)?;
    let by = ctx.actor.name.clone();
    ctx.db.transaction(|tx| -> Result<Account> {
        let a = find(tx, name)?.ok_or_else(|| {
            OpsError::rule("E-USER-UNKNOWN", format!("没有名为“{name}”的账号"))
        })?;
        if a.user_id == SYSTEM_USER_ID {
            return Err(OpsError::rule(
                "E-USER-SELF",
                "系统账号只在服务器的命令行上使用，不设密码",
            ));
        }
        tx.exec(
            "UPDATE users SET password_hash = $2, changed_by = $3, changed_at = $4, failed_sign_ins = 0, locked_until_s = NULL WHERE user_id = $1",
            &[
                Param::Int(a.user_id),
                Param::Text(&hash),
                Param::Text(&by),
                Param::Timestamp(yanglao_store::now()),
            ],
        )?;
        // A new password ends the sessions the old one opened (and lifts a lock).
        let ended =
            end_sessions(tx, a.user_id, yanglao_store::now().timestamp(), "password_changed")?;
        audit(
            tx,
            &by,
            "users.password",
            &serde_json::json!({"user_id": a.user_id, "name": name, "sessions_ended": ended}),
        )?;
        Ok(find(tx, name)?.expect("exists"))
    })
}

/// Adds the account unless one of its name exists (the demo, the bundled example, benchmarks
/// and tests create the accounts they act as).
pub fn ensure(ctx: &mut Ctx, new: &NewAccount<'_>) -> Result<Account> {
    let existing = ctx.db.read_transaction(|tx| find(tx, new.name))?;
    match existing {
        Some(a) => Ok(a),
        None => add(ctx, new),
    }
}

/// Ensures a reviewer `name` of every county the register knows, and acts as it.
pub fn act_as_reviewer_of_all(ctx: &mut Ctx, name: &str) -> Result<()> {
    let counties: Vec<String> = ctx
        .db
        .read_transaction(|tx| Ok::<_, OpsError>(known_counties(tx)?.into_keys().collect()))?;
    let back = std::mem::replace(&mut ctx.actor, Actor::system());
    let made = ensure(
        ctx,
        &NewAccount {
            name,
            display_name: None,
            role: Role::Reviewer,
            counties: &counties,
            password: None,
        },
    );
    ctx.actor = back;
    made?;
    ctx.act_as(name)
}
