//! What every import shares: reading tables from csv / xlsx / xls / ods, and the problems an
//! import reports.

pub mod problems;
pub mod table;
