//! How wide each column is: comfy-table's `Dynamic` arrangement for
//! columns with no constraints, one space of padding on each side, every
//! column shown and the table no wider than asked (not stretched to it).

use super::wrap::{self, Line};

/// Padding on both sides of a column.
const PADDING: usize = 2 * super::PADDING;

/// Each column's content width for `rows` (the header first; each row a
/// cell per column, each cell its lines) in a table `table_width` wide.
pub fn arrange(rows: &[&[Vec<Line>]], columns: usize, table_width: usize) -> Vec<u16> {
    let widest: Vec<u16> = (0..columns)
        .map(|column| {
            rows.iter()
                .map(|row| {
                    let cell = row[column].iter().map(|line| line.width).max().unwrap_or(0);
                    // A column is at least one wide.
                    u16::try_from(cell).unwrap_or(u16::MAX).max(1)
                })
                .max()
                .unwrap_or(0)
        })
        .collect();
    // A border left and right, and a line between columns.
    let borders = 2 + columns.saturating_sub(1);
    let mut state = State {
        widths: vec![None; columns],
        remaining_width: table_width
            .saturating_sub(borders)
            .saturating_sub(PADDING * columns),
        remaining_columns: columns,
    };
    fit_narrow_columns(&mut state, &widest);
    if state.remaining_columns > 0 {
        fit_wrapped_columns(&mut state, rows);
    }
    if state.remaining_columns > 0 {
        share_out_the_rest(&mut state);
    }
    state
        .widths
        .into_iter()
        .map(|width| width.expect("every column has a width"))
        .collect()
}

struct State {
    /// The columns decided so far.
    widths: Vec<Option<u16>>,
    remaining_width: usize,
    remaining_columns: usize,
}

impl State {
    fn average(&self) -> usize {
        self.remaining_width
            .checked_div(self.remaining_columns)
            .unwrap_or(0)
    }

    /// Decide a column; false when none is left to decide.
    fn fix(&mut self, column: usize, width: u16) -> bool {
        self.widths[column] = Some(width.max(1));
        self.remaining_width = self.remaining_width.saturating_sub(usize::from(width));
        self.remaining_columns -= 1;
        self.remaining_columns > 0
    }

    /// The columns not decided yet, in order.
    fn undecided(&self) -> Vec<usize> {
        (0..self.widths.len())
            .filter(|column| self.widths[*column].is_none())
            .collect()
    }
}

/// Columns whose widest line fits into the average room left take just
/// that, until no more do.
fn fit_narrow_columns(state: &mut State, widest: &[u16]) {
    let mut found = true;
    while found && state.remaining_columns > 0 && state.average() > 0 {
        found = false;
        for column in state.undecided() {
            // The average changes with each column decided.
            if usize::from(widest[column]) <= state.average() {
                found = true;
                if !state.fix(column, widest[column]) {
                    break;
                }
            }
        }
    }
}

/// Columns that, wrapped to the average room, leave three or more columns
/// of it unused take only what their wrapped lines need.
fn fit_wrapped_columns(state: &mut State, rows: &[&[Vec<Line>]]) {
    let mut found = true;
    while found {
        found = false;
        for column in state.undecided() {
            let average = state.average();
            let longest = longest_after_split(rows, column, average);
            if average.saturating_sub(longest) >= 3 {
                found = true;
                if !state.fix(column, u16::try_from(longest).unwrap_or(u16::MAX)) {
                    break;
                }
            }
        }
    }
}

fn longest_after_split(rows: &[&[Vec<Line>]], column: usize, average: usize) -> usize {
    // Split to at least one column, however little room is left.
    let content_width = usize::from(u16::try_from(average).unwrap_or(u16::MAX).max(1));
    rows.iter()
        .flat_map(|row| row[column].iter())
        .map(|line| {
            if line.width > average {
                wrap::widest_part(&line.text, content_width)
            } else {
                line.width
            }
        })
        .max()
        .unwrap_or(0)
}

/// The room left shared evenly by the undecided columns, the first ones
/// getting a column more when it does not divide; each gets at least one.
fn share_out_the_rest(state: &mut State) {
    let room = state.remaining_width.max(state.remaining_columns);
    let count = state.remaining_columns;
    let (each, excess) = (room / count, room % count);
    for (index, column) in state.undecided().into_iter().enumerate() {
        let width = if index < excess { each + 1 } else { each };
        state.widths[column] = Some(u16::try_from(width).unwrap_or(u16::MAX).max(1));
    }
}
