//! Layers point one way (src/lib.rs, "Layout"): every module under src/ may use only the
//! modules its row in [`LAYERS`] names. This reads each file's `crate::` and `super::`
//! paths (in `use` lines and inline) and fails on an edge the table does not allow, or
//! on a module the table does not know: a new module must declare its layer here.
//!
//! Test-only code (`#[cfg(test)]` modules and the files they name) is not checked: a
//! test may reach across, say to read the lab's certificate with the probe's parser.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Anything in the crate.
const ANY: &[&str] = &["*"];

/// Each module (a path under `crate::`) and the modules it may use besides itself. A
/// module belongs to the longest entry that is a prefix of its path, so
/// `probe::record` is its own layer inside `probe`.
const LAYERS: &[(&str, &[&str])] = &[
    // Leaves: nothing else in the crate.
    ("proto", &[]),
    ("addr", &[]),
    // How enum names and values are spelt on the wire; usable from every layer but the
    // two leaves above, which stay std-only.
    ("wire", &[]),
    // A TCP stream that may turn TLS: shared by the probe's side and the lab's.
    ("stream", &[]),
    // The event log of a probe's connections: net records into it, the records carry it.
    ("timeline", &["wire"]),
    ("target", &["proto", "wire"]),
    (
        "net",
        &[
            "proto",
            "stream",
            "timeline",
            "wire",
            "net::proxy::spec",
            "net::proxy::socks5",
            "net::proxy::http",
        ],
    ),
    // The proxy protocols as bytes, and the proxy URL: no I/O (the dialer in
    // `net::proxy` moves their bytes).
    ("net::proxy::spec", &["proto"]),
    ("net::proxy::socks5", &["net::proxy::spec"]),
    ("net::proxy::http", &["net::proxy::spec"]),
    // What a probe saw, as plain records.
    ("probe::record", &["proto", "addr", "wire", "timeline"]),
    // The login conversation as a machine: replies in, commands out, no I/O.
    ("probe::login", &["probe::record", "proto"]),
    // A passive mode's request and dials as a machine: replies in, dials out, no I/O.
    (
        "probe::data_mode",
        &["probe::record", "proto", "addr", "timeline"],
    ),
    (
        "probe",
        &[
            "probe::record",
            "probe::login",
            "probe::data_mode",
            "net",
            "proto",
            "addr",
            "target",
            "wire",
            "timeline",
        ],
    ),
    // proto: the pure parsing of reply texts the records quote (STAT, greetings); no I/O.
    ("diagnose", &["probe::record", "addr", "proto", "wire"]),
    // Renderers live inside report.
    (
        "report",
        &["diagnose", "probe::record", "addr", "wire", "timeline"],
    ),
    ("lab", &["proto", "stream"]),
    // One target from probe to report (and the --all-addresses fan-out): what run,
    // serve and demo share.
    ("pipeline", &["probe", "diagnose", "report", "wire"]),
    (
        "run",
        &["pipeline", "probe", "diagnose", "report", "target", "wire"],
    ),
    (
        "demo",
        &[
            "pipeline", "run", "lab", "probe", "report", "target", "wire",
        ],
    ),
    (
        "serve",
        &["pipeline", "probe", "diagnose", "report", "target", "wire"],
    ),
    // The server's side: files, not sockets. The catalogue from diagnose, address classes,
    // and the table printer's text helpers; never the probe or the network.
    ("inspect", &["diagnose", "addr", "report", "wire"]),
    // The command line builds every layer's configuration; main only calls it.
    ("cli", ANY),
    // Carries out the command line's action (runtime, signals, stdout); main calls it.
    ("exec", ANY),
    ("main", ANY),
];

/// Layers that stay pure: no async runtime, so they are tested with values, not sockets.
const NO_TOKIO: &[&str] = &[
    "proto",
    "net::proxy::spec",
    "net::proxy::socks5",
    "net::proxy::http",
    "addr",
    "wire",
    "timeline",
    "probe::record",
    "probe::login",
    "probe::data_mode",
    "diagnose",
    "report",
];

fn layer_of(module: &str) -> Option<&'static str> {
    LAYERS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| module == *name || module.starts_with(&format!("{name}::")))
        .max_by_key(|name| name.len())
}

fn allowed(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    LAYERS
        .iter()
        .find(|(name, _)| *name == from)
        .is_some_and(|(_, deps)| deps.contains(&"*") || deps.contains(&to))
}

/// `src/probe/record/data.rs` → `probe::record::data`; `src/net/mod.rs` → `net`.
fn module_path(rel: &Path) -> String {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// The module a `mod name;` in `file` (whose module is `module`) loads: sibling files
/// for `mod.rs`/`lib.rs`/`main.rs`, a subdirectory otherwise.
pub(crate) fn child_module(module: &str, name: &str) -> String {
    if module.is_empty() || module == "lib" || module == "main" {
        name.to_string()
    } else {
        format!("{module}::{name}")
    }
}

/// The source with test-only inline modules removed, and the names of test-only
/// `mod name;` declarations (their files are skipped).
pub(crate) fn strip_test_code(source: &str) -> (Vec<String>, Vec<String>) {
    let mut kept = Vec::new();
    let mut test_mods = Vec::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() != "#[cfg(test)]" {
            kept.push(line.to_string());
            continue;
        }
        let Some(item) = lines.next() else { break };
        let item_trim = item.trim();
        if let Some(name) = item_trim
            .strip_prefix("mod ")
            .or_else(|| item_trim.strip_prefix("pub mod "))
            .and_then(|rest| rest.strip_suffix(';'))
        {
            test_mods.push(name.trim().to_string());
            continue;
        }
        // An inline item: skip to its closing brace (or its `;`).
        let mut depth = brace_delta(item);
        if depth == 0 && item_trim.ends_with(';') {
            continue;
        }
        for inner in lines.by_ref() {
            depth += brace_delta(inner);
            if depth <= 0 {
                break;
            }
        }
    }
    (kept, test_mods)
}

fn brace_delta(line: &str) -> i32 {
    let code = code_part(line);
    code.matches('{').count() as i32 - code.matches('}').count() as i32
}

/// The line without a trailing `//` comment (one outside a string literal).
fn code_part(line: &str) -> &str {
    let mut in_str = false;
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b'/' if !in_str && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
        i += 1;
    }
    line
}

/// Every path the code names that starts with `crate::` or `super::`, with `use`
/// groups (`crate::{a::X, b::Y}`) expanded, as written (`super` not yet resolved).
pub(crate) fn paths(lines: &[String]) -> Vec<String> {
    let code: String = lines
        .iter()
        .map(|l| code_part(l))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(pos) = code[from..].find(start) {
            let at = from + pos;
            from = at + start.len();
            // Not the tail of a longer name (`my_crate::`), nor `$crate::` in a macro.
            let before = at.checked_sub(1).map(|i| bytes[i]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$') {
                continue;
            }
            // A path continuing `super::super::` is read from its first `super`.
            if start == "super::" && code[..at].ends_with("super::") {
                continue;
            }
            out.extend(expand(&code[at..]));
        }
    }
    out
}

/// The paths of the use tree at the start of `text`: `a::b::{c, d::{e}}` → `a::b::c`,
/// `a::b::d::e`.
pub(crate) fn expand(text: &str) -> Vec<String> {
    let mut prefix = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
            prefix.push(c);
            chars.next();
        } else if c == '{' && prefix.ends_with("::") {
            let inner = &text[i + 1..];
            let Some(end) = matching_brace(inner) else {
                return vec![prefix];
            };
            return split_top_level(&inner[..end])
                .into_iter()
                .flat_map(|item| expand(item.trim()))
                .map(|tail| format!("{prefix}{tail}"))
                .collect();
        } else {
            break;
        }
    }
    vec![prefix.trim_end_matches(':').to_string()]
}

fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn split_top_level(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

/// `super::…` read from `module` (the file's module; `file_is_mod` for `mod.rs`-like
/// files, whose `super` is their parent all the same) → the absolute path.
pub(crate) fn resolve(path: &str, module: &str) -> Option<String> {
    if let Some(rest) = path.strip_prefix("crate::") {
        return Some(rest.to_string());
    }
    let mut base: Vec<&str> = module.split("::").collect();
    let mut rest = path;
    while let Some(tail) = rest.strip_prefix("super::") {
        base.pop()?;
        rest = tail;
    }
    if rest == "super" {
        base.pop()?;
        rest = "";
    }
    let mut all: Vec<&str> = base;
    all.extend(rest.split("::").filter(|s| !s.is_empty() && *s != "self"));
    Some(all.join("::"))
}

/// The modules' sources: module path → file text.
pub(crate) type Sources = BTreeMap<String, String>;

/// Every forbidden edge and undeclared module, one message each.
fn check(sources: &Sources) -> Vec<String> {
    let mut problems = Vec::new();
    let mut test_only: Vec<String> = Vec::new();
    let mut stripped: BTreeMap<&String, Vec<String>> = BTreeMap::new();
    for (module, text) in sources {
        let (kept, test_mods) = strip_test_code(text);
        test_only.extend(test_mods.iter().map(|m| child_module(module, m)));
        stripped.insert(module, kept);
    }
    for (module, kept) in stripped {
        if module == "lib"
            || test_only
                .iter()
                .any(|t| module == t || module.starts_with(&format!("{t}::")))
        {
            continue;
        }
        let Some(from) = layer_of(module) else {
            problems.push(format!(
                "module `{module}` has no layer: declare it in tests/it/layers.rs LAYERS \
                 (and in src/lib.rs's Layout) with the modules it may use"
            ));
            continue;
        };
        if NO_TOKIO.contains(&from) && kept.iter().any(|line| mentions_tokio(line)) {
            problems.push(format!(
                "`{module}` uses tokio: layer `{from}` has no I/O and no async runtime"
            ));
        }
        for path in paths(&kept) {
            let Some(target) = resolve(&path, module) else {
                continue;
            };
            // `crate::wire_enum!` and other crate-root macros resolve to a name, not a module.
            let Some(to) = layer_of(&target) else {
                continue;
            };
            if !allowed(from, to) {
                problems.push(format!(
                    "`{module}` uses `{path}`: layer `{from}` may not depend on `{to}`"
                ));
            }
        }
    }
    problems
}

/// `tokio` as a path in code (not inside a comment).
fn mentions_tokio(line: &str) -> bool {
    let code = line.split("//").next().unwrap_or_default();
    code.contains("tokio::") || code.trim_start().starts_with("use tokio")
}

pub(crate) fn read_sources(root: &Path) -> Sources {
    let mut out = Sources::new();
    let mut stack: Vec<PathBuf> = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.insert(module_path(rel), text);
            }
        }
    }
    out
}

#[test]
fn every_import_in_src_points_down_the_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let sources = read_sources(&root);
    assert!(sources.len() > 20, "read only {} files", sources.len());
    let problems = check(&sources);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

pub(crate) fn sources(files: &[(&str, &str)]) -> Sources {
    files
        .iter()
        .map(|(m, t)| (m.to_string(), t.to_string()))
        .collect()
}

#[test]
fn diagnose_importing_net_through_a_use_group_is_refused() {
    let problems = check(&sources(&[(
        "diagnose::control",
        "use crate::{addr::AddrClass, net::resolve::QueryOutcome};\n",
    )]));
    assert_eq!(
        problems,
        [
            "`diagnose::control` uses `crate::net::resolve::QueryOutcome`: layer `diagnose` may not depend on `net`"
        ]
    );
}

#[test]
fn record_reaching_up_into_the_probe_through_super_is_refused() {
    let problems = check(&sources(&[
        (
            "probe::record",
            "use super::ProbeConfig;\nuse crate::wire::ms;\n",
        ),
        ("probe::record::data", "use super::Stage;\n"),
    ]));
    assert_eq!(
        problems,
        [
            "`probe::record` uses `super::ProbeConfig`: layer `probe::record` may not depend on `probe`"
        ]
    );
}

#[test]
fn an_undeclared_module_must_declare_its_layer() {
    let problems = check(&sources(&[("metrics", "use crate::report::Report;\n")]));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("declare it in tests/it/layers.rs"),
        "{problems:?}"
    );
}

#[test]
fn report_using_tokio_is_refused() {
    let problems = check(&sources(&[(
        "report::html",
        "use tokio::io::AsyncWriteExt; // a renderer writes to io::Write\n",
    )]));
    assert_eq!(
        problems,
        ["`report::html` uses tokio: layer `report` has no I/O and no async runtime"]
    );
}

#[test]
fn test_code_and_comments_are_not_checked() {
    let lab = "//! Uses crate::probe in a comment only.\n\
               use crate::proto::Reply; // not crate::net\n\
               #[cfg(test)]\n\
               mod tests {\n    use crate::net::CertInfo;\n    fn f() { if true { } }\n}\n\
               #[cfg(test)]\n\
               mod more;\n";
    let problems = check(&sources(&[
        ("lab::tls", lab),
        ("lab::tls::more", "use crate::probe::probe;\n"),
    ]));
    assert_eq!(problems, Vec::<String>::new());
    let after = format!("{lab}use crate::net::dial;\n");
    let problems = check(&sources(&[("lab::tls", &after)]));
    assert_eq!(
        problems,
        ["`lab::tls` uses `crate::net::dial`: layer `lab` may not depend on `net`"]
    );
}
