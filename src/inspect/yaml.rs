//! YAML as a small tree with a line for every node, built from granit-parser's events (the
//! parser serde-saphyr already brings): compose and Kubernetes files are read from it.
//! Aliases are expanded against a node budget, so an alias bomb is an error, not a
//! gigabyte; and each scalar remembers whether it was plain (unquoted), for the YAML 1.1
//! base-60 trap, which a YAML 1.2 parser does not apply.

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

/// Most nodes a file may expand to, aliases included: the largest real compose or
/// Kubernetes file has a few thousand; a billion-laughs file needs millions.
pub const MAX_YAML_NODES: usize = 200_000;
/// Deepest nesting accepted: manifests nest about ten deep; the tree is walked recursively.
pub const MAX_YAML_DEPTH: usize = 64;

/// A YAML node and the line (1-based) it starts on.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A scalar: its text, whether it was plain (unquoted), its line.
    Scalar(String, bool, usize),
    /// A sequence.
    Seq(Vec<Node>, usize),
    /// A mapping, in order.
    Map(Vec<(Node, Node)>, usize),
}

impl Node {
    /// The line it starts on.
    pub fn line(&self) -> usize {
        match self {
            Node::Scalar(_, _, l) | Node::Seq(_, l) | Node::Map(_, l) => *l,
        }
    }

    /// A mapping's value for `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(pairs, _) => pairs
                .iter()
                .find(|(k, _)| k.str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A scalar's text.
    pub fn str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s, _, _) => Some(s),
            _ => None,
        }
    }

    /// A sequence's items (nothing for anything else).
    pub fn items(&self) -> &[Node] {
        match self {
            Node::Seq(items, _) => items,
            _ => &[],
        }
    }

    /// A mapping's pairs (nothing for anything else).
    pub fn pairs(&self) -> &[(Node, Node)] {
        match self {
            Node::Map(pairs, _) => pairs,
            _ => &[],
        }
    }

    fn size(&self) -> usize {
        match self {
            Node::Scalar(..) => 1,
            Node::Seq(items, _) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Node::Map(pairs, _) => {
                1 + pairs
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
        }
    }
}

enum Frame {
    Seq(Vec<Node>, usize, usize),
    Map(Vec<Node>, usize, usize),
}

/// Every document in `text`.
pub fn parse(text: &str) -> Result<Vec<Node>, String> {
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: Vec<(usize, Node)> = Vec::new();
    let mut budget = MAX_YAML_NODES;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| format!("not valid YAML: {e}"))?;
        let line = span.start.line();
        if stack.len() > MAX_YAML_DEPTH {
            return Err(format!("nested deeper than {MAX_YAML_DEPTH} levels"));
        }
        let (node, anchor) = match event {
            Event::Scalar(text, style, anchor, _) => (
                Node::Scalar(text.into_owned(), style == ScalarStyle::Plain, line),
                anchor,
            ),
            Event::SequenceStart(_, anchor, _) => {
                stack.push(Frame::Seq(Vec::new(), line, anchor));
                continue;
            }
            Event::MappingStart(_, anchor, _) => {
                stack.push(Frame::Map(Vec::new(), line, anchor));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items, l, a)) => (Node::Seq(items, l), a),
                Some(Frame::Map(flat, l, a)) => (Node::Map(pairs(flat), l), a),
                None => return Err("unbalanced YAML events".into()),
            },
            Event::Alias(id) => {
                let node = anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n.clone());
                let node = node.ok_or("an alias to an unknown anchor")?;
                budget = budget.checked_sub(node.size()).ok_or_else(|| {
                    format!("aliases expand to over {MAX_YAML_NODES} nodes (an alias bomb?)")
                })?;
                (node, 0)
            }
            _ => continue,
        };
        budget = budget
            .checked_sub(1)
            .ok_or_else(|| format!("over {MAX_YAML_NODES} nodes"))?;
        if anchor != 0 {
            anchors.push((anchor, node.clone()));
        }
        match stack.last_mut() {
            Some(Frame::Seq(items, _, _)) | Some(Frame::Map(items, _, _)) => items.push(node),
            None => docs.push(node),
        }
    }
    Ok(docs)
}

fn pairs(flat: Vec<Node>) -> Vec<(Node, Node)> {
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut it = flat.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    out
}

/// YAML 1.1's sexagesimal integer, `[1-9][0-9_]*(:[0-5]?[0-9])+`: its value, or `None`
/// when `text` is not one (`021:21` is not: a leading zero; `8080:80` is not: 80 > 59).
pub fn base60(text: &str) -> Option<u64> {
    let mut parts = text.split(':');
    let head = parts.next()?;
    let mut head_chars = head.chars();
    if !head_chars.next().is_some_and(|c| ('1'..='9').contains(&c))
        || !head_chars.all(|c| c.is_ascii_digit() || c == '_')
    {
        return None;
    }
    let mut value: u64 = head.replace('_', "").parse().ok()?;
    let mut any = false;
    for part in parts {
        let ok = (1..=2).contains(&part.len())
            && part.chars().all(|c| c.is_ascii_digit())
            && (part.len() == 1 || part.as_bytes()[0] <= b'5');
        if !ok {
            return None;
        }
        value = value.checked_mul(60)?.checked_add(part.parse().ok()?)?;
        any = true;
    }
    any.then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_base60_examples() {
        assert_eq!(base60("21:21"), Some(1281));
        assert_eq!(base60("2122:22"), Some(127342));
        assert_eq!(base60("021:21"), None);
        assert_eq!(base60("8080:80"), None);
        assert_eq!(base60("30000-30009:30000-30009"), None);
        assert_eq!(base60("1:2:3"), Some(3723));
        assert_eq!(base60("21"), None);
    }

    #[test]
    fn yaml_tree_keeps_lines_and_plainness() {
        let docs = parse("a:\n  - \"21:21\"\n  - 20:20\n").expect("yaml");
        let items = docs[0].get("a").expect("a").items();
        assert_eq!(items[0], Node::Scalar("21:21".into(), false, 2));
        assert_eq!(items[1], Node::Scalar("20:20".into(), true, 3));
    }

    #[test]
    fn yaml_alias_bomb_is_refused_quickly() {
        let mut text = String::from("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for i in 1..12 {
            let prev = (b'a' + i - 1) as char;
            let cur = (b'a' + i) as char;
            text.push_str(&format!("{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
        }
        let started = std::time::Instant::now();
        let err = parse(&text).expect_err("a bomb");
        assert!(err.contains("alias"), "{err}");
        assert!(started.elapsed().as_secs() < 5);
    }
}
