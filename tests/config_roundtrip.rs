//! `config export|import`: a setup survives the trip through TOML (sources, templates with
//! every method, mapping sets), tokens never appear in the file, and a broken file changes
//! nothing.

use lsbridge::config_file;
use lsbridge::connections::{Connection, Connections, NewConnection};
use lsbridge::mapping::{
    Condition, Integration, Join, MappingRow, MappingSet, Method, OnMiss, Op, Rule, Step, Template,
};
use lsbridge::sources::{Source, Sources};
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
            primary: lsbridge::sources::PrimarySettings {
                template: Some("custom".into()),
                archive_unarchive: true,
                include_not_stock: true,
                ..Default::default()
            },
            commit_stock: true,
            commit_release: lsbridge::sources::CommitRelease::SaleCreated,
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
