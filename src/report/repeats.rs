//! A fix said once. Symptoms often carry their cause's fix word for word (the same
//! dropped range on EPSV and PASV); every format that prints fixes names the earlier
//! finding instead of repeating its text, as the table does ("as for … above").

use super::Report;
use crate::diagnose::Finding;

/// The earlier finding whose fix `report.findings[i]` repeats word for word, if any.
/// A cause comes before its symptoms, so a symptom that copies its cause's fix finds it.
pub fn fix_given_by(report: &Report, i: usize) -> Option<&Finding> {
    let finding = report.findings.get(i)?;
    if finding.fix.is_empty() {
        return None;
    }
    report.findings[..i].iter().find(|f| f.fix == finding.fix)
}

/// `id (MODE)`, or the bare id for a finding about the control connection: how a repeated
/// fix names the finding that gave it.
pub fn finding_name(finding: &Finding) -> String {
    match finding.mode {
        Some(mode) => format!("{} ({mode})", finding.id),
        None => finding.id.to_string(),
    }
}

/// The fix to print for finding `i`: its own text, or `as for ID (MODE)` when an earlier
/// finding already gave the same one.
pub fn fix_text(report: &Report, i: usize) -> String {
    match (fix_given_by(report, i), report.findings.get(i)) {
        (Some(earlier), _) => format!("as for {}", finding_name(earlier)),
        (None, Some(f)) => f.fix.clone(),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn symptom_with_its_causes_fix_names_the_cause() {
        let mut report = sample::report();
        assert!(report.findings.len() >= 2);
        let fix = report.findings[0].fix.clone();
        report.findings[1].fix = fix;
        assert_eq!(
            fix_text(&report, 1),
            format!("as for {}", finding_name(&report.findings[0]))
        );
        assert_eq!(fix_text(&report, 0), report.findings[0].fix);
    }
}
