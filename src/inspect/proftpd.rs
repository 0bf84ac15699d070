//! proftpd.conf: `Directive args` lines, `<Section>` blocks (`<Global>`, `<VirtualHost>`,
//! `<Limit>`, `<IfModule>`, ...) and `Include` of files, directories and globs, with the
//! file and line kept for every setting. Reading goes through [`Files`], so the parser is
//! tested on text in memory; an Include loop or a runaway tree is a problem, not a hang.

use super::directives::{PROFTPD, did_you_mean, known};
use super::model::{At, Loc, PortRange, ServerConfig, ServerKind, Unknown, numbered};

/// How deep Includes may nest: ProFTPD itself has no limit, but no real tree comes near it
/// and a loop that slips past the path check still ends here.
pub const MAX_INCLUDE_DEPTH: usize = 16;
/// How many files one configuration may pull in, in all.
pub const MAX_INCLUDED_FILES: usize = 512;

/// Where the parser gets an Include's text and a glob's files.
pub trait Files {
    /// The text of `path`, or why it cannot be read.
    fn read(&self, path: &str) -> Result<String, String>;
    /// The files an Include argument names: itself, a directory's files, or a glob's
    /// matches (sorted, as ProFTPD reads them).
    fn expand(&self, pattern: &str) -> Vec<String>;
}

struct Walk<'a> {
    files: &'a dyn Files,
    cfg: ServerConfig,
    stack: Vec<String>,
    count: usize,
    /// Open sections: (name lower case, args lower case).
    sections: Vec<(String, String)>,
    /// A `<Limit>` naming PASV or EPSV that is open, and where it began.
    passive_limit: Option<Loc>,
    reverse_dns_set: bool,
}

/// Parses the configuration whose main file is `file`, with text `text`.
pub fn parse(file: &str, text: &str, files: &dyn Files) -> ServerConfig {
    let mut walk = Walk {
        files,
        cfg: ServerConfig::new(ServerKind::Proftpd, file),
        stack: vec![file.to_string()],
        count: 1,
        sections: Vec::new(),
        passive_limit: None,
        reverse_dns_set: false,
    };
    walk.text(file, text);
    if !walk.reverse_dns_set && walk.cfg.reverse_dns.is_none() {
        walk.cfg.reverse_dns = Some(At::new(
            "UseReverseDNS is not set (ProFTPD's default is on)".into(),
            Loc::file(file),
        ));
    }
    walk.cfg
}

impl Walk<'_> {
    fn text(&mut self, file: &str, text: &str) {
        for (n, raw) in numbered(text) {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let loc = Loc::at(file, n);
            if let Some(section) = line.strip_prefix('<') {
                self.section(section.trim_end_matches('>'), loc);
                continue;
            }
            let (name, args) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            self.directive(name, args.trim(), file, loc);
        }
    }

    fn section(&mut self, section: &str, loc: Loc) {
        if let Some(closing) = section.strip_prefix('/') {
            let closing = closing.trim().to_ascii_lowercase();
            if let Some(pos) = self.sections.iter().rposition(|(name, _)| *name == closing) {
                self.sections.truncate(pos);
            }
            if closing == "limit" {
                self.passive_limit = None;
            }
            return;
        }
        let (name, args) = section
            .split_once(char::is_whitespace)
            .unwrap_or((section, ""));
        let (name, args) = (name.to_ascii_lowercase(), args.to_ascii_uppercase());
        if name == "limit" && args.split_whitespace().any(|c| c == "PASV" || c == "EPSV") {
            self.passive_limit = Some(loc);
        }
        self.sections.push((name, args.to_ascii_lowercase()));
    }

    fn in_section(&self, name: &str) -> bool {
        self.sections.iter().any(|(n, _)| n == name)
    }

    fn directive(&mut self, name: &str, args: &str, file: &str, loc: Loc) {
        let lower = name.to_ascii_lowercase();
        let first = args
            .split_whitespace()
            .next()
            .unwrap_or("")
            .trim_matches('"');
        let on = matches!(first.to_ascii_lowercase().as_str(), "on" | "yes" | "true");
        match lower.as_str() {
            "include" => self.include(first, file, loc),
            "passiveports" => {
                let mut ports = args.split_whitespace().map(|p| p.parse::<u16>().ok());
                match (ports.next().flatten(), ports.next().flatten()) {
                    (Some(lo), Some(hi)) if PortRange::new(lo, hi).is_some() => {
                        if self.cfg.range.is_none() || !self.in_section("virtualhost") {
                            self.cfg.range = PortRange::new(lo, hi).map(|r| At::new(r, loc));
                        }
                    }
                    _ => self.cfg.problems.push(At::new(
                        format!("PassivePorts needs two ports: {args:?}"),
                        loc,
                    )),
                }
            }
            "masqueradeaddress" => {
                self.cfg.public_address = Some(At::new(first.to_string(), loc));
            }
            "port" => self.cfg.listen_port = first.parse().ok().map(|p| At::new(p, loc)),
            "allowforeignaddress" if on || (!first.is_empty() && first != "off") => {
                self.cfg
                    .promiscuous
                    .push(At::new(format!("{name} {args}"), loc));
            }
            "usereversedns" | "identlookups" => {
                if lower == "usereversedns" {
                    self.reverse_dns_set = true;
                }
                if on {
                    self.cfg.reverse_dns = Some(At::new(format!("{name} {args}"), loc));
                } else if lower == "usereversedns" {
                    self.cfg.reverse_dns = None;
                }
            }
            "denyall" => {
                if let Some(limit) = self.passive_limit.clone() {
                    self.cfg.passive = Some(At::new(false, limit));
                }
            }
            // Inside <IfModule> a directive may come from a module inspect does not list.
            _ if !known(name, PROFTPD) && !self.in_section("ifmodule") => {
                if let Some(suggestion) = did_you_mean(name, PROFTPD) {
                    self.cfg.unknown.push(Unknown {
                        name: name.to_string(),
                        suggestion: Some(suggestion),
                        loc,
                    });
                }
            }
            _ => {}
        }
    }

    fn include(&mut self, pattern: &str, from: &str, loc: Loc) {
        let pattern = match pattern.starts_with('/') {
            true => pattern.to_string(),
            false => match from.rsplit_once('/') {
                Some((dir, _)) => format!("{dir}/{pattern}"),
                None => pattern.to_string(),
            },
        };
        for path in self.files.expand(&pattern) {
            if let Some(start) = self.stack.iter().position(|p| *p == path) {
                let chain = self.stack[start..].join(" -> ");
                self.cfg.problems.push(At::new(
                    format!("Include loop: {chain} -> {path}; ProFTPD never finishes reading it"),
                    loc.clone(),
                ));
                continue;
            }
            if self.stack.len() >= MAX_INCLUDE_DEPTH || self.count >= MAX_INCLUDED_FILES {
                self.cfg.problems.push(At::new(
                    format!("Includes nest deeper than {MAX_INCLUDE_DEPTH} or name over {MAX_INCLUDED_FILES} files; {path} not read"),
                    loc.clone(),
                ));
                return;
            }
            self.count += 1;
            match self.files.read(&path) {
                Ok(text) => {
                    self.stack.push(path.clone());
                    self.text(&path, &text);
                    self.stack.pop();
                }
                Err(why) => self
                    .cfg
                    .problems
                    .push(At::new(format!("Include {path}: {why}"), loc.clone())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Mem(BTreeMap<&'static str, &'static str>);
    impl Files for Mem {
        fn read(&self, path: &str) -> Result<String, String> {
            self.0
                .get(path)
                .map(|t| t.to_string())
                .ok_or_else(|| "no such file".into())
        }
        fn expand(&self, pattern: &str) -> Vec<String> {
            vec![pattern.to_string()]
        }
    }

    #[test]
    fn proftpd_include_keeps_the_included_files_line() {
        let files = Mem(BTreeMap::from([(
            "/e/p/ports.conf",
            "# x\nPassivePorts 30000 30099\n",
        )]));
        let cfg = parse(
            "/e/p/proftpd.conf",
            "ServerName x\nInclude ports.conf\nUseReverseDNS off\n",
            &files,
        );
        let range = cfg.range.expect("range");
        assert_eq!(range.loc, Loc::at("/e/p/ports.conf", 2));
        assert!(cfg.reverse_dns.is_none());
    }

    #[test]
    fn proftpd_include_loop_is_a_problem_not_a_hang() {
        let files = Mem(BTreeMap::from([
            ("/a.conf", "Include /b.conf\n"),
            ("/b.conf", "Include /a.conf\n"),
        ]));
        let cfg = parse("/a.conf", "Include /b.conf\n", &files);
        assert!(
            cfg.problems
                .iter()
                .any(|p| p.value.contains("Include loop")),
            "{:?}",
            cfg.problems
        );
    }

    #[test]
    fn proftpd_directives_inside_ifmodule_are_not_called_typos() {
        let text = "<IfModule mod_snmp.c>\n  SNMPEngine on\n</IfModule>\nSNMPEngine on\n";
        let cfg = parse("/p", text, &Mem(BTreeMap::new()));
        let lines: Vec<Option<usize>> = cfg.unknown.iter().map(|u| u.loc.line).collect();
        assert_eq!(lines, vec![Some(4)]);
    }

    #[test]
    fn proftpd_limit_pasv_denyall_turns_passive_off() {
        let cfg = parse(
            "/p",
            "<Global>\n  <Limit PASV EPSV>\n    DenyAll\n  </Limit>\n</Global>\n",
            &Mem(BTreeMap::new()),
        );
        assert_eq!(cfg.passive, Some(At::new(false, Loc::at("/p", 2))));
    }

    #[test]
    fn proftpd_masquerade_foreign_and_reverse_dns_default() {
        let cfg = parse(
            "/p",
            "<VirtualHost 10.0.0.2>\nMasqueradeAddress 203.0.113.9\nAllowForeignAddress on\n</VirtualHost>\nPassivePort 1 2\n",
            &Mem(BTreeMap::new()),
        );
        assert_eq!(
            cfg.public_address.map(|a| a.value),
            Some("203.0.113.9".into())
        );
        assert_eq!(cfg.promiscuous.len(), 1);
        assert_eq!(cfg.reverse_dns.map(|r| r.loc.line), Some(None));
        assert_eq!(cfg.unknown[0].suggestion.as_deref(), Some("passiveports"));
    }
}
