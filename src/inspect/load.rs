//! Reading the inputs into a [`Scene`]: each file by the parser for its kind, each failure
//! a source with its reason, so one bad file never hides the others.

use std::net::IpAddr;
use std::path::Path;

use super::model::ServerConfig;
use super::proftpd::Files;
use super::source::read_text;
use super::{
    Scene, Source, compose, discover, docker_inspect, iptables, k8s, nft, probe_report, proftpd,
    pureftpd, vsftpd,
};

/// What the user gave (`inspect`'s flags, validated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// `--config`: server configs (vsftpd.conf, proftpd.conf, a Pure-FTPd conf dir or
    /// command line).
    pub configs: Vec<String>,
    /// `--ruleset`: nft JSON or iptables-save text (`-` is stdin).
    pub ruleset: Option<String>,
    /// `--compose`.
    pub compose: Option<String>,
    /// `--k8s`.
    pub k8s: Vec<String>,
    /// `--docker-inspect`.
    pub docker_inspect: Option<String>,
    /// `--public-addr`.
    pub public_addr: Option<IpAddr>,
    /// `--with`.
    pub with: Option<String>,
    /// `--target`: which report of `--with`.
    pub target: Option<String>,
}

impl Inputs {
    /// Whether no file was given, so the host is searched instead.
    pub fn discover(&self) -> bool {
        self.configs.is_empty()
            && self.ruleset.is_none()
            && self.compose.is_none()
            && self.k8s.is_empty()
            && self.docker_inspect.is_none()
    }
}

/// Reads everything `inputs` names (or, with no files, what discovery finds).
pub fn load(inputs: &Inputs) -> Scene {
    let mut scene = Scene {
        public_addr: inputs.public_addr,
        ..Scene::default()
    };
    let (kernel, helper_auto) = discover::kernel();
    scene.host.kernel = kernel;
    scene.helper_auto = helper_auto;
    if inputs.discover() {
        discover::host(&mut scene);
    } else if inputs.public_addr.is_some() || inputs.with.is_some() {
        // The address clients use (--public-addr, or the probe's control peer with --with)
        // is compared with the host's own: read them (only them).
        scene.host.addresses = discover::addresses();
    }
    for path in &inputs.configs {
        config(&mut scene, path);
    }
    if let Some(path) = &inputs.ruleset {
        match read_text(path) {
            Ok(t) => ruleset(&mut scene, path, &t.text),
            Err(e) => scene
                .sources
                .push(Source::failed("ruleset", path, e.to_string())),
        }
    }
    manifests(&mut scene, inputs);
    if let Some(path) = &inputs.with {
        let read = read_text(path).map_err(|e| e.to_string());
        match read.and_then(|t| probe_report::read(&t.text, inputs.target.as_deref())) {
            Ok(seen) => {
                scene.sources.push(Source::ok("report", path));
                scene.seen = Some((path.clone(), seen));
            }
            Err(why) => scene.sources.push(Source::failed("report", path, why)),
        }
    }
    scene
}

fn manifests(scene: &mut Scene, inputs: &Inputs) {
    type Parser = fn(&str, &str) -> Result<Vec<super::deploy::Deploy>, String>;
    let mut todo: Vec<(&'static str, &String, Parser)> = Vec::new();
    if let Some(p) = &inputs.compose {
        todo.push(("compose", p, compose::parse));
    }
    for p in &inputs.k8s {
        todo.push(("k8s", p, k8s::parse));
    }
    if let Some(p) = &inputs.docker_inspect {
        todo.push(("docker-inspect", p, docker_inspect::parse));
    }
    for (kind, path, parse) in todo {
        let parsed = read_text(path)
            .map_err(|e| e.to_string())
            .and_then(|t| parse(path, &t.text));
        match parsed {
            Ok(found) => {
                scene.sources.push(Source::ok(kind, path));
                scene.deploys.extend(found);
            }
            Err(why) => scene.sources.push(Source::failed(kind, path, why)),
        }
    }
}

/// Parses a ruleset, telling nft JSON from iptables-save text.
pub fn ruleset(scene: &mut Scene, path: &str, text: &str) {
    let head = text.trim_start();
    let nft_text = text
        .lines()
        .any(|l| l.trim_start().starts_with("table ") && l.trim_end().ends_with('{'));
    let (kind, parsed) = if head.starts_with('{') {
        ("nftables", nft::parse(path, text))
    } else if nft_text {
        ("nftables", Err("this is `nft list ruleset` text, which inspect does not read: give it JSON, from `nft -j list ruleset`".to_string()))
    } else {
        ("iptables", iptables::parse(path, text))
    };
    match parsed {
        Ok(rs) => {
            let mut source = Source::ok(kind, path);
            if let Some(first) = rs.opaque.first() {
                source.notes.push(format!(
                    "{} iptables-nft rules (xt statements, first at {first}) are opaque in nft JSON: read those tables with iptables-save",
                    rs.opaque.len()
                ));
            }
            scene.sources.push(source);
            scene.rulesets.push(rs);
        }
        Err(why) => scene.sources.push(Source::failed(kind, path, why)),
    }
}

/// The file system, for ProFTPD's Includes.
struct Disk;

impl Files for Disk {
    fn read(&self, path: &str) -> Result<String, String> {
        read_text(path).map(|t| t.text).map_err(|e| e.to_string())
    }

    fn expand(&self, pattern: &str) -> Vec<String> {
        let path = Path::new(pattern);
        if path.is_dir() {
            return sorted_files(path, |_| true);
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        match (name.split_once('*'), path.parent()) {
            (Some((pre, post)), Some(dir)) => {
                sorted_files(dir, |n| n.starts_with(pre) && n.ends_with(post))
            }
            _ => vec![pattern.to_string()],
        }
    }
}

/// Most files read from one directory (an Include of a directory, a conf dir).
const MAX_DIR_FILES: usize = 1000;

fn sorted_files(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .filter(|n| keep(n))
        .take(MAX_DIR_FILES)
        .map(|n| dir.join(n).to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// Reads one server config, telling the server from the path and the text.
pub fn config(scene: &mut Scene, path: &str) {
    if Path::new(path).is_dir() {
        let entries: Vec<(String, String)> = sorted_files(Path::new(path), |_| true)
            .into_iter()
            .filter_map(|f| read_text(&f).ok().map(|t| (f, t.text)))
            .collect();
        let cfg = pureftpd::parse_dir(path, &entries);
        push_config(scene, cfg, None);
        return;
    }
    let text = match read_text(path) {
        Ok(t) => t,
        Err(e) => {
            let kind = kind_of(path, "");
            scene
                .sources
                .push(Source::failed(kind, path, e.to_string()));
            return;
        }
    };
    let lossy = text
        .lossy
        .then(|| "some bytes are not UTF-8 (shown as U+FFFD)".to_string());
    let cfg = match kind_of(path, &text.text) {
        "proftpd" => proftpd::parse(path, &text.text, &Disk),
        "pure-ftpd" => {
            let args: Vec<String> = text
                .text
                .split_whitespace()
                .skip(1)
                .map(String::from)
                .collect();
            pureftpd::parse_args(path, &args)
        }
        _ => vsftpd::parse(path, &text.text),
    };
    push_config(scene, cfg, lossy);
}

fn push_config(scene: &mut Scene, cfg: ServerConfig, note: Option<String>) {
    let mut source = Source::ok(cfg.kind.name(), &cfg.file);
    let problems: Vec<String> = cfg
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.loc, p.value))
        .collect();
    if !problems.is_empty() {
        source.error = Some(problems.join("; "));
    }
    source.notes.extend(note);
    scene.sources.push(source);
    scene.servers.push(cfg);
}

/// Whether text reads as ProFTPD's (`Directive args`, `<Section>`) rather than vsftpd's
/// (`name=value`): most setting lines decide.
fn proftpd_like(text: &str) -> bool {
    let settings = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let (mut directive, mut assignment) = (0usize, 0usize);
    for line in settings {
        let first = line.split_whitespace().next().unwrap_or("");
        if line.starts_with('<')
            || (!first.contains('=') && first.starts_with(|c: char| c.is_ascii_uppercase()))
        {
            directive += 1;
        } else if first.contains('=') {
            assignment += 1;
        }
    }
    directive > assignment
}

/// vsftpd, proftpd or pure-ftpd, from the file's name, else its text.
fn kind_of(path: &str, text: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let first_word = text.split_whitespace().next().unwrap_or("");
    if first_word.ends_with("pure-ftpd") {
        "pure-ftpd"
    } else if name.contains("proftpd") {
        "proftpd"
    } else if name.contains("vsftpd") {
        "vsftpd"
    } else if proftpd_like(text) {
        "proftpd"
    } else {
        "vsftpd"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_named_otherwise_is_told_by_its_lines() {
        assert_eq!(
            kind_of(
                "/x/modules.conf",
                "# c\nModulePath /usr/lib/proftpd\nLoadModule mod_tls.c\n"
            ),
            "proftpd"
        );
        assert_eq!(
            kind_of("/x/ftp.conf", "listen=YES\npasv_enable=NO\n"),
            "vsftpd"
        );
        assert_eq!(
            kind_of("/x/args", "/usr/sbin/pure-ftpd -p 1:2"),
            "pure-ftpd"
        );
        assert_eq!(kind_of("/etc/proftpd/proftpd.conf", ""), "proftpd");
    }

    #[test]
    fn ruleset_kind_nft_json_iptables_text_and_nft_text() {
        let mut scene = Scene::default();
        ruleset(&mut scene, "a", "{\"nftables\": []}");
        ruleset(&mut scene, "b", "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n");
        ruleset(&mut scene, "c", "table inet filter {\n}\n");
        let kinds: Vec<(&str, bool)> = scene.sources.iter().map(|s| (s.kind, s.read)).collect();
        assert_eq!(
            kinds,
            vec![("nftables", true), ("iptables", true), ("nftables", false)]
        );
    }
}
