//! The evaluator against real `nft -j list ruleset` output (fixtures/inspect/nft/*.json,
//! captured from the .nft files beside them) and iptables-save text.

use super::firewall::{Fate, Ruleset, pieces};
use super::model::PortRange;
use super::{iptables, nft};

fn nft_fixture(name: &str) -> Ruleset {
    let path = format!(
        "{}/fixtures/inspect/nft/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("fixture");
    nft::parse(&path, &text).expect("nft json")
}

fn ipt_fixture(name: &str) -> Ruleset {
    let path = format!(
        "{}/fixtures/inspect/iptables/{name}.rules",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("fixture");
    iptables::parse(&path, &text).expect("iptables-save")
}

fn fate(rs: &Ruleset, port: u16, state: &str) -> Fate {
    let mut steps = 0;
    rs.fate(port, state, &mut steps)
}

fn accepted(f: &Fate) -> bool {
    *f == Fate::Accept
}

#[test]
fn nft_range_open_accepts_the_whole_range_and_drops_others() {
    let rs = nft_fixture("range-open");
    assert!(accepted(&fate(&rs, 30000, "new")));
    assert!(accepted(&fate(&rs, 30099, "new")));
    assert!(
        matches!(fate(&rs, 30100, "new"), Fate::Drop(None)),
        "policy drop"
    );
}

#[test]
fn nft_named_interval_set_covers_half_the_range() {
    let rs = nft_fixture("range-closed");
    assert!(accepted(&fate(&rs, 30049, "new")));
    assert!(!accepted(&fate(&rs, 30050, "new")));
    let p = pieces(&rs, PortRange::new(30000, 30099).expect("range"));
    assert_eq!(
        p,
        vec![
            PortRange {
                lo: 30000,
                hi: 30049
            },
            PortRange {
                lo: 30050,
                hi: 30099
            }
        ]
    );
}

#[test]
fn nft_related_only_accepts_data_as_related() {
    let rs = nft_fixture("helper-missing");
    assert!(!accepted(&fate(&rs, 30000, "new")));
    assert!(accepted(&fate(&rs, 30000, "related")));
    assert!(rs.helpers.is_empty());
}

#[test]
fn nft_ct_helper_set_at_priority_minus_300_does_not_count() {
    let rs = nft_fixture("helper-prio");
    assert_eq!(rs.helpers.len(), 1);
    assert!(!rs.helpers[0].counts, "{}", rs.helpers[0].note);
    let rs = nft_fixture("helper-on");
    assert!(rs.helpers.iter().any(|h| h.counts));
}

#[test]
fn nft_router_dnat_sends_the_range_to_forward() {
    let rs = nft_fixture("router-dnat");
    assert!(rs.dnat(30010).is_some());
    assert!(
        !accepted(&fate(&rs, 30010, "new")),
        "forward accepts only 21"
    );
    assert!(accepted(&fate(&rs, 21, "new")));
}

#[test]
fn nft_mark_match_is_unknown_not_open_or_closed() {
    let rs = nft_fixture("mark");
    assert!(
        matches!(fate(&rs, 30000, "new"), Fate::Unknown(_)),
        "{:?}",
        fate(&rs, 30000, "new")
    );
}

#[test]
fn nft_text_is_not_json() {
    assert!(nft::parse("x", "table inet filter {\n}\n").is_err());
}

#[test]
fn iptables_multiport_jump_and_return() {
    let rs = ipt_fixture("range-closed");
    assert!(accepted(&fate(&rs, 30019, "new")));
    assert!(!accepted(&fate(&rs, 30020, "new")));
    assert!(accepted(&fate(&rs, 30040, "new")));
}

#[test]
fn iptables_negated_dport_and_source_match() {
    let rs = ipt_fixture("range-open");
    assert!(accepted(&fate(&rs, 30050, "new")));
    assert!(
        matches!(fate(&rs, 22, "new"), Fate::Unknown(_)),
        "source-address rule"
    );
}

#[test]
fn iptables_ct_helper_in_raw_counts() {
    assert!(ipt_fixture("helper-on").helpers.iter().any(|h| h.counts));
    let rs = ipt_fixture("helper-missing");
    assert!(rs.helpers.is_empty());
    assert!(accepted(&fate(&rs, 30000, "related")));
}

#[test]
fn ruleset_of_100000_rules_is_answered_quickly() {
    let mut text = String::from("*filter\n:INPUT DROP [0:0]\n");
    for i in 0..100_000u32 {
        text.push_str(&format!(
            "-A INPUT -p tcp -m tcp --dport {} -j ACCEPT\n",
            1024 + i % 20_000
        ));
    }
    text.push_str("COMMIT\n");
    let started = std::time::Instant::now();
    let rs = iptables::parse("big", &text).expect("parses");
    let mut steps = 0;
    for piece in pieces(&rs, PortRange::new(30000, 30099).expect("r")) {
        let _ = rs.fate(piece.lo, "new", &mut steps);
    }
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

#[test]
fn iptables_dnat_to_another_port_is_followed_to_forward() {
    let text = "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 2121 -j DNAT --to-destination 10.0.0.2:21\nCOMMIT\n*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n-A FORWARD -p tcp -m tcp --dport 21 -j ACCEPT\nCOMMIT\n";
    let rs = iptables::parse("r", text).expect("rules");
    assert_eq!(
        rs.dnat(2121).map(|(_, a, p)| (a, p)),
        Some(("10.0.0.2".to_string(), 21))
    );
    assert!(accepted(&fate(&rs, 2121, "new")), "forwarded as 21");
    assert!(
        !accepted(&fate(&rs, 2122, "new")),
        "no DNAT: the input policy"
    );
}

#[test]
fn nft_jump_into_a_chain_with_an_unknown_rule_is_unknown() {
    let text = r#"{"nftables":[
      {"chain":{"family":"inet","table":"f","name":"in","type":"filter","hook":"input","prio":0,"policy":"drop"}},
      {"chain":{"family":"inet","table":"f","name":"sub"}},
      {"rule":{"family":"inet","table":"f","chain":"in","expr":[{"jump":{"target":"sub"}}]}},
      {"rule":{"family":"inet","table":"f","chain":"sub","expr":[{"match":{"op":"==","left":{"meta":{"key":"mark"}},"right":1}},{"accept":null}]}},
      {"rule":{"family":"inet","table":"f","chain":"sub","expr":[{"xt":{"type":"match","name":"recent"}},{"accept":null}]}}
    ]}"#;
    let rs = nft::parse("j", text).expect("json");
    assert!(matches!(fate(&rs, 30000, "new"), Fate::Unknown(_)));
    assert_eq!(rs.opaque.len(), 1, "the xt statement is counted");
}
