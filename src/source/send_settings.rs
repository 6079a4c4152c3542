//! Send Fulfillment Requests settings against the live store: what the store offers
//! (registers, users, taxes, payment types) and whether the ids a source is set up with
//! exist there and are still in use.
//!
//! The seed asks for a valid Register ID, User ID and Tax ID, and names invalid ones as the
//! usual cause of rejected orders; checking them when they are saved moves that failure
//! from the first order to the moment someone types the id.

use serde::{Deserialize, Serialize};

use crate::lightspeed::models::{Outlet, PaymentType, Product, Register, Tax, User, Versioned};
use crate::lightspeed::pager::VersionPager;
use crate::lightspeed::{ApiError, Client};
use crate::source::SendFrsSettings;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterOption {
    pub id: String,
    pub name: String,
    pub outlet_id: String,
    /// The outlet's name, when the store lists it.
    pub outlet_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserOption {
    pub id: String,
    /// Display name, else username.
    pub name: String,
    pub username: String,
    pub account_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxOption {
    pub id: String,
    pub name: String,
    /// Sum of the tax's component rates (0.08875 = 8.875 %).
    pub rate: f64,
    pub is_default: bool,
}

/// A product that can carry shipping costs: one without inventory whose SKU or name says
/// shipping (any live product id is accepted as the Shipping Product ID).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductOption {
    pub id: String,
    pub sku: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentTypeOption {
    pub id: String,
    pub name: String,
    /// Disabled payment types are listed but refused as the Payment Type ID.
    pub disabled: bool,
}

/// An outlet, for Primary's quantity outlet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutletOption {
    pub id: String,
    pub name: String,
}

/// What the Send FRs settings (and Primary's quantity outlet) can be set to, read live from
/// the store (deleted records left out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StoreOptions {
    pub registers: Vec<RegisterOption>,
    pub users: Vec<UserOption>,
    pub taxes: Vec<TaxOption>,
    pub payment_types: Vec<PaymentTypeOption>,
    #[serde(default)]
    pub shipping_products: Vec<ProductOption>,
    /// Empty when the token may not read outlets.
    #[serde(default)]
    pub outlets: Vec<OutletOption>,
}

/// Every register, user, tax and payment type of the store (all pages), deleted ones
/// skipped. Outlet names are added to registers when the token may read outlets.
pub async fn store_options(client: &Client) -> Result<StoreOptions, ApiError> {
    let outlets = match VersionPager::<Outlet>::new(client, "/outlets", None)
        .collect_all()
        .await
    {
        Ok(o) => o,
        // Names are a nicety: a token without outlets:read still gets the options.
        Err(ApiError::Forbidden { .. }) => Vec::new(),
        Err(e) => return Err(e),
    };
    let outlet_name = |id: &str| {
        outlets
            .iter()
            .find(|o| o.id == id && o.deleted_at.is_none())
            .map(|o| o.name.clone())
    };
    let registers = VersionPager::<Register>::new(client, "/registers", None)
        .collect_all()
        .await?
        .into_iter()
        .filter(|r| r.deleted_at.is_none())
        .map(|r| RegisterOption {
            outlet_name: outlet_name(&r.outlet_id),
            id: r.id,
            name: r.name,
            outlet_id: r.outlet_id,
        })
        .collect();
    let users = VersionPager::<User>::new(client, "/users", None)
        .collect_all()
        .await?
        .into_iter()
        .filter(|u| u.deleted_at.is_none())
        .map(|u| UserOption {
            name: user_name(&u),
            id: u.id,
            username: u.username,
            account_type: u.account_type,
        })
        .collect();
    let taxes = VersionPager::<Tax>::new(client, "/taxes", None)
        .collect_all()
        .await?
        .into_iter()
        .filter(|t| t.deleted_at.is_none())
        .map(|t| TaxOption {
            rate: t.rate(),
            name: tax_name(&t),
            id: t.id,
            is_default: t.is_default,
        })
        .collect();
    let payment_types = VersionPager::<PaymentType>::new(client, "/payment_types", None)
        .collect_all()
        .await?
        .into_iter()
        .filter(|p| p.deleted_at.is_none())
        .map(|p| PaymentTypeOption {
            id: p.id,
            name: p.name,
            disabled: p.disabled,
        })
        .collect();
    // `GET /products?sku=` matches a product's SKUs and codes; the usual names are asked.
    let mut shipping_products: Vec<ProductOption> = Vec::new();
    for sku in ["SHIPPING", "shipping", "SHIP", "Shipping"] {
        for p in client.products_by_sku(sku).await? {
            if !p.is_deleted() && !shipping_products.iter().any(|o| o.id == p.id) {
                shipping_products.push(ProductOption {
                    id: p.id,
                    sku: p.sku,
                    name: p.name,
                });
            }
        }
    }
    let outlets = outlets
        .into_iter()
        .filter(|o| o.deleted_at.is_none())
        .map(|o| OutletOption {
            id: o.id,
            name: o.name,
        })
        .collect();
    Ok(StoreOptions {
        registers,
        users,
        taxes,
        payment_types,
        shipping_products,
        outlets,
    })
}

fn user_name(u: &User) -> String {
    u.display_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&u.username)
        .to_string()
}

fn tax_name(t: &Tax) -> String {
    if t.name.trim().is_empty() {
        t.display_name.clone()
    } else {
        t.name.clone()
    }
}

/// The four ids of the Send FRs settings that refer to records in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SendSetting {
    RegisterId,
    UserId,
    TaxId,
    PaymentTypeId,
    ShippingProductId,
}

impl SendSetting {
    pub const ALL: [SendSetting; 5] = [
        SendSetting::RegisterId,
        SendSetting::UserId,
        SendSetting::TaxId,
        SendSetting::PaymentTypeId,
        SendSetting::ShippingProductId,
    ];

    /// As the seed's form names it.
    pub fn label(self) -> &'static str {
        match self {
            SendSetting::RegisterId => "Register ID",
            SendSetting::UserId => "User ID",
            SendSetting::TaxId => "Tax ID",
            SendSetting::PaymentTypeId => "Payment Type ID",
            SendSetting::ShippingProductId => "Shipping Product ID",
        }
    }

    /// The `lsbridge source set` flag.
    pub fn flag(self) -> &'static str {
        match self {
            SendSetting::RegisterId => "--register-id",
            SendSetting::UserId => "--user-id",
            SendSetting::TaxId => "--tax-id",
            SendSetting::PaymentTypeId => "--payment-type-id",
            SendSetting::ShippingProductId => "--shipping-product-id",
        }
    }

    /// What the id names in the store.
    pub fn record(self) -> &'static str {
        match self {
            SendSetting::RegisterId => "register",
            SendSetting::UserId => "user",
            SendSetting::TaxId => "tax",
            SendSetting::PaymentTypeId => "payment type",
            SendSetting::ShippingProductId => "product",
        }
    }

    pub fn required(self) -> bool {
        !matches!(
            self,
            SendSetting::PaymentTypeId | SendSetting::ShippingProductId
        )
    }

    pub fn value(self, s: &SendFrsSettings) -> Option<&str> {
        match self {
            SendSetting::RegisterId => s.register_id.as_deref(),
            SendSetting::UserId => s.user_id.as_deref(),
            SendSetting::TaxId => s.tax_id.as_deref(),
            SendSetting::PaymentTypeId => s.payment_type_id.as_deref(),
            SendSetting::ShippingProductId => s.shipping_product_id.as_deref(),
        }
    }
}

/// Why a setting's id cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Problem {
    /// A required id is not set.
    Missing,
    /// Not shaped like a Lightspeed id (checked before asking the store).
    Malformed,
    /// The store has no such record.
    Unknown,
    /// The record exists but was deleted.
    Deleted { name: String },
    /// A payment type that is switched off in the store.
    Disabled { name: String },
}

/// One setting that cannot be saved, with the value that was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingProblem {
    pub setting: SendSetting,
    pub value: Option<String>,
    pub problem: Problem,
}

impl SettingProblem {
    /// One line naming the setting, the refused value and where to find valid ones
    /// (`lsbridge source options SOURCE`).
    pub fn message(&self, source: &str) -> String {
        let label = self.setting.label();
        let what = self.setting.record();
        let v = crate::excerpt::quoted(self.value.as_deref().unwrap_or(""));
        let options = format!("lsbridge source options {}", shell_word(source));
        match &self.problem {
            Problem::Missing => {
                format!("{label} is required: pick one from `{options}`")
            }
            Problem::Malformed => format!(
                "{label} {v} is not a Lightspeed id (letters, digits, - and _ only): pick one from `{options}`"
            ),
            Problem::Unknown => format!(
                "{label} {v} is not a {what} in this store: pick one from `{options}`"
            ),
            Problem::Deleted { name } => format!(
                "{label} {v} is a deleted {what}{}: pick a current one from `{options}`",
                named(name)
            ),
            Problem::Disabled { name } => format!(
                "{label} {v} is a disabled {what}{}: enable it in Lightspeed or pick another from `{options}`",
                named(name)
            ),
        }
    }
}

impl std::fmt::Display for SettingProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message("NAME"))
    }
}

fn named(name: &str) -> String {
    if name.trim().is_empty() {
        String::new()
    } else {
        format!(" ({name})")
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

/// Why [`validate`] did not accept the settings.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// The store answered, and these settings are wrong (nothing to retry).
    #[error("{} send setting(s) invalid", .0.len())]
    Invalid(Vec<SettingProblem>),
    /// The store could not be asked (unreachable, token rejected, missing scope, …):
    /// the settings were not judged either way.
    #[error(transparent)]
    Store(#[from] ApiError),
}

/// What the checked ids name in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Checked {
    pub register: String,
    pub user: String,
    pub tax: String,
    pub payment_type: Option<String>,
    pub shipping_product: Option<String>,
}

/// Problems that need no store: required ids missing, ids not shaped like ids. In
/// setting order.
pub fn check_local(s: &SendFrsSettings) -> Vec<SettingProblem> {
    SendSetting::ALL
        .into_iter()
        .filter_map(|setting| {
            let value = setting.value(s).map(str::to_string);
            let problem = match value.as_deref().map(str::trim) {
                None | Some("") if setting.required() => Problem::Missing,
                None | Some("") => return None,
                Some(v) if !well_formed(v) => Problem::Malformed,
                Some(_) => return None,
            };
            Some(SettingProblem {
                setting,
                value,
                problem,
            })
        })
        .collect()
}

/// Ids are UUIDs in current stores, numbers in some older ones; anything else (a slash, a
/// space, a quote) would change the request path rather than name a record.
pub(crate) fn well_formed(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks Register ID, User ID and Tax ID (required) and Payment Type ID (if set) against
/// the live store: each must name a record that exists and is not deleted (and a payment
/// type must not be disabled). Registers, users and taxes are read by id (`GET
/// /registers/{id}` …, a 404 means no such record); payment types, which have no by-id
/// endpoint, from the list. All problems are reported together. A failure to ask the store
/// is [`ValidateError::Store`], never reported as an invalid id.
pub async fn validate(client: &Client, s: &SendFrsSettings) -> Result<Checked, ValidateError> {
    let mut problems = check_local(s);
    let mut checked = Checked::default();
    let flagged = |setting: SendSetting, problems: &[SettingProblem]| {
        problems.iter().any(|p| p.setting == setting)
    };
    for setting in [
        SendSetting::RegisterId,
        SendSetting::UserId,
        SendSetting::TaxId,
    ] {
        if flagged(setting, &problems) {
            continue;
        }
        let Some(id) = setting.value(s).map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        let found = match setting {
            SendSetting::RegisterId => by_id::<Register>(client, "registers", id)
                .await?
                .map(|r| (r.name, r.deleted_at.is_some())),
            SendSetting::UserId => by_id::<User>(client, "users", id)
                .await?
                .map(|u| (user_name(&u), u.deleted_at.is_some())),
            _ => by_id::<Tax>(client, "taxes", id)
                .await?
                .map(|t| (tax_name(&t), t.deleted_at.is_some())),
        };
        let problem = match found {
            None => Some(Problem::Unknown),
            Some((name, true)) => Some(Problem::Deleted { name }),
            Some((name, false)) => {
                match setting {
                    SendSetting::RegisterId => checked.register = name,
                    SendSetting::UserId => checked.user = name,
                    _ => checked.tax = name,
                }
                None
            }
        };
        if let Some(problem) = problem {
            problems.push(SettingProblem {
                setting,
                value: Some(id.to_string()),
                problem,
            });
        }
    }
    let pt = SendSetting::PaymentTypeId;
    if let Some(id) = pt
        .value(s)
        .map(str::trim)
        .filter(|v| !v.is_empty() && !flagged(pt, &problems))
    {
        let all = VersionPager::<PaymentType>::new(client, "/payment_types", None)
            .include_deleted(true)
            .collect_all()
            .await?;
        // A deleted row and a live one may share the id only in a confused store; the
        // live one wins.
        let live = all.iter().find(|p| p.id == id && p.deleted_at.is_none());
        let problem = match (live, all.iter().find(|p| p.id == id)) {
            (Some(p), _) if p.disabled => Some(Problem::Disabled {
                name: p.name.clone(),
            }),
            (Some(p), _) => {
                checked.payment_type = Some(p.name.clone());
                None
            }
            (None, Some(p)) => Some(Problem::Deleted {
                name: p.name.clone(),
            }),
            (None, None) => Some(Problem::Unknown),
        };
        if let Some(problem) = problem {
            problems.push(SettingProblem {
                setting: pt,
                value: Some(id.to_string()),
                problem,
            });
        }
    }
    let sp = SendSetting::ShippingProductId;
    if let Some(id) = sp
        .value(s)
        .map(str::trim)
        .filter(|v| !v.is_empty() && !flagged(sp, &problems))
    {
        let found = by_id::<Product>(client, "products", id).await?;
        let problem = match found {
            // An answer about another product is no answer about this one.
            Some(p) if p.id != id => Some(Problem::Unknown),
            None => Some(Problem::Unknown),
            Some(p) if p.is_deleted() => Some(Problem::Deleted { name: p.name }),
            Some(p) if !p.active => Some(Problem::Disabled { name: p.name }),
            Some(p) => {
                checked.shipping_product = Some(p.name);
                None
            }
        };
        if let Some(problem) = problem {
            problems.push(SettingProblem {
                setting: sp,
                value: Some(id.to_string()),
                problem,
            });
        }
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        problems.sort_by_key(|p| SendSetting::ALL.iter().position(|s| *s == p.setting));
        Err(ValidateError::Invalid(problems))
    }
}

/// `GET /{collection}/{id}`: `None` when the store says there is no such record (404, or
/// 400/422 for an id it cannot parse). An answer about another record, or with no id, is
/// [`ApiError::Unclear`]: the setting is then not judged, never taken as valid.
pub(crate) async fn by_id<T: serde::de::DeserializeOwned + Versioned>(
    client: &Client,
    collection: &str,
    id: &str,
) -> Result<Option<T>, ApiError> {
    match client.record::<T>(collection, id).await {
        Ok(r) => Ok(r),
        Err(ApiError::Rejected { status, .. }) if status == 400 || status == 422 => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(r: Option<&str>, u: Option<&str>, t: Option<&str>) -> SendFrsSettings {
        SendFrsSettings {
            register_id: r.map(str::to_string),
            user_id: u.map(str::to_string),
            tax_id: t.map(str::to_string),
            ..SendFrsSettings::default()
        }
    }

    #[test]
    fn missing_and_malformed_are_found_without_the_store() {
        let p = check_local(&settings(None, Some(" "), Some("abc-123")));
        let got: Vec<(SendSetting, &Problem)> = p.iter().map(|p| (p.setting, &p.problem)).collect();
        assert_eq!(
            got,
            vec![
                (SendSetting::RegisterId, &Problem::Missing),
                (SendSetting::UserId, &Problem::Missing)
            ]
        );
        assert_eq!(
            p[0].message("harbor"),
            "Register ID is required: pick one from `lsbridge source options harbor`"
        );
        let mut s = settings(Some("a/b"), Some("u"), Some("t"));
        s.payment_type_id = Some("x y".into());
        let p = check_local(&s);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].problem, Problem::Malformed);
        assert_eq!(p[1].setting, SendSetting::PaymentTypeId);
        assert!(p[1]
            .message("my shop")
            .contains("`lsbridge source options 'my shop'`"));
        assert!(check_local(&settings(Some("1"), Some("2"), Some("3"))).is_empty());
    }

    #[test]
    fn messages_name_the_setting_value_and_where_to_look() {
        let p = SettingProblem {
            setting: SendSetting::TaxId,
            value: Some("nope".into()),
            problem: Problem::Unknown,
        };
        assert_eq!(
            p.message("harbor"),
            "Tax ID \"nope\" is not a tax in this store: pick one from `lsbridge source options harbor`"
        );
        let p = SettingProblem {
            setting: SendSetting::PaymentTypeId,
            value: Some("x".into()),
            problem: Problem::Disabled {
                name: "Check".into(),
            },
        };
        assert!(p.to_string().starts_with(
            "Payment Type ID \"x\" is a disabled payment type (Check): enable it in Lightspeed"
        ));
    }
}
