//! Findings grouped by cause. A symptom sits under the finding that explains it — the
//! `port-rejected` that `client-behind-nat` explains, the private 227 inside TLS that
//! `alg-rewrite` explains, the PASV timeout that is the same dropped passive range as the
//! EPSV one — and the groups come root causes first, the most severe group first.
//!
//! Pure: findings in, the same findings in a new order out, each with its cause's index.

use super::{Finding, FindingId, Severity};
use crate::probe::record::Mode;

/// Findings in reading order, each symptom right after its cause (and its cause's other
/// symptoms), with the index of the finding that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByCause {
    /// Root causes first; within a group the cause, then its symptoms.
    pub findings: Vec<Finding>,
    /// Parallel to `findings`: the index (into `findings`) of the finding that explains
    /// this one, `None` for a root cause.
    pub explained_by: Vec<Option<usize>>,
}

/// Which present finding explains `symptom`, by the rules below, most specific first.
/// `present` is every finding, in diagnose's order; the answer is an index into it.
fn cause_of(symptom: usize, present: &[Finding]) -> Option<usize> {
    use FindingId::*;
    let s = &present[symptom];
    let find = |id: FindingId, mode: Option<Mode>| {
        present
            .iter()
            .position(|f| f.id == id && (mode.is_none() || f.mode == mode))
            .filter(|&i| i != symptom)
    };
    let same_mode = |ids: &[FindingId]| ids.iter().find_map(|&id| find(id, s.mode));
    let any_mode = |ids: &[FindingId]| ids.iter().find_map(|&id| find(id, None));
    let specific = match s.id {
        // The substitute that works around an address is part of that address's story.
        SubstituteAddressWorks => same_mode(&[PasvPrivateAddress, PasvAddressMismatch]),
        // A 227 rewritten in plaintext only: inside TLS the client sees the real one.
        PasvPrivateAddress | PasvAddressMismatch => same_mode(&[AlgRewrite]),
        // PORT/EPRT refused: a helper that rewrites it, else our NAT.
        PortRejected => same_mode(&[AlgRewrite]).or_else(|| any_mode(&[ClientBehindNat])),
        ActiveConnectTimeout => any_mode(&[ClientBehindNat]),
        // Dialling an address that should not have been advertised; else a load balancer
        // that sent the dial to the backend that did not open the port; else the part of
        // the range that sampling found filtered.
        DataConnectTimeout | DataConnectRefused => {
            same_mode(&[PasvPrivateAddress, PasvAddressMismatch])
                .or_else(|| any_mode(&[LbNoAffinity, PassivePortsFiltered]))
        }
        // The data connection left from another address than the control connection.
        DataSourceRejected => any_mode(&[EgressAddressVaries]),
        _ => None,
    };
    // The same finding on several modes is one cause: the first occurrence leads.
    specific.or_else(|| {
        present[..symptom]
            .iter()
            .position(|f| f.id == s.id && f.mode != s.mode)
    })
}

/// Groups `findings` (in diagnose's order) by cause: root causes first, groups ordered by
/// their most severe member, a group with symptoms before a lone finding of the same
/// severity, otherwise diagnose's order; within a group, depth first, symptoms most
/// severe first.
pub fn by_cause(findings: Vec<Finding>) -> ByCause {
    let n = findings.len();
    let mut parent: Vec<Option<usize>> = (0..n).map(|i| cause_of(i, &findings)).collect();
    // The rules cannot loop as written, but a cycle would hide findings: break any.
    for i in 0..n {
        let mut seen = vec![false; n];
        let mut at = i;
        while let Some(p) = parent[at] {
            if seen[p] {
                parent[at] = None;
                break;
            }
            seen[p] = true;
            at = p;
        }
    }
    let children = |i: usize| -> Vec<usize> {
        let mut c: Vec<usize> = (0..n).filter(|&j| parent[j] == Some(i)).collect();
        c.sort_by_key(|&j| (std::cmp::Reverse(findings[j].severity), j));
        c
    };
    // Most severe finding in i's subtree.
    fn worst(i: usize, parent: &[Option<usize>], findings: &[Finding]) -> Severity {
        (0..findings.len())
            .filter(|&j| parent[j] == Some(i))
            .map(|j| worst(j, parent, findings))
            .fold(findings[i].severity, Ord::max)
    }
    let mut roots: Vec<usize> = (0..n).filter(|&i| parent[i].is_none()).collect();
    roots.sort_by_key(|&i| {
        let has_symptoms = parent.contains(&Some(i));
        (
            std::cmp::Reverse(worst(i, &parent, &findings)),
            !has_symptoms,
            i,
        )
    });
    let mut order = Vec::with_capacity(n);
    let mut stack: Vec<usize> = roots.into_iter().rev().collect();
    while let Some(i) = stack.pop() {
        order.push(i);
        stack.extend(children(i).into_iter().rev());
    }
    let mut new_index = vec![0; n];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let explained_by = order
        .iter()
        .map(|&old| parent[old].map(|p| new_index[p]))
        .collect();
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    let findings = order.iter().filter_map(|&old| slots[old].take()).collect();
    ByCause {
        findings,
        explained_by,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FindingId::*;
    use Severity::*;

    fn f(id: FindingId, severity: Severity, mode: Option<Mode>) -> Finding {
        Finding {
            id,
            severity,
            mode,
            summary: String::new(),
            evidence: String::new(),
            fix: String::new(),
            reference: String::new(),
        }
    }

    const CTRL: Option<Mode> = None;
    const EPSV: Option<Mode> = Some(Mode::Epsv);
    const PASV: Option<Mode> = Some(Mode::Pasv);
    const EPRT: Option<Mode> = Some(Mode::Eprt);
    const PORT: Option<Mode> = Some(Mode::Port);

    type Row = (FindingId, Severity, Option<Mode>);
    type Placed = (FindingId, Option<Mode>, Option<usize>);
    type Case<'a> = (&'a str, &'a [Row], &'a [Placed]);

    /// (diagnose's order) → (reading order, each with the position of its cause).
    fn arranged(input: &[Row]) -> Vec<Placed> {
        let out = by_cause(input.iter().map(|&(id, s, m)| f(id, s, m)).collect());
        out.findings
            .iter()
            .zip(&out.explained_by)
            .map(|(f, by)| (f.id, f.mode, *by))
            .collect()
    }

    #[test]
    fn causes_lead_their_symptoms_whatever_the_severities() {
        let cases: &[Case] = &[
            (
                "alg-rewrite: the private 227 inside TLS and the refused PORT/EPRT sit under it",
                &[
                    (ClientBehindNat, Info, CTRL),
                    (PasvPrivateAddress, Error, PASV),
                    (SubstituteAddressWorks, Info, PASV),
                    (AlgRewrite, Warn, PASV),
                    (PortRejected, Error, EPRT),
                    (AlgRewrite, Warn, EPRT),
                    (PortRejected, Error, PORT),
                    (AlgRewrite, Warn, PORT),
                ],
                &[
                    (AlgRewrite, PASV, None),
                    (PasvPrivateAddress, PASV, Some(0)),
                    (SubstituteAddressWorks, PASV, Some(1)),
                    (AlgRewrite, EPRT, Some(0)),
                    (PortRejected, EPRT, Some(3)),
                    (AlgRewrite, PORT, Some(0)),
                    (PortRejected, PORT, Some(5)),
                    (ClientBehindNat, CTRL, None),
                ],
            ),
            (
                "lb-no-affinity explains the refused dials: the fix is the balancer's, not a range",
                &[
                    (DataConnectRefused, Error, EPSV),
                    (DataConnectRefused, Error, PASV),
                    (LbNoAffinity, Error, CTRL),
                ],
                &[
                    (LbNoAffinity, CTRL, None),
                    (DataConnectRefused, EPSV, Some(0)),
                    (DataConnectRefused, PASV, Some(0)),
                ],
            ),
            (
                "egress-address-varies explains data-source-rejected: a NAT pool, not the server",
                &[
                    (DataSourceRejected, Error, EPSV),
                    (EgressAddressVaries, Error, CTRL),
                ],
                &[
                    (EgressAddressVaries, CTRL, None),
                    (DataSourceRejected, EPSV, Some(0)),
                ],
            ),
            (
                "client-behind-nat explains port-rejected: the info comes first",
                &[
                    (TlsUnavailable, Warn, CTRL),
                    (ClientBehindNat, Info, CTRL),
                    (PortRejected, Error, EPRT),
                    (PortRejected, Error, PORT),
                ],
                &[
                    (ClientBehindNat, CTRL, None),
                    (PortRejected, EPRT, Some(0)),
                    (PortRejected, PORT, Some(0)),
                    (TlsUnavailable, CTRL, None),
                ],
            ),
            (
                "one dropped passive range: the PASV timeout sits under the EPSV one",
                &[
                    (DataConnectTimeout, Error, EPSV),
                    (DataConnectTimeout, Error, PASV),
                ],
                &[
                    (DataConnectTimeout, EPSV, None),
                    (DataConnectTimeout, PASV, Some(0)),
                ],
            ),
            (
                "sampled range: filtered ports explain the timeout, wherever they were found",
                &[
                    (DataConnectRefused, Error, EPSV),
                    (PassivePortsFiltered, Error, EPSV),
                ],
                &[
                    (PassivePortsFiltered, EPSV, None),
                    (DataConnectRefused, EPSV, Some(0)),
                ],
            ),
            (
                "unrelated findings: most severe first, diagnose's order kept among equals",
                &[
                    (TlsUnavailable, Warn, CTRL),
                    (EpsvUnsupported, Warn, EPSV),
                    (PasvUnparseable, Error, PASV),
                    (ConnectionLimit, Info, CTRL),
                ],
                &[
                    (PasvUnparseable, PASV, None),
                    (TlsUnavailable, CTRL, None),
                    (EpsvUnsupported, EPSV, None),
                    (ConnectionLimit, CTRL, None),
                ],
            ),
            (
                "a substitute that works under a mismatched (public) 227",
                &[
                    (PasvAddressMismatch, Warn, PASV),
                    (SubstituteAddressWorks, Info, PASV),
                ],
                &[
                    (PasvAddressMismatch, PASV, None),
                    (SubstituteAddressWorks, PASV, Some(0)),
                ],
            ),
            ("no findings", &[], &[]),
        ];
        for (name, input, want) in cases {
            assert_eq!(arranged(input), *want, "{name}");
        }
    }

    #[test]
    fn a_group_with_symptoms_leads_a_lone_finding_of_the_same_severity() {
        let got = arranged(&[
            (PasvUnparseable, Error, PASV),
            (ClientBehindNat, Info, CTRL),
            (ActiveConnectTimeout, Error, PORT),
        ]);
        assert_eq!(
            got,
            [
                (ClientBehindNat, CTRL, None),
                (ActiveConnectTimeout, PORT, Some(0)),
                (PasvUnparseable, PASV, None),
            ]
        );
    }

    #[test]
    fn every_finding_is_kept_exactly_once() {
        let input: Vec<Row> = vec![
            (AlgRewrite, Warn, PASV),
            (PasvPrivateAddress, Error, PASV),
            (AlgRewrite, Warn, PORT),
            (PortRejected, Error, PORT),
            (DataConnectTimeout, Error, PASV),
            (DataConnectTimeout, Error, EPSV),
            (ClientBehindNat, Info, CTRL),
        ];
        let got = arranged(&input);
        assert_eq!(got.len(), input.len());
        for (id, _, mode) in &input {
            assert_eq!(
                got.iter().filter(|(i, m, _)| i == id && m == mode).count(),
                1,
                "{id} {mode:?}"
            );
        }
        // A cause always comes before what it explains.
        for (pos, (_, _, by)) in got.iter().enumerate() {
            assert!(by.is_none_or(|b| b < pos), "{got:?}");
        }
    }
}
