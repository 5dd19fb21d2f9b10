//! Reliability checks for aiotask: stress runs on every backend and
//! flavour ([`stress`]), and a reference model of CPython 3.13's
//! `asyncio.Task` state machine that the property tests compare the real
//! tasks against ([`model`]).
#![forbid(unsafe_code)]

pub mod model;
pub mod stress;
