//! The register and the individual accounts: persons, hardship groups, contributions, the
//! government-paid contributions, interest credits, account statements, a person's status and
//! decisions, and the in-memory register index the bulk jobs share.

pub mod accounts;
pub mod contributions;
pub mod govpay;
pub mod hardship;
pub mod index;
pub mod interest;
pub mod persons;
pub mod status;
