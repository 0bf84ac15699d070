//! ftpdoctor: diagnose FTP data connections through firewalls and NAT.
//!
//! # Layout
//! - [`cli`]: command-line flags, validated into each layer's configuration
//!   (`run::RunConfig`, [`probe::ProbeOptions`], [`lab::LabConfig`]).
//! - [`target`]: probe targets (`ftp://user@host:port/path`, `host:port`) and netrc credentials.
//! - [`proto`]: the FTP protocol without I/O — reply parser, commands, 227/229/PORT/EPRT.
//! - [`addr`]: classify IP addresses from the IANA special-purpose registries.
//! - [`wire`]: how enum names and values are spelt in the report (one table per enum).
//! - [`stream`]: a TCP stream that may turn TLS mid-way, for the client and the lab alike.
//! - [`timeline`]: every connection's events, as the network layer records them.
//! - [`net`]: the client's sockets — control connection, data dials and accepts, DNS, TLS,
//!   and `--proxy` ([`net::proxy`]: SOCKS5 and HTTP CONNECT as pure codecs, a thin dialer).
//! - [`probe`]: the runner — sessions, modes, transfers, timeouts, deadline; it hands over
//!   plain records ([`probe::record`]) and keeps its working state to itself. What was
//!   asked is a [`probe::ProbeOptions`] (cli, serve and demo each build one); a
//!   [`probe::ProbeConfig`] adds the target and the login, and each run makes its own
//!   state (event log, deadline instant, every wait's budget) from it. The login, a
//!   passive mode's request and dials, and every mode's transfer are pure machines (no
//!   I/O) that the session, the modes and the transfer drive.
//! - [`diagnose`]: records → findings (id, severity, evidence, fix, reference); pure.
//! - [`report`]: schema v1 ([`report::schema`]: the report, statuses, verdict and every
//!   record it carries) and its printers: table, json, jsonl, nagios, junit, html,
//!   mermaid, metrics (Prometheus).
//! - [`pipeline`]: one target from probe to report — probe, diagnose, predict the
//!   clients — and the `--all-addresses` fan-out; `run`, `serve` and `demo` all use it.
//! - [`run`]: `probe` end to end — the scheduler over a fleet, one [`run::write_reports`]
//!   for every format, the exit code — from its own `run::RunConfig`.
//! - [`serve`]: `serve`, the Prometheus multi-target exporter (a top layer, like `run`).
//! - [`lab`]: the embedded lab FTP server and its misconfiguration scenarios; [`lab::fault`],
//!   broken and hostile servers (replies that never end, lie about their format, ...).
//! - [`demo`]: every lab scenario started, probed and reported.
//! - [`exec`]: carries out what the command line asked — runtime, signals, stdout, the
//!   lab's long-running servers — and returns the exit code; `main` only parses and exits.
//! - [`inspect`]: `inspect`, the server's side — its config, firewall ruleset and container
//!   manifests parsed with their line numbers, checked together and against a probe's report.
//!
//! Dependencies point one way, and `tests/it/layers.rs` fails on any import that does not:
//! `proto` and `addr` need only std; `wire`, `stream` and `timeline` need nothing else
//! in the crate; `net` uses `proto` (and records into `timeline`); `probe` uses `net`,
//! `proto`, `addr` and `target`; `diagnose` reads only `probe::record` and `addr` (and
//! `proto`'s parsers for the reply texts they quote), never `net`; `report` sees
//! `diagnose` and `probe::record`; the lab uses `proto`, never `probe` or `net`; `run`,
//! `serve` and `demo` tie them together from their own configuration, and only `cli`
//! knows the flags.

#![warn(missing_docs)]

pub mod addr;
pub mod cli;
pub mod demo;
pub mod diagnose;
pub mod exec;
pub mod inspect;
pub mod lab;
pub mod net;
pub mod pipeline;
pub mod probe;
pub mod proto;
pub mod report;
pub mod run;
pub mod serve;
pub mod stream;
pub mod target;
pub mod timeline;
pub mod wire;
