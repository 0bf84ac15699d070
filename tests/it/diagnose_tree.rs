//! diagnose's files import one another as a tree, never in a circle (src/diagnose/mod.rs):
//! shared pieces (`finding`, `words`, `catalogue`, `context`) at the bottom, the topic
//! files (`tls`, `nat`, `source`, ...) above them, `modes` above the topics it calls and
//! `mod.rs` on top. A circle is how a file ends up holding another topic's rule: the
//! rule moves where its helper is instead of the helper moving down.
//!
//! Each file is a node. A file depends on the files it declares (`mod x;`) and on every
//! file a `super::`/`crate::diagnose::` path of its code lands in. A name that a file
//! re-exports (`pub use finding::Finding`) lands in the file that defines it. Test-only
//! code is not checked, as in tests/it/layers.rs, whose path reader this shares.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::layers::{
    Sources, child_module, expand, paths, read_sources, resolve, sources, strip_test_code,
};

/// The module tree checked: every file under it.
const ROOT: &str = "diagnose";

/// How many re-exports a path may pass through before the reader gives up (a re-export
/// of a re-export of ...); far more than the code has.
const MAX_REEXPORT_HOPS: usize = 8;

/// Each file's module path → what its code names.
struct Files {
    /// module → the lines of its non-test code.
    code: BTreeMap<String, Vec<String>>,
    /// module → re-exported name → the absolute path it stands for.
    reexports: BTreeMap<String, BTreeMap<String, String>>,
}

fn in_root(module: &str) -> bool {
    module == ROOT || module.starts_with(&format!("{ROOT}::"))
}

/// The non-test files under [`ROOT`], with test-only code stripped.
fn files(sources: &Sources) -> Files {
    let mut test_only = Vec::new();
    let mut code: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (module, text) in sources.iter().filter(|(m, _)| in_root(m)) {
        let (kept, test_mods) = strip_test_code(text);
        test_only.extend(test_mods.iter().map(|m| child_module(module, m)));
        // `pub(in crate::diagnose)` is a visibility, not a use of mod.rs.
        let kept = kept
            .iter()
            .map(|l| without_restricted_visibility(l))
            .collect();
        code.insert(module.clone(), kept);
    }
    code.retain(|m, _| {
        !test_only
            .iter()
            .any(|t| m == t || m.starts_with(&format!("{t}::")))
    });
    let reexports = code
        .iter()
        .map(|(m, lines)| (m.clone(), reexports_of(m, lines)))
        .collect();
    Files { code, reexports }
}

fn without_restricted_visibility(line: &str) -> String {
    match line.find("pub(in ") {
        Some(at) => match line[at..].find(')') {
            Some(end) => format!("{}pub{}", &line[..at], &line[at + end + 1..]),
            None => line.to_string(),
        },
        None => line.to_string(),
    }
}

/// `pub use a::b::{C, D};` (any visibility) → C and D, as absolute paths.
fn reexports_of(module: &str, lines: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let code = lines.join("\n");
    for stmt in code.split(';') {
        let stmt = stmt.trim();
        let Some(tree) = stmt
            .strip_prefix("pub use ")
            .or_else(|| stmt.strip_prefix("pub(crate) use "))
            .or_else(|| stmt.strip_prefix("pub(super) use "))
        else {
            continue;
        };
        for path in expand(tree.trim()) {
            let absolute = if path.starts_with("crate::") || path.starts_with("super::") {
                resolve(&path, module)
            } else {
                Some(format!("{module}::{path}"))
            };
            let name = path.rsplit("::").next().unwrap_or_default().to_string();
            if let Some(absolute) = absolute {
                out.insert(name, absolute);
            }
        }
    }
    out
}

impl Files {
    /// The file an absolute path lands in: the longest module that prefixes it, or the
    /// file a re-exported name comes from.
    fn file_of(&self, path: &str) -> Option<String> {
        let mut path = path.to_string();
        for _ in 0..MAX_REEXPORT_HOPS {
            let node = self
                .code
                .keys()
                .filter(|m| path == **m || path.starts_with(&format!("{m}::")))
                .max_by_key(|m| m.len())?;
            let rest = path[node.len()..].trim_start_matches(':');
            let first = rest.split("::").next().unwrap_or_default();
            match self.reexports.get(node).and_then(|r| r.get(first)) {
                Some(source) if !first.is_empty() => path = source.clone(),
                _ => return Some(node.clone()),
            }
        }
        None
    }

    /// Every file each file depends on (itself left out).
    fn edges(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (module, lines) in &self.code {
            let deps = out.entry(module.clone()).or_default();
            for line in lines {
                let item = line.trim();
                let declared = item
                    .strip_prefix("mod ")
                    .or_else(|| item.strip_prefix("pub mod "))
                    .or_else(|| item.strip_prefix("pub(crate) mod "))
                    .and_then(|rest| rest.strip_suffix(';'));
                if let Some(name) = declared {
                    deps.insert(child_module(module, name.trim()));
                }
            }
            for path in paths(lines) {
                let Some(target) = resolve(&path, module).filter(|t| in_root(t)) else {
                    continue;
                };
                deps.extend(self.file_of(&target));
            }
            deps.remove(module);
        }
        out
    }
}

/// The first circle found, as `a -> b -> a`, if any.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<String> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<String> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut ring = stack[at..].to_vec();
            ring.push(node.to_string());
            return Some(ring.join(" -> "));
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, done, stack) {
                return Some(found);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|n| visit(n, edges, &mut done, &mut Vec::new()))
}

#[test]
fn diagnose_files_import_one_another_as_a_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = files(&read_sources(&root));
    assert!(
        files.code.len() > 15,
        "read only {} files",
        files.code.len()
    );
    let edges = files.edges();
    assert!(
        edges["diagnose"].contains("diagnose::modes"),
        "mod.rs declares modes: {edges:?}"
    );
    if let Some(ring) = circle(&edges) {
        panic!("diagnose's files import one another in a circle: {ring}");
    }
}

#[test]
fn a_rule_reaching_back_for_a_helper_of_the_file_that_calls_it_is_a_circle() {
    let files = files(&sources(&[
        ("diagnose", "mod modes;\nmod tls;\n"),
        (
            "diagnose::modes",
            "fn f() { super::tls::middlebox(); }\npub(super) struct Cx;\n",
        ),
        ("diagnose::tls", "use super::modes::Cx;\n"),
    ]));
    assert_eq!(
        circle(&files.edges()).as_deref(),
        Some("diagnose::modes -> diagnose::tls -> diagnose::modes")
    );
}

#[test]
fn a_name_re_exported_by_mod_rs_lands_in_the_file_that_defines_it() {
    let mod_rs = "mod finding;\nmod nat;\npub use finding::{Finding, FindingId};\n\
                  fn new_finding() {}\n";
    let files = files(&sources(&[
        ("diagnose", mod_rs),
        ("diagnose::finding", "pub struct Finding;\n"),
        (
            "diagnose::nat",
            "use super::{Finding, FindingId};\npub(in crate::diagnose) fn f() {}\n",
        ),
    ]));
    assert_eq!(circle(&files.edges()), None);
    // A helper mod.rs defines itself is mod.rs: its children reaching it close a circle.
    let files = files_with_nat(mod_rs, "use super::{Finding, new_finding};\n");
    assert_eq!(
        circle(&files.edges()).as_deref(),
        Some("diagnose -> diagnose::nat -> diagnose")
    );
}

fn files_with_nat(mod_rs: &str, nat: &str) -> Files {
    files(&sources(&[
        ("diagnose", mod_rs),
        ("diagnose::finding", "pub struct Finding;\n"),
        ("diagnose::nat", nat),
    ]))
}
