//! Fuzzes the URL parser and every masking path with arbitrary passwords and URLs.
//! Run: `cargo +nightly fuzz run url_masking` from the repository root (see docs/security.md).

#![no_main]

#[path = "../../tests/it/masking.rs"]
mod masking;

libfuzzer_sys::fuzz_target!(|data: &[u8]| masking::check(data));
