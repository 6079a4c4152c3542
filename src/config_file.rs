//! `lsbridge config export|import`: sources, connections (never their tokens), templates and
//! mapping sets as one TOML document, so a setup can live in git and be restored elsewhere.

use serde::{Deserialize, Serialize};

use crate::connections::{Connection, Connections, NewConnection};
use crate::mapping::{MappingSet, Template};
use crate::source::{Source, Sources};
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

/// The one source validation ([`crate::source::validate`]) of every source in the file, before
/// anything is written: settings that cannot work are refused; ids that changed (Send FRs
/// ids, quantity outlets) are checked against the store through the source's connection
/// (stored, or added by this file). A store that cannot be asked does not stop the import,
/// as in the TUI: the report says what was not checked.
fn check_sources(
    store: &Store,
    file: &ConfigFile,
    connections: &Connections,
    sets: &[&str],
) -> Result<Vec<String>, ConfigError> {
    use crate::source::validate::{self as v, StoreCheckError, StoreChecks};
    let mut notes = Vec::new();
    let sources = Sources::open(store)?;
    for s in &file.sources {
        let mut issues = v::check_local(s);
        issues.extend(v::check_references(s, sets));
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

/// What an import did, one line each. Unknown keys are refused (see [`import_with`]).
pub fn import(store: &Store, text: &str) -> Result<Vec<String>, ConfigError> {
    import_with(store, text, false)
}

/// [`import`], with `allow_unknown` to import a file with keys this version does not know
/// (each one is named in the report) instead of refusing it.
pub fn import_with(
    store: &Store,
    text: &str,
    allow_unknown: bool,
) -> Result<Vec<String>, ConfigError> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| {
        ConfigError::Parse(format!(
            "not a valid lsbridge config ({}): fix it and import it again",
            crate::excerpt::toml_error(text, &e)
        ))
    })?;
    // Validate everything before writing anything.
    let unknown = unknown_keys::<ConfigFile>(text);
    if !unknown.is_empty() && !allow_unknown {
        return Err(ConfigError::Parse(unknown_keys_error("config", &unknown)));
    }
    for s in &file.mapping_sets {
        crate::templates::check_set_name(&s.name)
            .map_err(|e| ConfigError::Invalid(format!("{e}; nothing imported")))?;
    }
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
    let mut report: Vec<String> = unknown
        .iter()
        .map(|k| format!("ignored unknown key {} (line {})", k.path, k.line))
        .collect();
    let set_names: Vec<&str> = sets.iter().map(|m| m.name.as_str()).collect();
    report.extend(check_sources(store, &file, &connections, &set_names)?);
    // Every connection is built (validated) before the first one is added.
    let mut new_connections = Vec::new();
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
        .map_err(|e| {
            ConfigError::Invalid(format!("connection {:?}: {e}; nothing imported", c.name))
        })?;
        new_connections.push(conn);
    }
    for conn in new_connections {
        connections
            .add(&conn)
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        report.push(format!("connection {:?}: added", conn.name));
    }
    for s in &file.mapping_sets {
        templates
            .save_set(s)
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
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

// ---------------------------------------------------------------------------------------------
// Unknown keys

/// A key in a TOML file that the type it is read as does not have (a misspelling, or a
/// setting of another version): it would be dropped without a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    /// Dotted, with array indices: `sources[0].ship_from.zip`.
    pub path: String,
    /// 1-based line of the key in the file.
    pub line: usize,
}

/// Keys whose values tell the variant of an internally tagged enum: tables that differ in
/// them are different shapes, even with the same keys.
const TAG_KEYS: [&str; 3] = ["kind", "state", "type"];

#[derive(Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

fn value_at<'a>(v: &'a mut toml::Value, path: &[Seg]) -> Option<&'a mut toml::Value> {
    path.iter().try_fold(v, |v, seg| match (seg, v) {
        (Seg::Key(k), toml::Value::Table(t)) => t.get_mut(k),
        (Seg::Index(i), toml::Value::Array(a)) => a.get_mut(*i),
        _ => None,
    })
}

fn show_path(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Finds the keys of `text` that reading it as `T` ignores. A key is known when `T` fails to
/// read the file with that key's value swapped for one of another shape (so serde did look at
/// it); an ignored key makes no difference. Tables of the same shape at the same place (the
/// rows of a mapping set) are probed once. Nothing is reported for a file that does not parse:
/// the parse error says more.
pub fn unknown_keys<T: serde::de::DeserializeOwned>(text: &str) -> Vec<UnknownKey> {
    let Ok(root) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    let mut doc = toml::Value::Table(root);
    if doc.clone().try_into::<T>().is_err() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut known: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    let mut stack: Vec<Vec<Seg>> = vec![Vec::new()];
    while let Some(path) = stack.pop() {
        let Some(here) = value_at(&mut doc, &path).cloned() else {
            continue;
        };
        match here {
            toml::Value::Array(a) => {
                for i in (0..a.len()).rev() {
                    let mut p = path.clone();
                    p.push(Seg::Index(i));
                    stack.push(p);
                }
            }
            toml::Value::Table(t) => {
                let place: String = path
                    .iter()
                    .map(|s| match s {
                        Seg::Key(k) => format!(".{k}"),
                        Seg::Index(_) => "[]".to_string(),
                    })
                    .collect();
                let mut shape: Vec<String> = t.keys().cloned().collect();
                for tag in TAG_KEYS {
                    if let Some(toml::Value::String(v)) = t.get(tag) {
                        shape.push(format!("{tag}={v}"));
                    }
                }
                let shape = shape.join(",");
                let mut children = Vec::new();
                for (k, v) in &t {
                    let mut p = path.clone();
                    p.push(Seg::Key(k.clone()));
                    let cache = format!("{place}|{shape}|{k}");
                    let is_known = match known.get(&cache) {
                        Some(b) => *b,
                        None => {
                            let b = probe_known::<T>(&doc, &p, v);
                            known.insert(cache, b);
                            b
                        }
                    };
                    if is_known {
                        children.push(p);
                    } else {
                        found.push(p);
                    }
                }
                stack.extend(children.into_iter().rev());
            }
            _ => {}
        }
    }
    let spans = toml::de::DeTable::parse(text).ok();
    let mut out: Vec<UnknownKey> = found
        .iter()
        .map(|p| UnknownKey {
            path: show_path(p),
            line: spans
                .as_ref()
                .and_then(|s| key_offset(s.get_ref(), p))
                .map_or(1, |off| {
                    text[..off.min(text.len())].matches('\n').count() + 1
                }),
        })
        .collect();
    out.sort_by_key(|k| k.line);
    out
}

/// Whether `T` reads the key at `path`: with its value swapped for one of another shape,
/// reading must fail. The read is of the document cut down to the path (other arrays
/// emptied), so a file with a 100,000-row mapping set is not read again for every key.
fn probe_known<T: serde::de::DeserializeOwned>(
    doc: &toml::Value,
    path: &[Seg],
    original: &toml::Value,
) -> bool {
    let poison = match original {
        toml::Value::Table(_) => toml::Value::String("\u{1}".into()),
        _ => {
            let mut t = toml::Table::new();
            t.insert("\u{1}".into(), toml::Value::Boolean(true));
            toml::Value::Table(t)
        }
    };
    let reads = |v: toml::Value| v.try_into::<T>().is_ok();
    let (mut small, small_path) = cut_to(doc, path);
    let probe = |d: &mut toml::Value, p: &[Seg]| match value_at(d, p) {
        Some(slot) => {
            *slot = poison.clone();
            !reads(d.clone())
        }
        None => true,
    };
    if reads(small.clone()) {
        probe(&mut small, &small_path)
    } else {
        // Emptied arrays do not read (a custom deserializer wants items): probe it whole.
        probe(&mut doc.clone(), path)
    }
}

/// `doc` with every array emptied except along `path`, where only the path's element is
/// kept; and `path` with its indices adjusted to that (all 0).
fn cut_to(doc: &toml::Value, path: &[Seg]) -> (toml::Value, Vec<Seg>) {
    fn empty_arrays(v: &toml::Value) -> toml::Value {
        match v {
            toml::Value::Array(_) => toml::Value::Array(Vec::new()),
            toml::Value::Table(t) => toml::Value::Table(
                t.iter()
                    .map(|(k, v)| (k.clone(), empty_arrays(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    fn go(v: &toml::Value, path: &[Seg], out: &mut Vec<Seg>) -> toml::Value {
        let Some((seg, rest)) = path.split_first() else {
            return empty_arrays(v);
        };
        match (seg, v) {
            (Seg::Key(k), toml::Value::Table(t)) => {
                out.push(Seg::Key(k.clone()));
                let mut sub = Vec::new();
                let t: toml::Table = t
                    .iter()
                    .map(|(key, val)| {
                        let val = if key == k {
                            go(val, rest, &mut sub)
                        } else {
                            empty_arrays(val)
                        };
                        (key.clone(), val)
                    })
                    .collect();
                out.extend(sub);
                toml::Value::Table(t)
            }
            (Seg::Index(i), toml::Value::Array(a)) => match a.get(*i) {
                Some(e) => {
                    out.push(Seg::Index(0));
                    toml::Value::Array(vec![go(e, rest, out)])
                }
                None => empty_arrays(v),
            },
            _ => empty_arrays(v),
        }
    }
    let mut out = Vec::new();
    let cut = go(doc, path, &mut out);
    (cut, out)
}

/// Byte offset of the key at `path` in the parsed document.
fn key_offset(table: &toml::de::DeTable<'_>, path: &[Seg]) -> Option<usize> {
    use toml::de::DeValue;
    let (Seg::Key(first), rest) = path.split_first()? else {
        return None;
    };
    let (k, v) = table.iter().find(|(k, _)| k.get_ref().as_ref() == first)?;
    let mut here = v.get_ref();
    let mut offset = k.span().start;
    for seg in rest {
        match (seg, here) {
            (Seg::Index(i), DeValue::Array(a)) => {
                let e = a.get(*i)?;
                here = e.get_ref();
            }
            (Seg::Key(key), DeValue::Table(t)) => {
                let (k, v) = t.iter().find(|(k, _)| k.get_ref().as_ref() == key)?;
                offset = k.span().start;
                here = v.get_ref();
            }
            _ => return None,
        }
    }
    Some(offset)
}

/// The one-line refusal for unknown keys of `what` (e.g. "config"): each key with its line.
pub fn unknown_keys_error(what: &str, keys: &[UnknownKey]) -> String {
    const SHOWN: usize = 5;
    let mut list: Vec<String> = keys
        .iter()
        .take(SHOWN)
        .map(|k| {
            format!(
                "{} (line {})",
                crate::excerpt::excerpt_n(&k.path, 100),
                k.line
            )
        })
        .collect();
    if keys.len() > SHOWN {
        list.push(format!("and {} more", keys.len() - SHOWN));
    }
    if keys.len() == 1 {
        format!(
            "the {what} has an unknown key {}: fix its spelling or remove it, or pass --allow-unknown to ignore it; nothing imported",
            list.join(", ")
        )
    } else {
        format!(
            "the {what} has {} unknown keys: {}: fix their spelling or remove them, or pass --allow-unknown to ignore them; nothing imported",
            keys.len(),
            list.join(", ")
        )
    }
}
