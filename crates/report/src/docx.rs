//! Word (.docx) output, written as Office Open XML directly, in the typography of official
//! documents: the title in 方正小标宋简体, body text in 仿宋, first-level headings in 黑体,
//! second-level in 楷体, third-level in bold 仿宋; A4 with the margins of GB/T 9704, page numbers
//! in the footer. Word substitutes a face the machine lacks; the PDF names what it used. The same document gives
//! the same bytes every time (fixed timestamps in the package).

use std::io::Write;

use crate::chart::{self, Chart};
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
    // Every row is kept whole on its page; the header row repeats on each page; a grouped
    // column's run of equal cells is one cell merged down the rows.
    let row = |cells: &[String], header: bool, spans: Option<&[usize]>| {
        let mut r = String::from("<w:tr><w:trPr><w:cantSplit/>");
        if header {
            r.push_str("<w:tblHeader/>");
        }
        r.push_str("</w:trPr>");
        for (i, c) in cells.iter().enumerate() {
            let span = spans.and_then(|s| s.get(i)).copied();
            let merge = match span {
                Some(0) => "<w:vMerge/>",
                Some(n) if n > 1 => "<w:vMerge w:val=\"restart\"/>",
                _ => "",
            };
            let text = if span == Some(0) { "" } else { c.as_str() };
            r.push_str(&format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"{}\" w:type=\"dxa\"/>{merge}<w:vAlign w:val=\"center\"/></w:tcPr><w:p><w:pPr><w:pStyle w:val=\"TableText\"/>{}</w:pPr>{}</w:p></w:tc>",
                cols.get(i).copied().unwrap_or(1000),
                if header || span.is_some_and(|n| n > 1) { "<w:jc w:val=\"center\"/>" } else { "" },
                run(text, header)
            ));
        }
        r.push_str("</w:tr>");
        r
    };
    x.push_str(&row(&t.header, true, None));
    let spans = t.spans();
    for (k, r) in t.rows.iter().enumerate() {
        x.push_str(&row(r, false, Some(&spans[k])));
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

/// The chart's place in the text: its caption, then the chart (relationship `rIdC{k}`) across
/// the text width.
fn chart_ref(c: &Chart, k: usize) -> String {
    let cx = u64::from(TEXT_WIDTH) * 635;
    let cy = (cx as f64 * chart::HEIGHT / chart::WIDTH) as u64;
    format!(
        "<w:p><w:pPr><w:keepNext/><w:jc w:val=\"center\"/></w:pPr><w:r><w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\"><wp:extent cx=\"{cx}\" cy=\"{cy}\"/><wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\"/><wp:docPr id=\"{k}\" name=\"{}\" descr=\"{}\"/><wp:cNvGraphicFramePr/><a:graphic xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\"><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/chart\"><c:chart xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\" r:id=\"rIdC{k}\"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>{}",
        esc(&c.id),
        esc(&c.title),
        para("Caption", &format!("{} {}", c.id, c.title)),
    )
}

/// A chart part of Word's own (DrawingML), with its data in an embedded workbook
/// (`rId1` of the chart's relationships) so that it can be edited in Word.
fn chart_xml(c: &Chart) -> String {
    let n = c.categories.len();
    let col = |k: usize| -> String {
        // Column letters for the data sheet: B, C, … (at most a few series).
        char::from(b'B' + (k as u8).min(24)).to_string()
    };
    let str_cache = |items: &[String]| -> String {
        let mut x = format!("<c:ptCount val=\"{}\"/>", items.len());
        for (k, v) in items.iter().enumerate() {
            x.push_str(&format!("<c:pt idx=\"{k}\"><c:v>{}</c:v></c:pt>", esc(v)));
        }
        x
    };
    let mut series = String::new();
    for (s, (name, vals)) in c.series.iter().enumerate() {
        let colour = chart::hex(chart::COLOURS[s % chart::COLOURS.len()]);
        let fill = match c.kind {
            chart::Kind::Bars => format!("<c:spPr><a:solidFill><a:srgbClr val=\"{colour}\"/></a:solidFill></c:spPr><c:invertIfNegative val=\"0\"/>"),
            chart::Kind::Lines => format!("<c:spPr><a:ln w=\"25400\"><a:solidFill><a:srgbClr val=\"{colour}\"/></a:solidFill></a:ln></c:spPr><c:marker><c:symbol val=\"square\"/><c:size val=\"4\"/><c:spPr><a:solidFill><a:srgbClr val=\"{colour}\"/></a:solidFill></c:spPr></c:marker>"),
        };
        let labels = if c.kind == chart::Kind::Bars && n * c.series.len() <= 24 {
            "<c:dLbls><c:numFmt formatCode=\"#,##0.##\" sourceLinked=\"0\"/><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr><c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"700\"/></a:pPr><a:endParaRPr lang=\"zh-CN\"/></a:p></c:txPr><c:showLegendKey val=\"0\"/><c:showVal val=\"1\"/><c:showCatName val=\"0\"/><c:showSerName val=\"0\"/><c:showPercent val=\"0\"/><c:showBubbleSize val=\"0\"/></c:dLbls>"
        } else {
            ""
        };
        let mut pts = format!("<c:formatCode>General</c:formatCode><c:ptCount val=\"{n}\"/>");
        for (k, v) in vals.iter().enumerate().take(n) {
            if v.is_finite() {
                pts.push_str(&format!("<c:pt idx=\"{k}\"><c:v>{v}</c:v></c:pt>"));
            }
        }
        let l = col(s);
        series.push_str(&format!(
            "<c:ser><c:idx val=\"{s}\"/><c:order val=\"{s}\"/><c:tx><c:strRef><c:f>Sheet1!${l}$1</c:f><c:strCache>{}</c:strCache></c:strRef></c:tx>{fill}{labels}<c:cat><c:strRef><c:f>Sheet1!$A$2:$A${}</c:f><c:strCache>{}</c:strCache></c:strRef></c:cat><c:val><c:numRef><c:f>Sheet1!${l}$2:${l}${}</c:f><c:numCache>{pts}</c:numCache></c:numRef></c:val>{}</c:ser>",
            str_cache(std::slice::from_ref(name)),
            n + 1,
            str_cache(&c.categories),
            n + 1,
            if c.kind == chart::Kind::Lines { "<c:smooth val=\"0\"/>" } else { "" },
        ));
    }
    let plot = match c.kind {
        chart::Kind::Bars => format!("<c:barChart><c:barDir val=\"col\"/><c:grouping val=\"clustered\"/><c:varyColors val=\"0\"/>{series}<c:gapWidth val=\"60\"/><c:axId val=\"1\"/><c:axId val=\"2\"/></c:barChart>"),
        chart::Kind::Lines => format!("<c:lineChart><c:grouping val=\"standard\"/><c:varyColors val=\"0\"/>{series}<c:marker val=\"1\"/><c:axId val=\"1\"/><c:axId val=\"2\"/></c:lineChart>"),
    };
    let text = |sz: u32| {
        format!("<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"{sz}\"><a:latin typeface=\"Times New Roman\"/><a:ea typeface=\"仿宋\"/></a:defRPr></a:pPr><a:endParaRPr lang=\"zh-CN\"/></a:p></c:txPr>")
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<c:chartSpace xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><c:lang val=\"zh-CN\"/><c:roundedCorners val=\"0\"/><c:chart><c:autoTitleDeleted val=\"1\"/><c:plotArea><c:layout/>{plot}<c:catAx><c:axId val=\"1\"/><c:scaling><c:orientation val=\"minMax\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"b\"/><c:numFmt formatCode=\"General\" sourceLinked=\"0\"/><c:majorTickMark val=\"none\"/><c:minorTickMark val=\"none\"/><c:tickLblPos val=\"low\"/><c:crossAx val=\"2\"/><c:crosses val=\"autoZero\"/><c:auto val=\"1\"/><c:lblAlgn val=\"ctr\"/><c:lblOffset val=\"100\"/><c:noMultiLvlLbl val=\"0\"/></c:catAx><c:valAx><c:axId val=\"2\"/><c:scaling><c:orientation val=\"minMax\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"l\"/><c:majorGridlines><c:spPr><a:ln w=\"6350\"><a:solidFill><a:srgbClr val=\"D9D9D9\"/></a:solidFill></a:ln></c:spPr></c:majorGridlines><c:title><c:tx><c:rich><a:bodyPr rot=\"0\" vert=\"horz\"/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"900\" b=\"0\"/></a:pPr><a:r><a:rPr lang=\"zh-CN\" sz=\"900\" b=\"0\"/><a:t>（{}）</a:t></a:r></a:p></c:rich></c:tx><c:overlay val=\"0\"/></c:title><c:numFmt formatCode=\"#,##0.##\" sourceLinked=\"0\"/><c:majorTickMark val=\"out\"/><c:minorTickMark val=\"none\"/><c:tickLblPos val=\"nextTo\"/><c:crossAx val=\"1\"/><c:crosses val=\"autoZero\"/><c:crossBetween val=\"between\"/></c:valAx></c:plotArea><c:legend><c:legendPos val=\"t\"/><c:overlay val=\"0\"/></c:legend><c:plotVisOnly val=\"1\"/><c:dispBlanksAs val=\"gap\"/></c:chart>{}<c:externalData r:id=\"rId1\"><c:autoUpdate val=\"0\"/></c:externalData></c:chartSpace>",
        esc(&c.unit),
        text(900),
    )
}

/// The chart's data as a workbook: the categories down column A, a series in each column after.
fn chart_workbook(c: &Chart) -> std::io::Result<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new().set_creation_datetime(
            &rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1).map_err(std::io::Error::other)?,
        ),
    );
    let ws = wb.add_worksheet();
    let e = std::io::Error::other;
    ws.set_name("Sheet1").map_err(e)?;
    for (k, cat) in c.categories.iter().enumerate() {
        ws.write_string(k as u32 + 1, 0, cat).map_err(e)?;
    }
    for (s, (name, vals)) in c.series.iter().enumerate() {
        let col = s as u16 + 1;
        ws.write_string(0, col, name).map_err(e)?;
        for (k, v) in vals.iter().enumerate() {
            if v.is_finite() {
                ws.write_number(k as u32 + 1, col, *v).map_err(e)?;
            }
        }
    }
    wb.save_to_buffer().map_err(e)
}

fn document_xml(doc: &Doc) -> String {
    let mut body = String::new();
    let mut charts = 0;
    for b in &doc.blocks {
        match b {
            Block::Title(t) => body.push_str(&para("Title", t)),
            Block::Centered(t) => body.push_str(&para("Centered", t)),
            Block::Heading { level, text } => {
                body.push_str(&para(&format!("Heading{}", level.clamp(&1, &3)), text))
            }
            Block::Para(t) => body.push_str(&para("BodyText", t)),
            Block::Table(t) => body.push_str(&table(t)),
            Block::Chart(c) => {
                charts += 1;
                body.push_str(&chart_ref(c, charts));
            }
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
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\"><w:body>{body}<w:sectPr><w:footerReference w:type=\"default\" r:id=\"rId2\"/>{PAGE}<w:pgNumType w:start=\"1\"/></w:sectPr></w:body></w:document>"
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
        style("Title", "Title", "方正小标宋简体", 44, "<w:jc w:val=\"center\"/><w:spacing w:before=\"600\" w:after=\"600\"/>", false),
        style("Centered", "Centered", "仿宋", 32, &format!("{line}<w:jc w:val=\"center\"/>"), false),
        style("Heading1", "heading 1", "黑体", 32, &format!("<w:keepNext/>{line}<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/><w:outlineLvl w:val=\"0\"/>"), false),
        style("Heading2", "heading 2", "楷体", 32, &format!("<w:keepNext/>{line}<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/><w:outlineLvl w:val=\"1\"/>"), false),
        style("Heading3", "heading 3", "仿宋", 32, &format!("<w:keepNext/>{line}<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/><w:outlineLvl w:val=\"2\"/>"), true),
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

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/><Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/><Override PartName=\"/word/footer1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/><Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/><Default Extension=\"xlsx\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\"/>";

const RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/></Relationships>";

const DOC_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer\" Target=\"footer1.xml\"/>";

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
    // Each chart: its part, its relationships and its data workbook.
    let mut types = CONTENT_TYPES.to_string();
    let mut rels = DOC_RELS.to_string();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for (k, c) in doc.charts().enumerate() {
        let k = k + 1;
        types.push_str(&format!("<Override PartName=\"/word/charts/chart{k}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.drawingml.chart+xml\"/>"));
        rels.push_str(&format!("<Relationship Id=\"rIdC{k}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart\" Target=\"charts/chart{k}.xml\"/>"));
        parts.push((
            format!("word/charts/chart{k}.xml"),
            chart_xml(c).into_bytes(),
        ));
        parts.push((
            format!("word/charts/_rels/chart{k}.xml.rels"),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/package\" Target=\"../embeddings/chart{k}.xlsx\"/></Relationships>").into_bytes(),
        ));
        parts.push((format!("word/embeddings/chart{k}.xlsx"), chart_workbook(c)?));
    }
    types.push_str("</Types>");
    rels.push_str("</Relationships>");
    let mut all: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), types.into_bytes()),
        ("_rels/.rels".into(), RELS.as_bytes().to_vec()),
        (
            "docProps/core.xml".into(),
            core_xml(&doc.title).into_bytes(),
        ),
        ("word/_rels/document.xml.rels".into(), rels.into_bytes()),
        ("word/document.xml".into(), document_xml(doc).into_bytes()),
        ("word/styles.xml".into(), styles_xml().into_bytes()),
        ("word/footer1.xml".into(), FOOTER.as_bytes().to_vec()),
    ];
    all.extend(parts);
    for (name, bytes) in all {
        z.start_file(name, opts).map_err(std::io::Error::other)?;
        z.write_all(&bytes)?;
    }
    Ok(z.finish().map_err(std::io::Error::other)?.into_inner())
}
