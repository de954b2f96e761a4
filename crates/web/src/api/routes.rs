//! Every route of the API: the router is built from this table, and so are `/api/openapi.json`
//! and `/api/docs` — a route cannot be served without being described.

use super::{accounts, books, deaths, evaluation, imports, payroll, people};
use super::{Body, Route, JSON, PAGING, XLSX, ZIP};
use axum::routing::{get, post};

const IMPORT_FIELDS: &[super::Field] = &[
    ("file", "file", true, "要导入的文件（xlsx、xls、ods 或 CSV；CSV 为 UTF-8 或 GBK 编码）"),
    ("source", "string", false, "死亡信息的来源：police（公安）、civil-affairs（民政）、health（卫健）或 village（村居）；仅死亡信息必填"),
    ("date", "string", false, "死亡信息文件的处理日期 YYYY-MM-DD（文件没有“报告日期”列时必填）"),
];

const ACCOUNT_FIELDS: &[super::Field] = &[
    ("role", "string", true, "角色：operator（县区经办员）、reviewer（县区审核员）、city_admin（市级管理员）、finance（财政局）、evaluator（评价机构）"),
    ("counties", "array", false, "办理的县区代码（县区经办员、审核员必填）"),
    ("display_name", "string", false, "姓名或显示名称"),
];

/// The routes, in the order the documentation lists them.
pub const ROUTES: &[Route] = &[
    // Who calls, and the register.
    Route { method: "get", path: "/api/v1/me", summary: "当前账号：名称、角色与办理县区", params: &[], body: Body::None, answers: "账号", produces: JSON, handler: || get(people::me) },
    Route { method: "get", path: "/api/v1/people", summary: "参保人查询（按姓名或身份证号；完整身份证号按索引查找），身份证号已隐去中间部分", params: &[("q", "query", false, "姓名或身份证号"), ("county", "query", false, "县区代码"), ("status", "query", false, "最近的经办决定：receiving、suspended、resumed、terminated"), PAGING[0], PAGING[1]], body: Body::None, answers: "一页参保人及总数", produces: JSON, handler: || get(people::list) },
    Route { method: "get", path: "/api/v1/people/{person_id}", summary: "参保人的登记信息、逐年状态与经办决定（身份证号、银行账号已隐去部分）", params: &[("person_id", "path", true, "参保人编号")], body: Body::None, answers: "参保人", produces: JSON, handler: || get(people::show) },
    Route { method: "post", path: "/api/v1/people/{person_id}/reveal", summary: "查看完整身份证号（仅经办员、审核员、市级管理员，记入审计日志）", params: &[("person_id", "path", true, "参保人编号")], body: Body::None, answers: "完整身份证号", produces: JSON, handler: || post(people::reveal) },
    Route { method: "post", path: "/api/v1/people/{person_id}/decisions", summary: "记录经办决定：暂停、恢复或终止发放（经办员、审核员，本县区）", params: &[("person_id", "path", true, "参保人编号")], body: Body::Json(&[("decision", "string", true, "suspended（暂停）、resumed（恢复）或 terminated（终止）"), ("date", "string", true, "生效日期 YYYY-MM-DD"), ("reason", "string", false, "理由（终止时必填）")]), answers: "记录的决定", produces: JSON, handler: || post(people::decide) },
    Route { method: "post", path: "/api/v1/outreach.xlsx", summary: "参加基本养老保险但当年未缴纳补充养老保险的人员名单（财政局、评价机构看到的身份证号与电话已隐去部分；记入审计日志）", params: &[("year", "query", true, "年度"), ("county", "query", false, "县区代码")], body: Body::None, answers: "待动员人员名单", produces: XLSX, handler: || post(people::outreach) },
    // Imports.
    Route { method: "get", path: "/api/v1/imports", summary: "导入记录：谁在何时导入了什么文件（县区账号看到自己的导入）", params: &[("kind", "query", false, "导入类别"), ("q", "query", false, "文件名或账号"), PAGING[0], PAGING[1]], body: Body::None, answers: "一页导入记录及总数", produces: JSON, handler: || get(imports::history) },
    Route { method: "get", path: "/api/v1/imports/kinds", summary: "可导入的文件类别", params: &[], body: Body::None, answers: "类别代码与名称", produces: JSON, handler: || get(imports::kinds) },
    Route { method: "post", path: "/api/v1/imports/{kind}", summary: "上传并校验一个导入文件：不写入任何数据，返回每个问题（行、列、值、代码、说明）和待确认的上传编号；post=true 且没有错误时直接导入", params: &[("kind", "path", true, "导入类别（见 /api/v1/imports/kinds）"), ("post", "query", false, "true：校验无错误即导入")], body: Body::Upload(IMPORT_FIELDS), answers: "校验结果与待确认的上传", produces: JSON, handler: || post(imports::check) },
    Route { method: "get", path: "/api/v1/uploads", summary: "本账号待确认的上传（24 小时内有效）", params: &[], body: Body::None, answers: "上传", produces: JSON, handler: || get(imports::waiting) },
    Route { method: "get", path: "/api/v1/uploads/{upload_id}/report.xlsx", summary: "上传文件的错误报告", params: &[("upload_id", "path", true, "上传编号")], body: Body::None, answers: "错误报告", produces: XLSX, handler: || get(imports::report) },
    Route { method: "post", path: "/api/v1/uploads/{upload_id}/confirm", summary: "确认导入已校验的上传：在一个事务中再次校验并写入，全部成功或全部不写入（同一文件重复导入不重复记账）", params: &[("upload_id", "path", true, "上传编号")], body: Body::None, answers: "导入结果", produces: JSON, handler: || post(imports::confirm) },
    Route { method: "post", path: "/api/v1/uploads/{upload_id}/discard", summary: "放弃一个待确认的上传（删除暂存的文件）", params: &[("upload_id", "path", true, "上传编号")], body: Body::None, answers: "放弃的上传", produces: JSON, handler: || post(imports::discard) },
    // Payroll.
    Route { method: "post", path: "/api/v1/awards/run", summary: "核定某月的待遇（经办员；达到领取年龄者按当时的账户核定）", params: &[("month", "query", true, "月份 YYYY-MM"), ("county", "query", false, "县区代码（默认：账号的全部县区）")], body: Body::None, answers: "核定结果", produces: JSON, handler: || post(payroll::awards) },
    Route { method: "get", path: "/api/v1/payrolls", summary: "发放批次列表（可按月份）", params: &[("month", "query", false, "月份 YYYY-MM")], body: Body::None, answers: "发放批次", produces: JSON, handler: || get(payroll::list) },
    Route { method: "get", path: "/api/v1/payrolls/status", summary: "某月各县区待遇发放进度与期限", params: &[("month", "query", true, "月份 YYYY-MM")], body: Body::None, answers: "各县区的状态、期限与发放日期", produces: JSON, handler: || get(payroll::status) },
    Route { method: "post", path: "/api/v1/payrolls/run", summary: "生成某月的待遇发放批次（经办员；每县区一个批次，已生成的不重复生成；supplementary 为银行退回待遇的补发批次）", params: &[("month", "query", true, "月份 YYYY-MM"), ("county", "query", false, "县区代码（默认：账号的全部县区）"), ("kind", "query", false, "regular（正常发放，默认）或 supplementary（补发）")], body: Body::None, answers: "生成的批次与审核前检查的异常数", produces: JSON, handler: || post(payroll::run) },
    Route { method: "get", path: "/api/v1/payrolls/{payroll_id}/check", summary: "发放批次的审核前检查", params: &[("payroll_id", "path", true, "发放批次号"), ("threshold_pct", "query", false, "与上月相比金额变化超过此百分比即列为异常（默认 20）")], body: Body::None, answers: "异常", produces: JSON, handler: || get(payroll::check) },
    Route { method: "get", path: "/api/v1/payrolls/{payroll_id}/lines", summary: "发放批次的明细（身份证号、银行账号已隐去部分）", params: &[("payroll_id", "path", true, "发放批次号"), ("status", "query", false, "明细状态"), ("q", "query", false, "姓名或身份证号"), PAGING[0], PAGING[1]], body: Body::None, answers: "一页明细及总数", produces: JSON, handler: || get(payroll::lines) },
    Route { method: "post", path: "/api/v1/payrolls/{payroll_id}/approve", summary: "审核发放批次（审核员，且不是生成批次的账号）", params: &[("payroll_id", "path", true, "发放批次号")], body: Body::None, answers: "审核后的批次", produces: JSON, handler: || post(payroll::approve) },
    Route { method: "post", path: "/api/v1/payrolls/{payroll_id}/export", summary: "导出已审核的批次：发放计划表与各银行代发文件（含完整身份证号与银行账号，供银行代发；记入审计日志）；不指定 file 时全部打包为 zip", params: &[("payroll_id", "path", true, "发放批次号"), ("file", "query", false, "只下载这一个文件（文件名）")], body: Body::None, answers: "zip 压缩包或一个文件", produces: ZIP, handler: || post(payroll::export) },
    // Deaths and recovery.
    Route { method: "get", path: "/api/v1/deaths/reviews", summary: "待人工核对的死亡记录", params: &[PAGING[0], PAGING[1]], body: Body::None, answers: "一页记录及总数", produces: JSON, handler: || get(deaths::reviews) },
    Route { method: "post", path: "/api/v1/deaths/reviews/{record_id}/decide", summary: "核对死亡记录：确认（按确认日期停发并计算多发金额）或否定", params: &[("record_id", "path", true, "死亡记录编号")], body: Body::Json(&[("confirm", "boolean", true, "true：确认是此人死亡；false：不是此人"), ("date", "string", false, "确认日期 YYYY-MM-DD（确认时必填）")]), answers: "核对结果", produces: JSON, handler: || post(deaths::decide) },
    Route { method: "get", path: "/api/v1/deaths/disagreements", summary: "各来源死亡信息不一致的人员", params: &[], body: Body::None, answers: "不一致", produces: JSON, handler: || get(deaths::disagreements) },
    Route { method: "get", path: "/api/v1/deaths/figures", summary: "死亡停发、多发与追回的年度数字（按县区）", params: &[("year", "query", false, "年度")], body: Body::None, answers: "各县区的数字", produces: JSON, handler: || get(deaths::figures) },
    Route { method: "get", path: "/api/v1/recovery/cases", summary: "多领冒领追回案件", params: &[("status", "query", false, "open（在办）或 closed（已结）"), ("county", "query", false, "县区代码"), PAGING[0], PAGING[1]], body: Body::None, answers: "一页案件及总数", produces: JSON, handler: || get(deaths::cases) },
    Route { method: "get", path: "/api/v1/recovery/cases/{case_id}", summary: "追回案件及其每一步", params: &[("case_id", "path", true, "案件编号")], body: Body::None, answers: "案件", produces: JSON, handler: || get(deaths::case) },
    Route { method: "post", path: "/api/v1/recovery/cases/{case_id}/steps", summary: "记录追回的一步：银行扣回、抵扣可继承余额、家属退回、移交执行或核销", params: &[("case_id", "path", true, "案件编号")], body: Body::Json(&[("channel", "string", true, "渠道：bank-deduction（银行协助划扣）、offset（个人账户余额抵扣）、family-refund（家属退还）、enforcement（移交执法追缴）、write-off（核销）"), ("amount_yuan", "string", true, "金额（元）"), ("date", "string", true, "日期 YYYY-MM-DD"), ("note", "string", false, "说明")]), answers: "记录的一步", produces: JSON, handler: || post(deaths::step) },
    Route { method: "post", path: "/api/v1/inheritance", summary: "向继承人支付去世人员个人账户余额（先抵扣未追回的多发金额）", params: &[], body: Body::Json(&[("citizen_id", "string", true, "去世人员身份证号"), ("heir_name", "string", true, "继承人姓名"), ("heir_id", "string", true, "继承人身份证号"), ("heir_bank", "string", true, "继承人开户银行"), ("heir_account", "string", true, "继承人银行账号"), ("date", "string", true, "支付日期 YYYY-MM-DD")]), answers: "支付结果", produces: JSON, handler: || post(deaths::inheritance) },
    // Fund and budget.
    Route { method: "get", path: "/api/v1/fund/statement", summary: "基金年度收支决算（全市或一个县区）", params: &[("year", "query", true, "年度"), ("county", "query", false, "县区代码")], body: Body::None, answers: "决算表", produces: JSON, handler: || get(books::statement) },
    Route { method: "get", path: "/api/v1/fund/statement.xlsx", summary: "基金年度收支决算表（xlsx）", params: &[("year", "query", true, "年度"), ("county", "query", false, "县区代码")], body: Body::None, answers: "决算表", produces: XLSX, handler: || get(books::statement_xlsx) },
    Route { method: "get", path: "/api/v1/fund/interest-check", summary: "按存款协议复核银行结息，列出每一笔少计利息", params: &[("year", "query", true, "年度")], body: Body::None, answers: "少计利息", produces: JSON, handler: || get(books::interest_check) },
    Route { method: "get", path: "/api/v1/budget/execution", summary: "补贴预算执行：按级次和类别的预算、到位与支出，执行率低的行标出", params: &[("year", "query", true, "年度"), ("threshold", "query", false, "执行率低于此比例的行予以标出（默认 0.9）")], body: Body::None, answers: "预算执行", produces: JSON, handler: || get(books::execution) },
    // Evaluation and simulator.
    Route { method: "get", path: "/api/v1/evaluation/measures", summary: "绩效评价的数据指标：每项的取值、公式与数字（全市与各县区）", params: &[("year", "query", true, "年度")], body: Body::None, answers: "测得的指标", produces: JSON, handler: || get(evaluation::measures) },
    Route { method: "post", path: "/api/v1/evaluation", summary: "按内置指标体系评分；上传评价工作底稿时判断类指标按底稿评分（不上传则这些指标未评分，不评定等级）", params: &[("year", "query", true, "年度")], body: Body::Upload(&[("file", "file", false, "评价工作底稿（xlsx）")]), answers: "总分、等级与每项指标的得分依据", produces: JSON, handler: || post(evaluation::evaluate) },
    Route { method: "get", path: "/api/v1/evaluation/worksheet.xlsx", summary: "评价工作底稿模板（已填入测得的数据）", params: &[("year", "query", true, "年度")], body: Body::None, answers: "工作底稿模板", produces: XLSX, handler: || get(evaluation::worksheet_template) },
    Route { method: "get", path: "/api/v1/enrolment", summary: "参保缴费变动分析：缴费人数、新参保、恢复缴费、断缴及原因", params: &[("from", "query", true, "起始年度"), ("to", "query", true, "截止年度")], body: Body::None, answers: "逐年分析", produces: JSON, handler: || get(evaluation::enrolment) },
    Route { method: "post", path: "/api/v1/simulations/compare", summary: "政策比较测算：基本险与“基本险+补充险”、补充险各档次、与灵活就业参保的缴费与待遇", params: &[], body: Body::Json(&[("preset", "string", false, "all（默认）、same-money、tiers 或 flexible"), ("region", "string", false, "地区代码（默认 140300）"), ("discount_rate", "string", false, "贴现率（默认 0.03）"), ("start_year", "string", false, "开始缴费的年度（默认今年）")]), answers: "比较结果与结论", produces: JSON, handler: || post(evaluation::compare) },
    Route { method: "post", path: "/api/v1/simulations/fund", summary: "按现行政策预测基金收支与结余", params: &[], body: Body::Json(&[("years", "string", false, "预测年数（默认 10）"), ("base_year", "string", false, "基期年度（默认：最近有缴费的年度）")]), answers: "逐年预测", produces: JSON, handler: || post(evaluation::fund) },
    // Accounts, tokens, audit.
    Route { method: "get", path: "/api/v1/accounts", summary: "账号列表（市级管理员）", params: &[], body: Body::None, answers: "账号", produces: JSON, handler: || get(accounts::list) },
    Route { method: "post", path: "/api/v1/accounts", summary: "新建账号（市级管理员）", params: &[], body: Body::Json(&[("name", "string", true, "账号名"), ("password", "string", true, "初始密码（至少 12 个字符，不能与账号名相同）"), ACCOUNT_FIELDS[0], ACCOUNT_FIELDS[1], ACCOUNT_FIELDS[2]]), answers: "新账号", produces: JSON, handler: || post(accounts::add) },
    Route { method: "get", path: "/api/v1/accounts/{name}", summary: "一个账号（市级管理员；任何账号可看自己的）", params: &[("name", "path", true, "账号名")], body: Body::None, answers: "账号", produces: JSON, handler: || get(accounts::show) },
    Route { method: "post", path: "/api/v1/accounts/{name}", summary: "修改账号的角色、县区或名称（市级管理员；下一次请求起生效）", params: &[("name", "path", true, "账号名")], body: Body::Json(ACCOUNT_FIELDS), answers: "修改后的账号", produces: JSON, handler: || post(accounts::change) },
    Route { method: "post", path: "/api/v1/accounts/{name}/disable", summary: "停用账号（其会话随即结束）", params: &[("name", "path", true, "账号名")], body: Body::None, answers: "账号", produces: JSON, handler: || post(accounts::disable) },
    Route { method: "post", path: "/api/v1/accounts/{name}/enable", summary: "启用账号", params: &[("name", "path", true, "账号名")], body: Body::None, answers: "账号", produces: JSON, handler: || post(accounts::enable) },
    Route { method: "post", path: "/api/v1/accounts/{name}/password", summary: "重设账号的密码（其会话随即结束）", params: &[("name", "path", true, "账号名")], body: Body::Json(&[("password", "string", true, "新密码（至少 12 个字符，不能与账号名相同）")]), answers: "账号", produces: JSON, handler: || post(accounts::password) },
    Route { method: "get", path: "/api/v1/accounts/{name}/tokens", summary: "账号的接口令牌（只列出编号与用途，不列出令牌本身）", params: &[("name", "path", true, "账号名")], body: Body::None, answers: "令牌", produces: JSON, handler: || get(accounts::tokens) },
    Route { method: "post", path: "/api/v1/accounts/{name}/tokens", summary: "为账号发放接口令牌：令牌只在此次返回中出现一次", params: &[("name", "path", true, "账号名")], body: Body::Json(&[("label", "string", false, "用途")]), answers: "令牌", produces: JSON, handler: || post(accounts::issue) },
    Route { method: "post", path: "/api/v1/accounts/{name}/tokens/{token_id}/revoke", summary: "吊销账号的一个接口令牌", params: &[("name", "path", true, "账号名"), ("token_id", "path", true, "令牌编号")], body: Body::None, answers: "吊销的令牌", produces: JSON, handler: || post(accounts::revoke) },
    Route { method: "get", path: "/api/v1/audit", summary: "审计日志（市级管理员查看全部，其他账号查看自己的记录）", params: &[("account", "query", false, "账号"), ("action", "query", false, "操作（前缀，如 payroll.）"), ("county", "query", false, "县区代码"), ("from", "query", false, "起始日期 YYYY-MM-DD"), ("to", "query", false, "截止日期 YYYY-MM-DD"), ("text", "query", false, "账号或内容中的文字"), PAGING[0], PAGING[1]], body: Body::None, answers: "一页审计记录及总数", produces: JSON, handler: || get(accounts::audit) },
    Route { method: "post", path: "/api/v1/audit.xlsx", summary: "导出审计日志（市级管理员；导出本身记入审计日志）", params: &[("account", "query", false, "账号"), ("action", "query", false, "操作（前缀）"), ("county", "query", false, "县区代码"), ("from", "query", false, "起始日期 YYYY-MM-DD"), ("to", "query", false, "截止日期 YYYY-MM-DD")], body: Body::None, answers: "审计日志", produces: XLSX, handler: || post(accounts::audit_xlsx) },
];
