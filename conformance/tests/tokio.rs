//! The conformance suite on aiotask-tokio, both flavours.
//!
//! The current-thread flavour declares `SINGLE_THREAD`: tokio orders its
//! tasks its own way, and done callbacks run from one dispatcher task, so the
//! checks about ordering between independent tasks report not applicable.
#![cfg(feature = "tokio")]

mod current_thread {
    aiotask_conformance::conformance_tests!(
        aiotask_tokio::Runtime::current_thread(),
        aiotask_conformance::Capabilities::SINGLE_THREAD
    );
}

mod multi_thread {
    aiotask_conformance::conformance_tests!(
        aiotask_tokio::Runtime::multi_thread(2),
        aiotask_conformance::Capabilities::MULTI_THREAD
    );
}
