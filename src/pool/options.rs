//! A variant's options ("Colour: Red", "Size: M") as its pool item keeps them: the mapped
//! `Option Name N` / `Option Value N` slots, which Primary fills from the store's
//! `variant_options` (the default template maps every slot to itself).

use super::PoolItem;
use crate::mapping::fields::{option_name_field, option_value_field, OPTION_SLOTS};

/// (name, value) per option slot that has a value, in slot order. A value without a name
/// keeps an empty name.
pub fn variant_options(item: &PoolItem) -> Vec<(String, String)> {
    let text = |f: Option<&str>| {
        f.and_then(|f| item.fields.get(f))
            .map(|v| v.as_text().trim().to_string())
            .unwrap_or_default()
    };
    (1..=OPTION_SLOTS)
        .map(|n| (text(option_name_field(n)), text(option_value_field(n))))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// One line for a list: "Colour: Red / Size: M" (a nameless value alone); empty without
/// options.
pub fn options_line(item: &PoolItem) -> String {
    variant_options(item)
        .into_iter()
        .map(|(n, v)| if n.is_empty() { v } else { format!("{n}: {v}") })
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The values alone, "Red / M": what a narrow column has room for.
pub fn values_line(item: &PoolItem) -> String {
    variant_options(item)
        .into_iter()
        .map(|(_, v)| v)
        .collect::<Vec<_>>()
        .join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{field_name, FieldValue};

    #[test]
    fn options_read_in_slot_order_and_skip_empty_slots() {
        let mut item = PoolItem::default();
        for (f, v) in [
            ("Option Name 1", "Colour"),
            ("Option Value 1", "Red"),
            ("Option Name 2", "Size"),
            ("Option Value 2", "M"),
            ("Option Name 3", "Fit"),
            ("Option Value 10", "Tall"),
        ] {
            item.fields
                .insert(field_name(f), FieldValue::Text(v.to_string()));
        }
        assert_eq!(options_line(&item), "Colour: Red / Size: M / Tall");
        assert_eq!(values_line(&item), "Red / M / Tall");
        assert_eq!(options_line(&PoolItem::default()), "");
    }
}
