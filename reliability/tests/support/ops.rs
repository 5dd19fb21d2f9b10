//! The operation generator shared by `tests/model.rs` (model against the
//! backends) and `tests/model_cpython.rs` (model against CPython), so both
//! draw the same sequences.

use aiotask_reliability::model::Op;
use proptest::prelude::*;

/// The operations, weighted so that every outcome is common (see
/// `the_generator_reaches_every_situation` in `tests/model.rs`).
pub fn op() -> impl Strategy<Value = Op> {
    let msg = || prop_oneof![Just(None), (0u8..3).prop_map(Some)];
    prop_oneof![
        24 => Just(Op::Step),
        6 => msg().prop_map(Op::Cancel),
        6 => Just(Op::Uncancel),
        6 => (0u8..2).prop_map(Op::AddCallback),
        3 => (0u8..2).prop_map(Op::RemoveCallback),
        4 => (0u32..10).prop_map(Op::Complete),
        2 => (0u8..3).prop_map(Op::Fail),
        2 => (0u8..3).prop_map(Op::Panic),
        6 => Just(Op::Yield),
        8 => Just(Op::CatchNextCancel),
        3 => msg().prop_map(Op::SelfCancel),
        2 => Just(Op::SelfUncancel),
        4 => Just(Op::Await),
        3 => (0u8..3, msg()).prop_map(|(k, m)| Op::CancelAwaiter(k, m)),
        5 => Just(Op::Result),
        3 => Just(Op::Exception),
        2 => Just(Op::DropHandle),
    ]
}

/// Sequences of 1 to 30 operations.
pub fn ops() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op(), 1..=30)
}
