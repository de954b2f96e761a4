//! API tokens: the city administrator issues one to an account for a program that calls the HTTP
//! API as that account (its role and counties apply), and revokes it. The token is shown once;
//! only its SHA-256 is kept. Issuing and revoking are audited.

use crate::access::{Action, Actor};
use crate::sessions::{now_s, random_token};
use crate::users;
use crate::{audit, Ctx, OpsError, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use yanglao_store::{Db, Param};

/// A token's first characters, by which a list names it (the whole token is never shown again).
const PREFIX: &str = "ylt_";

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A token as the administrator's list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub token_id: i64,
    pub account: String,
    pub label: String,
    pub issued_by: String,
    pub issued_s: i64,
    pub last_used_s: Option<i64>,
    pub revoked: bool,
}

/// A new token: the secret (shown once) and its entry.
#[derive(Debug, Clone, Serialize)]
pub struct Issued {
    pub token: String,
    pub info: TokenInfo,
}

/// Issues a token for the account `name`, labelled (what program uses it).
pub fn issue(ctx: &mut Ctx, name: &str, label: &str) -> Result<Issued> {
    ctx.actor.require(Action::Users)?;
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(OpsError::rule(
            "E-TOKEN-LABEL",
            "请写明令牌的用途（1 至 100 个字符），如“县区对账程序”",
        ));
    }
    let token = format!("{PREFIX}{}", random_token()?);
    let by = ctx.who();
    let now = now_s();
    let info = ctx.db.transaction(|tx| -> Result<TokenInfo> {
        let a = users::find(tx, name)?.ok_or_else(|| {
            OpsError::rule("E-USER-UNKNOWN", format!("没有名为“{name}”的账号"))
        })?;
        if a.user_id == crate::access::SYSTEM_USER_ID || !a.enabled {
            return Err(OpsError::rule(
                "E-TOKEN-ACCOUNT",
                format!("账号“{name}”是系统账号或已停用，不能发放令牌"),
            ));
        }
        let id = tx.allocate_ids("api_tokens", 1)?;
        tx.exec(
            "INSERT INTO api_tokens (token_id, token_hash, user_id, label, issued_by, issued_s) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                Param::Int(id),
                Param::Text(&hash(&token)),
                Param::Int(a.user_id),
                Param::Text(label),
                Param::Text(&by),
                Param::Int(now),
            ],
        )?;
        audit(tx, &by, "token.issue", &serde_json::json!({"token_id": id, "account": name, "label": label}))?;
        Ok(TokenInfo {
            token_id: id,
            account: name.to_string(),
            label: label.to_string(),
            issued_by: by.clone(),
            issued_s: now,
            last_used_s: None,
            revoked: false,
        })
    })?;
    Ok(Issued { token, info })
}

/// The tokens of the account `name` (every account's when `None`), newest first.
pub fn list(ctx: &mut Ctx, name: Option<&str>) -> Result<Vec<TokenInfo>> {
    ctx.actor.require(Action::Users)?;
    ctx.db.read_transaction(|tx| {
        let rows = tx.query(
            "SELECT t.token_id, u.name, t.label, t.issued_by, t.issued_s, t.last_used_s, t.revoked_s IS NOT NULL
             FROM api_tokens t JOIN users u ON u.user_id = t.user_id
             WHERE ($1 = '' OR u.name = $1) ORDER BY t.token_id DESC",
            &[Param::Text(name.unwrap_or(""))],
        )?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    token_id: r.i64(0)?,
                    account: r.str(1)?,
                    label: r.str(2)?,
                    issued_by: r.str(3)?,
                    issued_s: r.i64(4)?,
                    last_used_s: r.opt_i64(5)?,
                    revoked: r.bool(6)?,
                })
            })
            .collect()
    })
}

/// Revokes the token `token_id`: from now on it opens nothing.
/// Revokes the account's token `token_id` (a token of another account is not found).
pub fn revoke(ctx: &mut Ctx, account: &str, token_id: i64) -> Result<()> {
    ctx.actor.require(Action::Users)?;
    let by = ctx.who();
    ctx.db.transaction(|tx| {
        let n = tx.exec(
            "UPDATE api_tokens SET revoked_s = $2, revoked_by = $3
             WHERE token_id = $1 AND revoked_s IS NULL AND user_id = (SELECT user_id FROM users WHERE name = $4)",
            &[Param::Int(token_id), Param::Int(now_s()), Param::Text(&by), Param::Text(account)],
        )?;
        if n == 0 {
            return Err(OpsError::rule(
                "E-TOKEN-UNKNOWN",
                format!("账号“{account}”没有编号为 {token_id} 的有效令牌"),
            ));
        }
        audit(
            tx,
            &by,
            "token.revoke",
            &serde_json::json!({"token_id": token_id, "account": account}),
        )
    })
}

/// The account a token acts as, if the token is valid and its account enabled. The last use is
/// written at most once a minute.
pub fn actor_of(db: &mut Db, token: &str) -> Result<Option<Actor>> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let h = hash(token);
    let row = db.read_transaction(|tx| {
        tx.query_opt(
            "SELECT t.token_id, u.name, u.enabled, t.last_used_s FROM api_tokens t JOIN users u ON u.user_id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_s IS NULL",
            &[Param::Text(&h)],
        )
    })?;
    let Some(r) = row else {
        return Ok(None);
    };
    if !r.bool(2)? {
        return Ok(None);
    }
    let now = now_s();
    if r.opt_i64(3)?.is_none_or(|t| now - t >= 60) {
        let id = r.i64(0)?;
        db.transaction(|tx| {
            tx.exec(
                "UPDATE api_tokens SET last_used_s = $2 WHERE token_id = $1",
                &[Param::Int(id), Param::Int(now)],
            )
        })?;
    }
    let name = r.str(1)?;
    Ok(Some(
        db.read_transaction(|tx| users::actor_named(tx, &name))?,
    ))
}
