//! `config export|import`: a setup survives the trip through TOML (sources, templates with
//! every method, mapping sets), tokens never appear in the file, and a broken file changes
//! nothing.

use lsbridge::config_file;
use lsbridge::connections::{Connection, Connections, NewConnection};
use lsbridge::mapping::{
    Condition, Integration, Join, MappingRow, MappingSet, Method, OnMiss, Op, Rule, Step, Template,
};
use lsbridge::source::{Source, Sources};
use lsbridge::store::Store;
use lsbridge::templates::Templates;

const SECRET: &str = "lsxs_pt_ROUNDTRIPSECRET0123456789";

fn setup() -> Store {
    let store = Store::open_temporary().unwrap();
    let conns = Connections::open(&store).unwrap();
    for (name, token) in [("literal", SECRET), ("from-env", "env:LS_TOKEN")] {
        let (c, _) = Connection::build(NewConnection {
            name: name.into(),
            domain_prefix: "harborpine".into(),
            token: token.into(),
            api_version: None,
            api_root: None,
        })
        .unwrap();
        conns.add(&c).unwrap();
    }
    let t = Templates::open(&store).unwrap();
    t.save_set(&MappingSet {
        name: "brands".into(),
        rows: vec![MappingRow {
            from: "Harbor & Pine".into(),
            to: "H&P".into(),
        }],
    })
    .unwrap();
    let mut tpl = lsbridge::mapping::default_template(Integration::Primary);
    tpl.name = "custom".into();
    tpl.set("Brand", Method::lookup("Brand", "brands", OnMiss::Keep));
    tpl.set(
        "Custom Field 1",
        Method::SmartRules {
            rules: vec![Rule {
                join: Join::And,
                conditions: vec![Condition::new("Quantity", Op::GreaterThan, "10")],
                then: Box::new(Method::set_it("plenty")),
            }],
            default: Box::new(Method::SetToEmpty),
        },
    );
    tpl.set(
        "Title",
        Method::transform("Name", vec![Step::Trim, Step::Upper]),
    );
    t.save(&tpl).unwrap();
    Sources::open(&store)
        .unwrap()
        .add(Source {
            name: "hp".into(),
            connection: Some("from-env".into()),
            primary: lsbridge::source::PrimarySettings {
                template: Some("custom".into()),
                archive_unarchive: true,
                include_not_stock: true,
                ..Default::default()
            },
            commit_stock: true,
            commit_release: lsbridge::source::CommitRelease::SaleCreated,
            ..Source::default()
        })
        .unwrap();
    store
}

#[test]
fn export_then_import_restores_the_setup_without_tokens() {
    let a = setup();
    let text = config_file::export(&a).unwrap();
    assert!(!text.contains(SECRET), "a token was exported");
    assert!(text.contains("env:LS_TOKEN"), "env references are kept");
    assert!(text.contains("commit_release = \"sale_created\""), "{text}");
    assert!(text.contains("include_not_stock = true"), "{text}");

    let b = Store::open_temporary().unwrap();
    let report = config_file::import(&b, &text).unwrap();
    assert!(report
        .iter()
        .any(|l| l.contains("\"literal\"") && l.contains("carries no token")));
    let conns = Connections::open(&b).unwrap();
    assert!(conns.get("literal").is_err());
    assert_eq!(
        conns.get("from-env").unwrap().token.masked(),
        "env:LS_TOKEN"
    );

    let sa = Sources::open(&a).unwrap().by_name("hp").unwrap();
    let sb = Sources::open(&b).unwrap().by_name("hp").unwrap();
    assert_eq!(Source { id: 0, ..sa }, Source { id: 0, ..sb });
    let ta: Template = Templates::open(&a).unwrap().get("custom").unwrap();
    let tb: Template = Templates::open(&b).unwrap().get("custom").unwrap();
    assert_eq!(ta, tb);
    assert_eq!(
        Templates::open(&a).unwrap().sets().unwrap(),
        Templates::open(&b).unwrap().sets().unwrap()
    );
    // Importing again updates in place.
    let again = config_file::import(&b, &text).unwrap();
    assert!(again.iter().any(|l| l.contains("source \"hp\": updated")));
    assert_eq!(Sources::open(&b).unwrap().list().unwrap().len(), 1);
}

#[test]
fn a_bad_file_is_one_line_and_changes_nothing() {
    let b = Store::open_temporary().unwrap();
    let err = config_file::import(&b, "sources = [ {name = ")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("not a valid lsbridge config"), "{err}");
    assert!(!err.contains('\n'));
    // A template that does not validate stops the import before anything is written.
    let a = setup();
    let text = config_file::export(&a)
        .unwrap()
        .replace("source = \"Sku\"", "source = \"No Such Field\"");
    let err = config_file::import(&b, &text).unwrap_err().to_string();
    assert!(err.contains("is not valid"), "{err}");
    assert!(Sources::open(&b).unwrap().list().unwrap().is_empty());
}

/// An exported setup has no unknown keys; misspelt or foreign keys anywhere (top level, a
/// source's table, a template's method, a mapping set's row) are refused, each named with its
/// line, and nothing is written, unless the import allows them (then each is reported).
#[test]
fn unknown_keys_are_refused_with_their_line_unless_allowed() {
    let a = setup();
    let text = config_file::export(&a).unwrap();
    assert_eq!(
        config_file::unknown_keys::<config_file::ConfigFile>(&text),
        [],
        "an export reads back with no unknown key"
    );
    let text = format!("colour = \"blue\"\n{text}")
        .replacen(
            "[sources.ship_from]\n",
            "[sources.ship_from]\nzip = \"05401\"\n",
            1,
        )
        .replacen(
            "kind = \"match_it\"\n",
            "kind = \"match_it\"\nsorce = \"Sku\"\n",
            1,
        )
        .replacen(
            "[[mapping_sets.rows]]\n",
            "[[mapping_sets.rows]]\nnote = \"x\"\n",
            1,
        )
        .replacen("op = ", "operator = \"is\"\nop = ", 1);
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("{needle} not in the file"))
            + 1
    };
    let found = config_file::unknown_keys::<config_file::ConfigFile>(&text);
    let got: Vec<(&str, usize)> = found.iter().map(|k| (k.path.as_str(), k.line)).collect();
    let mut want = vec![
        ("colour", 1),
        ("sources[0].ship_from.zip", line_of("zip = ")),
        ("mapping_sets[0].rows[0].note", line_of("note = ")),
        ("templates[0].fields[0].method.sorce", line_of("sorce = ")),
    ];
    // The condition's index depends on where the custom template sorts among the starters.
    let cond = found
        .iter()
        .find(|k| k.path.ends_with(".operator"))
        .expect("the condition's unknown key is found");
    assert!(
        cond.path.starts_with("templates[")
            && cond.path.contains(".method.rules[0].conditions[0]."),
        "{cond:?}"
    );
    want.push((cond.path.as_str(), line_of("operator = ")));
    want.sort_by_key(|w| w.1);
    assert_eq!(got, want);

    let b = Store::open_temporary().unwrap();
    let err = config_file::import(&b, &text).unwrap_err().to_string();
    assert!(
        err.starts_with("the config has 5 unknown keys: colour (line 1), "),
        "{err}"
    );
    assert!(
        err.ends_with("fix their spelling or remove them, or pass --allow-unknown to ignore them; nothing imported"),
        "{err}"
    );
    assert!(Sources::open(&b).unwrap().list().unwrap().is_empty());
    assert!(Templates::open(&b).unwrap().sets().unwrap().is_empty());

    let report = config_file::import_with(&b, &text, true).unwrap();
    assert!(
        report.contains(&"ignored unknown key colour (line 1)".to_string()),
        "{report:?}"
    );
    assert_eq!(
        report
            .iter()
            .filter(|l| l.starts_with("ignored unknown key"))
            .count(),
        5
    );
    assert_eq!(Sources::open(&b).unwrap().list().unwrap().len(), 1);
}

/// A mapping set needs a name: a file with a blank one is refused before anything is written.
#[test]
fn a_mapping_set_without_a_name_is_refused() {
    let b = Store::open_temporary().unwrap();
    let err = config_file::import(
        &b,
        "[[sources]]\nname = \"x\"\n\n[[mapping_sets]]\nname = \"  \"\n\n[[mapping_sets.rows]]\nfrom = \"a\"\nto = \"b\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("a mapping set needs a name: give one"),
        "{err}"
    );
    assert!(Sources::open(&b).unwrap().list().unwrap().is_empty());
    assert!(Templates::open(&b).unwrap().sets().unwrap().is_empty());
    let t = Templates::open(&b).unwrap();
    assert!(t.save_set(&MappingSet::new("")).is_err());
    assert!(t.save_set(&MappingSet::new("a\nb")).is_err());
    assert!(t.sets().unwrap().is_empty());
}

/// `config import` runs the one source validation: a hold past a year, an archive limit
/// past 100 %, a schedule that never fires and a malformed outlet id are each refused,
/// naming the setting, and nothing is written. A huge bad value is quoted as an excerpt.
#[test]
fn out_of_range_settings_are_refused_and_nothing_is_written() {
    let a = setup();
    let text = config_file::export(&a).unwrap();
    assert!(text.contains("hold_hours = 0"), "{text}");
    assert!(text.contains("archive_limit_pct = 20"), "{text}");
    let huge = "x ".repeat(500_000);
    for (from, to, says) in [
        (
            "hold_hours = 0",
            "hold_hours = 4294967295".to_string(),
            "hold hours 4294967295 is too long: use 0 to 8760",
        ),
        (
            "archive_limit_pct = 20",
            "archive_limit_pct = 250".to_string(),
            "archive limit 250% is not a share of the pool",
        ),
        (
            "hold_hours = 0",
            "hold_hours = 0\nschedule = { cron = \"0 0 30 2 *\" }".to_string(),
            "Send FRs Schedule cannot run (it never fires)",
        ),
        (
            "hold_hours = 0",
            "hold_hours = 0\npayment_mapping_set = \"no-such-set\"".to_string(),
            "\"no-such-set\": no mapping set of that name",
        ),
        (
            "quantity_from = \"all_outlets\"",
            format!("quantity_from = {{ outlet = \"{huge}\" }}"),
            "is not an outlet id",
        ),
    ] {
        assert!(text.contains(from), "{from}: {text}");
        let b = Store::open_temporary().unwrap();
        let err = config_file::import(&b, &text.replacen(from, &to, 1))
            .unwrap_err()
            .to_string();
        assert!(err.contains(says), "{}", &err[..err.len().min(2000)]);
        assert!(err.contains("nothing imported"), "{err}");
        assert!(err.len() < 1000, "{} chars", err.len());
        assert!(Sources::open(&b).unwrap().list().unwrap().is_empty());
        assert!(Templates::open(&b).unwrap().sets().unwrap().is_empty());
    }
    // A huge syntax error is an excerpt too.
    let b = Store::open_temporary().unwrap();
    let err = config_file::import(&b, &format!("sources = [ {{name = \"{huge}"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("not a valid lsbridge config"), "{err}");
    assert!(err.len() < 1000, "{} chars", err.len());
}
