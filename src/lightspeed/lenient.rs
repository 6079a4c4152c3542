//! Deserializers that accept what real stores send rather than only what the spec says:
//! numbers that arrive as numeric strings (the docs' own examples send `"price":"22"`)
//! and `null` where a value was expected.

use serde::de::{self, Deserializer};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrStr {
    N(f64),
    S(String),
}

fn to_f64<E: de::Error>(v: NumOrStr) -> Result<f64, E> {
    match v {
        NumOrStr::N(n) => Ok(n),
        NumOrStr::S(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| E::custom(format!("expected a number, got {s:?}"))),
    }
}

/// `number | "number" | null` → `Option<f64>`; an empty string is `None`.
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Option::<NumOrStr>::deserialize(d)? {
        None => Ok(None),
        Some(NumOrStr::S(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => to_f64(v).map(Some),
    }
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

/// A version that may arrive as a number or a numeric string (Retailer.version is a string in the spec).
pub fn u64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum U {
        N(u64),
        S(String),
        Null(()),
    }
    match U::deserialize(d)? {
        U::N(n) => Ok(n),
        U::S(s) => s
            .trim()
            .parse()
            .map_err(|_| de::Error::custom(format!("expected a version number, got {s:?}"))),
        U::Null(()) => Ok(0),
    }
}
