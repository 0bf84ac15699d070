//! The macro behind the lab's named tables ([`Scenario`](super::Scenario),
//! [`Fault`](super::Fault)): one row per variant gives its name on the command line, the
//! line `lab --list` prints, and the data the server reads. Adding a row is all it takes
//! for the enum, `ALL`, `name`, `description`, `Display`, `FromStr` and the error that
//! lists the valid names and suggests the closest one. Old names live on as aliases: each
//! enum has an `alias(name) -> Option<Self>` of its own, which `FromStr` asks last.

/// `lab_table! { enum Name; error UnknownName, "kind"; data Type; rows... }` where each row
/// is `Variant "cli-name" "description" => data_expression;`. Without `data`, rows end at
/// the description and the data is `()`. The description is the variant's doc too.
macro_rules! lab_table {
    (
        $(#[$meta:meta])*
        pub enum $Enum:ident;
        $(#[$err_meta:meta])*
        error $Unknown:ident, $kind:literal;
        data $Data:ty;
        $( $(#[$row_meta:meta])* $Variant:ident $name:literal $desc:literal => $data:expr; )*
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $Enum {
            $( #[doc = $desc] $(#[$row_meta])* $Variant, )*
        }

        impl $Enum {
            /// Every variant, in the order `lab --list` shows them.
            pub const ALL: [$Enum; [$(stringify!($Variant)),*].len()] = [$($Enum::$Variant),*];

            /// The table itself, indexed by the variant: name, description, data.
            const TABLE: [(&'static str, &'static str, $Data); [$(stringify!($Variant)),*].len()] =
                [$(($name, $desc, $data)),*];

            /// The name on the command line (`--scenario NAME`, `--fault NAME`).
            pub fn name(self) -> &'static str {
                Self::TABLE[self as usize].0
            }

            /// One line for `lab --list` and the demo's headings.
            pub fn description(self) -> &'static str {
                Self::TABLE[self as usize].1
            }

            /// The row's data: what the server reads to behave as this variant.
            // A table without data (the faults) never asks for its `()`.
            #[allow(dead_code)]
            fn data(self) -> &'static $Data {
                &Self::TABLE[self as usize].2
            }
        }

        impl std::fmt::Display for $Enum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        $(#[$err_meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $Unknown {
            /// The name that matched no row.
            pub given: String,
            /// The valid name closest to it, when one is close (a typo).
            pub closest: Option<&'static str>,
        }

        impl std::fmt::Display for $Unknown {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "unknown {} {:?}", $kind, self.given)?;
                if let Some(closest) = self.closest {
                    write!(f, "; did you mean {closest}?")?;
                }
                write!(
                    f,
                    "; valid {}s: {}",
                    $kind,
                    $Enum::ALL.map($Enum::name).join(", ")
                )
            }
        }

        impl std::error::Error for $Unknown {}

        impl std::str::FromStr for $Enum {
            type Err = $Unknown;

            fn from_str(s: &str) -> Result<$Enum, $Unknown> {
                $Enum::ALL
                    .into_iter()
                    .find(|v| v.name() == s)
                    .or_else(|| $Enum::alias(s))
                    .ok_or_else(|| $Unknown {
                        given: s.to_string(),
                        closest: $crate::lab::table::closest(s, $Enum::ALL.map($Enum::name)),
                    })
            }
        }
    };
    (
        $(#[$meta:meta])*
        pub enum $Enum:ident;
        $(#[$err_meta:meta])*
        error $Unknown:ident, $kind:literal;
        $( $(#[$row_meta:meta])* $Variant:ident $name:literal $desc:literal; )*
    ) => {
        lab_table! {
            $(#[$meta])*
            pub enum $Enum;
            $(#[$err_meta])*
            error $Unknown, $kind;
            data ();
            $( $(#[$row_meta])* $Variant $name $desc => (); )*
        }
    };
}

pub(super) use lab_table;

/// Longest name looked at for a suggestion: past this it is no typo of a lab name.
const MAX_SUGGEST_CHARS: usize = 64;

/// The name in `names` closest to `given` by edit distance, if it is close enough to be a
/// typo: at most 2 edits, or a third of the name for long ones.
pub fn closest<const N: usize>(given: &str, names: [&'static str; N]) -> Option<&'static str> {
    if given.chars().count() > MAX_SUGGEST_CHARS {
        return None;
    }
    let given = given.to_ascii_lowercase();
    names
        .into_iter()
        .map(|name| (edits(&given, name), name))
        .filter(|(d, name)| *d <= (name.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

/// Levenshtein distance over characters.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_suggests_the_name_and_a_stranger_suggests_nothing() {
        let names = ["slow-greeting", "trickle-banner", "healthy"];
        assert_eq!(closest("slow-greting", names), Some("slow-greeting"));
        assert_eq!(closest("trickle-baner", names), Some("trickle-banner"));
        assert_eq!(closest("HEALTHY", names), Some("healthy"));
        assert_eq!(closest("blocked-data", names), None);
    }
}
