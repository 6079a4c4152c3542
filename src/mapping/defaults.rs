//! The starter templates Flxpoint recommends generating first ("Mapping Utilities" on the seed page).

use super::fields::{option_name_field, option_value_field, source, Integration, OPTION_SLOTS};
use super::template::{Condition, Method, Op, Rule, Step, Template};

pub const PRIMARY_TEMPLATE_NAME: &str = "Lightspeed Retail (X Series) – Get Inventory [Primary]";
pub const SECONDARY_TEMPLATE_NAME: &str =
    "Lightspeed Retail (X Series) – Get Inventory [Secondary]";
pub const SEND_FRS_TEMPLATE_NAME: &str = "Lightspeed Retail (X Series) – Send FRs";

pub fn default_template(integration: Integration) -> Template {
    match integration {
        Integration::Primary => primary_template(),
        Integration::Secondary => secondary_template(),
        Integration::SendFrs => send_frs_template(),
    }
}

pub fn default_templates() -> Vec<Template> {
    Integration::ALL.into_iter().map(default_template).collect()
}

pub fn primary_template() -> Template {
    use source::*;
    let mut t = Template::new(PRIMARY_TEMPLATE_NAME, Integration::Primary)
        .with("SKU", Method::match_it(SKU))
        .with("Title", Method::match_it(NAME))
        .with("Description", Method::match_it(DESCRIPTION))
        .with("Brand", Method::match_it(BRAND))
        .with("Cost", Method::match_it(SUPPLY_PRICE))
        .with("MSRP", Method::match_it(PRICE_INCLUDING_TAX))
        .with("Quantity", Method::match_it(QUANTITY))
        .with("Weight", Method::match_it(WEIGHT))
        .with("Weight Unit", Method::match_it(WEIGHT_UNIT))
        .with("Height", Method::match_it(HEIGHT))
        .with("Length", Method::match_it(LENGTH))
        .with("Width", Method::match_it(WIDTH))
        .with("Images", Method::match_it(ALL_IMAGES))
        .with("Primary Category", Method::match_it(CATEGORY_1))
        .with("Sub Category", Method::match_it(CATEGORY_2))
        .with("Parent SKU", Method::match_it(PARENT_SKU));
    // Source and target option slots share their names.
    for n in 1..=OPTION_SLOTS {
        for name in [option_name_field(n), option_value_field(n)]
            .into_iter()
            .flatten()
        {
            t.set(name, Method::match_it(name));
        }
    }
    t
}

pub fn secondary_template() -> Template {
    Template::new(SECONDARY_TEMPLATE_NAME, Integration::Secondary)
        .with("Quantity", Method::match_it(source::INVENTORY_LEVEL))
}

pub fn send_frs_template() -> Template {
    let ship = |f: &str| Method::match_it(format!("Shipping Address: {f}"));
    let fr_number = "Fulfillment Request: Fulfillment Request Number";
    Template::new(SEND_FRS_TEMPLATE_NAME, Integration::SendFrs)
        .with("Customer: First Name", ship("First Name"))
        .with("Customer: Last Name", ship("Last Name"))
        .with(
            "Customer: Email",
            // Marketplace orders often carry the email on the billing side only.
            Method::SmartRules {
                rules: vec![Rule {
                    join: Default::default(),
                    conditions: vec![Condition::new("Shipping Address: Email", Op::IsBlank, "")],
                    then: Box::new(Method::match_it("Billing Address: Email")),
                }],
                default: Box::new(ship("Email")),
            },
        )
        .with("Customer: Phone", ship("Phone"))
        .with("Customer: Company Name", ship("Company Name"))
        .with("Customer: Physical Address 1", ship("Address Line 1"))
        .with("Customer: Physical Address 2", ship("Address Line 2"))
        .with("Customer: Physical City", ship("City"))
        .with("Customer: Physical State", ship("State"))
        .with("Customer: Physical Postcode", ship("Postal Code"))
        .with("Customer: Physical Country Id", ship("Country Code"))
        .with(
            "Register Sale: Note",
            Method::transform(fr_number, vec![Step::Prefix("FR ".to_string())]),
        )
        .with("Register Sale: Source Id", Method::match_it(fr_number))
        .with(
            "Register Sale Item: Price",
            Method::match_it("FR Item: Unit Price"),
        )
        .with(
            "Register Sale Item: Quantity",
            Method::match_it("FR Item: Quantity"),
        )
        .with(
            "Adjustments: Total Discount",
            Method::match_it("Fulfillment Request: Total Discount"),
        )
        .with(
            "Adjustments: Total Shipping Cost",
            Method::match_it("Fulfillment Request: Total Shipping Cost"),
        )
        .with(
            "Adjustments: Total Tax",
            Method::match_it("Fulfillment Request: Total Tax"),
        )
}

/// The order-level money targets the starter Send FRs template maps from the FR.
pub const SEND_FRS_MONEY_TARGETS: [&str; 3] = [
    "Adjustments: Total Discount",
    "Adjustments: Total Shipping Cost",
    "Adjustments: Total Tax",
];

/// Earlier starter Send FRs templates, as installed by older versions: a stored starter equal
/// to one of these was never changed by the user and is replaced by the current one.
pub fn earlier_send_frs_templates() -> Vec<Template> {
    let mut before_money = send_frs_template();
    for t in SEND_FRS_MONEY_TARGETS {
        before_money.remove(t);
    }
    vec![before_money]
}
