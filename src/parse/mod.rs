//! parse (to be written).
