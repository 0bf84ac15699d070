//! ftpdoctor: diagnose FTP data connections through firewalls and NAT.
//!
//! # Layout
//! - [`proto`]: the FTP protocol without I/O — reply parser, commands, 227/229/PORT/EPRT.
//! - [`lab`]: the embedded lab FTP server and its misconfiguration scenarios.
//! - [`cli`]: command-line flags, validated into configuration.
//!
//! Dependencies point one way: `proto` needs only std; `lab` uses `proto`.

pub mod cli;
pub mod lab;
pub mod proto;
