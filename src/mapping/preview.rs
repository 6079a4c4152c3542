//! The TUI's live preview column: what each row of a template (possibly mid-edit and invalid) makes of
//! one sample record.

use super::compile::CompiledTemplate;
use super::eval::{MapError, Outcome};
use super::mapping_set::MappingSet;
use super::record::SourceRecord;
use super::template::Template;

/// One entry per template row, in row order. Compiles leniently, so a broken row shows its reason while
/// the others still preview. Compile once and call [`preview_compiled`] when only the record changes.
pub fn preview(
    template: &Template,
    sets: &[MappingSet],
    record: &SourceRecord,
) -> Vec<(String, Result<Outcome, MapError>)> {
    preview_compiled(&CompiledTemplate::compile_lenient(template, sets), record)
}

pub fn preview_compiled(
    compiled: &CompiledTemplate,
    record: &SourceRecord,
) -> Vec<(String, Result<Outcome, MapError>)> {
    compiled
        .targets()
        .iter()
        .enumerate()
        .filter_map(|(i, target)| Some((target.to_string(), compiled.apply_field(i, record)?)))
        .collect()
}
