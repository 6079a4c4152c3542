//! Stored mapping templates and mapping sets, by name. The seed's starter templates are
//! installed on first use, so a new source can be mapped without writing one. A template is
//! validated before it is saved; a job compiles it with the current mapping sets.

use crate::mapping::defaults::{earlier_send_frs_templates, SEND_FRS_MONEY_TARGETS};
use crate::mapping::{
    default_template, default_templates, validate, CompiledTemplate, Integration, MappingSet,
    Template, ValidationIssue,
};
use crate::store::{trees, Record, Store, StoreError, Table};

impl Record for Template {
    const VERSION: u16 = 1;
}

impl Record for MappingSet {
    const VERSION: u16 = 1;
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("no mapping template named {0:?}: see lsbridge template list")]
    Missing(String),
    #[error("template {name:?} is for {found}, not {wanted}: pick a {wanted} template")]
    WrongIntegration {
        name: String,
        found: &'static str,
        wanted: &'static str,
    },
    #[error("template {name:?} is not valid: {}", .issues.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid {
        name: String,
        issues: Vec<ValidationIssue>,
    },
    #[error("{0}")]
    BadSetName(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The longest mapping-set name (it is shown in lists and named in templates).
pub const MAX_SET_NAME_LEN: usize = 100;

/// A mapping set's name must be something a template can name: not blank, no control
/// characters, at most [`MAX_SET_NAME_LEN`] characters.
pub fn check_set_name(name: &str) -> Result<(), TemplateError> {
    let bad = |why: &str| Err(TemplateError::BadSetName(why.to_string()));
    if name.trim().is_empty() {
        return bad("a mapping set needs a name: give one, e.g. brands");
    }
    if name.chars().any(char::is_control) {
        return bad(&format!(
            "mapping set name {} has control characters (tabs, line breaks): remove them",
            crate::excerpt::quoted(name)
        ));
    }
    let chars = name.chars().count();
    if chars > MAX_SET_NAME_LEN {
        return bad(&format!(
            "mapping set name {} is {chars} characters long: the maximum is {MAX_SET_NAME_LEN}",
            crate::excerpt::quoted(name)
        ));
    }
    Ok(())
}

#[derive(Clone, Debug)]
pub struct Templates {
    templates: Table<Template>,
    sets: Table<MappingSet>,
    store: Store,
}

impl Templates {
    /// Opens the tables and installs any missing starter template.
    pub fn open(store: &Store) -> Result<Templates, StoreError> {
        let t = Templates {
            templates: store.table(trees::TEMPLATES)?,
            sets: store.table(trees::MAPPING_SETS)?,
            store: store.clone(),
        };
        let earlier = earlier_send_frs_templates();
        for d in default_templates() {
            match t.templates.get(d.name.as_bytes())? {
                None => {
                    t.templates.put(d.name.as_bytes(), &d)?;
                }
                // A starter the user never changed follows the current starter; a changed
                // one is theirs (the status page says what it lacks, see `lacks`).
                Some(stored) if stored != d && earlier.contains(&stored) => {
                    t.templates.put(d.name.as_bytes(), &d)?;
                }
                Some(_) => {}
            }
        }
        Ok(t)
    }

    /// What a Send FRs template that validates still lacks: the order's money targets the
    /// starter maps. Unmapped, discount and shipping fall back to the FR's own and tax to
    /// the Tax ID's rate, which may not be the order's tax.
    pub fn lacks(&self, name: &str, integration: Integration) -> Vec<String> {
        if integration != Integration::SendFrs {
            return Vec::new();
        }
        let Ok(t) = self.get(name) else {
            return Vec::new();
        };
        let missing: Vec<&str> = SEND_FRS_MONEY_TARGETS
            .iter()
            .copied()
            .filter(|target| !t.fields.iter().any(|f| f.target == *target))
            .collect();
        if missing.is_empty() {
            return Vec::new();
        }
        vec![format!(
            "template {name:?} does not map {}: unmapped, the FR's own discount and shipping cost are charged and tax is computed from the Tax ID's rate; map them from Fulfillment Request: Total Discount / Total Shipping Cost / Total Tax as the starter template does",
            missing.join(", ")
        )]
    }

    pub fn list(&self) -> Result<Vec<Template>, StoreError> {
        self.templates.iter().map(|r| r.map(|(_, v)| v)).collect()
    }

    pub fn get(&self, name: &str) -> Result<Template, TemplateError> {
        self.templates
            .get(name.as_bytes())?
            .ok_or_else(|| TemplateError::Missing(name.to_string()))
    }

    pub fn sets(&self) -> Result<Vec<MappingSet>, StoreError> {
        self.sets.iter().map(|r| r.map(|(_, v)| v)).collect()
    }

    /// Saves a set under its name, after [`check_set_name`].
    pub fn save_set(&self, set: &MappingSet) -> Result<(), TemplateError> {
        check_set_name(&set.name)?;
        self.sets.put(set.name.as_bytes(), set)?;
        self.store.flush()?;
        Ok(())
    }

    /// Validates, then saves. Nothing is saved when there is any issue.
    pub fn save(&self, t: &Template) -> Result<(), TemplateError> {
        let issues = validate(t, &self.sets()?);
        if !issues.is_empty() {
            return Err(TemplateError::Invalid {
                name: t.name.clone(),
                issues,
            });
        }
        self.templates.put(t.name.as_bytes(), t)?;
        self.store.flush()?;
        Ok(())
    }

    pub fn remove(&self, name: &str) -> Result<(), TemplateError> {
        if !self.templates.remove(name.as_bytes())? {
            return Err(TemplateError::Missing(name.to_string()));
        }
        self.store.flush()?;
        Ok(())
    }

    /// The template to run: the named one, or the starter template when none is selected.
    pub fn compiled(
        &self,
        name: Option<&str>,
        integration: Integration,
    ) -> Result<CompiledTemplate, TemplateError> {
        let t = match name {
            Some(n) => self.get(n)?,
            None => default_template(integration),
        };
        if t.integration != integration {
            return Err(TemplateError::WrongIntegration {
                name: t.name,
                found: t.integration.label(),
                wanted: integration.label(),
            });
        }
        let sets = self.sets()?;
        CompiledTemplate::compile(&t, &sets).map_err(|issues| TemplateError::Invalid {
            name: t.name.clone(),
            issues,
        })
    }

    /// `Ok` when the named template exists, is for `integration` and validates.
    pub fn check(&self, name: &str, integration: Integration) -> Result<(), String> {
        self.compiled(Some(name), integration)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
