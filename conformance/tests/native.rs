//! The conformance suite on aiotask-native's single-threaded FIFO loop.
#![cfg(feature = "native")]

aiotask_conformance::conformance_tests!(
    aiotask_native::Runtime::new(),
    aiotask_conformance::Capabilities::SINGLE_THREAD_FIFO
);
