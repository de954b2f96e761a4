//! Who is asking: the session cookie, the client's address, the form token.

use crate::errors::WebError;
use crate::state::State;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use yanglao_ops::access::Actor;
use yanglao_ops::sessions::{self, Session};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "yanglao_session";
/// The sign-in form's own token (double submit: cookie and field), before there is a session.
pub const SIGN_IN_COOKIE: &str = "yanglao_sign_in";

/// The client's address: the peer, or — only when the peer is the trusted proxy — the last
/// address the proxy added to `X-Forwarded-For`.
pub fn client_address(peer: SocketAddr, headers: &HeaderMap, trusted: Option<IpAddr>) -> IpAddr {
    if Some(peer.ip()) == trusted {
        // The proxy's own addition is the last address of the last such header: what the
        // client sent itself comes before it.
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|a| a.trim().parse::<IpAddr>().ok());
        if let Some(a) = forwarded {
            return a;
        }
    }
    peer.ip()
}

/// A cookie's value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The session cookie's token in the request, if it has the shape of one.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE).filter(|t| t.len() == 64)
}

/// The open session of `token`, with the server's timeouts (one that ran out is ended here).
pub async fn open_session(
    state: &Arc<State>,
    token: String,
    address: String,
) -> Result<Option<Session>, WebError> {
    let timeouts = state.config.timeouts;
    state
        .with_ctx(Actor::system(), address, move |ctx| {
            Ok(sessions::find(
                &mut ctx.db,
                &token,
                sessions::now_s(),
                timeouts,
            )?)
        })
        .await
}

/// A `Set-Cookie` value: never readable by scripts, never sent by another site's request.
pub fn set_cookie(name: &str, value: &str, path: &str, secure: bool) -> String {
    format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A `Set-Cookie` value that removes the cookie.
pub fn clear_cookie(name: &str, path: &str, secure: bool) -> String {
    format!(
        "{name}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Compares two tokens in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Where a request comes from.
#[derive(Debug, Clone)]
pub struct From {
    pub address: IpAddr,
    pub user_agent: Option<String>,
}

impl From {
    pub fn client(&self) -> sessions::Client {
        sessions::Client {
            address: self.address.to_string(),
            user_agent: self.user_agent.clone(),
        }
    }
}

impl FromRequestParts<Arc<State>> for From {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<State>) -> Result<Self, WebError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .ok_or_else(|| WebError::internal("连接没有对端地址"))?;
        Ok(From {
            address: client_address(peer, &parts.headers, state.config.trusted_proxy),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(300).collect()),
        })
    }
}

/// A signed-in request: its session, the cookie's token and where it comes from. Without an
/// open session a page request goes to the sign-in page.
pub struct Signed {
    pub session: Session,
    pub token: String,
    pub from: From,
}

impl Signed {
    pub fn actor(&self) -> Actor {
        self.session.actor.clone()
    }

    /// Refuses a form whose token is not this session's (a request made by another site).
    pub fn check_form(&self, token: &str) -> Result<(), WebError> {
        if same_token(token, &self.session.csrf_token) {
            Ok(())
        } else {
            Err(csrf_refused())
        }
    }
}

pub fn csrf_refused() -> WebError {
    WebError::new(
        StatusCode::FORBIDDEN,
        "E-WEB-CSRF",
        "表单已失效或不是从本系统的页面提交的，未作任何改动：请返回页面刷新后重试",
    )
}

/// No open session: a page goes to the sign-in page.
pub struct NotSignedIn;

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        Redirect::to("/sign-in").into_response()
    }
}

impl FromRequestParts<Arc<State>> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<State>) -> Result<Self, Response> {
        let from = From::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Some(token) = session_token(&parts.headers) else {
            return Err(NotSignedIn.into_response());
        };
        let session = open_session(state, token.clone(), from.address.to_string())
            .await
            .map_err(IntoResponse::into_response)?;
        match session {
            Some(session) => Ok(Signed {
                session,
                token,
                from,
            }),
            None => Err(NotSignedIn.into_response()),
        }
    }
}
