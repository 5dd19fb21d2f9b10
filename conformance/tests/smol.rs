//! The conformance suite on aiotask-smol, both flavours.
//!
//! The local flavour declares `SINGLE_THREAD`: done callbacks and
//! `call_soon` jobs run from one dispatcher task, so they do not share one
//! FIFO with task steps, and the ordering checks report not applicable.
#![cfg(feature = "smol")]

mod local {
    aiotask_conformance::conformance_tests!(
        aiotask_smol::Runtime::local(),
        aiotask_conformance::Capabilities::SINGLE_THREAD
    );
}

mod multi_thread {
    aiotask_conformance::conformance_tests!(
        aiotask_smol::Runtime::multi_thread(2),
        aiotask_conformance::Capabilities::MULTI_THREAD
    );
}
