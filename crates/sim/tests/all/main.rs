//! The simulator's integration tests, one test binary: hand-worked figures and the conclusions the
//! evaluation draws.

mod conclusions;
mod hand_worked;
