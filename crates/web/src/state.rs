//! The server's settings and its database connections.

use crate::errors::WebError;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use yanglao_ops::access::Actor;
use yanglao_ops::sessions::{Lockout, Timeouts};
use yanglao_ops::Ctx;
use yanglao_store::Db;

/// How `yanglao serve` runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address to listen on, e.g. `127.0.0.1:8080` (port 0: any free port).
    pub addr: String,
    /// The database, as the command line's `--db`.
    pub db_url: String,
    /// The reverse proxy whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed; from any
    /// other peer they are ignored.
    pub trusted_proxy: Option<IpAddr>,
    /// The largest request body (uploads), in bytes.
    pub max_upload_bytes: usize,
    pub timeouts: Timeouts,
    pub lockout: Lockout,
    /// Refused sign-ins from one address within [`Config::throttle_window_s`] before that address
    /// must wait.
    pub throttle_failures: u32,
    pub throttle_window_s: i64,
    /// Whether the browser reaches the server over HTTPS (directly or through the proxy): the
    /// session cookie is then `Secure`.
    pub https: bool,
    /// HTTPS served by this server: the certificate chain and the key (PEM files).
    pub tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// Where uploads wait between their check and their confirmation.
    pub upload_dir: std::path::PathBuf,
}

impl Config {
    pub fn new(addr: &str, db_url: &str) -> Config {
        Config {
            addr: addr.to_string(),
            db_url: db_url.to_string(),
            trusted_proxy: None,
            max_upload_bytes: 200 * 1024 * 1024,
            timeouts: Timeouts::default(),
            lockout: Lockout::default(),
            throttle_failures: 20,
            throttle_window_s: 10 * 60,
            https: false,
            tls: None,
            upload_dir: default_upload_dir(db_url),
        }
    }
}

/// Beside an SQLite database (`y.db` → `y.db.uploads`); for PostgreSQL, in the system's
/// temporary folder.
fn default_upload_dir(db_url: &str) -> std::path::PathBuf {
    match db_url.strip_prefix("sqlite://") {
        Some(path) => std::path::PathBuf::from(format!("{path}.uploads")),
        None => std::env::temp_dir().join("yanglao-uploads"),
    }
}

/// What every request shares.
pub struct State {
    pub config: Config,
    /// Open contexts waiting for a request (each with its own connection and the stored policy).
    pool: Mutex<Vec<Pooled>>,
    /// Sign-in attempts per client address: (start of the window, count).
    throttle: Mutex<HashMap<IpAddr, Tries>>,
    /// At most [`MAX_CONNECTIONS`] requests hold a database connection at once; the others wait.
    busy: tokio::sync::Semaphore,
    /// Uploads waiting for their confirmation.
    pub spool: crate::uploads::Spool,
    /// The dashboard's yearly figures, per set of counties, with the database's change counter
    /// they were read at (they read every contribution of three years; read again once anything
    /// changed).
    pub trends: Mutex<HashMap<String, (i64, std::sync::Arc<Trends>)>>,
    /// The evaluation page's scores per year, with the change counter they were computed at
    /// (measuring a year reads every contribution and payment of it).
    pub evaluations: Mutex<HashMap<i32, (i64, std::sync::Arc<yanglao_ops::evaluation::Outcome>)>>,
}

/// Sign-in attempts of one address: since when its refusals are counted, how many were refused,
/// how many are being checked now.
struct Tries {
    since_s: i64,
    refused: u32,
    in_flight: u32,
}

/// Sign-ins from one address checked at once, at most (each is an argon2 verification).
pub const MAX_IN_FLIGHT: u32 = 64;

/// One sign-in attempt being checked; dropped, it counts as refused unless it succeeded.
pub struct Attempt {
    state: std::sync::Arc<State>,
    address: IpAddr,
    succeeded: bool,
}

impl Attempt {
    pub fn succeeded(mut self) {
        self.succeeded = true;
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        let mut t = self
            .state
            .throttle
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(e) = t.get_mut(&self.address) {
            e.in_flight = e.in_flight.saturating_sub(1);
            if !self.succeeded {
                e.refused += 1;
            }
        }
    }
}

/// Database connections open at once, at most.
const MAX_CONNECTIONS: usize = 32;

struct Pooled {
    ctx: Ctx,
    /// How many policy versions the context's copy holds: a new version loaded meanwhile (from
    /// the command line) makes it reread.
    policy_versions: usize,
}

impl Drop for State {
    /// The connections close on a thread of their own: the PostgreSQL client blocks as it
    /// closes, which an async thread (where the server's last reference goes) must not.
    fn drop(&mut self) {
        let pool = std::mem::take(self.pool.get_mut().unwrap_or_else(|e| e.into_inner()));
        if !pool.is_empty() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

/// Connections kept open between requests.
const POOL_SIZE: usize = 16;

impl State {
    /// Opens the database (migrated to the latest schema) and keeps the first connection.
    pub async fn open(config: Config) -> Result<State, String> {
        let url = config.db_url.clone();
        let first = tokio::task::spawn_blocking(move || -> Result<Pooled, String> {
            let mut db = Db::open(&url).map_err(|e| e.to_string())?;
            db.migrate().map_err(|e| e.to_string())?;
            let ctx = Ctx::system(db).map_err(|e| e.to_string())?;
            Ok(Pooled {
                policy_versions: ctx.policy.versions().len(),
                ctx,
            })
        })
        .await
        .map_err(|e| format!("无法打开数据库：{e}"))??;
        let spool = crate::uploads::Spool::open(&config.upload_dir)?;
        Ok(State {
            spool,
            config,
            pool: Mutex::new(vec![first]),
            throttle: Mutex::new(HashMap::new()),
            busy: tokio::sync::Semaphore::new(MAX_CONNECTIONS),
            trends: Mutex::new(HashMap::new()),
            evaluations: Mutex::new(HashMap::new()),
        })
    }

    /// Runs `f` on a blocking thread with a context acting as `actor`, its changes recorded as
    /// coming from `address`; the context goes back to the pool afterwards.
    pub async fn with_ctx<T: Send + 'static>(
        self: &std::sync::Arc<Self>,
        actor: Actor,
        address: String,
        f: impl FnOnce(&mut Ctx) -> Result<T, WebError> + Send + 'static,
    ) -> Result<T, WebError> {
        let permit = self
            .busy
            .acquire()
            .await
            .map_err(|_| WebError::internal("服务正在停止"))?;
        let state = self.clone();
        let out = tokio::task::spawn_blocking(move || {
            let mut pooled = state.take()?;
            pooled.ctx.actor = actor;
            let out = yanglao_ops::from_address(&address, || f(&mut pooled.ctx));
            pooled.ctx.actor = Actor::system();
            state.give_back(pooled);
            out
        })
        .await
        .map_err(|_| WebError::internal("请求处理中断"))?;
        drop(permit);
        out
    }

    fn take(&self) -> Result<Pooled, WebError> {
        let pooled = self.pool.lock().expect("pool").pop();
        let mut pooled = match pooled {
            Some(p) => p,
            None => {
                let db = Db::open(&self.config.db_url)?;
                let ctx = Ctx::system(db)?;
                Pooled {
                    policy_versions: ctx.policy.versions().len(),
                    ctx,
                }
            }
        };
        let stored = pooled
            .ctx
            .db
            .read_transaction(|tx| tx.scalar_i64("SELECT COUNT(*) FROM policy_versions", &[]))?
            as usize;
        if stored != pooled.policy_versions {
            pooled.ctx.reload_policy()?;
            pooled.policy_versions = pooled.ctx.policy.versions().len();
        }
        Ok(pooled)
    }

    fn give_back(&self, pooled: Pooled) {
        let mut pool = self.pool.lock().expect("pool");
        if pool.len() < POOL_SIZE {
            pool.push(pooled);
        }
    }

    /// Takes one sign-in attempt of `address`, before its password is checked: `None` when the
    /// address must wait — it has had [`Config::throttle_failures`] refused sign-ins within the
    /// window, or [`MAX_IN_FLIGHT`] attempts are being checked at once (a parallel burst cannot
    /// guess past the count of refusals). The attempt counts as refused unless
    /// [`Attempt::succeeded`] is called before it is dropped.
    pub fn attempt_from(
        self: &std::sync::Arc<Self>,
        address: IpAddr,
        now_s: i64,
    ) -> Option<Attempt> {
        let mut t = self.throttle.lock().expect("throttle");
        let e = t.entry(address).or_insert(Tries {
            since_s: now_s,
            refused: 0,
            in_flight: 0,
        });
        if now_s - e.since_s >= self.config.throttle_window_s {
            e.since_s = now_s;
            e.refused = 0;
        }
        if e.refused >= self.config.throttle_failures || e.in_flight >= MAX_IN_FLIGHT {
            return None;
        }
        e.in_flight += 1;
        // Forget old windows now and then, so that the map stays small.
        if t.len() > 10_000 {
            let window = self.config.throttle_window_s;
            t.retain(|_, x| x.in_flight > 0 || now_s - x.since_s < window);
        }
        Some(Attempt {
            state: self.clone(),
            address,
            succeeded: false,
        })
    }
}

/// The yearly figures of a set of counties, kept while the database has not changed (its change
/// counter is the same; see [`State::trends`]; the dashboard reads and shows them).
pub struct Trends {
    pub years: Vec<i32>,
    pub rows: Vec<yanglao_ops::reads::TrendYear>,
    /// The fund's closing balance by year (the account's county, or the city).
    pub balances: Vec<(i32, i64)>,
    pub shortfall_fen: i64,
    pub shortfalls: usize,
    /// Budget execution of the year (city-wide roles): budget, spent, rate.
    pub budget: Option<(i64, i64, Option<f64>)>,
    /// The month the certifications were counted for, and the counts by county.
    pub month: yanglao_domain::Month,
    pub certifications: Vec<yanglao_ops::deaths::certification::Due>,
}
