//! Files uploaded for an import, kept between their check and their confirmation: an upload is
//! checked first (nothing is posted), its validation report shown, and only a confirmation by the
//! same account posts it — the same bytes, checked again inside the posting transaction.
//!
//! They wait in a folder of the server's own (`--upload-dir`; readable by the server's user only),
//! one file of bytes and one of facts per upload, under a random name that is also the upload's
//! id. An upload not confirmed within [`KEEP_S`] is deleted, and so is every upload once posted.

use crate::errors::WebError;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How long an unconfirmed upload is kept (seconds).
pub const KEEP_S: i64 = 24 * 3600;

/// The facts of one waiting upload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Staged {
    pub id: String,
    /// The account that uploaded it: the only one that may confirm it.
    pub owner: String,
    pub kind: String,
    pub file_name: String,
    pub bytes: u64,
    pub sha256: String,
    pub uploaded_s: i64,
    /// Death records: the source and the processing date.
    pub source: Option<String>,
    pub date: Option<chrono::NaiveDate>,
    /// The check's result: rows read, errors and warnings found.
    pub rows: usize,
    pub errors: usize,
    pub warnings: usize,
    /// The xlsx report of the problems is kept beside it.
    pub has_report: bool,
    /// The first problems, as the upload's page shows them (all of them are in the report).
    #[serde(default)]
    pub problems: Vec<Shown>,
}

/// How many problems an upload's page shows (the xlsx report has every one).
pub const SHOWN_MAX: usize = 500;

/// A problem as the upload's page shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Shown {
    /// 错误 or 警告.
    pub severity: String,
    pub row: usize,
    pub column: String,
    pub value: String,
    pub code: String,
    pub message: String,
}

impl Shown {
    /// The first [`SHOWN_MAX`] problems of an outcome: errors first, then warnings.
    pub fn of(o: &yanglao_ops::ImportOutcome) -> Vec<Shown> {
        let tag = |severity: &str| {
            let severity = severity.to_string();
            move |p: &yanglao_ops::Problem| Shown {
                severity: severity.clone(),
                row: p.row,
                column: p.column.clone(),
                value: p.value.clone(),
                code: p.code.to_string(),
                message: p.message.clone(),
            }
        };
        o.errors
            .iter()
            .map(tag("错误"))
            .chain(o.warnings.iter().map(tag("警告")))
            .take(SHOWN_MAX)
            .collect()
    }
}

pub struct Spool {
    dir: PathBuf,
}

fn spool_error(what: &str, e: std::io::Error) -> WebError {
    WebError::internal(&format!(
        "上传文件暂存目录出错（{what}）：{}",
        yanglao_domain::io_error_zh(&e)
    ))
}

/// Whether `id` has the form of an upload's id (so that it can name a file safely).
fn valid_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Spool {
    /// Opens (making it when missing) the folder, readable by this user only, and deletes what
    /// waited longer than [`KEEP_S`].
    pub fn open(dir: &Path) -> Result<Spool, String> {
        std::fs::create_dir_all(dir).map_err(|e| {
            format!(
                "无法建立上传文件暂存目录 {}：{}",
                dir.display(),
                yanglao_domain::io_error_zh(&e)
            )
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| {
                format!(
                    "无法设置上传文件暂存目录 {} 的权限：{}",
                    dir.display(),
                    yanglao_domain::io_error_zh(&e)
                )
            })?;
        }
        let spool = Spool {
            dir: dir.to_path_buf(),
        };
        spool.sweep(chrono::Utc::now().timestamp());
        Ok(spool)
    }

    fn path(&self, id: &str, ext: &str) -> PathBuf {
        self.dir.join(format!("{id}.{ext}"))
    }

    /// Keeps an upload's bytes, facts and report; answers its id.
    pub fn put(
        &self,
        mut staged: Staged,
        bytes: &[u8],
        report: Option<&[u8]>,
    ) -> Result<Staged, WebError> {
        let mut raw = [0u8; 16];
        getrandom::fill(&mut raw).map_err(|e| WebError::internal(&format!("随机数：{e}")))?;
        staged.id = raw.iter().map(|b| format!("{b:02x}")).collect();
        staged.has_report = report.is_some();
        std::fs::write(self.path(&staged.id, "bin"), bytes)
            .map_err(|e| spool_error("写入文件", e))?;
        if let Some(r) = report {
            std::fs::write(self.path(&staged.id, "xlsx"), r)
                .map_err(|e| spool_error("写入报告", e))?;
        }
        let facts = serde_json::to_vec(&staged).map_err(|e| WebError::internal(&e.to_string()))?;
        // The facts last: an upload without them does not exist.
        std::fs::write(self.path(&staged.id, "json"), facts)
            .map_err(|e| spool_error("写入说明", e))?;
        Ok(staged)
    }

    /// The facts of the upload `id` of `owner`: another account's upload does not exist for it.
    pub fn get(&self, id: &str, owner: &str) -> Result<Staged, WebError> {
        let missing = || {
            WebError::new(
                StatusCode::NOT_FOUND,
                "E-UPLOAD-UNKNOWN",
                format!(
                    "没有编号为“{id}”的待确认上传：它已确认导入、已超过 24 小时被清除，或不是本账号上传的。请重新上传文件"
                ),
            )
        };
        if !valid_id(id) {
            return Err(missing());
        }
        let facts = std::fs::read(self.path(id, "json")).map_err(|_| missing())?;
        let staged: Staged = serde_json::from_slice(&facts).map_err(|_| missing())?;
        if staged.owner != owner || chrono::Utc::now().timestamp() - staged.uploaded_s > KEEP_S {
            return Err(missing());
        }
        Ok(staged)
    }

    pub fn bytes(&self, staged: &Staged) -> Result<Vec<u8>, WebError> {
        std::fs::read(self.path(&staged.id, "bin")).map_err(|e| spool_error("读取文件", e))
    }

    pub fn report(&self, staged: &Staged) -> Result<Vec<u8>, WebError> {
        std::fs::read(self.path(&staged.id, "xlsx")).map_err(|e| spool_error("读取报告", e))
    }

    /// The uploads of `owner` still waiting, newest first.
    pub fn waiting(&self, owner: &str) -> Vec<Staged> {
        let now = chrono::Utc::now().timestamp();
        let mut out: Vec<Staged> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| std::fs::read(e.path()).ok())
            .filter_map(|b| serde_json::from_slice::<Staged>(&b).ok())
            .filter(|s| s.owner == owner && now - s.uploaded_s <= KEEP_S)
            .collect();
        out.sort_by_key(|s| std::cmp::Reverse(s.uploaded_s));
        out
    }

    /// Deletes an upload (posted, or given up).
    pub fn remove(&self, id: &str) {
        if valid_id(id) {
            // The facts first: without them the upload no longer exists, whatever remains.
            for ext in ["json", "bin", "xlsx"] {
                let _ = std::fs::remove_file(self.path(id, ext));
            }
        }
    }

    /// Deletes every upload older than [`KEEP_S`] (and any leftovers without facts).
    pub fn sweep(&self, now_s: i64) {
        let Ok(list) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for e in list.flatten() {
            let path = e.path();
            let Some(stem) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .map(str::to_string)
            else {
                continue;
            };
            if !valid_id(&stem) {
                continue;
            }
            let facts = self.path(&stem, "json");
            let old = match std::fs::read(&facts)
                .ok()
                .and_then(|b| serde_json::from_slice::<Staged>(&b).ok())
            {
                Some(s) => now_s - s.uploaded_s > KEEP_S,
                // Bytes whose facts were never written (a failed upload): old after a while.
                None => e
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|d| d.as_secs() > 3600),
            };
            if old {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}
