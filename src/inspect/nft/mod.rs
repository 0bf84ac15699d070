//! `nft -j list ruleset` (libnftables-json(5)) read with typed serde structs that keep only
//! what the evaluator needs and ignore the rest. Named sets are resolved into port lists;
//! a set with timeouts, or a rule on marks, meters or limits, becomes `unknown`.
//!
//! JSON has no line numbers worth quoting, so a rule's location is `file:N`, N its place
//! (1-based) among the ruleset's objects.

use std::collections::HashMap;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::firewall::{Action, Chain, Cond, HelperUse, Hook, Rule, Ruleset};
use super::model::{Loc, PortRange};

/// One object of the ruleset; only one of these is present in each.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Object {
    chain: Option<ChainObj>,
    rule: Option<RuleObj>,
    set: Option<SetObj>,
    #[serde(rename = "ct helper")]
    ct_helper: Option<HelperObj>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChainObj {
    family: String,
    table: String,
    name: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    hook: Option<String>,
    prio: Option<i32>,
    policy: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RuleObj {
    family: String,
    table: String,
    chain: String,
    expr: Vec<Stmt>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SetObj {
    family: String,
    table: String,
    name: String,
    elem: Vec<Elem>,
    timeout: Option<IgnoredAny>,
    flags: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HelperObj {
    family: String,
    table: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
}

/// A statement: one key of many. Absent keys stay `None`; unknown ones are counted.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Stmt {
    #[serde(rename = "match")]
    matches: Option<Match>,
    #[serde(deserialize_with = "present")]
    accept: bool,
    #[serde(deserialize_with = "present")]
    drop: bool,
    #[serde(deserialize_with = "present")]
    reject: bool,
    #[serde(rename = "return")]
    #[serde(deserialize_with = "present")]
    ret: bool,
    jump: Option<Target>,
    goto: Option<Target>,
    dnat: Option<Nat>,
    #[serde(rename = "ct helper")]
    ct_helper: Option<Expr>,
    #[serde(deserialize_with = "present")]
    limit: bool,
    #[serde(deserialize_with = "present")]
    meter: bool,
    #[serde(deserialize_with = "present")]
    quota: bool,
    #[serde(deserialize_with = "present")]
    vmap: bool,
    #[serde(deserialize_with = "present")]
    xt: bool,
}

/// A key whose value does not matter (`"accept": null` has a null value): present or not.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Target {
    target: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Nat {
    addr: Option<Expr>,
    port: Option<Expr>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Match {
    op: Option<String>,
    left: Expr,
    right: Expr,
}

/// An expression: a number, a string, a list, or an object we look into.
#[derive(Deserialize)]
#[serde(untagged)]
enum Expr {
    Num(u64),
    Str(String),
    List(Vec<Elem>),
    Obj(ExprObj),
    Other(IgnoredAny),
}

impl Default for Expr {
    fn default() -> Expr {
        Expr::Other(IgnoredAny)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExprObj {
    payload: Option<Payload>,
    meta: Option<Key>,
    ct: Option<Key>,
    range: Option<Vec<Elem>>,
    set: Option<Vec<Elem>>,
    prefix: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Payload {
    protocol: String,
    field: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Key {
    key: String,
}

/// A set element or list item.
#[derive(Deserialize)]
#[serde(untagged)]
enum Elem {
    Num(u64),
    Str(String),
    Obj(ElemObj),
    Other(IgnoredAny),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ElemObj {
    range: Option<Vec<Elem>>,
    elem: Option<Box<ElemWrap>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ElemWrap {
    val: Option<Elem>,
    timeout: Option<IgnoredAny>,
    expires: Option<IgnoredAny>,
}

/// Why a ruleset could not be read.
pub type ReadError = String;

mod stream;

/// Parses `nft -j list ruleset` output read from `file`. The objects are read one at a
/// time and turned into the evaluator's model at once (nft lists a table's chains and sets
/// before its rules), so a 100,000-rule ruleset never sits in memory twice.
pub fn parse(file: &str, text: &str) -> Result<Ruleset, ReadError> {
    let mut builder = stream::Builder::new(file);
    let mut de = serde_json::Deserializer::from_str(text);
    serde::de::DeserializeSeed::deserialize(stream::TopSeed(&mut builder), &mut de)
        .and_then(|()| de.end())
        .map_err(|e| format!("not nft JSON (nft -j list ruleset): {e}"))?;
    Ok(builder.finish())
}

struct Ctx<'a> {
    family: &'a str,
    table: &'a str,
    sets: &'a HashMap<String, Option<Vec<PortRange>>>,
    helpers: &'a HashMap<String, String>,
}

fn chain(c: &ChainObj) -> Chain {
    let hook = c.hook.as_deref().map(|h| match h {
        "prerouting" => Hook::Prerouting,
        "input" => Hook::Input,
        "forward" => Hook::Forward,
        _ => Hook::Other,
    });
    Chain {
        name: format!("{} {} {}", c.family, c.table, c.name),
        hook,
        nat: c.kind.as_deref() == Some("nat"),
        priority: c.prio.unwrap_or(0),
        policy_drop: c.policy.as_deref() == Some("drop"),
        rules: Vec::new(),
    }
}

fn rule(ctx: &Ctx, stmts: &[Stmt], loc: Loc, prio: i32, rs: &mut Ruleset) -> Rule {
    let mut conds = Vec::new();
    let mut action = Action::Continue;
    for s in stmts {
        let target = |t: &Target| format!("{} {} {}", ctx.family, ctx.table, t.target);
        if let Some(m) = &s.matches {
            conds.push(cond(ctx, m));
        } else if s.accept {
            action = Action::Accept;
        } else if s.drop || s.reject {
            action = Action::Drop;
        } else if s.ret {
            action = Action::Return;
        } else if let Some(t) = &s.jump {
            action = Action::Jump(target(t));
        } else if let Some(t) = &s.goto {
            action = Action::Goto(target(t));
        } else if let Some(nat) = &s.dnat {
            let addr = match &nat.addr {
                Some(Expr::Str(a)) => Some(a.clone()),
                _ => None,
            };
            let port = match &nat.port {
                Some(Expr::Num(p)) => u16::try_from(*p).ok(),
                _ => None,
            };
            action = Action::Dnat(addr, port);
        } else if let Some(h) = &s.ct_helper {
            rs.helpers.push(helper(ctx, h, &loc, prio));
        } else if s.xt {
            rs.opaque.push(loc.clone());
            conds.push(Cond::Unknown(
                "an iptables-nft xt statement (read this table with iptables-save)".into(),
            ));
        } else if s.limit || s.meter || s.quota || s.vmap {
            conds.push(Cond::Unknown("a limit, meter, quota or verdict map".into()));
        }
    }
    Rule { conds, action, loc }
}

fn helper(ctx: &Ctx, h: &Expr, loc: &Loc, prio: i32) -> HelperUse {
    let name = match h {
        Expr::Str(s) => s.clone(),
        _ => String::new(),
    };
    let kind = ctx
        .helpers
        .get(&format!("{} {} {name}", ctx.family, ctx.table));
    let ftp = kind.is_none_or(|k| k == "ftp");
    let (counts, note) = match (ftp, prio <= -200) {
        (false, _) => (
            false,
            format!("ct helper set \"{name}\" is not an FTP helper"),
        ),
        (true, true) => (
            false,
            format!(
                "ct helper set \"{name}\" in a chain at priority {prio}: at -200 or lower conntrack has not run yet, so it does nothing"
            ),
        ),
        (true, false) => (true, format!("ct helper set \"{name}\"")),
    };
    HelperUse {
        loc: loc.clone(),
        counts,
        note,
    }
}

fn cond(ctx: &Ctx, m: &Match) -> Cond {
    let neg = m.op.as_deref() == Some("!=");
    match &m.left {
        Expr::Obj(ExprObj {
            payload: Some(p), ..
        }) if p.field == "dport" && p.protocol == "tcp" => match ports_of_expr(ctx, &m.right) {
            Some(ports) => Cond::Dport(ports, neg),
            None => Cond::Unknown(format!("a port set inspect cannot read ({})", p.field)),
        },
        Expr::Obj(ExprObj {
            payload: Some(p), ..
        }) if p.field == "dport" => Cond::Never,
        Expr::Obj(ExprObj {
            payload: Some(p), ..
        }) if p.field == "daddr" => Cond::Always,
        Expr::Obj(ExprObj {
            payload: Some(p), ..
        }) if p.field == "saddr" => Cond::Unknown("the source address".into()),
        Expr::Obj(ExprObj { meta: Some(k), .. })
            if k.key == "l4proto" || k.key == "nfproto" || k.key == "protocol" =>
        {
            let words = words(&m.right);
            Cond::from_bool(
                words.is_empty()
                    || words.iter().any(|w| {
                        w == "tcp"
                            || w == "ip"
                            || w == "ip6"
                            || w == "ipv4"
                            || w == "ipv6"
                            || w == "6"
                    }) != neg,
            )
        }
        Expr::Obj(ExprObj { meta: Some(k), .. }) if k.key == "iif" || k.key == "iifname" => {
            Cond::from_bool(words(&m.right).iter().any(|w| w == "lo") == neg)
        }
        Expr::Obj(ExprObj { meta: Some(k), .. }) if k.key == "oif" || k.key == "oifname" => {
            Cond::Always
        }
        Expr::Obj(ExprObj { ct: Some(k), .. }) if k.key == "state" => {
            Cond::State(words(&m.right), neg)
        }
        Expr::Obj(ExprObj { ct: Some(k), .. }) if k.key == "helper" => {
            Cond::Unknown("the connection's helper".into())
        }
        Expr::Obj(ExprObj { meta: Some(k), .. }) | Expr::Obj(ExprObj { ct: Some(k), .. }) => {
            Cond::Unknown(format!("{} (a mark, timeout or other key)", k.key))
        }
        _ => Cond::Unknown("an expression".into()),
    }
}

impl Cond {
    fn from_bool(b: bool) -> Cond {
        if b { Cond::Always } else { Cond::Never }
    }
}

fn words(e: &Expr) -> Vec<String> {
    match e {
        Expr::Str(s) => vec![s.clone()],
        Expr::Num(n) => vec![n.to_string()],
        Expr::List(l) => l
            .iter()
            .filter_map(|e| match e {
                Elem::Str(s) => Some(s.clone()),
                Elem::Num(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Expr::Obj(ExprObj { set: Some(l), .. }) => {
            words(&Expr::List(l.iter().map(elem_clone).collect()))
        }
        _ => Vec::new(),
    }
}

fn elem_clone(e: &Elem) -> Elem {
    match e {
        Elem::Num(n) => Elem::Num(*n),
        Elem::Str(s) => Elem::Str(s.clone()),
        _ => Elem::Other(IgnoredAny),
    }
}

fn ports_of_expr(ctx: &Ctx, e: &Expr) -> Option<Vec<PortRange>> {
    match e {
        Expr::Num(n) => Some(vec![PortRange::single(u16::try_from(*n).ok()?)]),
        Expr::Str(s) if s.starts_with('@') => ctx
            .sets
            .get(&format!("{} {} {}", ctx.family, ctx.table, &s[1..]))
            .cloned()
            .flatten(),
        Expr::Str(s) => PortRange::parse(s).map(|r| vec![r]),
        Expr::List(l) => ports_of(l),
        Expr::Obj(ExprObj { range: Some(r), .. }) => range_of(r).map(|r| vec![r]),
        Expr::Obj(ExprObj { set: Some(s), .. }) => ports_of(s),
        _ => None,
    }
}

fn port_of(e: &Elem) -> Option<u16> {
    match e {
        Elem::Num(n) => u16::try_from(*n).ok(),
        Elem::Str(s) => s.parse().ok(),
        _ => None,
    }
}

fn range_of(r: &[Elem]) -> Option<PortRange> {
    match r {
        [a, b] => PortRange::new(port_of(a)?, port_of(b)?),
        _ => None,
    }
}

/// Every element as a port range; `None` if one is not a port (or carries a timeout).
fn ports_of(elems: &[Elem]) -> Option<Vec<PortRange>> {
    elems
        .iter()
        .map(|e| match e {
            Elem::Obj(ElemObj { range: Some(r), .. }) => range_of(r),
            Elem::Obj(ElemObj { elem: Some(w), .. })
                if w.timeout.is_none() && w.expires.is_none() =>
            {
                w.val.as_ref().and_then(port_of).map(PortRange::single)
            }
            other => port_of(other).map(PortRange::single),
        })
        .collect()
}
