//! Connections: one per store, shared by every integration of the sources that use it.
//! Persisted in the `connections` tree by name. The token is kept as the user gave it
//! (a literal token or `env:VAR`) and is never shown unmasked.

use serde::{Deserialize, Serialize};

use crate::clock;
use crate::lightspeed::api_root::{normalize_prefix, validate_version, RootError};
use crate::lightspeed::probe::ConnectionReport;
use crate::lightspeed::{ApiError, ApiRoot, Client, ClientOptions, DEFAULT_API_VERSION};
use crate::secret::Token;
use crate::store::{trees, Record, Store, StoreError, Table};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub name: String,
    pub domain_prefix: String,
    pub token: Token,
    #[serde(default = "default_version")]
    pub api_version: String,
    /// Origin override (the simulator, a proxy). `None`: the store's own host.
    #[serde(default)]
    pub api_root: Option<String>,
    #[serde(default)]
    pub created_at: String,
    /// Outcome of the last Test Connection (the status page's "Connected").
    #[serde(default)]
    pub last_test: Option<LastTest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastTest {
    pub at: String,
    pub ok: bool,
    /// One line: the store name, or what failed.
    pub summary: String,
    /// What a passed test found (store, outlets, registers, rate-limit headroom, scopes).
    #[serde(default)]
    pub report: Option<ConnectionReport>,
}

fn default_version() -> String {
    DEFAULT_API_VERSION.to_string()
}

impl Record for Connection {
    const VERSION: u16 = 1;
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("a connection needs a name: pass --name, e.g. --name main-store")]
    NameEmpty,
    #[error("connection name {0:?} is too long or has control characters: use up to 64 printable characters")]
    NameBad(String),
    #[error("a connection named {0:?} already exists: remove it first (lsbridge connection remove {0}) or pick another name")]
    Exists(String),
    #[error("no connection named {0:?}: see lsbridge connection list")]
    Missing(String),
    #[error("connection {name:?} is used by {}: give {} another connection first (lsbridge source set NAME --connection OTHER), then remove it", sources_list(.sources), if .sources.len() == 1 { "it" } else { "them" })]
    InUse { name: String, sources: Vec<String> },
    #[error(transparent)]
    Root(#[from] RootError),
    #[error(transparent)]
    Token(#[from] crate::secret::TokenError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// What `connection add` is given, before validation. Serialisable because an attached TUI
/// sends it to the daemon over the owner-only socket; its `Debug` never shows the token.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct NewConnection {
    pub name: String,
    pub domain_prefix: String,
    pub token: String,
    pub api_version: Option<String>,
    pub api_root: Option<String>,
}

impl std::fmt::Debug for NewConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewConnection")
            .field("name", &self.name)
            .field("domain_prefix", &self.domain_prefix)
            .field("token", &"<redacted>")
            .field("api_version", &self.api_version)
            .field("api_root", &self.api_root)
            .finish()
    }
}

fn sources_list(sources: &[String]) -> String {
    let quoted: Vec<String> = sources.iter().map(|s| format!("{s:?}")).collect();
    match quoted.len() {
        1 => format!("source {}", quoted[0]),
        _ => format!("sources {}", quoted.join(", ")),
    }
}

/// What `connection set` (and the TUI's edit form) changes; `None` keeps the field. Its
/// `Debug` never shows the token.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConnectionChange {
    pub name: Option<String>,
    pub domain_prefix: Option<String>,
    /// A new personal token (or env:VAR): token rotation.
    pub token: Option<String>,
}

impl std::fmt::Debug for ConnectionChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionChange")
            .field("name", &self.name)
            .field("domain_prefix", &self.domain_prefix)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn check_name(name: &str) -> Result<String, ConnectionError> {
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(ConnectionError::NameEmpty);
    }
    if name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(ConnectionError::NameBad(name));
    }
    Ok(name)
}

impl Connection {
    /// This connection with `change` applied, every changed field validated as
    /// [`Connection::build`] does. The last test is dropped: it tested the old settings.
    pub fn with_change(
        &self,
        change: &ConnectionChange,
    ) -> Result<(Connection, Vec<String>), ConnectionError> {
        let mut c = self.clone();
        let mut notices = Vec::new();
        if let Some(n) = &change.name {
            c.name = check_name(n)?;
        }
        if let Some(p) = &change.domain_prefix {
            let prefix = normalize_prefix(p)?;
            if let Some(note) = prefix.notice {
                notices.push(note);
            }
            c.domain_prefix = prefix.prefix;
        }
        if let Some(t) = &change.token {
            c.token = Token::parse(t)?;
        }
        c.last_test = None;
        c.root()?;
        Ok((c, notices))
    }

    /// Validates every field. Returns the connection and notices to show (e.g. a normalised prefix).
    pub fn build(n: NewConnection) -> Result<(Connection, Vec<String>), ConnectionError> {
        let name = check_name(&n.name)?;
        let prefix = normalize_prefix(&n.domain_prefix)?;
        let mut notices = Vec::new();
        if let Some(note) = prefix.notice {
            notices.push(note);
        }
        let api_version = n.api_version.unwrap_or_else(default_version);
        validate_version(&api_version)?;
        let token = Token::parse(&n.token)?;
        let c = Connection {
            name,
            domain_prefix: prefix.prefix,
            token,
            api_version,
            api_root: n.api_root,
            created_at: clock::rfc3339(std::time::SystemTime::now()),
            last_test: None,
        };
        // Validate the override now, not at first use.
        c.root()?;
        Ok((c, notices))
    }

    pub fn root(&self) -> Result<ApiRoot, RootError> {
        match &self.api_root {
            Some(origin) => ApiRoot::with_origin(origin, &self.api_version),
            None => ApiRoot::for_store(&self.domain_prefix, &self.api_version),
        }
    }

    /// Where requests go, for display.
    pub fn endpoint(&self) -> String {
        self.root()
            .map(|r| r.versioned())
            .unwrap_or_else(|e| format!("(invalid: {e})"))
    }

    pub fn client(&self, opts: ClientOptions) -> Result<Client, ConnectionError> {
        Ok(Client::new(self.root()?, self.token.clone(), opts)?)
    }
}

/// Typed access to the `connections` tree.
#[derive(Clone, Debug)]
pub struct Connections {
    table: Table<Connection>,
    store: Store,
}

impl Connections {
    pub fn open(store: &Store) -> Result<Connections, StoreError> {
        Ok(Connections {
            table: store.table(trees::CONNECTIONS)?,
            store: store.clone(),
        })
    }

    pub fn add(&self, c: &Connection) -> Result<(), ConnectionError> {
        if self.table.contains_key(c.name.as_bytes())? {
            return Err(ConnectionError::Exists(c.name.clone()));
        }
        self.table.put(c.name.as_bytes(), c)?;
        self.store.flush()?;
        Ok(())
    }

    pub fn get(&self, name: &str) -> Result<Connection, ConnectionError> {
        self.table
            .get(name.as_bytes())?
            .ok_or_else(|| ConnectionError::Missing(name.to_string()))
    }

    pub fn list(&self) -> Result<Vec<Connection>, ConnectionError> {
        let mut out = Vec::new();
        for row in self.table.iter() {
            out.push(row?.1);
        }
        Ok(out)
    }

    /// Replace a stored connection (e.g. to record a test outcome).
    pub fn save(&self, c: &Connection) -> Result<(), ConnectionError> {
        self.table.put(c.name.as_bytes(), c)?;
        self.store.flush()?;
        Ok(())
    }

    pub fn remove(&self, name: &str) -> Result<(), ConnectionError> {
        if !self.table.remove(name.as_bytes())? {
            return Err(ConnectionError::Missing(name.to_string()));
        }
        self.store.flush()?;
        Ok(())
    }
}
