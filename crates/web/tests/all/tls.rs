//! HTTPS served by the binary: a certificate made for the test, a real TLS client (curl) that
//! trusts only it, secure cookies and the HSTS header; a key that cannot be read stops the start.

use crate::server::{backends, TestServer};
use std::process::Command;

fn openssl(args: &[&str]) {
    let ok = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl")
        .status
        .success();
    assert!(ok, "openssl {args:?}");
}

#[test]
fn https_with_a_certificate_of_its_own() {
    let (label, url, dir, scratch) = backends("tls").into_iter().next().unwrap();
    let certs = dir.as_ref().unwrap().0.join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    let (cert, key) = (certs.join("server.crt"), certs.join("server.key"));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
    ]);
    // A key that is not there: the server does not start, and says why.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut bad = yanglao_web::Config::new("127.0.0.1:0", &url);
    bad.tls = Some((cert.clone(), certs.join("missing.key")));
    let e = rt
        .block_on(yanglao_web::Server::bind(bad))
        .err()
        .expect("refused");
    assert!(e.contains("私钥文件") && e.contains("missing.key"), "{e}");

    let (c2, k2) = (cert.clone(), key.clone());
    let s = TestServer::start(label, url, dir, scratch, move |c| {
        c.tls = Some((c2, k2));
        c.https = true;
    });
    let base = format!("https://localhost:{}", s.addr.port());
    let curl = |path: &str| {
        let o = Command::new("curl")
            .args([
                "-s",
                "-i",
                "--cacert",
                cert.to_str().unwrap(),
                &format!("{base}{path}"),
            ])
            .output()
            .expect("curl");
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let (ok, out) = curl("/healthz");
    assert!(ok && out.ends_with("ok"), "{out}");
    assert!(
        out.to_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "{out}"
    );
    let (_, page) = curl("/sign-in");
    let cookie = page
        .lines()
        .find(|l| l.to_lowercase().starts_with("set-cookie:"))
        .unwrap_or("");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    // Plain HTTP to the HTTPS port gets no page.
    let o = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "5",
            &format!("http://localhost:{}/healthz", s.addr.port()),
        ])
        .output()
        .unwrap();
    assert_ne!(String::from_utf8_lossy(&o.stdout), "ok");
    let _ = key;
}
