//! Stress runs (filled in by the stress work).
