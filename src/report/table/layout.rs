//! The mode table's least column widths. comfy-table shares the width out evenly among
//! the columns that need more and then cuts whatever is too long, addresses included
//! (`127.0.0.1:348` / `59`); the floors here keep the words and phrases whole that a
//! reader needs whole, as far as the width allows.

use super::HEADERS;

// The columns, as in [`HEADERS`].
const MODE: usize = 0;
const REQUEST: usize = 1;
const ADVERTISED: usize = 2;
const DATA: usize = 3;
const TRANSFER: usize = 4;
pub(super) const MS: usize = 5;
const STATUS: usize = 6;

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
pub(super) fn floors(rows: &[[String; 7]], width: usize) -> Option<[usize; 7]> {
    let floor = |col: usize, cells: bool, phrases: bool| {
        let cells = rows.iter().filter(|_| cells).map(|r| r[col].as_str());
        std::iter::once(HEADERS[col])
            .chain(cells)
            .flat_map(str::lines)
            .map(|line| unbroken(line, phrases))
            .max()
            .unwrap_or(0)
    };
    // The outer borders and the six between the columns.
    let borders = HEADERS.len() + 1;
    // What is left once every column has its floor.
    let slack = |floors: &[usize; 7]| {
        width.checked_sub(floors.iter().map(|f| f + PADDING).sum::<usize>() + borders)
    };
    // Mode, time and status are short and must never wrap (`1002.3` as `1002.` / `3`);
    // the others start from their header's words.
    let mut floors: [usize; 7] =
        std::array::from_fn(|col| floor(col, [MODE, MS, STATUS].contains(&col), false));
    slack(&floors)?;
    // Most needed first: whole addresses, then whole requests, then the rest.
    let steps = [
        (ADVERTISED, false),
        (DATA, false),
        (REQUEST, false),
        (TRANSFER, false),
        (REQUEST, true),
        (DATA, true),
        (TRANSFER, true),
    ];
    // Whole steps first, so that a big one that does not fit leaves the room to smaller
    // ones after it; then as much of the skipped ones as fits: a 227's numbers cut one
    // character short still beat the even share comfy-table would give the column.
    for whole in [true, false] {
        for (col, phrases) in steps {
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
