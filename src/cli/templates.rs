//! `lsbridge template …` and `lsbridge mapping-set …`: list, show, import and export mapping
//! templates (TOML, validated before saving, every problem named by field) and mapping sets
//! (CSV import with line-numbered errors).

use std::path::PathBuf;

use clap::Subcommand;

use crate::cli::{exit, Failure};
use crate::mapping::{ImportMode, MappingSet, Method, Template};
use crate::store::Store;
use crate::templates::Templates;

#[derive(Debug, Subcommand)]
pub enum TemplateCmd {
    /// List templates.
    List,
    /// Show one template: target field, method, source or value.
    Show { name: String },
    /// Write one template as TOML (stdout, or --out FILE), to edit and import back.
    Export {
        name: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Save a template from a TOML file (as written by export). Refused, with every problem
    /// named by field, if it does not validate.
    Import {
        file: PathBuf,
        /// Import a file with keys this version does not know (each is named) instead of
        /// refusing it.
        #[arg(long)]
        allow_unknown: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MappingSetCmd {
    List,
    /// Show a set's From → To rows.
    Show {
        name: String,
    },
    /// Create or replace a set from a CSV file (`from,to` rows; a header is optional).
    Import {
        name: String,
        file: PathBuf,
        /// Add to the existing rows instead of replacing them.
        #[arg(long)]
        append: bool,
    },
}

fn describe(m: &Method) -> String {
    match m {
        Method::MatchIt { source } => format!("Match It ← {source}"),
        Method::SetIt { value } => format!("Set It = {value:?}"),
        Method::TransformIt {
            source,
            mapping_set,
            steps,
            ..
        } => format!(
            "Transform It ← {source}{}{}",
            mapping_set
                .as_ref()
                .map(|s| format!(" via set {s:?}"))
                .unwrap_or_default(),
            if steps.is_empty() {
                String::new()
            } else {
                format!(" then {} step(s)", steps.len())
            }
        ),
        Method::SmartRules { rules, .. } => {
            format!("Smart Rules ({} rule(s), then default)", rules.len())
        }
        Method::SkipIt => "Skip It".into(),
        Method::SetToEmpty => "Set to Empty".into(),
    }
}

fn read(file: &PathBuf) -> Result<String, Failure> {
    std::fs::read_to_string(file)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))
}

pub fn run_template(cmd: TemplateCmd, store: &Store) -> Result<u8, Failure> {
    let t = Templates::open(store)?;
    match cmd {
        TemplateCmd::List => {
            for tpl in t.list()? {
                outln!(
                    "{}  [{}]  {} fields",
                    tpl.name,
                    tpl.integration.label(),
                    tpl.fields.len()
                );
            }
        }
        TemplateCmd::Show { name } => {
            let tpl = t.get(&name)?;
            outln!("{} [{}]", tpl.name, tpl.integration.label());
            for f in &tpl.fields {
                outln!("  {:22} {}", f.target, describe(&f.method));
            }
        }
        TemplateCmd::Export { name, out } => {
            let tpl = t.get(&name)?;
            let text = toml::to_string_pretty(&tpl)
                .map_err(|e| Failure::failed(format!("cannot write TOML: {e}")))?;
            match out {
                Some(p) => std::fs::write(&p, text)
                    .map_err(|e| Failure::usage(format!("cannot write {}: {e}", p.display())))?,
                None => out!("{text}"),
            }
        }
        TemplateCmd::Import {
            file,
            allow_unknown,
        } => {
            let text = read(&file)?;
            let tpl: Template = toml::from_str(&text).map_err(|e| {
                Failure::usage(format!(
                    "{} is not a template ({}): fix it and import it again",
                    file.display(),
                    crate::excerpt::toml_error(&text, &e)
                ))
            })?;
            let unknown = crate::config_file::unknown_keys::<Template>(&text);
            if !unknown.is_empty() {
                if !allow_unknown {
                    return Err(Failure::usage(format!(
                        "{}: {}",
                        file.display(),
                        crate::config_file::unknown_keys_error("template", &unknown)
                    )));
                }
                for k in &unknown {
                    errln!("note: ignored unknown key {} (line {})", k.path, k.line);
                }
            }
            t.save(&tpl)?;
            outln!("saved template {:?}", tpl.name);
        }
    }
    Ok(exit::OK)
}

pub fn run_mapping_set(cmd: MappingSetCmd, store: &Store) -> Result<u8, Failure> {
    let t = Templates::open(store)?;
    match cmd {
        MappingSetCmd::List => {
            for s in t.sets()? {
                outln!("{}  {} rows", s.name, s.rows.len());
            }
        }
        MappingSetCmd::Show { name } => {
            let s = t
                .sets()?
                .into_iter()
                .find(|s| s.name == name)
                .ok_or_else(|| {
                    Failure::usage(format!(
                        "no mapping set named {name:?}: see lsbridge mapping-set list"
                    ))
                })?;
            for r in &s.rows {
                outln!("{} → {}", r.from, r.to);
            }
        }
        MappingSetCmd::Import { name, file, append } => {
            crate::templates::check_set_name(&name)?;
            let text = read(&file)?;
            let mut set = t
                .sets()?
                .into_iter()
                .find(|s| s.name == name)
                .unwrap_or_else(|| MappingSet::new(name.clone()));
            let mode = if append {
                ImportMode::Append
            } else {
                ImportMode::Replace
            };
            let n = set.import_csv(&text, mode).map_err(|e| {
                Failure::usage(format!(
                    "{}: {}",
                    file.display(),
                    crate::excerpt::excerpt_n(&e.to_string().replace('\n', "; "), 600)
                ))
            })?;
            t.save_set(&set)?;
            outln!(
                "mapping set {name:?}: {n} rows imported, {} in all",
                set.rows.len()
            );
        }
    }
    Ok(exit::OK)
}
