//! `yanglao serve`: the staff web application on the same database as the command line.

use crate::context::{err, Global, Res};
use std::net::IpAddr;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// 监听地址
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// 反向代理的地址：只相信它转发的客户端地址（记入审计日志）
    #[arg(long, value_name = "IP")]
    pub trusted_proxy: Option<IpAddr>,
    /// 浏览器经 HTTPS 访问（由反向代理加密）：登录凭据只经加密连接发送
    #[arg(long)]
    pub https: bool,
    /// 由本程序提供 HTTPS：服务器证书链文件（PEM）
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// 由本程序提供 HTTPS：私钥文件（PEM）
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// 上传文件的大小上限（MB）
    #[arg(long, value_name = "MB", default_value_t = 200)]
    pub max_upload_mb: usize,
    /// 上传文件在校验与确认导入之间的暂存目录（默认：SQLite 数据库文件所在目录中与数据库同名的暂存目录；PostgreSQL 为系统临时目录）
    #[arg(long, value_name = "DIR")]
    pub upload_dir: Option<std::path::PathBuf>,
}

pub fn serve(cli: &Global, a: &ServeArgs) -> Res {
    if a.max_upload_mb == 0 {
        return Err(err("E-WEB-FIELD", "--max-upload-mb 须大于 0"));
    }
    let mut config = yanglao_web::Config::new(&a.addr, &cli.db);
    config.trusted_proxy = a.trusted_proxy;
    config.https = a.https || a.tls_cert.is_some();
    if let (Some(c), Some(k)) = (&a.tls_cert, &a.tls_key) {
        config.tls = Some((c.clone(), k.clone()));
    }
    let scheme = if a.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    config.max_upload_bytes = a.max_upload_mb * 1024 * 1024;
    if let Some(d) = &a.upload_dir {
        config.upload_dir = d.clone();
    }
    let db = cli.db.clone();
    yanglao_web::run(config, |addr| {
        println!("养老网页服务已启动：{scheme}://{addr}/（数据库 {}）；按 Ctrl-C 停止。", redact(&db));
        println!("第一次使用：在服务器上用 yanglao users add 管理员 --role 市级管理员 --password-stdin 创建市级管理员，再用它登录并在网页上创建其他账号。");
    })
    .map_err(|e| err("E-WEB-START", e))?;
    Ok(0)
}

/// The database address without its password, for the start-up line.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
