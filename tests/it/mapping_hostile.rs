//! Mapping engine: no input makes it panic. Every step and operator is run over awkward values (empty,
//! control characters, characters whose case mapping changes length, huge and tiny numbers).

use lsbridge::mapping::{
    CompiledTemplate, Condition, FieldValue, Integration, Join, LengthUnit, MappingSet, Method,
    OnMiss, Op, Rule, SourceRecord, Step, Template, WeightUnit,
};

fn values() -> Vec<FieldValue> {
    let texts = [
        "",
        " ",
        "\u{0}",
        "\t\n\r",
        "İstanbul",
        "ǅemal",
        "ß",
        "ﬃ",
        "e\u{301}",
        "🙂👍🏽",
        "1e309",
        "-1e-320",
        "-0",
        "NaN",
        "infinity",
        "0x10",
        "12.50",
        "  -7  ",
        "\"quoted\",comma",
        "$1",
        "((((",
    ];
    let mut v: Vec<FieldValue> = texts.iter().map(|s| FieldValue::text(*s)).collect();
    v.push(FieldValue::text("x".repeat(10_000)));
    v.push(FieldValue::text("İ".repeat(500)));
    for n in [
        0.0,
        -0.0,
        1e308,
        -1e308,
        f64::MIN_POSITIVE,
        5e-324,
        f64::NAN,
        f64::INFINITY,
    ] {
        v.push(FieldValue::Number(n));
    }
    v.push(FieldValue::Bool(true));
    v.push(FieldValue::List(vec![]));
    v.push(FieldValue::List(vec!["İ".into(), "".into(), "1".into()]));
    v.push(FieldValue::Empty);
    v
}

fn all_steps() -> Vec<Step> {
    vec![
        Step::Trim,
        Step::Upper,
        Step::Lower,
        Step::Title,
        Step::Prefix("İ".into()),
        Step::Suffix("\u{0}".into()),
        Step::Replace {
            find: "İ".into(),
            with: "$0".into(),
        },
        Step::RegexReplace {
            pattern: r"(?i)i|\s+".into(),
            with: "${1}$2x".into(),
        },
        Step::Truncate(1),
        Step::Add(1e308),
        Step::Subtract(-1e308),
        Step::Multiply(1e300),
        Step::Divide(1e-300),
        Step::Round { places: 12 },
        Step::Round { places: 0 },
        Step::Ceil,
        Step::Floor,
        Step::ConvertWeight {
            from: None,
            unit_field: None,
            to: WeightUnit::Ct,
        },
        Step::ConvertWeight {
            from: Some(WeightUnit::Ct),
            unit_field: None,
            to: WeightUnit::Lb,
        },
        Step::ConvertLength {
            from: None,
            unit_field: None,
            to: LengthUnit::Mm,
        },
    ]
}

fn record(v: &FieldValue) -> SourceRecord {
    [
        "Name",
        "Supply Price",
        "All Images",
        "Weight Unit",
        "Dimension Unit",
        "Brand",
    ]
    .into_iter()
    .map(|k| (k, v.clone()))
    .collect()
}

#[test]
fn every_step_on_every_value_into_every_kind() {
    let sets = [MappingSet::from_pairs("S", [("İstanbul", "x"), ("1", "2")]).unwrap()];
    let mut template = Template::new("t", Integration::Primary);
    for (i, step) in all_steps().into_iter().enumerate() {
        for (j, (target, source)) in [
            ("Custom Field", "Name"),
            ("Cost", "Supply Price"),
            ("Images", "All Images"),
        ]
        .into_iter()
        .enumerate()
        {
            let target = if target == "Custom Field" {
                format!("Custom Field {}", i * 3 + j + 1)
            } else {
                target.to_string()
            };
            template.fields.push(lsbridge::mapping::FieldMapping {
                target,
                method: Method::TransformIt {
                    source: source.into(),
                    mapping_set: Some("S".into()),
                    on_miss: OnMiss::Keep,
                    steps: vec![step.clone(), step.clone()],
                },
            });
        }
    }
    let compiled = CompiledTemplate::compile_lenient(&template, &sets);
    for v in values() {
        let out = compiled.apply(&record(&v));
        assert_eq!(out.outcomes().len(), template.fields.len());
        for e in out.errors() {
            assert!(!e.reason.contains('\n'), "{e}");
        }
    }
}

#[test]
fn every_operator_on_every_value() {
    let operands = [
        "", "İ", "i̇", "ß", "1", "-0", "NaN", "a,,b", ".*", "(", "1e400",
    ];
    let mut rules = Vec::new();
    for op in Op::ALL {
        for value in operands {
            for join in [Join::And, Join::Or] {
                rules.push(Rule {
                    join,
                    conditions: vec![
                        Condition::new("Name", op, value),
                        Condition::new("Supply Price", op, value),
                    ],
                    then: Box::new(Method::set_it("hit")),
                });
            }
        }
    }
    // Each rule in its own field so every condition is evaluated, not just up to the first hit.
    let mut template = Template::new("t", Integration::Primary);
    for (i, rule) in rules.into_iter().enumerate() {
        template.fields.push(lsbridge::mapping::FieldMapping {
            target: format!("Custom Field {}", i % 100 + 1),
            method: Method::SmartRules {
                rules: vec![rule],
                default: Box::new(Method::SkipIt),
            },
        });
    }
    let compiled = CompiledTemplate::compile_lenient(&template, &[]);
    for v in values() {
        compiled.apply(&record(&v));
    }
}

#[test]
fn garbage_templates_compile_leniently() {
    let junk = [
        "",
        " ",
        "\u{0}",
        "İ",
        "Custom Field 0",
        "Custom Field 999999999999999999999",
    ];
    let mut template = Template::new("", Integration::SendFrs);
    for name in junk {
        template.fields.push(lsbridge::mapping::FieldMapping {
            target: name.into(),
            method: Method::match_it(name),
        });
        template.fields.push(lsbridge::mapping::FieldMapping {
            target: "Register Sale Item: Price".into(),
            method: Method::lookup(name, name, OnMiss::Fallback(name.into())),
        });
    }
    let compiled = CompiledTemplate::compile_lenient(&template, &[]);
    let out = compiled.apply(&SourceRecord::new());
    assert_eq!(out.errors().len(), template.fields.len());
    assert!(!lsbridge::mapping::validate(&template, &[]).is_empty());
}
