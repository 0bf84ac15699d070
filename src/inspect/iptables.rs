//! `iptables-save` (and `ip6tables-save`) text: `*table`, `:CHAIN POLICY [p:b]`, `-A CHAIN
//! ...` rules, `COMMIT`; the line number of every rule is kept.

use super::firewall::{Action, Chain, Cond, HelperUse, Hook, Rule, Ruleset};
use super::model::{Loc, PortRange};

/// Parses iptables-save text read from `file`.
pub fn parse(file: &str, text: &str) -> Result<Ruleset, String> {
    let mut rs = Ruleset {
        kind: "iptables",
        file: file.to_string(),
        ..Ruleset::default()
    };
    let mut table = String::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        let loc = Loc::at(file, n + 1);
        if let Some(t) = line.strip_prefix('*') {
            table = t.to_string();
        } else if let Some(decl) = line.strip_prefix(':') {
            let mut parts = decl.split_whitespace();
            let name = parts.next().unwrap_or("");
            let policy = parts.next().unwrap_or("-");
            rs.chains.push(chain(&table, name, policy));
        } else if let Some(rest) = line.strip_prefix("-A ") {
            let words = split(rest);
            let Some((name, args)) = words.split_first() else {
                continue;
            };
            let key = format!("{table} {name}");
            let rule = rule(&table, args, loc, &mut rs);
            match rs.chains.iter_mut().find(|c| c.name == key) {
                Some(c) => c.rules.push(rule),
                None => {
                    return Err(format!(
                        "{file}:{}: rule for undeclared chain {name}",
                        n + 1
                    ));
                }
            }
        } else if !(line.is_empty() || line.starts_with('#') || line == "COMMIT") {
            return Err(format!(
                "{file}:{}: not iptables-save output: {:?}",
                n + 1,
                cut(line)
            ));
        }
    }
    if rs.chains.is_empty() {
        return Err(format!("{file}: no iptables-save tables in it"));
    }
    Ok(rs)
}

fn cut(line: &str) -> String {
    line.chars().take(60).collect()
}

fn chain(table: &str, name: &str, policy: &str) -> Chain {
    let hook = match name {
        "PREROUTING" => Some(Hook::Prerouting),
        "INPUT" => Some(Hook::Input),
        "FORWARD" => Some(Hook::Forward),
        "OUTPUT" | "POSTROUTING" => Some(Hook::Other),
        _ => None,
    };
    let priority = match table {
        "raw" => -300,
        "mangle" => -150,
        "nat" => -100,
        "security" => 50,
        _ => 0,
    };
    Chain {
        name: format!("{table} {name}"),
        hook: if table == "filter" || table == "nat" {
            hook
        } else {
            None
        },
        nat: table == "nat",
        priority,
        policy_drop: policy == "DROP",
        rules: Vec::new(),
    }
}

/// Words, with double-quoted ones (comments) kept whole.
fn split(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

fn ports(text: &str) -> Option<Vec<PortRange>> {
    text.split(',').map(PortRange::parse).collect()
}

fn rule(table: &str, args: &[String], loc: Loc, rs: &mut Ruleset) -> Rule {
    let mut conds = Vec::new();
    let mut action = Action::Continue;
    let mut neg = false;
    let mut i = 0;
    let next = |i: &mut usize| -> String {
        *i += 1;
        args.get(*i).cloned().unwrap_or_default()
    };
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "!" => {
                neg = true;
                i += 1;
                continue;
            }
            "-p" | "--protocol" => {
                let p = next(&mut i);
                conds.push(if (p == "tcp" || p == "6" || p == "all") != neg {
                    Cond::Always
                } else {
                    Cond::Never
                });
            }
            "--dport" | "--destination-port" | "--dports" | "--destination-ports" => {
                match ports(&next(&mut i)) {
                    Some(p) => conds.push(Cond::Dport(p, neg)),
                    None => conds.push(Cond::Unknown("a port list".into())),
                }
            }
            "--ctstate" | "--state" => {
                let states = next(&mut i)
                    .split(',')
                    .map(|s| s.to_ascii_lowercase())
                    .collect();
                conds.push(Cond::State(states, neg));
            }
            "-i" | "--in-interface" => {
                let lo = next(&mut i) == "lo";
                conds.push(if lo != neg { Cond::Never } else { Cond::Always });
            }
            "-s" | "--source" => {
                let s = next(&mut i);
                if s != "0.0.0.0/0" && s != "::/0" {
                    conds.push(Cond::Unknown(format!("the source address {s}")));
                }
            }
            "-d" | "--destination" | "-o" | "--out-interface" | "-m" | "--match" | "--comment" => {
                next(&mut i);
            }
            "--mark" | "--limit" | "--rcheck" | "--update" | "--hitcount" | "--seconds"
            | "--connlimit-above" | "--src-range" | "--match-set" => {
                conds.push(Cond::Unknown(format!("{a} (a mark, limit or recent list)")));
                next(&mut i);
            }
            "-j" | "-g" | "--jump" | "--goto" => {
                let target = next(&mut i);
                action = match target.as_str() {
                    "ACCEPT" => Action::Accept,
                    "DROP" | "REJECT" => Action::Drop,
                    "RETURN" => Action::Return,
                    "LOG" | "MARK" | "CONNMARK" | "NOTRACK" | "SNAT" | "MASQUERADE" | "CT"
                    | "TCPMSS" | "NFLOG" => Action::Continue,
                    "DNAT" => dnat(args),
                    chain if a == "-g" || a == "--goto" => Action::Goto(format!("{table} {chain}")),
                    chain => Action::Jump(format!("{table} {chain}")),
                };
                if target == "CT" {
                    helper(table, args, &loc, rs);
                }
            }
            _ => {}
        }
        neg = false;
        i += 1;
    }
    Rule { conds, action, loc }
}

fn dnat(args: &[String]) -> Action {
    let to = args
        .iter()
        .position(|a| a == "--to-destination")
        .and_then(|p| args.get(p + 1))
        .cloned()
        .unwrap_or_default();
    let (addr, port) = match to.rsplit_once(':') {
        Some((a, p)) if !a.contains(':') || a.ends_with(']') => (
            a.to_string(),
            p.split('-').next().and_then(|p| p.parse().ok()),
        ),
        _ => (to.clone(), None),
    };
    Action::Dnat(Some(addr), port)
}

fn helper(table: &str, args: &[String], loc: &Loc, rs: &mut Ruleset) {
    let Some(name) = args
        .iter()
        .position(|a| a == "--helper")
        .and_then(|p| args.get(p + 1))
    else {
        return;
    };
    let ftp = name == "ftp";
    let counts = ftp && table == "raw";
    let note = match (ftp, table == "raw") {
        (false, _) => format!("-j CT --helper {name} is not the FTP helper"),
        (true, false) => {
            format!("-j CT --helper ftp in the {table} table: the CT target works only in raw")
        }
        (true, true) => "-j CT --helper ftp".to_string(),
    };
    rs.helpers.push(HelperUse {
        loc: loc.clone(),
        counts,
        note,
    });
}
