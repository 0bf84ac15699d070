//! The header lines of the long and large transfer checks: `size` (the full-size packet
//! check), `upload` and `idle`. File names come from the server: shown cleaned.

use crate::probe::record::{
    DeleOutcome, IdleCheck, MssTry, SizeCheck, SizeOutcome, StoreTry, TryOutcome, UploadCheck,
};
use crate::report::Report;
use crate::report::text::clean;

/// The lines each check that ran adds, in the order size, upload, idle.
pub(super) fn lines(report: &Report) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(check) = &report.size_check {
        out.push(("size", size_line(check)));
    }
    if let Some(upload) = &report.upload {
        out.push(("upload", upload_line(upload)));
    }
    if let Some(idle) = &report.idle {
        out.push(("idle", idle_line(idle)));
    }
    out
}

fn mss(t: &MssTry) -> String {
    let read = t.mss_read_back.map_or("?".to_string(), |m| m.to_string());
    match t.mss_set {
        Some(set) => format!("MSS {read} ({set} set)"),
        None => format!("MSS {read}"),
    }
}

fn try_words(t: &MssTry) -> String {
    match t.outcome {
        TryOutcome::Ok if t.mss_set.is_some() => format!("passed at {}", mss(t)),
        TryOutcome::Ok => format!("{} B at {}", t.bytes, mss(t)),
        TryOutcome::Stalled => format!("stalled at {} B, {}", t.bytes, mss(t)),
        TryOutcome::Failed => match &t.reply {
            Some(r) => format!("failed at {}: {} {}", mss(t), r.code, clean(&r.text)),
            None => format!(
                "failed at {}: {}",
                mss(t),
                clean(t.error.as_deref().unwrap_or("no data connection"))
            ),
        },
    }
}

fn size_line(check: &SizeCheck) -> String {
    if check.outcome == SizeOutcome::Skipped {
        let why = check.skipped_why.as_deref().unwrap_or("");
        return format!("skipped: {}", clean(why));
    }
    let path = clean(check.path.as_deref().unwrap_or("?")).into_owned();
    let mode = check
        .mode
        .map_or("?".to_string(), |m| m.as_str().to_uppercase());
    let tries: Vec<String> = check.tries.iter().map(try_words).collect();
    let verdict = match (check.outcome, check.proven_black_hole().is_some()) {
        (SizeOutcome::Ok, _) => "full-size packets pass",
        (_, true) => "MTU black hole",
        _ => "stalled, not proven MTU",
    };
    format!("{verdict}: RETR {path} ({mode}) {}", tries.join("; "))
}

fn store_words(what: &str, store: &Option<StoreTry>) -> Option<String> {
    let store = store.as_ref()?;
    if let [only] = store.tries.as_slice()
        && only.outcome == TryOutcome::Ok
    {
        return Some(format!("{what} ok"));
    }
    let tries: Vec<String> = store.tries.iter().map(try_words).collect();
    Some(format!("{what} {}", tries.join("; ")))
}

fn upload_line(upload: &UploadCheck) -> String {
    if let Some(why) = &upload.skipped_why {
        return format!("skipped: {}", clean(why));
    }
    let mut parts = vec![clean(&upload.name).into_owned()];
    parts.extend(store_words("small", &upload.small));
    parts.extend(store_words("256 KiB", &upload.large));
    match upload.dele {
        Some(DeleOutcome::Ok) => parts.push("DELE ok".to_string()),
        Some(DeleOutcome::Failed) => parts.push("DELE FAILED: the file is LEFT BEHIND".to_string()),
        None => {}
    }
    parts.join(", ")
}

fn idle_line(idle: &IdleCheck) -> String {
    match (idle.survived_s, idle.lost_s, idle.how) {
        (_, Some(lost), Some(how)) => format!(
            "{}lost after {lost:.1} s idle ({how})",
            idle.survived_s
                .map_or(String::new(), |s| format!("survived {s:.1} s, "))
        ),
        (Some(s), None, _) => format!("every connection survived, the longest {s:.1} s idle"),
        _ => match &idle.error {
            Some(e) => format!("not measured: {}", clean(&e.detail)),
            None => "not measured".to_string(),
        },
    }
}
