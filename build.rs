//! Embeds the committed suite (`schemas/`, `cases/`) in the binary, so an installed binary
//! runs anywhere: writes `$OUT_DIR/embedded_suite.rs`, a list of (path, contents) pairs.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut entries = Vec::new();
    for dir in ["schemas", "cases"] {
        println!("cargo:rerun-if-changed={dir}");
        let Ok(read) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in read.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                entries.push((format!("{dir}/{name}"), entry.path()));
            }
        }
    }
    entries.sort();
    let mut code = String::from(
        "/// The committed suite, embedded at build time.\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for (name, path) in &entries {
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_suite.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
