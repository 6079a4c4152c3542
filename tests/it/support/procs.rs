//! Real processes for end-to-end tests: the simulator as a child, and lsbridge commands.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_lsbridge")
}

/// `lsbridge sim` on a free port; killed when dropped.
pub struct SimProc {
    child: Child,
    pub origin: String,
}

impl SimProc {
    pub fn start(args: &[&str]) -> SimProc {
        let mut child = Command::new(bin())
            .args(["sim", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn lsbridge sim");
        let out = child.stdout.take().expect("stdout");
        let mut first = String::new();
        BufReader::new(out)
            .read_line(&mut first)
            .expect("first line");
        let origin = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_string();
        SimProc { child, origin }
    }
}

impl Drop for SimProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn lsbridge(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run lsbridge")
}

pub fn ok(data_dir: &Path, args: &[&str]) -> String {
    let o = lsbridge(data_dir, args);
    assert!(
        o.status.success(),
        "lsbridge {args:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The JSON objects `lsbridge run … --progress jsonl` prints on stdout, one per line, as they
/// come. Tests read this stream rather than the human lines, so rewording a line breaks none.
pub fn jsonl_events(
    child: &mut std::process::Child,
) -> impl Iterator<Item = serde_json::Value> + use<> {
    use std::io::{BufRead, BufReader};
    BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .map(|l| serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
}

/// The job event of one kind (`progress`, `log`, `finished`, …) inside a stream object.
pub fn job_event<'a>(v: &'a serde_json::Value, kind: &str) -> Option<&'a serde_json::Value> {
    // {"at": …, "event": {"type": "job", "source": …, "kind": …, "event": {"event": KIND, …}}}
    let e = &v["event"];
    (e["type"] == "job" && e["event"]["event"] == kind).then(|| &e["event"])
}
