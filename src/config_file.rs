//! `lsbridge config export|import`: sources, connections (never their tokens), templates and
//! mapping sets as one TOML document, so a setup can live in git and be restored elsewhere.

use serde::{Deserialize, Serialize};

use crate::connections::{Connection, Connections, NewConnection};
use crate::mapping::{MappingSet, Template};
use crate::sources::{Source, Sources};
use crate::store::Store;
use crate::templates::Templates;

/// A connection without its secret. `token` is kept only when it is an `env:VAR` reference,
/// which names where the secret lives rather than being one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedConnection {
    pub name: String,
    pub domain_prefix: String,
    pub api_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_root: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ConfigFile {
    pub connections: Vec<ExportedConnection>,
    pub sources: Vec<Source>,
    pub templates: Vec<Template>,
    pub mapping_sets: Vec<MappingSet>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Parse(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

pub fn export(store: &Store) -> Result<String, ConfigError> {
    let conns = Connections::open(store)?
        .list()
        .map_err(|e| ConfigError::Invalid(e.to_string()))?;
    let file = ConfigFile {
        connections: conns
            .into_iter()
            .map(|c| ExportedConnection {
                token: c.token.is_env_ref().then(|| c.token.masked()),
                name: c.name,
                domain_prefix: c.domain_prefix,
                api_version: c.api_version,
                api_root: c.api_root,
            })
            .collect(),
        sources: Sources::open(store)?
            .list()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?,
        templates: Templates::open(store)?.list()?,
        mapping_sets: Templates::open(store)?.sets()?,
    };
    toml::to_string_pretty(&file)
        .map_err(|e| ConfigError::Invalid(format!("cannot write TOML: {e}")))
}

/// The one source validation ([`crate::source_validate`]) of every source in the file, before
/// anything is written: settings that cannot work are refused; ids that changed (Send FRs
/// ids, quantity outlets) are checked against the store through the source's connection
/// (stored, or added by this file). A store that cannot be asked does not stop the import,
/// as in the TUI: the report says what was not checked.
fn check_sources(
    store: &Store,
    file: &ConfigFile,
    connections: &Connections,
) -> Result<Vec<String>, ConfigError> {
    use crate::source_validate::{self as v, StoreCheckError, StoreChecks};
    let mut notes = Vec::new();
    let sources = Sources::open(store)?;
    for s in &file.sources {
        let issues = v::check_local(s);
        if !issues.is_empty() {
            return Err(ConfigError::Invalid(format!(
                "source {}: {}; nothing imported",
                crate::excerpt::quoted(&s.name),
                v::join(&issues)
            )));
        }
        let previous = sources.by_name(&s.name).ok();
        let checks = StoreChecks::needed(s, previous.as_ref());
        let Some(conn_name) = s.connection.as_deref().filter(|_| checks.any()) else {
            continue;
        };
        let conn = match connections.get(conn_name) {
            Ok(c) => Some(c),
            Err(_) => file
                .connections
                .iter()
                .find(|c| c.name == conn_name)
                .and_then(|c| {
                    let token = c.token.clone()?;
                    Connection::build(NewConnection {
                        name: c.name.clone(),
                        domain_prefix: c.domain_prefix.clone(),
                        token,
                        api_version: Some(c.api_version.clone()),
                        api_root: c.api_root.clone(),
                    })
                    .ok()
                    .map(|(c, _)| c)
                }),
        };
        let checked = match conn.map(|c| c.client(v::quick_client_options())) {
            Some(Ok(client)) => v::check_store_blocking(&client, s, checks),
            Some(Err(e)) => Err(StoreCheckError::Unavailable(e.to_string())),
            None => Err(StoreCheckError::Unavailable(format!(
                "connection {conn_name:?} is not available"
            ))),
        };
        match checked {
            Ok(_) => {}
            Err(StoreCheckError::Invalid(issues)) => {
                let wrong: Vec<_> = issues.into_iter().filter(|i| !i.missing).collect();
                if !wrong.is_empty() {
                    return Err(ConfigError::Invalid(format!(
                        "source {}: {}; nothing imported",
                        crate::excerpt::quoted(&s.name),
                        v::join(&wrong)
                    )));
                }
            }
            Err(e) => notes.push(format!(
                "source {:?}: its store ids were not checked against the store ({}): check them with lsbridge source show {}",
                s.name,
                crate::excerpt::excerpt_n(&e.to_string(), 300),
                s.name
            )),
        }
    }
    Ok(notes)
}

/// What an import did, one line each.
pub fn import(store: &Store, text: &str) -> Result<Vec<String>, ConfigError> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| {
        ConfigError::Parse(format!(
            "not a valid lsbridge config ({}): fix it and import it again",
            crate::excerpt::toml_error(text, &e)
        ))
    })?;
    // Validate everything before writing anything.
    let templates = Templates::open(store)?;
    let mut sets = templates.sets()?;
    for s in &file.mapping_sets {
        sets.retain(|x| x.name != s.name);
        sets.push(s.clone());
    }
    for t in &file.templates {
        let issues = crate::mapping::validate(t, &sets);
        if !issues.is_empty() {
            let list: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
            return Err(ConfigError::Invalid(format!(
                "template {} is not valid: {}",
                crate::excerpt::quoted(&t.name),
                crate::excerpt::excerpt_n(&list.join("; "), 600)
            )));
        }
    }
    let connections = Connections::open(store)?;
    let mut report = check_sources(store, &file, &connections)?;
    for c in &file.connections {
        if connections.get(&c.name).is_ok() {
            report.push(format!(
                "connection {:?}: kept the existing one (with its token)",
                c.name
            ));
            continue;
        }
        let Some(token) = &c.token else {
            report.push(format!(
                "connection {:?}: not imported, an export carries no token: lsbridge connection add --name {} --domain-prefix {} --token env:VAR",
                c.name, c.name, c.domain_prefix
            ));
            continue;
        };
        let (conn, _) = Connection::build(NewConnection {
            name: c.name.clone(),
            domain_prefix: c.domain_prefix.clone(),
            token: token.clone(),
            api_version: Some(c.api_version.clone()),
            api_root: c.api_root.clone(),
        })
        .map_err(|e| ConfigError::Invalid(format!("connection {:?}: {e}", c.name)))?;
        connections
            .add(&conn)
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        report.push(format!("connection {:?}: added", c.name));
    }
    for s in &file.mapping_sets {
        templates.save_set(s)?;
        report.push(format!(
            "mapping set {:?}: saved ({} rows)",
            s.name,
            s.rows.len()
        ));
    }
    for t in &file.templates {
        templates
            .save(t)
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        report.push(format!("template {:?}: saved", t.name));
    }
    let sources = Sources::open(store)?;
    for s in &file.sources {
        match sources.by_name(&s.name) {
            Ok(existing) => {
                let mut s = s.clone();
                s.id = existing.id;
                sources
                    .save(&s)
                    .map_err(|e| ConfigError::Invalid(e.to_string()))?;
                report.push(format!("source {:?}: updated", s.name));
            }
            Err(_) => {
                let added = sources
                    .add(s.clone())
                    .map_err(|e| ConfigError::Invalid(e.to_string()))?;
                report.push(format!("source {:?}: added", added.name));
            }
        }
    }
    Ok(report)
}
