//! Word (.docx) output, written as Office Open XML directly: 仿宋 body, 黑体 headings, A4 with the
//! margins of official documents (GB/T 9704), page numbers in the footer. The same document gives
//! the same bytes every time (fixed timestamps in the package).

use std::io::Write;

use crate::doc::{Block, Doc, Table};

fn esc(s: &str) -> String {
    let s = crate::doc::typeset(s);
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            // Characters XML 1.0 cannot hold.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

fn run(text: &str, bold: bool) -> String {
    format!(
        "<w:r>{}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
        if bold { "<w:rPr><w:b/></w:rPr>" } else { "" },
        esc(text)
    )
}

fn para(style: &str, text: &str) -> String {
    format!(
        "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr>{}</w:p>",
        run(text, false)
    )
}

/// Table width in twips: A4 (11906) less the side margins (1588 + 1474).
const TEXT_WIDTH: u32 = 8844;

fn table(t: &Table) -> String {
    let total: u32 = t.widths.iter().sum::<u32>().max(1);
    let cols: Vec<u32> = t.widths.iter().map(|w| w * TEXT_WIDTH / total).collect();
    let mut x = String::new();
    x.push_str(&para("Caption", &format!("{} {}", t.id, t.title)));
    x.push_str("<w:tbl><w:tblPr><w:tblW w:w=\"");
    x.push_str(&TEXT_WIDTH.to_string());
    x.push_str("\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblBorders>");
    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        x.push_str(&format!(
            "<w:{side} w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
        ));
    }
    x.push_str("</w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:left w:w=\"60\" w:type=\"dxa\"/><w:right w:w=\"60\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr><w:tblGrid>");
    for w in &cols {
        x.push_str(&format!("<w:gridCol w:w=\"{w}\"/>"));
    }
    x.push_str("</w:tblGrid>");
    let row = |cells: &[String], header: bool| {
        let mut r = String::from("<w:tr>");
        if header {
            r.push_str("<w:trPr><w:tblHeader/></w:trPr>");
        }
        for (i, c) in cells.iter().enumerate() {
            r.push_str(&format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"{}\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/></w:tcPr><w:p><w:pPr><w:pStyle w:val=\"TableText\"/>{}</w:pPr>{}</w:p></w:tc>",
                cols.get(i).copied().unwrap_or(1000),
                if header { "<w:jc w:val=\"center\"/>" } else { "" },
                run(c, header)
            ));
        }
        r.push_str("</w:tr>");
        r
    };
    x.push_str(&row(&t.header, true));
    for r in &t.rows {
        x.push_str(&row(r, false));
    }
    x.push_str("</w:tbl>");
    x.push_str(&para("Normal", ""));
    x
}

/// A4 and the margins of official documents (GB/T 9704).
const PAGE: &str = "<w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"2098\" w:right=\"1474\" w:bottom=\"1984\" w:left=\"1588\" w:header=\"851\" w:footer=\"992\" w:gutter=\"0\"/>";

/// A cover line: the label in 黑体, the value after it.
fn cover_line(label: &str, value: &str) -> String {
    format!(
        "<w:p><w:pPr><w:pStyle w:val=\"CoverLine\"/></w:pPr><w:r><w:rPr>{}</w:rPr><w:t xml:space=\"preserve\">{}：</w:t></w:r>{}</w:p>",
        fonts("黑体"),
        esc(label),
        run(value, false)
    )
}

fn document_xml(doc: &Doc) -> String {
    let mut body = String::new();
    for b in &doc.blocks {
        match b {
            Block::Title(t) => body.push_str(&para("Title", t)),
            Block::Centered(t) => body.push_str(&para("Centered", t)),
            Block::Heading { level, text } => {
                body.push_str(&para(&format!("Heading{}", level.clamp(&1, &3)), text))
            }
            Block::Para(t) => body.push_str(&para("BodyText", t)),
            Block::Table(t) => body.push_str(&table(t)),
            Block::PageBreak => body.push_str("<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>"),
            Block::CoverLines(lines) => {
                for (label, value) in lines {
                    body.push_str(&cover_line(label, value));
                }
            }
            Block::CoverDate(t) => body.push_str(&para("CoverDate", t)),
            // The cover is a section of its own, with no footer: the body's pages are numbered
            // from 1.
            Block::EndOfCover => body.push_str(&format!(
                "<w:p><w:pPr><w:sectPr>{PAGE}<w:vAlign w:val=\"center\"/></w:sectPr></w:pPr></w:p>"
            )),
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><w:body>{body}<w:sectPr><w:footerReference w:type=\"default\" r:id=\"rId2\"/>{PAGE}<w:pgNumType w:start=\"1\"/></w:sectPr></w:body></w:document>"
    )
}

/// Fonts: east-Asian text in the named Chinese face, Latin text and digits in Times New Roman.
fn fonts(east_asia: &str) -> String {
    format!("<w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"{east_asia}\" w:cs=\"Times New Roman\"/>")
}

fn style(id: &str, name: &str, font: &str, half_points: u32, ppr: &str, bold: bool) -> String {
    format!(
        "<w:style w:type=\"paragraph\" w:styleId=\"{id}\"><w:name w:val=\"{name}\"/><w:basedOn w:val=\"Normal\"/><w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{}{}<w:sz w:val=\"{half_points}\"/><w:szCs w:val=\"{half_points}\"/></w:rPr></w:style>",
        fonts(font),
        if bold { "<w:b/>" } else { "" }
    )
}

fn styles_xml() -> String {
    let line = "<w:spacing w:line=\"560\" w:lineRule=\"exact\"/>";
    let styles = [
        format!("<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/><w:pPr><w:jc w:val=\"both\"/></w:pPr><w:rPr>{}<w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/></w:rPr></w:style>", fonts("仿宋")),
        style("BodyText", "Body Text", "仿宋", 32, &format!("{line}<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/>"), false),
        style("Title", "Title", "黑体", 44, "<w:jc w:val=\"center\"/><w:spacing w:before=\"600\" w:after=\"600\"/>", false),
        style("Centered", "Centered", "仿宋", 32, &format!("{line}<w:jc w:val=\"center\"/>"), false),
        style("Heading1", "heading 1", "黑体", 32, &format!("<w:keepNext/>{line}<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/><w:outlineLvl w:val=\"0\"/>"), false),
        style("Heading2", "heading 2", "黑体", 32, &format!("<w:keepNext/>{line}<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/><w:outlineLvl w:val=\"1\"/>"), false),
        style("Heading3", "heading 3", "黑体", 32, &format!("<w:keepNext/>{line}<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/><w:outlineLvl w:val=\"2\"/>"), false),
        style("Caption", "caption", "黑体", 24, "<w:keepNext/><w:jc w:val=\"center\"/><w:spacing w:before=\"120\" w:after=\"120\"/>", false),
        style("TableText", "Table Text", "仿宋", 21, "<w:spacing w:line=\"300\" w:lineRule=\"auto\"/><w:jc w:val=\"left\"/>", false),
        style("Footer", "footer", "仿宋", 28, "<w:jc w:val=\"center\"/>", false),
        style("CoverLine", "Cover Line", "仿宋", 32, "<w:spacing w:line=\"600\" w:lineRule=\"exact\"/><w:jc w:val=\"left\"/>", false),
        style("CoverDate", "Cover Date", "仿宋", 32, "<w:spacing w:before=\"1800\"/><w:jc w:val=\"center\"/>", false),
    ];
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:docDefaults><w:rPrDefault><w:rPr>{}<w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/><w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\"/></w:rPr></w:rPrDefault></w:docDefaults>{}</w:styles>",
        fonts("仿宋"),
        styles.join("")
    )
}

const FOOTER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:ftr xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:p><w:pPr><w:pStyle w:val=\"Footer\"/></w:pPr><w:r><w:t xml:space=\"preserve\">— </w:t></w:r><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r><w:r><w:t xml:space=\"preserve\"> —</w:t></w:r></w:p></w:ftr>";

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/><Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/><Override PartName=\"/word/footer1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/><Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/></Types>";

const RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/></Relationships>";

const DOC_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer\" Target=\"footer1.xml\"/></Relationships>";

fn core_xml(title: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:creator>yanglao</dc:creator></cp:coreProperties>",
        esc(title)
    )
}

/// Writes the document as a .docx file into `out`.
pub fn write(doc: &Doc, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(&to_bytes(doc)?)
}

/// The document as the bytes of a .docx file.
pub fn to_bytes(doc: &Doc) -> std::io::Result<Vec<u8>> {
    // A zip package is written with seeks: into memory, then out.
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let parts: [(&str, String); 7] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", RELS.to_string()),
        ("docProps/core.xml", core_xml(&doc.title)),
        ("word/_rels/document.xml.rels", DOC_RELS.to_string()),
        ("word/document.xml", document_xml(doc)),
        ("word/styles.xml", styles_xml()),
        ("word/footer1.xml", FOOTER.to_string()),
    ];
    for (name, text) in parts {
        z.start_file(name, opts).map_err(std::io::Error::other)?;
        z.write_all(text.as_bytes())?;
    }
    Ok(z.finish().map_err(std::io::Error::other)?.into_inner())
}
