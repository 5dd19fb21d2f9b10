//! The CPython column: runs `benches/python/asyncio_bench.py`, the same
//! workloads written with asyncio, and reads the JSON it prints.
//!
//! The interpreter is CPython 3.13 when pyenv has it (`PYENV_VERSION=3.13.0
//! python3.13`, the reference version of aiotask's semantics), else
//! `python3`. When neither runs, the report's column says so.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use crate::subject::{Mode, Scenario};

/// One figure of the CPython program.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PyFigure {
    /// Nanoseconds per operation.
    Time(f64),
    /// Heap per parked task, from `tracemalloc`.
    Heap {
        /// Live bytes per task.
        bytes_per_task: f64,
        /// Live allocations (memory blocks) per task.
        allocs_per_task: f64,
    },
}

/// What one run of the asyncio program gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PyRun {
    /// One figure per scenario it measured.
    pub figures: BTreeMap<Scenario, PyFigure>,
    /// The interpreter's peak resident memory in KiB (`VmHWM`, else
    /// `ru_maxrss`), when it could say.
    pub peak_rss_kib: Option<u64>,
}

/// A Python interpreter that ran.
#[derive(Clone, Debug)]
pub struct Python {
    program: String,
    env: Vec<(String, String)>,
    /// The interpreter's version, e.g. `3.13.0`.
    pub version: String,
    /// Whether the interpreter was built with PGO (`--enable-optimizations`).
    pub optimized: bool,
}

/// The path of the asyncio program shipped with this crate.
///
/// ```
/// assert!(aiotask_benches::python::script().ends_with("python/asyncio_bench.py"));
/// ```
pub fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/asyncio_bench.py")
}

impl Python {
    /// Finds an interpreter: CPython 3.13 through pyenv, else `python3`.
    ///
    /// # Errors
    ///
    /// A sentence for the report when no interpreter runs.
    ///
    /// ```no_run
    /// let py = aiotask_benches::python::Python::find().unwrap();
    /// println!("{}", py.version);
    /// ```
    pub fn find() -> Result<Self, String> {
        let candidates: [(&str, Vec<(String, String)>); 2] = [
            (
                "python3.13",
                vec![("PYENV_VERSION".into(), "3.13.0".into())],
            ),
            ("python3", vec![]),
        ];
        for (program, env) in candidates {
            let out = Command::new(program)
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .args([
                    "-c",
                    "import platform, sysconfig; print(platform.python_version()); \
                     print('--enable-optimizations' in (sysconfig.get_config_var('CONFIG_ARGS') or ''))",
                ])
                .output();
            if let Ok(out) = out
                && out.status.success()
            {
                let text = String::from_utf8_lossy(&out.stdout);
                let mut lines = text.lines();
                let version = lines.next().unwrap_or("").trim().to_owned();
                let optimized = lines.next().is_some_and(|l| l.trim() == "True");
                return Ok(Self {
                    program: program.to_owned(),
                    env,
                    version,
                    optimized,
                });
            }
        }
        Err("python3 not found: no CPython column".to_owned())
    }

    /// A sentence on how the interpreter was built, for the report.
    ///
    /// ```no_run
    /// println!("{}", aiotask_benches::python::Python::find().unwrap().build_note());
    /// ```
    pub fn build_note(&self) -> String {
        if self.optimized {
            "The interpreter was built with PGO (`--enable-optimizations`).".into()
        } else {
            "This interpreter was built without PGO/LTO (`--enable-optimizations` absent from \
             its configure flags), like pyenv's default build: distribution builds of CPython \
             are typically faster."
                .into()
        }
    }

    /// Runs the asyncio program once for `scenarios` and returns one figure
    /// per scenario it measured, and its peak memory.
    ///
    /// # Errors
    ///
    /// When the program fails or prints something that is not its JSON.
    ///
    /// ```no_run
    /// use aiotask_benches::{Mode, Scenario, python::Python};
    /// let run = Python::find().unwrap().run(&[Scenario::CancelOne], Mode::Quick).unwrap();
    /// assert!(run.figures.contains_key(&Scenario::CancelOne));
    /// ```
    pub fn run(&self, scenarios: &[Scenario], mode: Mode) -> Result<PyRun, String> {
        let ids: Vec<&str> = scenarios.iter().map(|s| s.id()).collect();
        let mut cmd = Command::new(&self.program);
        cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .arg(script())
            .arg(match mode {
                Mode::Quick => "--quick",
                Mode::Full => "--full",
            })
            .arg("--scenarios")
            .arg(ids.join(","));
        let out = cmd
            .output()
            .map_err(|e| format!("running {}: {e}", self.program))?;
        if !out.status.success() {
            return Err(format!(
                "{} exited with {}: {}",
                self.program,
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("reading the asyncio program's JSON: {e}"))?;
        let mut figures = BTreeMap::new();
        let Some(results) = json.get("results").and_then(|r| r.as_object()) else {
            return Err("the asyncio program printed no \"results\"".into());
        };
        for (id, fig) in results {
            let Some(scenario) = Scenario::from_id(id) else {
                continue;
            };
            if let Some(ns) = fig.get("ns_per_op").and_then(serde_json::Value::as_f64) {
                figures.insert(scenario, PyFigure::Time(ns));
            } else if let Some(bytes) = fig
                .get("bytes_per_task")
                .and_then(serde_json::Value::as_f64)
            {
                let allocs = fig
                    .get("allocs_per_task")
                    .and_then(serde_json::Value::as_f64)
                    .unwrap_or(f64::NAN);
                figures.insert(
                    scenario,
                    PyFigure::Heap {
                        bytes_per_task: bytes,
                        allocs_per_task: allocs,
                    },
                );
            }
        }
        Ok(PyRun {
            figures,
            peak_rss_kib: json.get("peak_rss_kib").and_then(serde_json::Value::as_u64),
        })
    }
}
