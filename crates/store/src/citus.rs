//! Distributing the schema over a Citus cluster (`yanglao init --distributed`): the per-person
//! tables by county, co-located, so that a county's rows and their joins stay on one worker; the
//! small shared tables as reference tables, copied to every node. docs/ARCHITECTURE.md gives each
//! table's choice and why.
//!
//! Citus distributes a table only when no local table references it, and accepts foreign keys
//! between co-located distributed tables (on the county) and from distributed tables to reference
//! tables; so the foreign keys are taken off, the tables distributed, and the keys put back. Two
//! keys go from a reference table to a distributed one, which Citus cannot keep: a death record's
//! matched person and a bank interest credit's journal entry. The use cases that write those rows
//! check them in the same transaction on every backend.

use crate::{Db, Result, StoreError};

/// The tables distributed by county, co-located with `persons` (the first).
pub const DISTRIBUTED: &[&str] = &[
    "persons",
    "person_events",
    "hardship_memberships",
    "journal_entries",
    "journal_lines",
    "account_movements",
    "interest_credits",
    "awards",
    "payrolls",
    "payroll_lines",
    "payroll_exclusions",
    "deaths",
    "recovery_cases",
    "overpayments",
    "recovery_movements",
    "inheritance_payments",
    "certifications",
    "fund_arrivals",
    "survey_responses",
];

/// Foreign keys Citus refuses (from a reference table to a distributed one), by table.
pub const UNKEPT_KEYS: &[(&str, &str)] = &[
    ("death_records", "persons"),
    ("bank_interest", "journal_entries"),
];

/// A foreign key: its table, its name, the table it references, its definition.
type Key = (String, String, String, String);

/// What [`distribute`] did.
#[derive(Debug, Default, Clone)]
pub struct Distribution {
    pub distributed: Vec<String>,
    pub reference: Vec<String>,
    /// Foreign keys not kept on the cluster: table, referenced table.
    pub unkept_keys: Vec<(String, String)>,
}

/// Whether the database is a Citus coordinator with at least one worker: there the schema is
/// distributed as it is created or upgraded ([`crate::Db::migrate`] calls [`distribute`]), since a
/// schema of local tables on a coordinator is never what its operators want.
pub fn is_coordinator(db: &mut Db) -> Result<bool> {
    if db.backend() != crate::Backend::Postgres {
        return Ok(false);
    }
    db.read_transaction(|tx| {
        if tx
            .query_opt("SELECT 1 FROM pg_extension WHERE extname = 'citus'", &[])?
            .is_none()
        {
            return Ok(false);
        }
        Ok(tx.scalar_i64(
            "SELECT COUNT(*) FROM pg_dist_node WHERE groupid <> 0 AND noderole = 'primary' AND isactive",
            &[],
        )? > 0)
    })
}

/// How the schema lies on the cluster: the distributed tables (in [`DISTRIBUTED`]'s order), the
/// reference tables, and the foreign keys in [`UNKEPT_KEYS`] that the schema declares elsewhere.
pub fn describe(db: &mut Db) -> Result<Distribution> {
    db.read_transaction(|tx| {
        let mut out = Distribution::default();
        for r in tx.query(
            "SELECT c.relname, p.partmethod::text FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY c.relname",
            &[],
        )? {
            let (t, method) = (r.str(0)?, r.str(1)?);
            if method == "n" {
                out.reference.push(t);
            } else {
                out.distributed.push(t);
            }
        }
        out.distributed.sort_by_key(|t| {
            DISTRIBUTED
                .iter()
                .position(|d| d == t)
                .unwrap_or(usize::MAX)
        });
        for (t, r) in UNKEPT_KEYS {
            let kept = tx
                .query_opt(
                    "SELECT 1 FROM pg_constraint WHERE contype = 'f' AND conrelid = CAST(CAST($1 AS TEXT) AS regclass) AND confrelid = CAST(CAST($2 AS TEXT) AS regclass)",
                    &[crate::Param::Text(t), crate::Param::Text(r)],
                )?
                .is_some();
            if !kept {
                out.unkept_keys.push((t.to_string(), r.to_string()));
            }
        }
        Ok(out)
    })
}

/// Distributes every table of the schema that is not distributed yet (all of them on a new
/// database; a table a later migration added, on an upgrade), and returns how the schema lies.
/// A database without Citus is refused.
pub fn distribute(db: &mut Db) -> Result<Distribution> {
    let has_citus = db.backend() == crate::Backend::Postgres
        && db.transaction(|tx| {
            tx.query_opt("SELECT 1 FROM pg_extension WHERE extname = 'citus'", &[])
                .map(|r| r.is_some())
        })?;
    if !has_citus {
        return Err(StoreError::NotCitus);
    }
    // Tables of the schema that Citus does not manage yet, and every foreign key among them.
    let (tables, keys) = db.transaction(|tx| -> Result<(Vec<String>, Vec<Key>)> {
        let tables = tx
            .query(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind = 'r'
                   AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid)
                 ORDER BY c.relname",
                &[],
            )?
            .iter()
            .map(|r| r.str(0))
            .collect::<Result<Vec<_>>>()?;
        let keys = tx
            .query(
                "SELECT c.conrelid::regclass::text, c.conname, c.confrelid::regclass::text, pg_get_constraintdef(c.oid)
                 FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                 WHERE c.contype = 'f' AND n.nspname = 'public' ORDER BY 1, 2",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.str(0)?, r.str(1)?, r.str(2)?, r.str(3)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok((tables, keys))
    })?;
    if tables.is_empty() {
        return describe(db);
    }
    let ident = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    // The keys that touch a table about to be distributed come off first.
    let touched: Vec<&Key> = keys
        .iter()
        .filter(|(t, _, r, _)| tables.contains(t) || tables.contains(r))
        .collect();
    for (t, name, _, _) in &touched {
        db.batch(&format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            ident(t),
            ident(name)
        ))?;
    }
    // The append-only triggers (never delete a person, an award, a payroll, an audit entry)
    // run on the shards too.
    db.batch("SET citus.enable_unsafe_triggers = on")?;
    for t in tables.iter().filter(|t| !DISTRIBUTED.contains(&t.as_str())) {
        db.batch(&format!(
            "SELECT create_reference_table('{}')",
            t.replace('\'', "''")
        ))?;
    }
    for t in DISTRIBUTED
        .iter()
        .filter(|t| tables.iter().any(|x| x == *t))
    {
        let with = if *t == "persons" {
            "default"
        } else {
            "persons"
        };
        db.batch(&format!(
            "SELECT create_distributed_table('{t}', 'county', colocate_with => '{with}')"
        ))?;
    }
    for (t, name, r, def) in touched {
        if UNKEPT_KEYS.iter().any(|(a, b)| a == t && b == r) {
            continue;
        }
        db.batch(&format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {def}",
            ident(t),
            ident(name)
        ))?;
    }
    db.batch("RESET citus.enable_unsafe_triggers")?;
    // A transaction that has read or written several shards and then writes a reference table
    // (an import's record, the id counters, the audit log) must have used one connection per
    // worker: every connection to this database works so, this one from now on.
    db.batch(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET citus.multi_shard_modify_mode TO sequential', current_database()); END $$;
         SET citus.multi_shard_modify_mode TO sequential",
    )?;
    describe(db)
}
