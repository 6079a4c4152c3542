//! One validation for every source setting. The CLI (`source add|set`), the TUI and the
//! daemon socket (both through the engine's `AddSource`/`SaveSource`) and `config import` all
//! call these, so a setting refused by one front end is refused by every other.
//!
//! Two stages:
//! - [`check_local`]: everything that needs no store: ranges (hold hours, archive limit,
//!   schedule intervals), cron expressions, business hours, the shape of ids, the name.
//! - [`check_store`]: the ids that name records in the live store: the Send FRs register,
//!   user, tax and payment type (through [`crate::source::send_settings::validate`]) and the outlet
//!   each Get Inventory takes its quantity from. A store that cannot be asked is
//!   [`StoreCheckError::Store`], never an invalid setting; each front end keeps its own
//!   policy for that case (the CLI refuses unless `--no-verify`, the engine and `config
//!   import` save with a warning).

use serde::Serialize;

use crate::excerpt::quoted;
use crate::lightspeed::models::Outlet;
use crate::lightspeed::{ApiError, Client};
use crate::source::send_settings::{self, Problem, ValidateError};
use crate::source::{QuantityFrom, Source};

/// The longest Send FRs hold: a year. Longer holds are refused when saved; a stored one
/// (from an older version) is capped to this at FR import.
pub const MAX_HOLD_HOURS: u32 = 8760;

/// The archive safety valve is a share of the pool.
pub const MAX_ARCHIVE_LIMIT_PCT: u8 = 100;

/// One setting that cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// The setting as the wizard names it, e.g. "Hold Hours".
    pub setting: &'static str,
    /// One line: the refused value (an excerpt) and what to do.
    pub message: String,
    /// A required Send FRs id is not set. The status page reports these ("Configured: no");
    /// only the CLI, when checking send ids it was given, refuses them.
    pub missing: bool,
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn issue(setting: &'static str, message: String) -> Issue {
    Issue {
        setting,
        message,
        missing: false,
    }
}

/// All issues in one line (`; ` between them).
pub fn join(issues: &[Issue]) -> String {
    issues
        .iter()
        .map(|i| i.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Problems that need no store, in wizard order. Required Send FRs ids that are not set
/// are not problems here (the status page names them).
/// Settings that name other stored things (today the payment mapping set): `sets` are the
/// mapping sets there will be (stored, and any being imported alongside).
pub fn check_references(s: &Source, sets: &[&str]) -> Vec<Issue> {
    let mut out = Vec::new();
    if let Some(name) = s.send_frs.payment_mapping_set.as_deref() {
        if !sets.contains(&name) {
            out.push(issue(
                "Payment Mapping Set",
                format!(
                    "--payment-mapping-set {}: no mapping set of that name; create it first with `lsbridge mapping-set import NAME FILE`, or give \"\" to clear it",
                    quoted(name)
                ),
            ));
        }
    }
    out
}

pub fn check_local(s: &Source) -> Vec<Issue> {
    let mut out = Vec::new();
    let name = &s.name;
    if let Err(e) = crate::source::check_name(name) {
        out.push(issue("Name", e.to_string()));
    }
    out.extend(text_lengths(s));
    if let Some(e) = &s.ship_from.email {
        if !e.trim().is_empty() && !e.contains('@') {
            out.push(issue(
                "Ship From Email",
                format!(
                    "ship-from email {} is not an email address: give one like orders@example.com",
                    quoted(e)
                ),
            ));
        }
    }
    if s.shipping_methods.iter().any(|m| m.name.trim().is_empty()) {
        out.push(issue(
            "Shipping Methods",
            "a shipping method has no name: give each one a name".to_string(),
        ));
    }
    if let Some(c) = &s.connection {
        if c.trim().is_empty() {
            out.push(issue(
                "Connection",
                "the connection name is empty: pick one (lsbridge connection list)".to_string(),
            ));
        }
    }
    if s.primary.archive_limit_pct > MAX_ARCHIVE_LIMIT_PCT {
        out.push(issue(
            "Archive Limit",
            format!(
                "archive limit {}% is not a share of the pool: use 0 to {MAX_ARCHIVE_LIMIT_PCT} (--primary-archive-limit)",
                s.primary.archive_limit_pct
            ),
        ));
    }
    for (setting, flag, q) in [
        (
            "Get Inventory (Primary) Quantity From",
            "--primary-quantity-from",
            &s.primary.quantity_from,
        ),
        (
            "Get Inventory (Secondary) Quantity From",
            "quantity_from of [secondary]",
            &s.secondary.quantity_from,
        ),
    ] {
        if let QuantityFrom::Outlet(id) = q {
            if !send_settings::well_formed(id.trim()) {
                out.push(issue(
                    setting,
                    format!(
                        "{setting} {} is not an outlet id (letters, digits, - and _ only): use all-outlets or an outlet id from lsbridge connection test ({flag})",
                        quoted(id)
                    ),
                ));
            }
        }
    }
    for p in send_settings::check_local(&s.send_frs) {
        if p.problem != Problem::Missing {
            out.push(issue(p.setting.label(), p.message(name)));
        }
    }
    if s.send_frs.hold_hours > MAX_HOLD_HOURS {
        out.push(issue(
            "Hold Hours",
            format!(
                "hold hours {} is too long: use 0 to {MAX_HOLD_HOURS} (a year; --hold-hours)",
                s.send_frs.hold_hours
            ),
        ));
    }
    if let Some(h) = &s.send_frs.business_hours {
        if let Err(e) = h.validate() {
            out.push(issue(
                "Only Send During Business Hours",
                format!(
                    "business hours are invalid ({}): give them as \"{}\" (--business-hours) or turn them off (--no-business-hours)",
                    crate::excerpt::excerpt_n(&e, 300),
                    crate::source::business_hours::EXAMPLE
                ),
            ));
        }
    }
    for (setting, flag, sch) in [
        (
            "Get Inventory (Primary) Schedule",
            "--primary-schedule",
            &s.primary.schedule,
        ),
        (
            "Get Inventory (Secondary) Schedule",
            "--secondary-schedule",
            &s.secondary.schedule,
        ),
        (
            "Send FRs Schedule",
            "--send-frs-schedule",
            &s.send_frs.schedule,
        ),
    ] {
        if let Some(sch) = sch {
            if let Err(e) = sch.validate() {
                out.push(issue(
                    setting,
                    format!("{setting} cannot run ({}): use every 15m, every 2h, a cron expression such as \"0 */2 * * *\", or none ({flag})", crate::excerpt::excerpt_n(&e, 300)),
                ));
            }
        }
    }
    out
}

/// Which settings [`check_store`] asks the store about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreChecks {
    /// Register, user, tax, payment type and shipping product ids.
    pub send_ids: bool,
    /// The Primary and Secondary quantity outlets.
    pub outlets: bool,
}

impl StoreChecks {
    pub fn any(self) -> bool {
        self.send_ids || self.outlets
    }

    /// What changed from `previous` (everything set, for a new source) and names records in
    /// the store. A changed connection rechecks every id, since they belong to the store.
    pub fn needed(s: &Source, previous: Option<&Source>) -> StoreChecks {
        let f = &s.send_frs;
        let any_id = [
            &f.register_id,
            &f.user_id,
            &f.tax_id,
            &f.payment_type_id,
            &f.shipping_product_id,
        ]
        .iter()
        .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()));
        let any_outlet = matches!(s.primary.quantity_from, QuantityFrom::Outlet(_))
            || matches!(s.secondary.quantity_from, QuantityFrom::Outlet(_));
        let Some(p) = previous else {
            return StoreChecks {
                send_ids: any_id,
                outlets: any_outlet,
            };
        };
        let same_connection = p.connection == s.connection;
        let pf = &p.send_frs;
        let same_ids = (
            &pf.register_id,
            &pf.user_id,
            &pf.tax_id,
            &pf.payment_type_id,
            &pf.shipping_product_id,
        ) == (
            &f.register_id,
            &f.user_id,
            &f.tax_id,
            &f.payment_type_id,
            &f.shipping_product_id,
        );
        let same_outlets = p.primary.quantity_from == s.primary.quantity_from
            && p.secondary.quantity_from == s.secondary.quantity_from;
        StoreChecks {
            send_ids: any_id && !(same_ids && same_connection),
            outlets: any_outlet && !(same_outlets && same_connection),
        }
    }
}

/// What the checked ids name in the store.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Checked {
    pub send: Option<send_settings::Checked>,
    /// (outlet id, outlet name) of each quantity outlet checked.
    pub outlets: Vec<(String, String)>,
}

impl Checked {
    /// One line for the CLI: what was checked and what the ids name.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.send {
            let mut s = format!(
                "send settings checked against the store: register {:?}, user {:?}, tax {:?}",
                c.register, c.user, c.tax
            );
            if let Some(p) = &c.payment_type {
                s.push_str(&format!(", payment type {p:?}"));
            }
            parts.push(s);
        }
        for (id, name) in &self.outlets {
            parts.push(format!("quantity outlet {id} is {name:?} in the store"));
        }
        parts.join("; ")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreCheckError {
    /// The store answered, and these settings are wrong.
    #[error("{}", join(.0))]
    Invalid(Vec<Issue>),
    /// The store could not be asked: the settings were not judged either way.
    #[error(transparent)]
    Store(#[from] ApiError),
    /// The check itself could not run (no runtime, no connection to ask through).
    #[error("{0}")]
    Unavailable(String),
}

/// Checks `checks` of `s` against the live store. All problems are reported together.
/// Send ids go through [`send_settings::validate`] (missing required ids come back as
/// issues with `missing` set); each quantity outlet is read by id (`GET /outlets/{id}`): it
/// must exist, carry that id and not be deleted.
pub async fn check_store(
    client: &Client,
    s: &Source,
    checks: StoreChecks,
) -> Result<Checked, StoreCheckError> {
    let mut issues = Vec::new();
    let mut checked = Checked::default();
    if checks.send_ids {
        match send_settings::validate(client, &s.send_frs).await {
            Ok(c) => checked.send = Some(c),
            Err(ValidateError::Invalid(problems)) => {
                issues.extend(problems.iter().map(|p| Issue {
                    setting: p.setting.label(),
                    message: p.message(&s.name),
                    missing: p.problem == Problem::Missing,
                }));
            }
            Err(ValidateError::Store(e)) => return Err(StoreCheckError::Store(e)),
        }
    }
    if checks.outlets {
        let mut seen: Vec<&str> = Vec::new();
        for (setting, q) in [
            (
                "Get Inventory (Primary) Quantity From",
                &s.primary.quantity_from,
            ),
            (
                "Get Inventory (Secondary) Quantity From",
                &s.secondary.quantity_from,
            ),
        ] {
            let QuantityFrom::Outlet(id) = q else {
                continue;
            };
            let id = id.trim();
            if !send_settings::well_formed(id) {
                // check_local names it.
                continue;
            }
            let found = if seen.contains(&id) {
                None
            } else {
                Some(send_settings::by_id::<Outlet>(client, "outlets", id).await?)
            };
            let problem = match found {
                None => continue,
                // An answer about another outlet (or an empty object) is not this outlet.
                Some(Some(o)) if o.id != id => Some("is not an outlet in this store".to_string()),
                Some(Some(o)) if o.deleted_at.is_some() => Some(format!(
                    "is a deleted outlet{}",
                    if o.name.trim().is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", o.name)
                    }
                )),
                Some(Some(o)) => {
                    checked.outlets.push((id.to_string(), o.name));
                    None
                }
                Some(None) => Some("is not an outlet in this store".to_string()),
            };
            seen.push(id);
            if let Some(p) = problem {
                issues.push(issue(
                    setting,
                    format!(
                        "{setting} {} {p}: use all-outlets or one of the outlets lsbridge connection test {} lists",
                        quoted(id),
                        s.connection.as_deref().unwrap_or("CONNECTION")
                    ),
                ));
            }
        }
    }
    if issues.is_empty() {
        Ok(checked)
    } else {
        Err(StoreCheckError::Invalid(issues))
    }
}

/// Client options for a check someone is waiting on: a couple of quick retries, then a
/// clear failure.
pub fn quick_client_options() -> crate::lightspeed::ClientOptions {
    crate::lightspeed::ClientOptions {
        retry: crate::lightspeed::RetryPolicy {
            max_attempts: 2,
            base: std::time::Duration::from_millis(200),
            max_delay: std::time::Duration::from_secs(2),
        },
        timeout: std::time::Duration::from_secs(30),
        ..crate::lightspeed::ClientOptions::default()
    }
}

/// [`check_store`] from synchronous code, on a thread of its own with its own runtime (so
/// it works whether or not the caller is inside a runtime).
pub fn check_store_blocking(
    client: &Client,
    s: &Source,
    checks: StoreChecks,
) -> Result<Checked, StoreCheckError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| {
                        StoreCheckError::Unavailable(format!("cannot start the async runtime: {e}"))
                    })?;
                rt.block_on(check_store(client, s, checks))
            })
            .join()
            .unwrap_or_else(|_| {
                Err(StoreCheckError::Unavailable(
                    "the store check stopped unexpectedly".into(),
                ))
            })
    })
}

/// The longest free-text setting (address fields, contact, shipping method names), as for
/// the free-text fields of an FR.
pub const MAX_TEXT_LEN: usize = 1000;

/// Free-text settings over [`MAX_TEXT_LEN`] characters.
fn text_lengths(s: &Source) -> Vec<Issue> {
    let a = &s.ship_from;
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let mut fields: Vec<(&'static str, &'static str, String)> = vec![
        (
            "Ship From Address",
            "--ship-from-address",
            a.address.clone(),
        ),
        ("Ship From City", "--ship-from-city", a.city.clone()),
        ("Ship From State", "--ship-from-state", a.state.clone()),
        (
            "Ship From Postal Code",
            "--ship-from-postal-code",
            a.postal_code.clone(),
        ),
        (
            "Ship From Country",
            "--ship-from-country",
            a.country.clone(),
        ),
        (
            "Ship From Contact",
            "--ship-from-contact",
            opt(&a.contact_name),
        ),
        ("Ship From Phone", "--ship-from-phone", opt(&a.phone)),
        ("Ship From Email", "--ship-from-email", opt(&a.email)),
    ];
    for m in &s.shipping_methods {
        fields.push(("Shipping Methods", "--shipping-method", m.name.clone()));
    }
    fields
        .into_iter()
        .filter_map(|(setting, flag, v)| {
            let chars = v.chars().count();
            (chars > MAX_TEXT_LEN).then(|| {
                issue(
                    setting,
                    format!(
                        "{setting} is {chars} characters long: the maximum is {MAX_TEXT_LEN}; shorten it ({flag})"
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Schedule;

    #[test]
    fn ranges_shapes_and_schedules_are_refused_without_a_store() {
        let mut s = Source {
            name: "harbor".into(),
            ..Source::default()
        };
        assert!(check_local(&s).is_empty(), "{:?}", check_local(&s));
        s.send_frs.hold_hours = u32::MAX;
        s.primary.archive_limit_pct = 101;
        s.primary.quantity_from = QuantityFrom::Outlet("not an/outlet".into());
        s.send_frs.tax_id = Some("a b".into());
        s.secondary.schedule = Some(Schedule::EveryMinutes(0));
        s.send_frs.schedule = Some(Schedule::Cron("0 0 30 2 *".into()));
        let got: Vec<&str> = check_local(&s).iter().map(|i| i.setting).collect();
        assert_eq!(
            got,
            [
                "Archive Limit",
                "Get Inventory (Primary) Quantity From",
                "Tax ID",
                "Hold Hours",
                "Get Inventory (Secondary) Schedule",
                "Send FRs Schedule"
            ]
        );
        let all = join(&check_local(&s));
        assert!(
            all.contains("hold hours 4294967295 is too long: use 0 to 8760"),
            "{all}"
        );
        assert!(all.contains("it never fires"), "{all}");
    }

    #[test]
    fn a_huge_bad_value_is_quoted_as_an_excerpt() {
        let s = Source {
            name: "harbor".into(),
            primary: crate::source::PrimarySettings {
                quantity_from: QuantityFrom::Outlet("x ".repeat(100_000)),
                ..Default::default()
            },
            ..Source::default()
        };
        let m = join(&check_local(&s));
        assert!(m.len() < 600, "{}", m.len());
        assert!(m.contains("(200000 chars)"), "{m}");
    }

    #[test]
    fn only_changed_ids_are_checked_again() {
        let mut a = Source::default();
        assert!(!StoreChecks::needed(&a, None).any());
        a.primary.quantity_from = QuantityFrom::Outlet("o1".into());
        assert_eq!(
            StoreChecks::needed(&a, None),
            StoreChecks {
                send_ids: false,
                outlets: true
            }
        );
        assert!(!StoreChecks::needed(&a, Some(&a.clone())).any());
        let mut b = a.clone();
        b.connection = Some("other".into());
        assert!(StoreChecks::needed(&b, Some(&a)).outlets);
        b.send_frs.tax_id = Some("t".into());
        assert!(StoreChecks::needed(&b, Some(&a)).send_ids);
    }
}
