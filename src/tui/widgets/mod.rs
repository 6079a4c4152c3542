//! Widgets shared by several panes: the form (wizard, connection editor) and the one-line
//! prompt field.

pub mod form;
pub mod pick;
pub mod prompt;
