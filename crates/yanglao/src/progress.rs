//! Progress of long commands on stderr: a bar redrawn in place at a terminal; at anything else (a
//! log file, a pipe, a service's journal) a plain line every few seconds, so that a long run is
//! never silent; nothing with `--json`, whose reader is a program.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a plain progress line is written when stderr is not a terminal.
pub const PLAIN_EVERY: Duration = Duration::from_secs(5);

pub struct Progress {
    kind: Kind,
}

enum Kind {
    Hidden,
    Bar(indicatif::ProgressBar),
    Plain(Mutex<Plain>),
}

struct Plain {
    label: String,
    pos: u64,
    len: u64,
    started: Instant,
    /// When the last line was written (none yet: the first update writes one).
    last: Option<Instant>,
}

impl Progress {
    /// Progress for a person (`json` false) on stderr, starting with `label`.
    pub fn new(json: bool, label: &str) -> Progress {
        use std::io::IsTerminal;
        let kind = if json {
            Kind::Hidden
        } else if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_message(label.to_string());
            Kind::Bar(bar)
        } else {
            Kind::Plain(Mutex::new(Plain {
                label: label.to_string(),
                pos: 0,
                len: 0,
                started: Instant::now(),
                last: None,
            }))
        };
        Progress { kind }
    }

    /// `pos` of `len` done, in the step `label` (`None`: the step goes on). Position and length
    /// change together, so a bar never shows one step's position against another's length.
    pub fn update(&self, label: Option<&str>, pos: u64, len: u64) {
        match &self.kind {
            Kind::Hidden => {}
            Kind::Bar(bar) => {
                bar.update(|s| {
                    s.set_len(len);
                    s.set_pos(pos);
                });
                if let Some(l) = label {
                    if bar.message() != l {
                        bar.set_message(l.to_string());
                    }
                }
            }
            Kind::Plain(p) => {
                let mut p = p.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(l) = label {
                    if p.label != l {
                        p.label = l.to_string();
                    }
                }
                p.pos = pos;
                p.len = len;
                let now = Instant::now();
                if p.last.is_none_or(|t| now.duration_since(t) >= PLAIN_EVERY) {
                    p.last = Some(now);
                    p.write("");
                }
            }
        }
    }

    /// The work is done: the bar goes away; a plain line says where it ended.
    pub fn finish_and_clear(&self) {
        match &self.kind {
            Kind::Hidden => {}
            Kind::Bar(bar) => bar.finish_and_clear(),
            Kind::Plain(p) => {
                let p = p.lock().unwrap_or_else(|e| e.into_inner());
                if p.last.is_some() {
                    p.write("，结束");
                }
            }
        }
    }
}

impl Plain {
    fn write(&self, end: &str) {
        let secs = self.started.elapsed().as_secs();
        let line = if self.len > 0 {
            format!(
                "进度：{} {}/{}（{}%），已用 {secs} 秒{end}\n",
                self.label,
                self.pos,
                self.len,
                self.pos.min(self.len) * 100 / self.len
            )
        } else {
            format!("进度：{}，已用 {secs} 秒{end}\n", self.label)
        };
        // Progress is a courtesy: a closed stderr does not stop the work.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}
