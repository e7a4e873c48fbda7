//! (being written: owned by the supervisor helper)
