//! What a front end talks to: the engine in this process, or a daemon's engine over its
//! socket. Both answer the same [`Request`]s and stream the same [`EngineEvent`]s, so every
//! screen works the same way in both modes.

use tokio::sync::broadcast;

use super::{Engine, EngineEvent, Request, Response};

#[derive(Clone)]
pub enum Backend {
    /// The engine runs here; closing the front end stops its jobs.
    Local(Engine),
}

impl Backend {
    pub async fn call(&self, req: Request) -> Response {
        match self {
            Backend::Local(e) => e.handle(req).await,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        match self {
            Backend::Local(e) => e.subscribe(),
        }
    }

    /// For the status bar.
    pub fn mode(&self) -> String {
        match self {
            Backend::Local(_) => "in-process".to_string(),
        }
    }

    /// The in-process engine, when there is one (tests wait on it going idle).
    pub fn local(&self) -> Option<&Engine> {
        match self {
            Backend::Local(e) => Some(e),
        }
    }
}
