//! The lab's in-memory file tree: `/pub` with a text file and a 1 MiB file.

/// Size of the large file: big enough that a transfer takes more than one read and a
/// broken data connection shows up as a short count, small enough for quick tests.
pub const BIG_FILE_SIZE: usize = 1024 * 1024;

/// The content of `/pub/readme.txt`, for tests to compare a transfer with.
pub const README_TEXT: &str = "Welcome to the ftpdoctor lab.\r\n\
This server misbehaves on purpose; see `ftpdoctor lab --list`.\r\n";

/// The byte at `offset` of `/pub/1MiB.bin`: a pattern a client can check without a copy.
/// 251 is prime, so the pattern does not line up with power-of-two buffer sizes and a
/// dropped or repeated chunk changes the bytes.
pub fn big_file_byte(offset: usize) -> u8 {
    (offset % 251) as u8
}

/// One entry of the tree.
#[derive(Debug)]
pub enum Node {
    /// A directory: its entries by name.
    Dir(Vec<(&'static str, Node)>),
    /// A file: its bytes.
    File(Vec<u8>),
}

/// The tree every lab session sees. Read-only, so one copy serves all sessions.
#[derive(Debug)]
pub struct Tree {
    root: Node,
}

impl Default for Tree {
    fn default() -> Tree {
        let big = (0..BIG_FILE_SIZE).map(big_file_byte).collect();
        Tree {
            root: Node::Dir(vec![(
                "pub",
                Node::Dir(vec![
                    ("readme.txt", Node::File(README_TEXT.as_bytes().to_vec())),
                    ("1MiB.bin", Node::File(big)),
                ]),
            )]),
        }
    }
}

impl Tree {
    /// The node at an absolute, normalised path.
    pub fn get(&self, path: &str) -> Option<&Node> {
        path.split('/')
            .filter(|c| !c.is_empty())
            .try_fold(&self.root, |node, component| match node {
                Node::Dir(entries) => entries
                    .iter()
                    .find(|(n, _)| *n == component)
                    .map(|(_, n)| n),
                Node::File(_) => None,
            })
    }

    /// `ls -l` lines in the vsftpd format, CRLF-terminated (for LIST); for a file path,
    /// the one line of that file.
    pub fn listing(&self, path: &str) -> Option<Vec<u8>> {
        let name = path.rsplit('/').find(|c| !c.is_empty()).unwrap_or("/");
        let lines: Vec<String> = match self.get(path)? {
            Node::Dir(entries) => entries.iter().map(|(n, node)| ls_line(n, node)).collect(),
            file @ Node::File(_) => vec![ls_line(name, file)],
        };
        Some(lines.concat().into_bytes())
    }

    /// Bare names, CRLF-terminated (for NLST).
    pub fn names(&self, path: &str) -> Option<Vec<u8>> {
        match self.get(path)? {
            Node::Dir(entries) => Some(
                entries
                    .iter()
                    .map(|(n, _)| format!("{n}\r\n"))
                    .collect::<String>()
                    .into_bytes(),
            ),
            Node::File(_) => {
                Some(format!("{}\r\n", path.rsplit('/').next().unwrap_or(path)).into_bytes())
            }
        }
    }
}

fn ls_line(name: &str, node: &Node) -> String {
    let (mode, links, size) = match node {
        Node::Dir(_) => ("drwxr-xr-x", 2, 4096),
        Node::File(data) => ("-rw-r--r--", 1, data.len()),
    };
    format!("{mode} {links:>4} ftp      ftp      {size:>10} Jan 01  2026 {name}\r\n")
}

/// Joins `arg` onto the working directory `cwd` and normalises `.` and `..`; the result
/// is absolute and never climbs above `/`.
pub fn resolve(cwd: &str, arg: &str) -> String {
    let joined = if arg.starts_with('/') {
        arg.to_string()
    } else {
        format!("{cwd}/{arg}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for component in joined.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_and_never_climb_above_root() {
        assert_eq!(resolve("/", "pub"), "/pub");
        assert_eq!(resolve("/pub", "readme.txt"), "/pub/readme.txt");
        assert_eq!(resolve("/pub", ".."), "/");
        assert_eq!(resolve("/", "../../.."), "/");
        assert_eq!(resolve("/pub", "/pub/./1MiB.bin"), "/pub/1MiB.bin");
    }

    #[test]
    fn tree_holds_a_directory_with_text_and_big_file() {
        let tree = Tree::default();
        assert!(matches!(tree.get("/"), Some(Node::Dir(_))));
        assert!(matches!(tree.get("/pub"), Some(Node::Dir(_))));
        match tree.get("/pub/1MiB.bin") {
            Some(Node::File(data)) => {
                assert_eq!(data.len(), BIG_FILE_SIZE);
                assert_eq!(data[251], 0);
                assert_eq!(data[252], 1);
            }
            other => panic!("{other:?}"),
        }
        assert!(tree.get("/pub/readme.txt/x").is_none());
        assert!(tree.get("/nope").is_none());
    }

    #[test]
    fn listing_is_ls_format_with_crlf() {
        let tree = Tree::default();
        let text = String::from_utf8(tree.listing("/pub").unwrap_or_default()).unwrap_or_default();
        let lines: Vec<&str> = text.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("-rw-r--r--") && lines[0].ends_with(" readme.txt"));
        assert!(lines[1].contains(" 1048576 ") && lines[1].ends_with(" 1MiB.bin"));
        assert_eq!(
            tree.names("/pub"),
            Some(b"readme.txt\r\n1MiB.bin\r\n".to_vec())
        );
    }
}
