//! TLS for a PostgreSQL server on another host: the URL's `sslmode` and `sslrootcert`, read as
//! PostgreSQL's own client reads them, with one difference written in docs/DEPLOYMENT.md: without
//! `sslmode` the connection is plain (as on the same host), not "prefer".
//!
//! | sslmode | encrypted | certificate checked |
//! |---|---|---|
//! | `disable` | no | — |
//! | `prefer` | if the server offers it | no |
//! | `require` | yes | no (yes, chain only, when `sslrootcert` is given) |
//! | `verify-ca` | yes | chain to `sslrootcert` |
//! | `verify-full` | yes | chain to `sslrootcert` and the host name |
//!
//! `sslrootcert` is a PEM file of the certificates to trust; `sslrootcert=system` trusts the
//! machine's certificate bundle. Without it, `~/.postgresql/root.crt` as PostgreSQL's client does.

use crate::{Result, StoreError};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::PathBuf;
use std::sync::Arc;

/// How a connection is protected, from `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `sslmode` not given: plain.
    Unset,
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// The TLS settings taken out of a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub mode: Mode,
    pub root_cert: Option<String>,
}

/// Splits `sslmode` and `sslrootcert` off a `postgres://` URL: the rest is what the PostgreSQL
/// library parses (it knows neither `verify-ca`/`verify-full` nor `sslrootcert`).
pub fn split(url: &str) -> Result<(String, Settings)> {
    let mut settings = Settings {
        mode: Mode::Unset,
        root_cert: None,
    };
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), settings));
    };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => {
                settings.mode = match decode(value).as_str() {
                    "disable" => Mode::Disable,
                    // `allow` tries plain first; we have no reason to: it is `prefer` here.
                    "allow" | "prefer" => Mode::Prefer,
                    "require" => Mode::Require,
                    "verify-ca" => Mode::VerifyCa,
                    "verify-full" => Mode::VerifyFull,
                    other => {
                        return Err(StoreError::Tls(format!(
                            "sslmode={other} 无法识别：应为 disable、prefer、require、verify-ca 或 verify-full"
                        )))
                    }
                }
            }
            "sslrootcert" => settings.root_cert = Some(decode(value)),
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, settings))
}

/// `%XX` escapes in a URL parameter (a path may carry them).
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The PostgreSQL library's own mode for these settings.
pub fn library_mode(mode: Mode) -> postgres::config::SslMode {
    use postgres::config::SslMode;
    match mode {
        Mode::Unset | Mode::Disable => SslMode::Disable,
        Mode::Prefer => SslMode::Prefer,
        Mode::Require | Mode::VerifyCa | Mode::VerifyFull => SslMode::Require,
    }
}

/// The connector for these settings; `None` for a plain connection.
pub fn connector(s: &Settings) -> Result<Option<tokio_postgres_rustls::MakeRustlsConnect>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match s.mode {
        Mode::Unset | Mode::Disable => return Ok(None),
        Mode::Prefer => Arc::new(Unchecked(provider.clone())),
        Mode::Require if s.root_cert.is_none() => Arc::new(Unchecked(provider.clone())),
        // As PostgreSQL's client: `require` with a root certificate checks the chain.
        Mode::Require | Mode::VerifyCa => Arc::new(ChainOnly(webpki(
            roots(s.root_cert.as_deref())?,
            &provider,
        )?)),
        Mode::VerifyFull => webpki(roots(s.root_cert.as_deref())?, &provider)?,
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Tls(format!("TLS 设置无效：{e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Some(tokio_postgres_rustls::MakeRustlsConnect::new(config)))
}

fn webpki(
    roots: RootCertStore,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| StoreError::Tls(format!("无法使用根证书：{e}")))
}

/// The certificates to trust: `sslrootcert`, the machine's bundle for `system`, or
/// `~/.postgresql/root.crt`.
fn roots(root_cert: Option<&str>) -> Result<RootCertStore> {
    let path = match root_cert {
        Some("system") => std::env::var_os("SSL_CERT_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/etc/ssl/certs/ca-certificates.crt")),
        Some(p) => PathBuf::from(p),
        None => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(".postgresql/root.crt"),
            None => {
                return Err(StoreError::Tls(
                    "验证服务器证书需要根证书：请在数据库地址中给出 sslrootcert=文件路径".into(),
                ))
            }
        },
    };
    let shown = path.display().to_string();
    let certs = CertificateDer::pem_file_iter(&path)
        .map_err(|e| StoreError::Tls(format!("无法读取根证书文件 {shown}：{}", pem_error(&e))))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Tls(format!("根证书文件 {shown} 无法解析：{}", pem_error(&e))))?;
    let mut store = RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(StoreError::Tls(format!(
            "根证书文件 {shown} 中没有可用的证书（应为 PEM 格式）"
        )));
    }
    Ok(store)
}

fn pem_error(e: &rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error as E;
    match e {
        E::Io(io) if io.kind() == std::io::ErrorKind::NotFound => "文件不存在".into(),
        E::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
        other => format!("{other:?}"),
    }
}

/// Encrypts without checking who the server is (`prefer`, and `require` without a root
/// certificate): the handshake's signatures are still checked.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Checks the certificate's chain to the trusted roots, not the host name (`verify-ca`).
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        // The chain is checked before the name: a name error means the chain held.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// What a failed handshake means to the person who wrote the URL.
pub fn handshake_zh(detail: &str) -> &'static str {
    // The TLS library's words for each case, as its errors print (in either spelling).
    let d = detail.to_lowercase().replace(' ', "");
    if d.contains("doesnotsupporttls") {
        "数据库服务器未启用 TLS（sslmode 要求加密连接）：请在服务器上启用 ssl，或改用 sslmode=disable"
    } else if d.contains("notvalidforname") {
        "数据库服务器的证书与地址中的主机名不符（sslmode=verify-full）：请用证书上的主机名连接"
    } else if d.contains("unknownissuer") || d.contains("badsignature") {
        "数据库服务器的证书不是由 sslrootcert 中的机构签发的：请核对根证书文件"
    } else if d.contains("expired") || d.contains("notvalidyet") {
        "数据库服务器的证书已过期或尚未生效"
    } else {
        "与数据库服务器建立加密连接（TLS）失败"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_parameters_leave_the_url() {
        let (url, s) = split(
            "postgres://u@db.example:5432/yl?application_name=x&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem",
        )
        .unwrap();
        assert_eq!(url, "postgres://u@db.example:5432/yl?application_name=x");
        assert_eq!(s.mode, Mode::VerifyFull);
        assert_eq!(s.root_cert.as_deref(), Some("/etc/ca.pem"));
        let (url, s) = split("postgres://u@h/yl").unwrap();
        assert_eq!((url.as_str(), s.mode), ("postgres://u@h/yl", Mode::Unset));
        let (url, s) = split("postgres://u@h/yl?sslmode=require").unwrap();
        assert_eq!((url.as_str(), s.mode), ("postgres://u@h/yl", Mode::Require));
        let e = split("postgres://u@h/yl?sslmode=sometimes").unwrap_err();
        assert_eq!(e.code(), "E-DB-TLS");
        assert!(e.message().contains("sslmode=sometimes"), "{}", e.message());
    }

    #[test]
    fn a_missing_root_certificate_is_named() {
        let s = Settings {
            mode: Mode::VerifyFull,
            root_cert: Some("/nonexistent/ca.pem".into()),
        };
        let e = connector(&s).err().expect("refused");
        assert_eq!(e.code(), "E-DB-TLS");
        assert!(
            e.message().contains("/nonexistent/ca.pem") && e.message().contains("文件不存在"),
            "{}",
            e.message()
        );
    }
}
