//! The command line's argument groups and the code behind them, kept apart
//! from `main.rs`, which only defines the commands and dispatches.

pub mod bitmovin;
pub mod encoding;
pub mod reporting;
pub mod targets;
