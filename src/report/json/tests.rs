//! The JSON printers against schema v1 (docs/report-schema.md): every required field, with its type, read
//! back through `serde_json::Value` as a consumer would.

use std::io::{self, Write};

use serde_json::Value;

use super::{write_json, write_jsonl};
use crate::report::sample;

fn to_value(report: &crate::report::Report) -> Value {
    let mut out = Vec::new();
    write_json(std::slice::from_ref(report), &mut out).expect("writing to a Vec");
    serde_json::from_slice(&out).expect("valid JSON")
}

/// `v[key]`, failing the test with the path when the key is absent (`Value`'s own
/// indexing returns null for a missing key, which would hide exactly what we test).
#[track_caller]
fn get<'a>(v: &'a Value, key: &str) -> &'a Value {
    match v.as_object() {
        Some(obj) => match obj.get(key) {
            Some(field) => field,
            None => panic!("missing field {key:?} in {v}"),
        },
        None => panic!("not an object where {key:?} was expected: {v}"),
    }
}

#[track_caller]
fn string<'a>(v: &'a Value, key: &str) -> &'a str {
    match get(v, key).as_str() {
        Some(s) => s,
        None => panic!("{key:?} is not a string: {v}"),
    }
}

#[track_caller]
fn number(v: &Value, key: &str) -> f64 {
    match get(v, key).as_f64() {
        Some(n) => n,
        None => panic!("{key:?} is not a number: {v}"),
    }
}

#[track_caller]
fn array<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    match get(v, key).as_array() {
        Some(a) => a,
        None => panic!("{key:?} is not an array: {v}"),
    }
}

#[track_caller]
fn one_of(v: &Value, key: &str, allowed: &[&str]) -> String {
    let s = string(v, key);
    assert!(
        allowed.contains(&s),
        "{key:?} = {s:?}, not one of {allowed:?}"
    );
    s.to_string()
}

#[track_caller]
fn check_reply(v: &Value) {
    let code = get(v, "code").as_u64().expect("reply.code is an integer");
    assert!((100..600).contains(&code), "reply code {code}");
    string(v, "text");
}

#[test]
fn schema_v1_every_required_field_with_its_type() {
    let v = to_value(&sample::report());

    assert_eq!(string(&v, "schema"), "ftpdoctor.report/v1");

    let target = get(&v, "target");
    string(target, "input");
    string(target, "host");
    assert_eq!(get(target, "port").as_u64(), Some(2121));
    let resolved = array(target, "resolved");
    assert_eq!(resolved, &[Value::from("127.0.0.1")]);

    let control = get(&v, "control");
    assert_eq!(string(control, "peer"), "127.0.0.1:2121");
    assert_eq!(string(control, "local"), "127.0.0.1:40112");
    string(control, "banner");
    one_of(control, "tls", &["none", "explicit", "implicit"]);
    one_of(control, "login", &["ok", "failed", "not-attempted"]);
    let features = array(control, "features");
    assert!(features.iter().all(Value::is_string));
    assert_eq!(features.len(), 4);

    let modes = array(&v, "modes");
    let names: Vec<&str> = modes.iter().map(|m| string(m, "mode")).collect();
    assert_eq!(names, ["epsv", "pasv", "eprt", "port"]);
    for m in modes {
        one_of(m, "mode", &["epsv", "pasv", "eprt", "port"]);
        one_of(m, "status", &["ok", "warn", "fail", "skipped"]);
        string(m, "request");
        check_reply(get(m, "reply"));
        let advertised = get(m, "advertised");
        if !advertised.is_null() {
            string(advertised, "ip");
            assert!(get(advertised, "port").is_u64());
            string(advertised, "class");
        }
        for d in array(m, "dials") {
            string(d, "addr");
            one_of(d, "why", &["advertised", "control-peer-substitute", "epsv"]);
            one_of(
                d,
                "outcome",
                &[
                    "connected",
                    "refused",
                    "timeout",
                    "unreachable",
                    "skipped-policy",
                ],
            );
            number(d, "ms");
        }
        let accept = get(m, "accept");
        if !accept.is_null() {
            let from = get(accept, "from");
            assert!(from.is_string() || from.is_null(), "accept.from: {from}");
            one_of(accept, "outcome", &["accepted", "timeout", "failed"]);
            number(accept, "ms");
        }
        let transfer = get(m, "transfer");
        if !transfer.is_null() {
            string(transfer, "command");
            one_of(transfer, "outcome", &["ok", "failed", "timeout"]);
            assert!(get(transfer, "bytes").is_u64());
            number(transfer, "ms");
            let fin = get(transfer, "final_reply");
            if !fin.is_null() {
                check_reply(fin);
            }
        }
        number(m, "elapsed_ms");
    }

    let findings = array(&v, "findings");
    assert_eq!(findings.len(), 4);
    for f in findings {
        string(f, "id");
        one_of(f, "severity", &["info", "warn", "error"]);
        let mode = get(f, "mode");
        assert!(mode.is_string() || mode.is_null(), "finding.mode: {mode}");
        string(f, "summary");
        string(f, "evidence");
        string(f, "fix");
        string(f, "reference");
    }

    one_of(&v, "verdict", &["ok", "warn", "fail"]);
    assert_eq!(number(&v, "elapsed_ms"), 41.0);
}

#[test]
fn pasv_mode_values_as_spec_spells_them() {
    let v = to_value(&sample::report());
    let pasv = &array(&v, "modes")[1];
    assert_eq!(string(pasv, "status"), "fail");
    assert_eq!(
        get(pasv, "reply"),
        &serde_json::json!({"code": 227, "text": "Entering Passive Mode (10,0,0,5,4,1)."})
    );
    assert_eq!(
        get(pasv, "advertised"),
        &serde_json::json!({"ip": "10.0.0.5", "port": 1025, "class": "private"})
    );
    let dials = array(pasv, "dials");
    assert_eq!(string(&dials[0], "addr"), "10.0.0.5:1025");
    assert_eq!(string(&dials[0], "why"), "advertised");
    assert_eq!(string(&dials[0], "outcome"), "skipped-policy");
    assert_eq!(string(&dials[1], "why"), "control-peer-substitute");
    assert_eq!(number(&dials[1], "ms"), 0.3);
    // A passive mode never listens: accept is present and null, not absent.
    assert!(get(pasv, "accept").is_null());
    assert!(get(pasv, "transfer").is_null());
}

#[test]
fn active_mode_has_null_advertised_and_an_accept_record() {
    let v = to_value(&sample::report());
    let modes = array(&v, "modes");
    let eprt = &modes[2];
    assert!(get(eprt, "advertised").is_null());
    let accept = get(eprt, "accept");
    assert_eq!(string(accept, "from"), "127.0.0.1:20");
    assert_eq!(string(accept, "outcome"), "accepted");
    assert_eq!(number(accept, "ms"), 1.2);
    assert_eq!(string(accept, "listen"), "127.0.0.1:40000");
    assert_eq!(get(accept, "during_request"), &Value::Bool(false));
    let transfer = get(eprt, "transfer");
    assert_eq!(string(transfer, "command"), "LIST");
    assert_eq!(get(transfer, "bytes").as_u64(), Some(120));
    assert_eq!(
        get(get(transfer, "final_reply"), "code").as_u64(),
        Some(226)
    );
    assert_eq!(
        get(get(transfer, "preliminary_reply"), "code").as_u64(),
        Some(150)
    );

    // The server never connected: from is null, the outcome says why.
    let port_accept = get(&modes[3], "accept");
    assert!(get(port_accept, "from").is_null());
    assert_eq!(string(port_accept, "outcome"), "timeout");
    assert_eq!(number(port_accept, "ms"), 5000.0);
}

#[test]
fn skipped_mode_keeps_every_required_field_as_null() {
    let v = to_value(&sample::wide_report());
    let pasv = &array(&v, "modes")[1];
    assert_eq!(string(pasv, "status"), "skipped");
    assert!(string(pasv, "skipped").contains("IPv4"));
    for key in ["request", "reply", "advertised", "accept", "transfer"] {
        assert!(get(pasv, key).is_null(), "{key} of a skipped mode");
    }
    assert_eq!(array(pasv, "dials").len(), 0);
    number(pasv, "elapsed_ms");
}

#[test]
fn extra_fields_appear_only_when_they_say_something() {
    let plain = to_value(&sample::report());
    let obj = plain.as_object().expect("an object");
    assert_eq!(string(&plain, "strategy"), "concurrent");
    assert_eq!(get(&plain, "deadline_hit"), &Value::Bool(false));
    assert!(!obj.contains_key("fallback_reply"));
    assert!(!obj.contains_key("transcript"));
    assert_eq!(string(get(&plain, "target"), "path"), "/");
    assert_eq!(string(get(&plain, "control"), "user"), "anonymous");
    let modes = array(&plain, "modes");
    for m in modes {
        let m = m.as_object().expect("an object");
        assert!(!m.contains_key("skipped") && !m.contains_key("interrupted"));
    }

    let wide = to_value(&sample::wide_report());
    assert_eq!(string(&wide, "strategy"), "sequential-fallback");
    check_reply(get(&wide, "fallback_reply"));
    assert_eq!(get(&wide, "deadline_hit"), &Value::Bool(true));
    assert_eq!(string(&array(&wide, "modes")[3], "interrupted"), "request");
    let transcript = array(&wide, "transcript");
    assert_eq!(string(&transcript[0], "session"), "control");
    assert_eq!(string(&transcript[0], "dir"), ">");
    assert_eq!(string(&transcript[0], "line"), "USER anonymous");
}

#[test]
fn finding_for_the_whole_control_connection_has_null_mode() {
    let v = to_value(&sample::report());
    let findings = array(&v, "findings");
    // Grouped by cause: the NAT first, the active timeout it explains right after.
    assert_eq!(string(&findings[0], "id"), "client-behind-nat");
    assert!(get(&findings[0], "mode").is_null());
    assert_eq!(string(&findings[1], "mode"), "port");
    assert_eq!(string(&findings[1], "id"), "active-connect-timeout");
}

#[test]
fn one_report_is_an_object_several_an_array_each_with_a_trailing_newline() {
    let report = sample::report();
    let mut one = Vec::new();
    write_json(std::slice::from_ref(&report), &mut one).expect("writing to a Vec");
    assert!(one.starts_with(b"{\n"), "pretty object");
    assert!(one.ends_with(b"}\n"));

    let mut two = Vec::new();
    write_json(&[report.clone(), sample::wide_report()], &mut two).expect("writing to a Vec");
    assert!(two.ends_with(b"]\n"));
    let v: Value = serde_json::from_slice(&two).expect("valid JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(2));
}

#[test]
fn jsonl_is_one_compact_line_even_with_newlines_in_replies() {
    let mut report = sample::wide_report();
    report.control.banner = Some("line one\r\nline two".to_string());
    let mut out = Vec::new();
    write_jsonl(&report, &mut out).expect("writing to a Vec");
    write_jsonl(&sample::report(), &mut out).expect("writing to a Vec");
    let text = String::from_utf8(out).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(text.ends_with("}\n"));
    for line in lines {
        let v: Value = serde_json::from_str(line).expect("each line is JSON");
        assert_eq!(string(&v, "schema"), "ftpdoctor.report/v1");
    }
}

/// A writer whose reader went away, like `ftpdoctor ... | head -1`.
struct ClosedPipe;

impl Write for ClosedPipe {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::from(io::ErrorKind::BrokenPipe))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn broken_pipe_comes_back_as_broken_pipe_so_the_caller_can_ignore_it() {
    let report = sample::report();
    let err =
        write_json(std::slice::from_ref(&report), &mut ClosedPipe).expect_err("the pipe is closed");
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    let err = write_jsonl(&report, &mut ClosedPipe).expect_err("the pipe is closed");
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
}

/// Every `path: type` in a JSON value; array elements share the path `[]`, so the set
/// says which fields exist where, not how many.
fn shape(v: &Value, path: &str, out: &mut std::collections::BTreeSet<(String, &'static str)>) {
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    out.insert((path.to_string(), kind));
    match v {
        Value::Array(items) => {
            for item in items {
                shape(item, &format!("{path}[]"), out);
            }
        }
        Value::Object(fields) => {
            for (key, field) in fields {
                shape(field, &format!("{path}.{key}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_documented_example_has_the_shape_the_types_serialize_to() {
    // docs/report-schema.md is hand-written: keep it from drifting from the types.
    let doc = include_str!("../../../docs/report-schema.md");
    let example = doc
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a ```json example in docs/report-schema.md");
    let example: Value = serde_json::from_str(example).expect("the example is valid JSON");

    let mut documented = std::collections::BTreeSet::new();
    shape(&example, "", &mut documented);
    let mut real = std::collections::BTreeSet::new();
    shape(&to_value(&sample::report()), "", &mut real);
    shape(&to_value(&sample::wide_report()), "", &mut real);
    let real_paths: std::collections::BTreeSet<&str> =
        real.iter().map(|(p, _)| p.as_str()).collect();

    for (path, kind) in &documented {
        assert!(
            real_paths.contains(path.as_str()),
            "the example has {path}, which the types never produce"
        );
        // A documented null may stand for any type; anything else must match one seen.
        assert!(
            *kind == "null" || real.contains(&(path.clone(), *kind)),
            "the example has {path} as {kind}; the types produce {:?}",
            real.iter().filter(|(p, _)| p == path).collect::<Vec<_>>()
        );
    }
}
