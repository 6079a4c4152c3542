//! Turning a [`Template`] into a [`CompiledTemplate`]: field names resolved, mapping sets indexed,
//! regexes built and constants coerced once, so that applying it to a record does only the per-record work.
//!
//! Compilation is lenient: a field that cannot work (bad regex, unknown set…) becomes a "broken" field that
//! reports its reason on every record, while the other fields still map. That is what the live preview
//! needs. Jobs use [`CompiledTemplate::compile`], which refuses any template with validation issues.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use super::conditions::CCondition;
use super::eval::coerce;
use super::fields::{
    field_name, source_field, source_fields, target_field, FieldKind, FieldName, Integration,
};
use super::mapping_set::{MappingSet, SetIndex};
use super::record::SourceRecord;
use super::steps::{compile_step, step_label, CStep};
use super::template::{Join, Method, OnMiss, Step, Template};
use super::text::eq_ci;
use super::validate::{template_issues, ValidationIssue};
use super::value::{quoted, FieldValue};

/// Smart Rules may nest (a rule's `then` can be another Smart Rules); past this depth a template is
/// almost certainly generated garbage, and refusing it keeps evaluation's recursion bounded.
pub const MAX_RULE_DEPTH: usize = 8;

/// A source field name plus a guess of where it sits in records (see `SourceRecord::get_hinted`).
#[derive(Debug)]
pub(crate) struct SourceRef {
    name: Box<str>,
    hint: AtomicUsize,
}

impl SourceRef {
    fn new(name: &str) -> Self {
        SourceRef {
            name: name.into(),
            hint: AtomicUsize::new(0),
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn read<'r>(&self, record: &'r SourceRecord) -> &'r FieldValue {
        record.get_hinted(&self.name, &self.hint)
    }
}

#[derive(Debug)]
pub(crate) enum CMethod {
    Match(SourceRef),
    Set(FieldValue),
    Transform(Box<CTransform>),
    Rules(Box<CRules>),
    Skip,
    Clear,
    /// The reason is reported as this field's error on every record.
    Broken(String),
}

#[derive(Debug)]
pub(crate) struct CTransform {
    pub(crate) source: SourceRef,
    pub(crate) set: Option<Arc<SetIndex>>,
    pub(crate) on_miss: OnMiss,
    pub(crate) steps: Vec<CStep>,
    /// Step names for error messages, so a failure says which step without formatting on success.
    pub(crate) labels: Vec<&'static str>,
}

#[derive(Debug)]
pub(crate) struct CRules {
    pub(crate) rules: Vec<CRule>,
    pub(crate) default: CMethod,
}

#[derive(Debug)]
pub(crate) struct CRule {
    pub(crate) join: Join,
    pub(crate) conditions: Vec<CCondition>,
    pub(crate) then: CMethod,
}

#[derive(Debug)]
pub(crate) struct CompiledField {
    pub(crate) kind: FieldKind,
    pub(crate) method: CMethod,
}

/// A template ready to run. `Send + Sync`: one instance can serve every worker of a job.
#[derive(Debug)]
pub struct CompiledTemplate {
    pub(crate) name: String,
    pub(crate) integration: Integration,
    pub(crate) targets: Arc<[FieldName]>,
    pub(crate) fields: Vec<CompiledField>,
    pub(crate) issues: Vec<ValidationIssue>,
}

impl CompiledTemplate {
    /// For jobs: refuses a template with any validation issue, listing all of them.
    pub fn compile(template: &Template, sets: &[MappingSet]) -> Result<Self, Vec<ValidationIssue>> {
        let compiled = Self::compile_lenient(template, sets);
        let mut issues = template_issues(template);
        issues.extend(compiled.issues.iter().cloned());
        if issues.is_empty() {
            Ok(compiled)
        } else {
            Err(issues)
        }
    }

    /// For previews and editors: always succeeds; fields that cannot work report their reason per record.
    pub fn compile_lenient(template: &Template, sets: &[MappingSet]) -> Self {
        let mut c = Compiler {
            integration: template.integration,
            sets,
            set_cache: HashMap::new(),
            issues: Vec::new(),
            field: String::new(),
            fatal: None,
        };
        let mut fields = Vec::with_capacity(template.fields.len());
        for row in &template.fields {
            c.field.clone_from(&row.target);
            c.fatal = None;
            let (kind, method) = match target_field(template.integration, &row.target) {
                Some(def) => (def.kind, c.method(&row.method, def.kind, 0)),
                None => {
                    let msg = unknown_field_message(
                        "target",
                        &row.target,
                        template.integration,
                        super::fields::target_fields(template.integration)
                            .iter()
                            .map(|f| f.name.as_str()),
                    );
                    c.fatal(msg);
                    (FieldKind::Text, CMethod::Skip)
                }
            };
            let method = match c.fatal.take() {
                Some(reason) => CMethod::Broken(reason),
                None => method,
            };
            fields.push(CompiledField { kind, method });
        }
        CompiledTemplate {
            name: template.name.clone(),
            integration: template.integration,
            targets: template
                .fields
                .iter()
                .map(|f| field_name(&f.target))
                .collect(),
            fields,
            issues: c.issues,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn integration(&self) -> Integration {
        self.integration
    }

    /// Target names, in template order; [`super::MappedRecord`] outcomes line up with these.
    pub fn targets(&self) -> &[FieldName] {
        &self.targets
    }

    /// Issues found while compiling (field-level only; [`super::validate()`] adds template-level ones).
    pub fn issues(&self) -> &[ValidationIssue] {
        &self.issues
    }
}

struct Compiler<'a> {
    integration: Integration,
    sets: &'a [MappingSet],
    set_cache: HashMap<String, Arc<SetIndex>>,
    issues: Vec<ValidationIssue>,
    field: String,
    /// The first problem that makes the current field unusable.
    fatal: Option<String>,
}

impl Compiler<'_> {
    fn issue(&mut self, message: String) {
        self.issues.push(ValidationIssue {
            field: self.field.clone(),
            message,
        });
    }

    fn fatal(&mut self, message: String) {
        if self.fatal.is_none() {
            self.fatal = Some(message.clone());
        }
        self.issue(message);
    }

    fn source(&mut self, name: &str) -> Option<(SourceRef, FieldKind)> {
        match source_field(self.integration, name) {
            Some(def) => Some((SourceRef::new(name), def.kind)),
            None => {
                let msg = unknown_field_message(
                    "source",
                    name,
                    self.integration,
                    source_fields(self.integration)
                        .iter()
                        .map(|f| f.name.as_str()),
                );
                self.fatal(msg);
                None
            }
        }
    }

    fn method(&mut self, m: &Method, kind: FieldKind, depth: usize) -> CMethod {
        match m {
            Method::MatchIt { source } => match self.source(source) {
                Some((src, src_kind)) => {
                    self.check_kinds(source, src_kind, kind);
                    CMethod::Match(src)
                }
                None => CMethod::Skip,
            },
            Method::SetIt { value } => {
                match coerce(Cow::Owned(FieldValue::Text(value.clone())), kind) {
                    Ok(v) => CMethod::Set(v),
                    Err(reason) => {
                        self.fatal(format!("Set It value {reason}"));
                        CMethod::Skip
                    }
                }
            }
            Method::TransformIt {
                source,
                mapping_set,
                on_miss,
                steps,
            } => self.transform(source, mapping_set.as_deref(), on_miss, steps, kind),
            Method::SmartRules { rules, default } => {
                if depth >= MAX_RULE_DEPTH {
                    self.fatal(format!(
                        "Smart Rules are nested more than {MAX_RULE_DEPTH} levels deep; flatten them"
                    ));
                    return CMethod::Skip;
                }
                if rules.is_empty() {
                    self.issue(
                        "Smart Rules has no rules; add a rule or use the default's method directly"
                            .to_string(),
                    );
                }
                let mut compiled = Vec::with_capacity(rules.len());
                for (i, rule) in rules.iter().enumerate() {
                    let mut conditions = Vec::with_capacity(rule.conditions.len());
                    for cond in &rule.conditions {
                        let Some((src, src_kind)) = self.source(&cond.field) else {
                            continue;
                        };
                        match CCondition::compile(cond, src, src_kind == FieldKind::Number) {
                            Ok(c) => conditions.push(c),
                            Err(e) => self.fatal(format!("rule {}: {e}", i + 1)),
                        }
                    }
                    let then = self.method(&rule.then, kind, depth + 1);
                    compiled.push(CRule {
                        join: rule.join,
                        conditions,
                        then,
                    });
                }
                let default = self.method(default, kind, depth + 1);
                CMethod::Rules(Box::new(CRules {
                    rules: compiled,
                    default,
                }))
            }
            Method::SkipIt => CMethod::Skip,
            Method::SetToEmpty => CMethod::Clear,
        }
    }

    fn transform(
        &mut self,
        source: &str,
        set_name: Option<&str>,
        on_miss: &OnMiss,
        steps: &[Step],
        kind: FieldKind,
    ) -> CMethod {
        let src = self.source(source);
        let set = set_name.and_then(|name| self.set(name));
        let mut compiled = Vec::with_capacity(steps.len());
        let integration = self.integration;
        for (i, step) in steps.iter().enumerate() {
            let unit_source = |field: Option<&str>, default: &'static str| {
                let name = field.unwrap_or(default);
                if source_field(integration, name).is_some() {
                    Ok(SourceRef::new(name))
                } else {
                    Err(format!(
                        "the unit would be read from {}, which {} records do not have; set a fixed \"from\" unit",
                        quoted(name),
                        integration.label()
                    ))
                }
            };
            match compile_step(step, unit_source) {
                Ok(s) => compiled.push(s),
                Err(e) => self.fatal(format!("step {} ({}): {e}", i + 1, step_label(step))),
            }
        }
        let Some((src, src_kind)) = src else {
            return CMethod::Skip;
        };
        if self.fatal.is_some() {
            return CMethod::Skip;
        }
        // What reaches the target: a lookup yields text, a number step a number, a text step text.
        let mut flow = if set.is_some() && src_kind != FieldKind::List {
            FieldKind::Text
        } else {
            src_kind
        };
        for (i, step) in compiled.iter().enumerate() {
            if step.is_numeric() && flow == FieldKind::List {
                self.issue(format!(
                    "step {} needs a number but {source} is a list of values",
                    i + 1
                ));
            }
            if flow != FieldKind::List {
                flow = if step.is_numeric() {
                    FieldKind::Number
                } else {
                    FieldKind::Text
                };
            }
        }
        self.check_kinds(source, flow, kind);
        if let OnMiss::Fallback(value) = on_miss {
            if set_name.is_none() {
                self.issue(format!(
                    "the fallback value {} is only used when a mapping set has no match; pick a mapping set or remove the fallback",
                    quoted(value)
                ));
            } else if let Err(e) = run_constant(value, &compiled, kind) {
                self.issue(format!("the fallback value {}: {e}", quoted(value)));
            }
        }
        if let (Some(set), Some(name)) = (&set, set_name) {
            let bad =
                set.rows().iter().enumerate().find_map(|(i, row)| {
                    run_constant(&row.to, &compiled, kind).err().map(|e| (i, e))
                });
            if let Some((i, e)) = bad {
                self.issue(format!("mapping set {} row {}: {e}", quoted(name), i + 1));
            }
        }
        CMethod::Transform(Box::new(CTransform {
            source: src,
            set,
            on_miss: on_miss.clone(),
            steps: compiled,
            labels: steps.iter().map(step_label).collect(),
        }))
    }

    fn set(&mut self, name: &str) -> Option<Arc<SetIndex>> {
        if let Some(index) = self.set_cache.get(name) {
            return Some(Arc::clone(index));
        }
        match self.sets.iter().find(|s| s.name == name) {
            Some(set) => {
                let index = Arc::new(SetIndex::new(set));
                self.set_cache.insert(name.to_string(), Arc::clone(&index));
                Some(index)
            }
            None => {
                let hint = self
                    .sets
                    .iter()
                    .find(|s| eq_ci(&s.name, name))
                    .map(|s| format!(" (did you mean {}?)", quoted(&s.name)))
                    .unwrap_or_else(|| {
                        "; create it under Mapping Sets or pick another".to_string()
                    });
                self.fatal(format!("mapping set {} does not exist{hint}", quoted(name)));
                None
            }
        }
    }

    /// Only combinations that can never produce a value are reported; text into a number target is fine
    /// because feeds often send numbers as text.
    fn check_kinds(&mut self, source: &str, from: FieldKind, to: FieldKind) {
        if from == FieldKind::List && matches!(to, FieldKind::Number | FieldKind::Boolean) {
            self.issue(format!(
                "{source} is a list of values and can never be a {}; map a single-value field",
                to.label()
            ));
        }
    }
}

/// Runs a constant (a fallback, a mapping-set value) through the steps that need no record.
fn run_constant(value: &str, steps: &[CStep], kind: FieldKind) -> Result<(), String> {
    let empty = SourceRecord::new();
    let mut v = FieldValue::Text(value.to_string());
    for step in steps {
        if v.is_blank() || !step.is_static() {
            return Ok(());
        }
        v = step.run(v, &empty)?;
    }
    coerce(Cow::Owned(v), kind).map(|_| ())
}

fn unknown_field_message<'a>(
    what: &str,
    name: &str,
    integration: Integration,
    mut known: impl Iterator<Item = &'a str>,
) -> String {
    match known.find(|k| eq_ci(k, name.trim())) {
        Some(k) => format!(
            "unknown {what} field {} (did you mean {}?)",
            quoted(name),
            quoted(k)
        ),
        None => format!(
            "unknown {what} field {}; pick one of the {} {what} fields",
            quoted(name),
            integration.label()
        ),
    }
}
