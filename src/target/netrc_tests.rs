//! The netrc parser's tests: the file formats and quirks it reads, and what it refuses.

use super::*;

const TWO_MACHINES: &str = "\
# work and home
machine ftp.example.com login alice password a-secret
machine ftp.example.com login bob password b-secret
machine HOME.example.org
login carol
password \"with two spaces\"
default login anonymous password guest@
";

fn lookup(text: &str, host: &str, user: Option<&str>) -> Option<(String, String)> {
    let netrc = Netrc::parse(text).unwrap_or_else(|e| panic!("{e}"));
    netrc
        .lookup(host, user)
        .map(|(login, password)| (login, password.expose().to_string()))
}

fn found(login: &str, password: &str) -> Option<(String, String)> {
    Some((login.to_string(), password.to_string()))
}

macro_rules! lookup_case {
    ($($name:ident: $text:expr, $host:expr, $user:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(lookup($text, $host, $user), $want);
        }
    )*};
}

lookup_case! {
    lookup_without_user_takes_first_matching_machine:
        TWO_MACHINES, "ftp.example.com", None => found("alice", "a-secret");
    lookup_with_user_takes_that_users_entry:
        TWO_MACHINES, "ftp.example.com", Some("bob") => found("bob", "b-secret");
    lookup_ignores_host_case_and_reads_across_newlines:
        TWO_MACHINES, "home.EXAMPLE.org", None => found("carol", "with two spaces");
    lookup_unknown_host_falls_back_to_default:
        TWO_MACHINES, "elsewhere.net", None => found("anonymous", "guest@");
    lookup_unknown_user_does_not_take_another_users_entry:
        TWO_MACHINES, "ftp.example.com", Some("dave") => None;
    lookup_without_default_finds_nothing:
        "machine a login u password p", "b", None => None;
    lookup_entry_without_password_gives_nothing:
        "machine a login u\ndefault login x password y", "a", None => None;
    lookup_entry_without_login_uses_given_user:
        "machine a password p", "a", Some("u") => found("u", "p");
    lookup_skips_macdef_body_until_blank_line:
        "machine a login u password p\nmacdef init\nmachine evil login e password e\nbinary\n\n\
         machine b login v password q",
        "evil", None => None;
    lookup_after_macdef_continues:
        "macdef init\ncd /pub\n \nmachine b login v password q", "b", None => found("v", "q");
    lookup_comment_runs_to_end_of_line:
        "# machine a login x password x\nmachine a login u password p # old: hunter2\n",
        "a", None => found("u", "p");
    lookup_hash_inside_token_is_not_a_comment:
        "machine a login u password ab#cd", "a", None => found("u", "ab#cd");
    lookup_quoted_password_with_escapes:
        r#"machine a login u password "say \"hi\" \\ ok""#, "a", None => found("u", r#"say "hi" \ ok"#);
    lookup_quoted_hash_is_not_a_comment:
        r##"machine a login u password "#x""##, "a", None => found("u", "#x");
    lookup_in_empty_file_finds_nothing:
        "", "a", None => None;
}

#[test]
fn parse_missing_password_value_names_its_line() {
    let err = Netrc::parse("machine a\n  login u\n  password").unwrap_err();
    assert!(
        matches!(
            err,
            NetrcError::MissingValue {
                keyword: "password",
                line: 3
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("line 3"), "{err}");
}

#[test]
fn parse_unquoted_password_with_space_is_refused_without_echo() {
    let err = Netrc::parse("machine a login u\npassword hunter2 xyzzy\n").unwrap_err();
    assert!(
        matches!(err, NetrcError::UnexpectedToken { line: 2 }),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("xyzzy"), "{err}");
}

#[test]
fn parse_login_before_machine_is_refused() {
    let err = Netrc::parse("login u password p").unwrap_err();
    assert!(
        matches!(
            err,
            NetrcError::OutsideEntry {
                keyword: "login",
                line: 1
            }
        ),
        "{err:?}"
    );
}

#[test]
fn parse_unterminated_quote_names_its_line() {
    let err = Netrc::parse("machine a\nlogin u password \"abc\nmachine b").unwrap_err();
    assert!(
        matches!(err, NetrcError::UnterminatedQuote { line: 2 }),
        "{err:?}"
    );
}

#[test]
fn line_numbers_count_macdef_bodies_and_comments() {
    let text = "# c\nmacdef m\nline one\nline two\n\nmachine\n";
    let err = Netrc::parse(text).unwrap_err();
    assert!(
        matches!(
            err,
            NetrcError::MissingValue {
                keyword: "machine",
                line: 6
            }
        ),
        "{err:?}"
    );
}

#[test]
fn debug_of_parsed_netrc_masks_passwords() {
    let netrc = Netrc::parse(TWO_MACHINES).unwrap_or_else(|e| panic!("{e}"));
    let shown = format!("{netrc:?}");
    assert!(shown.contains("alice"), "{shown}");
    assert!(!shown.contains("a-secret"), "{shown}");
}

#[test]
fn default_path_prefers_netrc_variable_then_home() {
    let os = |s: &str| Some(OsString::from(s));
    assert_eq!(
        default_path_from(os("/etc/n"), os("/home/u")),
        Some(PathBuf::from("/etc/n"))
    );
    assert_eq!(
        default_path_from(os(""), os("/home/u")),
        Some(PathBuf::from("/home/u/.netrc"))
    );
    assert_eq!(
        default_path_from(None, os("/home/u")),
        Some(PathBuf::from("/home/u/.netrc"))
    );
    assert_eq!(default_path_from(None, None), None);
}

/// A file in the temp dir, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
        let path = env::temp_dir().join(format!("ftpdoctor-netrc-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn load_reads_a_file() {
    let file = TempFile::new("ok", b"machine h login u password p\n");
    let netrc = Netrc::load(&file.0).unwrap_or_else(|e| panic!("{e}"));
    let (login, password) = netrc.lookup("h", None).expect("entry for h");
    assert_eq!((login.as_str(), password.expose()), ("u", "p"));
}

#[test]
fn load_refuses_a_file_over_the_limit() {
    let size = usize::try_from(MAX_NETRC_BYTES + 1).expect("limit fits in memory");
    let file = TempFile::new("big", &vec![b'\n'; size]);
    let err = Netrc::load(&file.0).unwrap_err();
    assert!(matches!(err, NetrcError::TooLarge { .. }), "{err:?}");
}

#[test]
fn load_missing_file_is_an_io_error() {
    let path = env::temp_dir().join(format!("ftpdoctor-netrc-{}-absent", std::process::id()));
    let err = Netrc::load(&path).unwrap_err();
    assert!(
        matches!(&err, NetrcError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound),
        "{err:?}"
    );
}
