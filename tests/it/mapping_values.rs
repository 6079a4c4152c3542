//! Mapping engine: values, coercions, records and units.

use std::borrow::Cow;

use lsbridge::mapping::{
    format_number, text_to_bool, text_to_number, FieldValue, LengthUnit, SourceRecord, WeightUnit,
};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn text_to_number_accepts_plain_float_syntax_only() {
    assert_eq!(text_to_number("12.50"), Ok(Some(12.5)));
    assert_eq!(text_to_number("  -3 "), Ok(Some(-3.0)));
    assert_eq!(text_to_number("+4"), Ok(Some(4.0)));
    assert_eq!(text_to_number(".5"), Ok(Some(0.5)));
    assert_eq!(text_to_number("1e3"), Ok(Some(1000.0)));
    assert_eq!(text_to_number(""), Ok(None));
    assert_eq!(text_to_number(" \t "), Ok(None));
    for bad in [
        "abc",
        "NaN",
        "nan",
        "inf",
        "-infinity",
        "1,234",
        "$5",
        "12 50",
        "١٢",
    ] {
        let err = text_to_number(bad).unwrap_err();
        assert!(err.contains("is not a number"), "{bad}: {err}");
    }
    assert_eq!(
        text_to_number("abc"),
        Err("\"abc\" is not a number".to_string())
    );
}

#[test]
fn error_quotes_are_short_and_single_line() {
    let long = "x".repeat(500);
    let err = text_to_number(&long).unwrap_err();
    assert!(err.len() < 120, "{err}");
    assert!(err.contains('…'));
    let err = text_to_number("a\nb\"c").unwrap_err();
    assert!(!err.contains('\n'), "{err}");
    assert!(err.contains("\\n") && err.contains("\\\""), "{err}");
}

#[test]
fn numbers_format_without_trailing_zero() {
    assert_eq!(format_number(12.0), "12");
    assert_eq!(format_number(12.5), "12.5");
    assert_eq!(format_number(-7.25), "-7.25");
    assert_eq!(format_number(-0.0), "0");
    assert_eq!(format_number(1e21), "1000000000000000000000");
    assert_eq!(format_number(0.1 + 0.2), "0.30000000000000004");
    assert_eq!(FieldValue::Number(3.0).as_text(), "3");
}

#[test]
fn number_view_of_every_shape() {
    assert_eq!(FieldValue::Number(2.5).as_number(), Ok(Some(2.5)));
    assert!(FieldValue::Number(f64::NAN).as_number().is_err());
    assert!(FieldValue::Number(f64::INFINITY).as_number().is_err());
    assert_eq!(FieldValue::Bool(true).as_number(), Ok(Some(1.0)));
    assert_eq!(FieldValue::Bool(false).as_number(), Ok(Some(0.0)));
    assert_eq!(FieldValue::text(" 12.50 ").as_number(), Ok(Some(12.5)));
    assert_eq!(
        FieldValue::List(vec!["7".into()]).as_number(),
        Ok(Some(7.0))
    );
    assert!(FieldValue::List(vec!["1".into(), "2".into()])
        .as_number()
        .is_err());
    assert_eq!(FieldValue::List(vec![]).as_number(), Ok(None));
    assert_eq!(FieldValue::Empty.as_number(), Ok(None));
}

#[test]
fn bool_view_accepts_true_false_yes_no_1_0_any_case() {
    for t in ["true", "TRUE", " Yes ", "1"] {
        assert_eq!(text_to_bool(t), Ok(Some(true)), "{t}");
    }
    for f in ["false", "False", "NO", " 0 "] {
        assert_eq!(text_to_bool(f), Ok(Some(false)), "{f}");
    }
    assert_eq!(text_to_bool(""), Ok(None));
    assert!(text_to_bool("maybe").unwrap_err().contains("\"maybe\""));
    assert_eq!(FieldValue::Number(1.0).as_bool(), Ok(Some(true)));
    assert_eq!(FieldValue::Number(0.0).as_bool(), Ok(Some(false)));
    assert!(FieldValue::Number(2.0).as_bool().is_err());
    assert_eq!(FieldValue::Bool(true).as_text(), "true");
    assert_eq!(FieldValue::Bool(false).as_text(), "false");
    assert_eq!(FieldValue::Empty.as_bool(), Ok(None));
}

#[test]
fn text_view_borrows_text_and_joins_lists() {
    let v = FieldValue::text("Ünïcödé ✓");
    assert!(matches!(v.as_text(), Cow::Borrowed("Ünïcödé ✓")));
    let one = FieldValue::List(vec!["a.jpg".into()]);
    assert!(matches!(one.as_text(), Cow::Borrowed("a.jpg")));
    let two = FieldValue::List(vec!["a.jpg".into(), "b.jpg".into()]);
    assert_eq!(two.as_text(), "a.jpg, b.jpg");
    assert_eq!(FieldValue::Empty.as_text(), "");
}

#[test]
fn blank_means_empty_whitespace_or_empty_list() {
    assert!(FieldValue::Empty.is_blank());
    assert!(FieldValue::text("").is_blank());
    assert!(FieldValue::text(" \t\n").is_blank());
    assert!(FieldValue::List(vec![]).is_blank());
    assert!(FieldValue::List(vec!["".into(), "  ".into()]).is_blank());
    assert!(!FieldValue::Number(0.0).is_blank());
    assert!(!FieldValue::Bool(false).is_blank());
    assert!(!FieldValue::text("0").is_blank());
}

#[test]
fn record_keeps_insertion_order_and_replaces_in_place() {
    let mut r = SourceRecord::new()
        .with("Sku", FieldValue::text("A-1"))
        .with("Name", FieldValue::text("Shirt"))
        .with("Quantity", FieldValue::Number(3.0));
    r.insert("Name", FieldValue::text("Tee"));
    let names: Vec<&str> = r.iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["Sku", "Name", "Quantity"]);
    assert_eq!(r.len(), 3);
    assert_eq!(r.text("Name"), "Tee");
    assert_eq!(r.text("Quantity"), "3");
    assert_eq!(r.number("Quantity"), Ok(Some(3.0)));
    assert_eq!(r.get("Missing"), None);
    assert_eq!(r.value("Missing"), &FieldValue::Empty);
    assert_eq!(r.number("Missing"), Ok(None));
    assert_eq!(r.bool("Missing"), Ok(None));
    let owned_name = String::from("Brand");
    r.insert(owned_name, FieldValue::text("Acme"));
    assert_eq!(r.text("Brand"), "Acme");
}

#[test]
fn record_serialises_as_an_ordered_map() {
    let r: SourceRecord = [
        ("Sku", FieldValue::text("A-1")),
        ("Weight", FieldValue::Number(1.5)),
        ("All Images", FieldValue::List(vec!["u".into()])),
        ("Brand", FieldValue::Empty),
    ]
    .into_iter()
    .collect();
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(
        json,
        r#"{"Sku":{"text":"A-1"},"Weight":{"number":1.5},"All Images":{"list":["u"]},"Brand":"empty"}"#
    );
    let back: SourceRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
    assert!(serde_json::from_str::<SourceRecord>("[1,2]").is_err());
}

#[test]
fn weight_units_parse_names_abbreviations_and_api_codes() {
    use WeightUnit::*;
    for (s, u) in [
        ("lb", Lb),
        ("LB", Lb),
        ("lbs", Lb),
        ("pound", Lb),
        ("Pounds", Lb),
        ("oz", Oz),
        ("OZ", Oz),
        ("ounce", Oz),
        ("kg", Kg),
        ("KG", Kg),
        ("kilogram", Kg),
        ("g", G),
        ("G", G),
        ("gram", G),
        ("grams", G),
        ("CT", Ct),
        ("carat", Ct),
        (" kg ", Kg),
    ] {
        assert_eq!(WeightUnit::parse(s), Some(u), "{s}");
    }
    assert_eq!(WeightUnit::parse("stone"), None);
    assert_eq!(WeightUnit::parse(""), None);
    assert_eq!(Lb.full_name(), "pound");
    let from_alias: WeightUnit = serde_json::from_str("\"pound\"").unwrap();
    assert_eq!(from_alias, Lb);
    assert_eq!(serde_json::to_string(&Kg).unwrap(), "\"kg\"");
}

#[test]
fn length_units_parse() {
    use LengthUnit::*;
    for (s, u) in [
        ("in", In),
        ("inches", In),
        ("CM", Cm),
        ("centimetre", Cm),
        ("mm", Mm),
        ("millimeters", Mm),
        ("yd", Yd),
        ("yard", Yd),
        ("ft", Ft),
        ("feet", Ft),
        ("m", M),
        ("metre", M),
    ] {
        assert_eq!(LengthUnit::parse(s), Some(u), "{s}");
    }
    assert_eq!(LengthUnit::parse("furlong"), None);
}

#[test]
fn weight_conversions_are_exact_by_definition_and_round_trip() {
    use WeightUnit::*;
    assert!(close(Lb.convert(1.0, Kg), 0.453_592_37));
    assert!(close(Lb.convert(1.0, Oz), 16.0));
    assert!(close(Kg.convert(1.0, G), 1000.0));
    assert!(close(Oz.convert(1.0, G), 28.349_523_125));
    assert!(close(Ct.convert(5.0, G), 1.0));
    assert!(close(Kg.convert(-2.0, Lb), -4.409_245_243_697_551));
    assert_eq!(G.convert(0.0, Lb), 0.0);
    for x in [0.001, 1.0, 2.5, 123.456, 10_000.0] {
        let via = Lb.convert(x, Kg);
        let via = Kg.convert(via, Oz);
        let via = Oz.convert(via, G);
        let back = G.convert(via, Lb);
        assert!(close(back, x), "{x} -> {back}");
    }
}

#[test]
fn length_conversions_round_trip() {
    use LengthUnit::*;
    assert!(close(In.convert(1.0, Cm), 2.54));
    assert!(close(Cm.convert(1.0, Mm), 10.0));
    assert!(close(Yd.convert(1.0, In), 36.0));
    assert!(close(Ft.convert(1.0, In), 12.0));
    assert!(close(M.convert(1.0, Cm), 100.0));
    assert!(close(Mm.convert(914.4, Yd), 1.0));
    for x in [0.5, 1.0, 7.25, 1000.0] {
        let back = Yd.convert(Mm.convert(Cm.convert(In.convert(x, Cm), Mm), Yd), In);
        assert!(close(back, x), "{x} -> {back}");
    }
}
