//! One model for nftables and iptables rulesets, and the evaluator that asks it: is a new
//! TCP connection to port P accepted on its way in (input, or forward after a DNAT)? The
//! answer is accept, drop, or unknown (a rule on a mark, meter, limit or source address
//! the evaluator does not model might have decided it).

use super::model::{Loc, PortRange};

/// Where a base chain hooks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    /// Before routing (DNAT lives here).
    Prerouting,
    /// Packets for this host.
    Input,
    /// Packets routed through this host.
    Forward,
    /// Any other hook: never on an incoming data connection's path.
    Other,
}

/// A chain: a base chain has a hook and a policy.
#[derive(Debug, Clone)]
pub struct Chain {
    /// `family table chain` (nft) or `table CHAIN` (iptables): what jumps name.
    pub name: String,
    /// The hook, for a base chain.
    pub hook: Option<Hook>,
    /// Whether it is a nat chain (its rules DNAT, they do not filter).
    pub nat: bool,
    /// Priority (lower runs first).
    pub priority: i32,
    /// The policy drops (base chains).
    pub policy_drop: bool,
    /// Its rules, in order.
    pub rules: Vec<Rule>,
}

/// One rule: every condition must hold for the action to run.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The conditions.
    pub conds: Vec<Cond>,
    /// What it does.
    pub action: Action,
    /// Where it was read.
    pub loc: Loc,
}

/// A condition, as it bears on an incoming TCP connection.
#[derive(Debug, Clone)]
pub enum Cond {
    /// TCP destination port in (or, negated, not in) these ranges.
    Dport(Vec<PortRange>, bool),
    /// Conntrack state in (or not in) these (lower case: new, related, established, ...).
    State(Vec<String>, bool),
    /// Never true for an incoming TCP connection from outside (`iif lo`, `udp`).
    Never,
    /// True for it (`tcp`, the destination address, an outside interface name).
    Always,
    /// Something not modelled: a mark, meter, limit, source address, ...
    Unknown(String),
}

/// What a rule does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Accept (this chain's verdict).
    Accept,
    /// Drop or reject.
    Drop,
    /// Run another chain, then come back.
    Jump(String),
    /// Run another chain instead.
    Goto(String),
    /// Back to the caller.
    Return,
    /// No verdict (counter, log, a mark set, a helper assigned).
    Continue,
    /// Destination NAT to this address and port.
    Dnat(Option<String>, Option<u16>),
    /// A verdict the evaluator does not model (an iptables-nft `xt` target, ...).
    Unknown(String),
}

/// A `ct helper set` (nft) or `-j CT --helper` (iptables) found, and whether it works.
#[derive(Debug, Clone)]
pub struct HelperUse {
    /// Where.
    pub loc: Loc,
    /// Whether it assigns an FTP helper where the kernel will use it.
    pub counts: bool,
    /// What it is, or why it does not count.
    pub note: String,
}

/// A whole ruleset.
#[derive(Debug, Clone, Default)]
pub struct Ruleset {
    /// `nftables` or `iptables`.
    pub kind: &'static str,
    /// The file.
    pub file: String,
    /// Every chain.
    pub chains: Vec<Chain>,
    /// FTP helper assignments.
    pub helpers: Vec<HelperUse>,
    /// Rules the reader could not see into (iptables-nft `xt` statements).
    pub opaque: Vec<Loc>,
}

/// The fate of a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Accepted.
    Accept,
    /// Dropped, by this rule (or by a policy, `None`).
    Drop(Option<Loc>),
    /// Cannot tell, and why.
    Unknown(String),
}

/// How many rule visits one question may take: a 100,000-rule ruleset asked about a
/// 1,000-port range stays well inside, and a pathological one ends in `unknown`, not a hang.
pub const MAX_EVAL_STEPS: u64 = 50_000_000;
/// Jumps nest at most this deep (the kernel's own limit is 16).
const MAX_JUMP_DEPTH: usize = 16;

/// An incoming connection.
#[derive(Debug, Clone, Copy)]
struct Packet<'a> {
    port: u16,
    state: &'a str,
}

enum Out {
    Accept,
    Drop(Loc),
    Fall,
    Return,
    Unknown(String),
}

impl Ruleset {
    fn chain(&self, name: &str) -> Option<&Chain> {
        self.chains.iter().find(|c| c.name == name)
    }

    /// The DNAT a new connection to `port` meets before routing, if any: (rule, port after).
    pub fn dnat(&self, port: u16) -> Option<(Loc, String, u16)> {
        let pkt = Packet { port, state: "new" };
        let mut chains: Vec<&Chain> = self
            .chains
            .iter()
            .filter(|c| c.nat && c.hook == Some(Hook::Prerouting))
            .collect();
        chains.sort_by_key(|c| c.priority);
        for chain in chains {
            for rule in &chain.rules {
                if let Action::Dnat(addr, to) = &rule.action
                    && rule
                        .conds
                        .iter()
                        .all(|c| matches!(holds(c, pkt), Some(true)))
                {
                    let addr = addr.clone().unwrap_or_default();
                    return Some((rule.loc.clone(), addr, to.unwrap_or(port)));
                }
            }
        }
        None
    }

    /// The fate of a new (or `related`) connection to `port`, on its path: input, or
    /// forward when a DNAT sends it on. `steps` counts rule visits against [`MAX_EVAL_STEPS`].
    pub fn fate(&self, port: u16, state: &str, steps: &mut u64) -> Fate {
        let (hook, port) = match self.dnat(port) {
            Some((_, _, to)) => (Hook::Forward, to),
            None => (Hook::Input, port),
        };
        let mut chains: Vec<&Chain> = self
            .chains
            .iter()
            .filter(|c| !c.nat && c.hook == Some(hook))
            .collect();
        chains.sort_by_key(|c| c.priority);
        let pkt = Packet { port, state };
        for chain in chains {
            match self.run(chain, pkt, 0, steps) {
                Out::Accept => continue,
                Out::Drop(loc) if loc.line.is_none() => return Fate::Drop(None),
                Out::Drop(loc) => return Fate::Drop(Some(loc)),
                Out::Unknown(why) => return Fate::Unknown(why),
                Out::Fall | Out::Return if chain.policy_drop => return Fate::Drop(None),
                Out::Fall | Out::Return => continue,
            }
        }
        Fate::Accept
    }

    fn run(&self, chain: &Chain, pkt: Packet, depth: usize, steps: &mut u64) -> Out {
        // Outcomes of rules that may or may not have matched: the answer holds only if
        // the rest of the chain agrees with each.
        let mut maybe: Vec<(bool, String)> = Vec::new();
        for rule in &chain.rules {
            *steps += 1;
            if *steps > MAX_EVAL_STEPS {
                return Out::Unknown(format!(
                    "the ruleset is too large to evaluate (over {MAX_EVAL_STEPS} rule visits)"
                ));
            }
            let Some(unknown) = matches(rule, pkt) else {
                continue;
            };
            if let Some(Cond::Unknown(what)) = unknown {
                let why = format!(
                    "{} matches on {what}, which inspect does not model",
                    rule.loc
                );
                match rule.action {
                    Action::Accept => maybe.push((true, why)),
                    Action::Drop => maybe.push((false, why)),
                    Action::Continue | Action::Dnat(..) => {}
                    _ => return Out::Unknown(why),
                }
                continue;
            }
            let out = match &rule.action {
                Action::Accept => Out::Accept,
                Action::Drop => Out::Drop(rule.loc.clone()),
                Action::Return => Out::Return,
                Action::Continue | Action::Dnat(..) => continue,
                Action::Unknown(what) => Out::Unknown(format!("{}: {what}", rule.loc)),
                Action::Jump(target) | Action::Goto(target) => {
                    let Some(next) = self.chain(target).filter(|_| depth < MAX_JUMP_DEPTH) else {
                        return Out::Unknown(format!(
                            "{}: jump to {target}, which is missing or nests too deep",
                            rule.loc
                        ));
                    };
                    match self.run(next, pkt, depth + 1, steps) {
                        Out::Fall | Out::Return if matches!(rule.action, Action::Jump(_)) => {
                            continue;
                        }
                        Out::Fall | Out::Return => Out::Return,
                        other => other,
                    }
                }
            };
            return settle(out, &maybe);
        }
        // The end of the chain: a base chain's policy decides; a regular chain returns.
        let end = match (chain.hook.is_some(), chain.policy_drop) {
            (true, true) => Out::Drop(Loc::file(&chain.name)),
            (true, false) => Out::Accept,
            (false, _) => match maybe.first() {
                Some((_, why)) => Out::Unknown(why.clone()),
                None => Out::Fall,
            },
        };
        settle(end, &maybe)
    }
}

/// `Out::Accept` or `Out::Drop` unless a rule that may have matched disagrees.
fn settle(out: Out, maybe: &[(bool, String)]) -> Out {
    let accepted = match &out {
        Out::Accept => true,
        Out::Drop(_) => false,
        _ => return out,
    };
    match maybe.iter().find(|(acc, _)| *acc != accepted) {
        Some((_, why)) => Out::Unknown(why.clone()),
        None => out,
    }
}

/// Whether every condition of `rule` holds for `pkt`: `None` if one does not, else the
/// condition it cannot judge (if any).
fn matches<'r>(rule: &'r Rule, pkt: Packet) -> Option<Option<&'r Cond>> {
    let mut unknown = None;
    for cond in &rule.conds {
        match holds(cond, pkt) {
            Some(true) => {}
            Some(false) => return None,
            None => unknown = Some(cond),
        }
    }
    Some(unknown)
}

/// Whether `cond` holds for `pkt`; `None`: cannot tell.
fn holds(cond: &Cond, pkt: Packet) -> Option<bool> {
    match cond {
        Cond::Dport(ranges, neg) => Some(ranges.iter().any(|r| r.contains(pkt.port)) != *neg),
        Cond::State(states, neg) => Some(states.iter().any(|s| s == pkt.state) != *neg),
        Cond::Never => Some(false),
        Cond::Always => Some(true),
        Cond::Unknown(_) => None,
    }
}

/// The port ranges a ruleset treats alike inside `range`: split at every port any
/// condition names, so that one port stands for each piece.
pub fn pieces(ruleset: &Ruleset, range: PortRange) -> Vec<PortRange> {
    let mut cuts = vec![u32::from(range.lo), u32::from(range.hi) + 1];
    for cond in ruleset
        .chains
        .iter()
        .flat_map(|c| c.rules.iter().flat_map(|r| &r.conds))
    {
        if let Cond::Dport(ranges, _) = cond {
            for r in ranges {
                for cut in [u32::from(r.lo), u32::from(r.hi) + 1] {
                    if cut > u32::from(range.lo) && cut <= u32::from(range.hi) {
                        cuts.push(cut);
                    }
                }
            }
        }
    }
    for rule in ruleset.chains.iter().flat_map(|c| &c.rules) {
        if let Action::Dnat(_, Some(p)) = rule.action {
            let cut = u32::from(p);
            if cut > u32::from(range.lo) && cut <= u32::from(range.hi) {
                cuts.extend([cut, cut + 1]);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .filter_map(|w| PortRange::new(u16::try_from(w[0]).ok()?, u16::try_from(w[1] - 1).ok()?))
        .collect()
}
