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

mod draw;
mod fields;
mod pick;
#[cfg(test)]
mod tests;

use fields::{setting_field, template_options};

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

impl Wizard {
    /// A new source with the seed's recommended defaults.
    pub fn add() -> Wizard {
        Wizard::build(&Source::default(), None)
    }

    pub fn edit(s: &Source) -> Wizard {
        Wizard::build(s, Some(s.clone()))
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
}
