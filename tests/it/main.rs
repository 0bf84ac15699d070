//! Every black-box and integration test in one binary: cargo links each file in tests/ as a
//! binary of its own, and linking the whole crate 27 times cost more than running the tests.
//! One module per topic; shared helpers live in `common`.

mod budget;
mod common;
mod completions_man;
mod demo_cli;
mod diagnose_tree;
mod docs_contract;
mod exercises;
mod explain_cli;
mod fuzz_corpus;
mod golden_json;
mod headline;
mod hostile_servers;
mod inspect;
mod interactive;
mod lab_cli;
mod lab_names;
mod lab_scenarios;
mod lab_transfers;
mod layers;
mod layout_tmux;
mod monitoring_formats;
mod nagios_thresholds;
mod net_control;
mod probe_cli;
mod probe_clients;
mod probe_control;
mod probe_dns;
mod probe_fleet;
mod probe_lib;
mod probe_repeat;
mod probe_tls;
mod probe_tls_reuse;
mod probe_transfers;
mod proto_properties;
mod proxy;
mod real_server_quirks;
mod serve;
mod serve_exposition;
mod serve_metrics;
mod serve_start;
mod slow_greeting;
mod timeline;
mod truth;
mod truth_more;
