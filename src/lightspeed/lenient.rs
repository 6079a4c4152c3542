//! Deserializers that accept what real stores send rather than only what the spec says:
//! numbers that arrive as numeric strings (the docs' own examples send `"price":"22"`)
//! and `null` where a value was expected.
//!
//! They are visitors rather than `#[serde(untagged)]` enums: an untagged enum buffers every
//! value before trying its variants, and these run on every number of every product and
//! stock record of a catalog.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// `number | "number" | "" | null` → `Option<f64>`.
struct OptF64;

impl<'de> Visitor<'de> for OptF64 {
    type Value = Option<f64>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, a numeric string or null")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<f64>()
            .map(Some)
            .map_err(|_| E::custom(format!("expected a number, got {s:?}")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(OptF64)
    }
}

/// `number | "number" | null` → `Option<f64>`; an empty string is `None`.
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    d.deserialize_any(OptF64)
}

/// `number | "number" | null` → `f64` (null → 0).
pub fn f64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(opt_f64(d)?.unwrap_or(0.0))
}

/// `T | null` → `T::default()`.
pub fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A version: a whole number, a numeric string (Retailer.version is a string in the spec),
/// or null (0).
struct Version;

impl<'de> Visitor<'de> for Version {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a version number")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom(format!("expected a version number, got {v}")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        Err(E::custom(format!("expected a version number, got {v}")))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<u64, E> {
        s.trim()
            .parse()
            .map_err(|_| E::custom(format!("expected a version number, got {s:?}")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
        Ok(0)
    }
    fn visit_none<E: de::Error>(self) -> Result<u64, E> {
        Ok(0)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_any(Version)
    }
}

/// A version that may arrive as a number or a numeric string (Retailer.version is a string in the spec).
pub fn u64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    d.deserialize_any(Version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct T {
        #[serde(default, deserialize_with = "opt_f64")]
        a: Option<f64>,
        #[serde(default, deserialize_with = "f64_or_zero")]
        b: f64,
        #[serde(default, deserialize_with = "u64_lenient")]
        v: u64,
    }

    fn parse(s: &str) -> Result<T, String> {
        serde_json::from_str(s).map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_strings_and_nulls() {
        let t = parse(r#"{"a": 2, "b": "3.5", "v": "42"}"#).unwrap();
        assert_eq!((t.a, t.b, t.v), (Some(2.0), 3.5, 42));
        let t = parse(r#"{"a": " ", "b": null, "v": null}"#).unwrap();
        assert_eq!((t.a, t.b, t.v), (None, 0.0, 0));
        let t = parse(r#"{"a": -1.25, "b": -4, "v": 7}"#).unwrap();
        assert_eq!((t.a, t.b, t.v), (Some(-1.25), -4.0, 7));
    }

    #[test]
    fn wrong_kinds_are_errors_that_name_the_value() {
        assert!(parse(r#"{"a": "twelve"}"#)
            .unwrap_err()
            .contains("\"twelve\""));
        assert!(parse(r#"{"a": true}"#).is_err());
        assert!(parse(r#"{"v": -3}"#).unwrap_err().contains("-3"));
        assert!(parse(r#"{"v": 1.5}"#).is_err());
        assert!(parse(r#"{"v": "x"}"#).unwrap_err().contains("\"x\""));
        assert!(parse(r#"{"a": [1]}"#).is_err());
    }
}
