//! schedule (to be written).
