//! Writes N synthetic reference pages, for measuring derive at scale:
//! `cargo run --release --example synth_pages -- 1000 /tmp/pages`.
//!
//! Each page is the project's own fixture page with its resource renamed, so every page
//! derives to its own operation and resource.

use std::path::PathBuf;

const TEMPLATE: &str = include_str!("../tests/fixtures/mutation_base.md");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().ok_or("usage: synth_pages COUNT DIR")?.parse()?;
    let dir = PathBuf::from(args.next().ok_or("usage: synth_pages COUNT DIR")?);
    std::fs::create_dir_all(&dir)?;
    for i in 0..count {
        let name = format!("gizmo{i:05}");
        let page = TEMPLATE.replace("gizmo", &name).replace("Gizmo", &name);
        std::fs::write(dir.join(format!("{name}-update.md")), page)?;
    }
    println!("wrote {count} pages to {}", dir.display());
    Ok(())
}
