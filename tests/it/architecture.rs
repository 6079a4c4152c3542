//! The folder tree is the architecture: these rules are checked on the source text, so a
//! change that imports upward fails CI with the file and the import named.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The top-level modules from the bottom layer up. A module may import only modules listed
/// before it. Front ends (tui, cli) come last; the daemon serves socket clients, so it sits
/// above the backend whose protocol it speaks.
const LAYERS: &[&str] = &[
    "clock",
    "secret",
    "excerpt",
    "store",
    "lightspeed",
    "sim",
    "mapping",
    "templates",
    "pool",
    "connections",
    "source",
    "frs",
    "config_file",
    "jobs",
    "engine",
    "backend",
    "daemon",
    "tui",
    "cli",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The file's text without its unit-test module (tests may reach anywhere to build fixtures).
fn without_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// Every `crate::<module>` path in the text (comments included: a doc link upward is an
/// upward dependency too).
fn crate_refs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
    }
    out
}

fn top_module(file: &Path) -> String {
    let rel = file.strip_prefix(src()).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn no_flat_cli_files_and_no_path_attributes() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut bad = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if f.parent() == Some(src().as_path()) && name.starts_with("cli_") {
            bad.push(format!("{}: CLI modules live under src/cli/", f.display()));
        }
        let text = std::fs::read_to_string(f).unwrap();
        if text.contains("#[path") {
            bad.push(format!(
                "{}: #[path] makes a file pose as a sub-module; move it into the folder",
                f.display()
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn no_module_imports_one_above_it() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let layer: BTreeMap<&str, usize> = LAYERS.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let mut bad = Vec::new();
    for f in &files {
        let top = top_module(f);
        if top == "lib" || top == "main" {
            continue;
        }
        let Some(&own) = layer.get(top.as_str()) else {
            bad.push(format!("{}: module {top} is not in LAYERS (tests/architecture.rs); add it where it belongs", f.display()));
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for r in crate_refs(without_tests(&text)) {
            if r == top {
                continue;
            }
            match layer.get(r.as_str()) {
                Some(&theirs) if theirs < own => {}
                Some(_) => bad.push(format!(
                    "{}: {top} imports crate::{r}, which is above it",
                    f.display()
                )),
                None => {}
            }
        }
    }
    bad.sort();
    bad.dedup();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_cli_is_used_only_by_itself_and_main() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut bad = Vec::new();
    for f in &files {
        let top = top_module(f);
        if top == "cli" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        if crate_refs(&text).iter().any(|r| r == "cli") {
            bad.push(f.display().to_string());
        }
    }
    assert!(
        bad.is_empty(),
        "crate::cli used outside src/cli/: {}",
        bad.join(", ")
    );
}

#[test]
fn the_engine_knows_neither_the_daemon_nor_the_backend() {
    let mut files = Vec::new();
    rust_files(&src().join("engine"), &mut files);
    rust_files(&src().join("daemon"), &mut files);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let refs = crate_refs(&text);
        let top = top_module(f);
        if top == "engine" {
            assert!(
                !refs.iter().any(|r| r == "daemon" || r == "backend"),
                "{} imports the daemon or the backend",
                f.display()
            );
        } else {
            assert!(
                !refs.iter().any(|r| r == "cli"),
                "{} imports the CLI",
                f.display()
            );
        }
    }
}
