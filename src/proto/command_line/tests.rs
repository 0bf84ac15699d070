use super::*;

/// Pushes each chunk in turn and collects every line the framer yields.
fn frame(chunks: &[&[u8]]) -> Vec<Framed> {
    let mut framer = CommandFramer::new();
    let mut out = Vec::new();
    for chunk in chunks {
        framer.push(chunk);
        while let Some(line) = framer.next_line() {
            out.push(line);
        }
    }
    out
}

fn line(text: &str) -> Framed {
    Framed::Line(text.to_string())
}

fn long(n: usize) -> Vec<u8> {
    vec![b'x'; n]
}

#[test]
fn crlf_line() {
    assert_eq!(frame(&[b"USER anonymous\r\n"]), [line("USER anonymous")]);
}

#[test]
fn bare_lf_line_as_netcat_sends_it() {
    assert_eq!(frame(&[b"NOOP\n"]), [line("NOOP")]);
}

#[test]
fn line_split_across_reads_even_between_cr_and_lf() {
    assert_eq!(frame(&[b"US", b"ER a\r", b"\n"]), [line("USER a")]);
}

#[test]
fn two_commands_in_one_read_pipelined() {
    assert_eq!(
        frame(&[b"TYPE I\r\nPASV\r\n"]),
        [line("TYPE I"), line("PASV")]
    );
}

#[test]
fn no_line_end_yet_is_not_an_error() {
    assert_eq!(frame(&[b"RETR /pub/read"]), []);
}

#[test]
fn empty_line_is_a_line() {
    assert_eq!(frame(&[b"\r\n"]), [line("")]);
}

#[test]
fn invalid_utf8_is_replaced_not_refused() {
    assert_eq!(frame(&[b"CWD caf\xe9\r\n"]), [line("CWD caf\u{fffd}")]);
}

#[test]
fn line_at_exactly_the_limit_is_kept() {
    let mut wire = long(MAX_COMMAND_LEN);
    wire.extend_from_slice(b"\r\n");
    let want = String::from_utf8(long(MAX_COMMAND_LEN)).unwrap_or_default();
    assert_eq!(frame(&[&wire]), [Framed::Line(want)]);
}

#[test]
fn line_one_byte_over_the_limit_in_one_read_is_too_long() {
    let mut wire = long(MAX_COMMAND_LEN + 1);
    wire.extend_from_slice(b"\r\nNOOP\r\n");
    assert_eq!(frame(&[&wire]), [Framed::TooLong, line("NOOP")]);
}

#[test]
fn limit_counts_bytes_sent_not_characters_decoded() {
    // 1024 bytes of invalid UTF-8 decode to 3072 bytes of U+FFFD: still within the limit.
    let mut wire = vec![0xff; MAX_COMMAND_LEN];
    wire.extend_from_slice(b"\r\n");
    let got = frame(&[&wire]);
    assert!(matches!(&got[..], [Framed::Line(_)]), "{got:?}");
}

#[test]
fn endless_line_is_reported_once_and_skipped_to_its_end() {
    let chunk = long(1000);
    let mut chunks: Vec<&[u8]> = vec![&chunk; 100];
    chunks.push(b"xx\r\nNOOP\r\n");
    assert_eq!(frame(&chunks), [Framed::TooLong, line("NOOP")]);
}

#[test]
fn endless_line_keeps_the_buffer_bounded() {
    let mut framer = CommandFramer::new();
    let chunk = long(4096);
    for _ in 0..1000 {
        framer.push(&chunk);
        while framer.next_line().is_some() {}
        assert!(framer.buf.len() <= MAX_COMMAND_LEN + 1 + chunk.len());
    }
}

#[test]
fn command_after_the_skipped_line_in_the_same_read_survives() {
    let first = long(MAX_COMMAND_LEN + 10);
    assert_eq!(
        frame(&[&first, b"yyy\r\nQUIT\r\n"]),
        [Framed::TooLong, line("QUIT")]
    );
}

#[test]
fn clear_forgets_plaintext_sent_before_the_tls_handshake() {
    let mut framer = CommandFramer::new();
    framer.push(b"AUTH TLS\r\nUSER smuggled");
    assert_eq!(framer.next_line(), Some(line("AUTH TLS")));
    framer.clear();
    framer.push(b"PBSZ 0\r\n");
    assert_eq!(framer.next_line(), Some(line("PBSZ 0")));
    assert_eq!(framer.next_line(), None);
}
