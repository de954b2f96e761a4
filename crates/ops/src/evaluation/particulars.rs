//! What the report says that the data cannot, kept with the evaluation: its particulars (who is
//! responsible for the programme, who commissioned and who made the evaluation, the documents it
//! rests on, its dates) and the evaluator's own text (the overall judgement, the causes of each
//! problem found and their rectification). The report prints them as the evaluator's; the data
//! never writes them. Each save is a new row (the history); a field's value is its latest.

use super::*;

/// A field of the particulars: its key, its label as the report and the page show it, and
/// whether it is one line (the cover's) or paragraphs.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    /// `cover`, `opening`, `method`, `conclusion`, `cause`, `rectification`, `advice` or `notes`.
    pub part: &'static str,
    pub multiline: bool,
    /// What the field holds, for the form.
    pub help: &'static str,
}

const fn line(key: &'static str, label: &'static str, help: &'static str) -> Field {
    Field {
        key,
        label,
        part: "cover",
        multiline: false,
        help,
    }
}

const fn text(
    key: &'static str,
    label: &'static str,
    part: &'static str,
    help: &'static str,
) -> Field {
    Field {
        key,
        label,
        part,
        multiline: true,
        help,
    }
}

/// Every field, in the report's order.
pub const FIELDS: &[Field] = &[
    line("department", "主管部门", "项目主管部门，如“××市人力资源和社会保障局”"),
    line("implementer", "实施单位", "项目实施单位，如“××市各县（区）社会保险中心”"),
    line("commissioner", "委托单位", "委托评价的单位，如“××市财政局”"),
    line("agency", "评价机构", "承担评价的机构"),
    line("lead_evaluators", "主评人", "主评人姓名，多人以空格分隔"),
    line("report_date", "报告日期", "封面所署日期，如“2024 年 10 月”"),
    line("period", "评价工作时间", "如“2024 年 6 月至 10 月”"),
    text(
        "documents",
        "评价依据文件",
        "opening",
        "每行一份文件：文件名称（文号），如“《××关于全面实施预算绩效管理的实施办法》（××〔2019〕19号）”；第一行为上级制度文件，其余为本次评价的通知",
    ),
    text(
        "overall_goal",
        "项目总体目标",
        "opening",
        "绩效目标中的总体目标（依据项目立项文件）",
    ),
    text(
        "purpose",
        "评价目的",
        "opening",
        "每行一段；分条列出的目的写作（1）（2）……",
    ),
    text(
        "framework_approach",
        "指标体系设计思路",
        "method",
        "指标体系设计的总体思路与原则",
    ),
    text(
        "methods",
        "评价方法与现场核查",
        "method",
        "采用的评价方法，及现场核查（查阅资料、座谈走访、实地勘察等）的范围与做法",
    ),
    text(
        "sampling",
        "问卷抽样方法",
        "method",
        "问卷如何抽样（按县区、人群分层，样本量），报告在问卷结果处引用",
    ),
    text(
        "overall",
        "总体评价",
        "conclusion",
        "结论中的“总体而言”段落：项目总体达到目标的程度、主要成效与主要问题",
    ),
    text(
        "causes.interest",
        "利息少计的主要原因",
        "cause",
        "评价人调查所得的原因",
    ),
    text(
        "rectification.interest",
        "利息少计的整改情况",
        "rectification",
        "截至报告日的整改情况，如银行补付利息的日期",
    ),
    text(
        "causes.overpayment",
        "死亡后多发待遇追回难的主要原因",
        "cause",
        "评价人调查所得的原因",
    ),
    text(
        "rectification.overpayment",
        "多发待遇的追回与整改情况",
        "rectification",
        "截至报告日的追回与整改情况",
    ),
    text(
        "causes.contributors",
        "缴费人数下降的主要原因",
        "cause",
        "评价人调查所得的原因",
    ),
    text(
        "rectification.contributors",
        "缴费人数下降的整改情况",
        "rectification",
        "已采取的措施",
    ),
    text(
        "causes.late_payroll",
        "待遇发放不及时的主要原因",
        "cause",
        "评价人调查所得的原因",
    ),
    text(
        "rectification.late_payroll",
        "待遇发放不及时的整改情况",
        "rectification",
        "已采取的措施",
    ),
    text(
        "causes.budget",
        "预算执行偏离的主要原因",
        "cause",
        "评价人调查所得的原因",
    ),
    text(
        "rectification.budget",
        "预算执行偏离的整改情况",
        "rectification",
        "已采取的措施",
    ),
    text(
        "advice.intro",
        "政策建议的缘由",
        "advice",
        "为何开展政策测算，如“评价组通过数据分析及现场访谈发现补充养老保险对 16-65 周岁劳动力吸引力度较低”",
    ),
    text(
        "advice.same-money",
        "政策建议：基本险与“基本险+补充险”比对",
        "advice",
        "评价人依据测算结论提出的建议",
    ),
    text(
        "advice.tiers",
        "政策建议：补充险缴费档次比对",
        "advice",
        "评价人依据测算结论提出的建议",
    ),
    text(
        "advice.flexible",
        "政策建议：“基本险+补充险”与灵活就业比对",
        "advice",
        "评价人依据测算结论提出的建议（领取年龄、计发月数、丧葬补助金等）",
    ),
    text(
        "notes",
        "报告说明",
        "notes",
        "报告末尾的说明，如与以往报告口径或数字的差异、勘误",
    ),
];

/// The longest value of a one-line field and of a text.
pub const LINE_MAX_CHARS: usize = 200;
pub const TEXT_MAX_CHARS: usize = 4000;

/// The field `key` (or whose label is `key`).
pub fn field(key: &str) -> Option<&'static Field> {
    let k = key.trim();
    FIELDS.iter().find(|f| f.key == k || f.label == k)
}

/// The current particulars of a year: field → value (fields never saved, or cleared, absent).
pub type Particulars = BTreeMap<String, String>;

/// One saved value.
#[derive(Debug, Clone, Serialize)]
pub struct Saved {
    pub field: String,
    pub value: String,
    pub saved_by: String,
    /// RFC 3339, UTC.
    pub saved_at: String,
}

fn rows(tx: &mut yanglao_store::Tx<'_>, year: i32, field: Option<&str>) -> Result<Vec<Saved>> {
    let mut params = vec![Param::Int(i64::from(year))];
    let mut sql = String::from(
        "SELECT field, value, saved_by, saved_at FROM evaluation_particulars WHERE year = $1",
    );
    if let Some(f) = field {
        params.push(Param::Text(f));
        sql.push_str(" AND field = $2");
    }
    sql.push_str(" ORDER BY particular_id");
    tx.query(&sql, &params)?
        .iter()
        .map(|r| {
            Ok(Saved {
                field: r.str(0)?,
                value: r.str(1)?,
                saved_by: r.str(2)?,
                saved_at: r.str(3)?,
            })
        })
        .collect()
}

fn current_in(tx: &mut yanglao_store::Tx<'_>, year: i32) -> Result<Particulars> {
    let mut out = Particulars::new();
    for s in rows(tx, year, None)? {
        if s.value.is_empty() {
            out.remove(&s.field);
        } else {
            out.insert(s.field, s.value);
        }
    }
    Ok(out)
}

/// The year's particulars as they stand.
pub fn current(ctx: &mut Ctx, year: i32) -> Result<Particulars> {
    ctx.actor.require(Action::Evaluation)?;
    ctx.db.read_transaction(|tx| current_in(tx, year))
}

/// The latest save of each field of the year (a clearing included): who saved it and when.
pub fn latest(ctx: &mut Ctx, year: i32) -> Result<BTreeMap<String, Saved>> {
    ctx.actor.require(Action::Evaluation)?;
    let all = ctx.db.read_transaction(|tx| rows(tx, year, None))?;
    Ok(all.into_iter().map(|s| (s.field.clone(), s)).collect())
}

/// Every value `field` has had in `year`, the first first.
pub fn history(ctx: &mut Ctx, year: i32, field: &str) -> Result<Vec<Saved>> {
    ctx.actor.require(Action::Evaluation)?;
    let f = self::field(field).ok_or_else(|| unknown(field))?;
    ctx.db.read_transaction(|tx| rows(tx, year, Some(f.key)))
}

fn unknown(field: &str) -> OpsError {
    OpsError::rule(
        "E-PARTICULAR-FIELD",
        format!(
            "“{}”不是评价信息的项目（可填：{}）",
            field.trim(),
            FIELDS
                .iter()
                .map(|f| f.label)
                .collect::<Vec<_>>()
                .join("、")
        ),
    )
}

/// A value as it is kept: lines trimmed, blank lines at either end dropped, one line for a
/// one-line field; checked for length.
fn clean(f: &Field, value: &str) -> Result<String> {
    let lines: Vec<&str> = value.lines().map(str::trim).collect();
    let start = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(start, |e| e + 1);
    let kept = &lines[start..end];
    if !f.multiline && kept.len() > 1 {
        return Err(OpsError::rule(
            "E-PARTICULAR-LINE",
            format!("“{}”只能填一行", f.label),
        ));
    }
    let v = kept.join("\n");
    let max = if f.multiline {
        TEXT_MAX_CHARS
    } else {
        LINE_MAX_CHARS
    };
    if v.chars().count() > max {
        return Err(OpsError::rule(
            "E-PARTICULAR-LONG",
            format!("“{}”过长：最多 {max} 个字", f.label),
        ));
    }
    Ok(v)
}

/// Saves the values that differ from the year's current ones (an empty value clears a field),
/// each audited with what it replaced; returns the fields changed. Nothing is saved if any value
/// is refused.
pub fn save(ctx: &mut Ctx, year: i32, values: &[(&str, &str)]) -> Result<Vec<&'static str>> {
    ctx.actor.require(Action::Evaluation)?;
    if !(2000..=2100).contains(&year) {
        return Err(OpsError::rule("E-YEAR", format!("年度 {year} 无效")));
    }
    let mut wanted: Vec<(&'static Field, String)> = Vec::with_capacity(values.len());
    for (k, v) in values {
        let f = field(k).ok_or_else(|| unknown(k))?;
        let v = clean(f, v)?;
        wanted.retain(|(g, _)| g.key != f.key);
        wanted.push((f, v));
    }
    let actor = ctx.who();
    ctx.db.transaction(|tx| -> Result<Vec<&'static str>> {
        tx.lock_for_writing()?;
        let now = current_in(tx, year)?;
        let mut changed = Vec::new();
        for (f, v) in &wanted {
            let before = now.get(f.key).cloned().unwrap_or_default();
            if before == *v {
                continue;
            }
            let id = tx.allocate_ids("evaluation_particular", 1)?;
            tx.exec(
                "INSERT INTO evaluation_particulars (particular_id, year, field, value, saved_by, saved_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    Param::Int(id),
                    Param::Int(i64::from(year)),
                    Param::Text(f.key),
                    Param::Text(v),
                    Param::Text(&actor),
                    Param::Timestamp(yanglao_store::now()),
                ],
            )?;
            crate::audit(
                tx,
                &actor,
                "evaluation.particular",
                &serde_json::json!({"year": year, "field": f.key, "before": before, "after": v}),
            )?;
            changed.push(f.key);
        }
        Ok(changed)
    })
}

/// Reads a particulars file: a sheet with the columns 项目 (a field's label or key) and 内容,
/// one field a row; a problem names the row.
pub fn read_file(upload: &crate::imports::table::Upload) -> Result<Vec<(String, String)>> {
    let table = crate::imports::table::read_table(upload)?;
    let cols = table.columns(&["项目", "内容"])?;
    let mut out = Vec::new();
    for (row_no, cells) in &table.rows {
        let (k, v) = (cols.cell(cells, 0), cols.cell(cells, 1));
        if k.trim().is_empty() && v.trim().is_empty() {
            continue;
        }
        let f = field(k).ok_or_else(|| {
            let OpsError::Rule { code, message } = unknown(k) else {
                unreachable!("unknown() is a rule")
            };
            OpsError::rule(
                code,
                format!("{} 第 {row_no} 行：{message}", table.file_name),
            )
        })?;
        // A cell's line breaks are kept; "\n" typed as text in a CSV is one too.
        out.push((f.key.to_string(), v.replace("\\n", "\n")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_unique_and_found_by_key_or_label() {
        let mut keys = std::collections::BTreeSet::new();
        for f in FIELDS {
            assert!(keys.insert(f.key), "{} twice", f.key);
            assert!(keys.insert(f.label), "{} twice", f.label);
        }
        assert_eq!(field("评价机构").map(|f| f.key), Some("agency"));
        assert_eq!(field(" agency ").map(|f| f.label), Some("评价机构"));
        assert!(field("评价对象").is_none());
    }

    #[test]
    fn values_are_trimmed_and_checked() {
        let agency = field("agency").unwrap();
        assert_eq!(clean(agency, "  某评估公司 \n\n").unwrap(), "某评估公司");
        assert!(clean(agency, "一\n二").is_err());
        let purpose = field("purpose").unwrap();
        assert_eq!(
            clean(purpose, "\n（1）甲 \n （2）乙\n\n").unwrap(),
            "（1）甲\n（2）乙"
        );
        assert!(clean(purpose, &"字".repeat(TEXT_MAX_CHARS + 1)).is_err());
    }
}
