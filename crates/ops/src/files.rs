//! Where a use case's files go: the interface chooses. An export hands each file to a
//! [`FileSink`] — a folder on the command line ([`FolderSink`]), a download in the web — and
//! reports where the sink put it.

use crate::{OpsError, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Takes the files a use case makes, one at a time.
pub trait FileSink {
    /// Stores the file `name`, whose bytes `write` writes into the writer given, and says where
    /// it went (a path, an entry of an archive).
    fn put(
        &mut self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> Result<()>,
    ) -> Result<String>;
}

/// A folder of the file system (created when missing).
pub struct FolderSink {
    dir: PathBuf,
}

impl FolderSink {
    pub fn new(dir: &Path) -> Result<FolderSink> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        Ok(FolderSink {
            dir: dir.to_path_buf(),
        })
    }
}

fn io_error(path: &Path, e: std::io::Error) -> OpsError {
    OpsError::rule(
        "E-IO",
        format!(
            "文件写入失败：{}（{}）",
            yanglao_domain::io_error_zh(&e),
            path.display()
        ),
    )
}

impl FileSink for FolderSink {
    fn put(
        &mut self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> Result<()>,
    ) -> Result<String> {
        let path = self.dir.join(name);
        let file = std::fs::File::create(&path).map_err(|e| io_error(&path, e))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        write(&mut w)?;
        w.flush().map_err(|e| io_error(&path, e))?;
        Ok(path.display().to_string())
    }
}

/// Files kept in memory, by name (tests, and an interface that packs them itself).
#[derive(Default)]
pub struct MemorySink {
    pub files: Vec<(String, Vec<u8>)>,
}

impl FileSink for MemorySink {
    fn put(
        &mut self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> Result<()>,
    ) -> Result<String> {
        let mut bytes = Vec::new();
        write(&mut bytes)?;
        self.files.push((name.to_string(), bytes));
        Ok(name.to_string())
    }
}
