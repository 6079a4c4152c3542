//! `lsbridge source …`: create, inspect, change and remove sources from the command line,
//! with every setting the seed's source wizard asks for.

use clap::{Args, Subcommand};

use crate::cli::{exit, Failure};
use crate::connections::Connections;
use crate::sources::{
    Address, AutoProcessing, Integration, QuantityFrom, ShippingEstimation, ShippingMethod, Source,
    SourceError, SourceType, Sources, StatusFacts,
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
    #[arg(long = "type")]
    pub source_type: Option<SourceType>,
    /// Whether orders can be routed here (yes/no).
    #[arg(long, value_parser = yes_no)]
    pub fulfills_orders: Option<bool>,
    /// use-global, auto-process, do-not-auto-process
    #[arg(long)]
    pub auto_processing: Option<AutoProcessing>,
    #[arg(long, value_parser = yes_no)]
    pub commit_stock: Option<bool>,
    #[arg(long, value_parser = yes_no)]
    pub allow_backorders: Option<bool>,
    #[arg(long, value_parser = yes_no)]
    pub cancel_unacknowledged_items: Option<bool>,
    /// rate-shopping or rules
    #[arg(long)]
    pub shipping_estimation: Option<String>,
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
        set!(s.allow_backorders, self.allow_backorders);
        set!(
            s.cancel_unacknowledged_items,
            self.cancel_unacknowledged_items
        );
        if let Some(e) = &self.shipping_estimation {
            s.shipping_estimation = match e.as_str() {
                "rate-shopping" => ShippingEstimation::RateShopping,
                "rules" => ShippingEstimation::Rules,
                _ => {
                    return Err(Failure::usage(format!(
                        "--shipping-estimation {e:?}: expected rate-shopping or rules"
                    )))
                }
            };
        }
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
                    "--ship-from-email {e:?} is not an email address"
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
        if self.secondary_template.is_some() {
            s.secondary.template = self.secondary_template.clone();
        }
        set!(s.secondary.archive_unarchive, self.secondary_archive);
        set!(s.secondary.allow_create_variant, self.allow_create_variant);
        if self.send_frs_template.is_some() {
            s.send_frs.template = self.send_frs_template.clone();
        }
        Ok(())
    }
}

impl From<SourceError> for Failure {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::Store(_) => Failure::failed(e),
            _ => Failure::usage(e),
        }
    }
}

/// Status facts read from the store.
struct Facts<'a> {
    connections: &'a Connections,
    templates: &'a Templates,
}

impl StatusFacts for Facts<'_> {
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
    let facts = Facts {
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
            let s = sources.add(s)?;
            println!("added source {:?} (id {})", s.name, s.id);
            for w in s.warnings() {
                eprintln!("warning: {w}");
            }
            Ok(exit::OK)
        }
        SourceCmd::Set { name, settings } => {
            let mut s = sources.by_name(&name)?;
            settings.apply(&mut s)?;
            if let Some(c) = &s.connection {
                connections.get(c)?;
            }
            sources.save(&s)?;
            println!("updated source {:?}", s.name);
            for w in s.warnings() {
                eprintln!("warning: {w}");
            }
            Ok(exit::OK)
        }
        SourceCmd::List { json } => {
            let list = sources.list()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
                );
                return Ok(exit::OK);
            }
            if list.is_empty() {
                println!("no sources yet: add one with lsbridge source add --name NAME --connection CONNECTION");
            }
            for s in &list {
                let ready: Vec<String> = Integration::ALL
                    .iter()
                    .map(|i| {
                        let st = s.status(*i, &facts);
                        format!(
                            "{}: {}",
                            crate::sources::integration_key(*i),
                            if st.ready() { "ready" } else { "not ready" }
                        )
                    })
                    .collect();
                println!(
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
            if json {
                let status: Vec<_> = Integration::ALL
                    .iter()
                    .map(|i| s.status(*i, &facts))
                    .collect();
                println!("{}", serde_json::json!({ "source": s, "status": status }));
                return Ok(exit::OK);
            }
            println!("{} (id {})", s.name, s.id);
            println!("  type: {}", s.source_type.label());
            println!(
                "  fulfills orders: {}",
                if s.fulfills_orders { "yes" } else { "no" }
            );
            println!("  auto processing: {:?}", s.auto_processing);
            println!(
                "  commit stock: {}   allow backorders: {}   cancel unacknowledged items: {}",
                s.commit_stock, s.allow_backorders, s.cancel_unacknowledged_items
            );
            println!("  shipping estimation: {:?}", s.shipping_estimation);
            let a = &s.ship_from;
            if a.address.is_empty() && a.city.is_empty() {
                println!("  ship from: (not set)");
            } else {
                println!(
                    "  ship from: {}, {}, {} {}, {}",
                    a.address, a.city, a.state, a.postal_code, a.country
                );
            }
            println!(
                "  connection: {}",
                s.connection.as_deref().unwrap_or("(none)")
            );
            for i in Integration::ALL {
                let st = s.status(i, &facts);
                println!("  {}:", i.label());
                println!("    connected:  {}", check(&st.connected));
                println!("    configured: {}", check(&st.configured));
                println!("    mapped:     {}", check(&st.mapped));
            }
            for w in s.warnings() {
                println!("  warning: {w}");
            }
            Ok(exit::OK)
        }
        SourceCmd::Remove { name } => {
            let s = sources.remove(&name)?;
            println!("removed source {:?}", s.name);
            Ok(exit::OK)
        }
    }
}
