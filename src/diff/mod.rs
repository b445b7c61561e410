//! The difference between two schemas as an ordered list of [`Change`]s.

mod change;

pub use change::{Change, inverse_of};
