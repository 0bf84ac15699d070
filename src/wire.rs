//! How values are spelt on the wire of the report (docs/report-schema.md): enum names
//! from one table per enum, and the few value formats the schema uses (milliseconds with
//! one decimal, addresses as text, RFC 3339 times).
//!
//! Depends on nothing else in the crate, so any layer may use it.

use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use serde::Serializer;

/// Declares an enum whose variants each have one name, written once beside the variant:
/// `as_str`, `Display`, `Serialize`, [`from_wire`](#method.from_wire) and `ALL` all
/// read that one table, so the report, the table printer and the findings cannot
/// disagree on a spelling.
///
/// ```
/// ftpdoctor::wire::wire_enum! {
///     /// How a step ended.
///     #[derive(Debug, Clone, Copy, PartialEq, Eq)]
///     pub enum Ending {
///         /// All went well.
///         Done = "done",
///         TimedOut = "timed-out",
///     }
/// }
/// assert_eq!(Ending::TimedOut.as_str(), "timed-out");
/// assert_eq!(Ending::from_wire("done"), Some(Ending::Done));
/// assert_eq!(serde_json::to_string(&Ending::ALL).ok().as_deref(), Some(r#"["done","timed-out"]"#));
/// ```
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$($wire),+].len()] = [$($name::$variant),+];

            /// The name on the wire (JSON, the table, finding text).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $wire ),+
                }
            }

            /// The variant with this exact wire name.
            pub fn from_wire(name: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|v| v.as_str() == name)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

pub use crate::wire_enum;

/// A duration as every text shows it (tables, findings, errors, warnings): `0.3 ms`,
/// `41.0 ms`, `29.9 s` — milliseconds under a second, else seconds, one decimal.
pub fn human(d: Duration) -> String {
    human_ms(ms(&d))
}

/// [`human`] of a number of milliseconds.
pub fn human_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// Milliseconds with one decimal, as the report shows every time.
pub fn ms(d: &Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// A duration as [`ms`].
pub fn serialize_ms<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(ms(d))
}

/// An optional duration as [`ms`], or `null`.
pub fn serialize_ms_opt<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_f64(ms(d)),
        None => s.serialize_none(),
    }
}

/// Addresses as text: `["192.0.2.1", "::1"]`.
pub fn serialize_ips<S: Serializer>(ips: &[IpAddr], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(ips.iter().map(ToString::to_string))
}

/// Any value as its `Display` text (socket addresses, address classes).
pub fn serialize_display<T: fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// An optional value as its `Display` text, or `null`.
pub fn serialize_display_opt<T: fmt::Display, S: Serializer>(
    v: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

/// A time as RFC 3339 in UTC, to the second: `2027-01-31T12:00:00Z`.
pub fn serialize_time<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&humantime::format_rfc3339_seconds(*t))
}

#[cfg(test)]
mod tests {
    use super::*;

    wire_enum! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Sample {
            One = "one",
            TwoWords = "two-words",
        }
    }

    #[test]
    fn one_table_gives_as_str_display_serialize_and_from_wire() {
        assert_eq!(Sample::ALL, [Sample::One, Sample::TwoWords]);
        assert_eq!(Sample::TwoWords.to_string(), "two-words");
        assert_eq!(
            serde_json::to_string(&Sample::TwoWords).ok().as_deref(),
            Some("\"two-words\"")
        );
        assert_eq!(Sample::from_wire("one"), Some(Sample::One));
        assert_eq!(Sample::from_wire("One"), None);
    }

    #[test]
    fn milliseconds_keep_one_decimal() {
        assert_eq!(ms(&Duration::from_micros(1_234_567)), 1234.6);
        assert_eq!(ms(&Duration::ZERO), 0.0);
    }
}
