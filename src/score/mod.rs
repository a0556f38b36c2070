//! score (to be written).
