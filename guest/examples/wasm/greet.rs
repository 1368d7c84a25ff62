// greet.rs: a WAGI function in Rust (wasm32-wasi): greets the name in the
// request body and counts its bytes.
//
//   rustc --target wasm32-wasi -O greet.rs -o greet.wasm
use std::io::{self, Read, Write};

fn main() {
    let mut body = String::new();
    io::stdin().read_to_string(&mut body).expect("stdin");
    let name = body.trim();
    let len = std::env::var("CONTENT_LENGTH").unwrap_or_default();
    let out = io::stdout();
    let mut out = out.lock();
    write!(out, "Content-Type: text/plain\n\n").unwrap();
    writeln!(out, "Hello, {}! ({} bytes, {} chars)", name, len,
             name.chars().count()).unwrap();
    eprintln!("greeted {}", name);
}
