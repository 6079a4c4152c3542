//! Exact money for the simulated store. Amounts arrive as JSON numbers or numeric strings
//! (the spec says number(double); the docs' sales_101 example sends `"price":"22"`), are held
//! as integers of millionths, multiplied exactly, and rounded once to whole cents, so
//! a sale's totals never drift by float error.

use serde_json::Value;

/// Millionths per unit: enough for unit prices worked back from a tax-inclusive figure
/// (`8.695652`) while quantity × price stays exact in `i128`.
const SCALE: i128 = 1_000_000;
/// Larger magnitudes are refused: far beyond any sale, and it keeps every product in range.
const LIMIT: i128 = 1_000_000_000_000 * SCALE;

/// A decimal with six places, exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Dec(i128);

impl Dec {
    pub const ZERO: Dec = Dec(0);

    /// Parses `12`, `-3.5`, `"22"`, `"0.125"`. More than six decimals are rounded half away
    /// from zero. `None` for anything else (booleans, objects, `"1e3"`, `"abc"`, `""`).
    pub fn parse(v: &Value) -> Option<Dec> {
        match v {
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    return Dec::from_units(i as i128);
                }
                if let Some(u) = n.as_u64() {
                    return Dec::from_units(u as i128);
                }
                let f = n.as_f64()?;
                if !f.is_finite() {
                    return None;
                }
                // Display of an f64 is the shortest text that reads back as the same double,
                // never in exponent form: 25.3 -> "25.3", not 25.300000000000000711.
                Dec::parse_str(&format!("{f}"))
            }
            Value::String(s) => Dec::parse_str(s),
            _ => None,
        }
    }

    fn from_units(i: i128) -> Option<Dec> {
        let v = i.checked_mul(SCALE)?;
        (v.abs() <= LIMIT).then_some(Dec(v))
    }

    fn parse_str(s: &str) -> Option<Dec> {
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || (body.contains('.') && frac.is_empty())
            || int.len() > 15
        {
            return None;
        }
        let mut v: i128 = int.parse().ok()?;
        let mut places = 0;
        for b in frac.bytes().take(6) {
            v = v * 10 + i128::from(b - b'0');
            places += 1;
        }
        for _ in places..6 {
            v *= 10;
        }
        // Round the seventh decimal and beyond half away from zero.
        if frac.len() > 6 && frac.as_bytes()[6] >= b'5' {
            v += 1;
        }
        let v = if neg { -v } else { v };
        (v.abs() <= LIMIT).then_some(Dec(v))
    }

    pub fn from_cents(c: i64) -> Dec {
        Dec(i128::from(c) * (SCALE / 100))
    }

    /// Rounded half away from zero to whole cents.
    pub fn cents(self) -> i64 {
        round_div(self.0, SCALE / 100) as i64
    }

    /// `self × other`, rounded half away from zero to whole cents.
    pub fn mul_cents(self, other: Dec) -> i64 {
        // Both are scaled by 1e6: the product is scaled by 1e12, one cent is 1e10.
        round_div(self.0 * other.0, SCALE * SCALE / 100) as i64
    }

    /// `self` percent of `cents`, rounded half away from zero to whole cents.
    pub fn percent_of_cents(self, cents: i64) -> i64 {
        round_div(i128::from(cents) * self.0, 100 * SCALE) as i64
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn to_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }
}

impl std::ops::Add for Dec {
    type Output = Dec;
    fn add(self, o: Dec) -> Dec {
        Dec(self.0 + o.0)
    }
}

impl std::ops::Sub for Dec {
    type Output = Dec;
    fn sub(self, o: Dec) -> Dec {
        Dec(self.0 - o.0)
    }
}

fn round_div(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if r.abs() * 2 >= d {
        q + n.signum()
    } else {
        q
    }
}

/// Cents as the JSON number the API answers with (`12.5`, `-3`).
pub fn cents_json(c: i64) -> Value {
    if c % 100 == 0 {
        Value::from(c / 100)
    } else {
        serde_json::Number::from_f64(c as f64 / 100.0)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// A decimal as the JSON number the API answers with.
pub fn dec_json(d: Dec) -> Value {
    if d.0 % SCALE == 0 {
        Value::from((d.0 / SCALE) as i64)
    } else {
        serde_json::Number::from_f64(d.to_f64())
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_and_numeric_strings_are_exact() {
        assert_eq!(Dec::parse(&json!("22")), Dec::parse(&json!(22)));
        assert_eq!(Dec::parse(&json!("25.3")), Dec::parse(&json!(25.3)));
        assert_eq!(
            Dec::parse(&json!(0.1))
                .unwrap()
                .mul_cents(Dec::parse(&json!(3)).unwrap()),
            30
        );
        assert_eq!(Dec::parse(&json!("-3.5")).unwrap().cents(), -350);
        assert_eq!(Dec::parse(&json!("0.005")).unwrap().cents(), 1);
        assert_eq!(Dec::parse(&json!("-0.005")).unwrap().cents(), -1);
        assert_eq!(Dec::parse(&json!("1.0000005")).unwrap(), Dec(1_000_001));
        for bad in [
            json!("1e3"),
            json!(""),
            json!("."),
            json!("1."),
            json!(" 1"),
            json!(true),
            json!(null),
            json!("1234567890123456"),
        ] {
            assert_eq!(Dec::parse(&bad), None, "{bad}");
        }
        // 8.695652 × 3 = 26.086956 -> 26.09
        assert_eq!(
            Dec::parse(&json!("8.695652"))
                .unwrap()
                .mul_cents(Dec::parse(&json!(3)).unwrap()),
            2609
        );
        assert_eq!(cents_json(1250), json!(12.5));
        assert_eq!(cents_json(-300), json!(-3));
    }
}
