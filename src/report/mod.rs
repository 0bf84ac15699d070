//! The report: schema v1 (docs/report-schema.md) and one printer per output format
//! (`table`, `json`), each reading only the report's types and writing to any
//! `io::Write`. The schema is [`Report`] and the records it carries; [`schema`] lists
//! them all, so that a printer needs nothing from the probe or the diagnosis beyond
//! what the report holds. Status and verdict follow from the findings alone.

pub mod explain;
pub mod html;
pub mod json;
pub mod junit;
pub(crate) mod ladder;
pub mod mermaid;
pub mod metrics;
pub mod nagios;
pub mod repeats;
#[cfg(test)]
mod sample;
pub mod schema;
pub mod table;
pub mod text;
pub mod timeline;
pub mod waiting;

pub use schema::*;
