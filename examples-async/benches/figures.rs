//! Figures: filled in below.
fn main() {}
