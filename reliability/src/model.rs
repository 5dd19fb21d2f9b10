//! Reference model (filled in by the model work).
