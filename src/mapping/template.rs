//! Mapping templates as plain data: what the user edits in the grid and what is exported as TOML.
//!
//! Serde names are snake_case and stable. A field row looks like
//! `{ target = "Cost", method = { kind = "transform_it", source = "Supply Price", steps = [{ multiply = 1.1 }] } }`.

use serde::{Deserialize, Serialize};

use super::fields::Integration;
use super::units::{LengthUnit, WeightUnit};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Template {
    pub name: String,
    pub integration: Integration,
    #[serde(default)]
    pub fields: Vec<FieldMapping>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FieldMapping {
    pub target: String,
    pub method: Method,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Method {
    /// Copy a source field, coerced to the target's kind.
    MatchIt { source: String },
    /// A constant, written as text and coerced to the target's kind (`"12.5"` for a number).
    SetIt { value: String },
    /// Look the source value up in a mapping set (optional), then run `steps` in order.
    TransformIt {
        source: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mapping_set: Option<String>,
        #[serde(default)]
        on_miss: OnMiss,
        #[serde(default)]
        steps: Vec<Step>,
    },
    /// The first rule whose conditions hold decides; otherwise `default` does.
    SmartRules {
        rules: Vec<Rule>,
        default: Box<Method>,
    },
    /// Don't map: the stored value is left as it is.
    SkipIt,
    /// Clear the stored value on every sync.
    SetToEmpty,
}

impl Method {
    pub fn match_it(source: impl Into<String>) -> Self {
        Method::MatchIt {
            source: source.into(),
        }
    }

    pub fn set_it(value: impl Into<String>) -> Self {
        Method::SetIt {
            value: value.into(),
        }
    }

    pub fn transform(source: impl Into<String>, steps: Vec<Step>) -> Self {
        Method::TransformIt {
            source: source.into(),
            mapping_set: None,
            on_miss: OnMiss::Keep,
            steps,
        }
    }

    pub fn lookup(source: impl Into<String>, set: impl Into<String>, on_miss: OnMiss) -> Self {
        Method::TransformIt {
            source: source.into(),
            mapping_set: Some(set.into()),
            on_miss,
            steps: Vec::new(),
        }
    }

    /// The label the TUI shows in the method column.
    pub fn label(&self) -> &'static str {
        match self {
            Method::MatchIt { .. } => "Match It",
            Method::SetIt { .. } => "Set It",
            Method::TransformIt { .. } => "Transform It",
            Method::SmartRules { .. } => "Smart Rules",
            Method::SkipIt => "Skip It (Don't Map)",
            Method::SetToEmpty => "Skip It (Set to Empty)",
        }
    }
}

/// What a mapping-set lookup does when the value is not in the set (Flxpoint's
/// `mappingSetNoMatchUseValue` / `mappingSetNoMatchValue`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnMiss {
    /// Pass the original value on.
    #[default]
    Keep,
    /// Use this value instead.
    Fallback(String),
    /// Write nothing (Empty).
    Empty,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    // Text steps: a number is turned into text first; lists are edited element by element.
    Trim,
    Upper,
    Lower,
    /// Upper-cases the first letter of every whitespace-separated word, lower-cases the rest.
    Title,
    Prefix(String),
    Suffix(String),
    /// Literal, case-sensitive, every occurrence.
    Replace {
        find: String,
        with: String,
    },
    /// Every match; `with` may use `$1`/`${name}`. Case-sensitive unless the pattern says `(?i)`.
    RegexReplace {
        pattern: String,
        with: String,
    },
    /// Keep at most this many characters (Unicode scalar values, so never splits a character).
    Truncate(usize),

    // Number steps: the value must read as a number.
    Add(f64),
    Subtract(f64),
    Multiply(f64),
    Divide(f64),
    /// Half away from zero, on the decimal value shown (2.675 → 2.68).
    Round {
        places: u32,
    },
    Ceil,
    Floor,

    /// `from: None` reads the unit from `unit_field` (default: the record's `Weight Unit`).
    ConvertWeight {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<WeightUnit>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit_field: Option<String>,
        to: WeightUnit,
    },
    /// `from: None` reads the unit from `unit_field` (default: the record's `Dimension Unit`).
    ConvertLength {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<LengthUnit>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit_field: Option<String>,
        to: LengthUnit,
    },
}

impl Step {
    /// Whether the step needs a number (and produces one).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Step::Add(_)
                | Step::Subtract(_)
                | Step::Multiply(_)
                | Step::Divide(_)
                | Step::Round { .. }
                | Step::Ceil
                | Step::Floor
                | Step::ConvertWeight { .. }
                | Step::ConvertLength { .. }
        )
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Rule {
    #[serde(default)]
    pub join: Join,
    /// No conditions means the rule always applies (Flxpoint's "Always Run").
    #[serde(default)]
    pub conditions: Vec<Condition>,
    pub then: Box<Method>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Join {
    #[default]
    And,
    Or,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Condition {
    /// A source field of the template's integration.
    pub field: String,
    pub op: Op,
    #[serde(default)]
    pub value: String,
}

impl Condition {
    pub fn new(field: impl Into<String>, op: Op, value: impl Into<String>) -> Self {
        Condition {
            field: field.into(),
            op,
            value: value.into(),
        }
    }
}

/// Text comparisons ignore case (Unicode simple lower-casing) and, except for `Contains`/`NotContains`,
/// surrounding whitespace. Numeric comparisons need both sides to be numbers and are false otherwise.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Numbers compare as numbers (`12.50` equals `12.5`), everything else as text.
    Equals,
    NotEquals,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    IsBlank,
    IsNotBlank,
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
    /// `value` is a comma-separated list; each item is compared like `Equals`.
    InList,
    /// Case-insensitive unless the pattern turns it off with `(?-i)`.
    MatchesRegex,
}

impl Op {
    pub const ALL: [Op; 14] = [
        Op::Equals,
        Op::NotEquals,
        Op::Contains,
        Op::NotContains,
        Op::StartsWith,
        Op::EndsWith,
        Op::IsBlank,
        Op::IsNotBlank,
        Op::GreaterThan,
        Op::GreaterOrEqual,
        Op::LessThan,
        Op::LessOrEqual,
        Op::InList,
        Op::MatchesRegex,
    ];

    pub fn takes_value(self) -> bool {
        !matches!(self, Op::IsBlank | Op::IsNotBlank)
    }

    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Op::GreaterThan | Op::GreaterOrEqual | Op::LessThan | Op::LessOrEqual
        )
    }
}

impl Template {
    pub fn new(name: impl Into<String>, integration: Integration) -> Self {
        Template {
            name: name.into(),
            integration,
            fields: Vec::new(),
        }
    }

    /// Builder form of [`Template::set`].
    pub fn with(mut self, target: impl Into<String>, method: Method) -> Self {
        self.set(target, method);
        self
    }

    pub fn field(&self, target: &str) -> Option<&FieldMapping> {
        self.fields.iter().find(|f| f.target == target)
    }

    /// Replaces the row for `target`, or appends one.
    pub fn set(&mut self, target: impl Into<String>, method: Method) {
        let target = target.into();
        match self.fields.iter_mut().find(|f| f.target == target) {
            Some(row) => row.method = method,
            None => self.fields.push(FieldMapping { target, method }),
        }
    }

    pub fn remove(&mut self, target: &str) -> Option<FieldMapping> {
        let i = self.fields.iter().position(|f| f.target == target)?;
        Some(self.fields.remove(i))
    }
}
