//! Other threads create, cancel and wake tasks while the loop is parked or busy.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aiotask_api::RuntimeHandle as _;
use aiotask_core::CatchCancelExt;
use aiotask_native::Runtime;

#[test]
fn cancel_from_another_thread_wakes_a_parked_loop() {
    let rt = Runtime::new();
    let h = rt.handle();
    let sleeper = h.create_task({
        let h = h.clone();
        async move {
            match h.sleep(Duration::from_secs(3600)).catch_cancel().await {
                Ok(()) => None,
                Err(e) => e.message().map(str::to_owned),
            }
        }
    });
    let remote = sleeper.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        assert!(remote.cancel_with("from afar"));
    });
    let got = rt.run_until_complete(&sleeper).unwrap();
    canceller.join().unwrap();
    assert_eq!(got.as_deref(), Some("from afar"));
    assert_eq!(sleeper.cancelling(), 1);
    assert!(!sleeper.cancelled(), "the body suppressed the cancellation");
}

#[test]
fn cancel_while_the_loop_is_busy_is_delivered_at_the_next_suspension() {
    let rt = Runtime::new();
    let h = rt.handle();
    let started = Arc::new(AtomicBool::new(false));
    let flag = started.clone();
    let busy = h.create_task({
        let h = h.clone();
        async move {
            flag.store(true, Ordering::SeqCst);
            // Busy inside one step: the cancel lands while RUNNING.
            std::thread::sleep(Duration::from_millis(50));
            h.sleep(Duration::from_secs(3600)).await;
            "never"
        }
    });
    let remote = busy.clone();
    let t = std::thread::spawn(move || {
        while !started.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        assert!(remote.cancel_with("busy"));
    });
    let err = rt.run_until_complete(&busy).unwrap_err();
    t.join().unwrap();
    assert_eq!(err.cancelled().and_then(|c| c.message()), Some("busy"));
    assert!(busy.cancelled());
}

#[test]
fn tasks_created_on_other_threads_run_on_the_loop() {
    let rt = Runtime::new();
    let h = rt.handle();
    let loop_thread = std::thread::current().id();
    let main = h.create_task({
        let h = h.clone();
        async move {
            let h2 = h.clone();
            let child = std::thread::spawn(move || {
                h2.create_task(async move { std::thread::current().id() })
            })
            .join()
            .unwrap();
            child.await.unwrap()
        }
    });
    assert_eq!(rt.run_until_complete(&main).unwrap(), loop_thread);
}

#[test]
fn a_waker_called_from_another_thread_resumes_the_task() {
    use std::sync::Mutex;
    use std::task::{Poll, Waker};

    let rt = Runtime::new();
    let h = rt.handle();
    let slot: Arc<Mutex<(bool, Option<Waker>)>> = Arc::new(Mutex::new((false, None)));
    let waiter_slot = slot.clone();
    let task = h.create_task(std::future::poll_fn(move |cx| {
        let mut s = waiter_slot.lock().unwrap();
        if s.0 {
            Poll::Ready(7)
        } else {
            s.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }));
    let setter = std::thread::spawn(move || {
        loop {
            let mut s = slot.lock().unwrap();
            if let Some(w) = s.1.take() {
                s.0 = true;
                drop(s);
                w.wake();
                return;
            }
            drop(s);
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    assert_eq!(rt.run_until_complete(&task).unwrap(), 7);
    setter.join().unwrap();
}
