//! One incoming record (a product, an inventory level, an FR line) as field name → value, in the order the
//! builder inserted them.
//!
//! Names are `Cow<'static, str>` so builders can insert the catalog's static names without allocating one
//! string per field per record; that matters at a million records per run.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::value::FieldValue;

#[derive(Clone, Debug, PartialEq, Default)]
pub struct SourceRecord {
    fields: Vec<(Cow<'static, str>, FieldValue)>,
}

impl SourceRecord {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Self {
            fields: Vec::with_capacity(n),
        }
    }

    /// Sets `name`, replacing an existing value in place (its position is kept).
    pub fn insert(&mut self, name: impl Into<Cow<'static, str>>, value: FieldValue) {
        let name = name.into();
        match self.fields.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((name, value)),
        }
    }

    /// Builder form of [`SourceRecord::insert`].
    pub fn with(mut self, name: impl Into<Cow<'static, str>>, value: FieldValue) -> Self {
        self.insert(name, value);
        self
    }

    pub fn get(&self, name: &str) -> Option<&FieldValue> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// A missing field reads as `Empty`: templates may name fields a particular record does not carry.
    pub fn value(&self, name: &str) -> &FieldValue {
        self.get(name).unwrap_or(&FieldValue::Empty)
    }

    pub fn text(&self, name: &str) -> Cow<'_, str> {
        self.value(name).as_text()
    }

    pub fn number(&self, name: &str) -> Result<Option<f64>, String> {
        self.value(name).as_number()
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, String> {
        self.value(name).as_bool()
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &FieldValue)> {
        self.fields.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn clear(&mut self) {
        self.fields.clear();
    }

    /// Records from one builder share a field order, so remembering where a name was last found turns the
    /// lookup into one string compare instead of a scan. A miss (a record that omits fields) just rescans.
    /// Relaxed is enough: the hint is only a guess that is always verified.
    pub(crate) fn get_hinted(&self, name: &str, hint: &AtomicUsize) -> &FieldValue {
        let guess = hint.load(Ordering::Relaxed);
        if let Some((k, v)) = self.fields.get(guess) {
            if k == name {
                return v;
            }
        }
        match self.fields.iter().position(|(k, _)| k == name) {
            Some(i) => {
                hint.store(i, Ordering::Relaxed);
                self.fields.get(i).map_or(&FieldValue::Empty, |(_, v)| v)
            }
            None => &FieldValue::Empty,
        }
    }
}

impl<K: Into<Cow<'static, str>>> FromIterator<(K, FieldValue)> for SourceRecord {
    fn from_iter<I: IntoIterator<Item = (K, FieldValue)>>(iter: I) -> Self {
        let mut record = SourceRecord::new();
        for (k, v) in iter {
            record.insert(k, v);
        }
        record
    }
}

// Serialised as a plain map (field name → value) so stored samples and logs read naturally.
impl Serialize for SourceRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (k, v) in &self.fields {
            map.serialize_entry(k.as_ref(), v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for SourceRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RecordVisitor;
        impl<'de> Visitor<'de> for RecordVisitor {
            type Value = SourceRecord;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of field name to value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<SourceRecord, A::Error> {
                let mut record = SourceRecord::with_capacity(access.size_hint().unwrap_or(0));
                while let Some((k, v)) = access.next_entry::<String, FieldValue>()? {
                    record.insert(k, v);
                }
                Ok(record)
            }
        }
        deserializer.deserialize_map(RecordVisitor)
    }
}
