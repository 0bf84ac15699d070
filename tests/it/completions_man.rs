//! Black-box: `ftpdoctor completions bash|zsh|fish` and `ftpdoctor man [SUBCOMMAND]`,
//! each checked by the real tool that reads it: `bash -n` and sourcing (which must register
//! `complete -p ftpdoctor`), `zsh -n`, `fish --no-execute`, and `man --warnings -l`, which
//! must write nothing at all on stderr (it exits 0 even for a broken page). A missing tool
//! says SKIPPED; .ci/run installs zsh, fish and man-db before `cargo test`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::bin::Ftpdoctor;

/// The subcommands with a page of their own, and `None` for ftpdoctor(1).
const PAGES: [Option<&str>; 7] = [
    None,
    Some("probe"),
    Some("demo"),
    Some("lab"),
    Some("serve"),
    Some("completions"),
    Some("man"),
];

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn written(name: &str, args: &[&str]) -> PathBuf {
    let run = Ftpdoctor::new(args).run();
    assert_eq!(run.code, 0, "{}", run.shown);
    assert!(run.stderr.is_empty(), "{}", run.shown);
    assert!(!run.stdout.is_empty(), "{}", run.shown);
    let dir = std::env::temp_dir().join(format!("ftpdoctor-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(name);
    std::fs::write(&path, run.stdout).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn check(tool: &str, args: &[&str], file: &Path) -> std::process::Output {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn bash_completion_parses_and_registers_complete_for_ftpdoctor() {
    let script = written("ftpdoctor.bash", &["completions", "bash"]);
    check("bash", &["-n"], &script);
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && complete -p ftpdoctor",
            script.display()
        ))
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(shown.contains("ftpdoctor"), "{shown}");
}

#[test]
fn zsh_completion_parses() {
    if !have("zsh") {
        eprintln!("SKIPPED: zsh is not installed");
        return;
    }
    let script = written("_ftpdoctor", &["completions", "zsh"]);
    check("zsh", &["-n"], &script);
}

#[test]
fn fish_completion_parses() {
    if !have("fish") {
        eprintln!("SKIPPED: fish is not installed");
        return;
    }
    let script = written("ftpdoctor.fish", &["completions", "fish"]);
    check("fish", &["--no-execute"], &script);
}

#[test]
fn every_man_page_renders_without_a_single_warning() {
    if !have("man") {
        eprintln!("SKIPPED: man (man-db) is not installed");
        return;
    }
    for page in PAGES {
        let (name, args) = match page {
            None => ("ftpdoctor.1".to_string(), vec!["man"]),
            Some(sub) => (format!("ftpdoctor-{sub}.1"), vec!["man", sub]),
        };
        let file = written(&name, &args);
        for locale in ["C.UTF-8", "C"] {
            let out = Command::new("man")
                .args(["--warnings", "-l"])
                .arg(&file)
                .env("LC_ALL", locale)
                .env("MANWIDTH", "80")
                .env("MANPAGER", "cat")
                .env("PAGER", "cat")
                .output()
                .unwrap_or_else(|e| panic!("man: {e}"));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.is_empty(), "{name} ({locale}): {stderr}");
            let text = String::from_utf8_lossy(&out.stdout);
            let title = match page {
                None => "ftpdoctor".to_string(),
                Some(sub) => format!("ftpdoctor-{sub}"),
            };
            assert!(text.contains(&title), "{name}: {text}");
        }
    }
}

#[test]
fn a_subcommands_page_has_its_flags() {
    let run = Ftpdoctor::new(&["man", "probe"]).run();
    assert_eq!(run.code, 0, "{}", run.shown);
    for flag in ["\\-\\-modes", "\\-\\-deadline", "\\-\\-format"] {
        assert!(run.stdout.contains(flag), "{flag}: {}", run.shown);
    }
    let run = Ftpdoctor::new(&["man", "nosuch"]).run();
    assert_eq!(run.code, 2, "{}", run.shown);
}
