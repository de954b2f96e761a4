//! The fund's books beyond the ledger: bank accounts and their interest, the budget and its
//! execution, the fund's statements, and the register as the fund projection needs it.

pub mod bank;
pub mod budget;
pub mod fund;
pub mod projection;
