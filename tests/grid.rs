//! The table layout (src/report/grid/) against comfy-table, whose layout it
//! copies: the same header and rows, fitted into the same width, must give
//! the same text, byte for byte.

use ccaudit::report::grid::Grid;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use proptest::prelude::*;

fn comfy<const N: usize>(header: [&str; N], rows: &[[String; N]], width: u16) -> String {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width);
    table.set_header(header);
    for row in rows {
        table.add_row(row.clone());
    }
    table.to_string()
}

fn ours<const N: usize>(header: [&str; N], rows: &[[String; N]], width: u16) -> String {
    let mut grid = Grid::new(header);
    for row in rows {
        grid.row(row.clone());
    }
    grid.render(width)
}

/// Words of every kind the layout treats apart: short and long ASCII,
/// empty (runs of spaces), wide (CJK, emoji), zero-width (combining marks,
/// a joiner sequence), a multiplication sign as in the quota details, and
/// control characters.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z]{1,9}",
        2 => "[A-Za-z0-9:/._-]{10,70}",
        1 => Just(String::new()),
        1 => Just("×".to_string()),
        1 => "[漢字テスト]{1,12}",
        1 => Just("🙂‍↕️".to_string()),
        1 => Just("e\u{301}\u{301}".to_string()),
        1 => Just("ok\u{1b}[31m\t\r".to_string()),
        1 => "[a-zé]{20,40}",
    ]
}

fn cell() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::collection::vec(word(), 0..14), 1..4).prop_map(|lines| {
        lines
            .iter()
            .map(|words| words.join(" "))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn rows<const N: usize>() -> impl Strategy<Value = Vec<[String; N]>> {
    prop::collection::vec(prop::array::uniform::<_, N>(cell()), 0..6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn four_columns_match_comfy_table(rows in rows::<4>(), width in 0u16..200) {
        let header = ["outcome", "severity", "rule", "finding"];
        prop_assert_eq!(ours(header, &rows, width), comfy(header, &rows, width));
    }

    #[test]
    fn six_columns_match_comfy_table(rows in rows::<6>(), width in 0u16..260) {
        let header = ["quota", "code", "formula", "required", "request (×2)", "applies"];
        prop_assert_eq!(ours(header, &rows, width), comfy(header, &rows, width));
    }

    #[test]
    fn any_header_matches_comfy_table(header in prop::array::uniform::<_, 2>(cell()), rows in rows::<2>(), width in 0u16..120) {
        let header = [header[0].as_str(), header[1].as_str()];
        prop_assert_eq!(ours(header, &rows, width), comfy(header, &rows, width));
    }
}

#[test]
fn a_finding_wrapped_into_sixty_columns() {
    let rows = [[
        "FAIL".to_string(),
        "critical".to_string(),
        "credentials-valid\naccount 123456789012".to_string(),
        "The access keys are valid\nsts:GetCallerIdentity was refused with InvalidClientTokenId: \
         The security token included in the request is invalid."
            .to_string(),
    ]];
    let header = ["outcome", "severity", "rule", "finding"];
    let drawn = ours(header, &rows, 60);
    assert_eq!(drawn, comfy(header, &rows, 60));
    // Read: the finding wraps at spaces, and a word longer than the
    // room left is cut where it reaches the border, as comfy-table does.
    insta::assert_snapshot!(drawn);
}
