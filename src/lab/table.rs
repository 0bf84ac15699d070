//! The macro behind the lab's named tables ([`Scenario`](super::Scenario),
//! [`Fault`](super::Fault)): one row per variant gives its name on the command line, the
//! line `lab --list` prints, and the data the server reads. Adding a row is all it takes
//! for the enum, `ALL`, `name`, `description`, `Display`, `FromStr` and the error that
//! lists the valid names.

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
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error(
            "unknown {} {given:?}; valid {}s: {}",
            $kind,
            $kind,
            $Enum::ALL.map($Enum::name).join(", ")
        )]
        pub struct $Unknown {
            /// The name that matched no row.
            pub given: String,
        }

        impl std::str::FromStr for $Enum {
            type Err = $Unknown;

            fn from_str(s: &str) -> Result<$Enum, $Unknown> {
                $Enum::ALL
                    .into_iter()
                    .find(|v| v.name() == s)
                    .ok_or_else(|| $Unknown {
                        given: s.to_string(),
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
