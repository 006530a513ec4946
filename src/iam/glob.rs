//! IAM wildcard patterns: `*` matches any run of characters (including none),
//! `?` matches exactly one character, everything else matches itself.
//!
//! All questions (does a pattern match a string, does one pattern cover
//! another, can two patterns match a common string) are answered with
//! dynamic-programming tables over the two token sequences, so the work is
//! bounded by the product of the pattern lengths and never backtracks.

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// `*`: any run of characters.
    Star,
    /// `?`: exactly one character.
    One,
    /// `*` inside an ARN header segment of a requested resource: any run of
    /// characters without `:`.
    SegmentStar,
    /// `?` inside an ARN header segment of a requested resource: one
    /// character other than `:`.
    SegmentOne,
    Literal(char),
}

impl Token {
    fn is_star(self) -> bool {
        matches!(self, Token::Star | Token::SegmentStar)
    }

    /// The one-character class a star reads on each of its loops.
    fn loop_class(self) -> Token {
        match self {
            Token::Star => Token::One,
            Token::SegmentStar => Token::SegmentOne,
            other => other,
        }
    }
}

/// Splits a plain pattern into tokens; see `tokens_restricting_header`.
fn pattern_tokens(pattern: &str) -> Vec<Token> {
    tokens_restricting_header(pattern, 0)
}

/// Splits a pattern into tokens, making the wildcards before the
/// `header_colons`-th colon unable to match `:`. Every run of wildcards is
/// normalised to "all `?` first, then at most one `*`": the run `*?` means
/// the same as `?*` (at least one character), and the normal form lets
/// `subsumes` see that. Runs never straddle a `:`, so a run has one class.
fn tokens_restricting_header(pattern: &str, header_colons: usize) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(pattern.len());
    let mut run = WildcardRun::default();
    let mut colons_seen = 0usize;
    for c in pattern.chars() {
        let restricted = colons_seen < header_colons;
        match c {
            '*' => run.add(Token::Star, restricted),
            '?' => run.add(Token::One, restricted),
            other => {
                run.flush(&mut tokens);
                tokens.push(Token::Literal(other));
                if other == ':' {
                    colons_seen += 1;
                }
            }
        }
    }
    run.flush(&mut tokens);
    tokens
}

#[derive(Default)]
struct WildcardRun {
    ones: usize,
    star: bool,
    restricted: bool,
}

impl WildcardRun {
    fn add(&mut self, wildcard: Token, restricted: bool) {
        self.restricted = restricted;
        if wildcard == Token::Star {
            self.star = true;
        } else {
            self.ones += 1;
        }
    }

    fn flush(&mut self, tokens: &mut Vec<Token>) {
        let (one, star) = if self.restricted {
            (Token::SegmentOne, Token::SegmentStar)
        } else {
            (Token::One, Token::Star)
        };
        tokens.extend(std::iter::repeat_n(one, self.ones));
        if self.star {
            tokens.push(star);
        }
        *self = WildcardRun::default();
    }
}

/// The number of colons before an ARN's resource part
/// (`arn:partition:service:region:account:resource`).
const ARN_HEADER_COLONS: usize = 5;

/// Tokens for a requested resource pattern: the set of real resources it
/// stands for. Real ARNs never have `:` in their partition, service, region
/// or account, so wildcards there cannot match `:`. EC2 resource ids
/// (`instance/i-…`, `volume/vol-…`, `image/ami-…`) have none either, so for
/// an EC2 ARN whose resource part spells no colon, no wildcard matches `:`.
/// Without this, `arn:aws:ec2:*:*:volume/*` would overlap
/// `arn:aws:ec2:*:*:instance/*` through strings like
/// `arn:aws:ec2:a:b:instance/c:d:volume/e` that name no real resource.
fn requested_tokens(requested: &str) -> Vec<Token> {
    let segments: Vec<&str> = requested.split(':').collect();
    let is_full_arn = segments.len() > ARN_HEADER_COLONS && segments[0] == "arn";
    if !is_full_arn {
        return pattern_tokens(requested);
    }
    let is_plain_ec2_id = segments[2] == "ec2" && segments.len() == ARN_HEADER_COLONS + 1;
    let restricted_colons = if is_plain_ec2_id {
        usize::MAX
    } else {
        ARN_HEADER_COLONS
    };
    tokens_restricting_header(requested, restricted_colons)
}

fn literal_tokens(text: &str) -> Vec<Token> {
    text.chars().map(Token::Literal).collect()
}

/// Does `pattern` match the concrete string `text`?
///
/// Action names are compared case-insensitively (IAM treats `EC2:runinstances`
/// and `ec2:RunInstances` alike); resource ARNs case-sensitively.
pub fn matches(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    // Fast paths: most patterns are `*`, and action names and ARNs are ASCII.
    if pattern == "*" {
        return true;
    }
    if pattern.is_ascii() && text.is_ascii() {
        // Without a `*`, each byte of the pattern reads one of the text.
        if pattern.len() != text.len() && !pattern.contains('*') {
            return false;
        }
        let (pattern, text) = (pattern.as_bytes(), text.as_bytes());
        return if case_insensitive {
            matches_ascii(pattern, text, |p, t| p.eq_ignore_ascii_case(&t))
        } else {
            matches_ascii(pattern, text, |p, t| p == t)
        };
    }
    if !has_wildcard(pattern) {
        return if case_insensitive {
            pattern.to_lowercase() == text.to_lowercase()
        } else {
            pattern == text
        };
    }
    if case_insensitive {
        let pattern = pattern.to_lowercase();
        let text = text.to_lowercase();
        covers(&pattern_tokens(&pattern), &literal_tokens(&text))
    } else {
        covers(&pattern_tokens(pattern), &literal_tokens(text))
    }
}

/// `matches` for ASCII, byte by byte and without allocating: the usual
/// scan that, on a mismatch, lets the last `*` seen take one more byte
/// (earlier stars need not: the last one can take whatever they would).
fn matches_ascii(pattern: &[u8], text: &[u8], same: impl Fn(u8, u8) -> bool) -> bool {
    let (mut p, mut t) = (0, 0);
    // After the last `*`: where the pattern resumes, and where in the text.
    let mut last_star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                p += 1;
                last_star = Some((p, t));
            }
            Some(&c) if c == b'?' || same(c, text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match last_star {
                Some((resume, taken)) => {
                    p = resume;
                    t = taken + 1;
                    last_star = Some((resume, t));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// True iff every string matched by `specific` is also matched by `general`
/// (both may contain wildcards). Case-sensitive.
///
/// The answer is sound: `true` is only returned when the inclusion really
/// holds. (The rare inclusions this misses are reported as `false`, which
/// callers treat as "not proven".)
pub fn subsumes(general: &str, specific: &str) -> bool {
    if let Some(answer) = subsumes_trivially(general, specific) {
        return answer;
    }
    covers(&pattern_tokens(general), &pattern_tokens(specific))
}

/// True iff some string is matched by both patterns. Case-sensitive; exact.
pub fn intersects(a: &str, b: &str) -> bool {
    if let Some(answer) = intersects_trivially(a, b) {
        return answer;
    }
    product_accepts(&pattern_tokens(a), &pattern_tokens(b))
}

/// Like `subsumes`, with `requested` read as a set of real resources: when it
/// is a full ARN, its partition/service/region/account wildcards stand for
/// colon-free text.
pub fn subsumes_request(general: &str, requested: &str) -> bool {
    if let Some(answer) = subsumes_trivially(general, requested) {
        return answer;
    }
    memoized(Relation::Subsumes, general, requested, || {
        covers(&pattern_tokens(general), &requested_tokens(requested))
    })
}

/// Like `intersects`, with `requested` read as in `subsumes_request`.
pub fn intersects_request(pattern: &str, requested: &str) -> bool {
    if let Some(answer) = intersects_trivially(pattern, requested) {
        return answer;
    }
    memoized(Relation::Intersects, pattern, requested, || {
        product_accepts(&pattern_tokens(pattern), &requested_tokens(requested))
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Relation {
    Subsumes,
    Intersects,
}

/// pattern → requested → answer, one table per relation. Nested so that a
/// look-up borrows the two strings instead of allocating a key.
#[derive(Default)]
struct Memo {
    tables: [Answers; 2],
    entries: usize,
}

type Answers = HashMap<Box<str>, HashMap<Box<str>, bool>>;

/// Entries kept before the memo starts over (bounds memory on huge runs).
const MEMO_LIMIT: usize = 1 << 16;

thread_local! {
    /// The same policy patterns meet the same requested ARNs again and
    /// again (every action of a statement, every target of an account);
    /// the automaton is the hot spot of a large audit, so answers are kept.
    static MEMO: std::cell::RefCell<Memo> = std::cell::RefCell::new(Memo::default());
}

fn memoized(relation: Relation, a: &str, b: &str, compute: impl FnOnce() -> bool) -> bool {
    let table = relation as usize;
    let known = MEMO.with(|m| {
        m.borrow().tables[table]
            .get(a)
            .and_then(|row| row.get(b))
            .copied()
    });
    if let Some(answer) = known {
        return answer;
    }
    let answer = compute();
    MEMO.with(|m| {
        let mut memo = m.borrow_mut();
        if memo.entries >= MEMO_LIMIT {
            *memo = Memo::default();
        }
        memo.entries += 1;
        memo.tables[table]
            .entry(Box::from(a))
            .or_default()
            .insert(Box::from(b), answer);
    });
    answer
}

/// Table `covered[i][j]`: the first `i` tokens of `general` cover the first
/// `j` tokens of `specific`. A star in general may absorb any run of
/// specific's tokens its class admits (wildcards included), a one-character
/// wildcard absorbs one token of a class it admits, and a literal only the
/// same literal. Each rule maps every expansion of the absorbed tokens into
/// general's language, which is why a `true` is sound.
fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// Answers that need no automaton: `*` covers everything, and a pattern
/// without wildcards covers exactly itself.
fn subsumes_trivially(general: &str, specific: &str) -> Option<bool> {
    if general == "*" {
        return Some(true);
    }
    if !has_wildcard(general) {
        // A literal covers one string: only the same literal.
        return Some(general == specific);
    }
    None
}

fn intersects_trivially(a: &str, b: &str) -> Option<bool> {
    if a == "*" || b == "*" {
        return Some(true);
    }
    if !has_wildcard(a) && !has_wildcard(b) {
        return Some(a == b);
    }
    None
}

fn covers(general: &[Token], specific: &[Token]) -> bool {
    let width = specific.len() + 1;
    let mut previous = vec![false; width];
    previous[0] = true;
    let mut current = vec![false; width];
    for &g in general {
        current[0] = g.is_star() && previous[0];
        for j in 1..width {
            let s = specific[j - 1];
            current[j] = match g {
                Token::Star | Token::SegmentStar => {
                    previous[j] || (admits(g.loop_class(), s.loop_class()) && current[j - 1])
                }
                Token::One | Token::SegmentOne => !s.is_star() && admits(g, s) && previous[j - 1],
                Token::Literal(c) => s == Token::Literal(c) && previous[j - 1],
            };
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[specific.len()]
}

/// Does the one-character class `wide` accept every character `narrow` can
/// read? (Both are non-star tokens.)
fn admits(wide: Token, narrow: Token) -> bool {
    match (wide, narrow) {
        (Token::One, _) => true,
        (Token::SegmentOne, Token::SegmentOne) => true,
        (Token::SegmentOne, Token::Literal(c)) => c != ':',
        (Token::Literal(x), Token::Literal(y)) => x == y,
        _ => false,
    }
}

/// Reachability in the product of the two patterns' automata. State (i, j)
/// means "i tokens of `a` and j tokens of `b` are behind us"; a star may be
/// stepped over for free or loop on a character while the other side moves.
/// All edges go to larger (i, j), so one pass in row order settles the table.
fn product_accepts(a: &[Token], b: &[Token]) -> bool {
    let width = b.len() + 1;
    let mut previous = vec![false; width];
    let mut current = vec![false; width];
    for i in 0..=a.len() {
        for j in 0..width {
            let start = i == 0 && j == 0;
            let skip_star_in_a = i > 0 && a[i - 1].is_star() && previous[j];
            let skip_star_in_b = j > 0 && b[j - 1].is_star() && current[j - 1];
            let both_read_one_char = i > 0
                && j > 0
                && !a[i - 1].is_star()
                && !b[j - 1].is_star()
                && compatible(a[i - 1], b[j - 1])
                && previous[j - 1];
            let a_star_loops_while_b_reads = j > 0
                && !b[j - 1].is_star()
                && a.get(i)
                    .is_some_and(|t| t.is_star() && compatible(t.loop_class(), b[j - 1]))
                && current[j - 1];
            let b_star_loops_while_a_reads = i > 0
                && !a[i - 1].is_star()
                && b.get(j)
                    .is_some_and(|t| t.is_star() && compatible(t.loop_class(), a[i - 1]))
                && previous[j];
            current[j] = start
                || skip_star_in_a
                || skip_star_in_b
                || both_read_one_char
                || a_star_loops_while_b_reads
                || b_star_loops_while_a_reads;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// Can two one-character tokens read the same character?
fn compatible(a: Token, b: Token) -> bool {
    match (a, b) {
        (Token::Literal(x), Token::Literal(y)) => x == y,
        (Token::SegmentOne, Token::Literal(c)) | (Token::Literal(c), Token::SegmentOne) => c != ':',
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_concrete_text() {
        let cases = [
            ("*", "", true),
            ("*", "anything", true),
            ("ec2:*", "ec2:RunInstances", true),
            ("ec2:*", "ec2", false),
            ("ec2:Describe*", "ec2:DescribeInstances", true),
            ("ec2:Describe*", "ec2:RunInstances", false),
            ("ec2:?unInstances", "ec2:RunInstances", true),
            ("ec2:?unInstances", "ec2:unInstances", false),
            ("ec2:??nInstances", "ec2:RunInstances", true),
            ("a*b*c", "abc", true),
            ("a*b*c", "aXbYc", true),
            ("a*b*c", "aXbY", false),
            ("", "", true),
            ("", "a", false),
            ("abc", "abcd", false),
            ("*?", "", false),
            ("*?", "x", true),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(
                matches(pattern, text, false),
                expected,
                "{pattern} vs {text}"
            );
        }
    }

    /// Every pattern and text of up to four characters from a small
    /// alphabet: the byte scan answers as the token table does.
    #[test]
    fn the_ascii_scan_agrees_with_the_table() {
        fn all(alphabet: &[char], max: usize) -> Vec<String> {
            let mut found = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                    .collect();
                found.extend(last.iter().cloned());
            }
            found
        }
        let strings = all(&['a', 'B', 'b', '*', '?'], 4);
        for pattern in &strings {
            for text in &strings {
                for folded in [false, true] {
                    let (p, t) = if folded {
                        (pattern.to_lowercase(), text.to_lowercase())
                    } else {
                        (pattern.clone(), text.clone())
                    };
                    let table = covers(&pattern_tokens(&p), &literal_tokens(&t));
                    assert_eq!(
                        matches(pattern, text, folded),
                        table,
                        "{pattern} vs {text} (case-insensitive: {folded})"
                    );
                }
            }
        }
    }

    #[test]
    fn action_names_match_case_insensitively_resources_do_not() {
        assert!(matches("EC2:runinstances", "ec2:RunInstances", true));
        assert!(matches("ec2:run*", "EC2:RunInstances", true));
        assert!(!matches("EC2:runinstances", "ec2:RunInstances", false));
        assert!(!matches(
            "arn:aws:ec2:*:*:Instance/*",
            "arn:aws:ec2:eu-west-1:1:instance/i-1",
            false
        ));
    }

    #[test]
    fn no_exponential_backtracking_on_hostile_patterns() {
        let pattern = "a*".repeat(2000) + "b";
        let text = "a".repeat(4000);
        assert!(!matches(&pattern, &text, false));
        assert!(!subsumes(&pattern, &text));
        assert!(!intersects(&pattern, &text));
        assert!(intersects(&pattern, &(text + "b")));
    }

    #[test]
    fn subsumes_truth_table() {
        let cases = [
            (
                "arn:aws:ec2:*:*:instance/*",
                "arn:aws:ec2:eu-central-1:123456789012:instance/*",
                true,
            ),
            ("*", "arn:aws:ec2:*:*:instance/*", true),
            ("*", "*", true),
            ("*", "", true),
            ("*", "?", true),
            (
                "arn:aws:ec2:*:*:instance/i-*",
                "arn:aws:ec2:*:*:instance/*",
                false,
            ),
            (
                "arn:aws:ec2:eu-west-1:*:instance/*",
                "arn:aws:ec2:*:*:instance/*",
                false,
            ),
            ("arn:aws:ec2:*:*:instance/*", "*", false),
            (
                "arn:aws:ec2:*:*:instance/*",
                "arn:aws:ec2:*:*:volume/*",
                false,
            ),
            ("abc", "abc", true),
            ("abc", "abd", false),
            ("a*", "a*", true),
            ("a*", "ab*", true),
            ("ab*", "a*", false),
            ("a*c", "a*b*c", true),
            ("a*b*c", "a*c", false),
            ("?", "?", true),
            ("?", "x", true),
            ("?", "*", false),
            ("?", "", false),
            ("??", "?", false),
            ("a?c", "abc", true),
            ("abc", "a?c", false),
            ("*?", "?*", true),
            ("?*", "*?", true),
            ("?*", "*", false),
            ("*", "?*?", true),
            ("*a*", "?a*", true),
            ("*a*", "*?*", false),
            ("x*y", "x*?y", true),
            ("x*?y", "x*y", false),
            // The `*` in the middle of general may also swallow a `*` of specific.
            ("arn:*", "arn:aws:*:instance/i-??", true),
            // `::` (empty account) in an image ARN is covered by `*`.
            (
                "arn:aws:ec2:*::image/*",
                "arn:aws:ec2:eu-west-1::image/ami-1",
                true,
            ),
            ("arn:aws:ec2:*::image/*", "arn:aws:ec2:*:*:image/*", false),
        ];
        for (general, specific, expected) in cases {
            assert_eq!(
                subsumes(general, specific),
                expected,
                "subsumes({general:?}, {specific:?})"
            );
        }
    }

    #[test]
    fn intersects_truth_table() {
        let cases = [
            ("*", "", true),
            ("", "", true),
            ("", "a", false),
            ("a*", "*b", true),
            ("a*", "b*", false),
            ("*a", "*b", false),
            ("a?c", "?b?", true),
            ("a?c", "??", false),
            ("?", "*", true),
            ("?", "", false),
            ("??", "*?", true),
            ("a*b", "a*c", false),
            ("*x*", "*y*", true),
            (
                "arn:aws:ec2:*:*:instance/i-*",
                "arn:aws:ec2:*:*:instance/*",
                true,
            ),
            (
                "arn:aws:ec2:eu-west-1:*:instance/*",
                "arn:aws:ec2:us-east-1:*:instance/*",
                false,
            ),
            (
                "arn:aws:ec2:eu-west-1:*:instance/*",
                "arn:aws:ec2:*:123:instance/i-1",
                true,
            ),
            // Plain patterns: `*` may run across `:`, so these do overlap
            // (e.g. on "arn:aws:ec2:a:b:instance/c:d:volume/e").
            (
                "arn:aws:ec2:*:*:volume/*",
                "arn:aws:ec2:*:*:instance/*",
                true,
            ),
            ("arn:aws:s3:::bucket/*", "*", true),
        ];
        for (a, b, expected) in cases {
            assert_eq!(intersects(a, b), expected, "intersects({a:?}, {b:?})");
            assert_eq!(intersects(b, a), expected, "intersects({b:?}, {a:?})");
        }
    }

    /// Every string over a tiny alphabet up to a length bound.
    fn all_strings(alphabet: &[char], max_len: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..max_len {
            let mut next = Vec::new();
            for s in &frontier {
                for &c in alphabet {
                    let mut longer = s.clone();
                    longer.push(c);
                    next.push(longer);
                }
            }
            out.extend(next.iter().cloned());
            frontier = next;
        }
        out
    }

    /// The set of `texts` a pattern matches, as a bitset.
    fn language(pattern: &str, texts: &[String]) -> Vec<u64> {
        let mut bits = vec![0u64; texts.len().div_ceil(64)];
        for (n, text) in texts.iter().enumerate() {
            if matches(pattern, text, false) {
                bits[n / 64] |= 1 << (n % 64);
            }
        }
        bits
    }

    /// Checks `subsumes` (soundness) and `intersects` (exactness) against brute
    /// force over every pattern of up to 4 characters from `a`, `b`, `*`, `?`.
    /// Two such patterns that share any string share one of length <= 6 (each
    /// character read advances a non-`*` token of at least one side), so
    /// strings up to length 6 over {a, b, c} decide overlap exactly and give
    /// a strong (if not complete) check of every claimed inclusion.
    #[test]
    fn subsumes_is_sound_and_intersects_exact_by_brute_force() {
        let patterns = all_strings(&['a', 'b', '*', '?'], 4);
        let texts = all_strings(&['a', 'b', 'c'], 6);
        let languages: Vec<Vec<u64>> = patterns.iter().map(|p| language(p, &texts)).collect();
        let mut proven_inclusions = 0;
        for (general, general_lang) in patterns.iter().zip(&languages) {
            for (specific, specific_lang) in patterns.iter().zip(&languages) {
                let included = specific_lang
                    .iter()
                    .zip(general_lang)
                    .all(|(s, g)| s & !g == 0);
                let overlap = specific_lang
                    .iter()
                    .zip(general_lang)
                    .any(|(s, g)| s & g != 0);
                if subsumes(general, specific) {
                    assert!(included, "unsound: subsumes({general:?}, {specific:?})");
                    proven_inclusions += 1;
                }
                assert_eq!(
                    intersects(general, specific),
                    overlap,
                    "intersects({general:?}, {specific:?})"
                );
            }
        }
        // Guard against a vacuous pass (e.g. `subsumes` always false).
        assert!(proven_inclusions > 5_000, "only {proven_inclusions}");
    }

    #[test]
    fn requested_arn_header_wildcards_do_not_cross_colons() {
        let instances = "arn:aws:ec2:*:*:instance/*";
        assert!(!intersects_request("arn:aws:ec2:*:*:volume/*", instances));
        assert!(!intersects_request("arn:aws:ec2:*:*:key-pair/*", instances));
        assert!(intersects_request(
            "arn:aws:ec2:*:*:instance/i-*",
            instances
        ));
        assert!(intersects_request("arn:aws:ec2:*", instances));
        assert!(intersects_request("arn:aws:ec2:eu-*:instance/*", instances));
        assert!(!intersects_request("*:x", instances));
        // Outside EC2 the resource part stays unrestricted: it may hold colons.
        assert!(intersects_request("*:x", "arn:aws:s3:::bucket/*"));
        assert!(!intersects_request(
            "arn:aws:s3:a:b:c::bucket/*",
            "arn:aws:s3:*::bucket/*"
        ));
        assert!(intersects(
            "arn:aws:s3:a:b:c::bucket/*",
            "arn:aws:s3:*::bucket/*"
        ));
        assert!(intersects_request(
            "arn:aws:ssm:*:*:parameter/*:x",
            "arn:aws:ssm:*:*:parameter/*"
        ));
        assert!(intersects_request(
            "arn:aws:ec2:*:*:instance/*:x",
            "arn:aws:ec2:*:*:instance/*:*"
        ));
        assert!(!intersects_request(
            "arn:aws:ec2:a:b:c:d:e:instance/*",
            "arn:aws:ec2:?:*:instance/*"
        ));
        assert!(subsumes_request("arn:aws:ec2:*:*:instance/*", instances));
        assert!(subsumes_request("*", instances));
        assert!(subsumes_request("arn:aws:ec2:*", instances));
        assert!(!subsumes_request("arn:aws:ec2:*:*:instance/i-*", instances));
        assert!(!subsumes_request(
            "arn:aws:ec2:eu-west-1:*:instance/*",
            instances
        ));
        // Not a full ARN: no restriction, plain semantics.
        assert!(intersects_request(
            "arn:aws:ec2:*:*:volume/*",
            "arn:aws:ec2:*"
        ));
        assert!(intersects_request("arn:aws:ec2:*:*:volume/*", "*"));
    }

    /// A slow, obviously right matcher for any token sequence.
    fn reference_match(tokens: &[Token], text: &[char]) -> bool {
        match tokens.split_first() {
            None => text.is_empty(),
            Some((Token::Star, rest)) => {
                (0..=text.len()).any(|skip| reference_match(rest, &text[skip..]))
            }
            Some((Token::SegmentStar, rest)) => (0..=text.len())
                .take_while(|&skip| !text[..skip].contains(&':'))
                .any(|skip| reference_match(rest, &text[skip..])),
            Some((&one, rest)) => text.split_first().is_some_and(|(&c, tail)| {
                let reads = match one {
                    Token::One => true,
                    Token::SegmentOne => c != ':',
                    Token::Literal(l) => l == c,
                    _ => false,
                };
                reads && reference_match(rest, tail)
            }),
        }
    }

    fn token_language(tokens: &[Token], texts: &[Vec<char>]) -> Vec<u64> {
        let mut bits = vec![0u64; texts.len().div_ceil(64)];
        for (n, text) in texts.iter().enumerate() {
            if reference_match(tokens, text) {
                bits[n / 64] |= 1 << (n % 64);
            }
        }
        bits
    }

    /// Brute force for colon-restricted wildcards: plain patterns against
    /// patterns whose wildcards before the first colon cannot match `:`.
    #[test]
    fn restricted_wildcards_by_brute_force() {
        let patterns = all_strings(&['a', ':', '*', '?'], 4);
        let texts: Vec<Vec<char>> = all_strings(&['a', 'b', ':'], 7)
            .iter()
            .map(|t| t.chars().collect())
            .collect();
        let plain: Vec<(Vec<Token>, Vec<u64>)> = patterns
            .iter()
            .map(|p| {
                let tokens = pattern_tokens(p);
                let lang = token_language(&tokens, &texts);
                (tokens, lang)
            })
            .collect();
        let restricted: Vec<(Vec<Token>, Vec<u64>)> = patterns
            .iter()
            .map(|p| {
                let tokens = tokens_restricting_header(p, 1);
                let lang = token_language(&tokens, &texts);
                (tokens, lang)
            })
            .collect();
        let mut proven_inclusions = 0;
        for (general, general_lang) in &plain {
            for (requested, requested_lang) in &restricted {
                let included = requested_lang
                    .iter()
                    .zip(general_lang)
                    .all(|(r, g)| r & !g == 0);
                let overlap = requested_lang
                    .iter()
                    .zip(general_lang)
                    .any(|(r, g)| r & g != 0);
                if covers(general, requested) {
                    assert!(included, "unsound: {general:?} covers {requested:?}");
                    proven_inclusions += 1;
                }
                assert_eq!(
                    product_accepts(general, requested),
                    overlap,
                    "{general:?} vs {requested:?}"
                );
                assert_eq!(product_accepts(requested, general), overlap);
            }
        }
        assert!(proven_inclusions > 5_000, "only {proven_inclusions}");
        // Plain token matching agrees with the reference matcher too.
        for (tokens, lang) in &plain {
            let fast: Vec<u64> = {
                let mut bits = vec![0u64; texts.len().div_ceil(64)];
                for (n, text) in texts.iter().enumerate() {
                    let text: String = text.iter().collect();
                    if covers(tokens, &literal_tokens(&text)) {
                        bits[n / 64] |= 1 << (n % 64);
                    }
                }
                bits
            };
            assert_eq!(&fast, lang, "{tokens:?}");
        }
    }

    #[test]
    fn matching_agrees_with_subsumes_on_literal_text() {
        let patterns = all_strings(&['a', '*', '?'], 4);
        let texts = all_strings(&['a', 'b'], 5);
        for p in &patterns {
            for t in &texts {
                assert_eq!(matches(p, t, false), subsumes(p, t), "{p:?} vs {t:?}");
            }
        }
    }
}
