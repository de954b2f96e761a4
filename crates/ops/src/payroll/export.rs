//! `payroll export`: the payment plan (发放计划表) as xlsx, and one payment file per bank.
//! Only an approved payroll exports. The files depend on the payroll's data alone (the workbook's
//! creation time is the approval time), so exporting twice gives identical bytes.

use crate::access::Action;
use crate::{audit, Ctx, OpsError, Result};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use yanglao_domain::{county_name, format_yuan, Month};
use yanglao_store::Param;

/// A block of the summary sheet: heading, and (label, people, fen) rows.
type Section<'a> = (&'a str, Vec<(String, i64, i64)>);

/// Rows per sheet of detail (a sheet holds 1,048,576 rows with its header).
const ROWS_PER_SHEET: usize = 1_000_000;

#[derive(Debug, Clone, Serialize)]
pub struct ExportOutcome {
    pub payroll_id: i64,
    pub files: Vec<String>,
    pub lines: usize,
    pub total_fen: i64,
}

/// A payment line as exported. Compact (a county's two million lines are in memory at once): text
/// in boxed strings, bank names shared, months as months.
struct Line {
    line_no: i64,
    citizen_id: Box<str>,
    name: Box<str>,
    bank_name: std::sync::Arc<str>,
    bank_account: Box<str>,
    from: Month,
    to: Month,
    months: i64,
    account_fen: i64,
    from_pool_fen: i64,
    exit: [i64; 3],
    total_fen: i64,
}

fn io_err(e: std::io::Error) -> OpsError {
    OpsError::rule(
        "E-IO",
        format!("文件写入失败：{}", yanglao_domain::io_error_zh(&e)),
    )
}

fn xlsx_err(e: XlsxError) -> OpsError {
    OpsError::rule(
        "E-IO",
        format!(
            "xlsx 写入失败：{}",
            crate::imports::problems::xlsx_error_zh(&e)
        ),
    )
}

/// A file-name-safe form of a bank's name.
fn safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect()
}

pub fn export(
    ctx: &mut Ctx,
    id: i64,
    sink: &mut dyn crate::files::FileSink,
    progress: &dyn Fn(u64, u64),
) -> Result<ExportOutcome> {
    ctx.actor.require(Action::Payroll)?;
    let who = ctx.actor.clone();
    let actor = ctx.who();
    let book = ctx.policy.clone();
    let (s, approved_at, lines) = ctx.db.transaction(|tx| -> Result<_> {
        let s = crate::payroll::summary_in_scope(tx, &who, id, false)?;
        who.require_county(Action::Payroll, &s.county)?;
        if s.status == "draft" {
            return Err(OpsError::rule("E-PAYROLL-NOT-APPROVED", format!("发放批次 {id} 尚未审核，不能导出")));
        }
        if s.status == "approved" {
            // The first export goes to the bank: every line against the register as it is now.
            crate::payroll::check_payable(tx, &book, id)?;
        }
        let approved_at = tx
            .query_one("SELECT approved_at FROM payrolls WHERE payroll_id = $1 AND county = $2", &[Param::Int(id), Param::Text(&s.county)])?
            .str(0)?;
        let mut lines = Vec::with_capacity(s.lines as usize);
        let mut banks = crate::register::index::SharedNames::default();
        tx.for_each_ref(
            "SELECT l.line_no, p.citizen_id, p.name, l.bank_name, l.bank_account, l.from_month, l.to_month, l.months,
                    l.account_pension_fen, l.account_from_pool_fen, l.exit_province_fen, l.exit_city_fen, l.exit_county_fen, l.total_fen
             FROM payroll_lines l JOIN persons p ON p.county = l.county AND p.person_id = l.person_id
             WHERE l.payroll_id = $1 AND l.county = $2",
            &[Param::Int(id), Param::Text(&s.county)],
            |r| {
                lines.push(Line {
                    line_no: r.i64(0)?,
                    citizen_id: r.str(1)?.into(),
                    name: r.str(2)?.into(),
                    bank_name: banks.get(r.str(3)?),
                    bank_account: r.str(4)?.into(),
                    from: Month::of(r.date(5)?),
                    to: Month::of(r.date(6)?),
                    months: r.i64(7)?,
                    account_fen: r.i64(8)?,
                    from_pool_fen: r.i64(9)?,
                    exit: [r.i64(10)?, r.i64(11)?, r.i64(12)?],
                    total_fen: r.i64(13)?,
                });
                Ok(())
            },
        )?;
        // In line order (sorted here: the lines are stored in the order of their key, payroll and
        // person, which is the line order only for payrolls run since that key).
        lines.sort_unstable_by_key(|l: &Line| l.line_no);
        Ok((s, approved_at, lines))
    })?;
    let county_label = format!("{}{}", s.county, county_name(&s.county).unwrap_or(""));
    let kind_label = if s.kind == "regular" {
        String::new()
    } else {
        format!("补发{}-", s.seq)
    };
    let stem = format!("{county_label}-{}-{kind_label}批次{id}", s.month);
    let mut files = Vec::new();
    let plan = sink.put(&format!("发放计划表-{stem}.xlsx"), &mut |w| {
        write_plan(w, &s, &approved_at, &lines, progress)
    })?;
    files.push(plan);
    let mut by_bank: BTreeMap<&str, Vec<&Line>> = BTreeMap::new();
    for l in &lines {
        by_bank.entry(&l.bank_name).or_default().push(l);
    }
    for (bank, list) in &by_bank {
        let path = sink.put(
            &format!("银行代发-{}-{stem}.csv", safe(bank)),
            &mut |w| write_bank_file(w, id, bank, list),
        )?;
        files.push(path);
    }
    ctx.db.transaction(|tx| -> Result<()> {
        tx.lock_for_writing()?;
        tx.exec(
            "UPDATE payrolls SET status = 'exported', exported_at = $2 WHERE payroll_id = $1 AND county = $3 AND status = 'approved'",
            &[Param::Int(id), Param::Timestamp(yanglao_store::now()), Param::Text(&s.county)],
        )?;
        audit(tx, &actor, "payroll.export", &serde_json::json!({"payroll_id": id, "files": files.len()}))
    })?;
    Ok(ExportOutcome {
        payroll_id: id,
        files,
        lines: lines.len(),
        total_fen: lines.iter().map(|l| l.total_fen).sum(),
    })
}

/// The bank payment file (docs/formats/bank-payment.md): GBK CSV, one line per payment, written by
/// a CSV writer so that a comma, a quote or a line break in a name or a bank's name is quoted and
/// never shifts the columns. Fields that need no quoting are written as they are.
fn write_bank_file(file: &mut dyn Write, id: i64, bank: &str, lines: &[&Line]) -> Result<()> {
    let mut w = csv::WriterBuilder::new()
        .flexible(false)
        .from_writer(Gb18030Writer::new(file));
    let csv_err = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => io_err(e),
        _ => OpsError::rule("E-IO", "文件写入失败：CSV 内容无法写出"),
    };
    w.write_record([
        "批次号",
        "序号",
        "身份证号",
        "姓名",
        "银行账号",
        "金额(元)",
        "摘要",
    ])
    .map_err(csv_err)?;
    let id_text = id.to_string();
    for l in lines {
        let months = if l.months > 1 {
            format!("{}至{}", l.from, l.to)
        } else {
            l.to.to_string()
        };
        let line_no = l.line_no.to_string();
        let amount = format_yuan(l.total_fen);
        let memo = format!("{months}城乡居民补充养老保险待遇");
        let record: [&str; 7] = [
            &id_text,
            &line_no,
            &l.citizen_id,
            &l.name,
            &l.bank_account,
            &amount,
            &memo,
        ];
        w.write_record(record).map_err(csv_err)?;
    }
    let total: i64 = lines.iter().map(|l| l.total_fen).sum();
    let count = lines.len().to_string();
    let amount = format_yuan(total);
    let record: [&str; 7] = ["合计", &count, "", "", bank, &amount, ""];
    w.write_record(record).map_err(csv_err)?;
    let inner = w
        .into_inner()
        .map_err(|e| io_err(std::io::Error::new(e.error().kind(), "")))?;
    inner.finish()?.flush().map_err(io_err)
}

/// Encodes the UTF-8 written into it as GB18030 (which has no state between characters, so the
/// bytes are those of the whole text encoded at once). A character split between two writes is
/// kept until its last byte arrives.
struct Gb18030Writer<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Gb18030Writer<W> {
    fn new(inner: W) -> Self {
        Gb18030Writer {
            inner,
            pending: Vec::new(),
        }
    }

    fn finish(mut self) -> Result<W> {
        self.flush().map_err(io_err)?;
        if !self.pending.is_empty() {
            return Err(OpsError::rule("E-IO", "文件写入失败：文本不是完整的 UTF-8"));
        }
        Ok(self.inner)
    }
}

impl<W: Write> Write for Gb18030Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Err(std::io::Error::other(e)),
        };
        let text = std::str::from_utf8(&self.pending[..valid]).expect("checked above");
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        self.inner.write_all(&bytes)?;
        self.pending.drain(..valid);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn excel_time(text: &str) -> ExcelDateTime {
    // approved_at: RFC 3339 from SQLite, or PostgreSQL's timestamp text.
    let d = |a: usize, b: usize| {
        text.get(a..b)
            .and_then(|x| x.parse::<u16>().ok())
            .unwrap_or(1)
    };
    ExcelDateTime::from_ymd(d(0, 4), d(5, 7) as u8, d(8, 10) as u8)
        .and_then(|t| t.and_hms(d(11, 13), d(14, 16) as u8, d(17, 19) as u8))
        .unwrap_or_else(|_| ExcelDateTime::from_ymd(2000, 1, 1).expect("valid"))
}

/// Writes the plan workbook: the summary sheet, then the lines on detail sheets of at most
/// [`ROWS_PER_SHEET`] rows.
fn write_plan(
    out: &mut dyn Write,
    s: &crate::payroll::Summary,
    approved_at: &str,
    lines: &[Line],
    progress: &dyn Fn(u64, u64),
) -> Result<()> {
    let mut wb = Workbook::new();
    // Big files, written every month: fast compression (the files are as valid, a little larger).
    wb.set_zip_compression_level(1);
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!(
                "{} {} 城乡居民补充养老保险待遇发放计划表",
                county_name(&s.county).unwrap_or(&s.county),
                s.month
            ))
            .set_author("养老 Yanglao")
            .set_creation_datetime(&excel_time(approved_at)),
    );
    let formats = Formats {
        bold: Format::new().set_bold(),
        money: Format::new().set_num_format("#,##0.00"),
    };
    write_summary_sheet(&mut wb, s, lines, &formats)?;
    write_detail_sheets(&mut wb, lines, &formats, progress)?;
    let bytes = wb.save_to_buffer().map_err(xlsx_err)?;
    out.write_all(&bytes).map_err(io_err)?;
    progress(lines.len() as u64, lines.len() as u64);
    Ok(())
}

/// The cell formats of the plan.
struct Formats {
    bold: Format,
    money: Format,
}

fn yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

/// The sum of a figure over the lines.
fn sum(lines: &[Line], f: &dyn Fn(&Line) -> i64) -> i64 {
    lines.iter().map(f).sum::<i64>()
}

/// The summary sheet: totals by component, by funding level, by bank.
fn write_summary_sheet(
    wb: &mut Workbook,
    s: &crate::payroll::Summary,
    lines: &[Line],
    formats: &Formats,
) -> Result<()> {
    let (bold, money) = (&formats.bold, &formats.money);
    let ws = wb.add_worksheet();
    ws.set_name("汇总").map_err(xlsx_err)?;
    ws.set_column_width(0, 28).map_err(xlsx_err)?;
    ws.set_column_width(1, 16).map_err(xlsx_err)?;
    ws.set_column_width(2, 18).map_err(xlsx_err)?;
    ws.write_string_with_format(0, 0, plan_title(s), bold)
        .map_err(xlsx_err)?;
    ws.write_string(
        1,
        0,
        format!(
            "生成：{}；审核：{}",
            s.run_by,
            s.approved_by.clone().unwrap_or_default()
        ),
    )
    .map_err(xlsx_err)?;
    let mut row = 3u32;
    for (heading, items) in summary_sections(lines) {
        ws.write_string_with_format(row, 0, heading, bold)
            .map_err(xlsx_err)?;
        ws.write_string_with_format(row, 1, "人数", bold)
            .map_err(xlsx_err)?;
        ws.write_string_with_format(row, 2, "金额（元）", bold)
            .map_err(xlsx_err)?;
        row += 1;
        for (label, n, fen) in items {
            ws.write_string(row, 0, &label).map_err(xlsx_err)?;
            if n > 0 {
                ws.write_number(row, 1, n as f64).map_err(xlsx_err)?;
            }
            ws.write_number_with_format(row, 2, yuan(fen), money)
                .map_err(xlsx_err)?;
            row += 1;
        }
        row += 1;
    }
    ws.write_string_with_format(row, 0, "合计", bold)
        .map_err(xlsx_err)?;
    ws.write_number(row, 1, lines.len() as f64)
        .map_err(xlsx_err)?;
    ws.write_number_with_format(row, 2, yuan(sum(lines, &|l| l.total_fen)), money)
        .map_err(xlsx_err)?;
    Ok(())
}

/// The title of the plan: county, month, batch (and which supplementary payroll).
fn plan_title(s: &crate::payroll::Summary) -> String {
    format!(
        "{}{} {} 城乡居民补充养老保险待遇发放计划表（批次 {}{}）",
        s.county,
        county_name(&s.county).unwrap_or(""),
        s.month,
        s.id,
        if s.kind == "regular" {
            String::new()
        } else {
            format!("，补发第 {} 次", s.seq)
        }
    )
}

/// The summary's sections: (label, persons — 0 where not shown —, amount in fen) by component,
/// by funding level and by bank.
fn summary_sections(lines: &[Line]) -> Vec<Section<'static>> {
    let account_from_account = sum(lines, &|l| l.account_fen - l.from_pool_fen);
    vec![
        (
            "按待遇项目",
            vec![
                (
                    "个人账户养老金".into(),
                    lines.iter().filter(|l| l.account_fen > 0).count() as i64,
                    sum(lines, &|l| l.account_fen),
                ),
                (
                    "出口补贴（含提标补贴）".into(),
                    lines.len() as i64,
                    sum(lines, &|l| l.exit.iter().sum()),
                ),
            ],
        ),
        (
            "按资金来源",
            vec![
                ("个人账户".into(), 0, account_from_account),
                (
                    "统筹基金（个人账户用完后）".into(),
                    0,
                    sum(lines, &|l| l.from_pool_fen),
                ),
                ("省级财政".into(), 0, sum(lines, &|l| l.exit[0])),
                ("市级财政".into(), 0, sum(lines, &|l| l.exit[1])),
                ("县级财政".into(), 0, sum(lines, &|l| l.exit[2])),
            ],
        ),
        ("按银行", by_bank(lines)),
    ]
}

/// Persons and amount by bank, in the order of the banks' names.
fn by_bank(lines: &[Line]) -> Vec<(String, i64, i64)> {
    let mut m: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for l in lines {
        let e = m.entry(&l.bank_name).or_default();
        e.0 += 1;
        e.1 += l.total_fen;
    }
    m.into_iter()
        .map(|(b, (n, t))| (b.to_string(), n, t))
        .collect()
}

/// The header of a detail sheet.
const DETAIL_HEADER: [&str; 14] = [
    "序号",
    "身份证号",
    "姓名",
    "开户银行",
    "银行账号",
    "起始月份",
    "终止月份",
    "月数",
    "个人账户养老金",
    "其中统筹支付",
    "省级出口补",
    "市级出口补",
    "县级出口补",
    "合计（元）",
];

/// The detail sheets: one row per line, reporting progress every 50,000 rows.
fn write_detail_sheets(
    wb: &mut Workbook,
    lines: &[Line],
    formats: &Formats,
    progress: &dyn Fn(u64, u64),
) -> Result<()> {
    let (bold, money) = (&formats.bold, &formats.money);
    let total = lines.len() as u64;
    for (sheet_no, chunk) in lines.chunks(ROWS_PER_SHEET).enumerate() {
        let ws = wb.add_worksheet_with_constant_memory().map_err(xlsx_err)?;
        ws.set_name(format!("明细{}", sheet_no + 1))
            .map_err(xlsx_err)?;
        for (c, h) in DETAIL_HEADER.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, bold)
                .map_err(xlsx_err)?;
        }
        for (i, l) in chunk.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_number(r, 0, l.line_no as f64).map_err(xlsx_err)?;
            ws.write_string(r, 1, &*l.citizen_id).map_err(xlsx_err)?;
            ws.write_string(r, 2, &*l.name).map_err(xlsx_err)?;
            ws.write_string(r, 3, &*l.bank_name).map_err(xlsx_err)?;
            ws.write_string(r, 4, &*l.bank_account).map_err(xlsx_err)?;
            ws.write_string(r, 5, l.from.to_string())
                .map_err(xlsx_err)?;
            ws.write_string(r, 6, l.to.to_string()).map_err(xlsx_err)?;
            ws.write_number(r, 7, l.months as f64).map_err(xlsx_err)?;
            for (c, fen) in [
                l.account_fen,
                l.from_pool_fen,
                l.exit[0],
                l.exit[1],
                l.exit[2],
                l.total_fen,
            ]
            .iter()
            .enumerate()
            {
                ws.write_number_with_format(r, 8 + c as u16, yuan(*fen), money)
                    .map_err(xlsx_err)?;
            }
            if i % 50_000 == 0 {
                progress((sheet_no * ROWS_PER_SHEET + i) as u64, total);
            }
        }
    }
    Ok(())
}
