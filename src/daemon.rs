//! daemon (to be written).
