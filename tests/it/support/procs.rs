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
