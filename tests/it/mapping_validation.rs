//! Mapping engine: save-time validation, field catalogs, default templates and template serialisation.

use lsbridge::mapping::defaults::{
    PRIMARY_TEMPLATE_NAME, SECONDARY_TEMPLATE_NAME, SEND_FRS_TEMPLATE_NAME,
};
use lsbridge::mapping::fields::{source_fields, target_field, target_fields};
use lsbridge::mapping::{
    default_template, default_templates, validate, CompiledTemplate, Condition, FieldKind,
    FieldValue, Integration, Join, MappingSet, Method, OnMiss, Op, Outcome, Rule, SourceRecord,
    Step, Template, ValidationIssue, WeightUnit, MAX_RULE_DEPTH,
};

fn primary() -> Template {
    Template::new("P", Integration::Primary)
        .with("SKU", Method::match_it("Sku"))
        .with("Title", Method::match_it("Name"))
}

fn issues_with(template: &Template, sets: &[MappingSet]) -> Vec<String> {
    validate(template, sets)
        .iter()
        .map(ValidationIssue::to_string)
        .collect()
}

fn issues(template: &Template) -> Vec<String> {
    issues_with(template, &[])
}

/// The only issue of `primary()` plus one row.
fn only_issue(target: &str, method: Method) -> String {
    let all = issues(&primary().with(target, method));
    assert_eq!(all.len(), 1, "{all:?}");
    all.into_iter().next().unwrap_or_default()
}

fn t(s: &str) -> FieldValue {
    FieldValue::text(s)
}

// ---------------------------------------------------------------- defaults

#[test]
fn defaults_are_named_as_the_seed_names_them_and_validate_clean() {
    let names: Vec<String> = default_templates().into_iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "Lightspeed Retail (X Series) – Get Inventory [Primary]",
            "Lightspeed Retail (X Series) – Get Inventory [Secondary]",
            "Lightspeed Retail (X Series) – Send FRs",
        ]
    );
    assert_eq!(names[0], PRIMARY_TEMPLATE_NAME);
    assert_eq!(names[1], SECONDARY_TEMPLATE_NAME);
    assert_eq!(names[2], SEND_FRS_TEMPLATE_NAME);
    for template in default_templates() {
        assert_eq!(validate(&template, &[]), Vec::new(), "{}", template.name);
        assert!(CompiledTemplate::compile(&template, &[]).is_ok());
    }
}

#[test]
fn primary_default_maps_the_seed_fields() {
    let t = default_template(Integration::Primary);
    let src = |target: &str| match t.field(target).map(|f| &f.method) {
        Some(Method::MatchIt { source }) => source.clone(),
        other => panic!("{target}: {other:?}"),
    };
    for (target, source) in [
        ("SKU", "Sku"),
        ("Title", "Name"),
        ("Description", "Description"),
        ("Brand", "Brand"),
        ("Cost", "Supply Price"),
        ("MSRP", "Price Including Tax"),
        ("Quantity", "Quantity"),
        ("Weight", "Weight"),
        ("Weight Unit", "Weight Unit"),
        ("Height", "Height"),
        ("Length", "Length"),
        ("Width", "Width"),
        ("Images", "All Images"),
        ("Primary Category", "Category 1"),
        ("Sub Category", "Category 2"),
        ("Parent SKU", "Parent Sku"),
        ("Option Name 1", "Option Name 1"),
        ("Option Value 10", "Option Value 10"),
    ] {
        assert_eq!(src(target), source, "{target}");
    }
    assert_eq!(t.fields.len(), 16 + 20);
}

#[test]
fn default_templates_map_sample_records() {
    let product = SourceRecord::new()
        .with("Sku", t("LS-12345"))
        .with("Name", t("Tee"))
        .with("Supply Price", FieldValue::Number(8.0))
        .with("Weight Unit", t("pound"))
        .with(
            "All Images",
            FieldValue::List(vec!["https://i/1.jpg".into()]),
        )
        .with("Option Name 1", t("Size"))
        .with("Option Value 1", t("M"));
    let out = CompiledTemplate::compile(&default_template(Integration::Primary), &[])
        .unwrap()
        .apply(&product);
    assert!(out.is_ok(), "{:?}", out.errors());
    assert_eq!(out.get("SKU"), Some(&Outcome::Set(t("LS-12345"))));
    assert_eq!(
        out.get("Cost"),
        Some(&Outcome::Set(FieldValue::Number(8.0)))
    );
    assert_eq!(out.get("Weight Unit"), Some(&Outcome::Set(t("pound"))));
    assert_eq!(out.get("Option Value 1"), Some(&Outcome::Set(t("M"))));
    assert_eq!(out.get("Brand"), Some(&Outcome::Set(FieldValue::Empty)));

    let level = SourceRecord::new()
        .with("Sku", t("LS-12345"))
        .with("Inventory Level", FieldValue::Number(50.0));
    let out = CompiledTemplate::compile(&default_template(Integration::Secondary), &[])
        .unwrap()
        .apply(&level);
    assert_eq!(
        out.get("Quantity"),
        Some(&Outcome::Set(FieldValue::Number(50.0)))
    );

    let fr = SourceRecord::new()
        .with(
            "Fulfillment Request: Fulfillment Request Number",
            t("FR-1001"),
        )
        .with("Shipping Address: First Name", t("Ada"))
        .with("Shipping Address: Email", t(""))
        .with("Billing Address: Email", t("ada@example.com"))
        .with("Shipping Address: Postal Code", t("SW1A 1AA"))
        .with("Shipping Address: Country Code", t("GB"))
        .with("FR Item: Unit Price", t("9.99"))
        .with("FR Item: Quantity", FieldValue::Number(2.0));
    let compiled = CompiledTemplate::compile(&default_template(Integration::SendFrs), &[]).unwrap();
    let out = compiled.apply(&fr);
    assert!(out.is_ok(), "{:?}", out.errors());
    assert_eq!(
        out.get("Customer: First Name"),
        Some(&Outcome::Set(t("Ada")))
    );
    assert_eq!(
        out.get("Customer: Email"),
        Some(&Outcome::Set(t("ada@example.com")))
    );
    assert_eq!(
        out.get("Customer: Physical Postcode"),
        Some(&Outcome::Set(t("SW1A 1AA")))
    );
    assert_eq!(
        out.get("Customer: Physical Country Id"),
        Some(&Outcome::Set(t("GB")))
    );
    assert_eq!(
        out.get("Register Sale: Note"),
        Some(&Outcome::Set(t("FR FR-1001")))
    );
    assert_eq!(
        out.get("Register Sale: Source Id"),
        Some(&Outcome::Set(t("FR-1001")))
    );
    assert_eq!(
        out.get("Register Sale Item: Price"),
        Some(&Outcome::Set(FieldValue::Number(9.99)))
    );
    // The shipping email wins when present.
    let fr = fr.with("Shipping Address: Email", t("ship@example.com"));
    assert_eq!(
        compiled.apply(&fr).get("Customer: Email"),
        Some(&Outcome::Set(t("ship@example.com")))
    );
}

// ---------------------------------------------------------------- catalogs

#[test]
fn primary_source_catalog_is_exactly_the_seed_list() {
    let names: Vec<(&str, FieldKind)> = source_fields(Integration::Primary)
        .iter()
        .map(|f| (f.name.as_str(), f.kind))
        .collect();
    use FieldKind::*;
    let mut want = vec![
        ("Brand", Text),
        ("Category 1", Text),
        ("Category 2", Text),
        ("Category 3", Text),
        ("Description", Text),
        ("Dimension Unit", Text),
        ("Height", Number),
        ("Id", Text),
        ("Length", Number),
        ("Loyalty Amount", Number),
        ("Name", Text),
        ("Parent Sku", Text),
        ("Price Excluding Tax", Number),
        ("Price Including Tax", Number),
        ("Quantity", Number),
        ("Sku", Text),
        ("Source", Text),
        ("Supply Price", Number),
        ("Variant Name", Text),
        ("Weight", Number),
        ("Weight Unit", Text),
        ("Width", Number),
        ("All Images", List),
    ];
    let opt: Vec<String> = (1..=10)
        .map(|i| format!("Option Name {i}"))
        .chain((1..=10).map(|i| format!("Option Value {i}")))
        .collect();
    want.extend(opt.iter().map(|s| (s.as_str(), Text)));
    assert_eq!(names, want);
    let secondary: Vec<&str> = source_fields(Integration::Secondary)
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(secondary, ["Inventory Level", "Sku", "Id"]);
}

#[test]
fn target_catalogs_and_required_marks() {
    let p = Integration::Primary;
    assert_eq!(target_fields(p).len(), 16 + 20 + 100 + 10);
    for name in [
        "Custom Field 1",
        "Custom Field 100",
        "Summary Field 10",
        "Option Value 10",
    ] {
        assert!(target_field(p, name).is_some(), "{name}");
    }
    assert!(target_field(p, "Custom Field 101").is_none());
    assert_eq!(
        target_field(p, "Images").map(|f| f.kind),
        Some(FieldKind::List)
    );
    assert_eq!(
        target_field(p, "Cost").map(|f| f.kind),
        Some(FieldKind::Number)
    );
    let required = |i| -> Vec<&str> {
        target_fields(i)
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name.as_str())
            .collect()
    };
    assert_eq!(required(p), ["SKU", "Title"]);
    assert_eq!(required(Integration::Secondary), ["Quantity"]);
    assert_eq!(
        required(Integration::SendFrs),
        [
            "Customer: First Name",
            "Customer: Last Name",
            "Customer: Physical Address 1",
            "Customer: Physical City",
            "Customer: Physical State",
            "Customer: Physical Postcode",
            "Customer: Physical Country Id",
            "Register Sale Item: Price",
            "Register Sale Item: Quantity",
        ]
    );
    let fr_targets = target_fields(Integration::SendFrs);
    assert_eq!(fr_targets.len(), 11 + 4 + 3 + 3 + 3);
    assert!(target_field(Integration::SendFrs, "Customer: Custom Field 4").is_some());
    assert_eq!(
        target_field(Integration::SendFrs, "Adjustments: Total Tax").map(|f| f.kind),
        Some(FieldKind::Number)
    );
}

#[test]
fn send_fr_source_catalog_has_the_seed_categories() {
    let names: Vec<&str> = source_fields(Integration::SendFrs)
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    // Billing, Fulfillment Request (number, payment method, created-at and the order's
    // money: subtotal, total, discount, shipping, tax), FR Item, Shipping, method.
    assert_eq!(names.len(), 13 + 8 + 3 + 14 + 1);
    for n in [
        "Fulfillment Request: Total Discount",
        "Fulfillment Request: Total Shipping Cost",
        "Fulfillment Request: Total Tax",
        "Fulfillment Request: Subtotal",
        "Fulfillment Request: Total",
        "Fulfillment Request: Created At",
        "Billing Address: Full Name",
        "Billing Address: Country Code",
        "Fulfillment Request: Payment Method",
        "FR Item: SKU",
        "FR Item: Unit Price",
        "Shipping Address: Address Line 3",
        "Source Shipping Method: Method",
    ] {
        assert!(names.contains(&n), "{n}");
    }
    assert!(!names.contains(&"Billing Address: Address Line 3"));
}

// ---------------------------------------------------------------- required fields

#[test]
fn required_fields_must_be_mapped_to_a_value() {
    let empty = Template::new("P", Integration::Primary);
    let all = issues(&empty);
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(
        all[0].starts_with("SKU: Get Inventory [Primary] requires this field"),
        "{}",
        all[0]
    );
    assert!(all[1].starts_with("Title: "), "{}", all[1]);

    let skipped = primary().with("Title", Method::SkipIt);
    assert_eq!(
        issues(&skipped),
        ["Title: Get Inventory [Primary] requires this field, but it is set to Skip It (Don't Map); map it to a value"]
    );
    let cleared = primary().with("SKU", Method::SetToEmpty);
    assert!(issues(&cleared)[0].contains("Set to Empty"));

    let rules = Method::SmartRules {
        rules: vec![Rule {
            join: Join::And,
            conditions: vec![Condition::new("Name", Op::IsBlank, "")],
            then: Box::new(Method::match_it("Sku")),
        }],
        default: Box::new(Method::SkipIt),
    };
    let e = issues(&primary().with("Title", rules));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("but the default: it is set to Skip It"),
        "{}",
        e[0]
    );

    let secondary = Template::new("S", Integration::Secondary);
    assert!(issues(&secondary)[0].starts_with("Quantity: Get Inventory [Secondary] requires"));

    let fr = Template::new("F", Integration::SendFrs);
    let fields: Vec<String> = validate(&fr, &[]).into_iter().map(|i| i.field).collect();
    assert_eq!(fields.len(), 9);
    assert!(fields.contains(&"Customer: Physical Postcode".to_string()));
    assert!(fields.contains(&"Register Sale Item: Quantity".to_string()));
}

// ---------------------------------------------------------------- field-level issues

#[test]
fn unknown_targets_and_sources_are_named_with_suggestions() {
    assert_eq!(
        only_issue("Titles", Method::match_it("Name")),
        "Titles: unknown target field \"Titles\"; pick one of the Get Inventory [Primary] target fields"
    );
    assert_eq!(
        only_issue("Brand", Method::match_it("brand")),
        "Brand: unknown source field \"brand\" (did you mean \"Brand\"?)"
    );
    // Secondary cannot read catalog fields.
    let s =
        Template::new("S", Integration::Secondary).with("Quantity", Method::match_it("Quantity"));
    assert_eq!(
        issues(&s),
        ["Quantity: unknown source field \"Quantity\"; pick one of the Get Inventory [Secondary] source fields"]
    );
    // Fields inside steps and conditions are checked too.
    let rule_field = Method::SmartRules {
        rules: vec![Rule {
            join: Join::Or,
            conditions: vec![Condition::new("Colour", Op::Equals, "red")],
            then: Box::new(Method::set_it("x")),
        }],
        default: Box::new(Method::SkipIt),
    };
    assert!(only_issue("Brand", rule_field).contains("unknown source field \"Colour\""));
}

#[test]
fn constants_that_can_never_fit_the_target() {
    assert_eq!(
        only_issue("Cost", Method::set_it("abc")),
        "Cost: Set It value \"abc\" is not a number"
    );
    assert!(only_issue("Cost", Method::set_it("NaN")).starts_with("Cost: "));
    // Fine: numbers as text, blanks.
    assert!(issues(&primary().with("Cost", Method::set_it(" 12.50 "))).is_empty());
    assert!(issues(&primary().with("Cost", Method::set_it(""))).is_empty());

    let sets = [MappingSet::from_pairs("Prices", [("a", "1"), ("b", "two")]).unwrap()];
    let m = Method::TransformIt {
        source: "Variant Name".into(),
        mapping_set: Some("Prices".into()),
        on_miss: OnMiss::Fallback("n/a".into()),
        steps: vec![],
    };
    let e = issues_with(&primary().with("Cost", m), &sets);
    assert_eq!(
        e,
        [
            "Cost: the fallback value \"n/a\": \"n/a\" is not a number",
            "Cost: mapping set \"Prices\" row 2: \"two\" is not a number",
        ]
    );
}

#[test]
fn a_fallback_without_a_mapping_set_is_reported() {
    let m = Method::TransformIt {
        source: "Brand".into(),
        mapping_set: None,
        on_miss: OnMiss::Fallback("Generic".into()),
        steps: vec![Step::Trim],
    };
    assert!(only_issue("Brand", m).starts_with(
        "Brand: the fallback value \"Generic\" is only used when a mapping set has no match"
    ));
}

#[test]
fn lists_can_never_become_numbers() {
    assert_eq!(
        only_issue("Cost", Method::match_it("All Images")),
        "Cost: All Images is a list of values and can never be a number; map a single-value field"
    );
    let e = issues(&primary().with(
        "Cost",
        Method::transform("All Images", vec![Step::Add(1.0)]),
    ));
    assert!(
        e.iter()
            .any(|i| i.contains("step 1 needs a number but All Images is a list")),
        "{e:?}"
    );
    // A list into a text field is fine (joined).
    assert!(issues(&primary().with("Custom Field 1", Method::match_it("All Images"))).is_empty());
}

#[test]
fn invalid_regexes_are_reported_at_validation() {
    let step = Method::transform(
        "Name",
        vec![
            Step::Trim,
            Step::RegexReplace {
                pattern: "(".into(),
                with: "".into(),
            },
        ],
    );
    let e = only_issue("Brand", step);
    assert!(
        e.starts_with("Brand: step 2 (Regex Replace): regex \"(\" is invalid: "),
        "{e}"
    );
    let cond = Method::SmartRules {
        rules: vec![Rule {
            join: Join::And,
            conditions: vec![Condition::new("Name", Op::MatchesRegex, "[a-")],
            then: Box::new(Method::set_it("x")),
        }],
        default: Box::new(Method::SkipIt),
    };
    let e = only_issue("Brand", cond);
    assert!(
        e.starts_with("Brand: rule 1: regex \"[a-\" is invalid: "),
        "{e}"
    );
    assert!(!e.contains('\n'));
}

#[test]
fn unknown_mapping_sets() {
    let sets = [MappingSet::new("Colours")];
    let e = issues_with(
        &primary().with("Brand", Method::lookup("Brand", "colours", OnMiss::Keep)),
        &sets,
    );
    assert_eq!(
        e,
        ["Brand: mapping set \"colours\" does not exist (did you mean \"Colours\"?)"]
    );
    let e = issues_with(
        &primary().with("Brand", Method::lookup("Brand", "Sizes", OnMiss::Keep)),
        &sets,
    );
    assert!(e[0].contains("create it under Mapping Sets"), "{e:?}");
    assert!(issues_with(
        &primary().with("Brand", Method::lookup("Brand", "Colours", OnMiss::Keep)),
        &sets
    )
    .is_empty());
}

#[test]
fn rule_problems() {
    let empty = Method::SmartRules {
        rules: vec![],
        default: Box::new(Method::match_it("Brand")),
    };
    assert_eq!(
        only_issue("Brand", empty),
        "Brand: Smart Rules has no rules; add a rule or use the default's method directly"
    );
    let cond = |op, value: &str| Method::SmartRules {
        rules: vec![Rule {
            join: Join::And,
            conditions: vec![Condition::new("Supply Price", op, value)],
            then: Box::new(Method::set_it("x")),
        }],
        default: Box::new(Method::SkipIt),
    };
    assert_eq!(
        only_issue("Brand", cond(Op::GreaterThan, "ten")),
        "Brand: rule 1: Supply Price Greater Than needs a number to compare with, not \"ten\""
    );
    assert!(only_issue("Brand", cond(Op::LessOrEqual, "")).contains("needs a number"));
    assert!(
        only_issue("Brand", cond(Op::InList, " , ")).contains("In List needs at least one value")
    );
    assert!(issues(&primary().with("Brand", cond(Op::IsBlank, "ignored"))).is_empty());
    assert!(issues(&primary().with("Brand", cond(Op::Equals, ""))).is_empty());
}

#[test]
fn rules_nested_too_deep_are_refused() {
    let mut m = Method::set_it("x");
    for _ in 0..=MAX_RULE_DEPTH {
        m = Method::SmartRules {
            rules: vec![],
            default: Box::new(m),
        };
    }
    let e = issues(&primary().with("Brand", m));
    assert!(
        e.iter().any(|i| i.contains("nested more than 8 levels")),
        "{e:?}"
    );
}

#[test]
fn step_arguments_that_can_never_work() {
    let one = |s: Step| only_issue("Cost", Method::transform("Supply Price", vec![s]));
    assert_eq!(
        one(Step::Divide(0.0)),
        "Cost: step 1 (Divide): dividing by 0 is not possible; use another divisor"
    );
    assert!(one(Step::Add(f64::NAN)).contains("is not a usable number"));
    assert!(one(Step::Multiply(f64::INFINITY)).contains("is not a usable number"));
    assert!(one(Step::Round { places: 13 }).contains("use at most 12"));
    let text = |s: Step| only_issue("Brand", Method::transform("Brand", vec![s]));
    assert!(text(Step::Truncate(0)).contains("Truncate"));
    assert!(text(Step::Replace {
        find: "".into(),
        with: "x".into()
    })
    .contains("the text to find is empty"));
    // A unit field the integration does not have.
    let fr = Template::new("F", Integration::SendFrs).with(
        "Register Sale Item: Tax",
        Method::transform(
            "FR Item: Unit Price",
            vec![Step::ConvertWeight {
                from: None,
                unit_field: None,
                to: WeightUnit::Kg,
            }],
        ),
    );
    let e = validate(&fr, &[]);
    let tax: Vec<&ValidationIssue> = e
        .iter()
        .filter(|i| i.field == "Register Sale Item: Tax")
        .collect();
    assert_eq!(tax.len(), 1, "{e:?}");
    assert!(tax[0]
        .message
        .contains("\"Weight Unit\", which Send FRs records do not have"));
}

#[test]
fn template_level_issues() {
    let dup = primary().with("Brand", Method::SkipIt);
    let mut dup = dup;
    dup.fields.push(lsbridge::mapping::FieldMapping {
        target: "Brand".into(),
        method: Method::match_it("Brand"),
    });
    assert_eq!(
        issues(&dup),
        ["Brand: mapped twice (rows 3 and 4); remove one of them"]
    );
    let mut nameless = primary();
    nameless.name = "  ".into();
    assert_eq!(issues(&nameless), ["name: the template needs a name"]);
}

#[test]
fn strict_compile_refuses_templates_with_issues() {
    let bad = primary().with("Cost", Method::set_it("abc"));
    let e = CompiledTemplate::compile(&bad, &[]).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].field, "Cost");
    let missing = Template::new("x", Integration::Primary);
    assert_eq!(
        CompiledTemplate::compile(&missing, &[]).unwrap_err().len(),
        2
    );
}

// ---------------------------------------------------------------- serialisation

#[test]
fn templates_serialise_with_stable_snake_case_names() {
    let template = Template::new("T", Integration::SendFrs)
        .with(
            "Register Sale: Note",
            Method::transform(
                "Fulfillment Request: Fulfillment Request Number",
                vec![
                    Step::Prefix("FR ".into()),
                    Step::RegexReplace {
                        pattern: "x".into(),
                        with: "y".into(),
                    },
                    Step::Round { places: 2 },
                    Step::ConvertWeight {
                        from: Some(WeightUnit::Lb),
                        unit_field: None,
                        to: WeightUnit::Kg,
                    },
                    Step::Trim,
                ],
            ),
        )
        .with(
            "Customer: Email",
            Method::SmartRules {
                rules: vec![Rule {
                    join: Join::Or,
                    conditions: vec![Condition::new("Shipping Address: Email", Op::InList, "a,b")],
                    then: Box::new(Method::SetToEmpty),
                }],
                default: Box::new(Method::SkipIt),
            },
        )
        .with(
            "Customer: Phone",
            Method::lookup("Shipping Address: Phone", "S", OnMiss::Fallback("0".into())),
        );
    let json = serde_json::to_string(&template).unwrap();
    for needle in [
        r#""integration":"send_frs""#,
        r#""kind":"transform_it""#,
        r#"{"prefix":"FR "}"#,
        r#"{"regex_replace":{"pattern":"x","with":"y"}}"#,
        r#"{"round":{"places":2}}"#,
        r#"{"convert_weight":{"from":"lb","to":"kg"}}"#,
        r#""trim""#,
        r#""kind":"smart_rules""#,
        r#""join":"or""#,
        r#""op":"in_list""#,
        r#""kind":"set_to_empty""#,
        r#""kind":"skip_it""#,
        r#""on_miss":{"fallback":"0"}"#,
    ] {
        assert!(json.contains(needle), "{needle} not in {json}");
    }
    let back: Template = serde_json::from_str(&json).unwrap();
    assert_eq!(back, template);
    // Optional parts may be left out when hand-writing a template.
    let short: Template = serde_json::from_str(
        r#"{"name":"x","integration":"primary","fields":[{"target":"SKU","method":{"kind":"transform_it","source":"Sku"}}]}"#,
    )
    .unwrap();
    assert_eq!(short.fields[0].method, Method::transform("Sku", vec![]));
}
