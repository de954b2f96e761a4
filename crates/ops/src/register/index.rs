//! A compact in-memory index of the register for bulk jobs: citizen ID → person, without one
//! allocation per person. A million persons take about 40 MB and load in well under a second.

use crate::Result;
use std::collections::HashMap;
use std::hash::BuildHasher;
use yanglao_domain::CitizenId;
use yanglao_store::Tx;

/// Maps keyed by integers and codes from our own files (citizen IDs, person ids, county codes:
/// not attacker-chosen), with a fast hash of a fixed seed, so that runs are repeatable.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Names repeated over many rows (a county's handful of banks over millions of payment lines),
/// each kept once and shared.
#[derive(Default)]
pub struct SharedNames(FastMap<String, std::sync::Arc<str>>);

impl SharedNames {
    pub fn get(&mut self, name: &str) -> std::sync::Arc<str> {
        if let Some(shared) = self.0.get(name) {
            return shared.clone();
        }
        let shared: std::sync::Arc<str> = name.into();
        self.0.insert(name.to_string(), shared.clone());
        shared
    }
}

/// A citizen ID as a number: its 17 digits and the check character (X = 10).
pub fn id_key(id: &str) -> u64 {
    id.bytes().fold(0u64, |acc, b| {
        acc * 11
            + if b == b'X' {
                10
            } else {
                u64::from(b.wrapping_sub(b'0'))
            }
    })
}

/// A county code as a number (`"140302"` → 140302; 0 if not six digits).
pub fn county_key(code: &str) -> u32 {
    code.parse().unwrap_or(0)
}

/// A stable hash of a name, to compare names without keeping them all in memory.
pub fn name_hash(name: &str) -> u64 {
    foldhash::fast::FixedState::default().hash_one(name)
}

#[derive(Debug, Clone, Copy)]
pub struct PersonKey {
    pub person_id: i64,
    pub county: u32,
    pub name_hash: u64,
    pub basic_enrolled: bool,
}

impl PersonKey {
    pub fn county_code(&self) -> String {
        format!("{:06}", self.county)
    }
}

/// A file of at most this many people looks them up in the register by citizen ID; a larger one
/// reads the whole register. In a province a county's file is a small part of the register, and
/// reading all of it for each county's import made every import cost the province's size.
pub const LOOKUP_MAX: usize = 200_000;

/// The citizen IDs in column `k` of a file that parse (each row's own checks report the rest),
/// or `None` when the file is too large to look its people up one by one ([`LOOKUP_MAX`]).
pub fn file_ids(
    table: &crate::imports::table::Table,
    cols: &crate::imports::table::Columns,
    k: usize,
) -> Option<Vec<String>> {
    if table.rows.len() > LOOKUP_MAX {
        return None;
    }
    let mut ids: Vec<String> = table
        .rows
        .iter()
        .filter_map(|(_, cells)| CitizenId::parse(cols.cell(cells, k)).ok())
        .map(|(id, _)| id.as_str().to_string())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

/// Streams `select` (a `SELECT … FROM persons`) for the people with the citizen IDs `ids`, a
/// thousand at a time through the ID index, or for the whole register when `ids` is `None`.
pub fn for_each_person(
    tx: &mut Tx<'_>,
    select: &str,
    ids: Option<&[String]>,
    mut f: impl FnMut(&yanglao_store::RowRef<'_>) -> yanglao_store::Result<()>,
) -> Result<()> {
    let Some(ids) = ids else {
        return Ok(tx.for_each_ref(select, &[], f)?);
    };
    for chunk in ids.chunks(1000) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let params: Vec<yanglao_store::Param<'_>> = chunk
            .iter()
            .map(|id| yanglao_store::Param::Text(id))
            .collect();
        tx.for_each_ref(
            &format!("{select} WHERE citizen_id IN ({})", marks.join(", ")),
            &params,
            &mut f,
        )?;
    }
    Ok(())
}

/// The register as an index keyed by [`id_key`].
pub struct RegisterIndex(pub FastMap<u64, PersonKey>);

impl RegisterIndex {
    /// The whole register.
    pub fn load(tx: &mut Tx<'_>) -> Result<RegisterIndex> {
        RegisterIndex::load_of(tx, None)
    }

    /// The people with the citizen IDs `ids` ([`file_ids`]), or the whole register for `None`.
    pub fn load_of(tx: &mut Tx<'_>, ids: Option<&[String]>) -> Result<RegisterIndex> {
        let n = match ids {
            Some(ids) => ids.len() as i64,
            None => tx.scalar_i64("SELECT COUNT(*) FROM persons", &[])?,
        };
        let mut map = FastMap::with_capacity_and_hasher(n.max(0) as usize, Default::default());
        for_each_person(
            tx,
            "SELECT citizen_id, person_id, county, name, basic_enrolled FROM persons",
            ids,
            |r| {
                map.insert(
                    id_key(r.str(0)?),
                    PersonKey {
                        person_id: r.i64(1)?,
                        county: county_key(r.str(2)?),
                        name_hash: name_hash(r.str(3)?),
                        basic_enrolled: r.bool(4)?,
                    },
                );
                Ok(())
            },
        )?;
        Ok(RegisterIndex(map))
    }

    pub fn get(&self, id: &CitizenId) -> Option<&PersonKey> {
        self.0.get(&id_key(id.as_str()))
    }
}

/// The registered name of a person (for messages; not on the hot path).
pub fn registered_name(tx: &mut Tx<'_>, person_id: i64) -> Result<String> {
    Ok(tx
        .query_opt(
            "SELECT name FROM persons WHERE person_id = $1",
            &[yanglao_store::Param::Int(person_id)],
        )?
        .map(|r| r.str(0))
        .transpose()?
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct_for_distinct_ids() {
        assert_ne!(id_key("11010519491231002X"), id_key("110105194912310021"));
        assert_eq!(county_key("140302"), 140302);
        assert_eq!(
            PersonKey {
                person_id: 1,
                county: 140302,
                name_hash: 0,
                basic_enrolled: true
            }
            .county_code(),
            "140302"
        );
        assert_ne!(name_hash("王秀英"), name_hash("王秀"));
    }

    /// Keys that differ only in their middle characters still spread over the buckets a table
    /// picks by the hash's low bits (a hand-made hasher once put 4,096 such account numbers into
    /// about a thousand of 4,096 buckets).
    #[test]
    fn similar_strings_spread_over_the_low_bits() {
        let buckets: std::collections::HashSet<u64> = (0..4096u64)
            .map(|i| {
                let account = format!("622848{:012}7", i * 37);
                foldhash::fast::FixedState::default().hash_one(account.as_str()) & 4095
            })
            .collect();
        assert!(buckets.len() > 2000, "{} buckets", buckets.len());
        let ids: std::collections::HashSet<u64> = (0..4096i64)
            .map(|i| foldhash::fast::FixedState::default().hash_one(i) & 4095)
            .collect();
        assert!(ids.len() > 2000, "{} buckets", ids.len());
    }
}
