//! `ftpdoctor completions SHELL` and `ftpdoctor man [SUBCOMMAND]`: the shell completion
//! scripts (clap_complete) and the roff manual pages (clap_mangen), both written from the
//! same clap definition as the parser, so that they never fall behind a flag.
//!
//! One page per subcommand (`ftpdoctor-probe(1)`, ...): a single page would list the
//! subcommands but leave out their flags, which is where everything is.

use clap::{CommandFactory, ValueEnum};

use super::Cli;

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// bash (bash-completion).
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
}

/// The subcommands that have a page of their own, as `man NAME` takes them.
pub const PAGES: [&str; 6] = ["probe", "demo", "lab", "serve", "completions", "man"];

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    let name = "ftpdoctor";
    match shell {
        Shell::Bash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut command, name, &mut out)
        }
        Shell::Zsh => {
            clap_complete::generate(clap_complete::Shell::Zsh, &mut command, name, &mut out)
        }
        Shell::Fish => {
            clap_complete::generate(clap_complete::Shell::Fish, &mut command, name, &mut out)
        }
    }
    out
}

/// The roff page of `ftpdoctor` (None) or of one subcommand (`ftpdoctor-probe`).
pub fn man_page(subcommand: Option<&str>) -> std::io::Result<Vec<u8>> {
    let mut command = Cli::command();
    command.build();
    let page = match subcommand {
        None => command,
        Some(name) => {
            let Some(sub) = command.find_subcommand(name).cloned() else {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("no subcommand {name}"),
                ));
            };
            let full = format!("ftpdoctor-{name}");
            sub.name(full.clone())
                .bin_name(format!("ftpdoctor {name}"))
                .display_name(full)
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .date(MAN_DATE)
        .source(concat!("ftpdoctor ", env!("CARGO_PKG_VERSION")))
        .manual("ftpdoctor manual")
        .render(&mut out)?;
    Ok(out)
}

/// The pages' date: fixed, so that a package build is reproducible (no build clock).
const MAN_DATE: &str = "2026-12";
