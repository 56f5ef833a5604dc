//! The crate's modules depend on each other one way: no module reaches, through `crate::`
//! paths, a module that reaches it back (the layering the `lib.rs` module doc describes).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Reads every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Maps each top-level module of `src/` to the top-level modules its files name as `crate::x`.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in sources(&src) {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = top.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let used = graph.entry(module.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let preceded = text[..at].chars().next_back();
            if preceded.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name: String = text[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                used.insert(name);
            }
        }
    }
    graph
}

/// Returns a path of modules from `from` back to `to`, if there is one.
fn path_back(
    graph: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    to: &str,
    seen: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if from == to {
        return Some(vec![to.to_string()]);
    }
    if !seen.insert(from.to_string()) {
        return None;
    }
    graph.get(from)?.iter().find_map(|next| {
        let mut path = path_back(graph, next, to, seen)?;
        path.insert(0, from.to_string());
        Some(path)
    })
}

#[test]
fn no_module_depends_on_a_module_that_depends_on_it() {
    let graph = dependencies();
    for (module, used) in &graph {
        for dependency in used {
            let back = path_back(&graph, dependency, module, &mut BTreeSet::new());
            assert!(
                back.is_none(),
                "{module} -> {}: an import cycle",
                back.unwrap_or_default().join(" -> ")
            );
        }
    }
}

#[test]
fn the_reader_sees_the_modules_it_judges() {
    let graph = dependencies();
    for module in [
        "model",
        "diagnostic",
        "span",
        "results",
        "baseline",
        "run",
        "failure",
    ] {
        assert!(graph.contains_key(module), "{module} is read");
    }
    assert!(
        graph["baseline"].contains("results"),
        "a dependency is seen"
    );
}
