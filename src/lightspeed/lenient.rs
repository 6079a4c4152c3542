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

/// A version: the spec's int64 (negative allowed), a numeric string (Retailer.version is a
/// string in the spec), or null (0).
struct Version;

impl<'de> Visitor<'de> for Version {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a version number (a whole number within int64)")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v)
            .map_err(|_| E::custom(format!("expected a version number within int64, got {v}")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        Err(E::custom(format!(
            "expected a whole version number, got {v}"
        )))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<i64, E> {
        s.trim().parse().map_err(|_| {
            E::invalid_type(
                de::Unexpected::Str(&super::error::excerpt(s, 40)),
                &"a version number",
            )
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<i64, E> {
        Ok(0)
    }
    fn visit_none<E: de::Error>(self) -> Result<i64, E> {
        Ok(0)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<i64, D::Error> {
        d.deserialize_any(Version)
    }
}

/// A version (int64) that may arrive as a number or a numeric string.
pub fn version<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(Version)
}

/// An optional version: absent or null is `None`.
pub fn opt_version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct Opt;
    impl<'de> Visitor<'de> for Opt {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a version number or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(Version).map(Some)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Version.visit_i64(v).map(Some)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Version.visit_u64(v).map(Some)
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Version.visit_f64(v).map(Some)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Version.visit_str(s).map(Some)
        }
    }
    d.deserialize_any(Opt)
}

/// One record: an object (or, for the older `{data:"<id>"}` answers, a string), or a
/// one-element array holding it. Read in place, so an error inside the record keeps its
/// JSON path.
pub fn one_record<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct One<T>(std::marker::PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for One<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("one record (an object, or an array holding one object)")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map))
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
            let Some(first) = seq.next_element::<T>()? else {
                return Err(de::Error::custom("expected one record, got an empty array"));
            };
            let mut more = 0usize;
            while seq.next_element::<de::IgnoredAny>()?.is_some() {
                more += 1;
            }
            if more > 0 {
                return Err(de::Error::custom(format!(
                    "expected one record, got an array of {}",
                    more + 1
                )));
            }
            Ok(first)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
            T::deserialize(de::value::StrDeserializer::<E>::new(s))
        }
        fn visit_string<E: de::Error>(self, s: String) -> Result<T, E> {
            T::deserialize(de::value::StringDeserializer::<E>::new(s))
        }
    }

    d.deserialize_any(One(std::marker::PhantomData))
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
        #[serde(default, deserialize_with = "version")]
        v: i64,
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
        assert_eq!(
            parse(r#"{"v": -3561360546574695}"#).unwrap().v,
            -3561360546574695
        );
        assert_eq!(parse(r#"{"v": "-7"}"#).unwrap().v, -7);
        assert!(parse(r#"{"v": 9223372036854775808}"#)
            .unwrap_err()
            .contains("9223372036854775808"));
        assert!(parse(r#"{"v": 1.5}"#).is_err());
        assert!(parse(r#"{"v": "x"}"#).unwrap_err().contains("\"x\""));
        assert!(parse(r#"{"a": [1]}"#).is_err());
    }
}
