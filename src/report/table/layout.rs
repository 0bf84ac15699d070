//! The mode table's least column widths. comfy-table shares the width out evenly among
//! the columns that need more and then cuts whatever is too long, addresses included
//! (`127.0.0.1:348` / `59`); the floors here keep the words and phrases whole that a
//! reader needs whole, as far as the width allows.

/// A layout of the mode table: its columns, the ones that must never wrap, and in which
/// order the others' floors grow.
pub(super) struct Layout {
    pub headers: &'static [&'static str],
    /// Short columns that must never wrap (`1002.3` as `1002.` / `3`).
    pub never_wrap: &'static [usize],
    /// Most needed first: (column, with phrases).
    pub steps: &'static [(usize, bool)],
    /// The column of the time in ms, right-aligned, if it has its own.
    pub ms: Option<usize>,
}

/// All seven columns: 100 columns and more.
pub(super) const WIDE: Layout = Layout {
    // "ms" rather than "Time (ms)": the header is the widest thing in that column, and
    // every column it takes is one the request cell has not.
    headers: &[
        "Mode",
        "Request → reply",
        "Advertised",
        "Data connection",
        "Transfer",
        "ms",
        "Status",
    ],
    never_wrap: &[0, 5, 6],
    // Whole addresses, then whole requests, then the rest.
    steps: &[
        (2, false),
        (3, false),
        (1, false),
        (4, false),
        (1, true),
        (3, true),
        (4, true),
    ],
    ms: Some(5),
};

/// Five columns for a narrow terminal (80 columns): the advertised address moves into
/// the data connection's cell and the time under the status, which gives the request
/// and its reply room to stay readable.
pub(super) const COMPACT: Layout = Layout {
    headers: &[
        "Mode",
        "Request → reply",
        "Data connection",
        "Transfer",
        "Status",
    ],
    never_wrap: &[0, 4],
    steps: &[
        (2, false),
        (1, false),
        (3, false),
        (1, true),
        (2, true),
        (3, true),
    ],
    ms: None,
};

/// Each cell has one column of padding on either side.
pub(super) const PADDING: usize = 2;
/// The widest [`floors`] asks for: an IPv4 EPRT (`EPRT |1|255.255.255.255|65535|`).
/// Anything wider (an IPv6 address with its port) is cut anyway, and must not starve the
/// other columns trying not to be.
const FLOOR_MAX: usize = 30;

/// The least content width of each column, or `None` when not even the headers fit.
///
/// Step by step while the width allows, a column's floor grows: first to its longest
/// word (an address, a 227's numbers), then to its phrases — in the request and transfer
/// cells what comes before the `→` (`EPRT |1|127.0.0.1|40767|` on one line and `→ 200
/// EPRT command successful…` below it: three lines at 100 columns instead of five),
/// elsewhere a number with its unit and the word before them (`connected 0.4 ms`, not
/// `connected 0.4` / `ms`). What does not fit is cut by comfy-table.
pub(super) fn floors(layout: &Layout, rows: &[Vec<String>], width: usize) -> Option<Vec<usize>> {
    let headers = layout.headers;
    let floor = |col: usize, cells: bool, phrases: bool| {
        let cells = rows
            .iter()
            .filter(|_| cells)
            .filter_map(|r| r.get(col).map(String::as_str));
        std::iter::once(headers[col])
            .chain(cells)
            .flat_map(str::lines)
            .map(|line| unbroken(line, phrases))
            .max()
            .unwrap_or(0)
    };
    // The outer borders and the ones between the columns.
    let borders = headers.len() + 1;
    // What is left once every column has its floor.
    let slack = |floors: &[usize]| {
        width.checked_sub(floors.iter().map(|f| f + PADDING).sum::<usize>() + borders)
    };
    let mut floors: Vec<usize> = (0..headers.len())
        .map(|col| floor(col, layout.never_wrap.contains(&col), false))
        .collect();
    slack(&floors)?;
    // Whole steps first, so that a big one that does not fit leaves the room to smaller
    // ones after it; then as much of the skipped ones as fits: a 227's numbers cut one
    // character short still beat the even share comfy-table would give the column.
    for whole in [true, false] {
        for &(col, phrases) in layout.steps {
            let want = floor(col, true, phrases);
            let room = slack(&floors).unwrap_or(0);
            if want <= floors[col] + room || !whole {
                floors[col] = floors[col].max(want.min(floors[col] + room));
            }
        }
    }
    Some(floors)
}

/// Units that `text::human_ms` and `text::bytes` put after a number.
const UNITS: [&str; 5] = ["ms", "s", "B", "KiB", "MiB"];

/// The widest part of `line` that must not be broken: a word, and with `phrases` also
/// what comes before a ` → ` and a number with its unit and the word before them. Parts
/// wider than [`FLOOR_MAX`] do not count: they are cut whatever the floor.
fn unbroken(line: &str, phrases: bool) -> usize {
    let words: Vec<&str> = line.split_whitespace().collect();
    let width = |words: &[&str]| words.iter().map(|w| w.chars().count() + 1).sum::<usize>() - 1;
    let mut parts: Vec<usize> = words.iter().map(|w| w.chars().count()).collect();
    if phrases {
        if let Some((sent, _)) = line.split_once(" → ") {
            parts.push(sent.chars().count());
        }
        for (i, unit) in words.iter().enumerate().skip(1) {
            let unit = unit.trim_end_matches([',', '.', ';', ')']);
            if UNITS.contains(&unit) && words[i - 1].parse::<f64>().is_ok() {
                parts.push(width(&words[i.saturating_sub(2)..=i]));
            }
        }
    }
    parts
        .into_iter()
        .filter(|&w| w <= FLOOR_MAX)
        .max()
        .unwrap_or(0)
}
