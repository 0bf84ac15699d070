//! Running the built binary from async tests, and reading its JSON report.

use std::time::Duration;

use super::bin::Ftpdoctor;

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
    env.into_iter()
        .fold(Ftpdoctor::new(&args), |run, (key, value)| {
            run.env(key, value)
        })
        .run_async()
        .await
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
