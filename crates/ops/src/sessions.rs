//! Signing in to the web: sessions kept in Yanglao's own database (`web_sessions`), repeated
//! wrong passwords locking an account for a while, signing out here or everywhere.
//!
//! The cookie carries a random token of 32 bytes; the table keeps only its SHA-256, so a copy of
//! the database signs no one in. Each session has its own form token against cross-site requests.
//! Sign-ins, refused sign-ins and sign-outs are in the audit log with the client's address.

use crate::access::Actor;
use crate::users;
use crate::{audit, from_address, OpsError, Result};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use sha2::{Digest, Sha256};
use yanglao_store::{Db, Param, Tx};

/// How long a session lives.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Ends after this many seconds without a request.
    pub idle_s: i64,
    /// Ends this many seconds after signing in, however busy.
    pub absolute_s: i64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            idle_s: 30 * 60,
            absolute_s: 12 * 3600,
        }
    }
}

/// When repeated wrong passwords lock an account.
#[derive(Debug, Clone, Copy)]
pub struct Lockout {
    /// Wrong passwords in a row that lock the account.
    pub failures: i64,
    /// For how long, in seconds.
    pub lock_s: i64,
}

impl Default for Lockout {
    fn default() -> Self {
        Lockout {
            failures: 5,
            lock_s: 15 * 60,
        }
    }
}

/// Where a request comes from, as the audit log records it.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub address: String,
    pub user_agent: Option<String>,
}

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    /// The token every form of this session carries.
    pub csrf_token: String,
    pub created_s: i64,
}

/// A new session: the cookie's token (shown once, never stored) and the session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub session: Session,
}

/// A last-seen time is written at most this often (seconds): a page view is a read, not a
/// write for every request.
const TOUCH_EVERY_S: i64 = 60;

/// The hash a wrong name is checked against, so that an unknown name takes as long as a wrong
/// password (a refusal does not tell which names exist). Made once.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        use argon2::PasswordHasher;
        Argon2::default()
            .hash_password(b"yanglao-no-such-account")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// A fresh random token, as 64 hex digits.
pub fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| OpsError::rule("E-INTERNAL", format!("无法取得随机数：{e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Signs `name` in with `password`: a session, or a refusal that says only that the name or the
/// password is wrong (E-USER-SIGN-IN), or that the account is locked for now (E-USER-LOCKED).
/// The password is checked outside any transaction (a hash takes tens of milliseconds; no write
/// waits for it), and a wrong one is counted in one statement, so parallel guesses each count.
pub fn sign_in(
    db: &mut Db,
    name: &str,
    password: &str,
    client: &Client,
    now_s: i64,
    lockout: Lockout,
) -> Result<SignedIn> {
    // Sessions and sign-ins are the server's bookkeeping: they leave the data's change counter.
    yanglao_store::bookkeeping(|| sign_in_counted(db, name, password, client, now_s, lockout))
}

fn sign_in_counted(
    db: &mut Db,
    name: &str,
    password: &str,
    client: &Client,
    now_s: i64,
    lockout: Lockout,
) -> Result<SignedIn> {
    from_address(&client.address, || {
        let wrong = || OpsError::rule("E-USER-SIGN-IN", "账号或密码不正确，或账号已停用");
        // A name no account can have is refused before anything is read or written (the audit
        // log keeps what it records for good).
        if name.is_empty() || name.chars().count() > users::MAX_NAME_CHARS {
            let _ = verify(dummy_hash(), password);
            return Err(wrong());
        }
        let row = db.read_transaction(|tx| {
            tx.query_opt(
                "SELECT user_id, password_hash, enabled, locked_until_s FROM users WHERE name = $1 AND user_id <> 0",
                &[Param::Text(name)],
            )
        })?;
        let refuse = |db: &mut Db, reason: &str, failures: Option<i64>| -> Result<()> {
            db.transaction(|tx| {
                audit(
                    tx,
                    name,
                    "session.sign_in_refused",
                    &serde_json::json!({"reason": reason, "failures": failures}),
                )
            })
        };
        let Some(row) = row else {
            let _ = verify(dummy_hash(), password);
            refuse(db, "unknown_account", None)?;
            return Err(wrong());
        };
        let user_id = row.i64(0)?;
        let hash = row.opt_str(1)?.map(|s| s.to_string());
        let enabled = row.bool(2)?;
        if let Some(until) = row.opt_i64(3)?.filter(|u| *u > now_s) {
            let minutes = (until - now_s + 59) / 60;
            refuse(db, "locked", None)?;
            return Err(OpsError::rule(
                "E-USER-LOCKED",
                format!("密码连续输错 {} 次，账号已暂时锁定：请 {minutes} 分钟后再试，或请市级管理员重设密码", lockout.failures),
            ));
        }
        let right = hash.as_deref().is_some_and(|h| verify(h, password));
        if !right {
            if hash.is_none() {
                // An account without a password takes as long to refuse as a wrong one.
                verify(dummy_hash(), password);
            }
            db.transaction(|tx| -> Result<i64> {
                let n = tx
                    .query_opt(
                        "UPDATE users SET failed_sign_ins = failed_sign_ins + 1 WHERE user_id = $1 RETURNING failed_sign_ins",
                        &[Param::Int(user_id)],
                    )?
                    .map(|r| r.i64(0))
                    .transpose()?
                    .unwrap_or(0);
                if n >= lockout.failures {
                    tx.exec(
                        "UPDATE users SET failed_sign_ins = 0, locked_until_s = $2 WHERE user_id = $1",
                        &[Param::Int(user_id), Param::Int(now_s + lockout.lock_s)],
                    )?;
                }
                let reason = if n >= lockout.failures { "wrong_password_locked" } else { "wrong_password" };
                audit(tx, name, "session.sign_in_refused", &serde_json::json!({"reason": reason, "failures": n}))?;
                Ok(n)
            })?;
            return Err(wrong());
        }
        if !enabled {
            refuse(db, "disabled", None)?;
            return Err(wrong());
        }
        let token = random_token()?;
        let csrf_token = random_token()?;
        let actor = db.transaction(|tx| -> Result<Actor> {
            tx.exec(
                "UPDATE users SET failed_sign_ins = 0, locked_until_s = NULL WHERE user_id = $1",
                &[Param::Int(user_id)],
            )?;
            let actor = users::actor_named(tx, name)?;
            tx.exec(
                "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_s, last_seen_s, address, user_agent)
                 VALUES ($1, $2, $3, $4, $4, $5, $6)",
                &[
                    Param::Text(&token_hash(&token)),
                    Param::Int(actor.user_id),
                    Param::Text(&csrf_token),
                    Param::Int(now_s),
                    Param::Text(&client.address),
                    Param::from(client.user_agent.as_deref()),
                ],
            )?;
            audit(tx, &actor.name, "session.sign_in", &serde_json::json!({}))?;
            Ok(actor)
        })?;
        Ok(SignedIn {
            token,
            session: Session {
                actor,
                csrf_token,
                created_s: now_s,
            },
        })
    })
}

fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// The session of a cookie's token, if it is still open: one that has been idle or open too
/// long is ended here (and `None`). The account must still be enabled.
pub fn find(db: &mut Db, token: &str, now_s: i64, timeouts: Timeouts) -> Result<Option<Session>> {
    yanglao_store::bookkeeping(|| find_session(db, token, now_s, timeouts))
}

fn find_session(
    db: &mut Db,
    token: &str,
    now_s: i64,
    timeouts: Timeouts,
) -> Result<Option<Session>> {
    let hash = token_hash(token);
    let row = db.read_transaction(|tx| {
        tx.query_opt(
            "SELECT s.user_id, s.csrf_token, s.created_s, s.last_seen_s, u.name, u.enabled
             FROM web_sessions s JOIN users u ON u.user_id = s.user_id
             WHERE s.token_hash = $1 AND s.ended_s IS NULL",
            &[Param::Text(&hash)],
        )
    })?;
    let Some(row) = row else {
        return Ok(None);
    };
    let (csrf_token, created_s, last_seen_s) = (row.str(1)?.to_string(), row.i64(2)?, row.i64(3)?);
    let name = row.str(4)?.to_string();
    let ended = if !row.bool(5)? {
        Some("disabled")
    } else if now_s - last_seen_s > timeouts.idle_s {
        Some("idle")
    } else if now_s - created_s > timeouts.absolute_s {
        Some("absolute")
    } else {
        None
    };
    if let Some(reason) = ended {
        db.transaction(|tx| end_session(tx, &hash, now_s, reason))?;
        return Ok(None);
    }
    if now_s - last_seen_s >= TOUCH_EVERY_S {
        db.transaction(|tx| {
            tx.exec(
                "UPDATE web_sessions SET last_seen_s = $1 WHERE token_hash = $2 AND ended_s IS NULL",
                &[Param::Int(now_s), Param::Text(&hash)],
            )
        })?;
    }
    let actor = db.read_transaction(|tx| users::actor_named(tx, &name))?;
    Ok(Some(Session {
        actor,
        csrf_token,
        created_s,
    }))
}

/// Ends the session whose token hashes to `hash`.
fn end_session(tx: &mut Tx<'_>, hash: &str, now_s: i64, reason: &str) -> Result<u64> {
    Ok(tx.exec(
        "UPDATE web_sessions SET ended_s = $1, end_reason = $3 WHERE token_hash = $2 AND ended_s IS NULL",
        &[Param::Int(now_s), Param::Text(hash), Param::Text(reason)],
    )?)
}

/// Signs out the session of `token`.
pub fn sign_out(
    db: &mut Db,
    token: &str,
    actor: &Actor,
    client: &Client,
    now_s: i64,
) -> Result<()> {
    yanglao_store::bookkeeping(|| {
        from_address(&client.address, || {
            db.transaction(|tx| -> Result<()> {
                end_session(tx, &token_hash(token), now_s, "signed_out")?;
                audit(tx, &actor.name, "session.sign_out", &serde_json::json!({}))
            })
        })
    })
}

/// Signing out everywhere: every session of the actor's account.
pub fn sign_out_everywhere(db: &mut Db, actor: &Actor, client: &Client, now_s: i64) -> Result<u64> {
    yanglao_store::bookkeeping(|| {
        from_address(&client.address, || {
            db.transaction(|tx| -> Result<u64> {
                let n = users::end_sessions(tx, actor.user_id, now_s, "signed_out_everywhere")?;
                audit(
                    tx,
                    &actor.name,
                    "session.sign_out_everywhere",
                    &serde_json::json!({"sessions": n}),
                )?;
                Ok(n)
            })
        })
    })
}

/// Now, in Unix seconds.
pub fn now_s() -> i64 {
    yanglao_store::now().timestamp()
}
