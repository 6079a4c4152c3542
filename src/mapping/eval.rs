//! Applying a compiled template to records.
//!
//! Per-record cost: one pass over the template's fields; source lookups are usually a single string
//! compare (position hints), text conditions and mapping-set probes do not allocate, and field names are
//! only turned into strings when a field actually fails. The unavoidable allocations are the output
//! values themselves (a mapped title is a new `String`).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::compile::{CMethod, CRules, CTransform, CompiledTemplate};
use super::fields::{FieldKind, FieldName};
use super::mapping_set::SetIndex;
use super::record::SourceRecord;
use super::template::{Join, OnMiss};
use super::value::FieldValue;

/// What a template decided for one target field of one record.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Write this value (`Empty` when the source was blank).
    Set(FieldValue),
    /// Skip It, or the field failed: leave the stored value as it is.
    Keep,
    /// Set to Empty: clear the stored value.
    Clear,
}

/// One field of one record that could not be mapped. Displays as `Cost: "abc" is not a number`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct MapError {
    pub field: String,
    pub reason: String,
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for MapError {}

/// The result of applying a template to one record. A failed field has outcome [`Outcome::Keep`] and an
/// entry in `errors`; the other fields are unaffected.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MappedRecord {
    targets: Arc<[FieldName]>,
    outcomes: Vec<Outcome>,
    errors: Vec<MapError>,
}

impl MappedRecord {
    pub fn new() -> Self {
        Self::default()
    }

    /// `(target, outcome)` in template order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Outcome)> {
        self.targets
            .iter()
            .map(|t| t.as_ref())
            .zip(self.outcomes.iter())
    }

    /// Takes the outcomes out (the record reads as empty afterwards, until the next
    /// `apply_into`), for a caller that keeps the values: moving them saves a copy of each.
    pub fn drain_named(&mut self) -> impl Iterator<Item = (&FieldName, Outcome)> {
        self.targets.iter().zip(self.outcomes.drain(..))
    }

    /// [`MappedRecord::iter`] with names that clone without allocating.
    pub fn iter_named(&self) -> impl Iterator<Item = (&FieldName, &Outcome)> {
        self.targets.iter().zip(self.outcomes.iter())
    }

    /// The outcome of the last row for `target` (a template should not map a field twice, but if it does
    /// the last row wins, as it would when writing in order).
    pub fn get(&self, target: &str) -> Option<&Outcome> {
        self.iter()
            .filter(|(t, _)| *t == target)
            .last()
            .map(|(_, o)| o)
    }

    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    pub fn errors(&self) -> &[MapError] {
        &self.errors
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

impl CompiledTemplate {
    pub fn apply(&self, record: &SourceRecord) -> MappedRecord {
        let mut out = MappedRecord::new();
        self.apply_into(record, &mut out);
        out
    }

    /// Like [`CompiledTemplate::apply`] but reuses `out`'s buffers, for loops over many records.
    pub fn apply_into(&self, record: &SourceRecord, out: &mut MappedRecord) {
        if !Arc::ptr_eq(&out.targets, &self.targets) {
            out.targets = Arc::clone(&self.targets);
        }
        out.outcomes.clear();
        out.errors.clear();
        for (i, field) in self.fields.iter().enumerate() {
            match eval(&field.method, record, field.kind) {
                Ok(outcome) => out.outcomes.push(outcome),
                Err(reason) => {
                    out.outcomes.push(Outcome::Keep);
                    out.errors.push(MapError {
                        field: self
                            .targets
                            .get(i)
                            .map(|t| t.to_string())
                            .unwrap_or_default(),
                        reason,
                    });
                }
            }
        }
    }

    /// One field (by position in [`CompiledTemplate::targets`]); `None` when out of range.
    pub fn apply_field(
        &self,
        index: usize,
        record: &SourceRecord,
    ) -> Option<Result<Outcome, MapError>> {
        let field = self.fields.get(index)?;
        let target = self.targets.get(index)?;
        Some(
            eval(&field.method, record, field.kind).map_err(|reason| MapError {
                field: target.to_string(),
                reason,
            }),
        )
    }
}

fn eval(method: &CMethod, record: &SourceRecord, kind: FieldKind) -> Result<Outcome, String> {
    match method {
        CMethod::Match(src) => coerce(Cow::Borrowed(src.read(record)), kind).map(Outcome::Set),
        CMethod::Set(v) => Ok(Outcome::Set(v.clone())),
        CMethod::Transform(t) => transform(t, record, kind).map(Outcome::Set),
        CMethod::Rules(r) => eval(pick(r, record), record, kind),
        CMethod::Skip => Ok(Outcome::Keep),
        CMethod::Clear => Ok(Outcome::Clear),
        CMethod::Broken(reason) => Err(reason.clone()),
    }
}

fn pick<'a>(rules: &'a CRules, record: &SourceRecord) -> &'a CMethod {
    rules
        .rules
        .iter()
        .find(|rule| {
            // No conditions = "Always Run".
            rule.conditions.is_empty()
                || match rule.join {
                    Join::And => rule.conditions.iter().all(|c| c.holds(record)),
                    Join::Or => rule.conditions.iter().any(|c| c.holds(record)),
                }
        })
        .map_or(&rules.default, |rule| &rule.then)
}

fn transform(t: &CTransform, record: &SourceRecord, kind: FieldKind) -> Result<FieldValue, String> {
    let input = t.source.read(record);
    let mut value = match &t.set {
        Some(set) => lookup(set, input, &t.on_miss),
        None => Cow::Borrowed(input),
    };
    for (i, step) in t.steps.iter().enumerate() {
        if value.is_blank() {
            break;
        }
        value = Cow::Owned(step.run(value.into_owned(), record).map_err(|e| {
            let label = t.labels.get(i).copied().unwrap_or("step");
            format!("step {} ({label}): {e}", i + 1)
        })?);
    }
    coerce(value, kind)
}

fn lookup<'a>(set: &SetIndex, input: &'a FieldValue, on_miss: &OnMiss) -> Cow<'a, FieldValue> {
    if let FieldValue::List(items) = input {
        let mapped = items
            .iter()
            .filter_map(|item| match set.lookup(item) {
                Some(to) => Some(to.to_string()),
                None => match on_miss {
                    OnMiss::Keep => Some(item.clone()),
                    OnMiss::Fallback(f) => Some(f.clone()),
                    OnMiss::Empty => None,
                },
            })
            .collect();
        return Cow::Owned(FieldValue::List(mapped));
    }
    let hit = if input.is_blank() {
        None
    } else {
        set.lookup(&input.as_text())
    };
    match (hit, on_miss) {
        (Some(to), _) => Cow::Owned(FieldValue::Text(to.to_string())),
        (None, OnMiss::Keep) => Cow::Borrowed(input),
        (None, OnMiss::Fallback(f)) => Cow::Owned(FieldValue::Text(f.clone())),
        (None, OnMiss::Empty) => Cow::Owned(FieldValue::Empty),
    }
}

/// Shapes a value for a target kind (see the coercion rules in [`super::value`]). Blank is always
/// `Empty`, never an error. Clones only when the value is borrowed and kept as is.
pub(crate) fn coerce(value: Cow<'_, FieldValue>, kind: FieldKind) -> Result<FieldValue, String> {
    if value.is_blank() {
        return Ok(FieldValue::Empty);
    }
    match kind {
        FieldKind::Text => Ok(match value {
            Cow::Owned(FieldValue::Text(s)) => FieldValue::Text(s),
            Cow::Borrowed(FieldValue::Text(s)) => FieldValue::Text(s.clone()),
            other => FieldValue::Text(other.as_text().into_owned()),
        }),
        FieldKind::Number => Ok(value
            .as_number()?
            .map_or(FieldValue::Empty, |n| FieldValue::Number(n + 0.0))),
        FieldKind::Boolean => Ok(value.as_bool()?.map_or(FieldValue::Empty, FieldValue::Bool)),
        // Blank entries (an image slot with no URL) are dropped rather than written.
        FieldKind::List => Ok(FieldValue::List(match value {
            Cow::Borrowed(FieldValue::List(items)) => items
                .iter()
                .filter(|s| !s.trim().is_empty())
                .cloned()
                .collect(),
            Cow::Owned(FieldValue::List(mut items)) => {
                items.retain(|s| !s.trim().is_empty());
                items
            }
            Cow::Owned(FieldValue::Text(s)) => vec![s],
            other => vec![other.as_text().into_owned()],
        })),
    }
}
