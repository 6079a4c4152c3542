//! Mapping engine: mapping-set editing and CSV import/export.

use lsbridge::mapping::{ImportMode, MappingRow, MappingSet, MappingSetError};

fn row(from: &str, to: &str) -> MappingRow {
    MappingRow {
        from: from.into(),
        to: to.into(),
    }
}

fn lines(e: &lsbridge::mapping::CsvImportError) -> Vec<u64> {
    e.errors.iter().map(|l| l.line).collect()
}

#[test]
fn lookup_is_exact_but_ignores_case_and_surrounding_whitespace() {
    let set = MappingSet::from_pairs(
        "Conditions",
        [
            ("new", "1"),
            ("Refurbished", "2"),
            ("Food and Beverage", "Food & Beverage"),
            ("ÉTÉ", "summer"),
        ],
    )
    .unwrap();
    assert_eq!(set.lookup("new"), Some("1"));
    assert_eq!(set.lookup("NEW"), Some("1"));
    assert_eq!(set.lookup("  refurbished "), Some("2"));
    assert_eq!(set.lookup("food AND beverage"), Some("Food & Beverage"));
    assert_eq!(set.lookup("été"), Some("summer"));
    assert_eq!(set.lookup("ne"), None);
    assert_eq!(set.lookup("news"), None);
    assert_eq!(set.lookup(""), None);
    assert_eq!(set.find_row("REFURBISHED"), Some(1));
}

#[test]
fn editing_rows() {
    let mut set = MappingSet::new("Brands");
    set.add_row(" Acme ", " ACME Corp ").unwrap();
    set.add_row("Globex", "Globex Inc").unwrap();
    assert_eq!(
        set.rows,
        [row("Acme", "ACME Corp"), row("Globex", "Globex Inc")]
    );

    assert_eq!(
        set.add_row("ACME", "dup"),
        Err(MappingSetError::Duplicate {
            from: "ACME".into(),
            row: 1
        })
    );
    assert_eq!(set.add_row("  ", "x"), Err(MappingSetError::BlankFrom));

    set.update_row(0, "acme", "Acme Corporation").unwrap();
    assert_eq!(set.rows[0], row("acme", "Acme Corporation"));
    let e = set.update_row(0, "globex", "x").unwrap_err();
    assert_eq!(
        e.to_string(),
        "\"globex\" is already mapped in row 2; edit that row instead"
    );
    assert_eq!(
        set.update_row(5, "a", "b"),
        Err(MappingSetError::NoSuchRow { row: 6, len: 2 })
    );

    assert_eq!(set.remove_row(0), Ok(row("acme", "Acme Corporation")));
    assert_eq!(set.rows, [row("Globex", "Globex Inc")]);
    assert!(set.remove_row(3).is_err());
    // A removed key can be added again.
    set.add_row("Acme", "back").unwrap();
    assert_eq!(set.lookup("acme"), Some("back"));
}

#[test]
fn csv_with_header_without_header_and_flxpoint_header() {
    let with_header = "from,to\nnew,1\nused,2\n";
    let set = MappingSet::from_csv("C", with_header).unwrap();
    assert_eq!(set.rows, [row("new", "1"), row("used", "2")]);

    let bare = "new,1\nused,2";
    assert_eq!(MappingSet::from_csv("C", bare).unwrap().rows, set.rows);

    let flx = "Convert From Value,To Value\r\nnew,1\r\nused,2\r\n";
    assert_eq!(MappingSet::from_csv("C", flx).unwrap().rows, set.rows);

    let upper = "\u{feff}FROM , TO\nnew,1\nused,2";
    assert_eq!(MappingSet::from_csv("C", upper).unwrap().rows, set.rows);
}

#[test]
fn csv_quotes_spaces_blank_lines_and_unicode() {
    let text = concat!(
        "from,to\n",
        "\n",
        "\"Food, Beverage\",\"Food & \"\"Drink\"\"\"\n",
        "  padded  ,  value  \n",
        "   \n",
        "Crème,Cream\n",
        "empty target,\n",
        "trailing cells,x,,\n",
    );
    let set = MappingSet::from_csv("S", text).unwrap();
    assert_eq!(
        set.rows,
        [
            row("Food, Beverage", "Food & \"Drink\""),
            row("padded", "value"),
            row("Crème", "Cream"),
            row("empty target", ""),
            row("trailing cells", "x"),
        ]
    );
}

#[test]
fn csv_bad_lines_are_reported_with_line_numbers_and_nothing_is_imported() {
    let text = concat!(
        "from,to\n", // 1
        "new,1\n",   // 2
        "justone\n", // 3
        "a,b,c\n",   // 4
        ",orphan\n", // 5
        "NEW,dup\n", // 6
        "fine,ok\n", // 7
    );
    let mut set = MappingSet::from_pairs("S", [("keep", "me")]).unwrap();
    let e = set.import_csv(text, ImportMode::Replace).unwrap_err();
    assert_eq!(lines(&e), [3, 4, 5, 6]);
    assert!(
        e.errors[0].message.contains("expected 2 columns"),
        "{}",
        e.errors[0]
    );
    assert!(e.errors[1].message.contains("found 3"), "{}", e.errors[1]);
    assert!(e.errors[2].message.contains("blank"), "{}", e.errors[2]);
    assert_eq!(
        e.errors[3].to_string(),
        "line 6: \"NEW\" is a duplicate of line 2"
    );
    let shown = e.to_string();
    assert!(
        shown.starts_with("the CSV was not imported (4 bad lines): line 3: "),
        "{shown}"
    );
    assert!(!shown.contains('\n'));
    // All or nothing.
    assert_eq!(set.rows, [row("keep", "me")]);
}

#[test]
fn csv_unclosed_quote_is_reported() {
    let text = "a,1\nb,\"oops\nc,3\n";
    let e = MappingSet::from_csv("S", text).unwrap_err();
    assert_eq!(lines(&e), [2]);
    assert!(
        e.errors[0].message.contains("never closed"),
        "{}",
        e.errors[0]
    );
}

#[test]
fn csv_error_summary_is_capped() {
    let text: String = (1..=8).map(|i| format!("only{i}\n")).collect();
    let e = MappingSet::from_csv("S", &text).unwrap_err();
    assert_eq!(lines(&e), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert!(e.to_string().ends_with("; and 3 more"), "{e}");
}

#[test]
fn csv_append_refuses_keys_already_in_the_set() {
    let mut set = MappingSet::from_pairs("S", [("new", "1"), ("used", "2")]).unwrap();
    let e = set
        .import_csv("refurb,3\nUSED,9\n", ImportMode::Append)
        .unwrap_err();
    assert_eq!(lines(&e), [2]);
    assert!(
        e.errors[0].message.contains("already in the set (row 2)"),
        "{}",
        e.errors[0]
    );
    assert_eq!(set.rows.len(), 2);

    assert_eq!(set.import_csv("refurb,3\n", ImportMode::Append), Ok(1));
    assert_eq!(set.lookup("refurb"), Some("3"));
    assert_eq!(set.rows.len(), 3);

    assert_eq!(
        set.import_csv("from,to\nonly,this\n", ImportMode::Replace),
        Ok(1)
    );
    assert_eq!(set.rows, [row("only", "this")]);
}

#[test]
fn empty_csv_gives_an_empty_set() {
    assert!(MappingSet::from_csv("S", "").unwrap().rows.is_empty());
    assert!(MappingSet::from_csv("S", "from,to\n")
        .unwrap()
        .rows
        .is_empty());
}

#[test]
fn csv_export_round_trips() {
    let set = MappingSet::from_pairs(
        "S",
        [
            ("a,b", "say \"hi\""),
            ("plain", "x"),
            ("ünï", ""),
            ("multi", "1,2"),
        ],
    )
    .unwrap();
    let csv = set.to_csv();
    assert!(csv.starts_with("from,to\n"));
    let back = MappingSet::from_csv("S", &csv).unwrap();
    assert_eq!(back, set);
}

#[test]
fn sets_serialise_with_stable_names() {
    let set = MappingSet::from_pairs("S", [("new", "1")]).unwrap();
    let json = serde_json::to_string(&set).unwrap();
    assert_eq!(json, r#"{"name":"S","rows":[{"from":"new","to":"1"}]}"#);
    assert_eq!(serde_json::from_str::<MappingSet>(&json).unwrap(), set);
}
