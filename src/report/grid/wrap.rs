//! Measuring and wrapping a cell's lines, as comfy-table does: a line too
//! wide for its column is broken at spaces, a word too wide for a line is
//! cut, and a line is ended early when at most two columns would be left.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// One line of a cell and the columns it takes on a terminal.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    pub text: Cow<'a, str>,
    pub width: usize,
}

impl<'a> Line<'a> {
    fn measured(text: Cow<'a, str>) -> Self {
        let width = width(&text);
        Line { text, width }
    }
}

fn printable_ascii(text: &str) -> bool {
    text.bytes().all(|byte| (0x20..0x7f).contains(&byte))
}

/// Columns taken on a terminal: one per printable ASCII character, and
/// what `unicode-width` says for anything else.
pub fn width(text: &str) -> usize {
    if printable_ascii(text) {
        text.len()
    } else {
        text.width()
    }
}

/// The lines fitted into `content_width` columns.
pub fn fit<'a>(lines: &[Line<'a>], content_width: usize) -> Vec<Line<'a>> {
    let mut fitted = Vec::with_capacity(lines.len());
    for line in lines {
        if line.width > content_width {
            fitted.extend(
                split(&line.text, content_width)
                    .into_iter()
                    .map(|part| Line::measured(Cow::Owned(part))),
            );
        } else {
            fitted.push(line.clone());
        }
    }
    fitted
}

/// The widest line `line` becomes when split to `content_width` columns.
pub fn widest_part(line: &str, content_width: usize) -> usize {
    split(line, content_width)
        .iter()
        .map(|part| width(part))
        .max()
        .unwrap_or(0)
}

/// A line ends early when this many columns or fewer would be left.
const MIN_FREE_CHARS: usize = 2;

/// Break `line` at spaces into lines of at most `content_width` columns
/// (comfy-table's `split_line`, with a space as the delimiter; the
/// comments say where its choices are not obvious).
fn split(line: &str, content_width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    // The words still to place, the next one last.
    let mut words: Vec<&str> = line.split(' ').collect();
    words.reverse();
    let mut current = String::new();
    let mut current_width = 0;
    while let Some(next) = words.pop() {
        let next_width = width(next);
        // An empty line takes no space before its first word, and a word
        // that is empty leaves it empty: runs of spaces collapse there.
        let space = usize::from(!current.is_empty());
        let remaining = content_width
            .saturating_sub(current_width)
            .saturating_sub(space);
        if current_width + space + next_width <= content_width {
            if space == 1 {
                current.push(' ');
                current_width += 1;
            }
            current.push_str(next);
            current_width += next_width;
            end_if_full(&mut lines, &mut current, &mut current_width, content_width);
            continue;
        }
        // Too little room left for a piece of the word: a new line.
        if !current.is_empty() && remaining <= MIN_FREE_CHARS {
            words.push(next);
            lines.push(std::mem::take(&mut current));
            current_width = 0;
            continue;
        }
        if next_width > content_width {
            // A word wider than a line: fill this line with its start.
            let new_line = current.is_empty();
            if !new_line {
                current.push(' ');
            }
            let (head, tail) = split_long_word(remaining, next);
            if new_line && head.is_empty() {
                // Not even its first character fits: it goes alone.
                let first = tail.chars().next().map_or(0, char::len_utf8);
                current.push_str(&tail[..first]);
                words.push(&tail[first..]);
            } else {
                current.push_str(head);
                words.push(tail);
            }
            lines.push(std::mem::take(&mut current));
            current_width = 0;
            continue;
        }
        lines.push(std::mem::replace(&mut current, next.to_string()));
        current_width = next_width;
        end_if_full(&mut lines, &mut current, &mut current_width, content_width);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

fn end_if_full(
    lines: &mut Vec<String>,
    current: &mut String,
    current_width: &mut usize,
    content_width: usize,
) {
    if *current_width > content_width.saturating_sub(MIN_FREE_CHARS) {
        lines.push(std::mem::take(current));
        *current_width = 0;
    }
}

/// The longest start of `word` at most `allowed` columns wide, and the
/// rest; never inside a grapheme (an emoji sequence, an accented letter).
fn split_long_word(allowed: usize, word: &str) -> (&str, &str) {
    if printable_ascii(word) {
        return word.split_at(word.len().min(allowed));
    }
    let mut taken = 0;
    let mut at = word.len();
    for (index, grapheme) in word.grapheme_indices(true) {
        let grapheme_width = grapheme.width();
        if taken + grapheme_width > allowed {
            at = index;
            break;
        }
        taken += grapheme_width;
    }
    word.split_at(at)
}
