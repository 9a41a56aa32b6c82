//! `momo payroll ...` end to end: the real binary, the payroll sandbox, gpg-made fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use momo_sandbox::payroll::{LOCKED_WALLET, PayrollSandbox};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../momo-payroll/tests/fixtures")
        .join(name)
}

fn momo(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_momo"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run momo");
    common::feed_stdin(child.stdin.take().unwrap(), stdin);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory under the system temp dir.
fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "momo-cli-payroll-{}-{}-{tag}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn help_lists_the_subcommands() {
    let o = momo(&["payroll", "--help"], b"", &[]);
    assert!(o.status.success());
    let text = stdout(&o);
    for c in ["encrypt", "decrypt", "keygen", "check-wallet", "pay"] {
        assert!(text.contains(c), "{c} missing:\n{text}");
    }
}

#[test]
fn keygen_encrypt_decrypt_round_trip() {
    let dir = temp_dir("keygen");
    let o = momo(&["payroll", "keygen", "--out", s(&dir)], b"", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let public = dir.join("public.asc");
    let secret = dir.join("secret.asc");
    assert!(
        std::fs::read_to_string(&public)
            .unwrap()
            .starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    );
    // Running it again refuses to overwrite.
    let again = momo(&["payroll", "keygen", "--out", s(&dir)], b"", &[]);
    assert_eq!(again.status.code(), Some(1));

    let body = br#"{"requestId":"r1","walletId":"0903412001"}"#;
    let enc = momo(
        &["payroll", "encrypt", "--recipient", s(&public)],
        body,
        &[],
    );
    assert!(enc.status.success(), "{}", stderr(&enc));
    assert!(stdout(&enc).starts_with("-----BEGIN PGP MESSAGE-----"));
    let dec = momo(
        &["payroll", "decrypt", "--key", s(&secret)],
        &enc.stdout,
        &[],
    );
    assert!(dec.status.success(), "{}", stderr(&dec));
    assert_eq!(dec.stdout, body);

    // Wrong key and garbage: exit 1 with a message, no panic.
    let wrong = momo(
        &[
            "payroll",
            "decrypt",
            "--key",
            s(&fixture("gpg-rsa.sec.asc")),
        ],
        &enc.stdout,
        &[],
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stderr(&wrong).contains("wrong key"), "{}", stderr(&wrong));
    let garbage = momo(
        &["payroll", "decrypt", "--key", s(&secret)],
        b"garbage",
        &[],
    );
    assert_eq!(garbage.status.code(), Some(1));
    assert!(
        stderr(&garbage).starts_with("momo: "),
        "{}",
        stderr(&garbage)
    );
    assert!(!stderr(&garbage).contains("panicked"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn gpg_made_message_decrypts_with_passphrase_from_env() {
    let msg = std::fs::read(fixture("gpg-to-curve.msg.asc")).unwrap();
    let key = fixture("gpg-curve.sec.asc");
    let o = momo(
        &[
            "payroll",
            "decrypt",
            "--key",
            s(&key),
            "--passphrase-env",
            "MOMO_TEST_PASS",
        ],
        &msg,
        &[("MOMO_TEST_PASS", "test-passphrase")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(r#""requestId":"fixture-curve""#));
    let missing = momo(
        &[
            "payroll",
            "decrypt",
            "--key",
            s(&key),
            "--passphrase-env",
            "MOMO_UNSET_VAR_X",
        ],
        &msg,
        &[],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("MOMO_UNSET_VAR_X"));
}

#[test]
fn sha1_bound_keys_need_the_flag_on_encrypt_and_decrypt() {
    let public = fixture("gpg-legacy.pub.asc");
    let secret = fixture("gpg-legacy.sec.asc");
    let no = momo(
        &["payroll", "encrypt", "--recipient", s(&public)],
        b"x",
        &[],
    );
    assert_eq!(no.status.code(), Some(1));
    let e = stderr(&no);
    assert!(
        e.contains("SHA-1") && e.contains("--allow-sha1-bindings"),
        "{e}"
    );

    let msg = std::fs::read(fixture("gpg-to-legacy.msg.asc")).unwrap();
    let no = momo(&["payroll", "decrypt", "--key", s(&secret)], &msg, &[]);
    assert_eq!(no.status.code(), Some(1));
    let e = stderr(&no);
    assert!(
        e.contains("SHA-1") && e.contains("--allow-sha1-bindings"),
        "{e}"
    );

    let yes = momo(
        &[
            "payroll",
            "decrypt",
            "--key",
            s(&secret),
            "--allow-sha1-bindings",
        ],
        &msg,
        &[],
    );
    assert!(yes.status.success(), "{}", stderr(&yes));
    assert!(stdout(&yes).contains("fixture-legacy"));
    let yes = momo(
        &[
            "payroll",
            "encrypt",
            "--recipient",
            s(&public),
            "--allow-sha1-bindings",
        ],
        b"x",
        &[],
    );
    assert!(yes.status.success(), "{}", stderr(&yes));
}

/// Starts the sandbox for a fresh key pair made by `momo payroll keygen`; returns the
/// sandbox, the connection flags' files and the directory.
async fn sandbox() -> (PayrollSandbox, PathBuf, PathBuf, PathBuf) {
    let dir = temp_dir("conn");
    let d2 = dir.clone();
    let o = tokio::task::spawn_blocking(move || {
        momo(&["payroll", "keygen", "--out", s(&d2)], b"", &[])
    })
    .await
    .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let public = std::fs::read_to_string(dir.join("public.asc")).unwrap();
    let sandbox = PayrollSandbox::builder(&public, "MOMOTEST")
        .start()
        .await
        .unwrap();
    let cert = dir.join("momo.asc");
    std::fs::write(&cert, sandbox.momo_cert()).unwrap();
    let key = dir.join("secret.asc");
    (sandbox, cert, key, dir)
}

async fn run_conn(sandbox: &PayrollSandbox, cert: &Path, key: &Path, head: Vec<String>) -> Output {
    let mut args = head;
    for a in [
        "--base-url",
        &sandbox.uri(),
        "--partner-code",
        "MOMOTEST",
        "--momo-cert",
        s(cert),
        "--partner-key",
        s(key),
    ] {
        args.push(a.to_owned());
    }
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        momo(&refs, b"", &[])
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_wallet_prints_the_code_and_exits_by_it() {
    let (sb, cert, key, dir) = sandbox().await;
    let ok = run_conn(
        &sb,
        &cert,
        &key,
        vec!["payroll".into(), "check-wallet".into(), "0903412001".into()],
    )
    .await;
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert_eq!(stdout(&ok).trim(), "resultCode=0 message=Success");
    let locked = run_conn(
        &sb,
        &cert,
        &key,
        vec![
            "payroll".into(),
            "check-wallet".into(),
            LOCKED_WALLET.into(),
        ],
    )
    .await;
    assert_eq!(locked.status.code(), Some(1));
    assert_eq!(
        stdout(&locked).trim(),
        "resultCode=1007 message=Wallet is locked"
    );
    let bad = run_conn(
        &sb,
        &cert,
        &key,
        vec!["payroll".into(), "check-wallet".into(), "12345".into()],
    )
    .await;
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("walletId"), "{}", stderr(&bad));
    assert_eq!(sb.requests("check-wallet").len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_prints_one_line_per_wallet() {
    let (sb, cert, key, dir) = sandbox().await;
    let input = dir.join("batch.json");
    std::fs::write(
        &input,
        format!(
            r#"{{"description":"Salary","walletIds":[
                {{"walletId":"0903412001","amount":10000000,"walletName":"Nguyen van B","persionalId":"023456789"}},
                {{"walletId":"{LOCKED_WALLET}","amount":5000}}]}}"#
        ),
    )
    .unwrap();
    let o = run_conn(
        &sb,
        &cert,
        &key,
        vec![
            "payroll".into(),
            "pay".into(),
            "--input".into(),
            s(&input).into(),
        ],
    )
    .await;
    assert_eq!(
        o.status.code(),
        Some(1),
        "a failed transfer makes the exit code 1: {}",
        stderr(&o)
    );
    let out = stdout(&o);
    let lines: Vec<Vec<&str>> = out.lines().map(|l| l.splitn(4, ' ').collect()).collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0][..2], ["0903412001", "0"]);
    assert!(
        lines[0][2].chars().all(|c| c.is_ascii_digit()),
        "paymentRef: {out}"
    );
    assert_eq!(lines[0][3], "Success");
    assert_eq!(lines[1][..2], [LOCKED_WALLET, "1007"]);
    // The sandbox saw the table's spelling, whatever the input file said.
    let pay = &sb.requests("pay")[0];
    assert_eq!(pay["walletIds"][0]["personalId"], "023456789");
    assert_eq!(pay["totalAmount"], 10_005_000);

    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"walletIds":[{"walletId":"0903412001","amount":0}]}"#,
    )
    .unwrap();
    let o = run_conn(
        &sb,
        &cert,
        &key,
        vec![
            "payroll".into(),
            "pay".into(),
            "--input".into(),
            s(&bad).into(),
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("walletIds[0].amount"), "{}", stderr(&o));
    assert_eq!(
        sb.requests("pay").len(),
        1,
        "an invalid batch is never sent"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_exit_2() {
    let o = momo(&["payroll", "check-wallet", "0903412001"], b"", &[]);
    assert_eq!(o.status.code(), Some(2));
}

/// What `fake_momo` received: `(op, decrypted request)` pairs.
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>>;

/// A fake MoMo over plain TCP (std only, one thread): decrypts each request with MoMo's
/// secret key, records it, and answers `answer(op, request)` encrypted to the partner.
/// Returns the base URL and the recorded requests.
fn fake_momo(
    momo_secret: &str,
    partner_public: &str,
    answer: impl Fn(&str, &serde_json::Value) -> serde_json::Value + Send + 'static,
) -> (String, Seen) {
    use momo_payroll::pgp::{DecryptionKey, KeyPolicy, RecipientCert};
    use std::io::{BufRead, BufReader, Read};
    let key =
        DecryptionKey::from_bytes(momo_secret.as_bytes(), None, KeyPolicy::standard()).unwrap();
    let partner =
        RecipientCert::from_bytes(partner_public.as_bytes(), KeyPolicy::standard()).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream);
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut length = 0usize;
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                if h.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = h.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap();
            let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
            let op = path.trim_start_matches("/api/payroll/").to_owned();
            let req: serde_json::Value =
                serde_json::from_slice(&key.decrypt(&body).unwrap()).unwrap();
            seen2.lock().unwrap().push((op.clone(), req.clone()));
            let plain = answer(&op, &req).to_string();
            let armored = partner.encrypt(plain.as_bytes()).unwrap();
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/pgp-encrypted\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{armored}",
                armored.len()
            );
        }
    });
    (base, seen)
}

/// Key files for `fake_momo`: (momo cert path, partner key path, momo secret, partner
/// public, dir).
fn fake_keys(tag: &str) -> (PathBuf, PathBuf, String, String, PathBuf) {
    use momo_core::ExposeSecret;
    let momo = momo_payroll::pgp::generate_test_key("MoMo <m@example.invalid>").unwrap();
    let partner = momo_payroll::pgp::generate_test_key("P <p@example.invalid>").unwrap();
    let dir = temp_dir(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("momo.asc");
    let key = dir.join("partner.sec.asc");
    std::fs::write(&cert, &momo.public).unwrap();
    std::fs::write(&key, partner.secret.expose_secret()).unwrap();
    (
        cert,
        key,
        momo.secret.expose_secret().to_owned(),
        partner.public,
        dir,
    )
}

fn conn_args(base: &str, cert: &Path, key: &Path) -> Vec<String> {
    [
        "--base-url",
        base,
        "--partner-code",
        "MOMOTEST",
        "--momo-cert",
        s(cert),
        "--partner-key",
        s(key),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect()
}

#[test]
fn check_wallet_output_stays_one_line_whatever_the_server_says() {
    let (cert, key, momo_secret, partner_public, dir) = fake_keys("oneline-cw");
    let (base, _) = fake_momo(&momo_secret, &partner_public, |_, req| {
        serde_json::json!({"requestId": req["requestId"], "resultCode": 1007,
            "message": "Wallet is locked\nresultCode=0 message=Success", "referenceId": "r"})
    });
    let mut args: Vec<String> = vec!["payroll".into(), "check-wallet".into(), "0903412001".into()];
    args.extend(conn_args(&base, &cert, &key));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = momo(&refs, b"", &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "resultCode=1007 message=Wallet is locked resultCode=0 message=Success\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pay_prints_the_batch_wallet_and_one_line_per_wallet_whatever_the_server_says() {
    let (cert, key, momo_secret, partner_public, dir) = fake_keys("oneline-pay");
    let (base, seen) = fake_momo(&momo_secret, &partner_public, |op, req| match op {
        "pay" => {
            serde_json::json!({"requestId": req["requestId"], "resultCode": 0, "message": "Success"})
        }
        _ => {
            serde_json::json!({"requestId": req["requestId"], "resultCode": 0, "message": "Success",
            "data": [{"walletId": "+84903412001", "amount": 5000, "amountAccepted": 5000,
                      "resultCode": "0", "paymentRef": "12 34\n0903412002 0 9 fake", "message": "paid\r\nextra line"}]})
        }
    });
    let input = dir.join("batch.json");
    std::fs::write(
        &input,
        r#"{"walletIds":[{"walletId":"0903412001","amount":5000}]}"#,
    )
    .unwrap();
    let mut args: Vec<String> = vec![
        "payroll".into(),
        "pay".into(),
        "--input".into(),
        s(&input).into(),
    ];
    args.extend(conn_args(&base, &cert, &key));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = momo(&refs, b"", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "0903412001 0 12_34_0903412002_0_9_fake paid  extra line\n"
    );
    let seen = seen.lock().unwrap();
    let ops: Vec<&str> = seen.iter().map(|(op, _)| op.as_str()).collect();
    assert_eq!(ops, ["pay", "status"]);
    assert_eq!(seen[1].1["checkRequestId"], seen[0].1["requestId"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_commands_take_the_sha1_flag_too() {
    // The partner key is the SHA-1-bound legacy fixture: check-wallet must refuse it
    // without --allow-sha1-bindings (naming SHA-1 and the flag) and work with it.
    let public = std::fs::read_to_string(fixture("gpg-legacy.pub.asc")).unwrap();
    let sb = PayrollSandbox::builder(&public, "MOMOTEST")
        .start()
        .await
        .unwrap();
    let dir = temp_dir("sha1-conn");
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("momo.asc");
    std::fs::write(&cert, sb.momo_cert()).unwrap();
    let key = fixture("gpg-legacy.sec.asc");
    let head =
        || -> Vec<String> { vec!["payroll".into(), "check-wallet".into(), "0903412001".into()] };
    let no = run_conn(&sb, &cert, &key, head()).await;
    assert_eq!(no.status.code(), Some(1));
    let e = stderr(&no);
    assert!(
        e.contains("SHA-1") && e.contains("--allow-sha1-bindings"),
        "{e}"
    );
    assert!(sb.requests("check-wallet").is_empty());
    let mut with_flag = head();
    with_flag.push("--allow-sha1-bindings".into());
    let yes = run_conn(&sb, &cert, &key, with_flag).await;
    assert_eq!(yes.status.code(), Some(0), "{}", stderr(&yes));
    assert_eq!(stdout(&yes).trim(), "resultCode=0 message=Success");
    let _ = std::fs::remove_dir_all(&dir);
}
