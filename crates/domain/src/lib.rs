//! Validated value types of Yanglao and the codes of the errors they raise.
//!
//! Parse, don't validate: a [`CitizenId`], [`RegionCode`] or [`BankAccount`] can only be built
//! from input that passed its checks, so code further in never re-checks them.

pub mod bank;
pub mod citizen_id;
pub mod date;
pub mod money;
pub mod month;
pub mod region;

pub use bank::{BankAccount, BankAccountWarning};
pub use citizen_id::{CitizenId, IdWarning, Sex};
pub use date::{age_on, parse_date};
pub use money::{format_wan_yuan, format_yuan, parse_yuan_to_fen};
pub use month::Month;
pub use region::{county_name, is_known_county, Level, RegionCode, KNOWN_REGIONS};

/// A validation failure: a stable code (documented in docs/ERRORS.md) and a message in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[{code}] {message}")]
pub struct Invalid {
    pub code: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Invalid {
            code,
            message: message.into(),
        }
    }
}
