//! `03_result.py`: `result()` after awaiting a task.
use std::time::Duration;

use aiotask::prelude::*;
use aiotask::{Handle, Runtime};

async fn my_coroutine(h: Handle) -> &'static str {
    h.sleep(Duration::from_secs(1)).await;
    "Coroutine completed"
}

async fn main_task(h: Handle) {
    let task = h.create_task(my_coroutine(h.clone()));
    (&task).await.expect("my_coroutine");
    let result = task.result().expect("finished");
    println!("Task result: {result}");
}

fn main() {
    let rt = Runtime::new();
    let h = rt.handle();
    rt.run(main_task(h)).expect("main task");
}
