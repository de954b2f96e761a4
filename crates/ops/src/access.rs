//! Who is acting, and what each role may do: the one place the rules live.
//!
//! Every use case runs under an [`Actor`] (the account it acts as) and asks it before it reads
//! or changes anything: [`Actor::require`] for the role, [`Actor::require_county`] for a county
//! the use case was asked about, and [`Actor::counties_of`] / [`Actor::scope_sql`] to narrow what
//! a use case over "all counties" reads to the actor's own. The rules table below is what the
//! roles table of the staff web application says.
//!
//! | Action                 | 经办员 | 审核员 | 市级管理员 | 财政局 | 评价机构 | 系统 |
//! |------------------------|:------:|:------:|:----------:|:------:|:--------:|:----:|
//! | `Read`                 | county | county | all        | all    | all      | all  |
//! | `Register`             | county | county |            |        |          | all  |
//! | `Payroll`              | county | county |            |        |          | all  |
//! | `ApprovePayroll`       |        | county |            |        |          |      |
//! | `Deaths`               | county | county |            |        |          | all  |
//! | `ReviewDeaths`         |        | county |            |        |          | all  |
//! | `Interest`             | county | county | all        |        |          | all  |
//! | `BankBooks`            |        |        | all        | all    |          | all  |
//! | `Budget`               |        |        |            | all    |          | all  |
//! | `Evaluation`           |        |        |            | all    | all      | all  |
//! | `Policy`               |        |        | all        |        |          | all  |
//! | `Users`                |        |        | all        |        |          | all  |
//! | `Maintenance`          |        |        |            |        |          | all  |
//!
//! "county": only in the account's counties; "all": every county. A reviewer does everything an
//! operator does and approves, never a payroll it made itself (the maker-checker rule compares
//! accounts). Approving a payroll always needs a named reviewer: the system account cannot.

use crate::{OpsError, Result};
use serde::Serialize;
use yanglao_store::Param;

/// A role, as stored in `users.role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 经办员: a county social insurance centre's operator.
    Operator,
    /// 审核员: a county centre's reviewer (maker-checker).
    Reviewer,
    /// 市级管理员: the city's administrator (accounts, policy, bank agreements).
    CityAdmin,
    /// 财政局: the finance bureau (fund, budget and evaluation; reads elsewhere).
    Finance,
    /// 评价机构: the evaluator (the evaluation workspace; reads elsewhere).
    Evaluator,
    /// 系统: the command line on the server, acting as the server's administrator.
    System,
}

pub const ROLES: [Role; 6] = [
    Role::Operator,
    Role::Reviewer,
    Role::CityAdmin,
    Role::Finance,
    Role::Evaluator,
    Role::System,
];

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Reviewer => "reviewer",
            Role::CityAdmin => "city_admin",
            Role::Finance => "finance",
            Role::Evaluator => "evaluator",
            Role::System => "system",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::Operator => "经办员",
            Role::Reviewer => "审核员",
            Role::CityAdmin => "市级管理员",
            Role::Finance => "财政局",
            Role::Evaluator => "评价机构",
            Role::System => "系统",
        }
    }

    /// A role from its code or its Chinese name.
    pub fn parse(s: &str) -> Option<Role> {
        ROLES
            .into_iter()
            .find(|r| r.code() == s.trim() || r.zh() == s.trim())
    }

    /// Whether accounts of this role act only in the counties given to them.
    pub fn county_bound(self) -> bool {
        matches!(self, Role::Operator | Role::Reviewer)
    }
}

/// What a use case does, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the register, accounts, payrolls, deaths, recovery, the books and the evaluation.
    Read,
    /// Change the register: persons, hardship groups, contributions, government-paid
    /// contributions, certifications, a person's status.
    Register,
    /// Awards, payroll runs, refreshes and exports, bank returns, inheritance payments.
    Payroll,
    /// Approve a payroll another account made.
    ApprovePayroll,
    /// Death records and the recovery of overpayments.
    Deaths,
    /// Decide death records that wait for review.
    ReviewDeaths,
    /// Credit interest to individual accounts.
    Interest,
    /// Bank agreements and bank statements.
    BankBooks,
    /// Budgets and the fund's arrivals.
    Budget,
    /// Surveys, the evaluation worksheet, scoring and the report.
    Evaluation,
    /// Load a version of the policy.
    Policy,
    /// Add, change and disable accounts.
    Users,
    /// Benchmarks, the demo and the bundled example (the server's own work).
    Maintenance,
}

impl Action {
    pub fn zh(self) -> &'static str {
        match self {
            Action::Read => "查看数据",
            Action::Register => "办理参保登记与缴费",
            Action::Payroll => "办理待遇核定与发放",
            Action::ApprovePayroll => "审核发放批次",
            Action::Deaths => "办理死亡信息与多发追回",
            Action::ReviewDeaths => "审核死亡记录",
            Action::Interest => "记账利息",
            Action::BankBooks => "管理银行协议与对账单",
            Action::Budget => "管理补贴预算与资金到账",
            Action::Evaluation => "开展绩效评价",
            Action::Policy => "载入政策参数",
            Action::Users => "管理账号",
            Action::Maintenance => "运行系统维护命令",
        }
    }
}

/// Whether a role may see a citizen ID in full: one person at a time, each time in the audit log
/// (`register::status::reveal`). Everywhere else — lists, pages, the API, exports to read — IDs
/// and bank accounts are masked. The finance bureau and the evaluator never need them.
pub fn may_reveal(role: Role) -> bool {
    matches!(
        role,
        Role::Operator | Role::Reviewer | Role::CityAdmin | Role::System
    )
}

/// The rules: which roles may take each action. County-bound roles take it in their counties.
pub fn allowed(role: Role, action: Action) -> bool {
    use Action as A;
    use Role as R;
    match action {
        A::Read => true,
        A::Register | A::Payroll | A::Deaths => {
            matches!(role, R::Operator | R::Reviewer | R::System)
        }
        A::ApprovePayroll => role == R::Reviewer,
        A::ReviewDeaths => matches!(role, R::Reviewer | R::System),
        A::Interest => matches!(role, R::Operator | R::Reviewer | R::CityAdmin | R::System),
        A::BankBooks => matches!(role, R::CityAdmin | R::Finance | R::System),
        A::Budget => matches!(role, R::Finance | R::System),
        A::Evaluation => matches!(role, R::Finance | R::Evaluator | R::System),
        A::Policy | A::Users => matches!(role, R::CityAdmin | R::System),
        A::Maintenance => role == R::System,
    }
}

/// The account a use case acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: i64,
    /// The account's name (what the audit log, `run_by` and `approved_by` record).
    pub name: String,
    pub display_name: String,
    pub role: Role,
    /// The counties a county-bound role acts in (sorted); empty for the city-level roles.
    pub counties: Vec<String>,
}

/// The system account's id (created by the migrations).
pub const SYSTEM_USER_ID: i64 = 0;

impl Actor {
    /// The system account: the command line on the server when no account is named.
    pub fn system() -> Actor {
        Actor {
            user_id: SYSTEM_USER_ID,
            name: "system".into(),
            display_name: "系统管理员".into(),
            role: Role::System,
            counties: Vec::new(),
        }
    }

    /// Whether the actor acts in every county.
    pub fn all_counties(&self) -> bool {
        !self.role.county_bound()
    }

    /// Whether the actor may act in `county`.
    pub fn covers(&self, county: &str) -> bool {
        self.all_counties() || self.counties.iter().any(|c| c == county)
    }

    /// "账号 X（经办员，城区）".
    pub fn describe(&self) -> String {
        let scope = if self.all_counties() {
            String::new()
        } else {
            format!(
                "，{}",
                self.counties
                    .iter()
                    .map(|c| yanglao_domain::county_name(c).unwrap_or(c.as_str()))
                    .collect::<Vec<_>>()
                    .join("、")
            )
        };
        format!("账号 {}（{}{scope}）", self.name, self.role.zh())
    }

    /// Refuses an action the role may not take (E-ACCESS-ROLE).
    pub fn require(&self, action: Action) -> Result<()> {
        if allowed(self.role, action) {
            return Ok(());
        }
        Err(OpsError::rule(
            "E-ACCESS-ROLE",
            format!(
                "{}无权{}（{}）",
                self.describe(),
                action.zh(),
                holders(action)
            ),
        ))
    }

    /// Refuses an action in a county outside the actor's (E-ACCESS-COUNTY), and an action the
    /// role may not take.
    pub fn require_county(&self, action: Action, county: &str) -> Result<()> {
        self.require(action)?;
        if self.covers(county) {
            return Ok(());
        }
        Err(OpsError::rule(
            "E-ACCESS-COUNTY",
            format!(
                "{}只能在本账号的县区办理，不能{}：{}",
                self.describe(),
                action.zh(),
                county_label(county)
            ),
        ))
    }

    /// The counties of `all` the actor acts in (a use case over "all counties" narrowed to the
    /// actor's own).
    pub fn counties_of<I, S>(&self, all: I) -> Vec<S>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        all.into_iter()
            .filter(|c| self.covers(c.as_ref()))
            .collect()
    }

    /// An SQL condition limiting `column` to the actor's counties, its values appended to
    /// `params` (`TRUE` for the city-level roles; `FALSE` for a county role without counties).
    pub fn scope_sql<'a>(&'a self, column: &str, params: &mut Vec<Param<'a>>) -> String {
        if self.all_counties() {
            return "TRUE".into();
        }
        if self.counties.is_empty() {
            return "FALSE".into();
        }
        let mut marks = Vec::with_capacity(self.counties.len());
        for c in &self.counties {
            params.push(Param::Text(c));
            marks.push(format!("${}", params.len()));
        }
        format!("{column} IN ({})", marks.join(", "))
    }
}

impl Actor {
    /// The county a county-wide read is about: the one asked for (refused outside the actor's
    /// counties); without one, every county for the city-level roles (`None`) and the actor's
    /// own county for a county role of one county — a county role of several must name one.
    pub fn county_for_read<'a>(&'a self, county: Option<&'a str>) -> Result<Option<&'a str>> {
        match county {
            Some(c) => {
                self.require_county(Action::Read, c)?;
                Ok(Some(c))
            }
            None if self.all_counties() => Ok(None),
            None => match self.counties.as_slice() {
                [one] => Ok(Some(one.as_str())),
                _ => Err(OpsError::rule(
                    "E-ACCESS-COUNTY",
                    format!("{}可办理多个县区，请用 --county 指明县区", self.describe()),
                )),
            },
        }
    }
}

/// "城区（140302）".
pub fn county_label(county: &str) -> String {
    match yanglao_domain::county_name(county) {
        Some(n) => format!("{n}（{county}）"),
        None => county.to_string(),
    }
}

/// "须由审核员办理": who may take an action, for refusals.
fn holders(action: Action) -> String {
    let roles: Vec<&str> = ROLES
        .into_iter()
        .filter(|r| *r != Role::System && allowed(*r, action))
        .map(Role::zh)
        .collect();
    if roles.is_empty() {
        "只能在服务器上以系统账号办理".into()
    } else {
        format!("须由{}办理", roles.join("或"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, counties: &[&str]) -> Actor {
        Actor {
            user_id: 7,
            name: "a".into(),
            display_name: "a".into(),
            role,
            counties: counties.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn county_roles_act_only_in_their_counties() {
        let op = actor(Role::Operator, &["140302"]);
        assert!(op.require_county(Action::Register, "140302").is_ok());
        let e = op.require_county(Action::Register, "140303").unwrap_err();
        assert_eq!(e.code(), "E-ACCESS-COUNTY");
        assert!(e.to_string().contains("矿区"), "{e}");
        assert_eq!(op.counties_of(["140302", "140303"]), vec!["140302"]);
        let mut params = Vec::new();
        assert_eq!(op.scope_sql("p.county", &mut params), "p.county IN ($1)");
        let city = actor(Role::CityAdmin, &[]);
        assert!(city.covers("140303"));
        assert_eq!(city.scope_sql("county", &mut Vec::new()), "TRUE");
    }

    #[test]
    fn only_a_reviewer_approves_and_the_table_holds() {
        for role in ROLES {
            assert_eq!(
                allowed(role, Action::ApprovePayroll),
                role == Role::Reviewer
            );
            assert!(allowed(role, Action::Read));
        }
        let e = actor(Role::Operator, &["140302"])
            .require(Action::ApprovePayroll)
            .unwrap_err();
        assert_eq!(e.code(), "E-ACCESS-ROLE");
        assert!(e.to_string().contains("须由审核员办理"), "{e}");
        assert!(Actor::system().require(Action::ApprovePayroll).is_err());
        assert!(actor(Role::Finance, &[]).require(Action::Payroll).is_err());
        assert!(actor(Role::Evaluator, &[])
            .require(Action::Evaluation)
            .is_ok());
        assert!(actor(Role::Evaluator, &[]).require(Action::Budget).is_err());
        assert_eq!(Role::parse("审核员"), Some(Role::Reviewer));
        assert_eq!(Role::parse("city_admin"), Some(Role::CityAdmin));
    }
}
