//! Transform It steps: compiled once per template, run once per record.

use std::borrow::Cow;

use regex::Regex;

use super::compile::SourceRef;
use super::record::SourceRecord;
use super::template::Step;
use super::text::{regex_reason, title_case, trim_in_place, truncate_chars};
use super::units::{LengthUnit, WeightUnit};
use super::value::{quoted, FieldValue};

/// More places than an f64 can carry meaningfully once scaled.
pub const MAX_ROUND_PLACES: u32 = 12;

#[derive(Debug)]
pub(crate) enum CStep {
    Trim,
    Upper,
    Lower,
    Title,
    Prefix(String),
    Suffix(String),
    Replace {
        find: String,
        with: String,
    },
    RegexReplace {
        re: Regex,
        with: String,
    },
    Truncate(usize),
    Add(f64),
    Subtract(f64),
    Multiply(f64),
    Divide(f64),
    Round(u32),
    Ceil,
    Floor,
    Weight {
        from: UnitFrom<WeightUnit>,
        to: WeightUnit,
    },
    Length {
        from: UnitFrom<LengthUnit>,
        to: LengthUnit,
    },
}

#[derive(Debug)]
pub(crate) enum UnitFrom<U> {
    Fixed(U),
    Field(SourceRef),
}

pub fn step_label(step: &Step) -> &'static str {
    match step {
        Step::Trim => "Trim",
        Step::Upper => "Upper Case",
        Step::Lower => "Lower Case",
        Step::Title => "Title Case",
        Step::Prefix(_) => "Prefix",
        Step::Suffix(_) => "Suffix",
        Step::Replace { .. } => "Replace",
        Step::RegexReplace { .. } => "Regex Replace",
        Step::Truncate(_) => "Truncate",
        Step::Add(_) => "Add",
        Step::Subtract(_) => "Subtract",
        Step::Multiply(_) => "Multiply",
        Step::Divide(_) => "Divide",
        Step::Round { .. } => "Round",
        Step::Ceil => "Round Up",
        Step::Floor => "Round Down",
        Step::ConvertWeight { .. } => "Convert Weight",
        Step::ConvertLength { .. } => "Convert Length",
    }
}

/// Everything about a step that can be checked without a record. `unit_source` resolves the field a
/// Convert step reads its unit from (the caller knows the integration's catalog).
pub(crate) fn compile_step(
    step: &Step,
    mut unit_source: impl FnMut(Option<&str>, &'static str) -> Result<SourceRef, String>,
) -> Result<CStep, String> {
    let finite = |x: f64| {
        if x.is_finite() {
            Ok(x)
        } else {
            Err(format!("{x} is not a usable number"))
        }
    };
    Ok(match step {
        Step::Trim => CStep::Trim,
        Step::Upper => CStep::Upper,
        Step::Lower => CStep::Lower,
        Step::Title => CStep::Title,
        Step::Prefix(p) => CStep::Prefix(p.clone()),
        Step::Suffix(s) => CStep::Suffix(s.clone()),
        Step::Replace { find, with } => {
            if find.is_empty() {
                return Err("the text to find is empty; type what to replace".to_string());
            }
            CStep::Replace {
                find: find.clone(),
                with: with.clone(),
            }
        }
        Step::RegexReplace { pattern, with } => CStep::RegexReplace {
            re: Regex::new(pattern).map_err(|e| {
                format!("regex {} is invalid: {}", quoted(pattern), regex_reason(&e))
            })?,
            with: with.clone(),
        },
        Step::Truncate(0) => {
            return Err("truncating to 0 characters always gives an empty value; use Set to Empty or a length of 1 or more".to_string())
        }
        Step::Truncate(n) => CStep::Truncate(*n),
        Step::Add(x) => CStep::Add(finite(*x)?),
        Step::Subtract(x) => CStep::Subtract(finite(*x)?),
        Step::Multiply(x) => CStep::Multiply(finite(*x)?),
        Step::Divide(x) if *x == 0.0 => {
            return Err("dividing by 0 is not possible; use another divisor".to_string())
        }
        Step::Divide(x) => CStep::Divide(finite(*x)?),
        Step::Round { places } if *places > MAX_ROUND_PLACES => {
            return Err(format!(
                "{places} decimal places is too many; use at most {MAX_ROUND_PLACES}"
            ))
        }
        Step::Round { places } => CStep::Round(*places),
        Step::Ceil => CStep::Ceil,
        Step::Floor => CStep::Floor,
        Step::ConvertWeight {
            from,
            unit_field,
            to,
        } => CStep::Weight {
            from: match from {
                Some(u) => UnitFrom::Fixed(*u),
                None => UnitFrom::Field(unit_source(unit_field.as_deref(), "Weight Unit")?),
            },
            to: *to,
        },
        Step::ConvertLength {
            from,
            unit_field,
            to,
        } => CStep::Length {
            from: match from {
                Some(u) => UnitFrom::Fixed(*u),
                None => UnitFrom::Field(unit_source(unit_field.as_deref(), "Dimension Unit")?),
            },
            to: *to,
        },
    })
}

impl CStep {
    pub(crate) fn is_numeric(&self) -> bool {
        matches!(
            self,
            CStep::Add(_)
                | CStep::Subtract(_)
                | CStep::Multiply(_)
                | CStep::Divide(_)
                | CStep::Round(_)
                | CStep::Ceil
                | CStep::Floor
                | CStep::Weight { .. }
                | CStep::Length { .. }
        )
    }

    /// Whether the step can be judged without a record (the unit of a Convert may come from the record).
    pub(crate) fn is_static(&self) -> bool {
        !matches!(
            self,
            CStep::Weight {
                from: UnitFrom::Field(_),
                ..
            } | CStep::Length {
                from: UnitFrom::Field(_),
                ..
            }
        )
    }

    /// Runs on a non-blank value; callers stop the pipeline at the first blank so steps never invent a
    /// value (a `Prefix("FR ")` on a missing number must not produce `"FR "`).
    pub(crate) fn run(
        &self,
        value: FieldValue,
        record: &SourceRecord,
    ) -> Result<FieldValue, String> {
        if self.is_numeric() {
            let n = match value.as_number()? {
                Some(n) => n,
                None => return Ok(FieldValue::Empty),
            };
            let out = self.number(n, record)?;
            if !out.is_finite() {
                return Err("the result is too large to store; check the step's number".to_string());
            }
            // `+ 0.0` turns a -0.0 (e.g. rounding -0.001) into 0.0, so it never shows as "-0".
            return Ok(FieldValue::Number(out + 0.0));
        }
        Ok(match value {
            FieldValue::Text(s) => FieldValue::Text(self.text(s)),
            FieldValue::List(items) => {
                FieldValue::List(items.into_iter().map(|s| self.text(s)).collect())
            }
            other => FieldValue::Text(self.text(other.as_text().into_owned())),
        })
    }

    fn text(&self, mut s: String) -> String {
        match self {
            CStep::Trim => {
                trim_in_place(&mut s);
                s
            }
            CStep::Upper if s.is_ascii() => {
                s.make_ascii_uppercase();
                s
            }
            CStep::Upper => s.to_uppercase(),
            CStep::Lower if s.is_ascii() => {
                s.make_ascii_lowercase();
                s
            }
            CStep::Lower => s.to_lowercase(),
            CStep::Title => title_case(&s),
            CStep::Prefix(p) => {
                s.insert_str(0, p);
                s
            }
            CStep::Suffix(x) => {
                s.push_str(x);
                s
            }
            CStep::Replace { find, with } if s.contains(find.as_str()) => {
                s.replace(find.as_str(), with)
            }
            CStep::Replace { .. } => s,
            CStep::RegexReplace { re, with } => {
                let replaced = match re.replace_all(&s, with.as_str()) {
                    Cow::Owned(o) => Some(o),
                    Cow::Borrowed(_) => None,
                };
                replaced.unwrap_or(s)
            }
            CStep::Truncate(n) => {
                truncate_chars(&mut s, *n);
                s
            }
            // Numeric steps never reach here (see `run`).
            _ => s,
        }
    }

    fn number(&self, n: f64, record: &SourceRecord) -> Result<f64, String> {
        Ok(match self {
            CStep::Add(x) => n + x,
            CStep::Subtract(x) => n - x,
            CStep::Multiply(x) => n * x,
            CStep::Divide(x) => n / x,
            CStep::Round(places) => round_half_away(n, *places),
            CStep::Ceil => n.ceil(),
            CStep::Floor => n.floor(),
            CStep::Weight { from, to } => {
                let unit = match from {
                    UnitFrom::Fixed(u) => *u,
                    UnitFrom::Field(src) => resolve_unit(
                        src,
                        record,
                        WeightUnit::parse,
                        "weight",
                        "lb, oz, kg, g or ct",
                    )?,
                };
                unit.convert(n, *to)
            }
            CStep::Length { from, to } => {
                let unit = match from {
                    UnitFrom::Fixed(u) => *u,
                    UnitFrom::Field(src) => resolve_unit(
                        src,
                        record,
                        LengthUnit::parse,
                        "length",
                        "in, cm, mm, yd, ft or m",
                    )?,
                };
                unit.convert(n, *to)
            }
            _ => n,
        })
    }
}

fn resolve_unit<U>(
    src: &SourceRef,
    record: &SourceRecord,
    parse: fn(&str) -> Option<U>,
    what: &str,
    choices: &str,
) -> Result<U, String> {
    let raw = src.read(record);
    if raw.is_blank() {
        return Err(format!(
            "{} is blank, so the {what} unit is unknown; fill it in or set a fixed \"from\" unit",
            src.name()
        ));
    }
    let text = raw.as_text();
    parse(&text).ok_or_else(|| {
        format!(
            "{} ({}) is not a {what} unit; use {choices}",
            quoted(&text),
            src.name()
        )
    })
}

/// Half away from zero, judged on the decimal the user sees: `2.675` is stored as 2.67499999…, so a plain
/// `(x * 100).round()` gives 2.67 where every spreadsheet gives 2.68. Only values within a hair of a tie
/// take the slow path that inspects the shortest decimal form.
pub fn round_half_away(x: f64, places: u32) -> f64 {
    let places = places.min(MAX_ROUND_PLACES);
    let scale = 10f64.powi(places as i32);
    let scaled = x * scale;
    if !scaled.is_finite() {
        return x;
    }
    let frac = (scaled - scaled.trunc()).abs();
    if (frac - 0.5).abs() < 1e-6 && is_decimal_tie(x, places) {
        return (scaled.trunc() + scaled.signum()) / scale;
    }
    scaled.round() / scale
}

fn is_decimal_tie(x: f64, places: u32) -> bool {
    let shown = format!("{}", x.abs());
    match shown.split_once('.') {
        Some((_, frac)) => frac.len() == places as usize + 1 && frac.ends_with('5'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::round_half_away;

    #[test]
    fn rounding_ties_go_away_from_zero_on_the_shown_decimal() {
        assert_eq!(round_half_away(2.5, 0), 3.0);
        assert_eq!(round_half_away(-2.5, 0), -3.0);
        assert_eq!(round_half_away(2.675, 2), 2.68);
        assert_eq!(round_half_away(1.005, 2), 1.01);
        assert_eq!(round_half_away(-1.005, 2), -1.01);
        assert_eq!(round_half_away(0.285, 2), 0.29);
        assert_eq!(round_half_away(2.6749999999, 2), 2.67);
        assert_eq!(round_half_away(1e300, 2), 1e300);
    }
}
