//! The policy page (政策参数): the versions stored in the database with their dates, who loaded
//! them and what changed from the version before (line by line); loading a new version from its
//! file (the city administrator). A version applies from its date; the books keep the version
//! every posting used.

use crate::api::imports::{read_form, Form};
use crate::auth::Signed;
use crate::errors::WebError;
use crate::pages::{render, Chrome};
use crate::state::State;
use askama::Template;
use axum::extract::{Query, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use yanglao_ops::access::{allowed, Action};

type Shared = AxState<Arc<State>>;

pub struct VersionRow {
    pub version: i64,
    pub name: String,
    pub illustrative: bool,
    pub applies_from: String,
    pub file_name: String,
    pub loaded_by: String,
    pub loaded_at: String,
    pub sha: String,
    /// The lines removed (`-`) and added (`+`) since the version before.
    pub changes: Vec<(char, String)>,
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    chrome: Chrome,
    versions: Vec<VersionRow>,
    may_load: bool,
    notice: Option<String>,
    error: Option<String>,
}

/// The lines of `b` not in `a` (`+`) and of `a` not in `b` (`-`), in order: a longest common
/// subsequence of lines (policy files are a few hundred lines).
pub fn line_changes(a: &str, b: &str) -> Vec<(char, String)> {
    let (x, y): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let (n, m) = (x.len(), y.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if x[i] == y[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && x[i] == y[j] {
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] > lcs[i + 1][j]) {
            out.push(('+', y[j].to_string()));
            j += 1;
        } else {
            out.push(('-', x[i].to_string()));
            i += 1;
        }
    }
    out.retain(|(_, l)| !l.trim().is_empty());
    out
}

async fn policy_page(
    state: &Arc<State>,
    signed: &Signed,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let versions = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                ctx.reload_policy()?;
                Ok(ctx.policy.versions().to_vec())
            },
        )
        .await?;
    let mut rows: Vec<VersionRow> = Vec::new();
    for (k, v) in versions.iter().enumerate() {
        rows.push(VersionRow {
            version: v.version,
            name: v.name.clone(),
            illustrative: v.illustrative,
            applies_from: v.applies_from.to_string(),
            file_name: v.file_name.clone(),
            loaded_by: v.loaded_by.clone(),
            loaded_at: v.loaded_at.clone(),
            sha: v.sha256.chars().take(12).collect(),
            changes: match k {
                0 => Vec::new(),
                _ => line_changes(&versions[k - 1].source, &v.source),
            },
        });
    }
    rows.reverse();
    let page = PolicyPage {
        chrome: Chrome::of(signed),
        versions: rows,
        may_load: allowed(signed.session.actor.role, Action::Policy),
        notice,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize, Default)]
pub struct PolicyQuery {
    pub loaded: Option<i64>,
    pub same: Option<i64>,
}

pub async fn page(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<PolicyQuery>,
) -> Result<Response, WebError> {
    let notice = match (q.loaded, q.same) {
        (Some(v), _) => Some(format!(
            "已载入第 {v} 版政策参数，自其适用日期起用于记账，已记入审计日志。"
        )),
        (_, Some(v)) => Some(format!("文件内容与最新的第 {v} 版相同，未新增版本。")),
        _ => None,
    };
    policy_page(&state, &signed, notice, None, StatusCode::OK).await
}

/// Loads a new version from its uploaded file; a file with errors is refused with each problem
/// and nothing is stored.
pub async fn load(
    AxState(state): Shared,
    signed: Signed,
    form: Result<Form, crate::api::ApiError>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(|e| e.0)?;
    // A field the form cannot take (a date that is not one) comes back to the page; nothing is
    // changed.
    let form = match read_form(form).await {
        Ok(f) => f,
        Err(e) if e.0.code == "E-WEB-FIELD" => {
            return policy_page(
                &state,
                &signed,
                None,
                Some(format!("{}（{}）", e.0.message, e.0.code)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => return Err(e.0),
    };
    signed.check_form(form.csrf.as_deref().unwrap_or(""))?;
    let name = form.upload.name.clone();
    let Ok(source) = String::from_utf8(form.upload.bytes) else {
        return policy_page(
            &state,
            &signed,
            None,
            Some(format!(
                "文件“{name}”不是 UTF-8 编码的文本（E-POLICY-INVALID）"
            )),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let date = form.date;
    let n = name.clone();
    let r = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| Ok(yanglao_ops::policy::load_version(ctx, &source, &n, date)?),
        )
        .await;
    match r {
        Ok(o) if o.already_loaded => {
            Ok(Redirect::to(&format!("/policy?same={}", o.version)).into_response())
        }
        Ok(o) => Ok(Redirect::to(&format!("/policy?loaded={}", o.version)).into_response()),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) => {
            policy_page(
                &state,
                &signed,
                None,
                Some(format!("{}（{}）", e.message, e.code)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn changes_are_the_lines_removed_and_added() {
        let a = "a = 1\nb = 2\nc = 3\n";
        let b = "a = 1\nb = 5\nc = 3\nd = 4\n";
        assert_eq!(
            super::line_changes(a, b),
            vec![
                ('-', "b = 2".to_string()),
                ('+', "b = 5".to_string()),
                ('+', "d = 4".to_string())
            ]
        );
        assert!(super::line_changes(a, a).is_empty());
    }
}
