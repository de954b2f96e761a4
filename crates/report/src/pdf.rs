//! PDF output: the same document as the Word file, laid out here on A4 with the margins of
//! official documents (GB/T 9704), set in the fonts [`crate::fonts`] finds on the system and
//! embedded as subsets of the glyphs used. Body text is justified on a 28-point grid; tables keep
//! their rows whole, repeat their header on each page and merge their grouped cells; charts are
//! drawn as vectors from the same layout as the HTML's; the cover has no page number and the body
//! is numbered from 1.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::chart::{self, Anchor, Mark};
use crate::doc::{Block, Doc, Table};
use crate::fonts::{Fonts, Role};

const W: f32 = 595.28;
const H: f32 = 841.89;
/// The margins of the Word file (twips ÷ 20).
const TOP: f32 = 104.9;
const BOTTOM: f32 = 99.2;
const LEFT: f32 = 79.4;
const RIGHT: f32 = 73.7;
const TEXT_W: f32 = W - LEFT - RIGHT;
/// 三号 body text on an exact 28-point line.
const BODY: f32 = 16.0;
const LINE: f32 = 28.0;
/// 五号 table text; 小五 in a table of many columns.
const CELL: f32 = 10.5;
const CELL_LINE: f32 = 15.0;
const CELL_SMALL: f32 = 9.0;
const CELL_SMALL_LINE: f32 = 12.5;
const PAD_X: f32 = 3.0;
const PAD_Y: f32 = 3.5;

type Rgb = (u8, u8, u8);

#[derive(Debug, Clone)]
enum Item {
    /// Text whose baseline is at `y` (from the top), each character `spacing` points apart
    /// beyond its advance.
    Text {
        x: f32,
        y: f32,
        size: f32,
        role: Role,
        text: String,
        spacing: f32,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<f32>,
    },
    Line {
        points: Vec<(f32, f32)>,
        stroke: Rgb,
        width: f32,
    },
}

#[derive(Debug, Default)]
struct Page {
    items: Vec<Item>,
    number: Option<u32>,
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Justify,
    Left,
    Centre,
    Right,
}

/// Characters a line may not start with, and ones it may not end with.
const NO_START: &str = "，。、；：？！）》」』”’%…·,.;:?!)]}％";
const NO_END: &str = "（《「『“‘([{";

/// The units a line breaks between: a run of Latin letters and digits (with the marks numbers
/// carry) or one other character, with closing punctuation kept on the unit before and opening
/// punctuation on the unit after.
fn units(text: &str) -> Vec<String> {
    let latin = |c: char| c.is_ascii_alphanumeric() || ".,%:/+-_~\u{2212}".contains(c);
    let mut raw: Vec<String> = Vec::new();
    for c in text.chars() {
        match raw.last_mut() {
            Some(u) if latin(c) && u.chars().last().is_some_and(latin) => u.push(c),
            _ => raw.push(c.to_string()),
        }
    }
    let mut out: Vec<String> = Vec::new();
    let mut carry = String::new();
    for u in raw {
        let first = u.chars().next().unwrap_or(' ');
        if NO_START.contains(first) && carry.is_empty() {
            if let Some(last) = out.last_mut() {
                last.push_str(&u);
                continue;
            }
        }
        let mut u = std::mem::take(&mut carry) + &u;
        if u.chars().count() == 1 && NO_END.contains(first) {
            carry = std::mem::take(&mut u);
            continue;
        }
        out.push(u);
    }
    if !carry.is_empty() {
        out.push(carry);
    }
    out
}

/// A wrapped line: its text and whether it ends its paragraph.
struct Wrapped {
    text: String,
    last: bool,
}

/// A heading for the outline: level, text, page index, y.
type Bookmark = (u8, String, usize, f32);

struct Layout<'f> {
    fonts: &'f Fonts,
    pages: Vec<Page>,
    /// The top of the free space on the current page.
    y: f32,
    /// The number the next page gets (`None`: the cover's pages are not numbered).
    next_number: Option<u32>,
    outline: Vec<Bookmark>,
    /// The current table's text size and line height.
    cell: (f32, f32),
}

impl<'f> Layout<'f> {
    fn new(fonts: &'f Fonts) -> Self {
        let mut l = Layout {
            fonts,
            pages: Vec::new(),
            y: TOP,
            next_number: None,
            outline: Vec::new(),
            cell: (CELL, CELL_LINE),
        };
        l.new_page();
        l
    }

    fn new_page(&mut self) {
        let number = self.next_number;
        self.next_number = number.map(|n| n + 1);
        self.pages.push(Page {
            items: Vec::new(),
            number,
        });
        self.y = TOP;
    }

    fn at_top(&self) -> bool {
        self.pages.last().is_none_or(|p| p.items.is_empty())
    }

    fn room(&self) -> f32 {
        H - BOTTOM - self.y
    }

    /// A new page unless `h` points fit on this one (or it is empty).
    fn ensure(&mut self, h: f32) {
        if self.room() < h - 0.01 && !self.at_top() {
            self.new_page();
        }
    }

    fn push(&mut self, item: Item) {
        if let Some(p) = self.pages.last_mut() {
            p.items.push(item);
        }
    }

    /// `text` broken into lines of at most `width` points (the first `indent` narrower).
    fn wrap(&self, text: &str, role: Role, size: f32, width: f32, indent: f32) -> Vec<Wrapped> {
        let mut out = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            let mut w = 0.0;
            let mut avail = width - indent;
            for u in units(para) {
                let uw = self.fonts.width(role, &u, size);
                if w + uw > avail + 0.01 && !line.is_empty() {
                    out.push(Wrapped {
                        text: std::mem::take(&mut line).trim_end().to_string(),
                        last: false,
                    });
                    w = 0.0;
                    avail = width;
                    if u == " " {
                        continue;
                    }
                }
                if uw > avail && line.is_empty() {
                    // A unit wider than the line: broken where it must be.
                    for c in u.chars() {
                        let cw = self.fonts.width(role, &c.to_string(), size);
                        if w + cw > avail && !line.is_empty() {
                            out.push(Wrapped {
                                text: std::mem::take(&mut line),
                                last: false,
                            });
                            w = 0.0;
                            avail = width;
                        }
                        line.push(c);
                        w += cw;
                    }
                    continue;
                }
                line.push_str(&u);
                w += uw;
            }
            out.push(Wrapped {
                text: line.trim_end().to_string(),
                last: true,
            });
        }
        out
    }

    /// One line of text set in a box `width` wide at `x`, baseline `y`.
    #[allow(clippy::too_many_arguments)]
    fn line(
        &mut self,
        l: &Wrapped,
        role: Role,
        size: f32,
        x: f32,
        y: f32,
        width: f32,
        align: Align,
    ) {
        let natural = self.fonts.width(role, &l.text, size);
        let n = l.text.chars().count();
        let (x, spacing) = match align {
            Align::Justify if !l.last && n > 1 => {
                let s = (width - natural) / (n - 1) as f32;
                (
                    x,
                    if (0.0..size * 0.6).contains(&s) {
                        s
                    } else {
                        0.0
                    },
                )
            }
            Align::Centre => (x + (width - natural).max(0.0) / 2.0, 0.0),
            Align::Right => (x + (width - natural).max(0.0), 0.0),
            _ => (x, 0.0),
        };
        self.push(Item::Text {
            x,
            y,
            size,
            role,
            text: l.text.clone(),
            spacing,
        });
    }

    /// A paragraph on the body's grid: each line `line_h` high, the first indented by `indent`
    /// points; lines flow onto the next page as they must.
    #[allow(clippy::too_many_arguments)]
    fn paragraph(
        &mut self,
        text: &str,
        role: Role,
        size: f32,
        line_h: f32,
        indent: f32,
        align: Align,
        keep_with_next: f32,
    ) {
        let lines = self.wrap(text, role, size, TEXT_W, indent);
        // A short paragraph is not split; a heading keeps its next lines with it.
        let whole = if lines.len() <= 3 {
            lines.len() as f32 * line_h
        } else {
            2.0 * line_h
        };
        self.ensure(whole + keep_with_next);
        for (k, l) in lines.iter().enumerate() {
            self.ensure(line_h);
            let x = LEFT + if k == 0 { indent } else { 0.0 };
            let w = TEXT_W - if k == 0 { indent } else { 0.0 };
            let baseline = self.y + line_h / 2.0 + size * 0.36;
            self.line(l, role, size, x, baseline, w, align);
            self.y += line_h;
        }
    }

    fn block(&mut self, b: &Block) {
        match b {
            Block::Title(t) => {
                self.y += 30.0;
                self.paragraph(t, Role::Title, 22.0, 36.0, 0.0, Align::Centre, LINE * 2.0);
                self.y += 18.0;
            }
            Block::Centered(t) => {
                self.paragraph(t, Role::Body, BODY, LINE, 0.0, Align::Centre, 0.0)
            }
            Block::Heading { level, text } => {
                let role = match level {
                    1 => Role::Hei,
                    2 => Role::Kai,
                    _ => Role::BodyBold,
                };
                // A heading never ends a page: it keeps room for a short paragraph after it
                // (a first-level one also for a sub-heading).
                self.ensure(LINE * (7 - (*level).min(3)) as f32);
                let page = self.pages.len() - 1;
                self.outline.push((*level, text.clone(), page, self.y));
                self.paragraph(text, role, BODY, LINE, BODY * 2.0, Align::Left, LINE * 2.0);
            }
            Block::Para(t) => {
                self.paragraph(t, Role::Body, BODY, LINE, BODY * 2.0, Align::Justify, 0.0)
            }
            Block::Table(t) => self.table(t),
            Block::Chart(c) => self.chart(c),
            Block::PageBreak => {
                if !self.at_top() {
                    self.new_page();
                }
            }
            Block::CoverLines(lines) => self.cover_lines(lines),
            Block::CoverDate(t) => {
                self.y = self.y.max(H - BOTTOM - 120.0);
                self.paragraph(t, Role::Body, BODY, LINE, 0.0, Align::Centre, 0.0);
            }
            Block::EndOfCover => {
                self.next_number = Some(1);
                self.new_page();
            }
        }
    }

    /// The cover's lines, a block centred on the page: the label in 黑体, the value after it
    /// (wrapped under itself).
    fn cover_lines(&mut self, lines: &[(String, String)]) {
        self.y = self.y.max(TOP + 230.0);
        let label_w = lines
            .iter()
            .map(|(l, _)| self.fonts.width(Role::Hei, &format!("{l}："), BODY))
            .fold(0.0, f32::max);
        let value_w = lines
            .iter()
            .map(|(_, v)| self.fonts.width(Role::Body, v, BODY))
            .fold(0.0, f32::max)
            .min(TEXT_W - label_w - BODY * 2.0);
        let x0 = LEFT + ((TEXT_W - label_w - value_w) / 2.0).max(BODY * 2.0);
        for (label, value) in lines {
            let wrapped = self.wrap(value, Role::Body, BODY, value_w.max(BODY * 4.0), 0.0);
            for (k, l) in wrapped.iter().enumerate() {
                let baseline = self.y + 15.0 + BODY * 0.36;
                if k == 0 {
                    self.push(Item::Text {
                        x: x0,
                        y: baseline,
                        size: BODY,
                        role: Role::Hei,
                        text: format!("{label}："),
                        spacing: 0.0,
                    });
                }
                self.line(
                    l,
                    Role::Body,
                    BODY,
                    x0 + label_w,
                    baseline,
                    value_w,
                    Align::Left,
                );
                self.y += 30.0;
            }
        }
    }

    /// A table: its caption, its header on every page it runs over, rows kept whole, a grouped
    /// column's runs as one cell per page.
    fn table(&mut self, t: &Table) {
        let total: u32 = t.widths.iter().sum::<u32>().max(1);
        let cols: Vec<f32> = (0..t.header.len())
            .map(|k| t.widths.get(k).copied().unwrap_or(1) as f32 / total as f32 * TEXT_W)
            .collect();
        let xs: Vec<f32> = cols
            .iter()
            .scan(LEFT, |x, w| {
                let at = *x;
                *x += w;
                Some(at)
            })
            .collect();
        let spans = t.spans();
        self.cell = if t.header.len() >= 9 {
            (CELL_SMALL, CELL_SMALL_LINE)
        } else {
            (CELL, CELL_LINE)
        };
        let (size, line_h) = self.cell;
        let cell_lines = |l: &Layout<'_>, text: &str, k: usize, role: Role| {
            l.wrap(text, role, size, cols[k] - 2.0 * PAD_X, 0.0)
        };
        let header: Vec<Vec<Wrapped>> = t
            .header
            .iter()
            .enumerate()
            .map(|(k, h)| cell_lines(self, h, k, Role::Hei))
            .collect();
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_h + 2.0 * PAD_Y;
        let body: Vec<Vec<Vec<Wrapped>>> = t
            .rows
            .iter()
            .enumerate()
            .map(|(r, row)| {
                row.iter()
                    .enumerate()
                    .map(|(k, c)| {
                        if spans[r].get(k) == Some(&0) {
                            Vec::new()
                        } else {
                            cell_lines(self, c, k, Role::Body)
                        }
                    })
                    .collect()
            })
            .collect();
        let mut heights: Vec<f32> = body
            .iter()
            .enumerate()
            .map(|(r, cells)| {
                cells
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| spans[r].get(*k).is_none_or(|s| *s == 1))
                    .map(|(_, c)| c.len())
                    .max()
                    .unwrap_or(1)
                    .max(1) as f32
                    * line_h
                    + 2.0 * PAD_Y
            })
            .collect();
        // A merged cell that needs more room than its rows give it lengthens its last row.
        for (r, cells) in body.iter().enumerate() {
            for (k, c) in cells.iter().enumerate() {
                if let Some(&n) = spans[r].get(k).filter(|n| **n > 1) {
                    let need = c.len() as f32 * line_h + 2.0 * PAD_Y;
                    let have: f32 = heights[r..r + n].iter().sum();
                    if need > have {
                        heights[r + n - 1] += need - have;
                    }
                }
            }
        }
        let caption = format!("{} {}", t.id, t.title);
        let first = heights.first().copied().unwrap_or(0.0);
        self.ensure(22.0 + header_h + first);
        self.paragraph(
            &caption,
            Role::Hei,
            12.0,
            22.0,
            0.0,
            Align::Centre,
            header_h + first,
        );
        let draw_row = |l: &mut Layout<'_>,
                        cells: &[Vec<Wrapped>],
                        texts: &[String],
                        h: f32,
                        head: bool,
                        skip: &dyn Fn(usize) -> bool| {
            for (k, lines) in cells.iter().enumerate() {
                if skip(k) {
                    continue;
                }
                let align = if head {
                    Align::Centre
                } else if numeric(&texts[k]) {
                    Align::Right
                } else {
                    Align::Left
                };
                l.cell(
                    xs[k],
                    l.y,
                    cols[k],
                    h,
                    lines,
                    if head { Role::Hei } else { Role::Body },
                    align,
                );
            }
        };
        let header_cells = header;
        let head = |l: &mut Layout<'_>| {
            draw_row(l, &header_cells, &t.header, header_h, true, &|_| false);
            l.y += header_h;
        };
        head(self);
        // Open runs of merged cells: column → (row the run started, top of its part on this
        // page, rows left in it).
        let mut open: BTreeMap<usize, (usize, f32, usize)> = BTreeMap::new();
        for (r, row) in t.rows.iter().enumerate() {
            let h = heights[r];
            if self.y + h > H - BOTTOM + 0.01 {
                let bottom = self.y;
                for (k, (start, top, _)) in &open {
                    self.merged(&xs, &cols, *k, *top, bottom - top, &body[*start][*k]);
                }
                self.new_page();
                head(self);
                for v in open.values_mut() {
                    v.1 = self.y;
                }
            }
            for (k, s) in spans[r].iter().enumerate() {
                if *s > 1 {
                    open.insert(k, (r, self.y, *s));
                }
            }
            let skip = |k: usize| spans[r].get(k).is_some_and(|s| *s != 1);
            draw_row(self, &body[r], row, h, false, &skip);
            self.y += h;
            let mut done = Vec::new();
            for (k, v) in open.iter_mut() {
                v.2 -= 1;
                if v.2 == 0 {
                    done.push(*k);
                }
            }
            for k in done {
                if let Some((start, top, _)) = open.remove(&k) {
                    let bottom = self.y;
                    self.merged(&xs, &cols, k, top, bottom - top, &body[start][k]);
                }
            }
        }
        self.y += 12.0;
    }

    /// A merged cell's part on one page: its border, its text centred.
    fn merged(&mut self, xs: &[f32], cols: &[f32], k: usize, top: f32, h: f32, lines: &[Wrapped]) {
        self.cell(xs[k], top, cols[k], h, lines, Role::Body, Align::Centre);
    }

    /// A cell's border and its lines, centred vertically.
    #[allow(clippy::too_many_arguments)]
    fn cell(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        lines: &[Wrapped],
        role: Role,
        align: Align,
    ) {
        self.push(Item::Rect {
            x,
            y,
            w,
            h,
            fill: None,
            stroke: Some(0.5),
        });
        let (size, line_h) = self.cell;
        let text_h = lines.len() as f32 * line_h;
        let mut top = y + (h - text_h) / 2.0;
        for l in lines {
            let baseline = top + line_h / 2.0 + size * 0.36;
            self.line(l, role, size, x + PAD_X, baseline, w - 2.0 * PAD_X, align);
            top += line_h;
        }
    }

    /// A chart across the text width, its caption under it.
    fn chart(&mut self, c: &chart::Chart) {
        let s = TEXT_W / chart::WIDTH as f32;
        let h = chart::HEIGHT as f32 * s;
        self.ensure(h + 30.0);
        let (x0, y0) = (LEFT, self.y);
        let p = |x: f64, y: f64| (x0 + x as f32 * s, y0 + y as f32 * s);
        for m in chart::layout(c) {
            match m {
                Mark::Rect { x, y, w, h, fill } => {
                    let (px, py) = p(x, y);
                    self.push(Item::Rect {
                        x: px,
                        y: py,
                        w: w as f32 * s,
                        h: h as f32 * s,
                        fill: Some(fill),
                        stroke: None,
                    });
                }
                Mark::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    stroke,
                    width,
                } => self.push(Item::Line {
                    points: vec![p(x1, y1), p(x2, y2)],
                    stroke,
                    width: width as f32 * s,
                }),
                Mark::Polyline {
                    points,
                    stroke,
                    width,
                } => self.push(Item::Line {
                    points: points.iter().map(|(x, y)| p(*x, *y)).collect(),
                    stroke,
                    width: width as f32 * s,
                }),
                Mark::Text {
                    x,
                    y,
                    size,
                    anchor,
                    text,
                } => {
                    let size = size as f32 * s;
                    let w = self.fonts.width(Role::Hei, &text, size);
                    let (px, py) = p(x, y);
                    let px = match anchor {
                        Anchor::Start => px,
                        Anchor::Middle => px - w / 2.0,
                        Anchor::End => px - w,
                    };
                    self.push(Item::Text {
                        x: px,
                        y: py,
                        size,
                        role: Role::Hei,
                        text,
                        spacing: 0.0,
                    });
                }
            }
        }
        self.y += h + 4.0;
        self.paragraph(
            &format!("{} {}", c.id, c.title),
            Role::Hei,
            12.0,
            22.0,
            0.0,
            Align::Centre,
            0.0,
        );
        self.y += 8.0;
    }
}

fn numeric(s: &str) -> bool {
    let t = s.trim_end_matches(['%', ' ']);
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || ".,-\u{2212}".contains(c))
        && t.chars().any(|c| c.is_ascii_digit())
}

/// The document laid out in pages.
fn layout(doc: &Doc, fonts: &Fonts) -> (Vec<Page>, Vec<Bookmark>) {
    let mut l = Layout::new(fonts);
    let numbered = !doc.blocks.iter().any(|b| matches!(b, Block::EndOfCover));
    if numbered {
        l.next_number = Some(2);
        l.pages[0].number = Some(1);
    }
    for b in &doc.blocks {
        let b = match b {
            Block::Para(t) => Block::Para(crate::doc::typeset(t).into_owned()),
            Block::Table(t) => {
                let mut t = t.clone();
                for r in &mut t.rows {
                    for c in r {
                        *c = crate::doc::typeset(c).into_owned();
                    }
                }
                Block::Table(t)
            }
            other => other.clone(),
        };
        l.block(&b);
    }
    // Page numbers in the footer, as "— 1 —".
    for p in &mut l.pages {
        if let Some(n) = p.number {
            let text = format!("— {n} —");
            let w = fonts.width(Role::Body, &text, 14.0);
            p.items.push(Item::Text {
                x: (W - w) / 2.0,
                y: H - 56.0,
                size: 14.0,
                role: Role::Body,
                text,
                spacing: 0.0,
            });
        }
    }
    (l.pages, l.outline)
}

/// A face's glyphs as the PDF uses them: old glyph → new (the subset's, and the CID).
struct Used {
    remapper: subsetter::GlyphRemapper,
    unicode: BTreeMap<u16, char>,
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// A table of an OpenType file, by tag.
fn table_of<'a>(font: &'a [u8], tag: &[u8; 4]) -> Option<&'a [u8]> {
    let n = u16::from_be_bytes([*font.get(4)?, *font.get(5)?]) as usize;
    for k in 0..n {
        let rec = font.get(12 + 16 * k..28 + 16 * k)?;
        if &rec[0..4] == tag {
            let off = u32::from_be_bytes([rec[8], rec[9], rec[10], rec[11]]) as usize;
            let len = u32::from_be_bytes([rec[12], rec[13], rec[14], rec[15]]) as usize;
            return font.get(off..off + len);
        }
    }
    None
}

/// A failure to write the PDF (a font that cannot be subset).
#[derive(Debug)]
pub struct PdfError(pub String);

/// The document as the bytes of a PDF file, set in `fonts`.
pub fn to_bytes(doc: &Doc, fonts: &Fonts) -> Result<Vec<u8>, PdfError> {
    let (pages, outline) = layout(doc, fonts);
    let mut next = Ref::new(1);
    let mut alloc = move || next.bump();
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let outline_root = alloc();
    let font_refs: Vec<Ref> = fonts.faces.iter().map(|_| alloc()).collect();
    let mut used: HashMap<usize, Used> = HashMap::new();
    let mut pdf = Pdf::new();
    let mut page_ids = Vec::with_capacity(pages.len());
    for page in &pages {
        let (page_id, content_id) = (alloc(), alloc());
        page_ids.push(page_id);
        let mut c = Content::new();
        let mut on_page: Vec<usize> = Vec::new();
        for item in &page.items {
            match item {
                Item::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                } => {
                    c.rect(*x, H - y - h, *w, *h);
                    match (fill, stroke) {
                        (Some(f), _) => {
                            c.set_fill_rgb(
                                f32::from(f.0) / 255.0,
                                f32::from(f.1) / 255.0,
                                f32::from(f.2) / 255.0,
                            );
                            c.fill_nonzero();
                        }
                        (None, Some(wd)) => {
                            c.set_stroke_rgb(0.0, 0.0, 0.0);
                            c.set_line_width(*wd);
                            c.stroke();
                        }
                        (None, None) => {
                            c.end_path();
                        }
                    }
                }
                Item::Line {
                    points,
                    stroke,
                    width,
                } => {
                    let Some(((x, y), rest)) = points.split_first() else {
                        continue;
                    };
                    c.set_stroke_rgb(
                        f32::from(stroke.0) / 255.0,
                        f32::from(stroke.1) / 255.0,
                        f32::from(stroke.2) / 255.0,
                    );
                    c.set_line_width(*width);
                    c.move_to(*x, H - y);
                    for (x, y) in rest {
                        c.line_to(*x, H - y);
                    }
                    c.stroke();
                }
                Item::Text {
                    x,
                    y,
                    size,
                    role,
                    text,
                    spacing,
                } => {
                    c.set_fill_rgb(0.0, 0.0, 0.0);
                    // Runs of characters in one face, each placed where the advances put it.
                    let mut px = *x;
                    let mut run: Vec<u8> = Vec::new();
                    let mut run_face = usize::MAX;
                    let mut run_x = px;
                    let flush = |c: &mut Content, face: usize, bytes: &mut Vec<u8>, at: f32| {
                        if bytes.is_empty() {
                            return;
                        }
                        c.begin_text();
                        c.set_font(Name(format!("F{face}").as_bytes()), *size);
                        c.set_char_spacing(*spacing);
                        c.set_text_matrix([1.0, 0.0, 0.0, 1.0, at, H - y]);
                        c.show(Str(bytes));
                        c.end_text();
                        bytes.clear();
                    };
                    for ch in text.chars() {
                        let Some((face, gid, adv)) = fonts.for_char(*role, ch) else {
                            px += size * 0.5 + spacing;
                            continue;
                        };
                        if face != run_face {
                            flush(&mut c, run_face, &mut run, run_x);
                            run_face = face;
                            run_x = px;
                        }
                        if !on_page.contains(&face) {
                            on_page.push(face);
                        }
                        let u = used.entry(face).or_insert_with(|| Used {
                            remapper: subsetter::GlyphRemapper::new(),
                            unicode: BTreeMap::new(),
                        });
                        let new = u.remapper.remap(gid);
                        u.unicode.entry(new).or_insert(ch);
                        run.extend_from_slice(&new.to_be_bytes());
                        px += adv * size + spacing;
                    }
                    flush(&mut c, run_face, &mut run, run_x);
                }
            }
        }
        let bytes = deflate(&c.finish());
        pdf.stream(content_id, &bytes).filter(Filter::FlateDecode);
        let mut pg = pdf.page(page_id);
        pg.media_box(Rect::new(0.0, 0.0, W, H))
            .parent(tree)
            .contents(content_id);
        let mut res = pg.resources();
        let mut fs = res.fonts();
        for f in &on_page {
            fs.pair(Name(format!("F{f}").as_bytes()), font_refs[*f]);
        }
        fs.finish();
        res.finish();
        pg.finish();
    }
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    // The embedded fonts: each face's subset as a CID font with Identity-H codes (the new
    // glyph ids), its widths and the map back to Unicode for search and copying.
    let mut faces: Vec<_> = used.into_iter().collect();
    faces.sort_by_key(|(k, _)| *k);
    for (k, u) in faces {
        embed_font(&mut pdf, &fonts.faces[k], &u, font_refs[k], &mut alloc)?;
    }
    write_outline(&mut pdf, outline_root, &outline, &page_ids, &mut alloc);
    let mut cat = pdf.catalog(catalog);
    cat.pages(tree).lang(TextStr("zh-CN"));
    if !outline.is_empty() {
        cat.outlines(outline_root)
            .page_mode(pdf_writer::types::PageMode::UseOutlines);
    }
    cat.finish();
    pdf.document_info(info)
        .title(TextStr(&doc.title))
        .creator(TextStr("养老（Yanglao）"))
        .producer(TextStr("养老（Yanglao）"));
    Ok(pdf.finish())
}

/// One face's subset as a CID font (Identity-H codes, the new glyph ids), its widths and its map
/// back to Unicode for search and copying.
fn embed_font(
    pdf: &mut Pdf,
    face: &crate::fonts::Face,
    u: &Used,
    font_ref: Ref,
    alloc: &mut impl FnMut() -> Ref,
) -> Result<(), PdfError> {
    let subset = subsetter::subset(&face.data, face.index, &u.remapper)
        .map_err(|e| PdfError(format!("字体 {} 无法嵌入：{e}", face.name)))?;
    let (cid, descriptor, file, cmap) = (alloc(), alloc(), alloc(), alloc());
    let tag = subset_tag(&u.unicode);
    let base = format!("{tag}+{}", face.name);
    pdf.type0_font(font_ref)
        .base_font(Name(base.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let system = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    let widths: Vec<f32> = u
        .remapper
        .remapped_gids()
        .map(|old| face.advance_of(old) * 1000.0)
        .collect();
    let mut cf = pdf.cid_font(cid);
    cf.subtype(if face.cff {
        CidFontType::Type0
    } else {
        CidFontType::Type2
    })
    .base_font(Name(base.as_bytes()))
    .system_info(system)
    .font_descriptor(descriptor)
    .default_width(1000.0);
    if !face.cff {
        cf.cid_to_gid_map_predefined(Name(b"Identity"));
    }
    cf.widths().consecutive(0, widths);
    cf.finish();
    let [x0, y0, x1, y1] = face.bbox;
    let mut fd = pdf.font_descriptor(descriptor);
    fd.name(Name(base.as_bytes()))
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            x0 * 1000.0,
            y0 * 1000.0,
            x1 * 1000.0,
            y1 * 1000.0,
        ))
        .italic_angle(0.0)
        .ascent(face.ascender * 1000.0)
        .descent(face.descender * 1000.0)
        .cap_height(face.cap_height * 1000.0)
        .stem_v(80.0);
    if face.cff {
        fd.font_file3(file);
    } else {
        fd.font_file2(file);
    }
    fd.finish();
    if face.cff {
        let cff = table_of(&subset, b"CFF ")
            .ok_or_else(|| PdfError(format!("字体 {} 的子集没有 CFF 表", face.name)))?;
        pdf.stream(file, &deflate(cff))
            .filter(Filter::FlateDecode)
            .pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
    } else {
        pdf.stream(file, &deflate(&subset))
            .filter(Filter::FlateDecode);
    }
    let mut map = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), system);
    for (g, ch) in &u.unicode {
        map.pair(*g, *ch);
    }
    pdf.cmap(cmap, &deflate(&map.finish()))
        .filter(Filter::FlateDecode);
    Ok(())
}

/// Six capital letters from the glyphs used, so that different subsets have different names.
fn subset_tag(unicode: &BTreeMap<u16, char>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (g, c) in unicode {
        for b in g.to_be_bytes().into_iter().chain((*c as u32).to_be_bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    }
    (0..6)
        .map(|k| char::from(b'A' + ((h >> (k * 5)) % 26) as u8))
        .collect()
}

/// The headings of the first two levels as the PDF's bookmarks.
fn write_outline(
    pdf: &mut Pdf,
    root: Ref,
    headings: &[Bookmark],
    pages: &[Ref],
    alloc: &mut impl FnMut() -> Ref,
) {
    let items: Vec<(u8, &str, usize, f32, Ref)> = headings
        .iter()
        .filter(|h| h.0 <= 2)
        .map(|(l, t, p, y)| (*l, t.as_str(), *p, *y, alloc()))
        .collect();
    if items.is_empty() {
        return;
    }
    // Level 1 under the root; level 2 under the level 1 before it (or the root).
    let parent_of = |k: usize| -> Option<usize> {
        if items[k].0 == 1 {
            return None;
        }
        (0..k).rev().find(|&j| items[j].0 == 1)
    };
    let children = |p: Option<usize>| -> Vec<usize> {
        (0..items.len()).filter(|&k| parent_of(k) == p).collect()
    };
    let top = children(None);
    let mut o = pdf.outline(root);
    if let (Some(f), Some(l)) = (top.first(), top.last()) {
        o.first(items[*f].4).last(items[*l].4);
    }
    o.count(top.len() as i32);
    o.finish();
    for (k, (_, title, page, y, id)) in items.iter().enumerate() {
        let parent = parent_of(k);
        let siblings = children(parent);
        let at = siblings.iter().position(|s| *s == k).unwrap_or(0);
        let mut it = pdf.outline_item(*id);
        it.title(TextStr(title))
            .parent(parent.map_or(root, |p| items[p].4));
        if at > 0 {
            it.prev(items[siblings[at - 1]].4);
        }
        if let Some(n) = siblings.get(at + 1) {
            it.next(items[*n].4);
        }
        let kids = if items[k].0 == 1 {
            children(Some(k))
        } else {
            Vec::new()
        };
        if let (Some(f), Some(l)) = (kids.first(), kids.last()) {
            it.first(items[*f].4)
                .last(items[*l].4)
                .count(-(kids.len() as i32));
        }
        it.dest().page(pages[*page]).xyz(LEFT, H - y, None);
        it.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_between_characters_but_not_inside_numbers_or_before_closing_marks() {
        let u = units("合计 4534.36 万元，占（98.40%）。");
        assert!(u.contains(&"4534.36".to_string()), "{u:?}");
        assert!(u.iter().any(|x| x == "元，"), "{u:?}");
        assert!(u.iter().any(|x| x.starts_with('（')), "{u:?}");
        assert!(u.iter().any(|x| x.ends_with("）。")), "{u:?}");
        assert_eq!(units("\u{2212}22.69%"), vec!["\u{2212}22.69%".to_string()]);
    }

    #[test]
    fn a_document_becomes_pages_with_its_fonts_embedded_as_small_subsets() {
        let Some(fonts) = Fonts::find(&crate::fonts::font_dirs()) else {
            println!(
                "\n*** PDF test DID NOT RUN (no Chinese font: apt install fonts-noto-cjk) ***\n"
            );
            return;
        };
        let mut d = Doc::new("测试报告");
        d.blocks.push(Block::Title("测试报告".into()));
        d.blocks.push(Block::EndOfCover);
        d.heading(1, "一、基本情况");
        for _ in 0..40 {
            d.para("城乡居民补充养老保险基金年末滚存结余 1086.29 万元，同比变动 −4.12%。");
        }
        let rows: Vec<Vec<String>> = (0..60)
            .map(|k| vec!["产出".into(), format!("C{k}"), format!("{k}.50")])
            .collect();
        d.table(Table {
            id: "表 1".into(),
            title: "指标".into(),
            header: vec!["一级".into(), "三级".into(), "得分".into()],
            rows,
            widths: vec![1, 2, 1],
            grouped: 1,
        });
        d.chart(chart::Chart {
            id: "图 1".into(),
            title: "人数".into(),
            kind: chart::Kind::Bars,
            unit: "人".into(),
            categories: vec!["城区".into(), "矿区".into()],
            series: vec![("2023 年".into(), vec![10.0, 20.0])],
        });
        let (pages, outline) = layout(&d, &fonts);
        assert!(pages.len() >= 4, "{}", pages.len());
        // The cover has no number; the body's pages are numbered from 1.
        assert_eq!(pages[0].number, None);
        assert_eq!(pages[1].number, Some(1));
        assert_eq!(pages.last().unwrap().number, Some(pages.len() as u32 - 1));
        assert_eq!(outline.len(), 1);
        // Nothing is set below the bottom margin but the page number.
        for p in &pages {
            for it in &p.items {
                if let Item::Text { y, text, .. } = it {
                    assert!(
                        *y <= H - BOTTOM + 1.0 || text.starts_with('—'),
                        "{text} at {y}"
                    );
                }
            }
        }
        // The table's header is on every page it runs over.
        let headers = pages
            .iter()
            .filter(|p| {
                p.items
                    .iter()
                    .any(|i| matches!(i, Item::Text { text, .. } if text == "三级"))
            })
            .count();
        assert!(headers >= 2, "{headers}");
        let bytes = to_bytes(&d, &fonts).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.len() < 300_000, "{} bytes", bytes.len());
    }
}
