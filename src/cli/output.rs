//! What the CLI writes: command output that survives a closed stdout (`outln!`), one-line
//! errors, and the failure a command ends with (its exit code and `--json` document).

use std::io::Write;

use crate::cli::exit;
use crate::connections::ConnectionError;
use crate::store;

/// Set once stdout is found closed (`lsbridge fr list | head -1`): later output is dropped.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// A write to stdout that failed for another reason (a full disk): reported at exit.
pub(crate) static STDOUT_ERROR: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// What `outln!`/`out!` call. A reader that stops early is not an error: once stdout is
/// closed, the rest of the output is dropped quietly and the command finishes as it would
/// have (its writes to the store are not cut short). Other write errors end the command with
/// exit 1 at the end.
pub(crate) fn write_out(args: std::fmt::Arguments, newline: bool) {
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut o = std::io::stdout().lock();
    let r = o
        .write_fmt(args)
        .and_then(|()| if newline { o.write_all(b"\n") } else { Ok(()) });
    if let Err(e) = r {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            if let Ok(mut slot) = STDOUT_ERROR.lock() {
                slot.get_or_insert_with(|| e.to_string());
            }
        }
    }
}

/// `eprintln!` that never panics (stderr may be closed too).
pub(crate) fn write_err(args: std::fmt::Arguments) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_fmt(args).and_then(|()| e.write_all(b"\n"));
}

/// `println!` for command output: see [`write_out`].
macro_rules! outln {
    () => {
        $crate::cli::output::write_out(format_args!(""), true)
    };
    ($($t:tt)*) => {
        $crate::cli::output::write_out(format_args!($($t)*), true)
    };
}
/// `print!` for command output: see [`write_out`].
macro_rules! out {
    ($($t:tt)*) => {
        $crate::cli::output::write_out(format_args!($($t)*), false)
    };
}
/// `eprintln!` that never panics.
macro_rules! errln {
    ($($t:tt)*) => {
        $crate::cli::output::write_err(format_args!($($t)*))
    };
}

/// A user-facing failure: one line and an exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    /// Under `--json`: members the failure document carries besides `ok`, `error` and
    /// `exit_code` (e.g. the report of a connection test that found scopes missing), so a
    /// failed command still prints one document with everything it learned.
    pub json: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Failure {
    pub fn usage(m: impl std::fmt::Display) -> Self {
        Failure {
            code: exit::USAGE,
            message: m.to_string(),
            json: None,
        }
    }
    pub fn failed(m: impl std::fmt::Display) -> Self {
        Failure {
            code: exit::FAILURE,
            message: m.to_string(),
            json: None,
        }
    }
    /// Adds members to the `--json` failure document.
    pub fn with_json(mut self, members: serde_json::Map<String, serde_json::Value>) -> Self {
        self.json = Some(members);
        self
    }
}

/// The one document a `--json` command prints on stdout when it fails:
/// `{"ok": false, "error": <the stderr line>, "exit_code": N, …}`.
pub(crate) fn failure_document(
    message: &str,
    code: u8,
    extra: Option<&serde_json::Map<String, serde_json::Value>>,
) -> serde_json::Value {
    let mut doc = serde_json::Map::new();
    doc.insert("ok".into(), false.into());
    doc.insert("error".into(), message.into());
    doc.insert("exit_code".into(), code.into());
    for (k, v) in extra.into_iter().flatten() {
        doc.entry(k.clone()).or_insert_with(|| v.clone());
    }
    serde_json::Value::Object(doc)
}

/// `--json` among the arguments (before a `--`): for failures clap reports before the
/// command is known.
pub(crate) fn args_ask_for_json(args: &[std::ffi::OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| a.as_os_str() != "--")
        .any(|a| a.as_os_str() == "--json")
}

impl From<ConnectionError> for Failure {
    fn from(e: ConnectionError) -> Self {
        let code = match &e {
            ConnectionError::Store(_) | ConnectionError::Api(_) => exit::FAILURE,
            _ => exit::USAGE,
        };
        Failure {
            code,
            message: e.to_string(),
            json: None,
        }
    }
}

impl From<store::StoreError> for Failure {
    fn from(e: store::StoreError) -> Self {
        Failure::failed(e)
    }
}
