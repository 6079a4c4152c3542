//! Changing and removing connections: the rules every front end shares. A changed
//! connection is tested before it is saved (a failed test saves nothing unless asked), a
//! rename moves the sources that use it, and a connection that sources use is not removed.

use super::Engine;
use crate::connections::{Connection, ConnectionChange, ConnectionError, Connections, LastTest};
use crate::lightspeed::probe::{self, ConnectionReport};
use crate::source::Sources;

/// What [`Engine::set_connection`] did.
#[derive(Debug)]
pub enum SetOutcome {
    /// Saved; the test passed (`Ok`) or failed and saving was forced (`Err`).
    Saved {
        connection: Box<Connection>,
        notices: Vec<String>,
        test: Box<Result<ConnectionReport, String>>,
    },
    /// The test of the changed connection failed: nothing was saved.
    TestFailed(String),
}

impl Engine {
    /// Test Connection on a connection as given (saved or not): the store's report, or why
    /// it cannot be used (a token without the scopes the integrations need included).
    pub(super) async fn probe(&self, c: &Connection) -> Result<ConnectionReport, String> {
        let client = c
            .client(self.client_options(&c.name))
            .map_err(|e| e.to_string())?;
        match probe::test_connection(&client).await {
            Ok(r) if r.missing_scopes().is_empty() => Ok(r),
            Ok(r) => Err(format!(
                "the token lacks {}: create a personal token for a user with those permissions",
                r.missing_scopes().join(", ")
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    pub(super) fn last_test(&self, outcome: &Result<ConnectionReport, String>) -> LastTest {
        LastTest {
            at: crate::clock::rfc3339(self.clock().now()),
            ok: outcome.is_ok(),
            // The store's name, so the list can say where a connection leads after a restart.
            summary: match outcome {
                Ok(r) => r.store_name.clone(),
                Err(e) => e.clone(),
            },
            report: outcome.as_ref().ok().cloned(),
        }
    }

    /// Changes a connection's name, domain prefix or token. The changed connection is
    /// tested first; when the test fails nothing is saved unless `force`. A rename moves
    /// every source that uses the connection to the new name.
    pub async fn set_connection(
        &self,
        name: &str,
        change: &ConnectionChange,
        force: bool,
    ) -> Result<SetOutcome, String> {
        let conns = Connections::open(self.store()).map_err(|e| e.to_string())?;
        let old = conns.get(name).map_err(|e| e.to_string())?;
        let (mut new, notices) = old.with_change(change).map_err(|e| e.to_string())?;
        let renamed = new.name != old.name;
        if renamed && conns.get(&new.name).is_ok() {
            return Err(ConnectionError::Exists(new.name.clone()).to_string());
        }
        let test = self.probe(&new).await;
        if let Err(why) = &test {
            if !force {
                return Ok(SetOutcome::TestFailed(why.clone()));
            }
        }
        new.last_test = Some(self.last_test(&test));
        conns.save(&new).map_err(|e| e.to_string())?;
        if renamed {
            let sources = Sources::open(self.store()).map_err(|e| e.to_string())?;
            for mut s in sources.list().map_err(|e| e.to_string())? {
                if s.connection.as_deref() == Some(name) {
                    s.connection = Some(new.name.clone());
                    sources.save(&s).map_err(|e| e.to_string())?;
                }
            }
            conns.remove(name).map_err(|e| e.to_string())?;
            // The old name's governor counted this token's requests: keep counting them.
            let mut g = super::lock(&self.inner.governors);
            if let Some(gov) = g.remove(name) {
                g.insert(new.name.clone(), gov);
            }
        }
        self.emit(super::EngineEvent::ConnectionTested {
            name: new.name.clone(),
            result: test
                .as_ref()
                .map(|r| r.store_name.clone())
                .map_err(Clone::clone),
        });
        Ok(SetOutcome::Saved {
            connection: Box::new(new),
            notices,
            test: Box::new(test),
        })
    }

    /// Removes a connection, refused while sources use it (naming them).
    pub fn remove_connection(&self, name: &str) -> Result<(), String> {
        let e = |x: &dyn std::fmt::Display| x.to_string();
        let conns = Connections::open(self.store()).map_err(|x| e(&x))?;
        conns.get(name).map_err(|x| e(&x))?;
        let users: Vec<String> = Sources::open(self.store())
            .map_err(|x| e(&x))?
            .list()
            .map_err(|x| e(&x))?
            .into_iter()
            .filter(|s| s.connection.as_deref() == Some(name))
            .map(|s| s.name)
            .collect();
        if !users.is_empty() {
            return Err(ConnectionError::InUse {
                name: name.to_string(),
                sources: users,
            }
            .to_string());
        }
        conns.remove(name).map_err(|x| e(&x))
    }
}
