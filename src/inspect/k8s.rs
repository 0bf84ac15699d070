//! Kubernetes manifests (one or many documents, or a `kind: List`): a Service's ports
//! (port, targetPort, nodePort) and sessionAffinity; a Deployment's (or StatefulSet's, or
//! DaemonSet's, or Pod's) hostNetwork, containerPort/hostPort and env. A Service has no
//! port ranges (kubernetes/kubernetes#23864): each passive port needs its own entry.

use super::deploy::{Deploy, Published};
use super::model::{At, Loc, PortRange};
use super::yaml::{self, Node};

/// Most objects read from one file.
const MAX_OBJECTS: usize = 10_000;

/// Every Service and workload in the manifest `file`.
pub fn parse(file: &str, text: &str) -> Result<Vec<Deploy>, String> {
    let mut out = Vec::new();
    let mut objects: Vec<&Node> = Vec::new();
    let docs = yaml::parse(text)?;
    for doc in &docs {
        match doc.get("kind").and_then(Node::str) {
            Some("List") => objects.extend(doc.get("items").map(Node::items).unwrap_or_default()),
            Some(_) => objects.push(doc),
            None => {}
        }
    }
    for obj in objects.into_iter().take(MAX_OBJECTS) {
        let kind = obj.get("kind").and_then(Node::str).unwrap_or("");
        let name = obj
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::str)
            .unwrap_or("?");
        let label = format!("{kind}/{name}");
        let Some(spec) = obj.get("spec") else {
            continue;
        };
        match kind {
            "Service" => out.push(service(file, &label, spec)),
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
                if let Some(pod) = spec.get("template").and_then(|t| t.get("spec")) {
                    out.push(pod_spec(file, &label, pod));
                }
            }
            "Pod" => out.push(pod_spec(file, &label, spec)),
            _ => {}
        }
    }
    Ok(out)
}

fn port(n: Option<&Node>) -> Option<u16> {
    n.and_then(Node::str).and_then(|s| s.parse().ok())
}

fn tcp(p: &Node) -> bool {
    p.get("protocol")
        .and_then(Node::str)
        .is_none_or(|s| s.eq_ignore_ascii_case("tcp"))
}

fn service(file: &str, label: &str, spec: &Node) -> Deploy {
    let mut d = Deploy::new("k8s", file, label);
    let node_port = matches!(spec.get("type").and_then(Node::str), Some("NodePort"));
    for p in spec.get("ports").map(Node::items).unwrap_or_default() {
        if !tcp(p) {
            continue;
        }
        let Some(front) = port(p.get("port")) else {
            continue;
        };
        // A named targetPort cannot be followed without the pod: take the port itself.
        let target = port(p.get("targetPort")).unwrap_or(front);
        let host = match node_port {
            true => port(p.get("nodePort")),
            false => Some(front),
        };
        d.published.push(Published {
            host: host.map(PortRange::single),
            container: PortRange::single(target),
            loc: Loc::at(file, p.line()),
        });
    }
    if let Some(a) = spec.get("sessionAffinity") {
        d.session_affinity = a
            .str()
            .map(|s| At::new(s.to_string(), Loc::at(file, a.line())));
    }
    d
}

fn pod_spec(file: &str, label: &str, pod: &Node) -> Deploy {
    let mut d = Deploy::new("k8s", file, label);
    d.host_network = pod.get("hostNetwork").and_then(Node::str) == Some("true");
    for c in pod.get("containers").map(Node::items).unwrap_or_default() {
        for p in c.get("ports").map(Node::items).unwrap_or_default() {
            if let (true, Some(cp)) = (tcp(p), port(p.get("containerPort"))) {
                let host = port(p.get("hostPort")).map(PortRange::single);
                if host.is_some() {
                    d.published.push(Published {
                        host,
                        container: PortRange::single(cp),
                        loc: Loc::at(file, p.line()),
                    });
                }
            }
        }
        for e in c.get("env").map(Node::items).unwrap_or_default() {
            if let (Some(k), Some(v)) = (e.get("name").and_then(Node::str), e.get("value")) {
                d.env_var(k, v.str().unwrap_or(""), Loc::at(file, v.line()));
            }
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k8s_service_nodeport_and_deployment_host_network() {
        let text = "apiVersion: v1\nkind: Service\nmetadata: {name: ftp}\nspec:\n  type: NodePort\n  sessionAffinity: ClientIP\n  ports:\n    - port: 21\n      targetPort: 21\n      nodePort: 30021\n---\nkind: Deployment\nmetadata: {name: ftp}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n        - name: f\n          env:\n            - name: PASV_MIN_PORT\n              value: \"30000\"\n";
        let all = parse("k.yml", text).expect("k8s");
        assert_eq!(all[0].published[0].host, Some(PortRange::single(30021)));
        assert_eq!(all[0].published[0].loc.line, Some(8));
        assert_eq!(
            all[0].session_affinity.as_ref().map(|a| a.value.as_str()),
            Some("ClientIP")
        );
        assert!(all[1].host_network);
        assert!(all[1].env_seen);
    }
}
