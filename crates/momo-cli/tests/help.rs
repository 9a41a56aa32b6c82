//! `momo --help` and `momo --version`.

#![allow(clippy::expect_used)]

use std::process::Command;

fn momo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_momo"))
        .args(args)
        .output()
        .expect("run momo")
}

#[test]
fn help_lists_the_five_api_groups() {
    let out = momo(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for group in ["ec", "inapp", "bp", "payroll", "ecommpay"] {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(&format!("{group} "))),
            "group {group} missing from:\n{text}"
        );
    }
}

#[test]
fn version_prints_the_crate_version() {
    let out = momo(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("momo {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn unknown_command_is_a_usage_error() {
    let out = momo(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!out.stderr.is_empty());
}
