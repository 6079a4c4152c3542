//! Sources: a Lightspeed store used as a supplier. Everything the seed's source wizard asks
//! for, plus the three integrations that share the source's one connection, each with its
//! settings, mapping template and schedule, and the status page's Connected / Configured /
//! Mapped checks that name the exact missing item. Send FRs settings, business hours and the
//! one validation every front end shares live here too, because they belong to a source.

pub mod business_hours;
pub mod send_settings;
pub mod validate;

use serde::{Deserialize, Serialize};

use crate::store::{keys, trees, Record, Store, StoreError, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SourceType {
    /// You send POs/FRs to Lightspeed so they ship directly to your customers (recommended).
    #[default]
    VendorWarehouse,
    /// You stock items and ship from your own facility.
    InternalWarehouse,
    /// A 3PL or external partner ships your owned inventory.
    ExternalWarehouse,
    /// Content-only: enriches product details, no fulfillment.
    ProductDataSource,
}

impl SourceType {
    pub const ALL: [SourceType; 4] = [
        SourceType::VendorWarehouse,
        SourceType::InternalWarehouse,
        SourceType::ExternalWarehouse,
        SourceType::ProductDataSource,
    ];
    pub fn label(self) -> &'static str {
        match self {
            SourceType::VendorWarehouse => "Vendor Warehouse (recommended)",
            SourceType::InternalWarehouse => "Internal Warehouse",
            SourceType::ExternalWarehouse => "External Warehouse",
            SourceType::ProductDataSource => "Product Data Source",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            SourceType::VendorWarehouse => "vendor-warehouse",
            SourceType::InternalWarehouse => "internal-warehouse",
            SourceType::ExternalWarehouse => "external-warehouse",
            SourceType::ProductDataSource => "product-data-source",
        }
    }
}

impl std::str::FromStr for SourceType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SourceType::ALL
            .into_iter()
            .find(|t| t.key() == s)
            .ok_or_else(|| {
                format!("{s:?} is not a source type: use vendor-warehouse, internal-warehouse, external-warehouse or product-data-source")
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AutoProcessing {
    #[default]
    UseGlobal,
    AutoProcess,
    DoNotAutoProcess,
}

impl std::str::FromStr for AutoProcessing {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "use-global" => Ok(Self::UseGlobal),
            "auto-process" => Ok(Self::AutoProcess),
            "do-not-auto-process" => Ok(Self::DoNotAutoProcess),
            _ => Err(format!(
                "{s:?}: auto processing is use-global, auto-process or do-not-auto-process"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ShippingEstimation {
    /// "Yes, Use Rate Shopping (Real-Time Estimates)"
    #[default]
    RateShopping,
    /// "No, Set Up via Rules"
    Rules,
}

/// When units committed to an FR stop being committed (Commit Stock): when the store's stock
/// reflects the sale. Whether the store takes stock out when a pending (delivery, pickup,
/// layby, on-account) sale is created or only when the sale is closed is not documented, so
/// it is this setting. The later point is the default: a wrong guess then holds stock back
/// for a while instead of selling it twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CommitRelease {
    /// The store moves stock when the sale is created: an FR is released once it is
    /// Processed (the store has its sale).
    SaleCreated,
    /// The store moves stock when the sale is closed: an FR is released once it is
    /// Acknowledged (the store closed its sale).
    #[default]
    SaleClosed,
}

impl CommitRelease {
    pub const ALL: [CommitRelease; 2] = [CommitRelease::SaleCreated, CommitRelease::SaleClosed];
    pub fn key(self) -> &'static str {
        match self {
            CommitRelease::SaleCreated => "sale-created",
            CommitRelease::SaleClosed => "sale-closed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            CommitRelease::SaleCreated => "When the sale is created",
            CommitRelease::SaleClosed => "When the sale is closed",
        }
    }
}

impl std::str::FromStr for CommitRelease {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CommitRelease::ALL
            .into_iter()
            .find(|r| r.key() == s.trim())
            .ok_or_else(|| {
                format!("{s:?}: the commit release point is sale-created or sale-closed")
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Address {
    pub address: String,
    pub city: String,
    /// State or state code.
    pub state: String,
    pub postal_code: String,
    /// Country or country code.
    pub country: String,
    pub contact_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ShippingMethod {
    pub name: String,
    pub carrier: Option<String>,
    pub code: Option<String>,
}

/// When an integration runs: an interval or a cron expression, evaluated in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    EveryMinutes(u32),
    Cron(String),
}

/// The longest schedule interval: a year.
pub const MAX_EVERY_MINUTES: u32 = 366 * 24 * 60;

impl Schedule {
    /// Why a stored schedule cannot run (a config file may hold anything), as a short reason.
    pub fn validate(&self) -> Result<(), String> {
        use chrono::TimeZone;
        match self {
            Schedule::EveryMinutes(n) if (1..=MAX_EVERY_MINUTES).contains(n) => Ok(()),
            Schedule::EveryMinutes(_) => Err("the interval is between 1 minute and a year".into()),
            Schedule::Cron(expr) => {
                let cron = parse_cron(expr)?;
                // A pattern such as "0 0 30 2 *" parses but never fires.
                let reference = chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single();
                match reference.map(|r| cron.find_next_occurrence(&r, false)) {
                    Some(Ok(_)) => Ok(()),
                    _ => Err("it never fires".into()),
                }
            }
        }
    }
}

/// A five-field cron expression (or an `@daily` style nickname), with croner's reason when
/// it is not one.
pub fn parse_cron(expr: &str) -> Result<croner::Cron, String> {
    let fields = expr.split_whitespace().count();
    if !expr.trim_start().starts_with('@') && fields != 5 {
        return Err(format!(
            "a cron expression has 5 fields (minute hour day month weekday), this has {fields}"
        ));
    }
    croner::Cron::new(expr).parse().map_err(|e| {
        let e = e.to_string();
        let e = e.trim_end_matches('.');
        e.strip_prefix("Component error: ").unwrap_or(e).to_string()
    })
}

/// Which outlets' stock becomes the variant's quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum QuantityFrom {
    #[default]
    AllOutlets,
    Outlet(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrimarySettings {
    pub template: Option<String>,
    pub archive_unarchive: bool,
    pub quantity_from: QuantityFrom,
    /// Refuse to archive more than this share of the pool in one run unless confirmed.
    pub archive_limit_pct: u8,
    pub schedule: Option<Schedule>,
    /// Import products that are not stock items (no inventory tracking, such as gift cards
    /// and services, and the store's discount product) as pool items too. Off: they are
    /// counted as "not stock items" in the run summary and left out.
    pub include_not_stock: bool,
}

impl Default for PrimarySettings {
    fn default() -> Self {
        Self {
            template: Some(crate::mapping::defaults::PRIMARY_TEMPLATE_NAME.to_string()),
            archive_unarchive: false,
            quantity_from: QuantityFrom::AllOutlets,
            archive_limit_pct: 20,
            schedule: None,
            include_not_stock: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecondarySettings {
    pub template: Option<String>,
    pub archive_unarchive: bool,
    pub allow_create_variant: bool,
    pub quantity_from: QuantityFrom,
    pub schedule: Option<Schedule>,
}

impl Default for SecondarySettings {
    fn default() -> Self {
        Self {
            template: Some(crate::mapping::defaults::SECONDARY_TEMPLATE_NAME.to_string()),
            archive_unarchive: false,
            allow_create_variant: false,
            quantity_from: QuantityFrom::AllOutlets,
            schedule: None,
        }
    }
}

/// "Only Send During Business Hours": a daily window on chosen weekdays in a time zone. An
/// end before the start is an overnight window (it wraps midnight). Parsing, checking and
/// the open/next-open arithmetic are in [`crate::source::business_hours`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct BusinessHours {
    /// 0 = Monday … 6 = Sunday.
    pub weekdays: Vec<u8>,
    /// "09:00"
    pub start: String,
    /// "17:00" ("24:00" = the end of the day; before `start` = the next day).
    pub end: String,
    /// IANA zone, e.g. America/New_York.
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SendFrsSettings {
    pub template: Option<String>,
    pub register_id: Option<String>,
    pub user_id: Option<String>,
    pub tax_id: Option<String>,
    /// The payment type of a paid FR whose payment method names no payment type (directly
    /// or through `payment_mapping_set`).
    pub payment_type_id: Option<String>,
    /// The product whose line carries an FR's shipping cost (a service product in the store).
    pub shipping_product_id: Option<String>,
    /// A mapping set from the FR's payment method to a payment type (name or id).
    pub payment_mapping_set: Option<String>,
    /// Date the sale with the FR's created-at instead of the send time.
    pub sale_date_from_fr: bool,
    pub hold_hours: u32,
    pub business_hours: Option<BusinessHours>,
    pub schedule: Option<Schedule>,
}

impl Default for SendFrsSettings {
    fn default() -> Self {
        Self {
            template: Some(crate::mapping::defaults::SEND_FRS_TEMPLATE_NAME.to_string()),
            register_id: None,
            user_id: None,
            tax_id: None,
            payment_type_id: None,
            shipping_product_id: None,
            payment_mapping_set: None,
            sale_date_from_fr: false,
            hold_hours: 0,
            business_hours: None,
            schedule: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Source {
    pub id: u64,
    pub name: String,
    pub source_type: SourceType,
    pub fulfills_orders: bool,
    pub auto_processing: AutoProcessing,
    /// Flxpoint's Commit Stock: Available = the store's quantity − units of open FRs.
    pub commit_stock: bool,
    /// When an FR's committed units are released (Commit Stock).
    pub commit_release: CommitRelease,
    pub allow_backorders: bool,
    pub cancel_unacknowledged_items: bool,
    pub shipping_estimation: ShippingEstimation,
    pub ship_from: Address,
    pub shipping_methods: Vec<ShippingMethod>,
    /// The one connection all three integrations use.
    pub connection: Option<String>,
    pub primary: PrimarySettings,
    pub secondary: SecondarySettings,
    pub send_frs: SendFrsSettings,
}

impl Default for Source {
    fn default() -> Self {
        Self {
            id: 0,
            name: String::new(),
            source_type: SourceType::VendorWarehouse,
            fulfills_orders: true,
            auto_processing: AutoProcessing::UseGlobal,
            commit_stock: false,
            commit_release: CommitRelease::default(),
            allow_backorders: false,
            cancel_unacknowledged_items: false,
            shipping_estimation: ShippingEstimation::RateShopping,
            ship_from: Address::default(),
            shipping_methods: Vec::new(),
            connection: None,
            primary: PrimarySettings::default(),
            secondary: SecondarySettings::default(),
            send_frs: SendFrsSettings::default(),
        }
    }
}

impl Record for Source {
    const VERSION: u16 = 1;
}

pub use crate::mapping::Integration;

/// Short machine name of an integration (CLI arguments, checkpoint keys).
pub fn integration_key(i: Integration) -> &'static str {
    match i {
        Integration::Primary => "primary",
        Integration::Secondary => "secondary",
        Integration::SendFrs => "send_frs",
    }
}

/// One row of the status page: each check, and what is missing when it fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationStatus {
    pub integration: Integration,
    pub connected: Result<(), String>,
    pub configured: Result<(), String>,
    pub mapped: Result<(), String>,
    /// What a template that works still lacks (e.g. a changed starter Send FRs template
    /// without the order's money mappings).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl IntegrationStatus {
    pub fn ready(&self) -> bool {
        self.connected.is_ok() && self.configured.is_ok() && self.mapped.is_ok()
    }
}

/// Facts the status checks need that live outside the source.
pub trait StatusFacts {
    fn connection_exists(&self, name: &str) -> bool;
    /// Whether the connection's last Test Connection passed (`None`: never tested).
    fn connection_tested_ok(&self, name: &str) -> Option<bool>;
    /// `Err(reason)` when the template is missing or does not validate for the integration.
    fn template_ok(&self, name: &str, integration: Integration) -> Result<(), String>;
    /// What the template lacks though it validates (shown, not failed).
    fn template_notes(&self, _name: &str, _integration: Integration) -> Vec<String> {
        Vec::new()
    }
}

/// The status facts as the store holds them (the CLI's `source show` and the engine's
/// status page both read these).
pub struct StoreFacts<'a> {
    pub connections: &'a crate::connections::Connections,
    pub templates: &'a crate::templates::Templates,
}

impl StatusFacts for StoreFacts<'_> {
    fn connection_exists(&self, name: &str) -> bool {
        self.connections.get(name).is_ok()
    }
    fn connection_tested_ok(&self, name: &str) -> Option<bool> {
        self.connections
            .get(name)
            .ok()
            .and_then(|c| c.last_test.map(|t| t.ok))
    }
    fn template_ok(&self, name: &str, i: Integration) -> Result<(), String> {
        self.templates.check(name, i)
    }
    fn template_notes(&self, name: &str, i: Integration) -> Vec<String> {
        self.templates.lacks(name, i)
    }
}

impl Source {
    pub fn template(&self, i: Integration) -> Option<&str> {
        match i {
            Integration::Primary => self.primary.template.as_deref(),
            Integration::Secondary => self.secondary.template.as_deref(),
            Integration::SendFrs => self.send_frs.template.as_deref(),
        }
    }

    pub fn status(&self, i: Integration, facts: &dyn StatusFacts) -> IntegrationStatus {
        let connected = match &self.connection {
            None => Err("no connection selected: pick one (lsbridge source set NAME --connection C)".to_string()),
            Some(c) if !facts.connection_exists(c) => {
                Err(format!("connection {c:?} does not exist: add it with lsbridge connection add"))
            }
            Some(c) => match facts.connection_tested_ok(c) {
                Some(true) => Ok(()),
                Some(false) => Err(format!("connection {c:?} failed its last Test Connection: run lsbridge connection test {c}")),
                None => Err(format!("connection {c:?} has not passed Test Connection yet: run lsbridge connection test {c}")),
            },
        };
        let configured = match i {
            Integration::Primary | Integration::Secondary => Ok(()),
            Integration::SendFrs => {
                let s = &self.send_frs;
                let missing: Vec<&str> = [
                    ("Register ID", s.register_id.is_none()),
                    ("User ID", s.user_id.is_none()),
                    ("Tax ID", s.tax_id.is_none()),
                ]
                .into_iter()
                .filter(|(_, m)| *m)
                .map(|(n, _)| n)
                .collect();
                if !self.fulfills_orders {
                    Err(
                        "this source does not fulfill orders (set fulfills orders to yes)"
                            .to_string(),
                    )
                } else if !missing.is_empty() {
                    Err(format!("{} not set", missing.join(", ")))
                } else if let Some(Err(e)) = s.business_hours.as_ref().map(|h| h.validate()) {
                    Err(format!(
                        "business hours are invalid ({e}): fix them with lsbridge source set {} --business-hours \"{}\" or --no-business-hours",
                        self.name,
                        crate::source::business_hours::EXAMPLE
                    ))
                } else {
                    Ok(())
                }
            }
        };
        let mapped = match self.template(i) {
            None => Err("no mapping template selected".to_string()),
            Some(t) => facts.template_ok(t, i),
        };
        let notes = match self.template(i) {
            Some(t) if mapped.is_ok() => facts.template_notes(t, i),
            _ => Vec::new(),
        };
        IntegrationStatus {
            integration: i,
            connected,
            configured,
            mapped,
            notes,
        }
    }

    /// The seed's advice: archiving on both Primary and Secondary fights itself.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.primary.archive_unarchive && self.secondary.archive_unarchive {
            w.push("Archive/Un-Archive is on for both Get Inventory (Primary) and (Secondary): we recommend enabling it on only one".to_string());
        }
        w
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("a source needs a name: pass --name")]
    NameEmpty,
    #[error("source name {} is too long or has control characters: use up to 64 printable characters", crate::excerpt::quoted(.0))]
    NameBad(String),
    #[error("a source named {0:?} already exists: pick another name")]
    Exists(String),
    #[error("no source named {0:?}: see lsbridge source list")]
    Missing(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub fn check_name(name: &str) -> Result<String, SourceError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(SourceError::NameEmpty);
    }
    if n.chars().count() > 64 || n.chars().any(char::is_control) {
        return Err(SourceError::NameBad(n.to_string()));
    }
    Ok(n.to_string())
}

/// Typed access to the `sources` tree (key: source id, big-endian).
#[derive(Clone, Debug)]
pub struct Sources {
    table: Table<Source>,
    store: Store,
}

impl Sources {
    pub fn open(store: &Store) -> Result<Sources, StoreError> {
        Ok(Sources {
            table: store.table(trees::SOURCES)?,
            store: store.clone(),
        })
    }

    pub fn list(&self) -> Result<Vec<Source>, SourceError> {
        let mut v = Vec::new();
        for row in self.table.iter() {
            v.push(row?.1);
        }
        v.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(v)
    }

    pub fn by_name(&self, name: &str) -> Result<Source, SourceError> {
        self.list()?
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| SourceError::Missing(name.to_string()))
    }

    /// Adds a new source (assigning its id) and returns it.
    pub fn add(&self, mut s: Source) -> Result<Source, SourceError> {
        s.name = check_name(&s.name)?;
        if self.list()?.iter().any(|x| x.name == s.name) {
            return Err(SourceError::Exists(s.name));
        }
        s.id = self.store.generate_id()? + 1;
        self.table.put(&keys::u64_be(s.id), &s)?;
        self.store.flush()?;
        Ok(s)
    }

    pub fn save(&self, s: &Source) -> Result<(), SourceError> {
        self.table.put(&keys::u64_be(s.id), s)?;
        self.store.flush()?;
        Ok(())
    }

    pub fn remove(&self, name: &str) -> Result<Source, SourceError> {
        let s = self.by_name(name)?;
        self.table.remove(&keys::u64_be(s.id))?;
        self.store.flush()?;
        Ok(s)
    }
}
