//! The contract's basics on both tokio flavours.
//!
//! The generic tests live once, in `backend-common-tests/basics.rs`, shared
//! with the other hosted backend; this file instantiates them and keeps what
//! is particular to tokio.

use std::time::Duration;

use aiotask_api::RuntimeHandle as _;
use aiotask_core::CatchCancelExt as _;
use aiotask_tokio::{Runtime, Task};

#[macro_use]
#[path = "common/basics.rs"]
mod common;

fn tokio_io_inside_task(rt: Runtime) {
    let h = rt.handle();
    let out = rt.run(async move {
        let server = h.create_try_task(async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            println!("listening on {addr}");
            match listener.accept().catch_cancel().await {
                Ok(_) => Ok("accepted"),
                Err(cancelled) => {
                    Err(Box::new(cancelled) as Box<dyn std::error::Error + Send + Sync>)
                }
            }
        });
        h.sleep(Duration::from_millis(20)).await;
        assert!(!server.done(), "accept is pending");
        assert!(server.cancel_with("server shutting down"));
        server.await
    });
    let err = out.unwrap().unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    assert_eq!(
        err.cancelled().unwrap().message(),
        Some("server shutting down")
    );
}

hosted_basics!(
    current_thread,
    Runtime::current_thread(),
    parallel = false,
    extra = [tokio_io_inside_task]
);
hosted_basics!(
    multi_thread,
    Runtime::multi_thread(2),
    parallel = true,
    extra = [tokio_io_inside_task]
);

hosted_thread_tests!(multi = Runtime::multi_thread(2), default = Runtime::new());

#[test]
fn auto_traits() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Runtime>();
    send_sync::<aiotask_tokio::Handle>();
    send_sync::<Task<String>>();
    send_sync::<aiotask_tokio::Join<String>>();
}
