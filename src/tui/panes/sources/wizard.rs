//! The source wizard: every step and setting of the seed's "Add Source" wizard, in its
//! order, as the sections of one [`Form`]. It adds a source or edits one; it checks what it
//! can before sending (name, numbers, ids, business hours, schedules) and shows the
//! engine's refusals at the field they concern.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::Ui;
use crate::engine::{scheduler, ConnectionView};
use crate::engine::{EngineError, FieldId, Thing};
use crate::mapping::{Integration, Template};
use crate::source::send_settings::StoreOptions;
use crate::source::{
    Address, AutoProcessing, BusinessHours, CommitRelease, QuantityFrom, Schedule,
    ShippingEstimation, ShippingMethod, Source, SourceType,
};
use crate::tui::view::pane_block;
use crate::tui::widgets::form::{Choice, Field, Form};
use crate::tui::widgets::pick::{PickItem, PickList};

pub(crate) mod text {
    pub const ADD_TITLE: &str = " Add source ";
    pub fn edit_title(name: &str) -> String {
        format!(" Edit source · {name} ")
    }
    /// Breadcrumb names of the steps, and their full titles.
    pub const STEPS: [&str; 8] = [
        "Source",
        "Processing",
        "Shipping",
        "Ship From",
        "Connection",
        "Primary",
        "Secondary",
        "Send FRs",
    ];
    pub const STEP_TITLES: [&str; 8] = [
        "Source type",
        "Order processing",
        "Shipping behavior",
        "Ship From location",
        "Connection",
        "Get Inventory (Primary)",
        "Get Inventory (Secondary)",
        "Send FRs",
    ];
    pub const STEP_INTROS: [&str; 8] = [
        "Choose the Source Type that best matches how you use Lightspeed in your supply chain.",
        "How orders routed to this source are processed.",
        "How shipping is estimated, and the methods this source ships with.",
        "Confirm the location this source ships from.",
        "One API connection (domain prefix and personal token) powers all three integrations.",
        "Imports Lightspeed product data and quantities into the Global Inventory Pool.",
        "Refreshes variant-level quantities; uses the same connection as Primary.",
        "Sends fulfillment requests to Lightspeed as register sales.",
    ];
    pub fn step_heading(i: usize, n: usize, title: &str) -> String {
        format!("Step {} of {n} · {title}", i + 1)
    }
    pub const SEP: &str = " › ";
    pub const STEP_ERROR: &str = " ✘";
    /// The key line; Tab, Enter, Ctrl-s and Esc come from the registry, the rest are the
    /// fields' own editing keys.
    pub fn keys(k: &crate::tui::keymap::Keymap, last: bool) -> String {
        use crate::tui::command::Command as C;
        let key = |c| k.shown(crate::tui::keymap::Context::Text, c);
        let (enter, pages) = if last {
            ("picks / saves", "PgUp back")
        } else {
            ("next step", "PgUp/PgDn step")
        };
        format!(
            "{}/↓ next field · ←/→/Space choose · {} {enter} · {pages} · {} save · {} cancel",
            key(C::Right),
            key(C::Select),
            key(C::Save),
            key(C::Back)
        )
    }
    pub const SAVING: &str = "saving…";
    pub const ERROR_MARK: &str = "✘ ";

    // Labels, in the seed's words.
    pub const NAME: &str = "Name";
    pub const TYPE: &str = "Source Type";
    pub const FULFILLS: &str = "Fulfills orders";
    pub const AUTO: &str = "Auto Processing";
    pub const COMMIT: &str = "Commit Stock";
    pub const COMMIT_RELEASE: &str = "Release committed stock";
    pub const BACKORDERS: &str = "Allow Backorders";
    pub const CANCEL_UNACK: &str = "Cancel Unacknowledged Items";
    pub const ESTIMATION: &str = "Shipping estimation";
    pub const METHODS: &str = "Shipping methods";
    pub const ADDRESS: &str = "Address";
    pub const CITY: &str = "City";
    pub const STATE: &str = "State/Code";
    pub const POSTAL: &str = "Postal Code";
    pub const COUNTRY: &str = "Country/Code";
    pub const CONTACT: &str = "Contact Name";
    pub const PHONE: &str = "Phone";
    pub const EMAIL: &str = "Email";
    pub const CONNECTION: &str = "Connection";
    pub const TEMPLATE: &str = "Mapping template";
    pub const ARCHIVE: &str = "Archive/Un-Archive";
    pub const QTY_FROM: &str = "Quantity from";
    pub const OUTLET: &str = "Outlet ID";
    pub const LIMIT: &str = "Archive safety limit %";
    pub const NOT_STOCK: &str = "Import not-stock items";
    pub const SCHEDULE: &str = "Schedule (UTC)";
    pub const CREATE_VARIANT: &str = "Allow Create Variant";
    pub const REGISTER: &str = "Register ID";
    pub const USER: &str = "User ID";
    pub const TAX: &str = "Tax ID";
    pub const PAYMENT: &str = "Payment Type ID";
    pub const SHIPPING: &str = "Shipping Product ID";
    pub const SHIPPING_HELP: &str = "The product whose line carries an FR's shipping cost (Enter lists the store's shipping products); needed to send FRs with a shipping cost.";
    pub const HOLD: &str = "Hold for X hours";
    pub const HOURS: &str = "Business hours";

    // Options.
    pub const YES: &str = "Yes";
    pub const NO: &str = "No";
    pub const YES_RECOMMENDED: &str = "Yes (recommended)";
    pub const AUTO_OPTIONS: [&str; 3] = ["Use Global", "Auto Process", "Do NOT Auto Process"];
    pub const RATE_SHOPPING: &str = "Yes, Use Rate Shopping (Real-Time Estimates)";
    pub const RULES: &str = "No, Set Up via Rules";
    pub const ALL_OUTLETS: &str = "All outlets";
    pub const ONE_OUTLET: &str = "One outlet";
    pub const NONE: &str = "(none)";

    // Help lines.
    pub const TYPE_HELP: [&str; 4] = [
        "You send POs/FRs to Lightspeed so they ship directly to your customers.",
        "You stock items and ship from your own facility.",
        "A 3PL or external partner ships your owned inventory.",
        "Content-only source to enrich product details (no fulfillment).",
    ];
    pub const FULFILLS_YES: &str = "You can route orders here.";
    pub const FULFILLS_NO: &str =
        "Routing/Shipping steps won't apply; Send FRs stays unconfigured.";
    pub const COMMIT_HELP: &str = "Available = store quantity − units of FRs not yet released.";
    pub const COMMIT_RELEASE_HELP: [&str; 2] = [
        "The store takes stock out when a sale is created: FRs release once sent.",
        "The store takes stock out when a sale is closed: FRs release once acknowledged.",
    ];
    pub const NOT_STOCK_HELP: &str =
        "Untracked products (gift cards, services) and the store's discount product; No leaves them out.";
    pub const CANCEL_HELP: &str =
        "Lines short of stock are canceled and the rest is sent (with backorders off).";
    pub const METHODS_PLACEHOLDER: &str = "empty = skip for now";
    pub const METHODS_HELP: &str = "name[, carrier[, code]]; … e.g. Ground, UPS, GND; Local pickup";
    pub const OPTIONAL: &str = "optional";
    pub const REQUIRED: &str = "required";
    pub const REQUIRED_TO_SEND: &str = "required to send FRs";
    pub const CONNECTION_HELP_NONE: &str =
        "No connection yet: save without one and pick it later (e edits the source), or leave the wizard (Esc) and add one in Connections (2) first.";
    pub const CONNECTION_UNTESTED: &str = "not tested yet: Test Connection (t) in Connections (2)";
    pub const CONNECTION_OK: &str = "✔ passed its last Test Connection";
    pub fn connection_failed(summary: &str) -> String {
        format!("✘ last Test Connection failed: {summary}")
    }
    pub const ARCHIVE_HELP: &str =
        "Archive inventory not found in the feed (quantity 0); re-added inventory is un-archived.";
    pub const ARCHIVE_BOTH: &str =
        "Also on for Primary: we recommend enabling Archive/Un-Archive on only one of the two.";
    pub const OUTLET_PLACEHOLDER: &str = "the outlet's id (with One outlet)";
    pub const LIMIT_HELP: &str = "Refuse to archive more than this share of the pool in one run.";
    pub const SCHEDULE_PLACEHOLDER: &str = "empty = run manually";
    pub const SCHEDULE_HELP: &str =
        "every 15m, every 2h, every 1d, or a cron expression in UTC (min hour day month weekday)";
    pub const CREATE_VARIANT_HELP: &str =
        "Create variants that appear between Primary runs. No unless you expect new variants.";
    pub const IDS_HELP: &str =
        "Enter lists the store's registers, users and taxes by name to pick from.";
    pub const OUTLET_HELP: &str = "Enter lists the store's outlets by name to pick from.";
    pub const PICK_NO_CONNECTION: &str =
        "Choose a connection first (step 5): the lists come from its store.";
    pub fn loading(conn: &str) -> String {
        format!("reading the store's lists through connection {conn}…")
    }
    pub fn pick_title(label: &str, conn: &str) -> String {
        format!("{label} · from the store of {conn}")
    }
    pub const DISABLED: &str = "disabled in the store: cannot be used";
    pub const DEFAULT_TAX: &str = "default";
    pub const PAYMENT_HELP: &str =
        "Optional: pays FRs whose payment method is not a payment type of the store (Enter lists them).";
    pub const HOLD_HELP: &str = "Hold FRs this many hours before sending (0 sends at once).";
    pub const HOURS_PLACEHOLDER: &str = "empty = send at any time";
    pub const HOURS_HELP: &str = "Only Send During Business Hours: DAYS HH:MM-HH:MM TIME_ZONE, e.g. mon-fri 09:00-17:00 America/New_York";

    // Validation.
    pub const NAME_REQUIRED: &str = "A source needs a name.";
    pub const NAME_BAD: &str = "Use up to 64 printable characters.";
    pub const NUMBER_PCT: &str = "Enter a whole number from 0 to 100.";
    pub const NUMBER_HOURS: &str = "Enter a whole number of hours from 0 to 8760.";
    pub const OUTLET_REQUIRED: &str = "Enter the outlet's id, or choose All outlets.";
    pub const NOT_AN_ID: &str = "Not a Lightspeed id: letters, digits, - and _ only.";
    pub const EMAIL_BAD: &str = "Not an email address (name@example.com).";
    pub const METHOD_NAME: &str =
        "Each method needs a name: name[, carrier[, code]]; separate methods with ;";
    pub const METHOD_PARTS: &str = "At most three parts per method: name, carrier, code.";
    pub fn renamed_clash(name: &str) -> String {
        format!("A source named {name:?} already exists: pick another name.")
    }
    pub const FIX_ERRORS: &str = "Fix the marked fields first.";
}

/// The wizard's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum W {
    Name,
    Type,
    Fulfills,
    Auto,
    Commit,
    CommitRelease,
    Backorders,
    CancelUnack,
    Estimation,
    Methods,
    Address,
    City,
    State,
    Postal,
    Country,
    Contact,
    Phone,
    Email,
    Connection,
    PTemplate,
    PArchive,
    PQtyFrom,
    POutlet,
    PLimit,
    PSchedule,
    PNotStock,
    STemplate,
    SArchive,
    SCreate,
    SSchedule,
    FTemplate,
    Register,
    User,
    Tax,
    Payment,
    Hold,
    Hours,
    FSchedule,
    Shipping,
}

/// The wizard field of a setting id from [`crate::source::validate`] (its `Issue::setting`).
fn setting_field(setting: &str) -> Option<W> {
    Some(match setting {
        crate::source::validate::NAME => W::Name,
        "Ship From Address" => W::Address,
        "Ship From City" => W::City,
        "Ship From State" => W::State,
        "Ship From Postal Code" => W::Postal,
        "Ship From Country" => W::Country,
        "Ship From Contact" => W::Contact,
        "Ship From Phone" => W::Phone,
        "Ship From Email" => W::Email,
        "Shipping Methods" => W::Methods,
        "Connection" => W::Connection,
        "Archive Limit" => W::PLimit,
        "Get Inventory (Primary) Quantity From" => W::POutlet,
        "Get Inventory (Primary) Schedule" => W::PSchedule,
        "Get Inventory (Secondary) Schedule" => W::SSchedule,
        "Send FRs Schedule" => W::FSchedule,
        "Hold Hours" => W::Hold,
        "Only Send During Business Hours" => W::Hours,
        "Register ID" => W::Register,
        "User ID" => W::User,
        "Tax ID" => W::Tax,
        "Payment Type ID" => W::Payment,
        "Shipping Product ID" => W::Shipping,
        _ => return None,
    })
}

const AUTO: [AutoProcessing; 3] = [
    AutoProcessing::UseGlobal,
    AutoProcessing::AutoProcess,
    AutoProcessing::DoNotAutoProcess,
];

fn schedule_text(s: Option<&Schedule>) -> String {
    s.map(scheduler::text).unwrap_or_default()
}

fn methods_text(m: &[ShippingMethod]) -> String {
    m.iter()
        .map(|m| {
            let mut parts = vec![m.name.clone()];
            match (&m.carrier, &m.code) {
                (Some(c), Some(k)) => {
                    parts.push(c.clone());
                    parts.push(k.clone());
                }
                (Some(c), None) => parts.push(c.clone()),
                (None, Some(k)) => {
                    parts.push(String::new());
                    parts.push(k.clone());
                }
                (None, None) => {}
            }
            parts.join(", ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn parse_methods(s: &str) -> Result<Vec<ShippingMethod>, &'static str> {
    let mut out = Vec::new();
    for item in s.split(';').map(str::trim).filter(|i| !i.is_empty()) {
        let parts: Vec<&str> = item.split(',').map(str::trim).collect();
        if parts.len() > 3 {
            return Err(text::METHOD_PARTS);
        }
        let name = parts.first().copied().unwrap_or("");
        if name.is_empty() {
            return Err(text::METHOD_NAME);
        }
        let opt = |i: usize| {
            parts
                .get(i)
                .filter(|p| !p.is_empty())
                .map(|p| p.to_string())
        };
        out.push(ShippingMethod {
            name: name.to_string(),
            carrier: opt(1),
            code: opt(2),
        });
    }
    Ok(out)
}

fn well_formed_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn opt(s: String) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

/// A schedule as typed: empty (or "manual" / "none") = run manually, else what the
/// scheduler reads ([`scheduler::parse`]: `every 15m`, `every 2h`, `every 1d`, or a
/// 5-field cron expression in UTC), so the wizard accepts exactly what will run.
pub fn parse_schedule(s: &str) -> Result<Option<Schedule>, String> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("manual") {
        return Ok(None);
    }
    scheduler::parse(t)
}

pub struct Wizard {
    form: Form<W>,
    original: Option<Source>,
    connections: Vec<ConnectionView>,
    /// A save is in flight.
    pub saving: bool,
    /// The store's lists, and the connection they were read through.
    store_options: Option<(String, StoreOptions)>,
    /// The lists are being read for this field (it opens its pick list when they come).
    pub loading: Option<W>,
    /// The open pick list and the field it fills.
    picker: Option<(W, PickList)>,
}

/// What Enter on a field needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickNeed {
    /// Not a field with a list: Enter means what it always does.
    NotAList,
    /// The pick list opened.
    Opened,
    /// Read the store's lists through this connection first.
    Fetch(String),
    /// No connection chosen: said on the form.
    NoConnection,
}

fn yes_no(id: W, step: usize, label: &'static str, v: bool) -> Field<W> {
    Field::yes_no(id, step, label, [text::YES, text::NO], v)
}

fn template_options(names: &[String], current: Option<&str>) -> Vec<Choice> {
    let mut out: Vec<Choice> = names.iter().map(Choice::new).collect();
    if let Some(c) = current {
        if !names.iter().any(|n| n == c) {
            out.insert(0, Choice::new(c));
        }
    }
    out.push(Choice::new(text::NONE));
    out
}

impl Wizard {
    /// A new source with the seed's recommended defaults.
    pub fn add() -> Wizard {
        Wizard::build(&Source::default(), None)
    }

    pub fn edit(s: &Source) -> Wizard {
        Wizard::build(s, Some(s.clone()))
    }

    fn build(s: &Source, original: Option<Source>) -> Wizard {
        let type_options = SourceType::ALL
            .iter()
            .zip(text::TYPE_HELP)
            .map(|(t, h)| Choice::with_help(t.label(), h))
            .collect();
        let type_sel = SourceType::ALL
            .iter()
            .position(|t| *t == s.source_type)
            .unwrap_or(0);
        let auto_sel = AUTO
            .iter()
            .position(|a| *a == s.auto_processing)
            .unwrap_or(0);
        let (qty_sel, outlet) = match &s.primary.quantity_from {
            QuantityFrom::AllOutlets => (0, String::new()),
            QuantityFrom::Outlet(o) => (1, o.clone()),
        };
        let a = &s.ship_from;
        let f = &s.send_frs;
        let tpl = |id, step, current: Option<&str>| {
            Field::choice(id, step, text::TEMPLATE, template_options(&[], current), 0)
        };
        let hours = f
            .business_hours
            .as_ref()
            .map(BusinessHours::describe)
            .unwrap_or_default();
        let fields = vec![
            // 1 Source
            Field::text(W::Name, 0, text::NAME, &s.name).placeholder(text::REQUIRED),
            Field::choice(W::Type, 0, text::TYPE, type_options, type_sel),
            Field::choice(
                W::Fulfills,
                0,
                text::FULFILLS,
                vec![
                    Choice::with_help(text::YES_RECOMMENDED, text::FULFILLS_YES),
                    Choice::with_help(text::NO, text::FULFILLS_NO),
                ],
                if s.fulfills_orders { 0 } else { 1 },
            ),
            // 2 Order processing
            Field::choice(
                W::Auto,
                1,
                text::AUTO,
                text::AUTO_OPTIONS.iter().map(|o| Choice::new(*o)).collect(),
                auto_sel,
            ),
            yes_no(W::Commit, 1, text::COMMIT, s.commit_stock).help(text::COMMIT_HELP),
            Field::choice(
                W::CommitRelease,
                1,
                text::COMMIT_RELEASE,
                CommitRelease::ALL
                    .iter()
                    .zip(text::COMMIT_RELEASE_HELP)
                    .map(|(r, h)| Choice::with_help(r.label(), h))
                    .collect(),
                CommitRelease::ALL
                    .iter()
                    .position(|r| *r == s.commit_release)
                    .unwrap_or(0),
            ),
            yes_no(W::Backorders, 1, text::BACKORDERS, s.allow_backorders),
            yes_no(
                W::CancelUnack,
                1,
                text::CANCEL_UNACK,
                s.cancel_unacknowledged_items,
            )
            .help(text::CANCEL_HELP),
            // 3 Shipping
            Field::choice(
                W::Estimation,
                2,
                text::ESTIMATION,
                vec![Choice::new(text::RATE_SHOPPING), Choice::new(text::RULES)],
                match s.shipping_estimation {
                    ShippingEstimation::RateShopping => 0,
                    ShippingEstimation::Rules => 1,
                },
            ),
            Field::text(
                W::Methods,
                2,
                text::METHODS,
                &methods_text(&s.shipping_methods),
            )
            .placeholder(text::METHODS_PLACEHOLDER)
            .help(text::METHODS_HELP),
            // 4 Ship From
            Field::text(W::Address, 3, text::ADDRESS, &a.address),
            Field::text(W::City, 3, text::CITY, &a.city),
            Field::text(W::State, 3, text::STATE, &a.state),
            Field::text(W::Postal, 3, text::POSTAL, &a.postal_code),
            Field::text(W::Country, 3, text::COUNTRY, &a.country),
            Field::text(
                W::Contact,
                3,
                text::CONTACT,
                a.contact_name.as_deref().unwrap_or(""),
            )
            .placeholder(text::OPTIONAL),
            Field::text(W::Phone, 3, text::PHONE, a.phone.as_deref().unwrap_or(""))
                .placeholder(text::OPTIONAL),
            Field::text(W::Email, 3, text::EMAIL, a.email.as_deref().unwrap_or(""))
                .placeholder(text::OPTIONAL),
            // 5 Connection
            Field::choice(
                W::Connection,
                4,
                text::CONNECTION,
                match &s.connection {
                    Some(c) => vec![Choice::new(c.as_str()), Choice::new(text::NONE)],
                    None => vec![Choice::new(text::NONE)],
                },
                0,
            ),
            // 6 Primary
            tpl(W::PTemplate, 5, s.primary.template.as_deref()),
            yes_no(W::PArchive, 5, text::ARCHIVE, s.primary.archive_unarchive)
                .help(text::ARCHIVE_HELP),
            Field::choice(
                W::PQtyFrom,
                5,
                text::QTY_FROM,
                vec![
                    Choice::new(text::ALL_OUTLETS),
                    Choice::new(text::ONE_OUTLET),
                ],
                qty_sel,
            ),
            Field::text(W::POutlet, 5, text::OUTLET, &outlet)
                .placeholder(text::OUTLET_PLACEHOLDER)
                .help(text::OUTLET_HELP),
            Field::text(
                W::PLimit,
                5,
                text::LIMIT,
                &s.primary.archive_limit_pct.to_string(),
            )
            .help(text::LIMIT_HELP),
            Field::text(
                W::PSchedule,
                5,
                text::SCHEDULE,
                &schedule_text(s.primary.schedule.as_ref()),
            )
            .placeholder(text::SCHEDULE_PLACEHOLDER)
            .help(text::SCHEDULE_HELP),
            yes_no(
                W::PNotStock,
                5,
                text::NOT_STOCK,
                s.primary.include_not_stock,
            )
            .help(text::NOT_STOCK_HELP),
            // 7 Secondary
            tpl(W::STemplate, 6, s.secondary.template.as_deref()),
            yes_no(W::SArchive, 6, text::ARCHIVE, s.secondary.archive_unarchive),
            yes_no(
                W::SCreate,
                6,
                text::CREATE_VARIANT,
                s.secondary.allow_create_variant,
            )
            .help(text::CREATE_VARIANT_HELP),
            Field::text(
                W::SSchedule,
                6,
                text::SCHEDULE,
                &schedule_text(s.secondary.schedule.as_ref()),
            )
            .placeholder(text::SCHEDULE_PLACEHOLDER)
            .help(text::SCHEDULE_HELP),
            // 8 Send FRs
            tpl(W::FTemplate, 7, f.template.as_deref()),
            Field::text(
                W::Register,
                7,
                text::REGISTER,
                f.register_id.as_deref().unwrap_or(""),
            )
            .placeholder(text::REQUIRED_TO_SEND)
            .help(text::IDS_HELP),
            Field::text(W::User, 7, text::USER, f.user_id.as_deref().unwrap_or(""))
                .placeholder(text::REQUIRED_TO_SEND)
                .help(text::IDS_HELP),
            Field::text(W::Tax, 7, text::TAX, f.tax_id.as_deref().unwrap_or(""))
                .placeholder(text::REQUIRED_TO_SEND)
                .help(text::IDS_HELP),
            Field::text(
                W::Payment,
                7,
                text::PAYMENT,
                f.payment_type_id.as_deref().unwrap_or(""),
            )
            .placeholder(text::OPTIONAL)
            .help(text::PAYMENT_HELP),
            Field::text(W::Hold, 7, text::HOLD, &f.hold_hours.to_string()).help(text::HOLD_HELP),
            Field::text(W::Hours, 7, text::HOURS, &hours)
                .placeholder(text::HOURS_PLACEHOLDER)
                .help(text::HOURS_HELP),
            Field::text(
                W::FSchedule,
                7,
                text::SCHEDULE,
                &schedule_text(f.schedule.as_ref()),
            )
            .placeholder(text::SCHEDULE_PLACEHOLDER)
            .help(text::SCHEDULE_HELP),
            Field::text(
                W::Shipping,
                7,
                text::SHIPPING,
                f.shipping_product_id.as_deref().unwrap_or(""),
            )
            .placeholder(text::OPTIONAL)
            .help(text::SHIPPING_HELP),
        ];
        let mut w = Wizard {
            form: Form::new(fields),
            original,
            connections: Vec::new(),
            saving: false,
            store_options: None,
            loading: None,
            picker: None,
        };
        w.update_help();
        w
    }

    pub fn is_edit(&self) -> bool {
        self.original.is_some()
    }

    /// Ctrl-u: empties the focused text field.
    pub fn clear_line(&mut self) {
        self.form.clear_line();
    }

    /// Whether the user changed anything (Esc then asks before discarding).
    pub fn changed(&self) -> bool {
        self.form.changed()
    }

    /// The connections to pick from (ListConnections).
    pub fn set_connections(&mut self, list: Vec<ConnectionView>) {
        let current = self.form.selected_label(W::Connection).map(str::to_string);
        let mut options: Vec<Choice> = list.iter().map(|c| Choice::new(c.name.as_str())).collect();
        options.push(Choice::new(text::NONE));
        // A new source picks the first connection unless the user chose otherwise.
        let keep = match current.as_deref() {
            Some(text::NONE) if !self.is_edit() && !self.form.touched(W::Connection) => {
                list.first().map(|c| c.name.clone())
            }
            _ => current,
        };
        // A source's connection that no longer exists stays visible, so saving keeps it.
        if let Some(k) = keep.as_deref() {
            if k != text::NONE && !list.iter().any(|c| c.name == k) {
                options.insert(0, Choice::new(k));
            }
        }
        self.form
            .set_options(W::Connection, options, keep.as_deref());
        self.connections = list;
        self.update_help();
    }

    /// The templates to pick from, per integration (ListTemplates).
    pub fn set_templates(&mut self, list: &[Template]) {
        for (id, integration) in [
            (W::PTemplate, Integration::Primary),
            (W::STemplate, Integration::Secondary),
            (W::FTemplate, Integration::SendFrs),
        ] {
            let names: Vec<String> = list
                .iter()
                .filter(|t| t.integration == integration)
                .map(|t| t.name.clone())
                .collect();
            let current = self.form.selected_label(id).map(str::to_string);
            let options = template_options(&names, current.as_deref().filter(|c| *c != text::NONE));
            self.form.set_options(id, options, current.as_deref());
        }
    }

    /// Help lines that depend on other fields: the chosen connection's last test, the
    /// seed's advice against archiving in both Primary and Secondary.
    fn update_help(&mut self) {
        let conn = self.form.selected_label(W::Connection).unwrap_or("");
        let help = if self.connections.is_empty() {
            Some(text::CONNECTION_HELP_NONE.to_string())
        } else {
            self.connections
                .iter()
                .find(|c| c.name == conn)
                .map(|c| match &c.last_test {
                    None => text::CONNECTION_UNTESTED.to_string(),
                    Some((true, _)) => text::CONNECTION_OK.to_string(),
                    Some((false, m)) => text::connection_failed(m.lines().next().unwrap_or("")),
                })
        };
        self.form.set_help(W::Connection, help);
        let both = self.form.selected(W::PArchive) == 0 && self.form.selected(W::SArchive) == 0;
        self.form.set_help(
            W::SArchive,
            Some(
                if both {
                    text::ARCHIVE_BOTH
                } else {
                    text::ARCHIVE_HELP
                }
                .to_string(),
            ),
        );
    }

    /// The field's label, for a pick list's title.
    fn label(id: W) -> &'static str {
        match id {
            W::Register => text::REGISTER,
            W::User => text::USER,
            W::Tax => text::TAX,
            W::Payment => text::PAYMENT,
            W::Shipping => text::SHIPPING,
            _ => text::OUTLET,
        }
    }

    /// The store's values for a field with a list, named.
    fn items(id: W, o: &StoreOptions) -> Option<Vec<PickItem>> {
        // The id last, so the list answers "which id is that" too.
        let item = |value: &str, label: &str, detail: String| {
            let detail = if detail.is_empty() {
                value.to_string()
            } else {
                format!("{detail}  {value}")
            };
            PickItem::new(value, label, detail)
        };
        Some(match id {
            W::Register => o
                .registers
                .iter()
                .map(|r| {
                    let outlet = r.outlet_name.as_deref().unwrap_or(&r.outlet_id);
                    item(&r.id, &r.name, format!("outlet {outlet}"))
                })
                .collect(),
            W::User => o
                .users
                .iter()
                .map(|u| {
                    item(
                        &u.id,
                        &u.name,
                        format!("{}, {}", u.username, u.account_type),
                    )
                })
                .collect(),
            W::Tax => o
                .taxes
                .iter()
                .map(|t| {
                    let rate = format!("{:.3}", t.rate * 100.0);
                    let rate = rate.trim_end_matches('0').trim_end_matches('.');
                    let default = if t.is_default {
                        format!(", {}", text::DEFAULT_TAX)
                    } else {
                        String::new()
                    };
                    item(&t.id, &t.name, format!("{rate}%{default}"))
                })
                .collect(),
            W::Payment => o
                .payment_types
                .iter()
                .map(|p| PickItem {
                    refused: p.disabled.then(|| text::DISABLED.to_string()),
                    ..item(&p.id, &p.name, String::new())
                })
                .collect(),
            W::Shipping => o
                .shipping_products
                .iter()
                .map(|p| item(&p.id, &p.name, format!("SKU {}", p.sku)))
                .collect(),
            W::POutlet => o
                .outlets
                .iter()
                .map(|x| item(&x.id, &x.name, String::new()))
                .collect(),
            _ => return None,
        })
    }

    /// Whether a pick list is open (its keys come first).
    pub fn picking(&self) -> Option<crate::tui::keymap::Context> {
        self.picker.as_ref().map(|(_, p)| p.context())
    }

    /// Enter on the focused field: opens its pick list when it has one.
    pub fn pick(&mut self) -> PickNeed {
        let Some(id) = self.form.focused() else {
            return PickNeed::NotAList;
        };
        if Self::items(id, &StoreOptions::default()).is_none() {
            return PickNeed::NotAList;
        }
        let Some(conn) = self
            .form
            .selected_label(W::Connection)
            .filter(|c| *c != text::NONE)
            .map(str::to_string)
        else {
            self.form.set_error(id, text::PICK_NO_CONNECTION);
            return PickNeed::NoConnection;
        };
        match &self.store_options {
            Some((c, o)) if *c == conn => {
                let items = Self::items(id, o).unwrap_or_default();
                let current = self.form.text(id);
                let mut list = PickList::new(
                    text::pick_title(Self::label(id), &conn),
                    items,
                    Some(&current),
                );
                list.width = 100;
                self.picker = Some((id, list));
                PickNeed::Opened
            }
            _ => {
                self.loading = Some(id);
                self.form.error = None;
                PickNeed::Fetch(conn)
            }
        }
    }

    /// The store's lists arrived: open the pick list of the field that asked.
    pub fn set_store_options(&mut self, conn: String, o: StoreOptions) {
        self.store_options = Some((conn, o));
        if let Some(id) = self.loading.take() {
            if self.form.focused() == Some(id) {
                self.pick();
            }
        }
    }

    /// The lists could not be read: said at the field.
    pub fn store_options_failed(&mut self, msg: String) {
        if let Some(id) = self.loading.take() {
            self.form.set_error(id, msg);
        } else {
            self.form.error = Some(msg);
        }
    }

    /// A command while the pick list is open.
    pub fn pick_command(&mut self, cmd: crate::tui::command::Command) {
        use crate::tui::command::Command;
        let Some((id, p)) = &mut self.picker else {
            return;
        };
        let id = *id;
        if p.command(cmd) {
            return;
        }
        match cmd {
            Command::Select => {
                let Some(item) = p.chosen() else { return };
                if let Some(why) = &item.refused {
                    let msg = format!("{}: {why}", Self::label(id));
                    self.form.set_error(id, msg);
                    return;
                }
                let value = item.key.clone();
                self.picker = None;
                self.form.set_text(id, &value);
                if id == W::POutlet {
                    // Picking an outlet means quantities from that one outlet.
                    self.form.set_selected(W::PQtyFrom, 1);
                }
            }
            Command::Back | Command::Quit => self.picker = None,
            _ => {}
        }
    }

    /// Typing into the pick list's filter.
    pub fn pick_key(&mut self, k: KeyEvent) {
        if let Some((_, p)) = &mut self.picker {
            p.key(k);
        }
    }

    /// Reads the form into a source. Every problem is returned with its field.
    pub fn check(&self, others: &[Source]) -> Result<Source, Vec<(W, String)>> {
        let f = &self.form;
        let mut errors: Vec<(W, String)> = Vec::new();
        let mut s = self.original.clone().unwrap_or_default();

        let name = f.text(W::Name);
        if name.is_empty() {
            errors.push((W::Name, text::NAME_REQUIRED.into()));
        } else if name.chars().count() > 64 || name.chars().any(char::is_control) {
            errors.push((W::Name, text::NAME_BAD.into()));
        } else if let Some(orig) = &self.original {
            // The engine checks new names; a rename is checked here.
            if others.iter().any(|o| o.name == name && o.id != orig.id) {
                errors.push((W::Name, text::renamed_clash(&name)));
            }
        }
        s.name = name;
        s.source_type = SourceType::ALL
            .get(f.selected(W::Type))
            .copied()
            .unwrap_or_default();
        s.fulfills_orders = f.selected(W::Fulfills) == 0;
        s.auto_processing = AUTO.get(f.selected(W::Auto)).copied().unwrap_or_default();
        s.commit_stock = f.selected(W::Commit) == 0;
        s.commit_release = CommitRelease::ALL
            .get(f.selected(W::CommitRelease))
            .copied()
            .unwrap_or_default();
        s.allow_backorders = f.selected(W::Backorders) == 0;
        s.cancel_unacknowledged_items = f.selected(W::CancelUnack) == 0;
        s.shipping_estimation = if f.selected(W::Estimation) == 0 {
            ShippingEstimation::RateShopping
        } else {
            ShippingEstimation::Rules
        };
        match parse_methods(&f.text(W::Methods)) {
            Ok(m) => s.shipping_methods = m,
            Err(e) => errors.push((W::Methods, e.into())),
        }
        let email = f.text(W::Email);
        if !email.is_empty() && (!email.contains('@') || email.chars().any(char::is_whitespace)) {
            errors.push((W::Email, text::EMAIL_BAD.into()));
        }
        s.ship_from = Address {
            address: f.text(W::Address),
            city: f.text(W::City),
            state: f.text(W::State),
            postal_code: f.text(W::Postal),
            country: f.text(W::Country),
            contact_name: opt(f.text(W::Contact)),
            phone: opt(f.text(W::Phone)),
            email: opt(email),
        };
        s.connection = f
            .selected_label(W::Connection)
            .filter(|l| *l != text::NONE)
            .map(str::to_string);
        let template = |id| {
            f.selected_label(id)
                .filter(|l| *l != text::NONE)
                .map(str::to_string)
        };
        let schedule = |id, errors: &mut Vec<(W, String)>| match parse_schedule(&f.text(id)) {
            Ok(s) => s,
            Err(e) => {
                errors.push((id, e));
                None
            }
        };

        s.primary.template = template(W::PTemplate);
        s.primary.archive_unarchive = f.selected(W::PArchive) == 0;
        s.primary.include_not_stock = f.selected(W::PNotStock) == 0;
        s.primary.quantity_from = if f.selected(W::PQtyFrom) == 0 {
            QuantityFrom::AllOutlets
        } else {
            let o = f.text(W::POutlet);
            if o.is_empty() {
                errors.push((W::POutlet, text::OUTLET_REQUIRED.into()));
            } else if !well_formed_id(&o) {
                errors.push((W::POutlet, text::NOT_AN_ID.into()));
            }
            QuantityFrom::Outlet(o)
        };
        match f.text(W::PLimit).parse::<u8>() {
            Ok(n) if n <= 100 => s.primary.archive_limit_pct = n,
            _ => errors.push((W::PLimit, text::NUMBER_PCT.into())),
        }
        s.primary.schedule = schedule(W::PSchedule, &mut errors);

        s.secondary.template = template(W::STemplate);
        s.secondary.archive_unarchive = f.selected(W::SArchive) == 0;
        s.secondary.allow_create_variant = f.selected(W::SCreate) == 0;
        s.secondary.schedule = schedule(W::SSchedule, &mut errors);

        s.send_frs.template = template(W::FTemplate);
        for (id, slot) in [
            (W::Register, &mut s.send_frs.register_id),
            (W::User, &mut s.send_frs.user_id),
            (W::Tax, &mut s.send_frs.tax_id),
            (W::Payment, &mut s.send_frs.payment_type_id),
            (W::Shipping, &mut s.send_frs.shipping_product_id),
        ] {
            let v = f.text(id);
            if !v.is_empty() && !well_formed_id(&v) {
                errors.push((id, text::NOT_AN_ID.into()));
            }
            *slot = opt(v);
        }
        match f.text(W::Hold).parse::<u32>() {
            Ok(n) if n <= 8760 => s.send_frs.hold_hours = n,
            _ => errors.push((W::Hold, text::NUMBER_HOURS.into())),
        }
        let hours = f.text(W::Hours);
        s.send_frs.business_hours = if hours.is_empty() {
            None
        } else {
            match BusinessHours::parse(&hours) {
                Ok(h) => Some(h),
                Err(e) => {
                    errors.push((W::Hours, e));
                    None
                }
            }
        };
        s.send_frs.schedule = schedule(W::FSchedule, &mut errors);

        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }

    /// Shows the problems of the fields `show` accepts; returns how many it showed.
    fn show_errors(&mut self, others: &[Source], show: impl Fn(&Field<W>) -> bool) -> usize {
        let errors = self.check(others).err().unwrap_or_default();
        let mut shown = 0;
        for (id, msg) in errors {
            if self.form.field(id).is_some_and(&show) {
                self.form.set_error(id, msg);
                shown += 1;
            }
        }
        shown
    }

    /// After the focus left field `left`: check it (if the user changed it).
    fn left_field(&mut self, left: Option<W>, others: &[Source]) {
        if let Some(id) = left {
            if self.form.focused() != Some(id) && self.form.touched(id) {
                self.show_errors(others, |f| f.id == id);
            }
        }
    }

    /// Tab.
    pub fn next_field(&mut self, others: &[Source]) {
        let left = self.form.focused();
        self.form.next_field();
        self.left_field(left, others);
    }

    /// Shift-Tab.
    pub fn prev_field(&mut self, others: &[Source]) {
        let left = self.form.focused();
        self.form.prev_field();
        self.left_field(left, others);
    }

    /// Enter: checks this step; moves on when it is fine. Returns true on the last step
    /// when the whole source should be saved.
    pub fn next_step(&mut self, others: &[Source]) -> bool {
        let step = self.form.section();
        self.form.error = None;
        let shown = self.show_errors(others, |f| f.section == step);
        if shown > 0 {
            self.form.focus_first_error();
            return false;
        }
        if self.form.is_last_section() {
            return true;
        }
        self.form.go_section(step + 1);
        false
    }

    /// PgUp.
    pub fn prev_step(&mut self) {
        let s = self.form.section();
        if s > 0 {
            self.form.go_section(s - 1);
        }
    }

    /// PgDn: moves on without checking.
    pub fn skip_step(&mut self) {
        let s = self.form.section();
        if s + 1 < self.form.sections() {
            self.form.go_section(s + 1);
        }
    }

    /// A key no binding claimed.
    pub fn key(&mut self, k: KeyEvent, others: &[Source]) {
        match k.code {
            KeyCode::PageDown => self.skip_step(),
            KeyCode::PageUp => self.prev_step(),
            _ => {
                let before = self.form.focused();
                if self.form.key(k) {
                    self.update_help();
                }
                self.left_field(before, others);
            }
        }
    }

    /// Ctrl-s / Enter on the last step: the source to send, or the errors shown (and the
    /// first one focused).
    pub fn save(&mut self, others: &[Source]) -> Option<Source> {
        self.form.clear_errors();
        match self.check(others) {
            Ok(s) => Some(s),
            Err(errors) => {
                for (id, msg) in errors {
                    self.form.set_error(id, msg);
                }
                self.form.error = Some(text::FIX_ERRORS.to_string());
                self.form.focus_first_error();
                None
            }
        }
    }

    /// The engine refused: show each problem at the field its typed id names, else on the
    /// form. Never reads the message.
    pub fn engine_error(&mut self, e: &EngineError) {
        self.saving = false;
        let template_field = match self.form.section() {
            6 => W::STemplate,
            7 => W::FTemplate,
            _ => W::PTemplate,
        };
        let mut at: Vec<(W, String)> = match e {
            EngineError::InvalidSource { issues } => issues
                .iter()
                .filter_map(|i| setting_field(&i.setting).map(|w| (w, i.message.clone())))
                .collect(),
            EngineError::Rejected {
                field: FieldId::Source(s),
                message,
            } => setting_field(s)
                .map(|w| (w, message.clone()))
                .into_iter()
                .collect(),
            EngineError::InUse {
                what: Thing::Source,
                ..
            } => vec![(W::Name, e.to_string())],
            EngineError::NotFound {
                what: Thing::Connection,
                ..
            } => vec![(W::Connection, e.to_string())],
            EngineError::NotFound {
                what: Thing::Template,
                ..
            }
            | EngineError::InvalidTemplate { .. } => vec![(template_field, e.to_string())],
            _ => Vec::new(),
        };
        // One problem reads best with the whole line ("nothing saved: …").
        if let [(_, msg)] = at.as_mut_slice() {
            *msg = e.to_string();
        }
        match at.first().map(|(w, _)| *w) {
            Some(first) => {
                for (id, msg) in at {
                    self.form.set_error(id, msg);
                }
                self.form.focus_id(first);
            }
            None => self.form.error = Some(e.to_string()),
        }
    }

    pub fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let title = match &self.original {
            Some(o) => text::edit_title(&o.name),
            None => text::ADD_TITLE.to_string(),
        };
        let block = pane_block(title, t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        if inner.height < 4 {
            return;
        }
        let [crumbs, heading, intro, _, fields, error, keys] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        let step = self.form.section();
        let n = self.form.sections();
        // The steps, the current one highlighted, those with errors marked; when they do
        // not fit, the others by number only.
        let crumb_line = |names: bool| {
            let mut spans = Vec::new();
            for (i, name) in text::STEPS.iter().enumerate().take(n) {
                if i > 0 {
                    spans.push(Span::styled(text::SEP, t.dim));
                }
                let st = if i == step {
                    t.selected
                } else if i < step {
                    t.text
                } else {
                    t.dim
                };
                let label = if names || i == step {
                    (*name).to_string()
                } else {
                    (i + 1).to_string()
                };
                spans.push(Span::styled(label, st));
                if self.form.section_has_errors(i) {
                    spans.push(Span::styled(text::STEP_ERROR, t.error));
                }
            }
            Line::from(spans)
        };
        let line = crumb_line(true);
        let line = if line.width() > crumbs.width as usize {
            crumb_line(false)
        } else {
            line
        };
        f.render_widget(Paragraph::new(line), crumbs);
        let title = text::STEP_TITLES.get(step).copied().unwrap_or("");
        f.render_widget(
            Paragraph::new(Line::styled(text::step_heading(step, n, title), t.title)),
            heading,
        );
        f.render_widget(
            Paragraph::new(Line::styled(
                text::STEP_INTROS.get(step).copied().unwrap_or(""),
                t.dim,
            )),
            intro,
        );
        self.form.render(f, fields, t);
        if self.saving {
            f.render_widget(Paragraph::new(Line::styled(text::SAVING, t.accent)), error);
        } else if let (Some(_), Some(conn)) =
            (self.loading, self.form.selected_label(W::Connection))
        {
            f.render_widget(
                Paragraph::new(Line::styled(text::loading(conn), t.accent)),
                error,
            );
        } else if let Some(e) = &self.form.error {
            f.render_widget(
                Paragraph::new(Line::styled(format!("{}{e}", text::ERROR_MARK), t.error)),
                error,
            );
        }
        let keys_text = text::keys(ui.keymap, self.form.is_last_section());
        f.render_widget(Paragraph::new(Line::styled(keys_text, t.dim)), keys);
        if let Some((_, p)) = &self.picker {
            p.render(f, area, t, ui.keymap);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_parse() {
        assert_eq!(parse_schedule(""), Ok(None));
        assert_eq!(parse_schedule(" manual "), Ok(None));
        assert_eq!(
            parse_schedule("every 15m"),
            Ok(Some(Schedule::EveryMinutes(15)))
        );
        assert_eq!(
            parse_schedule("Every 2h"),
            Ok(Some(Schedule::EveryMinutes(120)))
        );
        assert_eq!(
            parse_schedule("every 5 minutes"),
            Ok(Some(Schedule::EveryMinutes(5)))
        );
        assert_eq!(
            parse_schedule("*/15  9-17 * jan-mar mon-fri"),
            Ok(Some(Schedule::Cron("*/15 9-17 * jan-mar mon-fri".into())))
        );
        assert_eq!(
            parse_schedule("0 0 1,15 * 0"),
            Ok(Some(Schedule::Cron("0 0 1,15 * 0".into())))
        );
        for bad in [
            "every 0m",
            "every m",
            "every 5x",
            "every 99999999999h",
            "60 * * * *",
            "* 24 * * *",
            "* * * 13 *",
            "* * * *",
            "hourly",
        ] {
            assert!(parse_schedule(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn methods_round_trip() {
        let m = parse_methods("Ground, UPS, GND; Local pickup ;; 2-Day, , X2").unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[2].carrier, None);
        assert_eq!(m[2].code.as_deref(), Some("X2"));
        assert_eq!(parse_methods(&methods_text(&m)).unwrap(), m);
        assert!(parse_methods(", UPS").is_err());
        assert!(parse_methods("a, b, c, d").is_err());
    }

    #[test]
    fn defaults_check_out_and_edit_keeps_what_the_form_does_not_show() {
        let mut w = Wizard::add();
        let errs = w.check(&[]).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].0, W::Name);
        let mut s = Source {
            id: 7,
            name: "harbor".into(),
            ..Source::default()
        };
        s.secondary.quantity_from = QuantityFrom::Outlet("o1".into());
        s.primary.schedule = Some(Schedule::EveryMinutes(90));
        s.send_frs.business_hours = BusinessHours::parse("mon-fri 09:00-17:00 UTC").ok();
        w = Wizard::edit(&s);
        let back = w.check(&[s.clone()]).unwrap();
        assert_eq!(back, s);
        assert!(w.save(&[]).is_some());
    }
}
