//! Finding and ordering FRs: a search text matched against the FR number, the customer and
//! the SKUs of the lines, and the orders a list can be sorted in. Pure functions over FRs, so
//! every front end (the TUI's FRs pane, a CLI list) filters and sorts the same way.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::model::{Fr, FrStatus};

/// What an FR list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrSort {
    /// The FR number (the store's key order).
    #[default]
    Number,
    /// When the order was placed (else imported).
    Created,
    /// The last change of status.
    Updated,
    /// Lifecycle order: Unprocessed first, final statuses last.
    Status,
    /// The customer's name as [`customer`] gives it.
    Customer,
}

impl FrSort {
    pub const ALL: [FrSort; 5] = [
        FrSort::Number,
        FrSort::Created,
        FrSort::Updated,
        FrSort::Status,
        FrSort::Customer,
    ];

    /// The next sort in [`FrSort::ALL`], wrapping.
    pub fn next(self) -> FrSort {
        let i = FrSort::ALL.iter().position(|s| *s == self).unwrap_or(0);
        FrSort::ALL[(i + 1) % FrSort::ALL.len()]
    }

    pub fn label(self) -> &'static str {
        match self {
            FrSort::Number => "number",
            FrSort::Created => "created",
            FrSort::Updated => "updated",
            FrSort::Status => "status",
            FrSort::Customer => "customer",
        }
    }
}

/// Who the order is for: the billing name, else its company, else the shipping name, else
/// the billing email. Empty when the FR names nobody.
pub fn customer(fr: &Fr) -> String {
    let name = |a: &super::model::FrAddress| {
        if !a.full_name.trim().is_empty() {
            a.full_name.trim().to_string()
        } else {
            format!("{} {}", a.first_name.trim(), a.last_name.trim())
                .trim()
                .to_string()
        }
    };
    [
        name(&fr.billing),
        fr.billing.company_name.trim().to_string(),
        name(&fr.shipping),
        fr.shipping.company_name.trim().to_string(),
        fr.billing.email.trim().to_string(),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or_default()
}

/// A search text, folded once: matches an FR when every word typed is in its number, its
/// customer (names, companies and emails of both addresses) or one of its lines' SKUs,
/// ignoring case ("okafor fuel" finds Maya Okafor's order with SF-FUEL-230).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrSearch {
    words: Vec<String>,
}

impl FrSearch {
    pub fn new(text: &str) -> FrSearch {
        FrSearch {
            words: text.split_whitespace().map(str::to_lowercase).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Runs on every key typed over the whole list, so it allocates nothing for ASCII text.
    pub fn matches(&self, fr: &Fr) -> bool {
        self.words.iter().all(|w| {
            let has = |f: &str| contains_folded(f, w);
            let address = |a: &super::model::FrAddress| {
                has(&a.full_name)
                    || has(&a.first_name)
                    || has(&a.last_name)
                    || has(&a.company_name)
                    || has(&a.email)
            };
            has(&fr.number)
                || address(&fr.billing)
                || address(&fr.shipping)
                || fr.items.iter().any(|i| has(&i.sku))
        })
    }
}

/// Whether `hay` contains `word` (already lower case), ignoring case.
fn contains_folded(hay: &str, word: &str) -> bool {
    if word.is_empty() {
        return true;
    }
    if hay.is_ascii() && word.is_ascii() {
        hay.as_bytes()
            .windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
    } else {
        hay.to_lowercase().contains(word)
    }
}

fn status_rank(s: FrStatus) -> usize {
    FrStatus::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// The order of two FRs under `sort`; ties fall back to the number, so the order is total
/// and stable between reloads.
pub fn compare(a: &Fr, b: &Fr, sort: FrSort) -> Ordering {
    let by = match sort {
        FrSort::Number => Ordering::Equal,
        // Created falls back to the import time, as the model documents.
        FrSort::Created => created(a).cmp(created(b)),
        FrSort::Updated => a.updated_at.cmp(&b.updated_at),
        FrSort::Status => status_rank(a.status).cmp(&status_rank(b.status)),
        FrSort::Customer => customer(a).to_lowercase().cmp(&customer(b).to_lowercase()),
    };
    by.then_with(|| a.number.cmp(&b.number))
}

fn created(fr: &Fr) -> &str {
    if fr.created_at.is_empty() {
        &fr.imported_at
    } else {
        &fr.created_at
    }
}

/// Sorts `frs` in place.
pub fn sort(frs: &mut [Fr], sort: FrSort, descending: bool) {
    if sort == FrSort::Customer {
        // The customer is worked out once per FR, not once per comparison.
        frs.sort_by_cached_key(customer_key);
        if descending {
            frs.reverse();
        }
        return;
    }
    frs.sort_by(|a, b| {
        let o = compare(a, b, sort);
        if descending {
            o.reverse()
        } else {
            o
        }
    });
}

/// The customer order's key: the customer folded, then the number (as [`compare`]).
pub fn customer_key(fr: &Fr) -> (String, String) {
    (customer(fr).to_lowercase(), fr.number.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frs::{FrAddress, FrItem};

    fn fr(number: &str, name: &str, sku: &str, created: &str, status: FrStatus) -> Fr {
        Fr {
            number: number.into(),
            billing: FrAddress {
                first_name: name.into(),
                last_name: "Quill".into(),
                email: format!("{}@example.com", name.to_lowercase()),
                ..FrAddress::default()
            },
            items: vec![FrItem {
                sku: sku.into(),
                quantity: 1.0,
                ..FrItem::default()
            }],
            created_at: created.into(),
            updated_at: created.into(),
            status,
            ..Fr::default()
        }
    }

    #[test]
    fn search_matches_number_customer_and_sku_ignoring_case() {
        let a = fr(
            "WEB-10001",
            "Ada",
            "SF-FUEL-230",
            "2026-03-01T00:00:00Z",
            FrStatus::Processing,
        );
        for hit in [
            "web-1",
            "10001",
            "ada quill",
            "quill  ada",
            "ADA@EXAMPLE",
            "fuel-230",
            "ada fuel",
            "  ",
        ] {
            assert!(FrSearch::new(hit).matches(&a), "{hit}");
        }
        for miss in ["WEB-2", "Grace", "DW-R2P", "ada grace"] {
            assert!(!FrSearch::new(miss).matches(&a), "{miss}");
        }
        let company = Fr {
            shipping: FrAddress {
                company_name: "Harbor Supply".into(),
                ..FrAddress::default()
            },
            ..Fr::default()
        };
        assert!(FrSearch::new("harbor").matches(&company));
        let accented = Fr {
            billing: FrAddress {
                full_name: "Zoë Ünal".into(),
                ..FrAddress::default()
            },
            ..Fr::default()
        };
        assert!(FrSearch::new("ünal ZOË").matches(&accented));
        assert!(!FrSearch::new("unal").matches(&accented));
        assert_eq!(customer(&company), "Harbor Supply");
        assert_eq!(customer(&a), "Ada Quill");
    }

    #[test]
    fn every_sort_orders_and_reverses_with_the_number_breaking_ties() {
        let mut v = vec![
            fr("B", "Cy", "x", "2026-03-02T00:00:00Z", FrStatus::Processed),
            fr(
                "A",
                "Bo",
                "x",
                "2026-03-03T00:00:00Z",
                FrStatus::Unprocessed,
            ),
            fr("C", "Al", "x", "2026-03-01T00:00:00Z", FrStatus::Failed),
        ];
        let numbers = |v: &[Fr]| v.iter().map(|f| f.number.as_str()).collect::<String>();
        for (s, want) in [
            (FrSort::Number, "ABC"),
            (FrSort::Created, "CBA"),
            (FrSort::Updated, "CBA"),
            (FrSort::Status, "ABC"),
            (FrSort::Customer, "CAB"),
        ] {
            sort(&mut v, s, false);
            assert_eq!(numbers(&v), want, "{s:?}");
            sort(&mut v, s, true);
            assert_eq!(numbers(&v), want.chars().rev().collect::<String>(), "{s:?}");
        }
        let mut s = FrSort::Number;
        for _ in 0..FrSort::ALL.len() {
            s = s.next();
        }
        assert_eq!(s, FrSort::Number);
    }
}
