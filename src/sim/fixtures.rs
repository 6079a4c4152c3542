//! Loading a store from files in the API's own JSON shapes. The demo store is compiled in,
//! so `lsbridge sim` and `lsbridge demo` work from any directory.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::state::Seed;

macro_rules! demo_file {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/stores/demo/",
                $name
            )),
        )
    };
}

const DEMO: [(&str, &str); 11] = [
    demo_file!("retailer.json"),
    demo_file!("outlets.json"),
    demo_file!("registers.json"),
    demo_file!("users.json"),
    demo_file!("taxes.json"),
    demo_file!("payment_types.json"),
    demo_file!("brands.json"),
    demo_file!("product_categories.json"),
    demo_file!("products.json"),
    demo_file!("inventory.json"),
    demo_file!("customers.json"),
];

/// The files in which `demo-inclusive` differs from the demo store.
const DEMO_INCLUSIVE: [(&str, &str); 2] = [
    (
        "retailer.json",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/stores/demo-inclusive/retailer.json"
        )),
    ),
    (
        "outlets.json",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/stores/demo-inclusive/outlets.json"
        )),
    ),
];

fn parse<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("{name}: not a valid store file ({e})"))
}

fn build(get: impl Fn(&str) -> Result<String, String>) -> Result<Seed, String> {
    Ok(Seed {
        retailer: parse::<Value>("retailer.json", &get("retailer.json")?)?,
        outlets: parse("outlets.json", &get("outlets.json")?)?,
        registers: parse("registers.json", &get("registers.json")?)?,
        users: parse("users.json", &get("users.json")?)?,
        taxes: parse("taxes.json", &get("taxes.json")?)?,
        payment_types: parse("payment_types.json", &get("payment_types.json")?)?,
        brands: parse("brands.json", &get("brands.json")?)?,
        categories: parse("product_categories.json", &get("product_categories.json")?)?,
        products: parse("products.json", &get("products.json")?)?,
        inventory: parse("inventory.json", &get("inventory.json")?)?,
        customers: parse("customers.json", &get("customers.json")?)?,
    })
}

pub fn demo() -> Result<Seed, String> {
    build(|name| {
        DEMO.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_string())
            .ok_or_else(|| format!("{name}: missing from the demo store"))
    })
}

/// The demo store set up tax-inclusive: its own retailer and outlets, the demo's catalog.
pub fn demo_inclusive() -> Result<Seed, String> {
    build(|name| {
        DEMO_INCLUSIVE
            .iter()
            .chain(DEMO.iter())
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_string())
            .ok_or_else(|| format!("{name}: missing from the demo-inclusive store"))
    })
}

/// A store directory with the demo store's file names.
pub fn from_dir(dir: &Path) -> Result<Seed, String> {
    build(|name| {
        std::fs::read_to_string(dir.join(name))
            .map_err(|e| {
                format!(
                    "{}: cannot read ({e}): dir:PATH must hold the demo store's files (see fixtures/stores/demo)",
                    dir.join(name).display()
                )
            })
    })
}
