//! `06_lifecycle_tour.py`: done/cancelled/result/exception in every state,
//! cancel with a message, suppression, callbacks, names.
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aiotask::prelude::*;
use aiotask::{DoneCallback, Handle, Runtime, Task, TaskError};

/// Python's `True` / `False`.
fn py(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// Python's repr of a list of strings.
fn py_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    format!("[{}]", inner.join(", "))
}

/// Python's `ValueError`, printed as its repr.
struct ValueError(&'static str);

impl fmt::Debug for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValueError('{}')", self.0)
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ValueError {}

async fn work(h: Handle, value: i64, delay: Duration) -> i64 {
    h.sleep(delay).await;
    value
}

async fn fail(h: Handle, delay: Duration) -> Result<i64, ValueError> {
    h.sleep(delay).await;
    Err(ValueError("boom"))
}

async fn main_task(h: Handle) {
    let ms10 = Duration::from_millis(10);

    // 2.1 done(): a scheduled task is not done; a finished one is
    let t = h.create_named_task("MyTask", work(h.clone(), 1, ms10));
    println!(
        "scheduled done: {} cancelled: {}",
        py(t.done()),
        py(t.cancelled())
    );
    // 3. result() before done -> InvalidStateError
    if let Err(TaskError::InvalidState(_)) = t.result() {
        println!("result before done: InvalidStateError");
    }
    // 4. exception() before done -> InvalidStateError
    if let Err(TaskError::InvalidState(_)) = t.exception() {
        println!("exception before done: InvalidStateError");
    }
    (&t).await.expect("work");
    let exception = match t.exception() {
        Ok(None) => "None".to_owned(),
        other => format!("{other:?}"),
    };
    println!(
        "finished done: {} result: {} exception: {}",
        py(t.done()),
        t.result().expect("finished"),
        exception
    );
    // 5. cancel() on a done task returns False and does not cancel it
    println!(
        "cancel after done: {} cancelled: {}",
        py(t.cancel()),
        py(t.cancelled())
    );

    // 4. a failing task: result() re-raises, exception() returns it
    let f = h.create_try_task(fail(h.clone(), ms10));
    if let Err(TaskError::Failed(e)) = (&f).await {
        println!("await failing task raised: {e:?}");
    }
    if let Err(TaskError::Failed(e)) = f.result() {
        println!("result re-raises: {e:?}");
    }
    let failure = f.exception().expect("done").expect("failed");
    println!("exception(): {failure:?} cancelled: {}", py(f.cancelled()));

    // 5. cancel with a message; result() and exception() raise CancelledError
    let c = h.create_task(work(h.clone(), 2, Duration::from_secs(3600)));
    h.yield_now().await;
    println!("cancel pending: {}", py(c.cancel_with("stop now")));
    println!(
        "cancelled right after cancel(): {} done: {}",
        py(c.cancelled()),
        py(c.done())
    );
    if let Err(TaskError::Cancelled(e)) = (&c).await {
        println!(
            "await cancelled task raised CancelledError: {}",
            e.args_repr()
        );
    }
    println!("cancelled: {} done: {}", py(c.cancelled()), py(c.done()));
    if let Err(TaskError::Cancelled(e)) = c.result() {
        println!(
            "result() on cancelled task: CancelledError {}",
            e.args_repr()
        );
    }
    if let Err(TaskError::Cancelled(e)) = c.exception() {
        println!(
            "exception() on cancelled task: CancelledError {}",
            e.args_repr()
        );
    }

    // 5. a coroutine that handles CancelledError is not cancelled
    let h2 = h.clone();
    let s = h.create_task(async move {
        match h2.sleep(Duration::from_secs(3600)).catch_cancel().await {
            Ok(()) => "slept",
            Err(_cancelled) => "suppressed",
        }
    });
    h.yield_now().await;
    println!("cancel stubborn: {}", py(s.cancel()));
    let r = (&s).await.expect("stubborn");
    println!("stubborn result: {r} cancelled: {}", py(s.cancelled()));

    // 6. done callbacks: FIFO, receive the task, remove returns count
    let order = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = order.clone();
    let cb1 = DoneCallback::new(move |task: &Task<i64>| {
        log.lock().unwrap().push(format!("cb1:{}", task.name()))
    });
    let log = order.clone();
    let cb2 = DoneCallback::new(move |task: &Task<i64>| {
        log.lock().unwrap().push(format!("cb2:{}", task.name()))
    });
    let d = h.create_named_task("CB", work(h.clone(), 3, ms10));
    d.add_done_callback_ref(&cb1);
    d.add_done_callback_ref(&cb2);
    d.add_done_callback_ref(&cb1);
    println!("removed cb1: {}", d.remove_done_callback(&cb1));
    println!("removed cb1 again: {}", d.remove_done_callback(&cb1));
    d.add_done_callback_ref(&cb1);
    (&d).await.expect("work");
    println!(
        "callbacks ran after await: {}",
        py_list(&order.lock().unwrap())
    );
    h.yield_now().await;
    println!(
        "callbacks ran after one more loop step: {}",
        py_list(&order.lock().unwrap())
    );
    let late = Arc::new(Mutex::new(Vec::<i64>::new()));
    let sink = late.clone();
    d.add_done_callback(move |task: &Task<i64>| sink.lock().unwrap().push(task.result().unwrap()));
    println!(
        "late callback ran synchronously: {:?}",
        late.lock().unwrap()
    );
    h.yield_now().await;
    println!(
        "late callback ran after one step: {:?}",
        late.lock().unwrap()
    );

    // 7. names
    let n = h.create_task(work(h.clone(), 4, Duration::ZERO));
    println!(
        "default name looks like Task-N: {}",
        py(n.name().starts_with("Task-"))
    );
    n.set_name("Renamed");
    println!("renamed: {}", n.name());
    (&n).await.expect("work");
}

fn main() {
    let rt = Runtime::new();
    let h = rt.handle();
    rt.run(main_task(h)).expect("main task");
}
