//! Replays the committed fuzz corpus (fuzz/seeds/, crashers kept in fuzz/regressions/)
//! through the same checks the fuzz targets run, on stable, so CI checks every input the
//! fuzzers ever found interesting without needing nightly or libFuzzer.

#[path = "../../fuzz/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
    }
    files.sort();
    files
}

fn replay(target: &str, check: fn(&[u8])) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no corpus for {target} under fuzz/");
    for path in files {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "{target} check failed on {}",
            path.display()
        );
    }
}

#[test]
fn reply_parser_corpus_replays_clean() {
    replay("reply_parser", checks::reply_parser);
}

#[test]
fn passive_corpus_replays_clean() {
    replay("passive", checks::passive);
}
