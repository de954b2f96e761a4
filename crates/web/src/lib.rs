//! The staff web application: `yanglao serve`. It calls the same use cases as the command line
//! (`yanglao_ops`), under the signed-in account, whose role and counties the use cases check.
//!
//! - `state.rs`: the server's settings and its database connections (the store is synchronous:
//!   every use case runs on a blocking thread, off the async ones).
//! - `auth.rs`: the session cookie, the form token, the client's address.
//! - `guard.rs`: what every response carries (security headers, a request id, the request log)
//!   and the cross-site checks of every state-changing request.
//! - `pages.rs`: sign-in, sign-out, the home page; `errors.rs`: every error as a Chinese page
//!   (or JSON under `/api/`); `assets.rs`: the stylesheet, compiled in.

mod accounts;
mod api;
mod assets;
mod audit;
mod auth;
mod dashboard;
mod deaths;
mod errors;
mod evaluation;
mod fund;
mod guard;
mod imports;
mod pages;
mod payroll;
mod people;
mod policy;
mod simulate;
mod sorting;
mod state;
mod tls;
mod uploads;

pub use state::Config;

/// The version the pages show.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;

/// The application's routes over its state.
pub fn router(state: Arc<state::State>) -> Router {
    api::register(Router::new())
        .route("/", get(dashboard::home))
        .route(
            "/sign-in",
            get(pages::sign_in_page)
                .post(pages::sign_in)
                .layer(axum::extract::DefaultBodyLimit::max(16 * 1024)),
        )
        .route("/sign-out", post(pages::sign_out))
        .route("/sign-out-everywhere", post(pages::sign_out_everywhere))
        .route("/accounts", get(accounts::list).post(accounts::add))
        .route(
            "/accounts/{name}",
            get(accounts::show).post(accounts::change),
        )
        .route("/accounts/{name}/password", post(accounts::password))
        .route("/accounts/{name}/disable", post(accounts::disable))
        .route("/accounts/{name}/enable", post(accounts::enable))
        .route("/accounts/{name}/tokens", post(accounts::issue_token))
        .route(
            "/accounts/{name}/tokens/{token_id}/revoke",
            post(accounts::revoke_token),
        )
        .route("/audit", get(audit::page))
        .route("/audit.xlsx", post(audit::export))
        .route("/imports", get(imports::page).post(imports::upload))
        .route("/uploads/{id}", get(imports::show))
        .route("/uploads/{id}/confirm", post(imports::confirm))
        .route("/uploads/{id}/discard", post(imports::discard))
        .route("/uploads/{id}/report.xlsx", get(imports::report))
        .route("/payroll", get(payroll::month))
        .route("/payroll/run", post(payroll::run))
        .route("/payroll/{id}", get(payroll::show))
        .route("/payroll/{id}/export", post(payroll::export))
        .route("/payroll/{id}/{action}", post(payroll::act))
        .route("/deaths", get(deaths::page))
        .route("/deaths/{record_id}/decide", post(deaths::decide))
        .route("/recovery", get(deaths::cases))
        .route("/recovery/{case_id}", get(deaths::case))
        .route("/recovery/{case_id}/steps", post(deaths::step))
        .route("/fund", get(fund::page))
        .route("/fund/statement.xlsx", get(fund::statement_xlsx))
        .route("/fund/bank", get(fund::bank_page))
        .route("/fund/budget", get(fund::budget_page))
        .route("/evaluation", get(evaluation::page))
        .route("/evaluation/worksheet.xlsx", get(evaluation::worksheet))
        .route("/evaluation/{year}/judgements", post(evaluation::save))
        .route(
            "/evaluation/{year}/history/{code}",
            get(evaluation::history),
        )
        .route("/evaluation/{year}/report", post(evaluation::report))
        .route(
            "/evaluation/{year}/particulars",
            get(evaluation::particulars).post(evaluation::save_particulars),
        )
        .route("/simulate", get(simulate::page))
        .route("/policy", get(policy::page).post(policy::load))
        .route("/outreach", get(people::outreach))
        .route("/outreach.xlsx", post(people::outreach_xlsx))
        .route("/people", get(people::list))
        .route("/people/{person_id}", get(people::show))
        .route("/people/{person_id}/reveal", post(people::reveal))
        .route("/people/{person_id}/decisions", post(people::decide))
        .route("/people/{person_id}/inheritance", post(people::inheritance))
        .route("/api/openapi.json", get(api::openapi_json))
        .route("/api/docs", get(api::docs))
        .route("/api/{*rest}", get(api::not_found).post(api::not_found))
        .route("/healthz", get(pages::healthz))
        .route("/readyz", get(pages::readyz))
        .route("/assets/{name}", get(assets::asset))
        .fallback(errors::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.max_upload_bytes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .with_state(state)
}

/// A server bound and ready: its address, and the future that serves until `shutdown` resolves
/// (then it finishes the requests under way).
pub struct Server {
    pub addr: SocketAddr,
    listener: tokio::net::TcpListener,
    state: Arc<state::State>,
}

impl Server {
    /// Binds `config.addr` (port 0 picks a free port) and checks the database.
    pub async fn bind(config: Config) -> Result<Server, String> {
        // A certificate that cannot be used stops the start, before anything listens.
        if let Some((cert, key)) = &config.tls {
            tls::server_config(cert, key)?;
        }
        let state = Arc::new(state::State::open(config).await?);
        let listener = tokio::net::TcpListener::bind(&state.config.addr)
            .await
            .map_err(|e| format!("无法监听 {}：{e}", state.config.addr))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("无法取得监听地址：{e}"))?;
        Ok(Server {
            addr,
            listener,
            state,
        })
    }

    /// Serves until `shutdown` resolves, then lets the requests under way finish.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), String> {
        let tls = self.state.config.tls.clone();
        let app = router(self.state);
        if let Some((cert, key)) = tls {
            let config = tls::server_config(&cert, &key)?;
            return tls::serve(self.listener, app, config, shutdown).await;
        }
        axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| format!("服务出错：{e}"))
    }
}

/// `yanglao serve`: runs the server on its own runtime until Ctrl-C or SIGTERM.
pub fn run(config: Config, on_ready: impl FnOnce(SocketAddr)) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("yanglao-web")
        .build()
        .map_err(|e| format!("无法启动服务：{e}"))?;
    runtime.block_on(async move {
        let server = Server::bind(config).await?;
        on_ready(server.addr);
        server.serve(shutdown_signal()).await
    })
}

/// Ctrl-C, or SIGTERM from the service manager.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("收到停止信号：处理完进行中的请求后停止");
}
