//! Mapping engine: every method, transform step, rule operator and mapping-set miss policy, applied to
//! typed records.

use lsbridge::mapping::{
    preview, CompiledTemplate, Condition, FieldValue, Integration, Join, LengthUnit, MapError,
    MappedRecord, MappingSet, Method, OnMiss, Op, Outcome, Rule, SourceRecord, Step, Template,
    WeightUnit,
};

fn t(s: &str) -> FieldValue {
    FieldValue::text(s)
}

fn n(x: f64) -> FieldValue {
    FieldValue::Number(x)
}

fn set(v: FieldValue) -> Result<Outcome, MapError> {
    Ok(Outcome::Set(v))
}

fn product() -> SourceRecord {
    SourceRecord::new()
        .with("Sku", t("LS-12345"))
        .with("Name", t("  Crème Brûlée Tee  "))
        .with("Brand", t("Acme"))
        .with("Supply Price", t("12.50"))
        .with("Price Including Tax", n(29.99))
        .with("Quantity", n(-2.0))
        .with("Weight", n(2.0))
        .with("Weight Unit", t("LB"))
        .with("Length", n(10.0))
        .with("Dimension Unit", t("cm"))
        .with("Category 1", t("Apparel"))
        .with("Category 2", t(""))
        .with("Description", t("   "))
        .with(
            "All Images",
            FieldValue::List(vec!["http://a/1.jpg".into(), "http://a/2.jpg".into()]),
        )
        .with("Variant Name", t("Small / Red"))
}

/// Maps one target of a Primary template against `record`.
fn map_with(
    target: &str,
    method: Method,
    sets: &[MappingSet],
    record: &SourceRecord,
) -> Result<Outcome, MapError> {
    let template = Template::new("t", Integration::Primary).with(target, method);
    let compiled = CompiledTemplate::compile_lenient(&template, sets);
    compiled.apply_field(0, record).unwrap()
}

fn map(target: &str, method: Method) -> Result<Outcome, MapError> {
    map_with(target, method, &[], &product())
}

fn steps(target: &str, source: &str, steps: Vec<Step>) -> Result<Outcome, MapError> {
    map(target, Method::transform(source, steps))
}

fn err(r: Result<Outcome, MapError>) -> String {
    r.unwrap_err().to_string()
}

// ---------------------------------------------------------------- Match It

#[test]
fn match_it_copies_and_coerces_to_the_target_kind() {
    assert_eq!(map("SKU", Method::match_it("Sku")), set(t("LS-12345")));
    assert_eq!(
        map("Title", Method::match_it("Name")),
        set(t("  Crème Brûlée Tee  "))
    );
    // Text that reads as a number becomes a number; a number becomes text without ".0".
    assert_eq!(map("Cost", Method::match_it("Supply Price")), set(n(12.5)));
    assert_eq!(
        map("MSRP", Method::match_it("Price Including Tax")),
        set(n(29.99))
    );
    assert_eq!(map("Quantity", Method::match_it("Quantity")), set(n(-2.0)));
    assert_eq!(
        map("Custom Field 1", Method::match_it("Weight")),
        set(t("2"))
    );
    assert_eq!(
        map("Images", Method::match_it("All Images")),
        set(FieldValue::List(vec![
            "http://a/1.jpg".into(),
            "http://a/2.jpg".into()
        ]))
    );
    assert_eq!(
        map("Custom Field 2", Method::match_it("All Images")),
        set(t("http://a/1.jpg, http://a/2.jpg"))
    );
}

#[test]
fn match_it_blank_whitespace_and_missing_fields_are_empty_not_errors() {
    assert_eq!(
        map("Sub Category", Method::match_it("Category 2")),
        set(FieldValue::Empty)
    );
    assert_eq!(
        map("Description", Method::match_it("Description")),
        set(FieldValue::Empty)
    );
    // "Brand" etc. are catalog fields this record lacks.
    assert_eq!(
        map("Height", Method::match_it("Height")),
        set(FieldValue::Empty)
    );
    assert_eq!(
        map("Parent SKU", Method::match_it("Parent Sku")),
        set(FieldValue::Empty)
    );
}

#[test]
fn match_it_reports_text_that_is_not_a_number_with_the_field_name() {
    for bad in ["abc", "NaN", "inf", "1,299.00"] {
        let r = SourceRecord::new().with("Supply Price", t(bad));
        let e = map_with("Cost", Method::match_it("Supply Price"), &[], &r).unwrap_err();
        assert_eq!(e.field, "Cost");
        assert_eq!(e.to_string(), format!("Cost: \"{bad}\" is not a number"));
    }
}

#[test]
fn match_it_into_images_from_a_single_text_url() {
    let r = SourceRecord::new().with("Name", t("https://x/a,b.jpg"));
    assert_eq!(
        map_with("Images", Method::match_it("Name"), &[], &r),
        set(FieldValue::List(vec!["https://x/a,b.jpg".into()]))
    );
    let r = SourceRecord::new().with(
        "All Images",
        FieldValue::List(vec!["".into(), "u1".into(), " ".into()]),
    );
    assert_eq!(
        map_with("Images", Method::match_it("All Images"), &[], &r),
        set(FieldValue::List(vec!["u1".into()]))
    );
}

// ---------------------------------------------------------------- Set It / Skip It / Set to Empty

#[test]
fn set_it_is_coerced_once_to_the_target_kind() {
    assert_eq!(
        map("Brand", Method::set_it("House Brand")),
        set(t("House Brand"))
    );
    assert_eq!(map("Cost", Method::set_it(" 12.50 ")), set(n(12.5)));
    assert_eq!(map("Quantity", Method::set_it("-0")), set(n(0.0)));
    assert_eq!(map("Brand", Method::set_it("")), set(FieldValue::Empty));
    assert_eq!(
        map("Images", Method::set_it("https://x/1.jpg")),
        set(FieldValue::List(vec!["https://x/1.jpg".into()]))
    );
    assert_eq!(
        err(map("Cost", Method::set_it("abc"))),
        "Cost: Set It value \"abc\" is not a number"
    );
}

#[test]
fn skip_it_keeps_and_set_to_empty_clears() {
    assert_eq!(map("Brand", Method::SkipIt), Ok(Outcome::Keep));
    assert_eq!(map("Brand", Method::SetToEmpty), Ok(Outcome::Clear));
    assert_eq!(map("Cost", Method::SetToEmpty), Ok(Outcome::Clear));
}

// ---------------------------------------------------------------- Transform It: text steps

#[test]
fn text_steps() {
    let cases: Vec<(Vec<Step>, &str)> = vec![
        (vec![Step::Trim], "Crème Brûlée Tee"),
        (vec![Step::Trim, Step::Upper], "CRÈME BRÛLÉE TEE"),
        (vec![Step::Trim, Step::Lower], "crème brûlée tee"),
        (
            vec![Step::Trim, Step::Lower, Step::Title],
            "Crème Brûlée Tee",
        ),
        (
            vec![Step::Trim, Step::Prefix("New: ".into())],
            "New: Crème Brûlée Tee",
        ),
        (
            vec![Step::Trim, Step::Suffix(" ✓".into())],
            "Crème Brûlée Tee ✓",
        ),
        (
            vec![
                Step::Trim,
                Step::Replace {
                    find: "e".into(),
                    with: "3".into(),
                },
            ],
            "Crèm3 Brûlé3 T33",
        ),
        (
            vec![Step::RegexReplace {
                pattern: r"^\s*(\S+)\s+(\S+).*$".into(),
                with: "$2 $1".into(),
            }],
            "Brûlée Crème",
        ),
        (vec![Step::Trim, Step::Truncate(5)], "Crème"),
        (vec![Step::Trim, Step::Truncate(500)], "Crème Brûlée Tee"),
    ];
    for (s, want) in cases {
        assert_eq!(steps("Title", "Name", s.clone()), set(t(want)), "{s:?}");
    }
}

#[test]
fn text_step_edge_cases() {
    let r = SourceRecord::new()
        .with("Name", t("straße don't STOP  o'neil\ttab"))
        .with("Brand", t("aAa"));
    let go = |src: &str, s: Vec<Step>| map_with("Title", Method::transform(src, s), &[], &r);
    assert_eq!(
        go("Name", vec![Step::Upper]),
        set(t("STRASSE DON'T STOP  O'NEIL\tTAB"))
    );
    assert_eq!(
        go("Name", vec![Step::Title]),
        set(t("Straße Don't Stop  O'neil\tTab"))
    );
    // Replace is literal and case-sensitive; it replaces every occurrence.
    let replace = |find: &str, with: &str| Step::Replace {
        find: find.into(),
        with: with.into(),
    };
    assert_eq!(go("Brand", vec![replace("a", "b")]), set(t("bAb")));
    assert_eq!(go("Brand", vec![replace("z", "b")]), set(t("aAa")));
    // Regex special characters in a plain Replace are literal.
    assert_eq!(go("Brand", vec![replace(".", "!")]), set(t("aAa")));
    // Regex replace is case-sensitive unless the pattern says otherwise.
    let rx = |p: &str| Step::RegexReplace {
        pattern: p.into(),
        with: "_".into(),
    };
    assert_eq!(go("Brand", vec![rx("a")]), set(t("_A_")));
    assert_eq!(go("Brand", vec![rx("(?i)a")]), set(t("___")));
    // Truncate never splits a multi-byte character.
    assert_eq!(go("Name", vec![Step::Truncate(5)]), set(t("straß")));
    // Trimming to nothing leaves the field empty rather than "".
    let blank = SourceRecord::new().with("Name", t("   x   "));
    assert_eq!(
        map_with(
            "Title",
            Method::transform("Name", vec![Step::Trim, replace("x", "")]),
            &[],
            &blank
        ),
        set(FieldValue::Empty)
    );
}

#[test]
fn text_steps_turn_numbers_into_text_and_edit_lists_per_element() {
    assert_eq!(
        steps(
            "Custom Field 1",
            "Price Including Tax",
            vec![Step::Prefix("$".into())]
        ),
        set(t("$29.99"))
    );
    assert_eq!(
        steps(
            "Images",
            "All Images",
            vec![Step::Replace {
                find: "http:".into(),
                with: "https:".into()
            }]
        ),
        set(FieldValue::List(vec![
            "https://a/1.jpg".into(),
            "https://a/2.jpg".into()
        ]))
    );
}

#[test]
fn steps_never_invent_a_value_from_a_blank_source() {
    assert_eq!(
        steps("Brand", "Category 2", vec![Step::Prefix("FR ".into())]),
        set(FieldValue::Empty)
    );
    assert_eq!(
        steps("Cost", "Height", vec![Step::Add(5.0)]),
        set(FieldValue::Empty)
    );
}

// ---------------------------------------------------------------- Transform It: number steps

fn num(x: FieldValue, s: Vec<Step>) -> Result<Outcome, MapError> {
    let r = SourceRecord::new().with("Supply Price", x);
    map_with("Cost", Method::transform("Supply Price", s), &[], &r)
}

#[test]
fn arithmetic_steps() {
    assert_eq!(num(t("12.50"), vec![Step::Add(1.5)]), set(n(14.0)));
    assert_eq!(num(n(10.0), vec![Step::Subtract(12.0)]), set(n(-2.0)));
    assert_eq!(num(n(-3.0), vec![Step::Multiply(-2.0)]), set(n(6.0)));
    assert_eq!(num(n(10.0), vec![Step::Divide(4.0)]), set(n(2.5)));
    // Order matters.
    assert_eq!(
        num(n(10.0), vec![Step::Multiply(2.0), Step::Add(1.0)]),
        set(n(21.0))
    );
    assert_eq!(
        num(n(10.0), vec![Step::Add(1.0), Step::Multiply(2.0)]),
        set(n(22.0))
    );
    // Markup then cents.
    assert_eq!(
        num(
            t("19.99"),
            vec![Step::Multiply(1.15), Step::Round { places: 2 }]
        ),
        set(n(22.99))
    );
}

#[test]
fn rounding_is_half_away_from_zero_on_the_decimal_shown() {
    let round = |x: f64, places: u32| num(n(x), vec![Step::Round { places }]);
    assert_eq!(round(2.5, 0), set(n(3.0)));
    assert_eq!(round(3.5, 0), set(n(4.0)));
    assert_eq!(round(-2.5, 0), set(n(-3.0)));
    assert_eq!(round(2.4999, 0), set(n(2.0)));
    assert_eq!(round(2.675, 2), set(n(2.68)));
    assert_eq!(round(1.005, 2), set(n(1.01)));
    assert_eq!(round(-1.005, 2), set(n(-1.01)));
    assert_eq!(round(0.125, 2), set(n(0.13)));
    assert_eq!(round(1.23456, 3), set(n(1.235)));
    assert_eq!(round(1234.5, 0), set(n(1235.0)));
    // No negative zero.
    let r = round(-0.001, 2).unwrap();
    match r {
        Outcome::Set(FieldValue::Number(x)) => assert!(x == 0.0 && x.is_sign_positive()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn ceil_and_floor_with_negatives() {
    assert_eq!(num(n(1.2), vec![Step::Ceil]), set(n(2.0)));
    assert_eq!(num(n(-1.5), vec![Step::Ceil]), set(n(-1.0)));
    assert_eq!(num(n(1.8), vec![Step::Floor]), set(n(1.0)));
    assert_eq!(num(n(-1.5), vec![Step::Floor]), set(n(-2.0)));
    assert_eq!(num(t(" 7 "), vec![Step::Floor]), set(n(7.0)));
}

#[test]
fn number_steps_report_bad_input_and_overflow() {
    assert_eq!(
        err(num(t("abc"), vec![Step::Multiply(2.0)])),
        "Cost: step 1 (Multiply): \"abc\" is not a number"
    );
    assert_eq!(
        err(num(t("NaN"), vec![Step::Trim, Step::Add(1.0)])),
        "Cost: step 2 (Add): \"NaN\" is not a number"
    );
    let e = err(num(n(1e308), vec![Step::Multiply(10.0)]));
    assert!(e.contains("too large"), "{e}");
}

#[test]
fn number_steps_into_a_text_target_format_cleanly() {
    let r = SourceRecord::new().with("Supply Price", t("12.50"));
    assert_eq!(
        map_with(
            "Custom Field 3",
            Method::transform("Supply Price", vec![Step::Add(1.0)]),
            &[],
            &r
        ),
        set(t("13.5"))
    );
}

// ---------------------------------------------------------------- Transform It: unit conversions

fn weight(value: FieldValue, unit: FieldValue, step: Step) -> Result<Outcome, MapError> {
    let r = SourceRecord::new()
        .with("Weight", value)
        .with("Weight Unit", unit);
    map_with("Weight", Method::transform("Weight", vec![step]), &[], &r)
}

fn from_record(to: WeightUnit) -> Step {
    Step::ConvertWeight {
        from: None,
        unit_field: None,
        to,
    }
}

fn approx(r: Result<Outcome, MapError>, want: f64) {
    match r {
        Ok(Outcome::Set(FieldValue::Number(x))) => {
            assert!((x - want).abs() < 1e-9, "{x} != {want}")
        }
        other => panic!("expected {want}, got {other:?}"),
    }
}

#[test]
fn convert_weight_with_a_fixed_unit() {
    let step = Step::ConvertWeight {
        from: Some(WeightUnit::Lb),
        unit_field: None,
        to: WeightUnit::Kg,
    };
    approx(weight(n(2.0), FieldValue::Empty, step), 0.907_184_74);
}

#[test]
fn convert_weight_reads_the_record_unit_in_any_spelling() {
    approx(weight(n(1.0), t("LB"), from_record(WeightUnit::Oz)), 16.0);
    approx(
        weight(n(1.0), t("pound"), from_record(WeightUnit::Oz)),
        16.0,
    );
    approx(weight(t("2"), t("KG"), from_record(WeightUnit::G)), 2000.0);
    approx(weight(n(500.0), t("G"), from_record(WeightUnit::Kg)), 0.5);
    approx(weight(n(16.0), t("oz"), from_record(WeightUnit::Lb)), 1.0);
    approx(weight(n(5.0), t("CT"), from_record(WeightUnit::G)), 1.0);
    approx(
        weight(n(-1.0), t("kilogram"), from_record(WeightUnit::G)),
        -1000.0,
    );
}

#[test]
fn convert_weight_errors_name_the_unit_field() {
    let e = err(weight(n(1.0), t(""), from_record(WeightUnit::Kg)));
    assert!(
        e.starts_with("Weight: step 1 (Convert Weight): Weight Unit is blank"),
        "{e}"
    );
    let e = err(weight(n(1.0), t("stone"), from_record(WeightUnit::Kg)));
    assert!(
        e.contains("\"stone\" (Weight Unit) is not a weight unit"),
        "{e}"
    );
}

#[test]
fn convert_weight_from_another_field() {
    let r = SourceRecord::new()
        .with("Weight", n(3.0))
        .with("Variant Name", t("oz"));
    let m = Method::transform(
        "Weight",
        vec![Step::ConvertWeight {
            from: None,
            unit_field: Some("Variant Name".into()),
            to: WeightUnit::Oz,
        }],
    );
    approx(map_with("Weight", m, &[], &r), 3.0);
}

#[test]
fn convert_length_fixed_and_from_dimension_unit() {
    let fixed = Step::ConvertLength {
        from: Some(LengthUnit::In),
        unit_field: None,
        to: LengthUnit::Cm,
    };
    approx(steps("Length", "Length", vec![fixed]), 25.4);
    let rec = Step::ConvertLength {
        from: None,
        unit_field: None,
        to: LengthUnit::Mm,
    };
    approx(steps("Length", "Length", vec![rec.clone()]), 100.0);
    let r = SourceRecord::new()
        .with("Height", n(1.0))
        .with("Dimension Unit", t("yd"));
    let m = Method::transform(
        "Height",
        vec![
            Step::ConvertLength {
                from: None,
                unit_field: None,
                to: LengthUnit::In,
            },
            Step::Round { places: 0 },
        ],
    );
    approx(map_with("Height", m, &[], &r), 36.0);
}

// ---------------------------------------------------------------- Transform It: mapping sets

fn colours() -> Vec<MappingSet> {
    vec![MappingSet::from_pairs(
        "Colours",
        [
            ("red", "Rouge"),
            ("Navy Blue", "Bleu Marine"),
            ("1", "One"),
            ("none", ""),
        ],
    )
    .unwrap()]
}

fn lookup(value: FieldValue, on_miss: OnMiss) -> Result<Outcome, MapError> {
    let r = SourceRecord::new().with("Variant Name", value);
    map_with(
        "Option Value 1",
        Method::lookup("Variant Name", "Colours", on_miss),
        &colours(),
        &r,
    )
}

#[test]
fn mapping_set_hits_ignore_case_and_surrounding_whitespace() {
    assert_eq!(lookup(t("red"), OnMiss::Keep), set(t("Rouge")));
    assert_eq!(lookup(t("RED"), OnMiss::Keep), set(t("Rouge")));
    assert_eq!(
        lookup(t("  navy blue "), OnMiss::Keep),
        set(t("Bleu Marine"))
    );
    assert_eq!(lookup(n(1.0), OnMiss::Keep), set(t("One")));
    // A row mapping to "" writes nothing.
    assert_eq!(lookup(t("None"), OnMiss::Keep), set(FieldValue::Empty));
    // Exact, not partial.
    assert_eq!(lookup(t("reddish"), OnMiss::Empty), set(FieldValue::Empty));
}

#[test]
fn mapping_set_miss_policies() {
    assert_eq!(lookup(t("Green"), OnMiss::Keep), set(t("Green")));
    assert_eq!(
        lookup(t("Green"), OnMiss::Fallback("Other".into())),
        set(t("Other"))
    );
    assert_eq!(lookup(t("Green"), OnMiss::Empty), set(FieldValue::Empty));
    // A blank source is a miss too.
    assert_eq!(lookup(t(" "), OnMiss::Keep), set(FieldValue::Empty));
    assert_eq!(
        lookup(FieldValue::Empty, OnMiss::Fallback("Other".into())),
        set(t("Other"))
    );
}

#[test]
fn mapping_set_then_steps_and_numeric_targets() {
    let conditions =
        vec![MappingSet::from_pairs("Conditions", [("new", "1"), ("used", "2")]).unwrap()];
    let r = SourceRecord::new().with("Variant Name", t("NEW"));
    let m = Method::TransformIt {
        source: "Variant Name".into(),
        mapping_set: Some("Conditions".into()),
        on_miss: OnMiss::Fallback("0".into()),
        steps: vec![Step::Add(10.0)],
    };
    assert_eq!(
        map_with("Quantity", m.clone(), &conditions, &r),
        set(n(11.0))
    );
    let r = SourceRecord::new().with("Variant Name", t("broken"));
    assert_eq!(map_with("Quantity", m, &conditions, &r), set(n(10.0)));
    let m = Method::TransformIt {
        source: "Variant Name".into(),
        mapping_set: Some("Colours".into()),
        on_miss: OnMiss::Keep,
        steps: vec![Step::Upper],
    };
    let r = SourceRecord::new().with("Variant Name", t("red"));
    assert_eq!(
        map_with("Option Value 1", m, &colours(), &r),
        set(t("ROUGE"))
    );
}

#[test]
fn mapping_set_applies_to_each_list_element() {
    let sets = vec![MappingSet::from_pairs("Hosts", [("a.jpg", "b.jpg")]).unwrap()];
    let r = SourceRecord::new().with(
        "All Images",
        FieldValue::List(vec!["A.JPG".into(), "c.jpg".into()]),
    );
    let go = |miss| {
        map_with(
            "Images",
            Method::lookup("All Images", "Hosts", miss),
            &sets,
            &r,
        )
    };
    assert_eq!(
        go(OnMiss::Keep),
        set(FieldValue::List(vec!["b.jpg".into(), "c.jpg".into()]))
    );
    assert_eq!(
        go(OnMiss::Empty),
        set(FieldValue::List(vec!["b.jpg".into()]))
    );
    assert_eq!(
        go(OnMiss::Fallback("x.jpg".into())),
        set(FieldValue::List(vec!["b.jpg".into(), "x.jpg".into()]))
    );
}

// ---------------------------------------------------------------- Smart Rules

fn rules(rules: Vec<Rule>, default: Method) -> Method {
    Method::SmartRules {
        rules,
        default: Box::new(default),
    }
}

fn rule(join: Join, conditions: Vec<Condition>, then: Method) -> Rule {
    Rule {
        join,
        conditions,
        then: Box::new(then),
    }
}

fn c(field: &str, op: Op, value: &str) -> Condition {
    Condition::new(field, op, value)
}

#[test]
fn and_needs_every_condition_or_needs_one() {
    let and = rules(
        vec![rule(
            Join::And,
            vec![
                c("Brand", Op::Equals, "acme"),
                c("Quantity", Op::LessThan, "0"),
            ],
            Method::set_it("yes"),
        )],
        Method::set_it("no"),
    );
    assert_eq!(map("Custom Field 1", and), set(t("yes")));
    let and_fails = rules(
        vec![rule(
            Join::And,
            vec![
                c("Brand", Op::Equals, "acme"),
                c("Quantity", Op::GreaterThan, "0"),
            ],
            Method::set_it("yes"),
        )],
        Method::set_it("no"),
    );
    assert_eq!(map("Custom Field 1", and_fails), set(t("no")));
    let or = rules(
        vec![rule(
            Join::Or,
            vec![
                c("Brand", Op::Equals, "other"),
                c("Quantity", Op::LessThan, "0"),
            ],
            Method::set_it("yes"),
        )],
        Method::set_it("no"),
    );
    assert_eq!(map("Custom Field 1", or), set(t("yes")));
    let or_fails = rules(
        vec![rule(
            Join::Or,
            vec![
                c("Brand", Op::Equals, "other"),
                c("Quantity", Op::GreaterThan, "0"),
            ],
            Method::set_it("yes"),
        )],
        Method::set_it("no"),
    );
    assert_eq!(map("Custom Field 1", or_fails), set(t("no")));
}

#[test]
fn first_matching_rule_wins_else_default() {
    let m = rules(
        vec![
            rule(
                Join::And,
                vec![c("Brand", Op::Equals, "nope")],
                Method::set_it("r1"),
            ),
            rule(
                Join::And,
                vec![c("Brand", Op::Equals, "acme")],
                Method::set_it("r2"),
            ),
            rule(
                Join::And,
                vec![c("Brand", Op::IsNotBlank, "")],
                Method::set_it("r3"),
            ),
        ],
        Method::set_it("default"),
    );
    assert_eq!(map("Custom Field 1", m), set(t("r2")));
    let none = rules(
        vec![rule(
            Join::And,
            vec![c("Brand", Op::IsBlank, "")],
            Method::set_it("r1"),
        )],
        Method::match_it("Sku"),
    );
    assert_eq!(map("Custom Field 1", none), set(t("LS-12345")));
}

#[test]
fn a_rule_without_conditions_always_runs() {
    let m = rules(
        vec![
            rule(Join::And, vec![], Method::set_it("always")),
            rule(Join::And, vec![], Method::set_it("never reached")),
        ],
        Method::set_it("default"),
    );
    assert_eq!(map("Custom Field 1", m), set(t("always")));
    let or = rules(
        vec![rule(Join::Or, vec![], Method::set_it("always"))],
        Method::set_it("default"),
    );
    assert_eq!(map("Custom Field 1", or), set(t("always")));
}

#[test]
fn rule_branches_can_be_any_method_including_nested_rules() {
    let inner = rules(
        vec![rule(
            Join::And,
            vec![c("Sku", Op::StartsWith, "ls-")],
            Method::match_it("Brand"),
        )],
        Method::SetToEmpty,
    );
    let m = rules(
        vec![
            rule(Join::And, vec![c("Brand", Op::IsBlank, "")], Method::SkipIt),
            rule(Join::And, vec![c("Brand", Op::IsNotBlank, "")], inner),
        ],
        Method::SetToEmpty,
    );
    assert_eq!(map("Brand", m.clone()), set(t("Acme")));
    let no_brand = SourceRecord::new().with("Sku", t("LS-1"));
    assert_eq!(map_with("Brand", m, &[], &no_brand), Ok(Outcome::Keep));
    let transform_branch = rules(
        vec![rule(
            Join::And,
            vec![c("Supply Price", Op::GreaterThan, "10")],
            Method::transform("Supply Price", vec![Step::Multiply(2.0)]),
        )],
        Method::match_it("Supply Price"),
    );
    assert_eq!(map("Cost", transform_branch), set(n(25.0)));
}

/// Evaluates `field op value` against `record` as a rule (true → "T", false → "F").
fn holds(record: &SourceRecord, field: &str, op: Op, value: &str) -> bool {
    let m = rules(
        vec![rule(
            Join::And,
            vec![c(field, op, value)],
            Method::set_it("T"),
        )],
        Method::set_it("F"),
    );
    match map_with("Custom Field 1", m, &[], record) {
        Ok(Outcome::Set(FieldValue::Text(s))) => s == "T",
        other => panic!("{field} {op:?} {value}: {other:?}"),
    }
}

fn sample() -> SourceRecord {
    SourceRecord::new()
        .with("Brand", t("  Acme Ünïcode  "))
        .with("Sku", t("007"))
        .with("Supply Price", t("12.50"))
        .with("Quantity", n(-3.0))
        .with("Weight", n(0.0))
        .with("Name", t("Blue Widget, 6 pack"))
        .with("Category 1", t(""))
        .with("Category 2", t("   "))
        .with("Price Including Tax", t("abc"))
}

#[test]
fn equals_and_not_equals() {
    let r = sample();
    assert!(holds(&r, "Brand", Op::Equals, "acme ünïcode"));
    assert!(holds(&r, "Brand", Op::Equals, "  ACME ÜNÏCODE "));
    assert!(!holds(&r, "Brand", Op::Equals, "Acme"));
    // Number fields compare numerically, text fields as text.
    assert!(holds(&r, "Supply Price", Op::Equals, "12.5"));
    assert!(holds(&r, "Quantity", Op::Equals, "-3.00"));
    assert!(holds(&r, "Sku", Op::Equals, "007"));
    assert!(!holds(&r, "Sku", Op::Equals, "7"));
    // Blank equals only the empty value.
    assert!(holds(&r, "Category 2", Op::Equals, ""));
    assert!(!holds(&r, "Category 2", Op::Equals, "x"));
    assert!(holds(&r, "Brand", Op::NotEquals, "Acme"));
    assert!(!holds(&r, "Supply Price", Op::NotEquals, "12.50"));
    assert!(holds(&r, "Category 1", Op::NotEquals, "x"));
}

#[test]
fn contains_starts_with_ends_with() {
    let r = sample();
    assert!(holds(&r, "Name", Op::Contains, "WIDGET"));
    assert!(holds(&r, "Name", Op::Contains, " 6 pack"));
    assert!(!holds(&r, "Name", Op::Contains, "12 pack"));
    assert!(holds(&r, "Brand", Op::Contains, "ÜNÏ"));
    assert!(holds(&r, "Name", Op::NotContains, "red"));
    assert!(!holds(&r, "Name", Op::NotContains, "blue"));
    assert!(holds(&r, "Brand", Op::StartsWith, "acme"));
    assert!(holds(&r, "Brand", Op::StartsWith, " ACME"));
    assert!(!holds(&r, "Brand", Op::StartsWith, "cme"));
    assert!(holds(&r, "Brand", Op::EndsWith, "ünïcode"));
    assert!(holds(&r, "Brand", Op::EndsWith, "CODE  "));
    assert!(!holds(&r, "Brand", Op::EndsWith, "acme"));
    // A number field's text view.
    assert!(holds(&r, "Quantity", Op::StartsWith, "-3"));
    assert!(holds(&r, "Supply Price", Op::EndsWith, ".50"));
    // Blank fields contain only the empty string.
    assert!(!holds(&r, "Category 1", Op::Contains, "a"));
    assert!(holds(&r, "Category 1", Op::NotContains, "a"));
}

#[test]
fn is_blank_and_is_not_blank() {
    let r = sample();
    assert!(holds(&r, "Category 1", Op::IsBlank, ""));
    assert!(holds(&r, "Category 2", Op::IsBlank, ""));
    assert!(
        holds(&r, "Category 3", Op::IsBlank, ""),
        "missing field is blank"
    );
    assert!(!holds(&r, "Weight", Op::IsBlank, ""), "0 is a value");
    assert!(holds(&r, "Weight", Op::IsNotBlank, ""));
    assert!(!holds(&r, "Category 2", Op::IsNotBlank, ""));
}

#[test]
fn numeric_comparisons() {
    let r = sample();
    assert!(holds(&r, "Supply Price", Op::GreaterThan, "12.49"));
    assert!(!holds(&r, "Supply Price", Op::GreaterThan, "12.5"));
    assert!(holds(&r, "Supply Price", Op::GreaterOrEqual, "12.5"));
    assert!(!holds(&r, "Supply Price", Op::GreaterOrEqual, "12.51"));
    assert!(holds(&r, "Quantity", Op::LessThan, "0"));
    assert!(holds(&r, "Quantity", Op::LessThan, "-2.5"));
    assert!(!holds(&r, "Quantity", Op::LessThan, "-3"));
    assert!(holds(&r, "Quantity", Op::LessOrEqual, "-3"));
    assert!(holds(&r, "Weight", Op::LessOrEqual, "0"));
    // Text fields holding numbers compare as numbers, not text ("007" > "10" would be false as text).
    assert!(!holds(&r, "Sku", Op::GreaterThan, "10"));
    assert!(holds(&r, "Sku", Op::GreaterThan, "6.5"));
    // Not a number or blank: never matches, in either direction.
    for op in [
        Op::GreaterThan,
        Op::LessThan,
        Op::GreaterOrEqual,
        Op::LessOrEqual,
    ] {
        assert!(!holds(&r, "Price Including Tax", op, "0"), "{op:?}");
        assert!(!holds(&r, "Category 1", op, "0"), "{op:?}");
    }
}

#[test]
fn in_list() {
    let r = sample();
    assert!(holds(&r, "Brand", Op::InList, "Foo, ACME ÜNÏCODE ,Bar"));
    assert!(!holds(&r, "Brand", Op::InList, "Foo,Acme"));
    assert!(holds(&r, "Supply Price", Op::InList, "1, 12.5, 13"));
    assert!(holds(&r, "Sku", Op::InList, "006,007"));
    assert!(!holds(&r, "Sku", Op::InList, "7,8"));
    assert!(!holds(&r, "Category 1", Op::InList, "a,b"));
}

#[test]
fn matches_regex_is_case_insensitive() {
    let r = sample();
    assert!(holds(&r, "Name", Op::MatchesRegex, r"^blue\b"));
    assert!(holds(&r, "Name", Op::MatchesRegex, r"\d+ PACK$"));
    assert!(!holds(&r, "Name", Op::MatchesRegex, r"^widget"));
    assert!(holds(&r, "Brand", Op::MatchesRegex, "ünï"));
    assert!(!holds(&r, "Name", Op::MatchesRegex, "(?-i)BLUE"));
    assert!(holds(&r, "Quantity", Op::MatchesRegex, r"^-\d$"));
}

#[test]
fn bool_values_compare_as_booleans() {
    let r = SourceRecord::new().with("Brand", FieldValue::Bool(true));
    assert!(holds(&r, "Brand", Op::Equals, "yes"));
    assert!(holds(&r, "Brand", Op::Equals, "TRUE"));
    assert!(holds(&r, "Brand", Op::NotEquals, "0"));
}

// ---------------------------------------------------------------- Whole records

fn mixed_template() -> Template {
    Template::new("mixed", Integration::Primary)
        .with("SKU", Method::match_it("Sku"))
        .with("Cost", Method::match_it("Supply Price"))
        .with(
            "Title",
            Method::transform(
                "Name",
                vec![Step::RegexReplace {
                    pattern: "(".into(),
                    with: "".into(),
                }],
            ),
        )
        .with("Quantity", Method::match_it("Quantity"))
        .with("Brand", Method::SkipIt)
        .with("Description", Method::SetToEmpty)
}

#[test]
fn a_failing_field_never_stops_the_others() {
    let compiled = CompiledTemplate::compile_lenient(&mixed_template(), &[]);
    let r = SourceRecord::new()
        .with("Sku", t("A-1"))
        .with("Supply Price", t("abc"))
        .with("Name", t("Shirt"))
        .with("Quantity", n(4.0));
    let out = compiled.apply(&r);
    assert_eq!(out.get("SKU"), Some(&Outcome::Set(t("A-1"))));
    assert_eq!(out.get("Cost"), Some(&Outcome::Keep));
    assert_eq!(out.get("Title"), Some(&Outcome::Keep));
    assert_eq!(out.get("Quantity"), Some(&Outcome::Set(n(4.0))));
    assert_eq!(out.get("Brand"), Some(&Outcome::Keep));
    assert_eq!(out.get("Description"), Some(&Outcome::Clear));
    let errors: Vec<String> = out.errors().iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0], "Cost: \"abc\" is not a number");
    assert!(
        errors[1].starts_with("Title: step 1 (Regex Replace): regex \"(\" is invalid: "),
        "{}",
        errors[1]
    );
    assert!(!errors[1].contains('\n'));
    assert!(!out.is_ok());
    let targets: Vec<&str> = out.iter().map(|(t, _)| t).collect();
    assert_eq!(
        targets,
        ["SKU", "Cost", "Title", "Quantity", "Brand", "Description"]
    );
}

#[test]
fn apply_into_reuses_buffers_and_handles_records_with_different_field_orders() {
    let template = Template::new("t", Integration::Primary)
        .with("SKU", Method::match_it("Sku"))
        .with("Title", Method::match_it("Name"));
    let compiled = CompiledTemplate::compile(&template, &[]).unwrap();
    let a = SourceRecord::new()
        .with("Sku", t("A"))
        .with("Name", t("Alpha"));
    let b = SourceRecord::new()
        .with("Name", t("Beta"))
        .with("Brand", t("x"))
        .with("Sku", t("B"));
    let c = SourceRecord::new().with("Name", t("Gamma"));
    let mut out = MappedRecord::new();
    for (rec, sku, title) in [
        (&a, t("A"), t("Alpha")),
        (&b, t("B"), t("Beta")),
        (&a, t("A"), t("Alpha")),
        (&c, FieldValue::Empty, t("Gamma")),
    ] {
        compiled.apply_into(rec, &mut out);
        assert_eq!(out.outcomes(), [Outcome::Set(sku), Outcome::Set(title)]);
        assert!(out.is_ok());
    }
}

#[test]
fn compiled_templates_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CompiledTemplate>();
    let compiled = CompiledTemplate::compile_lenient(&mixed_template(), &[]);
    std::thread::scope(|s| {
        for i in 0..2 {
            let compiled = &compiled;
            s.spawn(move || {
                let r = SourceRecord::new().with("Sku", t(&format!("S{i}")));
                let out = compiled.apply(&r);
                assert_eq!(out.get("SKU"), Some(&Outcome::Set(t(&format!("S{i}")))));
            });
        }
    });
}

#[test]
fn preview_shows_every_row_with_its_outcome_or_error() {
    let r = SourceRecord::new()
        .with("Sku", t("A-1"))
        .with("Supply Price", t("abc"))
        .with("Name", t("Shirt"));
    let rows = preview(&mixed_template(), &[], &r);
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[0], ("SKU".to_string(), Ok(Outcome::Set(t("A-1")))));
    assert_eq!(rows[1].0, "Cost");
    assert_eq!(
        rows[1].1.as_ref().unwrap_err().reason,
        "\"abc\" is not a number"
    );
    assert!(rows[2].1.is_err());
    assert_eq!(
        rows[3],
        ("Quantity".to_string(), Ok(Outcome::Set(FieldValue::Empty)))
    );
    assert_eq!(rows[4].1, Ok(Outcome::Keep));
    assert_eq!(rows[5].1, Ok(Outcome::Clear));
}

#[test]
fn preview_of_a_mid_edit_template_with_unknown_names_still_previews_the_rest() {
    let template = Template::new("", Integration::Primary)
        .with("Titel", Method::match_it("Name"))
        .with("Brand", Method::match_it("brand"))
        .with(
            "Cost",
            Method::lookup("Supply Price", "Missing Set", OnMiss::Keep),
        )
        .with("SKU", Method::match_it("Sku"));
    let rows = preview(&template, &[], &product());
    let errs: Vec<String> = rows
        .iter()
        .filter_map(|(_, r)| r.as_ref().err().map(|e| e.to_string()))
        .collect();
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(
        errs[0].starts_with("Titel: unknown target field \"Titel\""),
        "{}",
        errs[0]
    );
    assert!(errs[1].contains("did you mean \"Brand\""), "{}", errs[1]);
    assert!(
        errs[2].contains("mapping set \"Missing Set\" does not exist"),
        "{}",
        errs[2]
    );
    assert_eq!(rows[3].1, Ok(Outcome::Set(t("LS-12345"))));
}

#[test]
fn send_fr_records_map_with_their_own_catalog() {
    let template = Template::new("fr", Integration::SendFrs)
        .with(
            "Register Sale: Note",
            Method::transform(
                "Fulfillment Request: Fulfillment Request Number",
                vec![Step::Prefix("FR ".into())],
            ),
        )
        .with(
            "Register Sale Item: Quantity",
            Method::match_it("FR Item: Quantity"),
        )
        .with("Adjustments: Total Shipping Cost", Method::set_it("4.95"));
    let r = SourceRecord::new()
        .with("Fulfillment Request: Fulfillment Request Number", n(1001.0))
        .with("FR Item: Quantity", t("2"));
    let out = CompiledTemplate::compile_lenient(&template, &[]).apply(&r);
    assert_eq!(
        out.get("Register Sale: Note"),
        Some(&Outcome::Set(t("FR 1001")))
    );
    assert_eq!(
        out.get("Register Sale Item: Quantity"),
        Some(&Outcome::Set(n(2.0)))
    );
    assert_eq!(
        out.get("Adjustments: Total Shipping Cost"),
        Some(&Outcome::Set(n(4.95)))
    );
    assert!(out.is_ok());
}
