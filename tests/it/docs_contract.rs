//! The docs in docs/ are the contract a reader of the repository can follow: they must
//! stand alone (no reference to papers outside the repository) and match the binary.

use crate::common::bin::Ftpdoctor;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every text file under `dir`, recursively (binary files and caches are skipped).
fn text_files(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            text_files(&path, out);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.push((path, text));
        }
    }
}

#[test]
fn sources_tests_and_docs_cite_nothing_outside_the_repository() {
    // Spelled in pieces so that this file does not match itself.
    let needles = [
        ["SPEC", ".md"].concat(),
        ["FIELD", "-NOTES"].concat(),
        ["..", "/shared"].concat(),
    ];
    let mut files = Vec::new();
    for dir in ["src", "tests", "docs", "fixtures", "bench"] {
        text_files(&Path::new(ROOT).join(dir), &mut files);
    }
    let readme = Path::new(ROOT).join("README.md");
    if let Ok(text) = std::fs::read_to_string(&readme) {
        files.push((readme, text));
    }
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut offenders = Vec::new();
    for (path, text) in &files {
        for (n, line) in text.lines().enumerate() {
            if needles.iter().any(|needle| line.contains(needle.as_str())) {
                offenders.push(format!("{}:{}: {line}", path.display(), n + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "cite docs/ instead (docs/cli.md, docs/safety.md, docs/findings.md, \
         docs/field-notes.md, docs/report-schema.md):\n{}",
        offenders.join("\n")
    );
}

fn help(args: &[&str]) -> String {
    let run = Ftpdoctor::new(args).arg("--help").run();
    assert_eq!(run.code, 0, "{}", run.shown);
    run.stdout
}

/// The long flags a help text lists (`--help` and `--version` aside).
fn long_flags(help: &str) -> Vec<String> {
    help.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            match words.next()? {
                first if first.starts_with("--") => Some(first),
                // `-h, --help`
                first if first.len() == 3 && first.starts_with('-') && first.ends_with(',') => {
                    words.next().filter(|w| w.starts_with("--"))
                }
                _ => None,
            }
        })
        // `--transcript[=<HOW>]` (an optional value) and `--verbose...` (a count) are
        // documented by their names.
        .map(|flag| {
            let name = flag.split('[').next().unwrap_or(flag);
            name.trim_end_matches("...").to_string()
        })
        .filter(|flag| flag != "--help" && flag != "--version")
        .collect()
}

/// The subcommands `ftpdoctor --help` lists (`help` aside).
fn subcommands(help: &str) -> Vec<String> {
    help.split("Commands:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_subcommand_and_flag_is_documented() {
    let cli = std::fs::read_to_string(Path::new(ROOT).join("docs/cli.md"))
        .unwrap_or_else(|e| panic!("docs/cli.md: {e}"));
    let mut docs = Vec::new();
    text_files(&Path::new(ROOT).join("docs"), &mut docs);
    let all_docs: String = docs.into_iter().map(|(_, text)| text).collect();
    let commands = subcommands(&help(&[]));
    assert!(commands.len() >= 3, "{commands:?}");
    let mut missing = Vec::new();
    let mut seen = 0;
    for command in &commands {
        if !cli.contains(&format!("`ftpdoctor {command}"))
            && !cli.contains(&format!("## `{command}`"))
        {
            missing.push(format!("docs/cli.md: the command `ftpdoctor {command}`"));
        }
        let flags = long_flags(&help(&[command]));
        seen += flags.len();
        for flag in flags {
            // A flag's row in a table, or its first mention in prose: `--flag` or `--flag VALUE`.
            let documented = [format!("`{flag}`"), format!("`{flag} ")]
                .iter()
                .any(|form| all_docs.contains(form.as_str()));
            if !documented {
                missing.push(format!("docs/ (docs/cli.md): `{command} {flag}`"));
            }
        }
    }
    assert!(seen > 25, "read only {seen} flags from the help texts");
    assert!(
        missing.is_empty(),
        "not documented:\n{}",
        missing.join("\n")
    );
}

#[test]
fn safety_limits_table_matches_the_constants() {
    let safety = std::fs::read_to_string(Path::new(ROOT).join("docs/safety.md"))
        .unwrap_or_else(|e| panic!("docs/safety.md: {e}"));
    let limits = [
        ("MAX_LINE_LEN", ftpdoctor::proto::reply::MAX_LINE_LEN),
        ("MAX_REPLY_LINES", ftpdoctor::proto::reply::MAX_REPLY_LINES),
        ("MAX_REPLY_BYTES", ftpdoctor::proto::reply::MAX_REPLY_BYTES),
        (
            "MAX_TRANSCRIPT_BYTES",
            ftpdoctor::net::control::MAX_TRANSCRIPT_BYTES,
        ),
        (
            "MAX_SAMPLE_PORTS",
            usize::from(ftpdoctor::probe::MAX_SAMPLE_PORTS),
        ),
    ];
    for (name, value) in limits {
        let row = safety
            .lines()
            .find(|line| line.starts_with('|') && line.contains(name))
            .unwrap_or_else(|| panic!("docs/safety.md has no row for {name}"));
        let mut forms = vec![format!("| {value} "), format!("| {value} bytes")];
        if value % 1024 == 0 {
            forms.push(format!("| {} KiB", value / 1024));
        }
        if value % (1024 * 1024) == 0 {
            forms.push(format!("| {} MiB", value / (1024 * 1024)));
        }
        assert!(
            forms.iter().any(|form| row.contains(form.as_str())),
            "docs/safety.md says otherwise for {name} = {value}: {row}"
        );
    }
}
