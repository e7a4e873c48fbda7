#![forbid(unsafe_code)]
pub const EXAMPLES: &[shared::index::Example] = &[];
