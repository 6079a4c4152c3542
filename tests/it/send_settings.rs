//! Send FRs settings against a live store: `lsbridge source options` and the send-settings
//! flags of `lsbridge source add|set`, as a user runs them (real `lsbridge` processes,
//! a real simulator over loopback), plus the library functions they use.
//!
//! The simulator runs in this process so a test can change the store as the store's own
//! staff would (delete a register, a user, …) between commands.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::simkit;
use lsbridge::lightspeed::ClientOptions;
use lsbridge::sim::{SimHandle, StoreSpec};
use lsbridge::source::send_settings::{self, Problem, SendSetting, ValidateError};
use lsbridge::source::{BusinessHours, Integration, SendFrsSettings, Source, StatusFacts};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_lsbridge");

// The demo store (fixtures/stores/demo).
const MAIN_REGISTER: &str = "4372d80f-c820-5aaa-9268-14f03f6f643e";
const POPUP_REGISTER: &str = "9b412494-350c-5a79-a742-ecc2f39e80b6";
const MAYA: &str = "4b8b8288-fe37-584b-b1c8-b60bf9d0b2c9";
const LUIS: &str = "9e738f21-1e34-5f9e-b376-30cf7ca2e14b";
const NY_TAX: &str = "26bc762a-15e1-510d-8dce-cfb5f80720f6";
const NJ_TAX: &str = "665d33db-91c5-540c-baaf-6889356d67dc";
const CASH: &str = "384be9a1-1683-57da-a5e1-91aee9225b0b";
const WEB_ORDER: &str = "e377a737-d0ec-5c95-8c86-c06069ba9035";
/// Disabled in the demo store.
const CHECK: &str = "072ac531-a8d9-5854-b2eb-ef1daf6a3186";
/// Well-formed, in no store.
const NOWHERE: &str = "00000000-dead-beef-0000-000000000000";

// ---- harness -------------------------------------------------------------------------

/// A demo simulator in this process, a data dir, a connection "demo" to the simulator and
/// a source "harbor" using it.
struct Env {
    rt: tokio::runtime::Runtime,
    sim: Option<SimHandle>,
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sim = rt
            .block_on(SimHandle::start(simkit::config(StoreSpec::Demo)))
            .expect("simulator");
        let dir = tempfile::tempdir().expect("temp dir");
        let env = Env {
            rt,
            sim: Some(sim),
            dir,
        };
        let origin = env.sim().origin();
        env.ok(&[
            "connection",
            "add",
            "--name",
            "demo",
            "--domain-prefix",
            "harborpine",
            "--token",
            simkit::TOKEN,
            "--api-root",
            &origin,
        ]);
        env.ok(&["source", "add", "--name", "harbor", "--connection", "demo"]);
        env
    }

    fn sim(&self) -> &SimHandle {
        self.sim.as_ref().expect("simulator running")
    }

    /// Stops the simulator; its port refuses connections afterwards.
    fn stop_sim(&mut self) {
        if let Some(s) = self.sim.take() {
            self.rt.block_on(s.stop());
        }
    }

    /// Soft-deletes a row of one of the simulator's reference tables.
    fn delete(&self, table: &str, id: &str) {
        self.sim().with_store(|s, rng| {
            let v = s.bump(rng);
            let t = match table {
                "registers" => &mut s.registers,
                "users" => &mut s.users,
                "taxes" => &mut s.taxes,
                "payment_types" => &mut s.payment_types,
                other => panic!("no table {other}"),
            };
            let found = t.update(id, v, |row| {
                if let Some(o) = row.as_object_mut() {
                    o.insert("deleted_at".into(), json!("2026-07-01T12:00:00+00:00"));
                }
            });
            assert!(found, "{table} {id} not in the demo store");
        });
    }

    fn run(&self, args: &[&str]) -> Out {
        run(self.dir.path(), args)
    }

    fn ok(&self, args: &[&str]) -> Out {
        let o = self.run(args);
        assert_eq!(o.code, 0, "lsbridge {args:?}: {o:?}");
        o
    }

    /// The source as `source show --json` reports it.
    fn source(&self) -> Value {
        let o = self.ok(&["source", "show", "harbor", "--json"]);
        serde_json::from_str(&o.stdout).expect("show --json")
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.stop_sim();
    }
}

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn error_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect()
    }
}

fn run(dir: &Path, args: &[&str]) -> Out {
    let o = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("LSBRIDGE_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("run lsbridge");
    let out = Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    assert!(
        !out.stderr.contains("panicked"),
        "lsbridge {args:?} panicked: {}",
        out.stderr
    );
    out
}

fn set<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["source", "set", "harbor"];
    v.extend_from_slice(extra);
    v
}

const VALID: [&str; 6] = [
    "--register-id",
    MAIN_REGISTER,
    "--user-id",
    MAYA,
    "--tax-id",
    NY_TAX,
];

// ---- source options --------------------------------------------------------------------

#[test]
fn options_lists_the_demo_stores_registers_users_taxes_and_payment_types() {
    let env = Env::new();
    let o = env.ok(&["source", "options", "harbor"]);
    for want in [
        "registers (--register-id):",
        &format!("{MAIN_REGISTER}  Main Register  (outlet Main Street Store)"),
        &format!("{POPUP_REGISTER}  Pop-up Register  (outlet Chelsea Market Pop-up)"),
        "users (--user-id):",
        &format!("{MAYA}  Maya Chen  (maya.chen, admin)"),
        &format!("{LUIS}  Luis Ortega"),
        "taxes (--tax-id):",
        &format!("{NY_TAX}  NY Sales Tax  (8.875%, default)"),
        &format!("{NJ_TAX}  NJ Sales Tax  (6.625%)"),
        "No Tax  (0%)",
        "payment types (--payment-type-id, optional):",
        &format!("{CASH}  Cash"),
        &format!("{CHECK}  Check  (disabled: cannot be used)"),
    ] {
        assert!(
            o.stdout.contains(want),
            "missing {want:?} in:\n{}",
            o.stdout
        );
    }

    let o = env.ok(&["source", "options", "harbor", "--json"]);
    let v: Value = serde_json::from_str(&o.stdout).expect("options --json");
    let ids = |k: &str| -> Vec<String> {
        v[k].as_array()
            .expect(k)
            .iter()
            .map(|r| r["id"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(ids("registers"), [MAIN_REGISTER, POPUP_REGISTER]);
    assert_eq!(ids("users").len(), 4);
    assert_eq!(ids("taxes").len(), 3);
    assert_eq!(ids("payment_types").len(), 6);
    assert_eq!(
        v["registers"][0]["outlet_id"],
        "8ed0bab8-e4b0-510f-8898-f79d5cf53fb9"
    );

    // Live: what the store deletes disappears from the options.
    env.delete("registers", POPUP_REGISTER);
    env.delete("users", LUIS);
    let o = env.ok(&["source", "options", "harbor", "--json"]);
    let v: Value = serde_json::from_str(&o.stdout).expect("options --json");
    assert_eq!(v["registers"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["users"].as_array().map(Vec::len), Some(3));
    assert!(!o.stdout.contains(POPUP_REGISTER) && !o.stdout.contains(LUIS));
}

#[test]
fn options_needs_a_source_with_a_reachable_connection() {
    let mut env = Env::new();
    let o = env.run(&["source", "options", "nope"]);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(o.stderr.contains("no source named \"nope\""), "{o:?}");

    env.ok(&["source", "add", "--name", "loose"]);
    let o = env.run(&["source", "options", "loose"]);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(o.stderr.contains("has no connection"), "{o:?}");

    env.stop_sim();
    let o = env.run(&["source", "options", "harbor"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert_eq!(o.error_lines().len(), 1, "{o:?}");
    assert!(
        o.stderr
            .contains("cannot read the store's options through connection \"demo\"")
            && o.stderr.contains("cannot reach"),
        "{o:?}"
    );
}

// ---- saving valid settings -------------------------------------------------------------

#[test]
fn valid_settings_are_checked_and_saved() {
    let env = Env::new();
    let before = env.source();
    assert!(before["status"][2]["configured"]["Err"]
        .as_str()
        .unwrap_or("")
        .contains("Register ID, User ID, Tax ID not set"));

    let mut args = set(&VALID);
    args.extend([
        "--payment-type-id",
        WEB_ORDER,
        "--hold-hours",
        "2",
        "--business-hours",
        "Mon-Fri 9:00-17:00 america/new_york",
    ]);
    let o = env.ok(&args);
    assert!(o.stdout.contains("updated source \"harbor\""), "{o:?}");
    assert!(
        o.stderr.contains(
            "send settings checked against the store: register \"Main Register\", user \"Maya Chen\", tax \"NY Sales Tax\", payment type \"Web Order\""
        ),
        "{o:?}"
    );

    let after = env.source();
    let f = &after["source"]["send_frs"];
    assert_eq!(f["register_id"], MAIN_REGISTER);
    assert_eq!(f["user_id"], MAYA);
    assert_eq!(f["tax_id"], NY_TAX);
    assert_eq!(f["payment_type_id"], WEB_ORDER);
    assert_eq!(f["hold_hours"], 2);
    assert_eq!(
        f["business_hours"],
        json!({"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00", "time_zone": "America/New_York"})
    );
    // The template and the other integrations are untouched.
    assert_eq!(f["template"], before["source"]["send_frs"]["template"]);
    assert_eq!(after["source"]["primary"], before["source"]["primary"]);
    // Configured now; Connected still waits for Test Connection.
    assert!(
        after["status"][2]["configured"].get("Ok").is_some(),
        "{after}"
    );

    let shown = env.ok(&["source", "show", "harbor"]).stdout;
    assert!(
        shown.contains(&format!("register {MAIN_REGISTER}"))
            && shown.contains("hold 2 h")
            && shown.contains("business hours mon-fri 09:00-17:00 America/New_York ("),
        "{shown}"
    );

    // Change one id: the others, already saved, are checked again and kept.
    let o = env.ok(&set(&["--register-id", POPUP_REGISTER]));
    assert!(o.stderr.contains("register \"Pop-up Register\""), "{o:?}");
    // Clear the payment type and the business hours (no store needed for the hours).
    env.ok(&set(&[
        "--payment-type-id",
        "",
        "--no-business-hours",
        "--hold-hours",
        "0",
    ]));
    let f = env.source()["source"]["send_frs"].clone();
    assert_eq!(f["register_id"], POPUP_REGISTER);
    assert_eq!(f["user_id"], MAYA);
    assert_eq!(f["payment_type_id"], Value::Null);
    assert_eq!(f["business_hours"], Value::Null);
    assert_eq!(f["hold_hours"], 0);
}

#[test]
fn source_add_checks_send_settings_too() {
    let env = Env::new();
    let mut args = vec!["source", "add", "--name", "second", "--connection", "demo"];
    args.extend(VALID);
    env.ok(&args);
    let o = env.ok(&["source", "show", "second", "--json"]);
    let v: Value = serde_json::from_str(&o.stdout).expect("json");
    assert_eq!(v["source"]["send_frs"]["tax_id"], NY_TAX);

    let mut args = vec!["source", "add", "--name", "third", "--connection", "demo"];
    args.extend([
        "--register-id",
        NOWHERE,
        "--user-id",
        MAYA,
        "--tax-id",
        NY_TAX,
    ]);
    let o = env.run(&args);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr.contains(&format!("Register ID \"{NOWHERE}\"")),
        "{o:?}"
    );
    let o = env.run(&["source", "show", "third"]);
    assert_eq!(o.code, 2, "the source was not added: {o:?}");
}

// ---- refusing invalid settings -----------------------------------------------------------

#[test]
fn each_unknown_id_is_refused_by_name_and_nothing_is_saved() {
    let env = Env::new();
    env.ok(&set(&VALID));
    let saved = env.source();
    for (flag, label, what) in [
        ("--register-id", "Register ID", "register"),
        ("--user-id", "User ID", "user"),
        ("--tax-id", "Tax ID", "tax"),
        ("--payment-type-id", "Payment Type ID", "payment type"),
    ] {
        let o = env.run(&set(&[flag, NOWHERE, "--hold-hours", "5"]));
        assert_eq!(o.code, 2, "{flag}: {o:?}");
        let lines = o.error_lines();
        assert_eq!(lines.len(), 2, "one problem line and the summary: {o:?}");
        assert_eq!(
            lines[0],
            format!(
                "error: {label} \"{NOWHERE}\" is not a {what} in this store: pick one from `lsbridge source options harbor`"
            )
        );
        assert!(lines[1].contains("nothing saved"), "{o:?}");
        assert_eq!(env.source(), saved, "{flag}: nothing may change");
    }

    // All four wrong at once: one line each, in form order.
    let o = env.run(&set(&[
        "--register-id",
        NOWHERE,
        "--user-id",
        NOWHERE,
        "--tax-id",
        NOWHERE,
        "--payment-type-id",
        NOWHERE,
    ]));
    assert_eq!(o.code, 2, "{o:?}");
    let lines = o.error_lines();
    assert_eq!(lines.len(), 5, "{o:?}");
    for (line, label) in lines
        .iter()
        .zip(["Register ID", "User ID", "Tax ID", "Payment Type ID"])
    {
        assert!(
            line.starts_with(&format!("error: {label} \"{NOWHERE}\"")),
            "{o:?}"
        );
    }
    assert!(
        lines[4].contains("4 send settings of source \"harbor\" are wrong"),
        "{o:?}"
    );
    assert_eq!(env.source(), saved);
}

#[test]
fn deleted_and_disabled_records_are_refused() {
    let env = Env::new();
    env.delete("registers", POPUP_REGISTER);
    env.delete("users", LUIS);
    env.delete("taxes", NJ_TAX);
    env.delete("payment_types", CASH);
    let saved = env.source();
    for (flag, id, want) in [
        (
            "--register-id",
            POPUP_REGISTER,
            format!("Register ID \"{POPUP_REGISTER}\" is a deleted register (Pop-up Register): pick a current one"),
        ),
        (
            "--user-id",
            LUIS,
            format!("User ID \"{LUIS}\" is a deleted user (Luis Ortega)"),
        ),
        (
            "--tax-id",
            NJ_TAX,
            format!("Tax ID \"{NJ_TAX}\" is a deleted tax (NJ Sales Tax)"),
        ),
        (
            "--payment-type-id",
            CASH,
            format!("Payment Type ID \"{CASH}\" is a deleted payment type (Cash)"),
        ),
        (
            "--payment-type-id",
            CHECK,
            format!("Payment Type ID \"{CHECK}\" is a disabled payment type (Check): enable it in Lightspeed"),
        ),
    ] {
        // The other ids are valid, so the one named is the only problem.
        let mut args: Vec<&str> = vec!["source", "set", "harbor"];
        for pair in VALID.chunks(2) {
            if pair[0] != flag {
                args.extend_from_slice(pair);
            }
        }
        args.extend([flag, id]);
        let o = env.run(&args);
        assert_eq!(o.code, 2, "{flag} {id}: {o:?}");
        let lines = o.error_lines();
        assert_eq!(lines.len(), 2, "{o:?}");
        assert!(lines[0].starts_with(&format!("error: {want}")), "{o:?}");
        assert_eq!(env.source(), saved);
    }

    // Ids that were valid when saved are checked again on the next change.
    let env = Env::new();
    env.ok(&set(&VALID));
    env.delete("registers", MAIN_REGISTER);
    let o = env.run(&set(&["--user-id", LUIS]));
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr.contains(&format!(
            "Register ID \"{MAIN_REGISTER}\" is a deleted register"
        )),
        "{o:?}"
    );
    assert_eq!(env.source()["source"]["send_frs"]["user_id"], MAYA);
}

#[test]
fn missing_required_ids_are_named() {
    let env = Env::new();
    let saved = env.source();
    let o = env.run(&set(&["--payment-type-id", WEB_ORDER]));
    assert_eq!(o.code, 2, "{o:?}");
    assert_eq!(
        o.error_lines()[..3],
        [
            "error: Register ID is required: pick one from `lsbridge source options harbor`",
            "error: User ID is required: pick one from `lsbridge source options harbor`",
            "error: Tax ID is required: pick one from `lsbridge source options harbor`",
        ]
    );
    assert_eq!(env.source(), saved);

    let o = env.run(&set(&["--register-id", MAIN_REGISTER, "--tax-id", " "]));
    assert_eq!(o.code, 2, "{o:?}");
    let lines = o.error_lines();
    assert_eq!(lines.len(), 3, "{o:?}");
    assert!(lines[0].starts_with("error: User ID is required"));
    assert!(lines[1].starts_with("error: Tax ID is required"));

    // --no-verify skips the store, not the required ids.
    let o = env.run(&set(&["--register-id", MAIN_REGISTER, "--no-verify"]));
    assert_eq!(o.code, 2, "{o:?}");
    assert!(o.stderr.contains("error: User ID is required"), "{o:?}");
    assert_eq!(env.source(), saved);

    // The status page keeps naming what is missing.
    assert!(saved["status"][2]["configured"]["Err"]
        .as_str()
        .unwrap_or("")
        .contains("Register ID, User ID, Tax ID not set"));
    let shown = env.ok(&["source", "show", "harbor"]).stdout;
    assert!(
        shown.contains("configured: no — Register ID, User ID, Tax ID not set"),
        "{shown}"
    );
}

#[test]
fn malformed_ids_are_refused_without_asking_the_store() {
    let env = Env::new();
    let saved = env.source();
    env.sim().clear_exchanges();
    let o = env.run(&set(&[
        "--register-id",
        "../outlets",
        "--user-id",
        MAYA,
        "--tax-id",
        NY_TAX,
    ]));
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr
            .contains("error: Register ID \"../outlets\" is not a Lightspeed id"),
        "{o:?}"
    );
    assert!(
        !env.sim()
            .exchanges()
            .iter()
            .any(|x| x.path.contains("outlets")),
        "the id never reaches a request path"
    );
    assert_eq!(env.source(), saved);
}

// ---- the store cannot be asked ----------------------------------------------------------

#[test]
fn simulator_stopped_exit_1_nothing_saved_unless_no_verify() {
    let mut env = Env::new();
    let saved = env.source();
    env.stop_sim();

    let o = env.run(&set(&VALID));
    assert_eq!(o.code, 1, "{o:?}");
    let lines = o.error_lines();
    assert_eq!(lines.len(), 1, "{o:?}");
    assert!(
        lines[0].starts_with(
            "error: cannot check the send settings against the store through connection \"demo\": cannot reach"
        ) && lines[0].contains("nothing saved (pass --no-verify to save without checking)"),
        "{o:?}"
    );
    assert!(
        !o.stderr.contains("is not a register"),
        "offline is not invalid: {o:?}"
    );
    assert_eq!(env.source(), saved);

    let mut args = set(&VALID);
    args.push("--no-verify");
    let o = env.ok(&args);
    assert!(
        o.stderr
            .contains("warning: the send settings were saved without checking them"),
        "{o:?}"
    );
    let f = env.source()["source"]["send_frs"].clone();
    assert_eq!(f["register_id"], MAIN_REGISTER);
    assert_eq!(f["tax_id"], NY_TAX);

    // Settings that need no store still save offline.
    env.ok(&set(&[
        "--hold-hours",
        "4",
        "--business-hours",
        "sat 10:00-14:00 UTC",
    ]));
    assert_eq!(env.source()["source"]["send_frs"]["hold_hours"], 4);
}

#[test]
fn a_source_without_a_connection_cannot_check_ids() {
    let env = Env::new();
    env.ok(&["source", "add", "--name", "loose"]);
    let mut args = vec!["source", "set", "loose"];
    args.extend(VALID);
    let o = env.run(&args);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr.contains("has no connection") && o.stderr.contains("--no-verify"),
        "{o:?}"
    );
    args.push("--no-verify");
    env.ok(&args);
}

// ---- business hours on the command line -------------------------------------------------

#[test]
fn bad_business_hours_are_one_line_usage_errors() {
    let env = Env::new();
    let saved = env.source();
    for (hours, want) in [
        ("mon-fri 09:00-17:00 America/New_Yrok", "\"America/New_Yrok\" is not a known time zone: use an IANA name such as America/New_York"),
        ("mon-fri 09:00-17:00", "no time zone"),
        ("funday 09:00-17:00 UTC", "\"funday\" is not a weekday"),
        ("mon-fri 9am-5pm UTC", "\"9am\" is not a time"),
        ("mon-fri 17:00-17:00 UTC", "is empty"),
        ("", "business hours are empty"),
    ] {
        let o = env.run(&set(&["--business-hours", hours]));
        assert_eq!(o.code, 2, "{hours:?}: {o:?}");
        assert_eq!(o.stderr.lines().count(), 1, "{hours:?}: {o:?}");
        assert!(
            o.stderr.starts_with(&format!("error: --business-hours {hours:?}: ")) && o.stderr.contains(want),
            "{hours:?}: {o:?}"
        );
    }
    let o = env.run(&set(&[
        "--business-hours",
        "mon-fri 09:00-17:00 UTC",
        "--no-business-hours",
    ]));
    assert_eq!(o.code, 2, "{o:?}");
    let o = env.run(&set(&["--hold-hours", "-1"]));
    assert_eq!(o.code, 2, "{o:?}");
    let o = env.run(&set(&["--hold-hours", "100000"]));
    assert_eq!(o.code, 2, "{o:?}");
    assert_eq!(env.source(), saved);

    // Overnight windows are accepted.
    env.ok(&set(&[
        "--business-hours",
        "fri-sat 22:00-02:00 Europe/London",
    ]));
    assert_eq!(
        env.source()["source"]["send_frs"]["business_hours"],
        json!({"weekdays": [4, 5], "start": "22:00", "end": "02:00", "time_zone": "Europe/London"})
    );
}

// ---- the library functions directly -----------------------------------------------------

/// A client that asks for one row per page, so every list takes several pages.
fn one_row_pages(sim: &SimHandle) -> lsbridge::lightspeed::Client {
    let opts = ClientOptions {
        page_size: 1,
        ..simkit::client_opts(lsbridge::clock::system())
    };
    simkit::client(sim, simkit::TOKEN, opts)
}

#[test]
fn store_options_reads_every_page_and_skips_deleted_records() {
    let env = Env::new();
    env.delete("taxes", NJ_TAX);
    env.delete("payment_types", CASH);
    let client = one_row_pages(env.sim());
    env.sim().clear_exchanges();
    let o = env
        .rt
        .block_on(send_settings::store_options(&client))
        .expect("options");
    assert_eq!(o.registers.len(), 2);
    assert_eq!(o.users.len(), 4);
    assert_eq!(
        o.taxes.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["No Tax", "NY Sales Tax"]
    );
    assert!((o.taxes[1].rate - 0.08875).abs() < 1e-9);
    assert!(o.taxes[1].is_default);
    assert_eq!(o.payment_types.len(), 5);
    assert!(o
        .payment_types
        .iter()
        .any(|p| p.name == "Check" && p.disabled));
    assert_eq!(o.users[0].name, "Maya Chen");
    assert_eq!(
        o.registers[1].outlet_name.as_deref(),
        Some("Chelsea Market Pop-up")
    );
    let x = env.sim().exchanges();
    let register_pages = x.iter().filter(|e| e.path.contains("/registers")).count();
    assert!(
        register_pages >= 3,
        "two one-row pages and the empty last one"
    );
    assert!(simkit::assert_conformant(&x) > 10);
}

#[test]
fn validate_names_problems_and_tells_an_unreachable_store_apart() {
    let mut env = Env::new();
    let client = simkit::default_client(env.sim());
    let good = SendFrsSettings {
        register_id: Some(MAIN_REGISTER.into()),
        user_id: Some(MAYA.into()),
        tax_id: Some(NY_TAX.into()),
        payment_type_id: Some(WEB_ORDER.into()),
        ..SendFrsSettings::default()
    };
    let checked = env
        .rt
        .block_on(send_settings::validate(&client, &good))
        .expect("valid");
    assert_eq!(checked.register, "Main Register");
    assert_eq!(checked.payment_type.as_deref(), Some("Web Order"));

    let bad = SendFrsSettings {
        register_id: None,
        tax_id: Some(NOWHERE.into()),
        payment_type_id: Some(CHECK.into()),
        ..good.clone()
    };
    match env.rt.block_on(send_settings::validate(&client, &bad)) {
        Err(ValidateError::Invalid(p)) => {
            let got: Vec<(SendSetting, Problem)> =
                p.iter().map(|p| (p.setting, p.problem.clone())).collect();
            assert_eq!(
                got,
                [
                    (SendSetting::RegisterId, Problem::Missing),
                    (SendSetting::TaxId, Problem::Unknown),
                    (
                        SendSetting::PaymentTypeId,
                        Problem::Disabled {
                            name: "Check".into()
                        }
                    ),
                ]
            );
            assert_eq!(p[1].value.as_deref(), Some(NOWHERE));
        }
        other => panic!("expected Invalid, got {other:?}"),
    }

    // Stopped: connection refused is a store error, never "invalid".
    env.stop_sim();
    match env.rt.block_on(send_settings::validate(&client, &good)) {
        Err(ValidateError::Store(e)) => {
            assert!(e.to_string().contains("cannot reach"), "{e}")
        }
        other => panic!("expected Store, got {other:?}"),
    }
}

/// Registers, users, taxes and outlets read by id from a store that answers about another
/// record, with an empty one, or with HTML: the ids are not judged (a store error that
/// names what was asked and what came back), never accepted as valid.
#[test]
fn records_read_by_id_must_carry_the_id_asked_for() {
    use crate::support::lying::{Answer, LyingStore};
    let env = Env::new();
    let liar = env.rt.block_on(LyingStore::start(&env.sim().origin()));
    let root = lsbridge::lightspeed::ApiRoot::with_origin(&liar.origin(), "2026-07").unwrap();
    let client = lsbridge::lightspeed::Client::new(
        root,
        lsbridge::secret::Token::parse(simkit::TOKEN).unwrap(),
        simkit::client_opts(lsbridge::clock::system()),
    )
    .unwrap();
    let good = SendFrsSettings {
        register_id: Some(MAIN_REGISTER.into()),
        user_id: Some(MAYA.into()),
        tax_id: Some(NY_TAX.into()),
        ..SendFrsSettings::default()
    };
    let popup = env
        .sim()
        .with_store(|s, _| s.registers.get(POPUP_REGISTER).cloned().unwrap());
    let lies = [
        (
            "another register",
            format!("/registers/{MAIN_REGISTER}"),
            json!({ "data": popup }),
        ),
        (
            "a user with no id",
            format!("/users/{MAYA}"),
            json!({ "data": {} }),
        ),
        (
            "another tax",
            format!("/taxes/{NY_TAX}"),
            json!({ "data": { "id": NJ_TAX, "name": "NJ Sales Tax" } }),
        ),
    ];
    for (what, path, body) in lies {
        liar.rewrite("lie", move |a, _| {
            a.is("GET", &path).then(|| Answer::ok(&body))
        });
        match env.rt.block_on(send_settings::validate(&client, &good)) {
            Err(ValidateError::Store(e)) => {
                assert!(
                    matches!(e, lsbridge::lightspeed::ApiError::Unclear { .. }),
                    "{what}: {e:?}"
                );
                let line = e.to_string();
                assert!(!line.contains('\n'), "{what}: one line: {line}");
                assert!(line.contains("not about what was asked"), "{what}: {line}");
            }
            other => panic!("{what}: expected an unclear store answer, got {other:?}"),
        }
        assert_eq!(liar.told("lie"), 1, "{what}");
        liar.honest();
    }
    // HTML: not the expected JSON, not judged either.
    liar.rewrite("html", |a, _| a.is("GET", "/registers/").then(Answer::html));
    assert!(matches!(
        env.rt.block_on(send_settings::validate(&client, &good)),
        Err(ValidateError::Store(
            lsbridge::lightspeed::ApiError::BadResponse { .. }
        ))
    ));
    liar.honest();
    let checked = env
        .rt
        .block_on(send_settings::validate(&client, &good))
        .expect("the truth validates");
    assert_eq!(checked.register, "Main Register");

    // An outlet read by id, the same way.
    let outlets: Vec<String> = env.sim().with_store(|s, _| {
        s.outlets
            .iter()
            .filter_map(|o| o["id"].as_str().map(str::to_string))
            .collect()
    });
    let (first, second) = (outlets[0].clone(), outlets[1].clone());
    let asked = first.clone();
    liar.rewrite("outlet", move |a, up| {
        let mut v = up.json()?;
        v["data"]["id"] = json!(second);
        a.is("GET", &format!("/outlets/{asked}"))
            .then(|| Answer::ok(&v))
    });
    let err = env
        .rt
        .block_on(client.outlet(&first))
        .expect_err("another outlet is not the one asked for");
    assert!(err.to_string().contains(&first), "{err}");
    liar.honest();
    let o = env
        .rt
        .block_on(client.outlet(&first))
        .unwrap()
        .expect("outlet");
    assert_eq!(o.id, first);
    drop(liar);
}

// ---- the status page ---------------------------------------------------------------------

struct AllGood;
impl StatusFacts for AllGood {
    fn connection_exists(&self, _: &str) -> bool {
        true
    }
    fn connection_tested_ok(&self, _: &str) -> Option<bool> {
        Some(true)
    }
    fn template_ok(&self, _: &str, _: Integration) -> Result<(), String> {
        Ok(())
    }
}

#[test]
fn status_page_names_missing_ids_and_invalid_hours() {
    let mut s = Source {
        name: "harbor".into(),
        connection: Some("demo".into()),
        ..Source::default()
    };
    let configured = |s: &Source| s.status(Integration::SendFrs, &AllGood).configured;
    assert_eq!(
        configured(&s),
        Err("Register ID, User ID, Tax ID not set".to_string())
    );
    s.send_frs.register_id = Some(MAIN_REGISTER.into());
    s.send_frs.tax_id = Some(NY_TAX.into());
    assert_eq!(configured(&s), Err("User ID not set".to_string()));
    s.send_frs.user_id = Some(MAYA.into());
    assert_eq!(configured(&s), Ok(()));
    // Hours that slipped in unchecked (a hand-edited config) are named.
    s.send_frs.business_hours = Some(BusinessHours {
        weekdays: vec![0],
        start: "09:00".into(),
        end: "17:00".into(),
        time_zone: "Mars/Olympus".into(),
    });
    let e = configured(&s).expect_err("invalid hours");
    assert!(
        e.contains("\"Mars/Olympus\" is not a known time zone")
            && e.contains("lsbridge source set harbor --business-hours"),
        "{e}"
    );
}

/// The shipping product is picked from the store and checked like the other ids; the
/// payment mapping set must exist; the sale-date setting is saved; the starter template
/// leaves no note on the status page.
#[test]
fn shipping_product_payment_set_and_sale_date_settings() {
    const SHIPPING: &str = "4ccad2cd-c787-548f-aab8-e03644d744b5";
    let env = Env::new();
    let o = env.ok(&["source", "options", "harbor"]);
    assert!(
        o.stdout
            .contains(&format!("{SHIPPING}  SHIPPING  (Shipping)")),
        "{}",
        o.stdout
    );
    let o = env.run(&set(
        &[&VALID[..], &["--shipping-product-id", NOWHERE]].concat()
    ));
    assert_eq!(o.code, 2, "{o:?}");
    assert_eq!(
        o.error_lines()[0],
        format!("error: Shipping Product ID \"{NOWHERE}\" is not a product in this store: pick one from `lsbridge source options harbor`")
    );
    let o = env.run(&set(&["--payment-mapping-set", "nope"]));
    assert_eq!(o.code, 2, "{o:?}");
    assert!(o.stderr.contains("--payment-mapping-set \"nope\""), "{o:?}");
    env.ok(&set(&[
        &VALID[..],
        &[
            "--shipping-product-id",
            SHIPPING,
            "--sale-date-from-fr",
            "yes",
        ],
    ]
    .concat()));
    let s = env.source();
    assert_eq!(
        s["source"]["send_frs"]["shipping_product_id"],
        json!(SHIPPING)
    );
    assert_eq!(s["source"]["send_frs"]["sale_date_from_fr"], json!(true));
    assert!(s["status"]
        .as_array()
        .unwrap()
        .iter()
        .all(|st| st["notes"].as_array().is_some_and(|n| n.is_empty())));
    env.ok(&set(&["--shipping-product-id", ""]));
    assert_eq!(
        env.source()["source"]["send_frs"]["shipping_product_id"],
        Value::Null
    );
}
