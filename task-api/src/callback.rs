//! Done callbacks, compared by identity as Python compares functions.

use std::fmt;
use std::sync::Arc;

/// A done callback: a function of the finished task, with an identity.
///
/// Python's `remove_done_callback(fn)` removes every entry *equal* to `fn`.
/// Rust closures cannot be compared, so a `DoneCallback` is the thing with an
/// identity: adding the same `DoneCallback` twice adds two entries, and
/// removing it removes both. Two callbacks made by separate
/// [`DoneCallback::new`] calls are never equal, even from the same closure.
///
/// `H` is the task handle type the callback receives, e.g.
/// `DoneCallback<aiotask::Task<u8>>`.
///
/// ```
/// use aiotask::{DoneCallback, Task};
///
/// let rt = aiotask::Runtime::new();
/// rt.run(async {
///     let task = aiotask::spawn(async { 1u8 });
///     let log = |t: &Task<u8>| println!("{} done", t.name());
///     let a = DoneCallback::new(log);
///     let b = DoneCallback::new(log); // the same closure, another identity
///     assert_ne!(a, b);
///     task.add_done_callback_ref(&a);
///     task.add_done_callback_ref(&a.clone()); // a clone is `a`: a second entry of it
///     task.add_done_callback_ref(&b);
///     assert_eq!(task.remove_done_callback(&a), 2);
///     assert_eq!(task.remove_done_callback(&b), 1);
/// })
/// .unwrap();
/// ```
pub struct DoneCallback<H: ?Sized> {
    f: Arc<dyn Fn(&H) + Send + Sync + 'static>,
}

impl<H: ?Sized> DoneCallback<H> {
    /// Wraps `f` as a callback with a fresh identity.
    pub fn new(f: impl Fn(&H) + Send + Sync + 'static) -> Self {
        Self { f: Arc::new(f) }
    }

    /// Calls the callback with the task, as a runtime does once the task is
    /// done.
    pub fn call(&self, task: &H) {
        (self.f)(task)
    }

    /// True when `a` and `b` are the same callback (clones of one `new`).
    ///
    /// ```
    /// use aiotask::DoneCallback;
    /// let a = DoneCallback::<()>::new(|_| {});
    /// assert!(DoneCallback::ptr_eq(&a, &a.clone()));
    /// ```
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        // Compare the data pointers only: vtable pointers of one closure may
        // differ between codegen units.
        std::ptr::addr_eq(Arc::as_ptr(&a.f), Arc::as_ptr(&b.f))
    }
}

impl<H: ?Sized> Clone for DoneCallback<H> {
    fn clone(&self) -> Self {
        Self { f: self.f.clone() }
    }
}

impl<H: ?Sized> PartialEq for DoneCallback<H> {
    fn eq(&self, other: &Self) -> bool {
        Self::ptr_eq(self, other)
    }
}

impl<H: ?Sized> Eq for DoneCallback<H> {}

impl<H: ?Sized> fmt::Debug for DoneCallback<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DoneCallback({:p})", Arc::as_ptr(&self.f).cast::<()>())
    }
}
