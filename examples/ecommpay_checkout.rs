//! A MoMo Wallet checkout through ecommpay: a signed Payment Page URL, a Gate sale,
//! both callbacks (intermediate redirect, final result) received and verified by a
//! small local HTTP receiver, and a status check.
//!
//! ```text
//! cargo run --example ecommpay_checkout
//! ```
//!
//! Without configuration it runs against the built-in sandbox
//! (`momo_sandbox::ecommpay`), which also sends the callbacks. Environment variables:
//!
//! | variable | meaning |
//! |---|---|
//! | `ECOMMPAY_PROJECT_ID` | your ecommpay project id; with `ECOMMPAY_SECRET`, runs against ecommpay itself |
//! | `ECOMMPAY_SECRET` | the project's secret key (never printed) |
//! | `ECOMMPAY_CALLBACK_URL` | optional: the public URL ecommpay should POST callbacks to (a tunnel to `ECOMMPAY_LISTEN`) |
//! | `ECOMMPAY_LISTEN` | optional: where the local callback receiver listens (default `127.0.0.1:0`) |
//!
//! Against ecommpay the sale is for 100,000 VND; the customer must finish the payment
//! in MoMo, and the example polls the status with the method's timings (first check
//! after 10 s, declined after 30 minutes). Callbacks are counted only if they reach the
//! local receiver.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use ecommpay_momopay::{
    Callback, Client, Config, Customer, PaymentStatus, PollOptions, Purchase, RedirectAction,
    ReturnUrls, SaleRequest, verify_callback,
};
use momo_core::{BaseUrl, Clock, ReqwestTransport, SecretString, SystemClock, Transport};
use momo_sandbox::ecommpay::{EcommpaySandbox, Outcome};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// What the receiver reports for each callback: the verified callback, or why not.
type Verdict = Result<Callback, String>;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run_flow().await {
        Ok(summary) => {
            println!("ecommpay checkout: ok ({summary})");
            std::process::ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("ecommpay checkout: FAILED {reason}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The whole flow: against ecommpay when `ECOMMPAY_PROJECT_ID` and `ECOMMPAY_SECRET`
/// are set, against the sandbox when neither is (only one of them is an error).
/// Returns a one-line summary.
pub async fn run_flow() -> Result<String, String> {
    match (
        std::env::var("ECOMMPAY_PROJECT_ID"),
        std::env::var("ECOMMPAY_SECRET"),
    ) {
        (Ok(id), Ok(secret)) => {
            let id = id
                .trim()
                .parse::<u64>()
                .map_err(|e| format!("ECOMMPAY_PROJECT_ID: {e}"))?;
            real(id, SecretString::from(secret)).await
        }
        (Err(_), Err(_)) => sandbox().await,
        // Half a configuration is a mistake, not a request for the sandbox.
        (Ok(_), Err(_)) => Err("ECOMMPAY_PROJECT_ID is set but ECOMMPAY_SECRET is not".into()),
        (Err(_), Ok(_)) => Err("ECOMMPAY_SECRET is set but ECOMMPAY_PROJECT_ID is not".into()),
    }
}

fn customer() -> Customer {
    Customer::new("customer123", "John", "Doe", "johndoe@example.com")
}

fn return_urls() -> ReturnUrls {
    ReturnUrls {
        success: "https://shop.example/ecommpay/success".into(),
        decline: "https://shop.example/ecommpay/decline".into(),
        return_url: "https://shop.example/cart".into(),
    }
}

/// A payment id unique enough for a demo run.
fn payment_id() -> String {
    format!("momo-sdk-{}", SystemClock.now().unix_timestamp_nanos())
}

fn sale(payment_id: &str, amount: u64, callback_url: Option<&str>) -> Result<SaleRequest, String> {
    let mut builder = SaleRequest::builder(
        payment_id,
        amount,
        customer(),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 0)),
        return_urls(),
    );
    if let Some(url) = callback_url {
        builder = builder.merchant_callback_url(url);
    }
    builder.build().map_err(|e| format!("sale request: {e}"))
}

async fn sandbox() -> Result<String, String> {
    let sandbox = EcommpaySandbox::start().await;
    let base = BaseUrl::parse(&sandbox.uri()).map_err(|e| e.to_string())?;
    let config = Config::new(sandbox.project_id(), sandbox.secret().clone())
        .with_gate_base_url(base.clone())
        .with_page_base_url(base);
    let client = Client::new(config).map_err(|e| e.to_string())?;
    let (callback_url, mut callbacks) =
        start_receiver("127.0.0.1:0", sandbox.secret().clone()).await?;
    let payment_id = payment_id();

    // 1. The Payment Page URL, opened on the sandbox's page (which checks the signature).
    let purchase = Purchase::builder(&payment_id, 150_000, customer())
        .description("Tea & cakes")
        .language_code("vi")
        .merchant_callback_url(&callback_url)
        .build()
        .map_err(|e| format!("purchase: {e}"))?;
    let url = client
        .payment_page_url(&purchase)
        .map_err(|e| e.to_string())?;
    let page = ReqwestTransport::new()
        .map_err(|e| e.to_string())?
        .send(
            momo_core::http::Request::get(url.as_str())
                .body(Vec::new())
                .map_err(|e| e.to_string())?,
        )
        .await
        .map_err(|e| format!("payment page: {e}"))?;
    if page.status() != 200 {
        return Err(format!("payment page answered {}", page.status()));
    }

    // 2. The Gate sale (acknowledged; the result comes by callback).
    client
        .sale(&sale(&payment_id, 150_000, Some(&callback_url))?)
        .await
        .map_err(|e| format!("sale: {e}"))?;

    // 3. The callbacks: redirect the customer, then the result.
    sandbox
        .send_redirect_callback(&payment_id, &callback_url)
        .await
        .map_err(|e| format!("redirect callback: {e}"))?;
    let redirect = next_callback(&mut callbacks).await?;
    let Callback::Redirect(redirect) = redirect else {
        return Err("the first callback was not the redirect".into());
    };
    // A web shop would now send the customer's browser on (here: a POST form).
    match redirect
        .redirect
        .action()
        .map_err(|e| format!("redirect: {e}"))?
    {
        RedirectAction::PostForm(html) if html.contains("<form") => {}
        RedirectAction::Get(_) => {}
        RedirectAction::PostForm(_) => return Err("redirect form is empty".into()),
    }
    sandbox
        .send_final_callback(&payment_id, Outcome::Success, &callback_url)
        .await
        .map_err(|e| format!("final callback: {e}"))?;
    let Callback::Final(result) = next_callback(&mut callbacks).await? else {
        return Err("the second callback was not final".into());
    };
    if result.status != PaymentStatus::Success {
        return Err(format!("final callback says {}", result.status));
    }

    // 4. The status, confirmed by Gate.
    let status = client
        .status(&payment_id)
        .await
        .map_err(|e| format!("status: {e}"))?;
    let status = status.payment_status().ok_or("status: no payment status")?;
    Ok(format!(
        "page url, sale, 2 callbacks verified, status {status}"
    ))
}

async fn real(project_id: u64, secret: SecretString) -> Result<String, String> {
    let listen = std::env::var("ECOMMPAY_LISTEN").unwrap_or_else(|_| "127.0.0.1:0".into());
    let callback_url = std::env::var("ECOMMPAY_CALLBACK_URL").ok();
    let (local_url, mut callbacks) = start_receiver(&listen, secret.clone()).await?;
    println!("callback receiver listening at {local_url}");
    let client = Client::new(Config::new(project_id, secret)).map_err(|e| e.to_string())?;
    let payment_id = payment_id();

    let mut purchase = Purchase::builder(&payment_id, 100_000, customer());
    if let Some(url) = &callback_url {
        purchase = purchase.merchant_callback_url(url);
    }
    let purchase = purchase.build().map_err(|e| format!("purchase: {e}"))?;
    let url = client
        .payment_page_url(&purchase)
        .map_err(|e| e.to_string())?;
    println!("Payment Page: {url}");

    let sale_id = format!("{payment_id}-gate");
    let started = SystemClock.now();
    let request = sale(&sale_id, 100_000, callback_url.as_deref())?;
    client
        .sale(&request)
        .await
        .map_err(|e| format!("sale: {e}"))?;
    println!("sale {sale_id} acknowledged; finish the payment in MoMo");

    let outcome = client
        .wait_for_final_status(&sale_id, started, PollOptions::default())
        .await
        .map_err(|e| format!("status: {e}"))?;
    let mut verified = 0;
    while let Ok(verdict) = callbacks.try_recv() {
        if verdict.is_ok() {
            verified += 1;
        }
    }
    Ok(format!(
        "page url, sale, {verified} callbacks verified, status {}",
        outcome.status()
    ))
}

/// Waits (at most 10 s) for the receiver's next verdict.
async fn next_callback(rx: &mut mpsc::UnboundedReceiver<Verdict>) -> Result<Callback, String> {
    match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
        Ok(Some(Ok(callback))) => Ok(callback),
        Ok(Some(Err(reason))) => Err(format!("callback refused: {reason}")),
        Ok(None) | Err(_) => Err("no callback arrived".into()),
    }
}

/// Starts the callback receiver on `addr`: a minimal HTTP/1.1 server that verifies each
/// POSTed body with `verify_callback`, answers 200 (or 400 when it does not verify)
/// and reports the verdict. Returns its URL.
async fn start_receiver(
    addr: &str,
    secret: SecretString,
) -> Result<(String, mpsc::UnboundedReceiver<Verdict>), String> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("callback receiver: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("callback receiver: {e}"))?;
    let (tx, rx) = mpsc::unbounded_channel();
    let secret = Arc::new(secret);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (tx, secret) = (tx.clone(), secret.clone());
            tokio::spawn(async move {
                if let Ok(verdict) = serve(stream, &secret).await {
                    let _ = tx.send(verdict);
                }
            });
        }
    });
    Ok((format!("http://{local}/ecommpay/callback"), rx))
}

/// Reads one request, verifies its body, answers.
async fn serve(mut stream: TcpStream, secret: &SecretString) -> std::io::Result<Verdict> {
    const LIMIT: usize = 1 << 20;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 || buf.len() > LIMIT {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(LIMIT);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = &buf[header_end..buf.len().min(header_end + length)];
    let verdict = verify_callback(secret, body).map_err(|e| e.to_string());
    let status = if verdict.is_ok() {
        "200 OK"
    } else {
        "400 Bad Request"
    };
    stream
        .write_all(
            format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    stream.shutdown().await?;
    Ok(verdict)
}
