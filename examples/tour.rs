//! The tour: every API flow of momo-sdk against the built-in sandbox (or the real
//! endpoints, where an API's documented environment variables are set).
//!
//! ```text
//! cargo run --example tour
//! ```
//!
//! Prints one line per API, `<crate>: ok (<what ran>)` or `<crate>: FAILED <reason>`,
//! and exits non-zero if any failed. Each API's flow lives in `examples/tour/<api>.rs`.
//! APIs whose crates have not landed yet (`momo-ec`, `momo-inapp`, `momo-bp`) have no
//! line.

use std::process::ExitCode;

#[path = "tour/ecommpay.rs"]
mod ecommpay;
#[path = "tour/payroll.rs"]
mod payroll;

/// What one API's flow reports: a summary of what ran, or why it failed.
type Outcome = Result<String, String>;

#[tokio::main]
async fn main() -> ExitCode {
    let flows: Vec<(&str, Outcome)> = vec![
        ("momo-payroll", payroll::run().await),
        ("ecommpay-momopay", ecommpay::run().await),
    ];
    let mut failed = false;
    for (name, outcome) in flows {
        match outcome {
            Ok(summary) => println!("{name}: ok ({summary})"),
            Err(reason) => {
                failed = true;
                println!("{name}: FAILED {reason}");
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
