//! The stored shape of a pool item (record version 3).
//!
//! The pool is the largest and hottest tree, and sled's cost per write grows with the bytes
//! written and with how much of the tree its cache can hold, so the body is kept small:
//! - field names are codes into [`FIELD_CODES`] (one or two bytes instead of "Option Value 7");
//!   names outside it are stored as text;
//! - product and outlet ids are 16 raw bytes when they are UUIDs (they are in practice), text
//!   otherwise.
//!
//! [`FIELD_CODES`] is append-only: a code, once written, names the same field forever.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::item::{Change, PoolItem};
use super::levels::StockLevels;
use crate::mapping::{field_name, FieldName, FieldValue};
use crate::store::keys::canonical_uuid;

/// Field names by code. Append only.
static FIELD_CODES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut v: Vec<String> = [
        "SKU",
        "Title",
        "Description",
        "Brand",
        "Cost",
        "MSRP",
        "Quantity",
        "Weight",
        "Weight Unit",
        "Height",
        "Length",
        "Width",
        "Images",
        "Primary Category",
        "Sub Category",
        "Parent SKU",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (prefix, n) in [
        ("Option Name", 10),
        ("Option Value", 10),
        ("Custom Field", 100),
        ("Summary Field", 10),
    ] {
        v.extend((1..=n).map(|i| format!("{prefix} {i}")));
    }
    v
});

static CODE_OF: LazyLock<rustc_hash::FxHashMap<&'static str, u16>> = LazyLock::new(|| {
    FIELD_CODES
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i as u16))
        .collect()
});

#[derive(Serialize, Deserialize)]
enum Name<'a> {
    Code(u16),
    Text(Cow<'a, str>),
}

impl<'a> Name<'a> {
    fn of(s: &'a str) -> Name<'a> {
        match CODE_OF.get(s) {
            Some(c) => Name::Code(*c),
            None => Name::Text(Cow::Borrowed(s)),
        }
    }
    fn into_name(self) -> Result<FieldName, String> {
        match self {
            Name::Code(c) => FIELD_CODES
                .get(usize::from(c))
                .map(|s| Cow::Borrowed(s.as_str()))
                .ok_or_else(|| format!("unknown field code {c}")),
            Name::Text(t) => Ok(field_name(&t)),
        }
    }
}

/// An id: 16 bytes when it is a UUID in canonical form, else its text.
#[derive(Serialize, Deserialize)]
enum Id<'a> {
    Uuid([u8; 16]),
    Text(Cow<'a, str>),
}

impl<'a> Id<'a> {
    fn of(s: &'a str) -> Id<'a> {
        match canonical_uuid(s) {
            Some(u) => Id::Uuid(u.to_be_bytes()),
            None => Id::Text(Cow::Borrowed(s)),
        }
    }
    fn into_string(self) -> String {
        match self {
            Id::Uuid(b) => uuid::Uuid::from_bytes(b).hyphenated().to_string(),

            Id::Text(t) => t.into_owned(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct WireChange<'a> {
    run: u64,
    field: Name<'a>,
    old: Cow<'a, FieldValue>,
    new: Cow<'a, FieldValue>,
}

#[derive(Serialize, Deserialize)]
struct WireItem<'a> {
    sku: Cow<'a, str>,
    product_id: Id<'a>,
    parent_sku: Option<Cow<'a, str>>,
    is_parent: bool,
    fields: Vec<(Name<'a>, Cow<'a, FieldValue>)>,
    archived: bool,
    last_seen_run: u64,
    history: Vec<WireChange<'a>>,
    stock: Vec<(Id<'a>, f64)>,
}

pub(super) fn encode(item: &PoolItem, out: &mut Vec<u8>) -> Result<(), String> {
    let w = WireItem {
        sku: Cow::Borrowed(&item.sku),
        product_id: Id::of(&item.product_id),
        parent_sku: item.parent_sku.as_deref().map(Cow::Borrowed),
        is_parent: item.is_parent,
        fields: item
            .fields
            .iter()
            .map(|(k, v)| (Name::of(k), Cow::Borrowed(v)))
            .collect(),
        archived: item.archived,
        last_seen_run: item.last_seen_run,
        history: item
            .history
            .iter()
            .map(|c| WireChange {
                run: c.run,
                field: Name::of(&c.field),
                old: Cow::Borrowed(&c.old),
                new: Cow::Borrowed(&c.new),
            })
            .collect(),
        stock: item.stock.0.iter().map(|(o, l)| (Id::of(o), *l)).collect(),
    };
    postcard::to_io(&w, out)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub(super) fn decode(body: &[u8]) -> Result<PoolItem, String> {
    let w: WireItem = postcard::from_bytes(body).map_err(|e| e.to_string())?;
    let mut fields = BTreeMap::new();
    for (k, v) in w.fields {
        fields.insert(k.into_name()?, v.into_owned());
    }
    let mut history = VecDeque::with_capacity(w.history.len());
    for c in w.history {
        history.push_back(Change {
            run: c.run,
            field: c.field.into_name()?.into_owned(),
            old: c.old.into_owned(),
            new: c.new.into_owned(),
        });
    }
    Ok(PoolItem {
        sku: w.sku.into_owned(),
        product_id: w.product_id.into_string(),
        parent_sku: w.parent_sku.map(Cow::into_owned),
        is_parent: w.is_parent,
        fields,
        archived: w.archived,
        last_seen_run: w.last_seen_run,
        history,
        stock: StockLevels(
            w.stock
                .into_iter()
                .map(|(o, l)| (o.into_string(), l))
                .collect(),
        ),
        committed: 0.0,
    })
}

/// Version 2: postcard of the item as it was then (names as text, no stock).
#[derive(Deserialize)]
struct ItemV2 {
    sku: String,
    product_id: String,
    parent_sku: Option<String>,
    is_parent: bool,
    fields: BTreeMap<String, FieldValue>,
    archived: bool,
    last_seen_run: u64,
    history: VecDeque<Change>,
}

pub(super) fn decode_v2(body: &[u8]) -> Result<PoolItem, String> {
    let o: ItemV2 = postcard::from_bytes(body).map_err(|e| e.to_string())?;
    Ok(PoolItem {
        sku: o.sku,
        product_id: o.product_id,
        parent_sku: o.parent_sku,
        is_parent: o.is_parent,
        fields: o
            .fields
            .into_iter()
            .map(|(k, v)| (field_name(&k), v))
            .collect(),
        archived: o.archived,
        last_seen_run: o.last_seen_run,
        history: o.history,
        stock: StockLevels::default(),
        committed: 0.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PoolItem {
        let mut fields = BTreeMap::new();
        fields.insert("Title".into(), FieldValue::Text("Tee".into()));
        fields.insert("Quantity".into(), FieldValue::Number(4.5));
        fields.insert("Custom Field 100".into(), FieldValue::Bool(true));
        fields.insert(
            "Not A Pool Field".into(),
            FieldValue::List(vec!["a".into()]),
        );
        PoolItem {
            sku: "SKU-1".into(),
            product_id: "0a0b0c0d-1111-4222-8333-444455556666".into(),
            parent_sku: Some("P-1".into()),
            is_parent: false,
            fields,
            archived: true,
            last_seen_run: 9,
            history: VecDeque::from(vec![Change {
                run: 9,
                field: "Quantity".into(),
                old: FieldValue::Number(1.0),
                new: FieldValue::Number(4.5),
            }]),
            stock: StockLevels(vec![
                ("0a0b0c0d-1111-4222-8333-444455556667".into(), 1.5),
                ("not-a-uuid".into(), 3.0),
                ("0A0B0C0D-1111-4222-8333-444455556668".into(), 0.0),
            ]),
            committed: 0.0,
        }
    }

    #[test]
    fn round_trips_codes_text_names_and_ids_of_every_form() {
        let item = sample();
        let mut out = Vec::new();
        encode(&item, &mut out).unwrap();
        assert_eq!(decode(&out).unwrap(), item);
        let mut other = item.clone();
        other.product_id = "legacy-id".into();
        out.clear();
        encode(&other, &mut out).unwrap();
        assert_eq!(decode(&out).unwrap(), other);
    }

    #[test]
    fn version_3_is_smaller_than_version_2() {
        let mut item = sample();
        item.stock = StockLevels::default();
        let mut v3 = Vec::new();
        encode(&item, &mut v3).unwrap();
        let v2 = postcard::to_stdvec(&(
            &item.sku,
            &item.product_id,
            &item.parent_sku,
            item.is_parent,
            &item.fields,
            item.archived,
            item.last_seen_run,
            &item.history,
        ))
        .unwrap();
        assert_eq!(decode_v2(&v2).unwrap(), item);
        assert!(
            v3.len() + 40 < v2.len(),
            "v3 {} bytes, v2 {}",
            v3.len(),
            v2.len()
        );
    }

    #[test]
    fn field_codes_are_append_only() {
        // Pinned: these codes are on disk.
        assert_eq!(CODE_OF["SKU"], 0);
        assert_eq!(CODE_OF["Parent SKU"], 15);
        assert_eq!(CODE_OF["Option Name 1"], 16);
        assert_eq!(CODE_OF["Option Value 1"], 26);
        assert_eq!(CODE_OF["Custom Field 1"], 36);
        assert_eq!(CODE_OF["Summary Field 10"], 145);
        assert!(decode(&[0]).is_err());
    }
}
