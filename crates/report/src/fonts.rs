//! The fonts the PDF is set in, found on the system when the report is made: the faces official
//! documents use where they are installed (方正小标宋 for the title, 仿宋 for the body, 黑体 and
//! 楷体 for the headings), otherwise the free CJK faces Linux distributions ship (Noto Serif/Sans
//! CJK, AR PL, WenQuanYi). Each face's metrics come from its own tables; the PDF embeds only the
//! glyphs it uses.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a piece of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The report's title (小标宋).
    Title,
    /// Body text and third-level headings (仿宋).
    Body,
    /// Third-level headings: the body face, bold where there is one.
    BodyBold,
    /// First-level headings, captions, table headers, charts (黑体).
    Hei,
    /// Second-level headings (楷体).
    Kai,
}

pub const ROLES: [Role; 5] = [
    Role::Title,
    Role::Body,
    Role::BodyBold,
    Role::Hei,
    Role::Kai,
];

impl Role {
    /// The face official documents use, in Chinese (for the notes that name the fallbacks).
    pub fn wanted(self) -> &'static str {
        match self {
            Role::Title => "方正小标宋简体",
            Role::Body => "仿宋_GB2312",
            Role::BodyBold => "仿宋_GB2312（加粗）",
            Role::Hei => "黑体",
            Role::Kai => "楷体_GB2312",
        }
    }

    /// File names (lower case, in order of preference) that hold the face, or one like it.
    fn files(self) -> Vec<&'static str> {
        const SERIF: &[&str] = &[
            "notoserifcjk-regular.ttc",
            "notoserifcjksc-regular.otf",
            "sourcehanserifsc-regular.otf",
            "sourcehanserif-regular.ttc",
            "uming.ttc",
        ];
        const SANS: &[&str] = &[
            "notosanscjk-regular.ttc",
            "notosanscjksc-regular.otf",
            "sourcehansanssc-regular.otf",
            "sourcehansans-regular.ttc",
            "wqy-zenhei.ttc",
            "wqy-microhei.ttc",
            "droidsansfallbackfull.ttf",
            "droidsansfallback.ttf",
        ];
        let own: &[&str] = match self {
            Role::Title => &[
                "fzxbsjw.ttf",
                "fzxbsjw--gb1-0.ttf",
                "方正小标宋简体.ttf",
                "notoserifcjk-bold.ttc",
                "notoserifcjksc-bold.otf",
                "sourcehanserifsc-bold.otf",
            ],
            Role::Body => &[
                "simfang.ttf",
                "fangsong_gb2312.ttf",
                "仿宋_gb2312.ttf",
                "fzfsk.ttf",
                "notoserifcjk-regular.ttc",
                "notoserifcjksc-regular.otf",
                "sourcehanserifsc-regular.otf",
                "uming.ttc",
            ],
            Role::BodyBold => &[
                "notoserifcjk-bold.ttc",
                "notoserifcjksc-bold.otf",
                "sourcehanserifsc-bold.otf",
            ],
            Role::Hei => &[
                "simhei.ttf",
                "黑体.ttf",
                "notosanscjk-regular.ttc",
                "notosanscjksc-regular.otf",
                "sourcehansanssc-regular.otf",
                "wqy-zenhei.ttc",
                "wqy-microhei.ttc",
            ],
            Role::Kai => &[
                "simkai.ttf",
                "kaiti_gb2312.ttf",
                "楷体_gb2312.ttf",
                "stkaiti.ttf",
                "ukai.ttc",
            ],
        };
        own.iter().chain(SERIF).chain(SANS).copied().collect()
    }
}

/// One face of a font file.
pub struct Face {
    pub path: PathBuf,
    pub data: Arc<Vec<u8>>,
    pub index: u32,
    /// The face's PostScript name (for the PDF), or its family name.
    pub name: String,
    pub family: String,
    pub units_per_em: f32,
    pub ascender: f32,
    pub descender: f32,
    pub cap_height: f32,
    pub bbox: [f32; 4],
    /// Whether the outlines are CFF (else TrueType).
    pub cff: bool,
    /// char → (glyph, advance in em).
    metrics: RefCell<HashMap<char, Option<(u16, f32)>>>,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}#{})", self.name, self.path.display(), self.index)
    }
}

impl Face {
    fn load(path: &Path, data: Arc<Vec<u8>>) -> Option<Face> {
        // In a collection, the Simplified Chinese face (its family ends in "SC" or "CN", or
        // names GB); else the first.
        let count = ttf_parser::fonts_in_collection(&data).unwrap_or(1).max(1);
        let mut best = None;
        for index in 0..count {
            let Ok(face) = ttf_parser::Face::parse(&data, index) else {
                continue;
            };
            let family = name_of(&face, ttf_parser::name_id::TYPOGRAPHIC_FAMILY)
                .or_else(|| name_of(&face, ttf_parser::name_id::FAMILY))
                .unwrap_or_default();
            let chinese = family.ends_with(" SC")
                || family.ends_with(" CN")
                || family.contains("GB")
                || family.contains("SC ");
            if best.is_none() || chinese {
                best = Some((index, family));
            }
            if chinese {
                break;
            }
        }
        let (index, family) = best?;
        let face = ttf_parser::Face::parse(&data, index).ok()?;
        // A CJK face at all: it must have 中.
        face.glyph_index('中')?;
        let upem = f32::from(face.units_per_em());
        let b = face.global_bounding_box();
        let name = name_of(&face, ttf_parser::name_id::POST_SCRIPT_NAME)
            .unwrap_or_else(|| family.clone())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>();
        Some(Face {
            path: path.to_path_buf(),
            index,
            name: if name.is_empty() { "CJK".into() } else { name },
            family,
            units_per_em: upem,
            ascender: f32::from(face.ascender()) / upem,
            descender: f32::from(face.descender()) / upem,
            cap_height: face.capital_height().map_or(0.7, |h| f32::from(h) / upem),
            bbox: [
                f32::from(b.x_min) / upem,
                f32::from(b.y_min) / upem,
                f32::from(b.x_max) / upem,
                f32::from(b.y_max) / upem,
            ],
            cff: face.tables().cff.is_some(),
            metrics: RefCell::new(HashMap::new()),
            data,
        })
    }

    /// The glyph of `c` and its advance (in em), if the face has it.
    pub fn glyph(&self, c: char) -> Option<(u16, f32)> {
        if let Some(m) = self.metrics.borrow().get(&c) {
            return *m;
        }
        let m = ttf_parser::Face::parse(&self.data, self.index)
            .ok()
            .and_then(|f| {
                let g = f.glyph_index(c)?;
                let adv = f.glyph_hor_advance(g)?;
                Some((g.0, f32::from(adv) / self.units_per_em))
            });
        self.metrics.borrow_mut().insert(c, m);
        m
    }

    /// A glyph's advance (in em), by glyph id.
    pub fn advance_of(&self, gid: u16) -> f32 {
        ttf_parser::Face::parse(&self.data, self.index)
            .ok()
            .and_then(|f| f.glyph_hor_advance(ttf_parser::GlyphId(gid)))
            .map_or(0.0, |a| f32::from(a) / self.units_per_em)
    }
}

fn name_of(face: &ttf_parser::Face<'_>, id: u16) -> Option<String> {
    face.names()
        .into_iter()
        .filter(|n| n.name_id == id)
        .find_map(|n| n.to_string())
}

/// The faces for every role, and a note of which were found and which stand in.
#[derive(Debug)]
pub struct Fonts {
    pub faces: Vec<Face>,
    /// Role → index into `faces`.
    roles: HashMap<Role, usize>,
}

/// Where fonts are looked for: `YANGLAO_FONT_DIR` (paths separated as the system separates
/// them), then the system's and the user's font folders.
pub fn font_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(v) = std::env::var_os("YANGLAO_FONT_DIR") {
        dirs.extend(std::env::split_paths(&v));
    }
    for d in [
        "/usr/share/fonts",
        "/usr/local/share/fonts",
        "/Library/Fonts",
        "/System/Library/Fonts",
        "C:\\Windows\\Fonts",
    ] {
        dirs.push(PathBuf::from(d));
    }
    if let Some(home) = std::env::var_os("HOME") {
        let home = PathBuf::from(home);
        dirs.push(home.join(".local/share/fonts"));
        dirs.push(home.join(".fonts"));
    }
    dirs
}

fn walk(dir: &Path, depth: usize, out: &mut HashMap<String, PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if depth < 6 {
                walk(&p, depth + 1, out);
            }
        } else if let Some(name) = p.file_name().and_then(|n| n.to_str()) {
            let lower = name.to_lowercase();
            if lower.ends_with(".ttf") || lower.ends_with(".otf") || lower.ends_with(".ttc") {
                out.entry(lower).or_insert(p);
            }
        }
    }
}

impl Fonts {
    /// Finds a face for every role in `dirs`; `None` when there is no CJK face at all.
    pub fn find(dirs: &[PathBuf]) -> Option<Fonts> {
        let mut files = HashMap::new();
        for d in dirs {
            walk(d, 0, &mut files);
        }
        let mut fonts = Fonts {
            faces: Vec::new(),
            roles: HashMap::new(),
        };
        let mut loaded: HashMap<PathBuf, Option<usize>> = HashMap::new();
        for role in ROLES {
            for f in role.files() {
                let Some(path) = files.get(f) else { continue };
                let at = match loaded.get(path) {
                    Some(at) => *at,
                    None => {
                        let at = std::fs::read(path)
                            .ok()
                            .and_then(|data| Face::load(path, Arc::new(data)))
                            .map(|face| {
                                fonts.faces.push(face);
                                fonts.faces.len() - 1
                            });
                        loaded.insert(path.clone(), at);
                        at
                    }
                };
                if let Some(at) = at {
                    fonts.roles.insert(role, at);
                    break;
                }
            }
        }
        if fonts.faces.is_empty() {
            return None;
        }
        // A role with nothing of its own takes the body's face (or any).
        let fallback = fonts.roles.get(&Role::Body).copied().unwrap_or(0);
        for role in ROLES {
            fonts.roles.entry(role).or_insert(fallback);
        }
        Some(fonts)
    }

    pub fn face(&self, role: Role) -> usize {
        self.roles[&role]
    }

    /// The face that sets `c` in `role`: the role's own, else the first face that has it.
    pub fn for_char(&self, role: Role, c: char) -> Option<(usize, u16, f32)> {
        let own = self.face(role);
        if let Some((g, a)) = self.faces[own].glyph(c) {
            return Some((own, g, a));
        }
        self.faces
            .iter()
            .enumerate()
            .find_map(|(k, f)| f.glyph(c).map(|(g, a)| (k, g, a)))
    }

    /// The width of `text` in `role` at `size` points (characters no face has count as half an
    /// em).
    pub fn width(&self, role: Role, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.for_char(role, c).map_or(0.5, |(_, _, a)| a))
            .sum::<f32>()
            * size
    }

    /// Which face each role is set in, for the report's note on its typography.
    pub fn summary(&self) -> Vec<(Role, String)> {
        ROLES
            .iter()
            .map(|r| (*r, self.faces[self.face(*r)].family.clone()))
            .collect()
    }
}
