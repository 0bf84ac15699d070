//! Black-box: the lab's names. A fault given as a scenario (and the other way round)
//! says which flag it belongs to, a typo gets a suggestion, and the trickling fault's old
//! name `slow-banner` still works.

use crate::common;

use common::bin::{Ftpdoctor, LabProcess};

#[test]
fn a_fault_given_as_a_scenario_names_the_flag_it_belongs_to() {
    let run = Ftpdoctor::new(&["lab", "--scenario", "slow-greeting"]).run();
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(
        run.stderr
            .contains("that is a fault: `lab --fault slow-greeting`"),
        "{}",
        run.shown
    );
    let run = Ftpdoctor::new(&["lab", "--fault", "private-pasv"]).run();
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(
        run.stderr
            .contains("that is a scenario: `lab --scenario private-pasv`"),
        "{}",
        run.shown
    );
}

#[test]
fn a_mistyped_fault_or_scenario_gets_did_you_mean() {
    let run = Ftpdoctor::new(&["lab", "--fault", "slow-greting"]).run();
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(
        run.stderr.contains("did you mean slow-greeting?"),
        "{}",
        run.shown
    );
    let run = Ftpdoctor::new(&["lab", "--scenario", "privat-pasv"]).run();
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(
        run.stderr.contains("did you mean private-pasv?"),
        "{}",
        run.shown
    );
}

#[test]
fn the_trickling_fault_is_trickle_banner_and_slow_banner_still_starts_it() {
    let list = Ftpdoctor::new(&["lab", "--list"]).run();
    assert!(list.stdout.contains("trickle-banner"), "{}", list.shown);
    assert!(!list.stdout.contains("\n  slow-banner"), "{}", list.shown);
    let lab = LabProcess::spawn_logged(&["lab", "--fault", "slow-banner"]);
    assert!(lab.url.starts_with("ftp://127.0.0.1:"), "{}", lab.url);
    let stderr = lab.stderr_after_exit();
    assert!(stderr.contains("fault trickle-banner"), "{stderr}");
}
