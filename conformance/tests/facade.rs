//! The conformance suite through the facade's `aiotask::Runtime`, which
//! dispatches to the backend it was made from: one flavour of each backend
//! (the others are stamped in tests/native.rs, tokio.rs, smol.rs).
#![cfg(all(feature = "native", feature = "tokio", feature = "smol"))]

mod native {
    aiotask_conformance::conformance_tests!(
        aiotask::Runtime::from(aiotask::native::Runtime::new()),
        aiotask_conformance::Capabilities::SINGLE_THREAD_FIFO
    );
}

mod tokio_multi_thread {
    aiotask_conformance::conformance_tests!(
        aiotask::Runtime::from(aiotask::tokio::Runtime::multi_thread(2)),
        aiotask_conformance::Capabilities::MULTI_THREAD
    );
}

mod smol_local {
    aiotask_conformance::conformance_tests!(
        aiotask::Runtime::from(aiotask::smol::Runtime::local()),
        aiotask_conformance::Capabilities::SINGLE_THREAD
    );
}
