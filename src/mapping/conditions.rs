//! Smart Rules conditions: compiled once (needles lower-cased, numbers parsed, regexes built) so that
//! evaluating one against a record allocates nothing for text fields.

use regex::{Regex, RegexBuilder};

use super::compile::SourceRef;
use super::record::SourceRecord;
use super::template::{Condition, Op};
use super::text::{
    contains_lowered, ends_with_lowered, eq_lowered, lower, regex_reason, starts_with_lowered,
};
use super::value::{quoted, text_to_bool, text_to_number, FieldValue};

#[derive(Debug)]
pub(crate) struct CCondition {
    field: SourceRef,
    /// Number-kind source fields compare as numbers for Equals/InList ("12.50" = "12.5"); text fields
    /// never do, so SKU "007" is not "7".
    numeric_field: bool,
    test: Test,
}

#[derive(Debug)]
enum Test {
    Equals(Operand),
    NotEquals(Operand),
    Contains(String),
    NotContains(String),
    StartsWith(String),
    EndsWith(String),
    IsBlank,
    IsNotBlank,
    Greater(f64),
    GreaterOrEqual(f64),
    Less(f64),
    LessOrEqual(f64),
    InList(Vec<Operand>),
    Regex(Regex),
}

#[derive(Debug)]
struct Operand {
    /// Trimmed and lower-cased.
    lower: String,
    number: Option<f64>,
    boolean: Option<bool>,
}

impl Operand {
    fn new(raw: &str) -> Self {
        let t = raw.trim();
        Operand {
            lower: lower(t),
            number: text_to_number(t).ok().flatten(),
            boolean: text_to_bool(t).ok().flatten(),
        }
    }
}

pub fn op_label(op: Op) -> &'static str {
    match op {
        Op::Equals => "Equals",
        Op::NotEquals => "Not Equals",
        Op::Contains => "Contains",
        Op::NotContains => "Does Not Contain",
        Op::StartsWith => "Starts With",
        Op::EndsWith => "Ends With",
        Op::IsBlank => "Is Blank",
        Op::IsNotBlank => "Is Not Blank",
        Op::GreaterThan => "Greater Than",
        Op::GreaterOrEqual => "Greater Or Equal",
        Op::LessThan => "Less Than",
        Op::LessOrEqual => "Less Or Equal",
        Op::InList => "In List",
        Op::MatchesRegex => "Matches Regex",
    }
}

impl CCondition {
    pub(crate) fn compile(
        cond: &Condition,
        field: SourceRef,
        numeric_field: bool,
    ) -> Result<Self, String> {
        let v = cond.value.as_str();
        let number = || match text_to_number(v) {
            Ok(Some(n)) => Ok(n),
            _ => Err(format!(
                "{} {} needs a number to compare with, not {}",
                cond.field,
                op_label(cond.op),
                quoted(v)
            )),
        };
        let test = match cond.op {
            Op::Equals => Test::Equals(Operand::new(v)),
            Op::NotEquals => Test::NotEquals(Operand::new(v)),
            // Contains keeps the value's spaces: " pack" is a way to match a word start.
            Op::Contains => Test::Contains(lower(v)),
            Op::NotContains => Test::NotContains(lower(v)),
            Op::StartsWith => Test::StartsWith(lower(v.trim())),
            Op::EndsWith => Test::EndsWith(lower(v.trim())),
            Op::IsBlank => Test::IsBlank,
            Op::IsNotBlank => Test::IsNotBlank,
            Op::GreaterThan => Test::Greater(number()?),
            Op::GreaterOrEqual => Test::GreaterOrEqual(number()?),
            Op::LessThan => Test::Less(number()?),
            Op::LessOrEqual => Test::LessOrEqual(number()?),
            Op::InList => {
                let items: Vec<Operand> = v
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(Operand::new)
                    .collect();
                if items.is_empty() {
                    return Err(format!(
                        "{} In List needs at least one value (comma-separated)",
                        cond.field
                    ));
                }
                Test::InList(items)
            }
            Op::MatchesRegex => Test::Regex(
                RegexBuilder::new(v)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| format!("regex {} is invalid: {}", quoted(v), regex_reason(&e)))?,
            ),
        };
        Ok(CCondition {
            field,
            numeric_field,
            test,
        })
    }

    /// Never fails: a value that cannot be compared (text against a number) simply does not match.
    pub(crate) fn holds(&self, record: &SourceRecord) -> bool {
        let value = self.field.read(record);
        match &self.test {
            Test::IsBlank => value.is_blank(),
            Test::IsNotBlank => !value.is_blank(),
            Test::Equals(o) => self.equals(value, o),
            Test::NotEquals(o) => !self.equals(value, o),
            Test::InList(items) => items.iter().any(|o| self.equals(value, o)),
            Test::Contains(n) => contains_lowered(&value.as_text(), n),
            Test::NotContains(n) => !contains_lowered(&value.as_text(), n),
            Test::StartsWith(n) => starts_with_lowered(value.as_text().trim(), n),
            Test::EndsWith(n) => ends_with_lowered(value.as_text().trim(), n),
            Test::Greater(x) => number(value).is_some_and(|n| n > *x),
            Test::GreaterOrEqual(x) => number(value).is_some_and(|n| n >= *x),
            Test::Less(x) => number(value).is_some_and(|n| n < *x),
            Test::LessOrEqual(x) => number(value).is_some_and(|n| n <= *x),
            Test::Regex(re) => re.is_match(&value.as_text()),
        }
    }

    fn equals(&self, value: &FieldValue, o: &Operand) -> bool {
        if value.is_blank() {
            return o.lower.is_empty();
        }
        if let (FieldValue::Bool(b), Some(ob)) = (value, o.boolean) {
            return *b == ob;
        }
        let numeric = self.numeric_field || matches!(value, FieldValue::Number(_));
        if numeric {
            if let (Some(n), Some(on)) = (number(value), o.number) {
                return n == on;
            }
        }
        eq_lowered(value.as_text().trim(), &o.lower)
    }
}

fn number(value: &FieldValue) -> Option<f64> {
    value.as_number().ok().flatten()
}
