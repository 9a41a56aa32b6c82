//! HMAC signing and constant-time verification throughput.
//!
//! `cargo bench -p momo-core --bench sign`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use momo_core::sign;
use std::hint::black_box;

fn bench_sign(c: &mut Criterion) {
    let key = b"0123456789abcdef0123456789abcdef";
    // A typical MoMo raw signature string is a few hundred bytes.
    let message = "accessKey=F8BBA842ECF85&amount=50000&extraData=&ipnUrl=https://example.com/ipn&orderId=MM1540456472575&orderInfo=SDK team.&partnerCode=MOMO&redirectUrl=https://example.com/return&requestId=MM1540456472575&requestType=captureWallet".repeat(2);
    let message = message.as_bytes();
    let sig256 = sign::hmac_sha256_hex(key, message);
    let sig512 = sign::hmac_sha512_base64(key, message);

    let mut g = c.benchmark_group("hmac");
    g.throughput(Throughput::Bytes(message.len() as u64));
    g.bench_function("sha256_hex", |b| {
        b.iter(|| sign::hmac_sha256_hex(black_box(key), black_box(message)))
    });
    g.bench_function("sha512_base64", |b| {
        b.iter(|| sign::hmac_sha512_base64(black_box(key), black_box(message)))
    });
    g.bench_function("verify_sha256_hex", |b| {
        b.iter(|| sign::verify_hmac_sha256_hex(black_box(key), black_box(message), &sig256))
    });
    g.bench_function("verify_sha512_base64", |b| {
        b.iter(|| sign::verify_hmac_sha512_base64(black_box(key), black_box(message), &sig512))
    });
    g.finish();
}

criterion_group!(benches, bench_sign);
criterion_main!(benches);
