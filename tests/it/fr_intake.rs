//! FR intake: JSON and CSV files into the store, record by record; duplicates never imported
//! twice; the inbox folder; and the `fr import` / `fr inbox` commands as real processes.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::support::procs;
use lsbridge::clock::{ManualClock, SharedClock};
use lsbridge::frs::{
    self, inbox, intake, FileOutcome, FrStatus, Frs, ImportReport, IntakeError, LineState,
};
use lsbridge::source::{Source, Sources};
use lsbridge::store::Store;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/frs")
        .join(name)
}

fn t0() -> SystemTime {
    let d = chrono::DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z").unwrap();
    SystemTime::from(d.with_timezone(&chrono::Utc))
}

struct Env {
    store: Store,
    source: Source,
    clock: SharedClock,
}

fn env() -> Env {
    let store = Store::open_temporary().unwrap();
    let source = Sources::open(&store)
        .unwrap()
        .add(Source {
            name: "harbor".into(),
            ..Source::default()
        })
        .unwrap();
    Env {
        store,
        source,
        clock: Arc::new(ManualClock::new(t0())),
    }
}

impl Env {
    fn import(&self, name: &str) -> ImportReport {
        frs::import_file(&self.store, &self.source, &fixture(name), &self.clock).unwrap()
    }
    fn import_text(&self, file: &str, text: &str) -> Result<ImportReport, IntakeError> {
        frs::import_bytes(
            &self.store,
            &self.source,
            file,
            text.as_bytes(),
            intake::Format::from_path(Path::new(file)),
            self.clock.now(),
        )
    }
    fn frs(&self) -> Frs {
        Frs::open(&self.store).unwrap()
    }
    fn numbers(&self) -> Vec<String> {
        self.frs()
            .list(Some(self.source.id), None)
            .unwrap()
            .into_iter()
            .map(|f| f.number)
            .collect()
    }
}

fn rejections(r: &ImportReport) -> Vec<(usize, &str)> {
    r.rejected
        .iter()
        .map(|x| (x.line, x.reason.as_str()))
        .collect()
}

#[test]
fn good_json_imports_every_fr_with_all_its_fields() {
    let e = env();
    let r = e.import("sample.json");
    assert_eq!((r.imported, r.duplicates, r.rejected.len()), (5, 0, 0));
    assert_eq!(
        r.imported_numbers,
        [
            "WEB-10001",
            "WEB-10002",
            "WEB-10003",
            "WEB-10004",
            "WEB-10005"
        ]
    );
    let fr = e.frs().get(e.source.id, "WEB-10001").unwrap().unwrap();
    assert_eq!(fr.source, e.source.id);
    assert_eq!(fr.items.len(), 3);
    assert_eq!(fr.items[2].sku, "SF-FUEL-230");
    assert_eq!(fr.items[2].quantity, 2.0);
    assert_eq!(fr.items[2].unit_price, 7.99);
    assert_eq!(fr.items[2].line, LineState::Pending);
    assert_eq!(fr.payment_method, "Credit Card");
    assert_eq!(fr.shipping_method, "UPS Ground");
    assert_eq!((fr.discount, fr.shipping_cost, fr.tax), (0.0, 12.5, 37.03));
    assert_eq!(fr.shipping.address_line_2, "Apt 3B");
    assert_eq!(fr.billing.phone, "607-555-0142");
    assert_eq!(fr.created_at, "2026-03-02T14:05:00+00:00");
    assert_eq!(fr.imported_at, "2026-03-10T12:00:00+00:00");
    // Use Global resolves to the global default, Auto Process.
    assert_eq!(fr.status, FrStatus::Processing);
    assert_eq!(fr.attempts, 0);
    assert_eq!(fr.sale_id, None);

    // An offset is normalised to UTC; address line 3 and company are kept.
    let fr = e.frs().get(e.source.id, "WEB-10002").unwrap().unwrap();
    assert_eq!(fr.created_at, "2026-03-02T21:47:12+00:00");
    let fr = e.frs().get(e.source.id, "WEB-10003").unwrap().unwrap();
    assert_eq!(fr.shipping.address_line_3, "Attn: Gear Room");
    assert_eq!(fr.billing.company_name, "Trailhead Scouts Troop 214");

    let tl = e.frs().timeline(e.source.id, "WEB-10003").unwrap();
    assert_eq!(tl.len(), 1);
    assert_eq!(tl[0].kind, "imported");
    assert_eq!(tl[0].status, "Processing");
    assert_eq!(tl[0].at, "2026-03-10T12:00:00+00:00");
    assert_eq!(
        tl[0].reason,
        "imported from sample.json line 76; auto-processing is on"
    );

    // The Send FRs source record of a line carries the order's fields and that line's.
    let rec = frs::fr_source_record(&fr, &fr.items[1]);
    assert_eq!(rec.text("FR Item: SKU"), "CP-TAB");
    assert_eq!(
        rec.text("Shipping Address: Address Line 3"),
        "Attn: Gear Room"
    );
    assert_eq!(rec.text("Billing Address: City"), "Evanston");
    assert_eq!(
        rec.text("Fulfillment Request: Fulfillment Request Number"),
        "WEB-10003"
    );
    assert_eq!(rec.number("FR Item: Quantity"), Ok(Some(1.0)));
    assert_eq!(rec.text("Source Shipping Method: Method"), "FedEx 2Day");
}

#[test]
fn good_csv_groups_rows_into_frs() {
    let e = env();
    let r = e.import("sample.csv");
    assert_eq!((r.imported, r.duplicates, r.rejected.len()), (3, 0, 0));
    let fr = e.frs().get(e.source.id, "MKT-2001").unwrap().unwrap();
    let skus: Vec<&str> = fr.items.iter().map(|i| i.sku.as_str()).collect();
    assert_eq!(skus, ["DW-HAM", "SF-SQZ"]);
    assert_eq!(fr.shipping.postal_code, "05401", "leading zero kept");
    assert_eq!(fr.billing.email, "ava.l@example.com");
    assert_eq!(fr.shipping.phone, "802-555-0131");
    assert_eq!((fr.shipping_cost, fr.tax), (9.95, 10.74));
    let fr = e.frs().get(e.source.id, "MKT-2002").unwrap().unwrap();
    assert_eq!(fr.shipping.address_line_1, "1200 Elm Street, Unit 4");
    assert_eq!(fr.items[0].quantity, 4.0);
    assert_eq!(fr.discount, 5.0);
    let fr = e.frs().get(e.source.id, "MKT-2003").unwrap().unwrap();
    assert_eq!(
        fr.created_at, "2026-03-06T00:00:00+00:00",
        "a bare date is midnight UTC"
    );
    assert_eq!(fr.shipping.address_line_2, "Building C");
    let tl = e.frs().timeline(e.source.id, "MKT-2003").unwrap();
    assert_eq!(
        tl[0].reason,
        "imported from sample.csv line 5; auto-processing is on"
    );
}

#[test]
fn bad_csv_rejects_each_bad_row_with_its_line_and_imports_the_rest() {
    let e = env();
    let r = e.import("bad.csv");
    assert_eq!(
        rejections(&r),
        [
            (3, "missing FR number: fill in fr_number"),
            (4, "FR BAD-3002: quantity \"0\" is not a positive number: use a number above 0"),
            (5, "FR BAD-3003: unit_price \"sixty-five\" is not a number of 0 or more: use e.g. 19.99"),
            (6, "FR BAD-3004: missing SKU: fill in sku"),
            (7, "FR BAD-3005: created_at \"03/07/2026\" is not a date: use RFC 3339, e.g. 2026-03-04T15:30:00Z, or 2026-03-04"),
            (10, "FR number is 51 characters long: the maximum is 50; shorten it"),
            (11, "FR BAD-3007: quantity \"-1\" is not a positive number: use a number above 0; unit_price \"-5\" is not a number of 0 or more: use e.g. 19.99"),
            (13, "FR BAD-3008: shipping_city \"Eugene\" differs from line 12 (\"Salem\"): rows of one FR must agree on its order fields (or leave them blank)"),
        ]
    );
    assert_eq!((r.imported, r.duplicates), (2, 0));
    // BAD-3008's good first row is held back with its bad second row: no half orders.
    assert_eq!(e.numbers(), ["BAD-3001", "BAD-3006"]);
    let fr = e.frs().get(e.source.id, "BAD-3006").unwrap().unwrap();
    assert_eq!(fr.items.len(), 2);
    assert_eq!(fr.shipping.city, "Omaha");
}

#[test]
fn bad_json_rejects_each_bad_element_with_its_line_and_imports_the_rest() {
    let e = env();
    let r = e.import("bad.json");
    assert_eq!(
        rejections(&r),
        [
            (8, "element 2: missing FR number: fill in number"),
            (9, "element 3: FR BADJ-4002: no items: add at least one item with sku, quantity and unit_price"),
            (10, "element 4: FR BADJ-4003: item 2 (SKU SF-FLD): quantity \"two\" is not a positive number: use a number above 0; unit_price -1 is not a number of 0 or more: use e.g. 19.99"),
            (17, "element 5: FR number is 51 characters long: the maximum is 50; shorten it"),
            (18, "element 6: FR BADJ-4004: shipping has no field \"zip\": use address_line_1, address_line_2, address_line_3, city, company_name, country, country_code, email, first_name, full_name, last_name, phone, postal_code or state"),
            (19, "element 7: the FR is not an object: write it as {\"field\": \"value\", …}"),
            (20, "element 8: FR BADJ-4005: created_at \"yesterday\" is not a date: use RFC 3339, e.g. 2026-03-04T15:30:00Z, or 2026-03-04"),
            (21, "element 9: FR BADJ-4006: item 1: missing SKU: fill in sku"),
        ]
    );
    assert_eq!((r.imported, r.duplicates), (2, 1));
    assert_eq!(r.duplicate_numbers[0].line, 23);
    assert_eq!(e.numbers(), ["BADJ-4001", "BADJ-4007"]);
    // The first BADJ-4001 is kept; the repeat (quantity 9) is only noted.
    let fr = e.frs().get(e.source.id, "BADJ-4001").unwrap().unwrap();
    assert_eq!(fr.items[0].quantity, 2.0);
    let tl = e.frs().timeline(e.source.id, "BADJ-4001").unwrap();
    assert_eq!(tl.len(), 2);
    assert_eq!(tl[1].kind, "duplicate");
    assert_eq!(
        tl[1].reason,
        "duplicate FR # seen in bad.json line 23; not imported"
    );
}

/// A hold stored before settings were validated (a config file could hold any u32) is
/// capped at a year when FRs are imported, instead of overflowing the calendar and
/// panicking; the import still works and the hold still shows on the timeline.
#[test]
fn a_stored_out_of_range_hold_is_capped_and_never_panics_the_import() {
    let mut e = env();
    e.source.send_frs.hold_hours = u32::MAX;
    // Straight to the store, as an older version would have saved it.
    Sources::open(&e.store).unwrap().save(&e.source).unwrap();
    let r = e.import("sample.json");
    assert_eq!(r.rejected, vec![], "{}", r.summary());
    assert!(r.imported > 0, "{}", r.summary());
    let fr = e
        .frs()
        .get(e.source.id, &r.imported_numbers[0])
        .unwrap()
        .unwrap();
    assert_eq!(
        fr.earliest_send, "2027-03-10T12:00:00+00:00",
        "now + 8760 h"
    );
    let timeline = e.frs().timeline(e.source.id, &fr.number).unwrap();
    assert!(
        timeline[0]
            .reason
            .contains("held until 2027-03-10T12:00:00+00:00"),
        "{:?}",
        timeline[0]
    );
}

/// Rejection reasons quote at most an excerpt of the bad value (about 200 characters), however
/// large it is, in JSON values, JSON keys, SKUs, CSV columns and CSV cells.
#[test]
fn rejection_reasons_quote_only_an_excerpt_of_huge_bad_input() {
    let e = env();
    let huge = "9x".repeat(500_000);
    let json = format!(
        r#"[{{"number": "A-1", "items": [{{"sku": "S", "quantity": "{huge}", "unit_price": 1}}]}},
{{"number": "A-2", "items": [{{"sku": "{huge}", "quantity": 0, "unit_price": 1}}]}},
{{"number": "A-3", "billing": {{"{huge}": "x"}}, "items": [{{"sku": "S", "quantity": 1, "unit_price": 1}}]}},
{{"number": "A-4", "created_at": "{huge}", "items": [{{"sku": "S", "quantity": 1, "unit_price": 1}}]}}]"#
    );
    let r = e.import_text("huge.json", &json).unwrap();
    assert_eq!(r.rejected.len(), 4, "{r:?}");
    for rej in &r.rejected {
        assert!(
            rej.reason.len() < 700,
            "line {}: {} chars",
            rej.line,
            rej.reason.len()
        );
        assert!(rej.reason.contains("(1000000 chars)"), "{}", rej.reason);
    }
    let csv = format!("fr_number,sku,quantity,unit_price,tax\nC-1,S,1,1,1\nC-1,S,1,1,{huge}\n");
    let r = e.import_text("huge.csv", &csv).unwrap();
    assert_eq!(r.rejected.len(), 1, "{r:?}");
    assert!(
        r.rejected[0].reason.len() < 700,
        "{}",
        r.rejected[0].reason.len()
    );
    let csv = format!("fr_number,sku,quantity,unit_price,billing_{huge}\nC-2,S,1,1,x\n");
    let err = e.import_text("header.csv", &csv).unwrap_err().to_string();
    assert!(err.len() < 1000, "{} chars", err.len());
    assert!(err.contains("unknown column"), "{}", &err[..200]);
}

#[test]
fn fr_number_limit_is_fifty_characters() {
    let e = env();
    let fifty = "N".repeat(50);
    let r = e
        .import_text(
            "limit.json",
            &format!(
                r#"[{{"number": "{fifty}", "items": [{{"sku": "HP-MUG", "quantity": 1, "unit_price": 16}}]}}]"#
            ),
        )
        .unwrap();
    assert_eq!((r.imported, r.rejected.len()), (1, 0));
    // A numeric FR number is read as its digits.
    let r = e
        .import_text(
            "numeric.json",
            r#"{"frs": [{"number": 1001, "items": [{"sku": "HP-MUG", "quantity": "1.5", "unit_price": "16"}]}]}"#,
        )
        .unwrap();
    assert_eq!(r.imported_numbers, ["1001"]);
    let fr = e.frs().get(e.source.id, "1001").unwrap().unwrap();
    assert_eq!((fr.items[0].quantity, fr.items[0].unit_price), (1.5, 16.0));
}

/// Quantities keep 4 decimal places and money 2, rounded half to even on the decimals as
/// written; each rounding is noted on the FR's timeline. CSV and JSON alike.
#[test]
fn quantities_and_money_are_rounded_half_even_with_a_timeline_note() {
    let e = env();
    let r = e
        .import_text(
            "round.json",
            r#"[{"number": "R-1", "discount": 0.125, "tax": 1.5,
                 "items": [{"sku": "HP-MUG", "quantity": 2.00005, "unit_price": 1.005},
                           {"sku": "HP-CUP", "quantity": "2.00015", "unit_price": "19.99"},
                           {"sku": "HP-JAR", "quantity": 3, "unit_price": 0.015}]}]"#,
        )
        .unwrap();
    assert_eq!((r.imported, r.rejected.len()), (1, 0), "{r:?}");
    let fr = e.frs().get(e.source.id, "R-1").unwrap().unwrap();
    let got: Vec<(f64, f64)> = fr
        .items
        .iter()
        .map(|i| (i.quantity, i.unit_price))
        .collect();
    assert_eq!(got, [(2.0, 1.0), (2.0002, 19.99), (3.0, 0.02)]);
    assert_eq!((fr.discount, fr.tax), (0.12, 1.5));
    let notes: Vec<String> = e
        .frs()
        .timeline(e.source.id, "R-1")
        .unwrap()
        .into_iter()
        .filter(|t| t.kind == "note")
        .map(|t| t.reason)
        .collect();
    assert_eq!(
        notes,
        [
            "discount 0.125 rounded to 0.12 (amounts keep 2 decimal places, rounded half to even)",
            "item 1 (SKU HP-MUG): quantity 2.00005 rounded to 2 (quantities keep 4 decimal places, rounded half to even)",
            "item 1 (SKU HP-MUG): unit_price 1.005 rounded to 1.00 (amounts keep 2 decimal places, rounded half to even)",
            "item 2 (SKU HP-CUP): quantity \"2.00015\" rounded to 2.0002 (quantities keep 4 decimal places, rounded half to even)",
            "item 3 (SKU HP-JAR): unit_price 0.015 rounded to 0.02 (amounts keep 2 decimal places, rounded half to even)",
        ]
    );

    let r = e
        .import_text(
            "round.csv",
            "fr_number,sku,quantity,unit_price,shipping_cost\nR-2,HP-MUG,0.33335,2.675,4.445\nR-2,HP-CUP,1,3,\n",
        )
        .unwrap();
    assert_eq!((r.imported, r.rejected.len()), (1, 0), "{r:?}");
    let fr = e.frs().get(e.source.id, "R-2").unwrap().unwrap();
    assert_eq!(
        (fr.items[0].quantity, fr.items[0].unit_price),
        (0.3334, 2.68)
    );
    assert_eq!(fr.shipping_cost, 4.44);
    let notes = e
        .frs()
        .timeline(e.source.id, "R-2")
        .unwrap()
        .into_iter()
        .filter(|t| t.kind == "note")
        .count();
    assert_eq!(notes, 3);

    // Nothing to round: no note.
    e.import_text(
        "exact.json",
        r#"[{"number": "R-3", "items": [{"sku": "HP-MUG", "quantity": 1.5, "unit_price": 16.25}]}]"#,
    )
    .unwrap();
    let kinds: Vec<String> = e
        .frs()
        .timeline(e.source.id, "R-3")
        .unwrap()
        .into_iter()
        .map(|t| t.kind)
        .collect();
    assert_eq!(kinds, ["imported"]);
}

/// Each limit of an FR record is its own reason, and the record is not imported.
#[test]
fn fr_field_limits_reject_the_record_with_a_reason_each() {
    let e = env();
    let item = |sku: &str, q: &str, p: &str| {
        format!(r#"{{"sku": {sku}, "quantity": {q}, "unit_price": {p}}}"#)
    };
    let fr = |number: &str, extra: &str, items: &str| {
        format!(r#"{{"number": {number}, {extra} "items": [{items}]}}"#)
    };
    let ok_item = item("\"HP-MUG\"", "1", "2");
    let long_sku = format!("\"{}\"", "S".repeat(256));
    let mb = "x".repeat(1 << 20);
    let cases: Vec<(String, &str)> = vec![
        (
            fr("\"A-\u{202e}1\"", "", &ok_item),
            "FR number has an invisible formatting character (U+202E",
        ),
        (fr("\"A-\u{2066}1\"", "", &ok_item), "(U+2066"),
        (fr("\"A-\u{200f}1\"", "", &ok_item), "(U+200F"),
        (
            fr("\"L-1\"", "", &item(&long_sku, "1", "2")),
            "(256 chars) is longer than 255 characters: check the sku field",
        ),
        (
            fr("\"L-2\"", "", &item("\"A\\nB,C\"", "1", "2")),
            "item 1: SKU has control characters",
        ),
        (
            fr(
                "\"L-3\"",
                &format!(r#""billing": {{"city": "{mb}"}},"#),
                &ok_item,
            ),
            "billing.city is 1048576 characters long: the maximum is 1000",
        ),
        (
            fr(
                "\"L-4\"",
                &format!(r#""payment_method": "{}","#, "p".repeat(1001)),
                &ok_item,
            ),
            "payment_method is 1001 characters long: the maximum is 1000",
        ),
        (
            fr("\"L-5\"", "", &item("\"HP-MUG\"", "1e26", "2")),
            "quantity 1e+26 is out of range: use a number above 0 and at most 1000000000",
        ),
        (
            fr("\"L-6\"", "", &item("\"HP-MUG\"", "0.00001", "2")),
            "quantity 0.00001 is 0 at 4 decimal places",
        ),
        (
            fr("\"L-7\"", "", &item("\"HP-MUG\"", "1", "1000000000.01")),
            "unit_price 1000000000.01 is out of range: use an amount from 0 to 1000000000",
        ),
        (
            fr("\"L-8\"", r#""tax": "2e9","#, &ok_item),
            "tax \"2e9\" is out of range",
        ),
        (
            fr("\"L-9\"", "", &item("\"HP-MUG\"", "\"inf\"", "2")),
            "quantity \"inf\" is not a positive number",
        ),
    ];
    for (text, says) in cases {
        let r = e.import_text("limits.json", &format!("[{text}]")).unwrap();
        assert_eq!((r.imported, r.rejected.len()), (0, 1), "{says}: {r:?}");
        let reason = &r.rejected[0].reason;
        assert!(reason.contains(says), "{says:?} not in {reason:?}");
        assert!(!reason.contains('\n'), "{reason:?}");
        assert!(reason.chars().count() < 600, "{}", reason.chars().count());
    }
    assert!(e.numbers().is_empty(), "{:?}", e.numbers());

    // The same limits in a CSV: a SKU cell with a line break and commas (quoted), a 1 MB
    // address cell.
    let csv = format!(
        "fr_number,sku,quantity,unit_price,shipping_city\nC-1,\"A\nB,C\",1,2,\nC-2,HP-MUG,1,2,{mb}\n"
    );
    let r = e.import_text("limits.csv", &csv).unwrap();
    assert_eq!(r.imported, 0, "{r:?}");
    let reasons: Vec<&str> = r.rejected.iter().map(|x| x.reason.as_str()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].starts_with("FR C-1: SKU has control characters"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].starts_with("FR C-2: shipping_city is 1048576 characters long"),
        "{reasons:?}"
    );
    assert!(e.numbers().is_empty());
}

#[test]
fn duplicates_within_a_file_and_across_imports_are_never_imported_twice() {
    let e = env();
    let first = e.import("sample.json");
    assert_eq!(first.imported, 5);
    let again = e.import("sample.json");
    assert_eq!(
        (again.imported, again.duplicates, again.rejected.len()),
        (0, 5, 0)
    );
    assert_eq!(e.numbers().len(), 5);
    let tl = e.frs().timeline(e.source.id, "WEB-10002").unwrap();
    let kinds: Vec<&str> = tl.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(kinds, ["imported", "duplicate"]);
    assert_eq!(
        tl[1].reason,
        "duplicate FR # seen in sample.json line 43; not imported"
    );

    // Within one file: the first occurrence wins, the second is a Duplicate FR #.
    let text = r#"[
  {"number": "D-1", "items": [{"sku": "HP-MUG", "quantity": 1, "unit_price": 16}]},
  {"number": "D-1", "items": [{"sku": "DW-HAM", "quantity": 5, "unit_price": 69}]}
]"#;
    let r = e.import_text("twice.json", text).unwrap();
    assert_eq!((r.imported, r.duplicates), (1, 1));
    let fr = e.frs().get(e.source.id, "D-1").unwrap().unwrap();
    assert_eq!(fr.items[0].sku, "HP-MUG");
    let r = e.import_text("twice.json", text).unwrap();
    assert_eq!((r.imported, r.duplicates), (0, 2));
    // The same number in another source is another FR.
    let other = Sources::open(&e.store)
        .unwrap()
        .add(Source {
            name: "other".into(),
            ..Source::default()
        })
        .unwrap();
    let r = frs::import_bytes(
        &e.store,
        &other,
        "twice.json",
        text.as_bytes(),
        None,
        e.clock.now(),
    )
    .unwrap();
    assert_eq!((r.imported, r.duplicates), (1, 1));
}

#[test]
fn whole_file_problems_are_one_error_that_says_what_to_do() {
    let e = env();
    let err = |file: &str, text: &[u8]| {
        frs::import_bytes(
            &e.store,
            &e.source,
            file,
            text,
            intake::Format::from_path(Path::new(file)),
            e.clock.now(),
        )
        .unwrap_err()
        .to_string()
    };
    assert_eq!(
        err("x.json", &[0xff, 0xfe, 0x00, 0x81, 0x13]),
        "x.json is not UTF-8 text: save it as UTF-8 JSON or CSV"
    );
    assert_eq!(
        err("x.json", b"[{\"number\": \"1\",}]"),
        "x.json is not valid JSON (line 1, column 17: trailing comma): fix it and import it again"
    );
    assert_eq!(
        err("x.json", b"{\"orders\": []}"),
        "x.json: expected a JSON array of FRs or an object {\"frs\": [...]}"
    );
    assert_eq!(
        err("x.json", b"[]"),
        "x.json holds no fulfillment requests: add some (see README \"Fulfillment requests\")"
    );
    assert_eq!(
        err("x.csv", b"fr_number,sku\nA,B\n"),
        "x.csv: the header lacks quantity, unit_price: a CSV of FRs needs fr_number, sku, quantity and unit_price columns"
    );
    assert!(
        err("x.csv", b"fr_number,sku,quantity,unit_price,shipping_zip\n")
            .starts_with("x.csv: unknown column \"shipping_zip\": address columns are")
    );
    assert_eq!(
        err("x.csv", b"fr_number,sku,quantity,unit_price,sku\n"),
        "x.csv: column \"sku\" appears twice in the header: keep one"
    );
    assert!(e.numbers().is_empty());

    // Hostile shapes never panic.
    for text in [
        "[".repeat(10_000),
        "{\"frs\": [1, \"x\", null, [], {\"number\": {}}]}".to_string(),
        "\"just a string\"".into(),
        "fr_number,sku,quantity,unit_price\n\"unterminated,a,1,2\n".into(),
        "fr_number,sku,quantity,unit_price\nA,B,1e400,NaN\nA,B,inf,1\n".into(),
        "\u{feff}fr_number,sku,quantity,unit_price\nA,B,1,2,3,4\n".into(),
    ] {
        let _ = e.import_text("hostile.json", &text);
        let _ = e.import_text("hostile.csv", &text);
    }
    let r = e
        .import_text(
            "cells.csv",
            "fr_number,sku,quantity,unit_price\nA,B,1,2,3\nC,D,inf,1\n",
        )
        .unwrap();
    assert_eq!(
        rejections(&r),
        [
            (
                2,
                "FR A: the row has 5 cells but the header has 4: quote cells that contain commas"
            ),
            (
                3,
                "FR C: quantity \"inf\" is not a positive number: use a number above 0"
            ),
        ]
    );
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

#[test]
fn inbox_moves_files_to_processed_or_rejected_with_reasons_and_never_imports_twice() {
    let e = env();
    let inbox_dir = tempfile::tempdir().unwrap();
    let dir = inbox_dir.path();
    for f in ["sample.json", "sample.csv", "bad.csv"] {
        std::fs::copy(fixture(f), dir.join(f)).unwrap();
    }
    // Every record bad → rejected; binary garbage → rejected; neither panics.
    write(
        dir,
        "allbad.json",
        br#"[{"number": "Z-1", "items": []}, {"items": []}]"#,
    );
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    write(dir, "garbage.csv", &garbage);
    // Left alone: dotfiles, files being written, other extensions, subfolders.
    write(dir, ".hidden.json", b"[]");
    write(dir, "incoming.json.tmp", b"[");
    write(dir, "incoming.csv.part", b"fr_number");
    write(dir, "notes.txt", b"hello");
    std::fs::create_dir(dir.join("later")).unwrap();
    write(&dir.join("later"), "more.json", b"[]");

    let r = frs::process_inbox(&e.store, &e.source, dir, &e.clock).unwrap();
    let seen: Vec<(&str, FileOutcome)> = r
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.outcome))
        .collect();
    assert_eq!(
        seen,
        [
            ("allbad.json", FileOutcome::Rejected),
            ("bad.csv", FileOutcome::Processed),
            ("garbage.csv", FileOutcome::Rejected),
            ("sample.csv", FileOutcome::Processed),
            ("sample.json", FileOutcome::Processed),
        ]
    );
    assert_eq!(
        (
            r.imported(),
            r.duplicates(),
            r.rejected_records(),
            r.rejected_files()
        ),
        (10, 0, 10, 2)
    );
    let processed = dir.join(inbox::PROCESSED_DIR);
    let rejected = dir.join(inbox::REJECTED_DIR);
    for f in ["sample.json", "sample.csv", "bad.csv"] {
        assert!(processed.join(f).is_file(), "{f}");
        assert!(!dir.join(f).exists(), "{f}");
    }
    assert!(!processed.join("sample.json.reason.txt").exists());
    let reason = std::fs::read_to_string(processed.join("bad.csv.reason.txt")).unwrap();
    assert!(
        reason.contains("imported 2, duplicates 0, rejected 8"),
        "{reason}"
    );
    assert!(
        reason.contains("line 4: FR BAD-3002: quantity \"0\" is not a positive number"),
        "{reason}"
    );
    let reason = std::fs::read_to_string(rejected.join("allbad.json.reason.txt")).unwrap();
    assert!(
        reason.contains("line 1: element 1: FR Z-1: no items"),
        "{reason}"
    );
    assert!(
        reason.contains("line 1: element 2: missing FR number"),
        "{reason}"
    );
    let reason = std::fs::read_to_string(rejected.join("garbage.csv.reason.txt")).unwrap();
    assert!(
        reason.contains("rejected: garbage.csv is not UTF-8 text"),
        "{reason}"
    );
    for left in [
        ".hidden.json",
        "incoming.json.tmp",
        "incoming.csv.part",
        "notes.txt",
        "later/more.json",
    ] {
        assert!(dir.join(left).is_file(), "{left} must be left alone");
    }
    assert_eq!(e.numbers().len(), 10);

    // Nothing new: an empty pass.
    let r = frs::process_inbox(&e.store, &e.source, dir, &e.clock).unwrap();
    assert!(r.files.is_empty());

    // The same file dropped again imports nothing and is kept beside the first, not over it.
    std::fs::copy(fixture("sample.json"), dir.join("sample.json")).unwrap();
    let r = frs::process_inbox(&e.store, &e.source, dir, &e.clock).unwrap();
    assert_eq!((r.imported(), r.duplicates()), (0, 5));
    assert_eq!(r.files[0].outcome, FileOutcome::Processed);
    assert_eq!(
        r.files[0].moved_to,
        processed.join("sample.20260310T120000Z.json")
    );
    assert!(processed.join("sample.json").is_file());
    std::fs::copy(fixture("sample.json"), dir.join("sample.json")).unwrap();
    let r = frs::process_inbox(&e.store, &e.source, dir, &e.clock).unwrap();
    assert_eq!(
        r.files[0].moved_to,
        processed.join("sample.20260310T120000Z-2.json")
    );
    assert_eq!(e.numbers().len(), 10);
    let tl = e.frs().timeline(e.source.id, "WEB-10001").unwrap();
    assert_eq!(tl.iter().filter(|t| t.kind == "imported").count(), 1);

    // A crash between import and move leaves the file in the inbox: the next pass finds only
    // duplicates and moves it on.
    std::fs::copy(fixture("sample.csv"), dir.join("sample.csv")).unwrap();
    frs::import_file(&e.store, &e.source, &dir.join("sample.csv"), &e.clock).unwrap();
    let r = frs::process_inbox(&e.store, &e.source, dir, &e.clock).unwrap();
    assert_eq!((r.imported(), r.duplicates()), (0, 3));
    assert!(!dir.join("sample.csv").exists());
}

#[test]
fn a_missing_inbox_is_an_error_not_a_panic() {
    let e = env();
    let err = frs::process_inbox(
        &e.store,
        &e.source,
        Path::new("/nonexistent/inbox"),
        &e.clock,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("cannot read the inbox /nonexistent/inbox:"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// The commands, as real processes.

fn cli_env() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    procs::ok(d.path(), &["source", "add", "--name", "harbor"]);
    d
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn fr_import_prints_a_summary_and_each_rejection_with_exit_codes() {
    let d = cli_env();
    let dir = d.path();
    let out = procs::ok(
        dir,
        &[
            "fr",
            "import",
            path(&fixture("sample.json")),
            "--source",
            "harbor",
        ],
    );
    assert_eq!(out, "imported 5, duplicates 0, rejected 0\n");

    let o = procs::lsbridge(
        dir,
        &[
            "fr",
            "import",
            path(&fixture("bad.csv")),
            "--source",
            "harbor",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "some records rejected: partial");
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "imported 2, duplicates 0, rejected 8");
    assert_eq!(lines[1], "line 3: missing FR number: fill in fr_number");
    assert_eq!(lines.len(), 9);

    // Again: all duplicates, nothing rejected → 0.
    let out = procs::ok(
        dir,
        &[
            "fr",
            "import",
            path(&fixture("sample.json")),
            "--source",
            "harbor",
        ],
    );
    assert!(
        out.starts_with("imported 0, duplicates 5, rejected 0\n"),
        "{out}"
    );
    assert!(
        out.contains("line 2: FR WEB-10001 is a Duplicate FR #: not imported"),
        "{out}"
    );

    let list = procs::ok(dir, &["fr", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 7);

    // Bad input: one line on stderr, exit 2.
    let one_line_2 = |args: &[&str], needle: &str| {
        let o = procs::lsbridge(dir, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    };
    one_line_2(
        &[
            "fr",
            "import",
            path(&fixture("sample.json")),
            "--source",
            "nope",
        ],
        "no source named \"nope\"",
    );
    one_line_2(
        &[
            "fr",
            "import",
            "/nonexistent/frs.json",
            "--source",
            "harbor",
        ],
        "cannot read /nonexistent/frs.json",
    );
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, [0u8, 159, 146, 150, 255, 0, 1]).unwrap();
    one_line_2(
        &["fr", "import", path(&garbage), "--source", "harbor"],
        "garbage.json is not UTF-8 text",
    );
    one_line_2(
        &["fr", "inbox", "/nonexistent/inbox", "--source", "harbor"],
        "is not a directory",
    );
    one_line_2(
        &["fr", "list", "--status", "shipped"],
        "is not an FR status",
    );
}

#[test]
fn fr_inbox_once_and_watching() {
    let d = cli_env();
    let dir = d.path();
    let inbox_dir = tempfile::tempdir().unwrap();
    let ib = inbox_dir.path();
    std::fs::copy(fixture("sample.json"), ib.join("sample.json")).unwrap();
    std::fs::copy(fixture("bad.json"), ib.join("bad.json")).unwrap();
    let o = procs::lsbridge(dir, &["fr", "inbox", path(ib), "--source", "harbor"]);
    assert_eq!(o.status.code(), Some(3), "records were rejected");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("2 file(s): imported 7, duplicates 1, rejected 8 record(s) and 0 file(s); bad.json → processed/, sample.json → processed/"),
        "{out}"
    );

    // --watch: each pass that finds files prints a line; wait for that line, not for time.
    let mut child = std::process::Command::new(procs::bin())
        .arg("--data-dir")
        .arg(dir)
        .args([
            "fr",
            "inbox",
            path(ib),
            "--source",
            "harbor",
            "--watch",
            "--interval",
            "1",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = || {
        rx.recv_timeout(Duration::from_secs(60))
            .expect("a line from the watcher")
            .unwrap()
    };
    let first = next();
    assert!(first.contains("inbox: 0 file(s)"), "{first}");
    // Written under a .part name and renamed, as writers should.
    std::fs::copy(fixture("sample.csv"), ib.join("new.csv.part")).unwrap();
    std::fs::rename(ib.join("new.csv.part"), ib.join("new.csv")).unwrap();
    let line = next();
    assert!(
        line.contains("1 file(s): imported 3, duplicates 0, rejected 0 record(s) and 0 file(s); new.csv → processed/"),
        "{line}"
    );
    assert!(ib.join("processed/new.csv").is_file());
    let _ = child.kill();
    let _ = child.wait();
    let list = procs::ok(dir, &["fr", "list", "--source", "harbor"]);
    assert_eq!(list.lines().count(), 1 + 10, "{list}");
}

/// `fr list --search` and `--sort`: the same search and orders as the TUI's FRs pane.
#[test]
fn fr_list_searches_by_number_customer_or_sku_and_sorts() {
    use crate::support::procs;
    let tmp = tempfile::tempdir().expect("temp dir");
    let d = tmp.path();
    procs::ok(d, &["source", "add", "--name", "harbor"]);
    procs::ok(
        d,
        &[
            "fr",
            "import",
            "fixtures/frs/sample.json",
            "--source",
            "harbor",
        ],
    );
    let numbers = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["fr", "list", "--json"];
        all.extend_from_slice(args);
        let out = procs::ok(d, &all);
        serde_json::from_str::<serde_json::Value>(&out)
            .expect("json")
            .as_array()
            .expect("array")
            .iter()
            .map(|f| f["number"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(numbers(&["--search", "10003"]), ["WEB-10003"]);
    assert_eq!(numbers(&["--search", "okafor FUEL"]), ["WEB-10001"]);
    assert_eq!(numbers(&["--search", "hp-t"]), ["WEB-10004"]);
    assert_eq!(
        numbers(&["--sort", "customer"]),
        [
            "WEB-10002",
            "WEB-10005",
            "WEB-10001",
            "WEB-10003",
            "WEB-10004"
        ]
    );
    assert_eq!(
        numbers(&["--sort", "created", "--descending"]),
        [
            "WEB-10005",
            "WEB-10004",
            "WEB-10003",
            "WEB-10002",
            "WEB-10001"
        ]
    );
    let listed = procs::ok(d, &["fr", "list", "--json", "--search", "10002"]);
    assert!(listed.contains("\"customer\":\"Daniel Reyes\""), "{listed}");
    let none = procs::ok(d, &["fr", "list", "--search", "no-such-thing"]);
    assert!(none.contains("no FRs match"), "{none}");
}
