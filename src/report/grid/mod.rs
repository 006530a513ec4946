//! The box-drawn tables of the human outputs (the audit's table, `rules
//! list`, `quotas`): a header, rows of cells that may hold several lines,
//! the whole fitted into a width by wrapping cells at spaces.
//!
//! The layout is comfy-table's (`UTF8_FULL_CONDENSED` style, `Dynamic`
//! arrangement), which ccaudit used before, byte for byte: a differential
//! test (`tests/grid.rs`) holds this module to comfy-table on random
//! tables. It is done here because the audit draws one table per target
//! and comfy-table's general layout measured each character's width about
//! five times over, more than half of a 5,000-target table report's time.
//! Here each line is measured once, and printable ASCII, nearly all of the
//! text, is measured by its length.

mod layout;
mod wrap;

use std::borrow::Cow;

use wrap::{Line, width};

/// A table of `N` columns.
pub struct Grid<'a, const N: usize> {
    header: [&'a str; N],
    rows: Vec<[String; N]>,
}

/// Border characters: left, fill or inner line, junction, right.
const TOP: [char; 4] = ['┌', '─', '┬', '┐'];
const HEADER_SEPARATOR: [char; 4] = ['╞', '═', '╪', '╡'];
const BOTTOM: [char; 4] = ['└', '─', '┴', '┘'];
const CONTENT: [char; 3] = ['│', '┆', '│'];

/// Spaces on each side of a cell's text.
const PADDING: usize = 1;

impl<'a, const N: usize> Grid<'a, N> {
    pub fn new(header: [&'a str; N]) -> Self {
        Grid {
            header,
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: [String; N]) {
        self.rows.push(cells);
    }

    /// The table fitted into `table_width` columns, without a final line
    /// break.
    pub fn render(&self, table_width: u16) -> String {
        let header: Vec<Vec<Line>> = self.header.iter().map(|cell| lines(cell)).collect();
        let rows: Vec<Vec<Vec<Line>>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|cell| lines(cell)).collect())
            .collect();
        let all_rows: Vec<&[Vec<Line>]> = std::iter::once(header.as_slice())
            .chain(rows.iter().map(Vec::as_slice))
            .collect();
        let widths = layout::arrange(&all_rows, N, usize::from(table_width));

        let mut out = String::with_capacity(estimate(&widths, self.rows.len()));
        border(&mut out, TOP, &widths);
        draw_row(&mut out, &header, &widths);
        border(&mut out, HEADER_SEPARATOR, &widths);
        for row in &rows {
            draw_row(&mut out, row, &widths);
        }
        border(&mut out, BOTTOM, &widths);
        out.pop(); // the last line break
        out
    }
}

/// A cell's lines, each with its width.
fn lines(cell: &str) -> Vec<Line<'_>> {
    cell.split('\n')
        .map(|text| Line {
            text: Cow::Borrowed(text),
            width: width(text),
        })
        .collect()
}

/// A column's width with its padding, as comfy-table counts it.
fn outer(width: u16) -> usize {
    usize::from(width.saturating_add(2 * PADDING as u16))
}

/// Room for a table of as many rows, two lines each (a border character
/// is three bytes), so that the output rarely grows.
fn estimate(widths: &[u16], rows: usize) -> usize {
    let line: usize = widths.iter().map(|w| outer(*w) + 3).sum::<usize>() + 4;
    line * (2 * rows + 4)
}

fn border(out: &mut String, [left, fill, junction, right]: [char; 4], widths: &[u16]) {
    out.push(left);
    for (index, width) in widths.iter().enumerate() {
        if index > 0 {
            out.push(junction);
        }
        out.extend(std::iter::repeat_n(fill, outer(*width)));
    }
    out.push(right);
    out.push('\n');
}

/// One row: each cell wrapped into its column, the row as tall as its
/// tallest cell.
fn draw_row(out: &mut String, cells: &[Vec<Line>], widths: &[u16]) {
    let wrapped: Vec<Vec<Line>> = cells
        .iter()
        .zip(widths)
        .map(|(lines, width)| wrap::fit(lines, usize::from(*width)))
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(0);
    let [left, inner, right] = CONTENT;
    for index in 0..height {
        out.push(left);
        for (column, (lines, width)) in wrapped.iter().zip(widths).enumerate() {
            if column > 0 {
                out.push(inner);
            }
            match lines.get(index) {
                Some(line) => {
                    push_spaces(out, PADDING);
                    out.push_str(&line.text);
                    push_spaces(
                        out,
                        usize::from(*width).saturating_sub(line.width) + PADDING,
                    );
                }
                None => push_spaces(out, outer(*width)),
            }
        }
        out.push(right);
        out.push('\n');
    }
}

fn push_spaces(out: &mut String, count: usize) {
    out.extend(std::iter::repeat_n(' ', count));
}
