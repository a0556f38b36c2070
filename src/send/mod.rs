//! send (to be written).
