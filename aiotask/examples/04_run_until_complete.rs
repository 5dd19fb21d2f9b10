//! `04_run_until_complete.py`: create a task on a loop that is not running,
//! then run the loop until it is done.
use std::time::Duration;

use aiotask::prelude::*;
use aiotask::{Handle, Runtime};

async fn hello1(h: Handle, a: i64, b: i64) -> i64 {
    println!("Hello world 01 begin");
    h.sleep(Duration::from_secs(3)).await;
    println!("Hello again 01 end");
    a + b
}

fn main() {
    let rt = Runtime::new();
    let task = rt.handle().create_task(hello1(rt.handle(), 10, 5));
    rt.run_until_complete(&task).expect("hello1");
    println!("-------------------------------------");
    println!("{}", task.result().expect("finished"));
}
