//! `05_done_callback.py`: a done callback receives the task and reads its
//! result; it runs before `run_until_complete` returns.
use std::time::Duration;

use aiotask::prelude::*;
use aiotask::{Handle, Runtime, Task};

async fn hello1(h: Handle, a: i64, b: i64) -> i64 {
    println!("Hello world 01 begin");
    h.sleep(Duration::from_secs(3)).await;
    println!("Hello again 01 end");
    a + b
}

fn callback(future: &Task<i64>) {
    println!("{}", future.result().expect("finished"));
}

fn main() {
    let rt = Runtime::new();
    let task = rt.handle().create_task(hello1(rt.handle(), 10, 5));
    task.add_done_callback(callback);
    rt.run_until_complete(&task).expect("hello1");
}
