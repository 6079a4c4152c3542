//! The mapping engine shared by Get Inventory \[Primary\], Get Inventory \[Secondary\] and Send FRs.
//!
//! A [`Template`] (plain data, edited in the TUI and exported as TOML) says, per target field, how to get
//! its value from a [`SourceRecord`]: Match It, Set It, Transform It (mapping set + steps), Smart Rules,
//! Skip It or Set to Empty. [`validate()`] checks it on save; [`CompiledTemplate`] runs it on records and
//! yields an [`Outcome`] per field plus per-field [`MapError`]s that never stop the other fields.

mod compile;
mod conditions;
mod csv_import;
pub mod defaults;
mod eval;
pub mod fields;
mod mapping_set;
mod preview;
mod record;
mod steps;
mod template;
mod text;
pub mod units;
mod validate;
mod value;

pub use compile::{CompiledTemplate, MAX_RULE_DEPTH};
pub use conditions::op_label;
pub use csv_import::{CsvImportError, CsvLineError, ImportMode};
pub use defaults::{default_template, default_templates};
pub use eval::{MapError, MappedRecord, Outcome};
pub use fields::{field_name, FieldDef, FieldKind, FieldName, Integration};
pub use mapping_set::{MappingRow, MappingSet, MappingSetError};
pub use preview::{preview, preview_compiled};
pub use record::SourceRecord;
pub use steps::{round_half_away, step_label, MAX_ROUND_PLACES};
pub use template::{Condition, FieldMapping, Join, Method, OnMiss, Op, Rule, Step, Template};
pub use units::{LengthUnit, WeightUnit};
pub use validate::{validate, ValidationIssue};
pub use value::{format_number, text_to_bool, text_to_number, FieldValue};
