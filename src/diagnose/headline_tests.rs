//! The headline's words: the modes sentence, cause and fix.
use super::*;

#[test]
fn modes_sentence_names_what_works_and_what_fails() {
    use Mode::*;
    type Case<'a> = (&'a [Mode], &'a [Mode], &'a [Mode], &'a str);
    let cases: &[Case] = &[
        (&[Epsv, Pasv, Eprt, Port], &[], &[], "all four modes work"),
        (&[Epsv, Pasv], &[], &[], "EPSV and PASV work"),
        (&[Epsv], &[], &[Pasv], "EPSV works; PASV fails"),
        (
            &[Epsv, Eprt, Port],
            &[],
            &[Pasv],
            "EPSV, EPRT and PORT work; PASV fails",
        ),
        (
            &[Epsv],
            &[Pasv],
            &[Eprt, Port],
            "EPSV works; PASV works with a warning; EPRT and PORT fail",
        ),
        (&[], &[], &[], "no mode could be tried"),
    ];
    for (works, warns, fails, want) in cases {
        let lists = Lists {
            works,
            warns,
            fails,
            refused: &[],
            codes: &[],
            untested: &[],
            sampled: None,
        };
        assert_eq!(modes_sentence(&lists), *want);
    }
}

#[test]
fn sampled_partial_range_says_how_often_the_passive_modes_work() {
    use Mode::*;
    let lists = Lists {
        works: &[Epsv, Pasv, Eprt, Port],
        warns: &[],
        fails: &[],
        refused: &[],
        codes: &[],
        untested: &[],
        sampled: Some((12, 16)),
    };
    assert_eq!(
        modes_sentence(&lists),
        "EPRT and PORT work; EPSV and PASV work for 12 of 16 sampled ports"
    );
    let lists = Lists {
        works: &[Epsv],
        fails: &[Pasv],
        ..lists
    };
    assert_eq!(
        modes_sentence(&lists),
        "PASV fails; EPSV works for 12 of 16 sampled ports"
    );
}

#[test]
fn a_mode_answered_502_is_not_offered_rather_than_working_with_a_warning() {
    use Mode::*;
    let lists = Lists {
        works: &[Epsv, Pasv],
        warns: &[],
        fails: &[],
        refused: &[Eprt, Port],
        codes: &[502, 502],
        untested: &[],
        sampled: None,
    };
    assert_eq!(
        modes_sentence(&lists),
        "EPSV and PASV work; EPRT and PORT are not offered (502)"
    );
    let lists = Lists {
        works: &[Pasv, Eprt, Port],
        refused: &[Epsv],
        codes: &[504],
        ..lists
    };
    assert_eq!(
        modes_sentence(&lists),
        "PASV, EPRT and PORT work; EPSV is not offered (504)"
    );
}

#[test]
fn a_load_balancer_without_affinity_gives_the_active_workaround_when_active_works() {
    use Mode::*;
    let mut lb = crate::diagnose::context::new_finding(
        FindingId::LbNoAffinity,
        None,
        String::new(),
        String::new(),
    );
    lb.severity = Severity::Error;
    let said = meanwhile(&lb, &[Eprt, Port], &[]).unwrap_or_default();
    assert!(
        said.starts_with("EPRT and PORT work: use active mode"),
        "{said}"
    );
    // Nothing to suggest when active mode failed too.
    assert_eq!(meanwhile(&lb, &[], &[]), None);
}
