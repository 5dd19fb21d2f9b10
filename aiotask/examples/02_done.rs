//! `02_done.py`: `done()` before and after awaiting a task.
use std::time::Duration;

use aiotask::prelude::*;
use aiotask::{Handle, Runtime};

async fn my_coroutine(h: Handle) {
    h.sleep(Duration::from_secs(1)).await;
    println!("Coroutine completed");
}

async fn main_task(h: Handle) {
    let task = h.create_task(my_coroutine(h.clone()));
    if task.done() {
        println!("Task is already done");
    } else {
        println!("Task is not done yet");
    }
    (&task).await.expect("my_coroutine");
    if task.done() {
        println!("Task is now done");
    } else {
        println!("Task is not done yet");
    }
}

fn main() {
    let rt = Runtime::new();
    let h = rt.handle();
    rt.run(main_task(h)).expect("main task");
}
