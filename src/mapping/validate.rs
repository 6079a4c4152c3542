//! Save-time validation. Every issue names the field it is about and says what to change.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::compile::{CompiledTemplate, MAX_RULE_DEPTH};
use super::fields::target_fields;
use super::mapping_set::MappingSet;
use super::template::{Method, Template};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ValidationIssue {
    /// The target field, or `name` for the template's own name.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ValidationIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Everything wrong with `template`, template-level issues first, then per field in row order.
/// Empty means it can be saved and run.
pub fn validate(template: &Template, sets: &[MappingSet]) -> Vec<ValidationIssue> {
    let mut issues = template_issues(template);
    issues.extend(
        CompiledTemplate::compile_lenient(template, sets)
            .issues()
            .iter()
            .cloned(),
    );
    issues
}

/// Issues about the template as a whole: its name, duplicate rows, required fields.
pub(crate) fn template_issues(template: &Template) -> Vec<ValidationIssue> {
    let mut issues = Vec::new();
    if template.name.trim().is_empty() {
        issues.push(ValidationIssue {
            field: "name".to_string(),
            message: "the template needs a name".to_string(),
        });
    }
    let mut first_row: HashMap<&str, usize> = HashMap::new();
    for (i, row) in template.fields.iter().enumerate() {
        if let Some(first) = first_row.insert(row.target.as_str(), i) {
            issues.push(ValidationIssue {
                field: row.target.clone(),
                message: format!(
                    "mapped twice (rows {} and {}); remove one of them",
                    first + 1,
                    i + 1
                ),
            });
            // Keep pointing at the first occurrence for a third duplicate.
            first_row.insert(row.target.as_str(), first);
        }
    }
    let job = template.integration.label();
    for def in target_fields(template.integration)
        .iter()
        .filter(|d| d.required)
    {
        let rows: Vec<&Method> = template
            .fields
            .iter()
            .filter(|r| r.target == def.name)
            .map(|r| &r.method)
            .collect();
        if rows.is_empty() {
            issues.push(ValidationIssue {
                field: def.name.clone(),
                message: format!(
                    "{job} requires this field; map it with Match It, Set It, Transform It or Smart Rules"
                ),
            });
        }
        for method in rows {
            if let Some(why) = leaves_unset(method, 0) {
                issues.push(ValidationIssue {
                    field: def.name.clone(),
                    message: format!("{job} requires this field, but {why}; map it to a value"),
                });
            }
        }
    }
    issues
}

/// Where a required field's method can end in Skip It / Set to Empty, described for the user.
/// Stops at the nesting limit, which compilation reports on its own.
fn leaves_unset(method: &Method, depth: usize) -> Option<String> {
    match method {
        Method::SkipIt | Method::SetToEmpty => Some(format!("it is set to {}", method.label())),
        Method::SmartRules { .. } if depth > MAX_RULE_DEPTH => None,
        Method::SmartRules { rules, default } => {
            for (i, rule) in rules.iter().enumerate() {
                if let Some(why) = leaves_unset(&rule.then, depth + 1) {
                    return Some(format!("rule {}: {why}", i + 1));
                }
            }
            leaves_unset(default, depth + 1).map(|why| format!("the default: {why}"))
        }
        _ => None,
    }
}
