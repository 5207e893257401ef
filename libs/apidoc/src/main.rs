//! Writes the API reference (Markdown) to the file given, or to standard output.

fn main() -> std::io::Result<()> {
    let reference = hl_apidoc::render(&hl_apidoc::api_descriptors());
    match std::env::args_os().nth(1) {
        Some(path) => std::fs::write(path, reference),
        None => {
            use std::io::Write;
            std::io::stdout().write_all(reference.as_bytes())
        }
    }
}
