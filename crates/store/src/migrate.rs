//! Per-backend migrations, applied in order and recorded in `schema_migrations`.

use crate::{Backend, Db, Param, Result, StoreError};

const SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../migrations/sqlite/0002_payroll.sql")),
    (3, include_str!("../migrations/sqlite/0003_deaths.sql")),
    (4, include_str!("../migrations/sqlite/0004_bank.sql")),
    (5, include_str!("../migrations/sqlite/0005_evaluation.sql")),
    (6, include_str!("../migrations/sqlite/0006_lookups.sql")),
    (7, include_str!("../migrations/sqlite/0007_line_keys.sql")),
    (8, include_str!("../migrations/sqlite/0008_version.sql")),
    (
        9,
        include_str!("../migrations/sqlite/0009_payroll_paths.sql"),
    ),
    (
        10,
        include_str!("../migrations/sqlite/0010_policy_versions.sql"),
    ),
    (
        11,
        include_str!("../migrations/sqlite/0011_inheritance_arrears.sql"),
    ),
    (12, include_str!("../migrations/sqlite/0012_users.sql")),
    (
        13,
        include_str!("../migrations/sqlite/0013_web_sessions.sql"),
    ),
    (
        14,
        include_str!("../migrations/sqlite/0014_death_review.sql"),
    ),
    (
        15,
        include_str!("../migrations/sqlite/0015_evaluation_judgements.sql"),
    ),
    (
        16,
        include_str!("../migrations/sqlite/0016_person_place.sql"),
    ),
    (
        17,
        include_str!("../migrations/sqlite/0017_evaluation_particulars.sql"),
    ),
];
const POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (2, include_str!("../migrations/postgres/0002_payroll.sql")),
    (3, include_str!("../migrations/postgres/0003_deaths.sql")),
    (4, include_str!("../migrations/postgres/0004_bank.sql")),
    (
        5,
        include_str!("../migrations/postgres/0005_evaluation.sql"),
    ),
    (6, include_str!("../migrations/postgres/0006_lookups.sql")),
    (7, include_str!("../migrations/postgres/0007_line_keys.sql")),
    (8, include_str!("../migrations/postgres/0008_version.sql")),
    (
        9,
        include_str!("../migrations/postgres/0009_payroll_paths.sql"),
    ),
    (
        10,
        include_str!("../migrations/postgres/0010_policy_versions.sql"),
    ),
    (
        11,
        include_str!("../migrations/postgres/0011_inheritance_arrears.sql"),
    ),
    (12, include_str!("../migrations/postgres/0012_users.sql")),
    (
        13,
        include_str!("../migrations/postgres/0013_web_sessions.sql"),
    ),
    (
        14,
        include_str!("../migrations/postgres/0014_death_review.sql"),
    ),
    (
        15,
        include_str!("../migrations/postgres/0015_evaluation_judgements.sql"),
    ),
    (
        16,
        include_str!("../migrations/postgres/0016_person_place.sql"),
    ),
    (
        17,
        include_str!("../migrations/postgres/0017_evaluation_particulars.sql"),
    ),
];

/// Regions seeded at creation: the domain's known regions (the province, the city and the
/// county-level units), each with its parent.
fn regions() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
)> {
    use yanglao_domain::{Level, KNOWN_REGIONS};
    let first = |level: Level| KNOWN_REGIONS.iter().find(|r| r.2 == level).map(|r| r.0);
    KNOWN_REGIONS
        .iter()
        .map(|&(code, name, level)| match level {
            Level::Province => (code, name, "province", None),
            Level::City => (code, name, "city", first(Level::Province)),
            Level::County => (code, name, "county", first(Level::City)),
        })
        .collect()
}

/// Applies the migrations not yet applied, up to `up_to` (all when `None`).
/// The number of the latest migration (the same for both databases).
#[cfg(test)]
pub(crate) fn latest() -> i64 {
    debug_assert_eq!(SQLITE.len(), POSTGRES.len());
    SQLITE.last().map_or(0, |m| m.0)
}

pub(crate) fn run(db: &mut Db, up_to: Option<i64>) -> Result<Vec<i64>> {
    let (migrations, create) = match db.backend() {
        Backend::Sqlite => (
            SQLITE,
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
        ),
        Backend::Postgres => (
            POSTGRES,
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)",
        ),
    };
    let pg = db.backend() == Backend::Postgres;
    if pg {
        // Serialise concurrent `init`s on one PostgreSQL database. The lock is the session's: it
        // is released below whatever happens in between.
        db.batch("SELECT pg_advisory_lock(7477221)")?;
    }
    let mut result = apply(db, migrations, create, up_to);
    // On a Citus coordinator the tables a migration created are distributed at once (under the
    // same lock, so that two `init`s do not both distribute).
    if pg && result.as_ref().is_ok_and(|a| !a.is_empty()) {
        if let Err(e) = crate::citus::is_coordinator(db).and_then(|c| {
            if c {
                crate::citus::distribute(db)?;
            }
            Ok(())
        }) {
            result = Err(e);
        }
    }
    if pg {
        let unlocked = db.batch("SELECT pg_advisory_unlock(7477221)");
        if result.is_ok() {
            unlocked?;
        }
    }
    result
}

fn apply(
    db: &mut Db,
    migrations: &[(i64, &str)],
    create: &str,
    up_to: Option<i64>,
) -> Result<Vec<i64>> {
    db.batch(create)?;
    let supported = migrations.last().map_or(0, |m| m.0);
    let current_version = |tx: &mut crate::Tx<'_>| {
        tx.scalar_i64(
            "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations",
            &[],
        )
    };
    // Most commands find the schema current: they learn it from a read, without taking the
    // write lock that a read-only command must not need.
    let current = db.read_transaction(current_version)?;
    let pending = |current: i64| {
        migrations
            .iter()
            .any(|m| m.0 > current && up_to.is_none_or(|u| m.0 <= u))
    };
    if current <= supported && !pending(current) {
        return Ok(Vec::new());
    }
    if db.backend() == Backend::Sqlite {
        // Some migrations rebuild a table that others reference; SQLite's procedure for that runs
        // with foreign keys off (they cannot be switched inside a transaction) and checks them
        // before committing.
        db.batch("PRAGMA foreign_keys=OFF")?;
    }
    let result = db.transaction(|tx| {
        let current = current_version(tx)?;
        if current > supported {
            return Err(StoreError::SchemaTooNew {
                found: current,
                supported,
            });
        }
        let mut applied = Vec::new();
        for (version, sql) in migrations
            .iter()
            .filter(|m| m.0 > current && up_to.is_none_or(|u| m.0 <= u))
        {
            match tx {
                crate::Tx::Sqlite(t) => t.execute_batch(sql)?,
                crate::Tx::Postgres(t) => t.batch_execute(sql)?,
            }
            if *version == 1 {
                for (code, name, level, parent) in regions() {
                    tx.exec(
                        "INSERT INTO regions (code, name, level, parent) VALUES ($1, $2, $3, $4)",
                        &[
                            Param::Text(code),
                            Param::Text(name),
                            Param::Text(level),
                            Param::from(parent),
                        ],
                    )?;
                }
            }
            tx.exec(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[Param::Int(*version), Param::Timestamp(crate::now())],
            )?;
            applied.push(*version);
        }
        if let crate::Tx::Sqlite(t) = tx {
            if !applied.is_empty() {
                let broken: i64 =
                    t.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                        r.get(0)
                    })?;
                if broken > 0 {
                    return Err(StoreError::Migration(format!(
                        "迁移后有 {broken} 行外键引用失效，已回滚"
                    )));
                }
            }
        }
        Ok(applied)
    });
    if db.backend() == Backend::Sqlite {
        db.batch("PRAGMA foreign_keys=ON")?;
    }
    result
}
