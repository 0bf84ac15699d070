//! ftpdoctor: diagnose FTP data connections through firewalls and NAT.
//!
//! # Layout
//! - [`cli`]: command-line flags, validated into configuration ([`cli::ProbeRun`], ...).
//! - [`target`]: probe targets (`ftp://user@host:port/path`, `host:port`) and netrc credentials.
//! - [`proto`]: the FTP protocol without I/O — reply parser, commands, 227/229/PORT/EPRT.
//! - [`addr`]: classify IP addresses from the IANA special-purpose registries.
//! - [`net`]: the client's sockets — control connection, data dials and accepts.
//! - [`probe`]: the runner — sessions, modes, transfers, timeouts, deadline; outcomes as data.
//! - [`diagnose`]: outcomes → findings (id, severity, evidence, fix, reference); pure.
//! - [`report`]: the v1 report (statuses, verdict) and its printers: table, json, jsonl,
//!   nagios, junit, metrics (Prometheus).
//! - [`run`]: `probe` end to end — probe, diagnose, print.
//! - [`serve`]: `serve`, the Prometheus multi-target exporter (a top layer, like `run`).
//! - [`lab`]: the embedded lab FTP server and its misconfiguration scenarios; [`lab::fault`],
//!   broken and hostile servers (replies that never end, lie about their format, ...).
//! - [`demo`]: every lab scenario started, probed and reported.
//!
//! Dependencies point one way: `proto` and `addr` need only std; `net` and `lab` use
//! `proto`; `probe` uses `net`, `proto`, `addr` and `target`; `diagnose` reads only
//! `probe`'s outcome types; `report` sees outcomes and findings; `run` and `demo` tie
//! them together. The lab never uses the probe.

pub mod addr;
pub mod cli;
pub mod demo;
pub mod diagnose;
pub mod lab;
pub mod net;
pub mod probe;
pub mod proto;
pub mod report;
pub mod run;
pub mod serve;
pub mod target;
