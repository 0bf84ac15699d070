//! Command tests: wire text round trips, parsing, redaction.

use super::*;

#[test]
fn wire_text_round_trips_through_parse() {
    let cases = [
        Command::User("anonymous".into()),
        Command::Pass("secret".into()),
        Command::Syst,
        Command::Feat,
        Command::Pwd,
        Command::Cwd("/pub".into()),
        Command::Type(TransferType::Binary),
        Command::Type(TransferType::Ascii),
        Command::Pasv,
        Command::Epsv(EpsvArg::None),
        Command::Epsv(EpsvArg::Protocol(2)),
        Command::Epsv(EpsvArg::All),
        Command::Port("127.0.0.1:1025".parse().unwrap()),
        Command::Eprt("[::1]:50010".parse().unwrap()),
        Command::Eprt("127.0.0.1:50010".parse().unwrap()),
        Command::List(None),
        Command::List(Some("/pub".into())),
        Command::Nlst(None),
        Command::Retr("readme.txt".into()),
        Command::Size("1MiB.bin".into()),
        Command::Auth("TLS".into()),
        Command::Pbsz(0),
        Command::Prot('P'),
        Command::Stat,
        Command::Noop,
        Command::Quit,
        Command::Mlsd(None),
        Command::Mlsd(Some("/pub".into())),
        Command::Stor("ftpdoctor-1a2b.tmp".into()),
        Command::Dele("ftpdoctor-1a2b.tmp".into()),
        Command::Other {
            verb: "MLST".into(),
            arg: None,
        },
    ];
    for cmd in cases {
        let wire = cmd.to_string();
        assert_eq!(Command::parse(&wire), Ok(cmd.clone()), "{wire}");
    }
}

#[test]
fn port_command_wire_text() {
    let cmd = Command::Port("10.77.0.2:50002".parse().unwrap());
    assert_eq!(cmd.to_string(), "PORT 10,77,0,2,195,82");
    assert_eq!(cmd.to_wire(), Ok(b"PORT 10,77,0,2,195,82\r\n".to_vec()));
}

#[test]
fn eprt_command_wire_text() {
    let v4 = Command::Eprt("203.0.113.2:34971".parse().unwrap());
    assert_eq!(v4.to_string(), "EPRT |1|203.0.113.2|34971|");
    let v6 = Command::Eprt("[::1]:2121".parse().unwrap());
    assert_eq!(v6.to_string(), "EPRT |2|::1|2121|");
}

#[test]
fn verbs_are_case_insensitive() {
    assert_eq!(Command::parse("user ftp"), Ok(Command::User("ftp".into())));
    assert_eq!(Command::parse("pasv"), Ok(Command::Pasv));
    assert_eq!(Command::parse("Epsv all"), Ok(Command::Epsv(EpsvArg::All)));
}

#[test]
fn pass_is_masked_in_redacted_form() {
    let cmd = Command::Pass("hunter2".into());
    assert_eq!(cmd.redacted(), "PASS ****");
    assert!(!cmd.redacted().contains("hunter2"));
    assert!(!format!("{cmd:?}").contains("hunter2"), "{cmd:?}");
    assert_eq!(cmd.to_string(), "PASS hunter2", "the wire needs the secret");
}

#[test]
fn empty_pass_is_legal() {
    assert_eq!(
        Command::parse("PASS"),
        Ok(Command::Pass(Password::default()))
    );
}

#[test]
fn bad_arguments_are_errors_not_panics() {
    assert!(matches!(
        Command::parse("PORT 1,2,3"),
        Err(CommandError::BadArgument { .. })
    ));
    assert!(matches!(
        Command::parse("PORT 256,0,0,1,4,1"),
        Err(CommandError::BadArgument { .. })
    ));
    assert!(matches!(
        Command::parse("EPRT |1|x|1|"),
        Err(CommandError::BadArgument { .. })
    ));
    assert!(matches!(
        Command::parse("EPSV x"),
        Err(CommandError::BadArgument { .. })
    ));
    assert!(matches!(
        Command::parse("TYPE Z"),
        Err(CommandError::BadArgument { .. })
    ));
    assert_eq!(
        Command::parse("RETR"),
        Err(CommandError::MissingArgument { verb: "RETR" })
    );
    assert_eq!(Command::parse(""), Err(CommandError::Empty));
    let long = "X".repeat(MAX_COMMAND_LEN + 1);
    assert_eq!(
        Command::parse(&long),
        Err(CommandError::TooLong {
            limit: MAX_COMMAND_LEN
        })
    );
}

#[test]
fn crlf_in_an_argument_cannot_smuggle_a_second_command() {
    for cmd in [
        Command::Retr("x\r\nDELE y".into()),
        Command::Cwd("a\nb".into()),
        Command::User("a\0b".into()),
        Command::Pass("p\r\nQUIT".into()),
    ] {
        let verb = cmd.verb().to_string();
        assert_eq!(cmd.to_wire(), Err(CommandError::ControlCharacter { verb }));
    }
}

#[test]
fn eprt_with_unknown_network_protocol_is_its_own_error() {
    assert_eq!(
        Command::parse("EPRT |3|1.2.3.4|1025|"),
        Err(CommandError::UnsupportedProtocol {
            verb: "EPRT",
            proto: "3".into()
        })
    );
}

#[test]
fn unknown_verbs_are_kept() {
    assert_eq!(
        Command::parse("site chmod 644 x"),
        Ok(Command::Other {
            verb: "SITE".into(),
            arg: Some("chmod 644 x".into())
        })
    );
}
