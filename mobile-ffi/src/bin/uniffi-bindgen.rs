//! `uniffi-bindgen`, pinned with the library: `cargo run -p panjiyan-ffi --features bindgen
//! --bin uniffi-bindgen -- generate --library target/debug/libpanjiyan_ffi.so --language kotlin
//! --out-dir OUT`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
