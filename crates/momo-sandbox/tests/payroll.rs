//! The payroll simulator on its own: hand-written requests (raw JSON, encrypted with
//! sequoia directly), checking that it enforces the spec's fields and codes.
#![cfg(feature = "payroll")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use momo_sandbox::payroll::{PayrollSandbox, decrypt_with, encrypt_to, generate_partner_key};
use sequoia_openpgp::Cert;
use sequoia_openpgp::parse::Parse;
use serde_json::{Value, json};

struct Env {
    sandbox: PayrollSandbox,
    momo: Cert,
    partner_secret: Cert,
    http: reqwest::Client,
}

impl Env {
    async fn new() -> Env {
        let partner = generate_partner_key().unwrap();
        let sandbox = PayrollSandbox::builder(&partner.public, "MOMOTEST")
            .start()
            .await
            .unwrap();
        Env {
            momo: Cert::from_bytes(sandbox.momo_cert().as_bytes()).unwrap(),
            partner_secret: Cert::from_bytes(partner.secret.as_bytes()).unwrap(),
            sandbox,
            http: reqwest::Client::new(),
        }
    }

    async fn post_raw(
        &self,
        op: &str,
        content_type: &str,
        code: &str,
        body: Vec<u8>,
    ) -> (u16, Vec<u8>) {
        self.post_raw_accept(op, content_type, "application/pgp-encrypted", code, body)
            .await
    }

    async fn post_raw_accept(
        &self,
        op: &str,
        content_type: &str,
        accept: &str,
        code: &str,
        body: Vec<u8>,
    ) -> (u16, Vec<u8>) {
        let r = self
            .http
            .post(format!("{}/api/payroll/{op}", self.sandbox.uri()))
            .header("content-type", content_type)
            .header("accept", accept)
            .header("partner-code", code)
            .body(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
    }

    /// POSTs `body` encrypted to MoMo; returns the decrypted answer.
    async fn call_as(&self, op: &str, code: &str, body: Value) -> Value {
        let msg = encrypt_to(&self.momo, body.to_string().as_bytes()).unwrap();
        let (status, answer) = self
            .post_raw(op, "application/pgp-encrypted", code, msg.into_bytes())
            .await;
        assert_eq!(status, 200);
        serde_json::from_slice(&decrypt_with(&self.partner_secret, &answer).unwrap()).unwrap()
    }

    async fn call(&self, op: &str, body: Value) -> Value {
        self.call_as(op, "MOMOTEST", body).await
    }
}

fn pay_body(id: &str) -> Value {
    json!({
        "requestId": id,
        "walletIds": [
            {"walletId": "0903412001", "amount": 10000000, "walletName": "Nguyen van B", "personalId": "023456789", "description": "desc"},
            {"walletId": "0903412002", "amount": 12000000}
        ],
        "totalAmount": 22000000,
        "createdDate": "2017-03-06T19:20:30+07:00",
        "description": "test desc"
    })
}

#[tokio::test]
async fn a_spec_pay_is_executed_and_status_reports_string_codes() {
    let env = Env::new().await;
    let a = env.call("pay", pay_body("p1")).await;
    assert_eq!(a["resultCode"], 0, "{a}");
    assert_eq!(a["requestId"], "p1");
    let st = env
        .call("status", json!({"requestId": "s1", "checkRequestId": "p1"}))
        .await;
    assert_eq!(st["resultCode"], 0);
    assert_eq!(st["data"][0]["resultCode"], "0");
    assert_eq!(st["data"][1]["amountAccepted"], 12000000);
    // The example's spelling of the status request is accepted too.
    let st = env
        .call("status", json!({"requestId": "s2", "paymentId": "p1"}))
        .await;
    assert_eq!(st["resultCode"], 0);
    let day = env
        .call(
            "get-trans",
            json!({"requestId": "g1", "date": "2017-03-06"}),
        )
        .await;
    assert_eq!(day["data"][0]["requestId"], "p1");
    assert_eq!(env.sandbox.requests("pay"), vec![pay_body("p1")]);
    // Request ids are single-use on every operation, queries included.
    let again = env
        .call("status", json!({"requestId": "s1", "checkRequestId": "p1"}))
        .await;
    assert_eq!(again["resultCode"], 8, "{again}");
    let again = env
        .call(
            "check-wallet",
            json!({"requestId": "p1", "walletId": "0903412001"}),
        )
        .await;
    assert_eq!(again["resultCode"], 8, "{again}");
}

#[tokio::test]
async fn the_examples_misspellings_and_bad_values_are_refused() {
    let env = Env::new().await;
    let mut b = pay_body("p1");
    b["walletIds"][0]["persionalId"] = b["walletIds"][0]["personalId"].take();
    b["walletIds"][0]
        .as_object_mut()
        .unwrap()
        .remove("personalId");
    let a = env.call("pay", b).await;
    assert_eq!(a["resultCode"], 11);
    assert!(a["message"].as_str().unwrap().contains("persionalId"));

    let mut b = pay_body("p2");
    b["createDate"] = b["createdDate"].take();
    b.as_object_mut().unwrap().remove("createdDate");
    assert_eq!(env.call("pay", b).await["resultCode"], 11);

    let mut b = pay_body("p3");
    b["totalAmount"] = json!(40000000);
    assert_eq!(env.call("pay", b).await["resultCode"], 1001);

    let mut b = pay_body("p4");
    b["walletIds"][1]["amount"] = json!(1.5);
    assert_eq!(env.call("pay", b).await["resultCode"], 1001);

    let mut b = pay_body("p5");
    b["createdDate"] = json!("yyyy-MM-dd HH:mi:ss.ZZZ");
    assert_eq!(env.call("pay", b).await["resultCode"], 1004);

    assert_eq!(env.call("pay", pay_body("p6")).await["resultCode"], 0);
    assert_eq!(env.call("pay", pay_body("p6")).await["resultCode"], 8);
}

#[tokio::test]
async fn partner_code_content_type_and_encryption_are_checked() {
    let env = Env::new().await;
    let a = env
        .call_as(
            "check-wallet",
            "WRONG",
            json!({"requestId": "c1", "walletId": "0903412001"}),
        )
        .await;
    assert_eq!(a["resultCode"], 9);
    let (status, _) = env
        .post_raw(
            "check-wallet",
            "application/json",
            "MOMOTEST",
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(status, 415);
    let recorded = env.sandbox.requests("check-wallet").len();
    let msg = encrypt_to(
        &env.momo,
        json!({"requestId": "c0", "walletId": "0903412001"})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    let (status, _) = env
        .post_raw_accept(
            "check-wallet",
            "application/pgp-encrypted",
            "application/json",
            "MOMOTEST",
            msg.into_bytes(),
        )
        .await;
    assert_eq!(status, 406);
    assert_eq!(env.sandbox.requests("check-wallet").len(), recorded);
    let (status, answer) = env
        .post_raw(
            "check-wallet",
            "application/pgp-encrypted",
            "MOMOTEST",
            b"{\"requestId\":\"x\"}".to_vec(),
        )
        .await;
    assert_eq!(status, 200);
    let a: Value =
        serde_json::from_slice(&decrypt_with(&env.partner_secret, &answer).unwrap()).unwrap();
    assert_eq!(a["resultCode"], 2);
    // An OpenPGP message that is not encrypted (literal data only) is refused too.
    let literal = {
        use sequoia_openpgp::serialize::stream::{Armorer, LiteralWriter, Message};
        use std::io::Write;
        let mut sink = Vec::new();
        let m = Armorer::new(Message::new(&mut sink)).build().unwrap();
        let mut w = LiteralWriter::new(m).build().unwrap();
        w.write_all(br#"{"requestId":"plain","walletId":"0903412001"}"#)
            .unwrap();
        w.finalize().unwrap();
        sink
    };
    let (status, answer) = env
        .post_raw(
            "check-wallet",
            "application/pgp-encrypted",
            "MOMOTEST",
            literal,
        )
        .await;
    assert_eq!(status, 200);
    let a: Value =
        serde_json::from_slice(&decrypt_with(&env.partner_secret, &answer).unwrap()).unwrap();
    assert_eq!(a["resultCode"], 2, "{a}");
    let a = env
        .call(
            "check-wallet",
            json!({"requestId": "c2", "walletId": "12345"}),
        )
        .await;
    assert_eq!(a["resultCode"], 4);
}

#[tokio::test]
async fn check_password_is_enforced_when_configured() {
    let partner = generate_partner_key().unwrap();
    let sandbox = PayrollSandbox::builder(&partner.public, "MOMOTEST")
        .check_password("12345678")
        .start()
        .await
        .unwrap();
    let env = Env {
        momo: Cert::from_bytes(sandbox.momo_cert().as_bytes()).unwrap(),
        partner_secret: Cert::from_bytes(partner.secret.as_bytes()).unwrap(),
        sandbox,
        http: reqwest::Client::new(),
    };
    let a = env
        .call(
            "check-wallet",
            json!({"requestId": "c1", "walletId": "0903412001"}),
        )
        .await;
    assert_eq!(a["resultCode"], 1020);
    let a = env
        .call(
            "check-wallet",
            json!({"requestId": "c2", "walletId": "0903412001", "password": "12345678"}),
        )
        .await;
    assert_eq!(a["resultCode"], 0);
}
