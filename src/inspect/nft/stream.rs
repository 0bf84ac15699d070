//! Reading `{"nftables": [...]}` one object at a time: each is turned into the model and
//! dropped before the next is read.

use std::collections::HashMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::super::firewall::Ruleset;
use super::super::model::{Loc, PortRange};
use super::{Ctx, Object, chain, ports_of, rule};

/// The ruleset so far, and what later rules refer to.
pub(super) struct Builder {
    ruleset: Ruleset,
    sets: HashMap<String, Option<Vec<PortRange>>>,
    helpers: HashMap<String, String>,
    /// Objects read so far: a rule's location is its place.
    count: usize,
}

impl Builder {
    pub(super) fn new(file: &str) -> Builder {
        Builder {
            ruleset: Ruleset {
                kind: "nftables",
                file: file.to_string(),
                ..Ruleset::default()
            },
            sets: HashMap::new(),
            helpers: HashMap::new(),
            count: 0,
        }
    }

    pub(super) fn finish(self) -> Ruleset {
        self.ruleset
    }

    fn add(&mut self, obj: Object) {
        self.count += 1;
        if let Some(s) = &obj.set {
            let timed = s.timeout.is_some() || s.flags.is_some() && s.elem.is_empty();
            let ports = (!timed).then(|| ports_of(&s.elem)).flatten();
            self.sets
                .insert(format!("{} {} {}", s.family, s.table, s.name), ports);
        }
        if let Some(h) = &obj.ct_helper {
            let key = format!("{} {} {}", h.family, h.table, h.name);
            self.helpers.insert(key, h.kind.clone());
        }
        if let Some(c) = &obj.chain {
            self.ruleset.chains.push(chain(c));
        }
        let Some(r) = &obj.rule else { return };
        let loc = Loc::at(&self.ruleset.file, self.count);
        let name = format!("{} {} {}", r.family, r.table, r.chain);
        let Some(at) = self.ruleset.chains.iter().rposition(|c| c.name == name) else {
            return;
        };
        let prio = self.ruleset.chains[at].priority;
        let ctx = Ctx {
            family: &r.family,
            table: &r.table,
            sets: &self.sets,
            helpers: &self.helpers,
        };
        let rule = rule(&ctx, &r.expr, loc, prio, &mut self.ruleset);
        self.ruleset.chains[at].rules.push(rule);
    }
}

/// The top object: only its `nftables` array is read.
pub(super) struct TopSeed<'a>(pub(super) &'a mut Builder);

impl<'de> DeserializeSeed<'de> for TopSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with an \"nftables\" array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "nftables" {
                map.next_value_seed(Objects(&mut *self.0))?;
                seen = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if seen {
            Ok(())
        } else {
            Err(A::Error::missing_field("nftables"))
        }
    }
}

struct Objects<'a>(&'a mut Builder);

impl<'de> DeserializeSeed<'de> for Objects<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Objects<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of ruleset objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(obj) = seq.next_element::<Object>()? {
            self.0.add(obj);
        }
        Ok(())
    }
}
