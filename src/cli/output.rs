//! How the table fits the terminal it goes to: its width, colour and character set,
//! decided once from what `main` reads of the environment (pure, so table-tested).

use clap::ValueEnum;

use crate::report::table::{Glyphs, TableStyle};

/// `--color`: when to colour the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorArg {
    /// On a terminal, unless NO_COLOR is set or TERM=dumb
    #[default]
    Auto,
    /// Always, even into a pipe or file
    Always,
    /// Never
    Never,
}

/// What `main` saw of stdout and the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Terminal {
    /// stdout is a terminal.
    pub is_tty: bool,
    /// The terminal's width in columns, when stdout is one and it says.
    pub tty_width: Option<u16>,
    /// `$COLUMNS`.
    pub columns: Option<String>,
    /// `$TERM`.
    pub term: Option<String>,
    /// `$NO_COLOR` is set and not empty (no-color.org).
    pub no_color: bool,
    /// The locale (LC_ALL, LC_CTYPE, LANG as setlocale reads them) says UTF-8.
    pub utf8: bool,
}

/// Width when nothing says otherwise (a pipe, a file): fits the mode table without
/// wrapping every cell and still fits a half-screen terminal.
pub const DEFAULT_WIDTH: u16 = 100;
/// Narrowest width laid out: below it the table cannot keep an address whole.
const MIN_WIDTH: u16 = 60;
/// Widest width laid out: past it lines are too long to read, whatever the screen.
const MAX_WIDTH: u16 = 200;

impl Terminal {
    /// `$COLUMNS` when set (so a user or test can pin it), else the terminal's own width,
    /// else [`DEFAULT_WIDTH`]; kept within [`MIN_WIDTH`]..=[`MAX_WIDTH`].
    pub fn width(&self) -> u16 {
        let columns = self
            .columns
            .as_deref()
            .and_then(|c| c.trim().parse::<u16>().ok())
            .filter(|&c| c > 0);
        columns
            .or(self.tty_width.filter(|_| self.is_tty))
            .unwrap_or(DEFAULT_WIDTH)
            .clamp(MIN_WIDTH, MAX_WIDTH)
    }

    /// Colour for a person at a terminal that can show it and who has not asked for none.
    pub fn color(&self, choice: ColorArg) -> bool {
        match choice {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => self.is_tty && !self.no_color && self.term.as_deref() != Some("dumb"),
        }
    }

    /// The table's style for these flags on this terminal.
    pub fn table_style(&self, choice: ColorArg, ascii: bool, verbose: bool) -> TableStyle {
        TableStyle {
            color: self.color(choice),
            width: self.width(),
            verbose,
            glyphs: match ascii || !self.utf8 {
                true => Glyphs::ASCII,
                false => Glyphs::UNICODE,
            },
            ..TableStyle::default()
        }
    }
}

/// Whether the locale says UTF-8 (the first of LC_ALL, LC_CTYPE, LANG that is set, as
/// setlocale reads them); no locale at all means C, which is ASCII.
pub(crate) fn utf8_locale() -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.is_empty())
        .is_some_and(|value| {
            let v = value.to_ascii_lowercase();
            v.contains("utf-8") || v.contains("utf8")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tty(width: u16) -> Terminal {
        Terminal {
            is_tty: true,
            tty_width: Some(width),
            utf8: true,
            term: Some("xterm-256color".to_string()),
            ..Terminal::default()
        }
    }

    #[test]
    fn width_is_columns_then_the_terminal_then_100_within_bounds() {
        let piped = Terminal::default();
        assert_eq!(piped.width(), 100);
        assert_eq!(tty(80).width(), 80);
        assert_eq!(tty(132).width(), 132);
        let columns = |c: &str| Terminal {
            columns: Some(c.to_string()),
            ..tty(132)
        };
        assert_eq!(columns("90").width(), 90);
        assert_eq!(columns("junk").width(), 132);
        assert_eq!(columns("0").width(), 132);
        assert_eq!(columns("20").width(), MIN_WIDTH);
        assert_eq!(columns("9999").width(), MAX_WIDTH);
        // A width the OS reports for a pipe is no terminal's.
        let pipe_with_size = Terminal {
            is_tty: false,
            ..tty(80)
        };
        assert_eq!(pipe_with_size.width(), 100);
    }

    #[test]
    fn colour_only_on_a_capable_terminal_unless_forced() {
        assert!(tty(80).color(ColorArg::Auto));
        assert!(!Terminal::default().color(ColorArg::Auto));
        assert!(Terminal::default().color(ColorArg::Always));
        assert!(!tty(80).color(ColorArg::Never));
        let dumb = Terminal {
            term: Some("dumb".to_string()),
            ..tty(80)
        };
        assert!(!dumb.color(ColorArg::Auto));
        assert!(dumb.color(ColorArg::Always));
        let no_color = Terminal {
            no_color: true,
            ..tty(80)
        };
        assert!(!no_color.color(ColorArg::Auto));
    }

    #[test]
    fn ascii_under_a_non_utf8_locale_or_when_asked() {
        let c_locale = Terminal {
            utf8: false,
            ..tty(80)
        };
        assert_eq!(
            c_locale.table_style(ColorArg::Auto, false, false).glyphs,
            Glyphs::ASCII
        );
        assert_eq!(
            tty(80).table_style(ColorArg::Auto, true, false).glyphs,
            Glyphs::ASCII
        );
        assert_eq!(
            tty(80).table_style(ColorArg::Auto, false, false).glyphs,
            Glyphs::UNICODE
        );
    }
}
