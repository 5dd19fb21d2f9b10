//! The conformance report: runs every check on every backend flavour
//! compiled in, each check in a thread of its own with a timeout, and prints
//! a matrix (default) or one JSON object per line (`--json`).
//!
//! ```text
//! cargo run -p aiotask-conformance --release --features native
//! cargo run -p aiotask-conformance --release --features native -- --json
//! cargo run -p aiotask-conformance --release --features native,tokio,smol -- --filter cancel
//! ```
//!
//! Exit status: 0 when nothing failed, 1 when a check failed, 2 on a usage
//! error or when no backend feature was enabled.

use std::collections::BTreeMap;
use std::process::ExitCode;

use aiotask_conformance::Verdict;

const USAGE: &str = "usage: aiotask-conformance [--json] [--filter SUBSTR]

  --json           one JSON object per line:
                   {\"backend\",\"flavor\",\"check\",\"outcome\",\"detail\"}
  --filter SUBSTR  run only the checks whose name (module::check) contains SUBSTR
  --help           this text

Backends are cargo features of this package: native, tokio, smol.";

/// Command-line options.
#[derive(Debug, Default)]
struct Options {
    json: bool,
    filter: Option<String>,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut opts = Self::default();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--json" => opts.json = true,
                "--filter" => {
                    opts.filter = Some(args.next().ok_or("--filter needs a value")?);
                }
                "-h" | "--help" => return Err(String::new()),
                other => match other.strip_prefix("--filter=") {
                    Some(v) => opts.filter = Some(v.to_owned()),
                    None => return Err(format!("unknown argument {other:?}")),
                },
            }
        }
        Ok(opts)
    }

    #[cfg_attr(
        not(any(feature = "native", feature = "tokio", feature = "smol")),
        allow(dead_code)
    )]
    fn selects(&self, check: &str) -> bool {
        self.filter.as_deref().is_none_or(|f| check.contains(f))
    }
}

/// One check's verdict on one flavour.
#[derive(Debug)]
struct Row {
    backend: &'static str,
    flavour: &'static str,
    check: &'static str,
    verdict: Verdict,
}

impl Row {
    fn outcome(&self) -> &'static str {
        match self.verdict {
            Verdict::Pass => "pass",
            Verdict::NotApplicable(_) => "not_applicable",
            Verdict::Fail(_) => "fail",
        }
    }

    fn detail(&self) -> Option<&str> {
        match &self.verdict {
            Verdict::Pass => None,
            Verdict::NotApplicable(why) => Some(why),
            Verdict::Fail(detail) => Some(detail),
        }
    }

    #[cfg_attr(
        not(any(feature = "native", feature = "tokio", feature = "smol")),
        allow(dead_code)
    )]
    fn json(&self) -> String {
        serde_json::json!({
            "backend": self.backend,
            "flavor": self.flavour,
            "check": self.check,
            "outcome": self.outcome(),
            "detail": self.detail(),
        })
        .to_string()
    }
}

/// A backend flavour compiled into this binary.
struct Flavour {
    backend: &'static str,
    flavour: &'static str,
    run: fn(&Flavour, &Options) -> Vec<Row>,
}

/// Every flavour of every backend feature that is on.
fn flavours() -> Vec<Flavour> {
    #[allow(unused_mut)]
    let mut all = Vec::new();
    #[cfg(feature = "native")]
    all.push(Flavour {
        backend: "native",
        flavour: "current_thread",
        run: |f, o| {
            let make: fn() -> aiotask_native::Runtime = aiotask_native::Runtime::new;
            suite::run(
                f,
                o,
                make,
                aiotask_conformance::Capabilities::SINGLE_THREAD_FIFO,
            )
        },
    });
    #[cfg(feature = "tokio")]
    all.push(Flavour {
        backend: "tokio",
        flavour: "current_thread",
        run: |f, o| {
            let make: fn() -> aiotask_tokio::Runtime = aiotask_tokio::Runtime::current_thread;
            suite::run(f, o, make, aiotask_conformance::Capabilities::SINGLE_THREAD)
        },
    });
    #[cfg(feature = "tokio")]
    all.push(Flavour {
        backend: "tokio",
        flavour: "multi_thread",
        run: |f, o| {
            let make: fn() -> aiotask_tokio::Runtime = || aiotask_tokio::Runtime::multi_thread(4);
            suite::run(f, o, make, aiotask_conformance::Capabilities::MULTI_THREAD)
        },
    });
    #[cfg(feature = "smol")]
    all.push(Flavour {
        backend: "smol",
        flavour: "local",
        run: |f, o| {
            let make: fn() -> aiotask_smol::Runtime = aiotask_smol::Runtime::local;
            // Like tokio's current-thread flavour: done callbacks and
            // `call_soon` jobs run from one dispatcher task, so they do not
            // interleave with task steps in a single FIFO as asyncio's do.
            suite::run(f, o, make, aiotask_conformance::Capabilities::SINGLE_THREAD)
        },
    });
    #[cfg(feature = "smol")]
    all.push(Flavour {
        backend: "smol",
        flavour: "multi_thread",
        run: |f, o| {
            let make: fn() -> aiotask_smol::Runtime = || aiotask_smol::Runtime::multi_thread(4);
            suite::run(f, o, make, aiotask_conformance::Capabilities::MULTI_THREAD)
        },
    });
    all
}

#[cfg(any(feature = "native", feature = "tokio", feature = "smol"))]
mod suite {
    use aiotask_api::Runtime;
    use aiotask_conformance::{CHECK_TIMEOUT, Capabilities, checks, execute};

    use crate::{Flavour, Options, Row};

    /// Runs the selected checks on one flavour, printing JSON lines as they come.
    pub(crate) fn run<R: Runtime + 'static>(
        flavour: &Flavour,
        opts: &Options,
        make: fn() -> R,
        caps: Capabilities,
    ) -> Vec<Row> {
        let mut rows = Vec::new();
        for (check, f) in checks::<R>() {
            if !opts.selects(check) {
                continue;
            }
            let row = Row {
                backend: flavour.backend,
                flavour: flavour.flavour,
                check,
                verdict: execute(check, f, make, caps, CHECK_TIMEOUT),
            };
            if opts.json {
                println!("{}", row.json());
            }
            rows.push(row);
        }
        rows
    }
}

/// The human report: one line per check, one column per flavour, then the
/// failures in full and a summary.
fn print_matrix(flavours: &[Flavour], rows: &[Row]) {
    let columns: Vec<String> = flavours
        .iter()
        .map(|f| format!("{}/{}", f.backend, f.flavour))
        .collect();
    let mut by_check: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    let mut order = Vec::new();
    for row in rows {
        by_check.entry(row.check).or_insert_with(|| {
            order.push(row.check);
            Vec::new()
        });
        if let Some(v) = by_check.get_mut(row.check) {
            v.push(row);
        }
    }
    let width = order.iter().map(|c| c.len()).max().unwrap_or(5).max(5);
    let mut header = format!("{:width$}", "check");
    for c in &columns {
        header.push_str(&format!("  {c:>w$}", w = c.len().max(6)));
    }
    println!("{header}");
    println!("{}", "-".repeat(header.len()));
    for check in &order {
        let mut line = format!("{check:width$}");
        for (i, f) in flavours.iter().enumerate() {
            let cell = by_check[check]
                .iter()
                .find(|r| r.backend == f.backend && r.flavour == f.flavour)
                .map_or("-", |r| match r.verdict {
                    Verdict::Pass => "pass",
                    Verdict::NotApplicable(_) => "n/a",
                    Verdict::Fail(_) => "FAIL",
                });
            line.push_str(&format!("  {cell:>w$}", w = columns[i].len().max(6)));
        }
        println!("{line}");
    }
    let failures: Vec<&Row> = rows.iter().filter(|r| r.outcome() == "fail").collect();
    if !failures.is_empty() {
        println!("\nFailures:");
        for r in &failures {
            println!("\n{} on {}/{}:", r.check, r.backend, r.flavour);
            for line in r.detail().unwrap_or_default().lines() {
                println!("    {line}");
            }
        }
    }
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        if let Verdict::NotApplicable(why) = r.verdict {
            *reasons.entry(why).or_default() += 1;
        }
    }
    if !reasons.is_empty() {
        println!("\nNot applicable:");
        for (why, n) in reasons {
            println!("  {n:>3} x {why}");
        }
    }
    let count = |o: &str| rows.iter().filter(|r| r.outcome() == o).count();
    println!(
        "\n{} checks x {} flavour(s): {} passed, {} failed, {} not applicable",
        order.len(),
        flavours.len(),
        count("pass"),
        count("fail"),
        count("not_applicable")
    );
}

fn main() -> ExitCode {
    let opts = match Options::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("aiotask-conformance: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let flavours = flavours();
    if flavours.is_empty() {
        eprintln!(
            "aiotask-conformance: no backend compiled in; enable one or more of the \
             features `native`, `tokio`, `smol` (e.g. `cargo run -p aiotask-conformance --release \
             --features native`)"
        );
        return ExitCode::from(2);
    }
    // Checks make tasks and callbacks panic on purpose; the report carries
    // each failing check's panic message, so the default hook stays quiet.
    aiotask_conformance::install_quiet_panic_hook();
    let mut rows = Vec::new();
    for f in &flavours {
        rows.extend((f.run)(f, &opts));
    }
    if rows.is_empty() {
        eprintln!(
            "aiotask-conformance: no check matches the filter {:?}",
            opts.filter.as_deref().unwrap_or_default()
        );
        return ExitCode::from(2);
    }
    if !opts.json {
        print_matrix(&flavours, &rows);
    }
    if rows.iter().any(|r| r.outcome() == "fail") {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
