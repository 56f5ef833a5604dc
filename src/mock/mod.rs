//! The reference mock (being written).
