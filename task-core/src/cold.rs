//! [`ColdSlot`]: the rare data of a task, in a block allocated the first
//! time one of its fields is set.
//!
//! Most tasks never get a cancel message or a name of their own: they never
//! allocate this block, and their state keeps one pointer for it (issue
//! 12's memory target). What lives here, and what stays in the state:
//!
//! | field            | CPython                             | the state keeps |
//! |------------------|-------------------------------------|-----------------|
//! | `name`           | `_name`, when given                 | the `Task-N` number, `0` when given |
//! | `cancel_message` | `_cancel_message`                   | nothing: no block means no message |
//! | `exc_message`    | the message of `_cancelled_exc`     | whether an error is kept (one bit) |
//! | `leaf_message`   | the message of the error a cancel handed to `_fut_waiter` | whether it was handed (one bit) |
//!
//! Rule C1: **setting a field to `None` never allocates.** A block that
//! does not exist reads as every field `None`; so a cancel without a
//! message, the common case, costs no allocation.

use std::sync::Arc;

use aiotask_api::CancelledError;

/// A message field of the block.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Field {
    Name,
    CancelMessage,
    ExcMessage,
    LeafMessage,
}

/// The rare data of a task (see the module's table).
#[derive(Debug, Default)]
pub(crate) struct Cold {
    name: Option<Arc<str>>,
    cancel_message: Option<Arc<str>>,
    exc_message: Option<Arc<str>>,
    leaf_message: Option<Arc<str>>,
}

impl Cold {
    #[inline]
    fn field(&self, field: Field) -> &Option<Arc<str>> {
        match field {
            Field::Name => &self.name,
            Field::CancelMessage => &self.cancel_message,
            Field::ExcMessage => &self.exc_message,
            Field::LeafMessage => &self.leaf_message,
        }
    }

    #[inline]
    fn field_mut(&mut self, field: Field) -> &mut Option<Arc<str>> {
        match field {
            Field::Name => &mut self.name,
            Field::CancelMessage => &mut self.cancel_message,
            Field::ExcMessage => &mut self.exc_message,
            Field::LeafMessage => &mut self.leaf_message,
        }
    }
}

/// The lazily allocated block (rule C1).
#[derive(Debug, Default)]
pub(crate) struct ColdSlot(Option<Box<Cold>>);

impl ColdSlot {
    /// The field now (a clone of the `Arc`: no copy of the text).
    #[inline]
    pub(crate) fn get(&self, field: Field) -> Option<Arc<str>> {
        self.0
            .as_deref()
            .and_then(|block| block.field(field).clone())
    }

    /// Sets the field; `None` into a block never allocated allocates
    /// nothing (rule C1). Returns what it replaced.
    #[inline]
    pub(crate) fn set(&mut self, field: Field, value: Option<Arc<str>>) -> Option<Arc<str>> {
        if value.is_none() && self.0.is_none() {
            return None;
        }
        self.set_in_block(field, value)
    }

    #[cold]
    fn set_in_block(&mut self, field: Field, value: Option<Arc<str>>) -> Option<Arc<str>> {
        match &mut self.0 {
            Some(block) => std::mem::replace(block.field_mut(field), value),
            slot @ None => {
                let mut block = Box::<Cold>::default();
                *block.field_mut(field) = value;
                *slot = Some(block);
                None
            }
        }
    }

    /// Takes the field out, leaving `None`.
    #[inline]
    pub(crate) fn take(&mut self, field: Field) -> Option<Arc<str>> {
        self.0
            .as_deref_mut()
            .and_then(|block| block.field_mut(field).take())
    }

    /// Keeps `error` as one bit in `kept` and its message in `field`.
    #[inline]
    pub(crate) fn keep_cancel(
        &mut self,
        kept: &mut bool,
        field: Field,
        error: Option<CancelledError>,
    ) {
        *kept = error.is_some();
        let _ = self.set(field, error.and_then(CancelledError::into_message));
    }

    /// Takes out an error kept by [`keep_cancel`](Self::keep_cancel).
    #[inline]
    pub(crate) fn take_cancel(&mut self, kept: &mut bool, field: Field) -> Option<CancelledError> {
        if !std::mem::take(kept) {
            return None;
        }
        Some(CancelledError::from_message(self.take(field)))
    }

    /// Whether the block was ever allocated.
    #[cfg(test)]
    pub(crate) fn is_allocated(&self) -> bool {
        self.0.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_message_allocates_nothing() {
        let mut c = ColdSlot::default();
        assert_eq!(c.set(Field::CancelMessage, None), None);
        let mut kept = false;
        c.keep_cancel(&mut kept, Field::ExcMessage, Some(CancelledError::new()));
        assert!(kept && !c.is_allocated());
        assert_eq!(
            c.take_cancel(&mut kept, Field::ExcMessage),
            Some(CancelledError::new())
        );
        assert_eq!(c.take_cancel(&mut kept, Field::ExcMessage), None);
        assert!(!c.is_allocated());
    }

    #[test]
    fn messages_are_kept_apart_and_taken_once() {
        let mut c = ColdSlot::default();
        let _ = c.set(Field::CancelMessage, Some("a".into()));
        let mut kept = false;
        c.keep_cancel(
            &mut kept,
            Field::LeafMessage,
            Some(CancelledError::with_message("leaf")),
        );
        assert_eq!(c.get(Field::CancelMessage).as_deref(), Some("a"));
        assert_eq!(
            c.take_cancel(&mut kept, Field::LeafMessage),
            Some(CancelledError::with_message("leaf"))
        );
        assert_eq!(c.get(Field::LeafMessage), None);
        assert_eq!(c.set(Field::CancelMessage, None).as_deref(), Some("a"));
        assert_eq!(c.get(Field::Name), None);
    }
}
