//! The one event stream of a run: the whole interface between the runner and what shows or
//! keeps the run (the console, its progress bar, the on-disk record).
//!
//! Sinks are a trait rather than a channel: the runner drives every chain on one task, so an
//! event is handed to each sink synchronously, in the order the run produced it, with no
//! copy of the case, no buffer to bound and no second task to join. A sink that is slow
//! (a terminal) slows the run instead of letting memory grow.

use crate::results::{CaseResult, Cases, CasesWriter, SkippedOperation, Totals};

/// Something that happened in a run, in the order it happened.
#[derive(Debug, Clone, Copy)]
pub enum RunEvent<'a> {
    /// The run is about to send its first case: `planned` cases in all.
    RunStarted { planned: usize },
    /// An operation none of whose cases will be sent, and why.
    OperationSkipped { operation: &'a str, reason: &'a str },
    /// A case finished (passed, failed, warned or skipped).
    CaseFinished { result: &'a CaseResult },
    /// The run is over and recorded: its totals.
    RunFinished { totals: &'a Totals },
}

/// Receives the events of a run.
pub trait Sink {
    /// Takes one event.
    fn event(&mut self, event: RunEvent<'_>);
}

impl<F: FnMut(&CaseResult)> Sink for F {
    /// Calls the function with each finished case (and ignores the other events).
    fn event(&mut self, event: RunEvent<'_>) {
        if let RunEvent::CaseFinished { result } = event {
            self(result);
        }
    }
}

/// Hands each event to two sinks, in order.
pub struct Both<'a>(pub &'a mut dyn Sink, pub &'a mut dyn Sink);

impl Sink for Both<'_> {
    fn event(&mut self, event: RunEvent<'_>) {
        self.0.event(event);
        self.1.event(event);
    }
}

/// The record of a run as a sink: cases go to disk as they finish (see [`Cases`]), skipped
/// operations and throttled cases are kept for the run's header.
pub struct Recorder {
    writer: CasesWriter,
    skipped: Vec<SkippedOperation>,
    throttled: usize,
}

/// What a [`Recorder`] kept, once the run is over.
pub struct Recorded {
    pub cases: Cases,
    pub skipped: Vec<SkippedOperation>,
    pub throttled: usize,
}

impl Recorder {
    /// Opens the record's temporary file.
    pub fn new() -> std::io::Result<Recorder> {
        Ok(Recorder {
            writer: CasesWriter::new()?,
            skipped: Vec::new(),
            throttled: 0,
        })
    }

    /// Closes the record: the cases, the operations skipped whole, the throttled count; or
    /// the first write error.
    pub fn finish(self) -> std::io::Result<Recorded> {
        Ok(Recorded {
            cases: self.writer.finish()?,
            skipped: self.skipped,
            throttled: self.throttled,
        })
    }
}

impl Sink for Recorder {
    fn event(&mut self, event: RunEvent<'_>) {
        match event {
            RunEvent::RunStarted { .. } | RunEvent::RunFinished { .. } => {}
            RunEvent::OperationSkipped { operation, reason } => {
                self.skipped.push(SkippedOperation {
                    operation: operation.to_string(),
                    reason: reason.to_string(),
                });
            }
            RunEvent::CaseFinished { result } => {
                self.throttled += usize::from(super::is_throttled(result));
                self.writer.push(result);
            }
        }
    }
}
