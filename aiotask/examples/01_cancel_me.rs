//! `01_cancel_me.py`: a task catches its cancellation at an await, cleans
//! up, and lets it propagate; its awaiter sees it cancelled.
use std::time::Duration;

use aiotask::prelude::*;
use aiotask::{CancelledError, Handle, Runtime};

async fn cancel_me(h: Handle) -> Result<(), CancelledError> {
    println!("cancel_me(): before sleep");
    let slept = h.sleep(Duration::from_secs(3600)).catch_cancel().await;
    if slept.is_err() {
        println!("cancel_me(): cancel sleep");
    }
    println!("cancel_me(): after sleep"); // Python's `finally:`
    slept // `raise`: propagate the cancellation
}

async fn main_task(h: Handle) {
    let task = h.create_try_task(cancel_me(h.clone()));
    h.sleep(Duration::from_secs(1)).await;
    println!("main(): slept");
    task.cancel();
    if let Err(e) = task.await
        && e.is_cancelled()
    {
        println!("main(): cancel_me is cancelled now");
    }
}

fn main() {
    let rt = Runtime::new();
    let h = rt.handle();
    rt.run(main_task(h)).expect("main task");
}
