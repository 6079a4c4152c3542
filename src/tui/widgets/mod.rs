//! Widgets shared by several panes: the form (wizard, connection editor) and the one-line
//! prompt field.

pub mod columns;
pub mod form;
pub mod progress;
pub mod prompt;
