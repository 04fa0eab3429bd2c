//! Reads instruction words (hex, one per line) on stdin and prints `<word> <pattern>` for
//! each: the decoder-coverage sweep against capstone drives this.

use std::io::{self, BufRead, BufWriter, Write};

fn main() -> io::Result<()> {
    let stdin = io::stdin();
    let mut out = BufWriter::new(io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line?;
        let text = line.trim().trim_start_matches("0x");
        if text.is_empty() {
            continue;
        }
        match u32::from_str_radix(text, 16) {
            Ok(word) => writeln!(out, "{word:08x} {}", bramble_decode::decode(word).name())?,
            Err(_) => writeln!(out, "{text} invalid-input")?,
        }
    }
    out.flush()
}
