//! (being written: owned by the core-multiprocessing helper)
