//! Why the engine refused a request, as data. Front ends word it themselves and point at the
//! field it concerns from the typed ids here, never from the text: `Display` keeps the one
//! line a front end that only prints it shows.

use serde::{Deserialize, Serialize};

use crate::connections::ConnectionError;
use crate::integration::Integration;
use crate::lightspeed::api_root::RootError;
use crate::mapping::ValidationIssue;
use crate::source::SourceError;
use crate::templates::TemplateError;

/// A field of a connection as `AddConnection` sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionField {
    Name,
    DomainPrefix,
    Token,
    ApiRoot,
    ApiVersion,
}

/// Which field of what was sent a refusal concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "of", content = "field")]
pub enum FieldId {
    Connection(ConnectionField),
    /// A source setting, by the id validation gives it ([`crate::source::validate::Issue`]'s
    /// `setting`, e.g. "Register ID").
    Source(String),
}

/// One source setting that cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingIssue {
    /// The setting's id, as [`FieldId::Source`] holds it.
    pub setting: String,
    pub message: String,
}

/// What a "not found" is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Thing {
    Source,
    Connection,
    Template,
    Fr,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "error")]
pub enum EngineError {
    /// A mapping template that does not validate: each issue names its target field.
    InvalidTemplate {
        template: String,
        issues: Vec<ValidationIssue>,
    },
    /// Source settings that cannot work: nothing was saved.
    InvalidSource { issues: Vec<SettingIssue> },
    /// One field of what was sent is refused.
    Rejected { field: FieldId, message: String },
    /// No such thing: `name` is what was asked for.
    NotFound {
        what: Thing,
        name: String,
        message: String,
    },
    /// The name is taken by another thing of its kind.
    InUse {
        what: Thing,
        name: String,
        message: String,
    },
    /// `CancelJob` for an integration that is not running.
    NotRunning {
        source: String,
        integration: Integration,
    },
    /// The local store failed.
    Store { cause: String },
    /// The store's API failed or refused.
    Api { cause: String },
    /// The daemon could not answer (connection lost, answer too large, too many requests).
    Unavailable { message: String },
    /// Anything else refused (a job that cannot start, an FR move the state machine
    /// refuses, a file that cannot be imported), in one line saying what to do.
    Refused { message: String },
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineError::InvalidTemplate { template, issues } => write!(
                f,
                "template {template:?} is not valid: {}",
                issues
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            EngineError::InvalidSource { issues } => write!(
                f,
                "nothing saved: {}",
                issues
                    .iter()
                    .map(|i| i.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            EngineError::Rejected { message, .. }
            | EngineError::NotFound { message, .. }
            | EngineError::InUse { message, .. }
            | EngineError::Unavailable { message }
            | EngineError::Refused { message } => f.write_str(message),
            EngineError::NotRunning {
                source,
                integration,
            } => write!(f, "{} for {source} is not running", integration.label()),
            EngineError::Store { cause } | EngineError::Api { cause } => f.write_str(cause),
        }
    }
}

impl std::error::Error for EngineError {}

impl EngineError {
    pub fn refused(message: impl Into<String>) -> EngineError {
        EngineError::Refused {
            message: message.into(),
        }
    }

    pub fn unavailable(message: impl Into<String>) -> EngineError {
        EngineError::Unavailable {
            message: message.into(),
        }
    }

    /// The field it concerns, if one.
    pub fn field(&self) -> Option<&FieldId> {
        match self {
            EngineError::Rejected { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl From<super::jobs::Refusal> for EngineError {
    fn from(r: super::jobs::Refusal) -> Self {
        EngineError::Refused { message: r.0 }
    }
}

impl From<String> for EngineError {
    fn from(message: String) -> Self {
        EngineError::Refused { message }
    }
}

impl From<crate::store::StoreError> for EngineError {
    fn from(e: crate::store::StoreError) -> Self {
        EngineError::Store {
            cause: e.to_string(),
        }
    }
}

impl From<crate::lightspeed::ApiError> for EngineError {
    fn from(e: crate::lightspeed::ApiError) -> Self {
        EngineError::Api {
            cause: e.to_string(),
        }
    }
}

impl From<SourceError> for EngineError {
    fn from(e: SourceError) -> Self {
        let message = e.to_string();
        let name_field = |message| EngineError::Rejected {
            field: FieldId::Source(crate::source::validate::NAME.to_string()),
            message,
        };
        match e {
            SourceError::NameEmpty | SourceError::NameBad(_) => name_field(message),
            SourceError::Exists(name) => EngineError::InUse {
                what: Thing::Source,
                name,
                message,
            },
            SourceError::Missing(name) => EngineError::NotFound {
                what: Thing::Source,
                name,
                message,
            },
            SourceError::Store(e) => e.into(),
        }
    }
}

impl From<ConnectionError> for EngineError {
    fn from(e: ConnectionError) -> Self {
        let message = e.to_string();
        let rejected = |field| EngineError::Rejected {
            field: FieldId::Connection(field),
            message: message.clone(),
        };
        match e {
            ConnectionError::NameEmpty | ConnectionError::NameBad(_) => {
                rejected(ConnectionField::Name)
            }
            ConnectionError::Exists(name) => EngineError::InUse {
                what: Thing::Connection,
                name,
                message,
            },
            ConnectionError::Missing(name) => EngineError::NotFound {
                what: Thing::Connection,
                name,
                message,
            },
            ConnectionError::Root(r) => rejected(match r {
                RootError::BadPrefix(_) => ConnectionField::DomainPrefix,
                RootError::BadVersion(_) => ConnectionField::ApiVersion,
                RootError::BadUrl(_) | RootError::InsecureRemote(_) | RootError::UserInfo(_) => {
                    ConnectionField::ApiRoot
                }
            }),
            ConnectionError::Token(_) => rejected(ConnectionField::Token),
            // Removing a connection that sources use: refused, naming them.
            ConnectionError::InUse { .. } => EngineError::Refused { message },
            ConnectionError::Store(e) => e.into(),
            ConnectionError::Api(e) => e.into(),
        }
    }
}

impl From<TemplateError> for EngineError {
    fn from(e: TemplateError) -> Self {
        match e {
            TemplateError::Invalid { name, issues } => EngineError::InvalidTemplate {
                template: name,
                issues,
            },
            TemplateError::Missing(name) => EngineError::NotFound {
                what: Thing::Template,
                message: TemplateError::Missing(name.clone()).to_string(),
                name,
            },
            TemplateError::Store(e) => e.into(),
            other => EngineError::refused(other.to_string()),
        }
    }
}

impl From<crate::frs::FrError> for EngineError {
    fn from(e: crate::frs::FrError) -> Self {
        match e {
            crate::frs::FrError::NotFound { ref number, .. } => EngineError::NotFound {
                what: Thing::Fr,
                name: number.clone(),
                message: e.to_string(),
            },
            crate::frs::FrError::Store(e) => e.into(),
            other => EngineError::refused(other.to_string()),
        }
    }
}

impl From<crate::frs::IntakeError> for EngineError {
    fn from(e: crate::frs::IntakeError) -> Self {
        match e {
            crate::frs::IntakeError::Store(e) => e.into(),
            crate::frs::IntakeError::Fr(e) => e.into(),
            other => EngineError::refused(other.to_string()),
        }
    }
}

impl From<crate::jobs::JobError> for EngineError {
    fn from(e: crate::jobs::JobError) -> Self {
        match e {
            crate::jobs::JobError::Api(e) => e.into(),
            crate::jobs::JobError::Store(e) => e.into(),
            other => EngineError::refused(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_keeps_the_domain_wording_and_serde_round_trips() {
        let e: EngineError = ConnectionError::Root(RootError::BadPrefix("x y".into())).into();
        assert_eq!(
            e.field(),
            Some(&FieldId::Connection(ConnectionField::DomainPrefix))
        );
        assert_eq!(
            e.to_string(),
            ConnectionError::Root(RootError::BadPrefix("x y".into())).to_string()
        );
        let t = EngineError::InvalidTemplate {
            template: "T".into(),
            issues: vec![ValidationIssue {
                field: "SKU".into(),
                message: "required".into(),
            }],
        };
        assert_eq!(t.to_string(), "template \"T\" is not valid: SKU: required");
        for e in [e, t] {
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(serde_json::from_str::<EngineError>(&json).unwrap(), e);
        }
    }
}
