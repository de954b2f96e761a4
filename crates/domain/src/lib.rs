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
pub mod scale;
pub mod text;

pub use bank::{BankAccount, BankAccountWarning};
pub use citizen_id::{CitizenId, IdWarning, Sex};
pub use date::{age_on, parse_date};
pub use money::{format_wan_yuan, format_yuan, format_yuan_grouped, parse_yuan_to_fen};
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

/// What went wrong with a file or directory, in Chinese: the system's own message is English, so
/// only its kind and number are kept (`No such file or directory (os error 2)` →
/// `文件或目录不存在（系统错误码 2）`). The caller names the file.
pub fn io_error_zh(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let what = match e.kind() {
        K::NotFound => "文件或目录不存在",
        K::PermissionDenied => "没有访问权限",
        K::AlreadyExists => "文件已存在",
        K::IsADirectory => "这是一个目录，不是文件",
        K::NotADirectory => "路径中有一部分不是目录",
        K::DirectoryNotEmpty => "目录不为空",
        K::StorageFull => "磁盘空间不足",
        K::ReadOnlyFilesystem => "文件系统为只读",
        K::InvalidData => "文件内容无效",
        K::InvalidInput => "文件名或参数无效",
        K::UnexpectedEof => "文件意外结束（可能被截断）",
        K::Interrupted => "操作被中断",
        K::BrokenPipe => "管道已关闭",
        K::OutOfMemory => "内存不足",
        K::TimedOut => "操作超时",
        _ => "输入输出错误",
    };
    match e.raw_os_error() {
        Some(n) => format!("{what}（系统错误码 {n}）"),
        None => what.to_string(),
    }
}

#[cfg(test)]
mod io_tests {
    #[test]
    fn io_errors_are_said_in_chinese_with_their_number() {
        let e = std::fs::read("/nonexistent/yanglao-no-such-file").unwrap_err();
        let m = super::io_error_zh(&e);
        assert_eq!(m, "文件或目录不存在（系统错误码 2）");
        let dir = std::env::temp_dir();
        let m = super::io_error_zh(&std::fs::read(&dir).unwrap_err());
        assert!(m.starts_with("这是一个目录"), "{m}");
        assert!(!m.chars().any(|c| c.is_ascii_alphabetic()), "{m}");
    }
}
