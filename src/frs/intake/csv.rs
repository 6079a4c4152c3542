//! CSV: one row per item; rows with the same `fr_number` form one FR.

use std::collections::HashMap;

use super::super::messages::{self as msg, IntakeError};
use super::super::model::{Fr, FrAddress, FrItem};
use super::values::{
    amount, check_length, date, fr_number, item_value, quantity, sku, unit_price, Problems, Raw,
};
use super::{FrInput, Parsed, Rejection};
use crate::excerpt::excerpt;

/// Order-level CSV columns other than the addresses.
pub(super) const ORDER_COLUMNS: [&str; 6] = [
    "payment_method",
    "created_at",
    "shipping_method",
    "discount",
    "shipping_cost",
    "tax",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Col {
    Number,
    Order(&'static str),
    Billing(&'static str),
    Shipping(&'static str),
    Sku,
    Quantity,
    UnitPrice,
    Ignored,
}

pub(super) fn column(name: &str) -> Result<Col, String> {
    let n = name.trim().to_ascii_lowercase();
    let addr = |rest: &str| {
        FrAddress::FIELDS
            .iter()
            .find(|(k, _)| *k == rest)
            .map(|(k, _)| *k)
    };
    Ok(match n.as_str() {
        "fr_number" | "number" => Col::Number,
        "sku" => Col::Sku,
        "quantity" => Col::Quantity,
        "unit_price" => Col::UnitPrice,
        _ => {
            if let Some(c) = ORDER_COLUMNS.iter().find(|c| **c == n) {
                Col::Order(c)
            } else if let Some(rest) = n.strip_prefix("billing_") {
                Col::Billing(addr(rest).ok_or_else(|| msg::csv_unknown_column(&excerpt(name)))?)
            } else if let Some(rest) = n.strip_prefix("shipping_") {
                Col::Shipping(addr(rest).ok_or_else(|| msg::csv_unknown_column(&excerpt(name)))?)
            } else {
                // Other columns (order notes, channel ids) are not part of an FR.
                Col::Ignored
            }
        }
    })
}

/// One FR being assembled from its rows.
pub(super) struct Group {
    number: String,
    first_line: usize,
    /// Order-level column → (value, line it came from).
    order: HashMap<Col, (String, usize)>,
    items: Vec<FrItem>,
    /// Rounding notes of its rows.
    notes: Vec<String>,
    bad: bool,
}

pub(super) fn col_name(c: Col) -> String {
    match c {
        Col::Order(s) => s.to_string(),
        Col::Billing(s) => format!("billing_{s}"),
        Col::Shipping(s) => format!("shipping_{s}"),
        Col::Number => "fr_number".into(),
        Col::Sku => "sku".into(),
        Col::Quantity => "quantity".into(),
        Col::UnitPrice => "unit_price".into(),
        Col::Ignored => String::new(),
    }
}

pub(super) fn parse_csv(file: &str, text: &str) -> Result<Parsed, IntakeError> {
    let header_err = |why: String| IntakeError::CsvHeader {
        file: file.to_string(),
        why,
    };
    let mut rdr = ::csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| header_err(msg::csv_unreadable(&e.to_string())))?
        .clone();
    let mut cols = Vec::with_capacity(headers.len());
    for h in headers.iter() {
        let c = column(h).map_err(header_err)?;
        if c != Col::Ignored && cols.contains(&c) {
            return Err(header_err(msg::csv_repeated_column(&excerpt(h.trim()))));
        }
        cols.push(c);
    }
    let missing: Vec<&str> = [
        (Col::Number, "fr_number"),
        (Col::Sku, "sku"),
        (Col::Quantity, "quantity"),
        (Col::UnitPrice, "unit_price"),
    ]
    .into_iter()
    .filter(|(c, _)| !cols.contains(c))
    .map(|(_, n)| n)
    .collect();
    if !missing.is_empty() {
        return Err(header_err(msg::csv_missing_columns(&missing)));
    }

    let mut out = Parsed::default();
    let mut groups: Vec<Group> = Vec::new();
    let mut by_number: HashMap<String, usize> = HashMap::new();
    let mut record = ::csv::StringRecord::new();
    loop {
        let line_hint = rdr.position().line() as usize;
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                // The csv reader cannot resynchronise reliably after a broken record: stop here.
                out.rejected.push(Rejection {
                    line: line_hint,
                    reason: msg::csv_unreadable(&e.to_string()),
                });
                break;
            }
        }
        let line = record
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(line_hint);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: Col| {
            cols.iter()
                .position(|x| *x == c)
                .and_then(|i| record.get(i))
                .unwrap_or("")
        };
        let number = match fr_number("fr_number", &Raw::cell(cell(Col::Number))) {
            Ok(n) => n,
            Err(reason) => {
                out.rejected.push(Rejection { line, reason });
                continue;
            }
        };
        let reject = |out: &mut Parsed, reason: String| {
            out.rejected.push(Rejection {
                line,
                reason: msg::in_fr(&number, &reason),
            })
        };
        let gi = *by_number.entry(number.clone()).or_insert_with(|| {
            groups.push(Group {
                number: number.clone(),
                first_line: line,
                order: HashMap::new(),
                items: Vec::new(),
                notes: Vec::new(),
                bad: false,
            });
            groups.len() - 1
        });
        let g = &mut groups[gi];
        if record.len() != headers.len() {
            g.bad = true;
            reject(&mut out, msg::csv_cell_count(record.len(), headers.len()));
            continue;
        }
        let mut p = Problems::default();
        // Order-level cells: check the value, then that it agrees with the FR's other rows.
        for (i, c) in cols.iter().enumerate() {
            if !matches!(c, Col::Order(_) | Col::Billing(_) | Col::Shipping(_)) {
                continue;
            }
            let v = record.get(i).unwrap_or("").trim();
            if v.is_empty() {
                continue;
            }
            let checked = match c {
                Col::Order(f @ ("discount" | "shipping_cost" | "tax")) => {
                    amount(f, &Raw::cell(v)).map(|_| ())
                }
                Col::Order("created_at") => date(&Raw::cell(v)).map(|_| ()),
                _ => check_length(&col_name(*c), v),
            };
            if let Err(e) = checked {
                p.push(e);
                continue;
            }
            match g.order.get(c) {
                Some((earlier, at)) if earlier != v => {
                    p.push(msg::csv_conflict(
                        &col_name(*c),
                        &excerpt(v),
                        *at,
                        &excerpt(earlier),
                    ));
                }
                Some(_) => {}
                None => {
                    g.order.insert(*c, (v.to_string(), line));
                }
            }
        }
        let sku = p.take(sku(&Raw::cell(cell(Col::Sku))));
        let n = g.items.len() + 1;
        let mut notes = Vec::new();
        let quantity = p.take_rounded(
            quantity(
                &Raw::cell(cell(Col::Quantity)),
                &item_value(n, &sku, "quantity"),
            ),
            &mut notes,
        );
        let unit_price = p.take_rounded(
            unit_price(
                &Raw::cell(cell(Col::UnitPrice)),
                &item_value(n, &sku, "unit_price"),
            ),
            &mut notes,
        );
        if p.is_empty() {
            g.notes.extend(notes);
            g.items.push(FrItem {
                sku,
                quantity,
                unit_price,
                ..FrItem::default()
            });
        } else {
            g.bad = true;
            reject(&mut out, p.join());
        }
    }

    for g in groups.into_iter().filter(|g| !g.bad) {
        let mut fr = Fr {
            number: g.number,
            items: g.items,
            ..Fr::default()
        };
        let mut notes = g.notes;
        let mut created_at = None;
        // Values were checked row by row above; only the rounding note is new here.
        let mut money = |f: &str, v: &str| match amount(f, &Raw::cell(v)) {
            Ok((a, note)) => {
                notes.extend(note);
                a
            }
            Err(_) => 0.0,
        };
        // In column order, so the notes come out in a stable order.
        let mut order: Vec<_> = g.order.iter().collect();
        order.sort_by_key(|(c, _)| cols.iter().position(|x| x == *c));
        for (c, (v, _)) in order {
            match c {
                Col::Order("payment_method") => fr.payment_method = v.clone(),
                Col::Order("shipping_method") => fr.shipping_method = v.clone(),
                Col::Order("discount") => fr.discount = money("discount", v),
                Col::Order("shipping_cost") => fr.shipping_cost = money("shipping_cost", v),
                Col::Order("tax") => fr.tax = money("tax", v),
                Col::Order("created_at") => created_at = date(&Raw::cell(v)).unwrap_or(None),
                Col::Billing(k) => {
                    if let Some(slot) = fr.billing.field_mut(k) {
                        *slot = v.clone();
                    }
                }
                Col::Shipping(k) => {
                    if let Some(slot) = fr.shipping.field_mut(k) {
                        *slot = v.clone();
                    }
                }
                _ => {}
            }
        }
        out.frs.push(FrInput {
            line: g.first_line,
            fr,
            created_at,
            notes,
        });
    }
    Ok(out)
}
