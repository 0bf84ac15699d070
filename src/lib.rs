//! ftpdoctor: diagnose FTP data connections through firewalls and NAT.
//!
//! # Layout
//! - [`proto`]: the FTP protocol without I/O — reply parser, commands, 227/229/PORT/EPRT.
//! - [`net`]: the client's sockets — control connection, data dials and accepts.
//! - [`lab`]: the embedded lab FTP server and its misconfiguration scenarios.
//! - [`demo`]: every lab scenario, walked through by a plain client.
//! - [`cli`]: command-line flags, validated into configuration.
//! - [`target`]: probe targets (`ftp://user@host:port/path`, `host:port`) and netrc credentials.
//! - [`addr`]: classify IP addresses from the IANA special-purpose registries.
//!
//! Dependencies point one way: `proto` needs only std; `net` and `lab` use `proto`;
//! `demo` uses `lab`, `net` and `proto`.

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
pub mod target;
