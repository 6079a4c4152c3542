//! `lsbridge source …`: create, inspect, change and remove sources from the command line,
//! with every setting the seed's source wizard asks for.

use std::time::Duration;

use clap::{Args, Subcommand};

use crate::cli::missing::check_words;
use crate::cli::{exit, Failure};
use crate::connections::Connections;
use crate::lightspeed::{Client, ClientOptions, RetryPolicy};
use crate::source::send_settings::{self, StoreOptions};
use crate::source::validate::{self, Issue, StoreCheckError, StoreChecks};
use crate::source::{
    Address, AutoProcessing, BusinessHours, CommitRelease, Integration, QuantityFrom,
    ShippingEstimation, ShippingMethod, Source, SourceError, SourceType, Sources,
};
use crate::store::Store;
use crate::templates::Templates;

#[derive(Debug, Subcommand)]
pub enum SourceCmd {
    /// Add a source (the wizard's settings as flags; unset ones take the recommended defaults).
    Add {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        settings: SourceSettings,
    },
    /// Change settings of an existing source.
    Set {
        name: String,
        #[command(flatten)]
        settings: SourceSettings,
    },
    /// List sources with the status of their three integrations.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one source: every setting and the status page.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a source.
    Remove { name: String },
    /// List the store's registers, users, taxes and payment types (ids and names), read live
    /// through the source's connection: the values --register-id, --user-id, --tax-id and
    /// --payment-type-id take.
    Options {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

impl SourceCmd {
    /// `--json` was given (see `Command::wants_json`).
    pub fn wants_json(&self) -> bool {
        match self {
            SourceCmd::List { json }
            | SourceCmd::Show { json, .. }
            | SourceCmd::Options { json, .. } => *json,
            _ => false,
        }
    }
}

/// A `--…-schedule` value: a schedule, or `none` (`None`) to clear it.
#[derive(Debug, Clone)]
pub struct ScheduleArg(pub Option<crate::source::Schedule>);

fn schedule_arg(s: &str) -> Result<ScheduleArg, String> {
    crate::engine::scheduler::parse(s).map(ScheduleArg)
}

fn yes_no(s: &str) -> Result<bool, String> {
    match s {
        "yes" | "y" | "true" | "on" => Ok(true),
        "no" | "n" | "false" | "off" => Ok(false),
        _ => Err(format!("{s:?}: expected yes or no")),
    }
}

#[derive(Debug, Args, Default)]
pub struct SourceSettings {
    /// vendor-warehouse (recommended), internal-warehouse, external-warehouse, product-data-source
    #[arg(long = "type", value_enum)]
    pub source_type: Option<SourceType>,
    /// Whether orders can be routed here (yes/no).
    #[arg(long, value_parser = yes_no)]
    pub fulfills_orders: Option<bool>,
    /// use-global, auto-process, do-not-auto-process
    #[arg(long, value_enum)]
    pub auto_processing: Option<AutoProcessing>,
    /// Commit Stock: Available = the store's quantity − units of open FRs (yes/no).
    #[arg(long, value_parser = yes_no)]
    pub commit_stock: Option<bool>,
    /// Commit Stock: an FR's units are released when the store's stock shows its sale, which
    /// happens when the sale is created or when it is closed: sale-created or sale-closed.
    #[arg(long, value_enum, value_name = "POINT")]
    pub commit_release: Option<CommitRelease>,
    #[arg(long, value_parser = yes_no)]
    pub allow_backorders: Option<bool>,
    #[arg(long, value_parser = yes_no)]
    pub cancel_unacknowledged_items: Option<bool>,
    /// rate-shopping or rules
    #[arg(long, value_enum)]
    pub shipping_estimation: Option<ShippingEstimation>,
    #[arg(long)]
    pub ship_from_address: Option<String>,
    #[arg(long)]
    pub ship_from_city: Option<String>,
    #[arg(long)]
    pub ship_from_state: Option<String>,
    #[arg(long)]
    pub ship_from_postal_code: Option<String>,
    #[arg(long)]
    pub ship_from_country: Option<String>,
    #[arg(long)]
    pub ship_from_contact: Option<String>,
    #[arg(long)]
    pub ship_from_phone: Option<String>,
    #[arg(long)]
    pub ship_from_email: Option<String>,
    /// Add a shipping method (repeatable).
    #[arg(long = "shipping-method")]
    pub shipping_methods: Vec<String>,
    /// The connection all three integrations use.
    #[arg(long)]
    pub connection: Option<String>,
    #[arg(long)]
    pub primary_template: Option<String>,
    #[arg(long, value_parser = yes_no)]
    pub primary_archive: Option<bool>,
    /// all-outlets or an outlet id
    #[arg(long)]
    pub primary_quantity_from: Option<String>,
    /// Import products that are not stock items (untracked ones such as gift cards and
    /// services, and the store's discount product) as pool items too (yes/no).
    #[arg(long, value_parser = yes_no)]
    pub primary_include_not_stock: Option<bool>,
    /// Largest share of the pool one Primary run may archive without --confirm-archive.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub primary_archive_limit: Option<u8>,
    #[arg(long)]
    pub secondary_template: Option<String>,
    #[arg(long, value_parser = yes_no)]
    pub secondary_archive: Option<bool>,
    #[arg(long, value_parser = yes_no)]
    pub allow_create_variant: Option<bool>,
    #[arg(long)]
    pub send_frs_template: Option<String>,
    /// Run Get Inventory (Primary) on a schedule, in UTC: "every 15m", "every 2h", a cron
    /// expression such as "0 */2 * * *" (minute hour day month weekday), or "none".
    #[arg(long, value_name = "SCHEDULE", value_parser = schedule_arg)]
    pub primary_schedule: Option<ScheduleArg>,
    /// Run Get Inventory (Secondary) on a schedule (UTC; same forms as --primary-schedule).
    #[arg(long, value_name = "SCHEDULE", value_parser = schedule_arg)]
    pub secondary_schedule: Option<ScheduleArg>,
    /// Run Send FRs on a schedule (UTC; same forms as --primary-schedule).
    #[arg(long, value_name = "SCHEDULE", value_parser = schedule_arg)]
    pub send_frs_schedule: Option<ScheduleArg>,
    /// Send FRs: the register sales are made on (see `lsbridge source options NAME`).
    #[arg(long, value_name = "ID")]
    pub register_id: Option<String>,
    /// Send FRs: the user sales are made by.
    #[arg(long, value_name = "ID")]
    pub user_id: Option<String>,
    /// Send FRs: the tax applied to sale lines.
    #[arg(long, value_name = "ID")]
    pub tax_id: Option<String>,
    /// Send FRs: the payment type of sales sent closed ("" clears it).
    #[arg(long, value_name = "ID")]
    pub payment_type_id: Option<String>,
    /// Send FRs: the product whose line carries an FR's shipping cost ("" clears it; see
    /// `lsbridge source options NAME`).
    #[arg(long, value_name = "ID")]
    pub shipping_product_id: Option<String>,
    /// Send FRs: a mapping set from the FR's payment method to a store payment type (name
    /// or id); "" clears it.
    #[arg(long, value_name = "SET")]
    pub payment_mapping_set: Option<String>,
    /// Send FRs: date each sale with the FR's created-at (yes) or the send time (no).
    #[arg(long, value_name = "yes|no", value_parser = clap::builder::BoolishValueParser::new())]
    pub sale_date_from_fr: Option<bool>,
    /// Send FRs: hold each FR this many hours before sending (0 = send at once).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=i64::from(crate::source::validate::MAX_HOLD_HOURS)))]
    pub hold_hours: Option<u32>,
    /// Send FRs only during business hours: "DAYS HH:MM-HH:MM TIME_ZONE",
    /// e.g. "mon-fri 09:00-17:00 America/New_York".
    #[arg(long, value_name = "HOURS", conflicts_with = "no_business_hours")]
    pub business_hours: Option<String>,
    /// Send FRs at any time of day (clears --business-hours).
    #[arg(long)]
    pub no_business_hours: bool,
    /// Save the send settings without checking the ids against the store.
    #[arg(long)]
    pub no_verify: bool,
}

impl SourceSettings {
    fn apply(&self, s: &mut Source) -> Result<(), Failure> {
        macro_rules! set {
            ($field:expr, $v:expr) => {
                if let Some(v) = $v.clone() {
                    $field = v;
                }
            };
        }
        set!(s.source_type, self.source_type);
        set!(s.fulfills_orders, self.fulfills_orders);
        set!(s.auto_processing, self.auto_processing);
        set!(s.commit_stock, self.commit_stock);
        set!(s.commit_release, self.commit_release);
        set!(s.allow_backorders, self.allow_backorders);
        set!(
            s.cancel_unacknowledged_items,
            self.cancel_unacknowledged_items
        );
        set!(s.shipping_estimation, self.shipping_estimation);
        let a: &mut Address = &mut s.ship_from;
        set!(a.address, self.ship_from_address);
        set!(a.city, self.ship_from_city);
        set!(a.state, self.ship_from_state);
        set!(a.postal_code, self.ship_from_postal_code);
        set!(a.country, self.ship_from_country);
        if self.ship_from_contact.is_some() {
            a.contact_name = self.ship_from_contact.clone();
        }
        if self.ship_from_phone.is_some() {
            a.phone = self.ship_from_phone.clone();
        }
        if let Some(e) = &self.ship_from_email {
            if !e.contains('@') {
                return Err(Failure::usage(format!(
                    "--ship-from-email {} is not an email address",
                    crate::excerpt::quoted(e)
                )));
            }
            a.email = Some(e.clone());
        }
        for m in &self.shipping_methods {
            if m.trim().is_empty() {
                return Err(Failure::usage("--shipping-method needs a name"));
            }
            s.shipping_methods.push(ShippingMethod {
                name: m.trim().to_string(),
                ..ShippingMethod::default()
            });
        }
        if self.connection.is_some() {
            s.connection = self.connection.clone();
        }
        if self.primary_template.is_some() {
            s.primary.template = self.primary_template.clone();
        }
        set!(s.primary.archive_unarchive, self.primary_archive);
        if let Some(q) = &self.primary_quantity_from {
            s.primary.quantity_from = if q == "all-outlets" {
                QuantityFrom::AllOutlets
            } else {
                QuantityFrom::Outlet(q.clone())
            };
        }
        set!(s.primary.archive_limit_pct, self.primary_archive_limit);
        set!(s.primary.include_not_stock, self.primary_include_not_stock);
        if self.secondary_template.is_some() {
            s.secondary.template = self.secondary_template.clone();
        }
        set!(s.secondary.archive_unarchive, self.secondary_archive);
        set!(s.secondary.allow_create_variant, self.allow_create_variant);
        if self.send_frs_template.is_some() {
            s.send_frs.template = self.send_frs_template.clone();
        }
        let id = |v: &Option<String>, into: &mut Option<String>| {
            if let Some(v) = v {
                let v = v.trim();
                *into = (!v.is_empty()).then(|| v.to_string());
            }
        };
        let f = &mut s.send_frs;
        id(&self.register_id, &mut f.register_id);
        id(&self.user_id, &mut f.user_id);
        id(&self.tax_id, &mut f.tax_id);
        id(&self.payment_type_id, &mut f.payment_type_id);
        id(&self.shipping_product_id, &mut f.shipping_product_id);
        if let Some(set) = &self.payment_mapping_set {
            let set = set.trim();
            f.payment_mapping_set = (!set.is_empty()).then(|| set.to_string());
        }
        set!(f.sale_date_from_fr, self.sale_date_from_fr);
        set!(f.hold_hours, self.hold_hours);
        if let Some(h) = &self.business_hours {
            f.business_hours = Some(BusinessHours::parse(h).map_err(|e| {
                Failure::usage(format!(
                    "--business-hours {}: {}",
                    crate::excerpt::quoted(h),
                    crate::excerpt::excerpt_n(&e, 400)
                ))
            })?);
        }
        if self.no_business_hours {
            f.business_hours = None;
        }
        for (arg, into) in [
            (&self.primary_schedule, &mut s.primary.schedule),
            (&self.secondary_schedule, &mut s.secondary.schedule),
            (&self.send_frs_schedule, &mut s.send_frs.schedule),
        ] {
            if let Some(ScheduleArg(v)) = arg {
                into.clone_from(v);
            }
        }
        Ok(())
    }

    /// Whether the send settings must be checked against the store before saving: an id
    /// was given, or the connection changed under ids already set.
    fn needs_send_check(&self, s: &Source) -> bool {
        let ids_given = self.register_id.is_some()
            || self.user_id.is_some()
            || self.tax_id.is_some()
            || self.payment_type_id.is_some()
            || self.shipping_product_id.is_some();
        let f = &s.send_frs;
        let ids_set = f.register_id.is_some()
            || f.user_id.is_some()
            || f.tax_id.is_some()
            || f.payment_type_id.is_some()
            || f.shipping_product_id.is_some();
        ids_given || (self.connection.is_some() && ids_set)
    }
}

fn api_runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))
}

/// A client for interactive commands: a couple of quick retries, then a clear failure.
fn interactive_client(connections: &Connections, source: &Source) -> Result<Client, Failure> {
    let name = source.connection.as_deref().ok_or_else(|| {
        Failure::usage(format!(
            "source {:?} has no connection: set one with lsbridge source set {} --connection C",
            source.name,
            shell_word(&source.name)
        ))
    })?;
    let opts = ClientOptions {
        retry: RetryPolicy {
            max_attempts: 2,
            base: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
        },
        timeout: Duration::from_secs(30),
        ..ClientOptions::default()
    };
    Ok(connections.get(name)?.client(opts)?)
}

/// The one validation of [`crate::source::validate`] before a source is saved. Invalid
/// settings: every problem on its own `error:` line, then exit 2. The store cannot be
/// asked: exit 1. Nothing is saved in either case. `--no-verify` skips the store (settings
/// that need no store, and missing Send FRs ids when ids were given, are still refused).
/// `send_given`: Send FRs ids (or the connection under them) were given on this command
/// line, so missing required ids are refused too.
fn check_settings(
    s: &Source,
    previous: Option<&Source>,
    send_given: bool,
    connections: &Connections,
    no_verify: bool,
) -> Result<(), Failure> {
    let refuse = |issues: &[Issue]| {
        for i in issues {
            errln!("error: {}", i.message);
        }
        let send_only = issues.iter().all(|i| {
            send_settings::SendSetting::ALL
                .iter()
                .any(|s| s.label() == i.setting)
        });
        Failure::usage(format!(
            "nothing saved: {} {}setting{} of source {:?} {} wrong (see above)",
            issues.len(),
            if send_only { "send " } else { "" },
            if issues.len() == 1 { "" } else { "s" },
            s.name,
            if issues.len() == 1 { "is" } else { "are" },
        ))
    };
    let mut issues = validate::check_local(s);
    let mut checks = StoreChecks::needed(s, previous);
    checks.send_ids |= send_given;
    if checks.send_ids {
        // Missing required ids need no store either.
        issues.extend(
            send_settings::check_local(&s.send_frs)
                .into_iter()
                .filter(|p| p.problem == send_settings::Problem::Missing)
                .map(|p| Issue {
                    setting: p.setting.label(),
                    message: p.message(&s.name),
                    missing: true,
                }),
        );
    }
    if !issues.is_empty() {
        return Err(refuse(&issues));
    }
    if !checks.any() {
        return Ok(());
    }
    let what = if checks.send_ids {
        "send settings"
    } else {
        "quantity outlet"
    };
    if no_verify {
        errln!(
            "warning: the {what} {} saved without checking {} against the store (--no-verify); compare them with lsbridge source options {}",
            if checks.send_ids { "were" } else { "was" },
            if checks.send_ids { "them" } else { "it" },
            shell_word(&s.name)
        );
        return Ok(());
    }
    let client = interactive_client(connections, s).map_err(|f| Failure {
        message: format!(
            "{}; or pass --no-verify to save the {what} without checking",
            f.message
        ),
        ..f
    })?;
    let rt = api_runtime()?;
    match rt.block_on(validate::check_store(&client, s, checks)) {
        Ok(c) => {
            let line = c.describe();
            if !line.is_empty() {
                errln!("{line}");
            }
            Ok(())
        }
        Err(StoreCheckError::Invalid(issues)) => Err(refuse(&issues)),
        Err(e) => Err(Failure::failed(format!(
            "cannot check the {what} against the store through connection {:?}: {}; nothing saved (pass --no-verify to save without checking)",
            s.connection.as_deref().unwrap_or(""),
            crate::excerpt::excerpt_n(&e.to_string(), 400)
        ))),
    }
}

fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn print_options(o: &StoreOptions) {
    outln!("registers (--register-id):");
    for r in &o.registers {
        let outlet = r.outlet_name.as_deref().unwrap_or(&r.outlet_id);
        outln!("  {}  {}  (outlet {})", r.id, r.name, outlet);
    }
    outln!("users (--user-id):");
    for u in &o.users {
        outln!(
            "  {}  {}  ({}, {})",
            u.id,
            u.name,
            u.username,
            u.account_type
        );
    }
    outln!("taxes (--tax-id):");
    for t in &o.taxes {
        outln!(
            "  {}  {}  ({}%{})",
            t.id,
            t.name,
            format_rate(t.rate),
            if t.is_default { ", default" } else { "" }
        );
    }
    outln!("payment types (--payment-type-id, optional):");
    for p in &o.payment_types {
        outln!(
            "  {}  {}{}",
            p.id,
            p.name,
            if p.disabled {
                "  (disabled: cannot be used)"
            } else {
                ""
            }
        );
    }
    println!("shipping products (--shipping-product-id, needed for FRs with a shipping cost):");
    for p in &o.shipping_products {
        println!("  {}  {}  ({})", p.id, p.sku, p.name);
    }
    if o.shipping_products.is_empty() {
        println!("  (no product with SKU SHIPPING: add a shipping service product in Lightspeed, or give any product's id)");
    }
    for (what, n) in [
        ("registers", o.registers.len()),
        ("users", o.users.len()),
        ("taxes", o.taxes.len()),
    ] {
        if n == 0 {
            outln!("note: the store has no {what}: add one in Lightspeed first");
        }
    }
}

/// The payment mapping set a source names must exist.
fn check_payment_set(s: &Source, templates: &Templates) -> Result<(), Failure> {
    let sets = templates.sets()?;
    let names: Vec<&str> = sets.iter().map(|m| m.name.as_str()).collect();
    match validate::check_references(s, &names).into_iter().next() {
        None => Ok(()),
        Some(i) => Err(Failure::usage(i.message)),
    }
}

/// 0.08875 → "8.875"
fn format_rate(rate: f64) -> String {
    let s = format!("{:.4}", rate * 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl From<SourceError> for Failure {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::Store(_) => Failure::failed(e),
            _ => Failure::usage(e),
        }
    }
}

fn check(r: &Result<(), String>) -> String {
    match r {
        Ok(()) => "yes".into(),
        Err(e) => format!("no — {e}"),
    }
}

pub fn run(cmd: SourceCmd, store: &Store) -> Result<u8, Failure> {
    let sources = Sources::open(store)?;
    let connections = Connections::open(store)?;
    let templates = Templates::open(store)?;
    let facts = crate::source::StoreFacts {
        connections: &connections,
        templates: &templates,
    };
    match cmd {
        SourceCmd::Add { name, settings } => {
            let mut s = Source {
                name,
                ..Source::default()
            };
            settings.apply(&mut s)?;
            if let Some(c) = &s.connection {
                connections.get(c)?;
            }
            if sources.by_name(s.name.trim()).is_ok() {
                // Say so before asking the store anything.
                return Err(SourceError::Exists(s.name.trim().to_string()).into());
            }
            check_payment_set(&s, &templates)?;
            check_settings(
                &s,
                None,
                settings.needs_send_check(&s),
                &connections,
                settings.no_verify,
            )?;
            let s = sources.add(s)?;
            outln!("added source {:?} (id {})", s.name, s.id);
            for w in s.warnings() {
                errln!("warning: {w}");
            }
            Ok(exit::OK)
        }
        SourceCmd::Set { name, settings } => {
            let previous = sources.by_name(&name)?;
            let mut s = previous.clone();
            settings.apply(&mut s)?;
            if let Some(c) = &s.connection {
                connections.get(c)?;
            }
            check_payment_set(&s, &templates)?;
            check_settings(
                &s,
                Some(&previous),
                settings.needs_send_check(&s),
                &connections,
                settings.no_verify,
            )?;
            sources.save(&s)?;
            outln!("updated source {:?}", s.name);
            for w in s.warnings() {
                errln!("warning: {w}");
            }
            Ok(exit::OK)
        }
        SourceCmd::List { json } => {
            let list = sources.list()?;
            if json {
                outln!(
                    "{}",
                    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
                );
                return Ok(exit::OK);
            }
            if list.is_empty() {
                outln!("no sources yet: add one with lsbridge source add --name NAME --connection CONNECTION");
            }
            for s in &list {
                let ready: Vec<String> = Integration::ALL
                    .iter()
                    .map(|i| {
                        let st = s.status(*i, &facts);
                        format!(
                            "{}: {}",
                            i.key(),
                            if st.ready() { "ready" } else { "not ready" }
                        )
                    })
                    .collect();
                outln!(
                    "{}  [{}]  connection {}  {}",
                    s.name,
                    s.source_type.label(),
                    s.connection.as_deref().unwrap_or("-"),
                    ready.join(", ")
                );
            }
            Ok(exit::OK)
        }
        SourceCmd::Show { name, json } => {
            let s = sources.by_name(&name)?;
            let status: Vec<_> = Integration::ALL
                .iter()
                .map(|i| s.status(*i, &facts))
                .collect();
            show(&s, &status, json);
            Ok(exit::OK)
        }
        SourceCmd::Remove { name } => {
            let s = sources.remove(&name)?;
            outln!("removed source {:?}", s.name);
            Ok(exit::OK)
        }
        SourceCmd::Options { name, json } => {
            let s = sources.by_name(&name)?;
            let client = interactive_client(&connections, &s)?;
            let rt = api_runtime()?;
            let options = rt
                .block_on(send_settings::store_options(&client))
                .map_err(|e| {
                    Failure::failed(format!(
                        "cannot read the store's options through connection {:?}: {e}",
                        s.connection.as_deref().unwrap_or("")
                    ))
                })?;
            show_options(&options, json);
            Ok(exit::OK)
        }
    }
}

/// `source options`' output, in-process or attached.
fn show_options(options: &send_settings::StoreOptions, json: bool) {
    if json {
        outln!(
            "{}",
            serde_json::to_string(options).unwrap_or_else(|_| "{}".into())
        );
    } else {
        print_options(options);
    }
}

/// Business hours with whether they are open right now (wall clock).
fn describe_hours(h: &BusinessHours) -> String {
    let now: chrono::DateTime<chrono::Utc> = crate::clock::system().now().into();
    match h.validate() {
        Ok(hours) if hours.is_open(now) => format!("{} (open now)", hours.describe()),
        Ok(hours) => format!(
            "{} (closed now; opens {})",
            hours.describe(),
            hours
                .next_open(now)
                .with_timezone(&hours.time_zone())
                .format("%a %Y-%m-%d %H:%M %Z")
        ),
        Err(_) => h.describe(),
    }
}

/// `source show`: every setting and the status page.
fn show(s: &Source, status: &[crate::source::IntegrationStatus], json: bool) {
    if json {
        // The missing items as command lines, as the text output words them.
        let status: Vec<_> = status
            .iter()
            .map(|st| {
                serde_json::json!({
                    "integration": st.integration,
                    "connected": check_words(&st.connected, &s.name),
                    "configured": check_words(&st.configured, &s.name),
                    "mapped": check_words(&st.mapped, &s.name),
                    "notes": st.notes,
                })
            })
            .collect();
        outln!("{}", serde_json::json!({ "source": s, "status": status }));
        return;
    }
    outln!("{} (id {})", s.name, s.id);
    outln!("  type: {}", s.source_type.label());
    outln!(
        "  fulfills orders: {}",
        if s.fulfills_orders { "yes" } else { "no" }
    );
    outln!("  auto processing: {:?}", s.auto_processing);
    outln!(
        "  commit stock: {}   allow backorders: {}   cancel unacknowledged items: {}",
        s.commit_stock,
        s.allow_backorders,
        s.cancel_unacknowledged_items
    );
    if s.commit_stock {
        outln!(
            "  commit stock releases FRs: {}",
            s.commit_release.label().to_lowercase()
        );
    }
    outln!(
        "  not-stock items (untracked, gift cards, discount product): {}",
        if s.primary.include_not_stock {
            "imported"
        } else {
            "left out"
        }
    );
    outln!("  shipping estimation: {:?}", s.shipping_estimation);
    let a = &s.ship_from;
    if a.address.is_empty() && a.city.is_empty() {
        outln!("  ship from: (not set)");
    } else {
        outln!(
            "  ship from: {}, {}, {} {}, {}",
            a.address,
            a.city,
            a.state,
            a.postal_code,
            a.country
        );
    }
    outln!(
        "  connection: {}",
        s.connection.as_deref().unwrap_or("(none)")
    );
    let f = &s.send_frs;
    let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "(not set)".into());
    outln!(
        "  send FRs: register {}   user {}   tax {}   payment type {}",
        v(&f.register_id),
        v(&f.user_id),
        v(&f.tax_id),
        v(&f.payment_type_id)
    );
    outln!(
        "  send FRs: shipping product {}   payment mapping set {}   sale date {}",
        v(&f.shipping_product_id),
        v(&f.payment_mapping_set),
        if f.sale_date_from_fr {
            "the FR's created-at"
        } else {
            "the send time"
        }
    );
    outln!(
        "  send FRs: hold {} h   business hours {}",
        f.hold_hours,
        f.business_hours
            .as_ref()
            .map_or_else(|| "(any time)".to_string(), describe_hours)
    );
    for (i, st) in Integration::ALL.into_iter().zip(status) {
        outln!("  {}:", i.label());
        outln!(
            "    connected:  {}",
            check(&check_words(&st.connected, &s.name))
        );
        outln!(
            "    configured: {}",
            check(&check_words(&st.configured, &s.name))
        );
        outln!(
            "    mapped:     {}",
            check(&check_words(&st.mapped, &s.name))
        );
        for n in &st.notes {
            outln!("    note:       {n}");
        }
        outln!(
            "    schedule:   {}",
            crate::engine::scheduler::schedule_of(s, i).map_or_else(
                || "none (run manually)".to_string(),
                |sch| crate::engine::scheduler::describe(sch, crate::clock::system().now())
            )
        );
    }
    for w in s.warnings() {
        outln!("  warning: {w}");
    }
}

/// `source …` attached to a daemon: through the engine's requests, validated by the engine's
/// one check (`--no-verify` does not apply: the daemon always asks the store).
pub fn run_attached(cmd: SourceCmd, session: &crate::cli::session::Session) -> Result<u8, Failure> {
    use crate::cli::session::unexpected;
    use crate::engine::{Request, Response};
    let list = || match session.call(Request::ListSources)? {
        Response::Sources(l) => Ok(l),
        other => Err(unexpected("ListSources", &other)),
    };
    let say = |r: Response| {
        if let Response::Message(m) = r {
            errln!("warning: {m}");
        }
    };
    match cmd {
        SourceCmd::Add { name, settings } => {
            let mut s = Source {
                name,
                ..Source::default()
            };
            settings.apply(&mut s)?;
            if list()?.iter().any(|x| x.name == s.name.trim()) {
                return Err(SourceError::Exists(s.name.trim().to_string()).into());
            }
            let name = s.name.clone();
            say(session.call(Request::AddSource { source: s })?);
            let s = list()?
                .into_iter()
                .find(|x| x.name == name.trim())
                .ok_or_else(|| Failure::failed(format!("source {name:?} was not saved")))?;
            outln!("added source {:?} (id {})", s.name, s.id);
            for w in s.warnings() {
                errln!("warning: {w}");
            }
            Ok(exit::OK)
        }
        SourceCmd::Set { name, settings } => {
            let mut s = list()?
                .into_iter()
                .find(|x| x.name == name)
                .ok_or_else(|| Failure::from(SourceError::Missing(name.clone())))?;
            settings.apply(&mut s)?;
            say(session.call(Request::SaveSource { source: s.clone() })?);
            outln!("updated source {:?}", s.name);
            for w in s.warnings() {
                errln!("warning: {w}");
            }
            Ok(exit::OK)
        }
        SourceCmd::List { json: true } => {
            outln!(
                "{}",
                serde_json::to_string(&list()?).unwrap_or_else(|_| "[]".into())
            );
            Ok(exit::OK)
        }
        SourceCmd::List { json: false } => {
            let list = list()?;
            if list.is_empty() {
                outln!("no sources yet: add one with lsbridge source add --name NAME --connection CONNECTION");
            }
            for s in list {
                let status = match session.call(Request::SourceStatus {
                    source: s.name.clone(),
                })? {
                    Response::Status(st) => st,
                    other => return Err(unexpected("SourceStatus", &other)),
                };
                let ready: Vec<String> = Integration::ALL
                    .iter()
                    .zip(&status)
                    .map(|(i, st)| {
                        format!(
                            "{}: {}",
                            i.name(),
                            if st.ready() { "ready" } else { "not ready" }
                        )
                    })
                    .collect();
                outln!(
                    "{}  [{}]  connection {}  {}",
                    s.name,
                    s.source_type.label(),
                    s.connection.as_deref().unwrap_or("-"),
                    ready.join(", ")
                );
            }
            Ok(exit::OK)
        }
        SourceCmd::Show { name, json } => {
            let s = list()?
                .into_iter()
                .find(|x| x.name == name)
                .ok_or_else(|| Failure::from(SourceError::Missing(name.clone())))?;
            let status = match session.call(Request::SourceStatus { source: name })? {
                Response::Status(st) => st,
                other => return Err(unexpected("SourceStatus", &other)),
            };
            show(&s, &status, json);
            Ok(exit::OK)
        }
        SourceCmd::Remove { name } => {
            if !list()?.iter().any(|x| x.name == name) {
                return Err(SourceError::Missing(name).into());
            }
            session.call(Request::RemoveSource { name: name.clone() })?;
            outln!("removed source {name:?}");
            Ok(exit::OK)
        }
        SourceCmd::Options { name, json } => {
            let source = list()?
                .into_iter()
                .find(|x| x.name == name)
                .ok_or_else(|| Failure::from(SourceError::Missing(name.clone())))?;
            let connection = source.connection.clone().unwrap_or_default();
            let options = match session.call(Request::StoreOptions { connection })? {
                Response::StoreOptions(o) => o,
                other => return Err(crate::cli::session::unexpected("StoreOptions", &other)),
            };
            show_options(&options, json);
            Ok(exit::OK)
        }
    }
}
