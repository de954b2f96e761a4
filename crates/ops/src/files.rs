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

/// A folder of the file system (created when missing). Each file is written beside its final
/// name and renamed once complete, so a failed write leaves no half file under the name.
pub struct FolderSink {
    dir: PathBuf,
}

impl FolderSink {
    /// The folder `dir`, made when the first file is put into it (a use case that refuses
    /// leaves nothing behind).
    pub fn new(dir: &Path) -> FolderSink {
        FolderSink {
            dir: dir.to_path_buf(),
        }
    }
}

/// A failure to write into the writer a sink gave (the sink names the file in its own errors).
pub fn write_error(e: std::io::Error) -> OpsError {
    OpsError::rule(
        "E-IO",
        format!("文件写入失败：{}", yanglao_domain::io_error_zh(&e)),
    )
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
        std::fs::create_dir_all(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        let path = self.dir.join(name);
        let part = self.dir.join(format!("{name}.part"));
        let written = (|| {
            let file = std::fs::File::create(&part).map_err(|e| io_error(&path, e))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
            write(&mut w)?;
            w.flush().map_err(|e| io_error(&path, e))?;
            drop(w);
            std::fs::rename(&part, &path).map_err(|e| io_error(&path, e))
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        written?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_made_at_its_first_file_and_a_failed_file_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("yanglao-sink-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut sink = FolderSink::new(&dir.join("导出"));
        assert!(!dir.exists(), "nothing is made before a file");
        let failed = sink.put("坏.csv", &mut |w| {
            w.write_all(b"half").map_err(write_error)?;
            Err(OpsError::rule("E-IO", "写入中途失败"))
        });
        assert!(failed.is_err());
        let at = sink
            .put("好.csv", &mut |w| {
                w.write_all(b"a,b\n").map_err(write_error)
            })
            .unwrap();
        assert_eq!(at, dir.join("导出").join("好.csv").display().to_string());
        let mut names: Vec<String> = std::fs::read_dir(dir.join("导出"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["好.csv"], "no half file, no .part");
        assert_eq!(std::fs::read(&at).unwrap(), b"a,b\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
