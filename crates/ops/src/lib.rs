//! Yanglao's use cases over the store: imports of persons, contributions and hardship groups,
//! government-paid contributions, interest credits, account statements and the ledger's checks.
//!
//! Data travels one way: file → validated rows → use case → ledger postings in one transaction.

pub mod access;
pub mod books;
pub mod deaths;
pub mod evaluation;
pub mod files;
pub mod imports;
pub mod ledger;
pub mod payroll;
pub mod policy;
pub mod reads;
pub mod register;
pub mod sessions;
pub mod tokens;
pub mod users;

pub use access::{Action, Actor, Role};
pub use imports::problems::{FileError, ImportOutcome, Problem};

use policy::PolicyBook;
use yanglao_store::{Db, Param, StoreError, Tx};

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error("[{code}] {message}")]
    Rule { code: &'static str, message: String },
}

impl OpsError {
    pub fn rule(code: &'static str, message: impl Into<String>) -> OpsError {
        OpsError::Rule {
            code,
            message: message.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            OpsError::Store(e) => e.code(),
            OpsError::File(f) => f.code,
            OpsError::Rule { code, .. } => code,
        }
    }
}

pub type Result<T> = std::result::Result<T, OpsError>;

/// What every use case needs: the database, the policy kept in it and who is acting.
pub struct Ctx {
    pub db: Db,
    /// The policy versions stored in the database (read when the context opens; reread after
    /// `policy load` with [`Ctx::reload_policy`]).
    pub policy: PolicyBook,
    /// The account the use cases act as; each use case checks it (`access`).
    pub actor: Actor,
}

impl Ctx {
    /// A context on `db` (already migrated) acting as `actor`, with the policy versions it stores.
    pub fn open(mut db: Db, actor: Actor) -> Result<Ctx> {
        let policy = db.read_transaction(PolicyBook::read)?;
        Ok(Ctx { db, policy, actor })
    }

    /// A context acting as the system account.
    pub fn system(db: Db) -> Result<Ctx> {
        Ctx::open(db, Actor::system())
    }

    /// A context acting as the enabled account `name` (refused when no such account is enabled).
    pub fn open_as(mut db: Db, name: &str) -> Result<Ctx> {
        let actor = db.read_transaction(|tx| users::actor_named(tx, name))?;
        Ctx::open(db, actor)
    }

    /// From now on, act as the enabled account `name`.
    pub fn act_as(&mut self, name: &str) -> Result<()> {
        self.actor = self
            .db
            .read_transaction(|tx| users::actor_named(tx, name))?;
        Ok(())
    }

    /// A context on `db`, as the system account, whose policy is the given source: stored as
    /// the first version when the database has none (tests, benchmarks and the bundled
    /// examples), else checked to be the stored latest version.
    pub fn with_policy_source(mut db: Db, source: &str, file_name: &str) -> Result<Ctx> {
        db.transaction(|tx| {
            if PolicyBook::read(tx)?.is_empty() {
                policy::load(tx, source, file_name, None, "system")?;
            }
            Ok::<(), OpsError>(())
        })?;
        Ctx::system(db)
    }

    /// Rereads the stored policy versions.
    pub fn reload_policy(&mut self) -> Result<()> {
        self.policy = self.db.read_transaction(PolicyBook::read)?;
        Ok(())
    }

    /// The acting account's name, as the audit log and the books record it.
    pub fn who(&self) -> String {
        self.actor.name.clone()
    }
}

/// Rows from which a load refreshes the planner statistics of what it wrote (PostgreSQL).
pub const LARGE_LOAD_ROWS: usize = 10_000;

thread_local! {
    /// Where the calls on this thread come from, while [`from_address`] runs.
    static ORIGIN: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with `address` as where its changes come from: the audit log records it beside
/// each change (the web passes the client's address; the command line passes nothing and is
/// recorded as "命令行").
pub fn from_address<T>(address: &str, f: impl FnOnce() -> T) -> T {
    struct Reset(Option<String>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let previous = self.0.take();
            ORIGIN.with(|o| *o.borrow_mut() = previous);
        }
    }
    let previous = ORIGIN.with(|o| o.borrow_mut().replace(address.to_string()));
    let _reset = Reset(previous);
    f()
}

/// Where the calls on this thread come from ("命令行" outside [`from_address`]).
pub fn origin() -> String {
    ORIGIN
        .with(|o| o.borrow().clone())
        .unwrap_or_else(|| COMMAND_LINE.to_string())
}

/// The audit log's "from where" for the command line on the server.
pub const COMMAND_LINE: &str = "命令行";

/// Records a change in the audit log, inside the change's own transaction: who (the account's
/// name and id), when, from where, what.
pub fn audit(tx: &mut Tx<'_>, actor: &str, action: &str, detail: &serde_json::Value) -> Result<()> {
    let id = tx.allocate_ids("audit", 1)?;
    let detail = detail.to_string();
    let address = origin();
    // The account's id read first: a distributed database takes no subquery inside VALUES.
    let user_id = tx
        .query_opt(
            "SELECT user_id FROM users WHERE name = $1",
            &[Param::Text(actor)],
        )?
        .map(|r| r.i64(0))
        .transpose()?;
    tx.exec(
        "INSERT INTO audit_log (audit_id, at, actor, action, detail, address, user_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Param::Int(id),
            Param::Timestamp(yanglao_store::now()),
            Param::Text(actor),
            Param::Text(action),
            Param::Text(&detail),
            Param::Text(&address),
            user_id.map_or(Param::Null, Param::Int),
        ],
    )?;
    Ok(())
}

/// The counties known to the register (`regions` of level county).
pub fn known_counties(tx: &mut Tx<'_>) -> Result<std::collections::BTreeMap<String, String>> {
    Ok(tx
        .query(
            "SELECT code, name FROM regions WHERE level = 'county' ORDER BY code",
            &[],
        )?
        .into_iter()
        .map(|r| Ok((r.str(0)?, r.str(1)?)))
        .collect::<std::result::Result<_, StoreError>>()?)
}
