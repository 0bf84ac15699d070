//! Running the built binary from async tests, and reading its JSON report.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A finished run: exit code, the parsed JSON (when asked for) and a description of the
/// run to show when an assertion fails.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub shown: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.shown))
    }
}

/// Runs the binary off the async runtime (the lab under test lives on it).
pub async fn ftpdoctor(args: Vec<String>, env: Vec<(&'static str, String)>) -> Run {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let output: Output = Command::new(env!("CARGO_BIN_EXE_ftpdoctor"))
            .args(&args)
            // The table's width and characters follow the environment: pin them, so a
            // test sees what it asks for (its own `env` comes after and wins).
            .env_remove("LC_ALL")
            .env_remove("LC_CTYPE")
            .env_remove("COLUMNS")
            .env("LANG", "C.UTF-8")
            .envs(env)
            .output()
            .unwrap_or_else(|e| panic!("running ftpdoctor: {e}"));
        let elapsed = started.elapsed();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let shown = format!(
            "ftpdoctor {}\nstatus: {} after {elapsed:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            args.join(" "),
            output.status,
        );
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout,
            stderr,
            shown,
            elapsed,
        }
    })
    .await
    .unwrap_or_else(|e| panic!("the runner thread died: {e}"))
}

/// `probe URL --format json --timeout 1s` plus `extra`.
pub async fn probe_json(url: &str, extra: &[&str]) -> Run {
    let mut args = vec!["probe", url, "--format", "json", "--timeout", "1s"];
    args.extend_from_slice(extra);
    ftpdoctor(args.iter().map(ToString::to_string).collect(), Vec::new()).await
}

pub fn statuses(report: &Value) -> Vec<String> {
    modes(report)
        .iter()
        .map(|m| {
            format!(
                "{}={}",
                m["mode"].as_str().unwrap_or("?"),
                m["status"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

pub fn modes(report: &Value) -> Vec<Value> {
    report["modes"].as_array().cloned().unwrap_or_default()
}

pub fn mode(report: &Value, name: &str) -> Value {
    modes(report)
        .into_iter()
        .find(|m| m["mode"] == name)
        .unwrap_or(Value::Null)
}

/// `id@mode` for each finding, sorted (`id@-` for control-connection findings).
pub fn findings(report: &Value) -> Vec<String> {
    let mut ids: Vec<String> = report["findings"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|f| {
                    format!(
                        "{}@{}",
                        f["id"].as_str().unwrap_or("?"),
                        f["mode"].as_str().unwrap_or("-")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}
