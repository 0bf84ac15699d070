//! Sockets: the control connection (generic over the stream, so TLS can slot in) and
//! data-connection dials and accepts, and name resolution behind a small trait
//! ([`resolve::Resolve`]). Uses `proto` for everything on the wire.

pub mod control;
pub mod dial;
pub mod mss;
pub mod proxy;
pub mod resolve;

pub use control::{ControlConn, ControlError, Speaker, TranscriptLine};
pub use dial::{Accept, AcceptOutcome, Dial, DialOutcome, accept, dial};
pub mod tls;

pub use crate::stream::MaybeTls;
pub use crate::timeline::{Recorder, Tap};
pub use tls::escaped as tls_escaped;
pub use tls::{CertInfo, Handshake, TlsClient, TlsError, TlsFailure, Trust, TrustError, Watched};
