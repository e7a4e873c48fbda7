//! Figures bench: written next.
fn main() {}
