//! Widgets shared by several panes: the form (wizard, connection editor), the one-line
//! prompt field and the pick list.

pub mod columns;
pub mod filter_line;
pub mod form;
pub mod pick;
pub mod progress;
pub mod prompt;
