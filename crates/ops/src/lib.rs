//! Yanglao's use cases over the store: imports of persons, contributions and hardship groups,
//! government-paid contributions, interest credits, account statements and the ledger's checks.
//!
//! Data travels one way: file → validated rows → use case → ledger postings in one transaction.

pub mod accounts;
pub mod awards;
pub mod bank;
pub mod bank_return;
pub mod bench;
pub mod budget;
pub mod certification;
pub mod contributions;
pub mod deaths;
pub mod enrolment;
pub mod evaluation;
pub mod export;
pub mod fund;
pub mod govpay;
pub mod hardship;
pub mod interest;
pub mod ledger;
pub mod payroll;
pub mod persons;
pub mod problems;
pub mod projection;
pub mod recovery;
pub mod register;
pub mod status;
pub mod survey;
pub mod table;

pub use problems::{FileError, ImportOutcome, Problem};

use yanglao_policy::PolicySet;
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

/// What every use case needs: the database, the policy in force and who is acting.
pub struct Ctx {
    pub db: Db,
    pub policy: PolicySet,
    pub actor: String,
}

impl Ctx {
    pub fn new(db: Db, policy: PolicySet, actor: impl Into<String>) -> Ctx {
        Ctx {
            db,
            policy,
            actor: actor.into(),
        }
    }
}

/// Rows from which a load refreshes the planner statistics of what it wrote (PostgreSQL).
pub const LARGE_LOAD_ROWS: usize = 10_000;

/// Records a change in the audit log, inside the change's own transaction.
pub fn audit(tx: &mut Tx<'_>, actor: &str, action: &str, detail: &serde_json::Value) -> Result<()> {
    let id = tx.allocate_ids("audit", 1)?;
    let detail = detail.to_string();
    tx.exec(
        "INSERT INTO audit_log (audit_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)",
        &[
            Param::Int(id),
            Param::Timestamp(yanglao_store::now()),
            Param::Text(actor),
            Param::Text(action),
            Param::Text(&detail),
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
