//! Test Connection: what the store is, how much rate-limit budget is left, and which of the
//! scopes lsbridge needs the token actually has.

use serde::{Deserialize, Serialize};

use super::client::{Client, Req};
use super::error::ApiError;
use super::models::{InventoryRequest, Outlet, Register};
use super::pager::VersionPager;
use super::scopes;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ScopeState {
    Ok,
    Missing,
    /// Write scopes cannot be checked without writing; they are confirmed on first use.
    NotChecked,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeCheck {
    pub scope: String,
    pub purpose: String,
    pub state: ScopeState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionReport {
    pub store_name: String,
    pub domain_prefix: Option<String>,
    pub outlets: Option<usize>,
    pub registers: Option<usize>,
    pub rate_limit: Option<u64>,
    pub rate_remaining: Option<u64>,
    pub scopes: Vec<ScopeCheck>,
}

impl ConnectionReport {
    pub fn missing_scopes(&self) -> Vec<&str> {
        self.scopes
            .iter()
            .filter(|s| s.state == ScopeState::Missing)
            .map(|s| s.scope.as_str())
            .collect()
    }
}

async fn scope_ok<T>(r: Result<T, ApiError>) -> Result<ScopeState, ApiError> {
    match r {
        Ok(_) => Ok(ScopeState::Ok),
        Err(ApiError::Forbidden { .. }) => Ok(ScopeState::Missing),
        Err(e) => Err(e),
    }
}

/// Runs the checks. Authentication and reachability failures are errors; a missing scope
/// is reported in the result.
pub async fn test_connection(client: &Client) -> Result<ConnectionReport, ApiError> {
    let mut checks = Vec::new();
    let mut store_name = String::new();
    let mut domain_prefix = None;
    let mut outlets = None;
    let mut registers = None;
    for (scope, purpose) in scopes::NEEDED {
        let state = match *scope {
            "retailer:read" => match client.retailer().await {
                Ok(r) => {
                    store_name = r.name.unwrap_or_default();
                    domain_prefix = r.domain_prefix;
                    ScopeState::Ok
                }
                Err(ApiError::Forbidden { .. }) => ScopeState::Missing,
                Err(e) => return Err(e),
            },
            "outlets:read" => {
                match VersionPager::<Outlet>::new(client, "/outlets", None)
                    .collect_all()
                    .await
                {
                    Ok(v) => {
                        outlets = Some(v.iter().filter(|o| o.deleted_at.is_none()).count());
                        ScopeState::Ok
                    }
                    Err(ApiError::Forbidden { .. }) => ScopeState::Missing,
                    Err(e) => return Err(e),
                }
            }
            "registers:read" => {
                match VersionPager::<Register>::new(client, "/registers", None)
                    .collect_all()
                    .await
                {
                    Ok(v) => {
                        registers = Some(v.iter().filter(|o| o.deleted_at.is_none()).count());
                        ScopeState::Ok
                    }
                    Err(ApiError::Forbidden { .. }) => ScopeState::Missing,
                    Err(e) => return Err(e),
                }
            }
            "users:read" => scope_ok(client.peek::<serde_json::Value>("/users", 1).await).await?,
            "taxes:read" => scope_ok(client.peek::<serde_json::Value>("/taxes", 1).await).await?,
            "payment_types:read" => {
                scope_ok(client.peek::<serde_json::Value>("/payment_types", 1).await).await?
            }
            "products:read" => {
                scope_ok(client.peek::<serde_json::Value>("/products", 1).await).await?
            }
            "customers:read" => {
                scope_ok(client.peek::<serde_json::Value>("/customers", 1).await).await?
            }
            "sales:read" => scope_ok(client.peek::<serde_json::Value>("/sales", 1).await).await?,
            "inventory:read" => {
                let body = InventoryRequest {
                    size: Some(1),
                    ..InventoryRequest::default()
                };
                let req = Req::get("/inventory").json(reqwest::Method::POST, &body)?;
                scope_ok(client.call::<Vec<serde_json::Value>>(req).await).await?
            }
            _ => ScopeState::NotChecked,
        };
        checks.push(ScopeCheck {
            scope: scope.to_string(),
            purpose: purpose.to_string(),
            state,
        });
    }
    let budget = client.governor().budget();
    Ok(ConnectionReport {
        store_name,
        domain_prefix,
        outlets,
        registers,
        rate_limit: budget.limit,
        rate_remaining: budget.remaining,
        scopes: checks,
    })
}
