//! A sale's state as the date-based API wants it (`state` plus `attributes`), read from either
//! form a user may map into Register Sale: Status: the API's own (`pending delivery`,
//! `closed+onaccount`) or a legacy status (`SAVED`, `AWAITING_DISPATCH`, …), translated as in
//! Lightspeed's "sales states and attributes" page.

/// `state` values the spec's `SaleRequest` accepts.
pub const STATES: [&str; 4] = ["parked", "pending", "voided", "closed"];
/// Sale attributes the docs list.
pub const ATTRIBUTES: [&str; 5] = ["onaccount", "layby", "delivery", "pickup", "service"];

/// Legacy status → (state, attribute).
const LEGACY: [(&str, &str, Option<&str>); 14] = [
    ("SAVED", "parked", None),
    ("OPEN", "pending", None),
    ("VOIDED", "voided", None),
    ("CLOSED", "closed", None),
    ("ONACCOUNT", "pending", Some("onaccount")),
    ("ONACCOUNT_CLOSED", "closed", Some("onaccount")),
    ("LAYBY", "pending", Some("layby")),
    ("LAYBY_CLOSED", "closed", Some("layby")),
    ("AWAITING_DISPATCH", "pending", Some("delivery")),
    ("DISPATCHED_CLOSED", "closed", Some("delivery")),
    ("AWAITING_PICKUP", "pending", Some("pickup")),
    ("PICKED_UP_CLOSED", "closed", Some("pickup")),
    ("SERVICE", "pending", Some("service")),
    ("SERVICE_CLOSED", "closed", Some("service")),
];

/// What a fulfillment request becomes when Status is not mapped: an order the store still
/// has to ship, which is what a fulfillment request is.
pub const DEFAULT_STATUS: &str = "AWAITING_DISPATCH";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleState {
    pub state: String,
    pub attributes: Vec<String>,
}

impl SaleState {
    pub fn is_closed(&self) -> bool {
        self.state == "closed"
    }
}

/// Parses a mapped status. Blank means [`DEFAULT_STATUS`].
pub fn parse(text: &str) -> Result<SaleState, String> {
    let t = text.trim();
    let t = if t.is_empty() { DEFAULT_STATUS } else { t };
    let upper = t.to_ascii_uppercase().replace([' ', '-'], "_");
    if let Some((_, state, attr)) = LEGACY.iter().find(|(l, _, _)| *l == upper) {
        return Ok(SaleState {
            state: state.to_string(),
            attributes: attr.iter().map(|a| a.to_string()).collect(),
        });
    }
    let words: Vec<String> = t
        .split(|c: char| c == '+' || c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let Some((state, attrs)) = words.split_first() else {
        return Err(help(t));
    };
    if !STATES.contains(&state.as_str()) {
        return Err(help(t));
    }
    for a in attrs {
        if !ATTRIBUTES.contains(&a.as_str()) {
            return Err(format!(
                "sale status {t:?}: unknown attribute {a:?}; use {}",
                ATTRIBUTES.join(", ")
            ));
        }
    }
    let has = |a: &str| attrs.iter().any(|x| x == a);
    if has("onaccount") && has("layby") {
        return Err(format!(
            "sale status {t:?}: onaccount and layby cannot be combined"
        ));
    }
    if has("pickup") && has("delivery") {
        return Err(format!(
            "sale status {t:?}: pickup and delivery cannot be combined"
        ));
    }
    let mut attributes: Vec<String> = attrs.to_vec();
    attributes.dedup();
    Ok(SaleState {
        state: state.clone(),
        attributes,
    })
}

fn help(t: &str) -> String {
    format!(
        "sale status {t:?} is not one the API accepts: use a state ({}) optionally followed by attributes (e.g. \"pending delivery\"), or a legacy status such as SAVED, CLOSED or AWAITING_DISPATCH",
        STATES.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(s: &str, a: &[&str]) -> SaleState {
        SaleState {
            state: s.into(),
            attributes: a.iter().map(|x| x.to_string()).collect(),
        }
    }

    #[test]
    fn every_legacy_status_translates_as_documented() {
        for (legacy, state, attr) in LEGACY {
            let want = st(state, attr.as_slice());
            assert_eq!(parse(legacy), Ok(want.clone()), "{legacy}");
            assert_eq!(parse(&legacy.to_lowercase()), Ok(want), "{legacy}");
        }
        assert_eq!(parse("awaiting dispatch"), Ok(st("pending", &["delivery"])));
    }

    #[test]
    fn date_api_states_and_attributes() {
        assert_eq!(parse("closed"), Ok(st("closed", &[])));
        assert_eq!(
            parse("pending+onaccount, delivery"),
            Ok(st("pending", &["onaccount", "delivery"]))
        );
        assert_eq!(parse(""), Ok(st("pending", &["delivery"])));
        assert_eq!(parse("  "), parse(DEFAULT_STATUS));
    }

    #[test]
    fn bad_statuses_say_what_is_accepted() {
        for bad in [
            "shipped",
            "pending teleport",
            "pending pickup delivery",
            "closed onaccount layby",
        ] {
            let e = parse(bad).expect_err(bad);
            assert!(!e.contains('\n'), "{e}");
            assert!(
                e.contains(bad.split(' ').next().unwrap_or("")) || e.contains("cannot"),
                "{e}"
            );
        }
    }
}
