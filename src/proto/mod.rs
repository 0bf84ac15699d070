//! The FTP protocol without I/O: bytes in, values out. Both the probe (client side) and
//! the lab (server side) speak through these types, so the wire format lives in one place.

pub mod command;
pub mod command_line;
pub mod listing;
pub mod passive;
pub mod reply;
pub mod stat;

pub use command::{Command, CommandError, EpsvArg, Password, TransferType, is_anonymous};
pub use command_line::{CommandFramer, Framed};
pub use passive::AddressError;
pub use reply::{Reply, ReplyError, ReplyParser};

#[cfg(test)]
mod captured_tests;
